//! `wechatpay-codegen check`, as a test: the committed facts merge with no unsettled
//! disagreement and no stale settlement, and the merged facts meet the official models (no type
//! mismatch, no answer field required that an official model makes optional or lacks, no request
//! field an official model requires missing, every official operation declared, no `()` answer
//! where an official model decodes a body). Prints the report (`--nocapture` shows it).

use std::path::Path;

use wechatpay_codegen::merge;

#[test]
fn the_merge_is_settled_and_meets_the_official_models() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (description, official, settlements) = merge::read_inputs(&repo).expect("the inputs");
    assert_eq!(official.len(), 2, "the Go and Java SDKs' facts");
    let (_, report) = merge::merge_report(&description, &official, &settlements);
    println!("{}", report.to_text(false));
    let errors = report.errors();
    assert!(
        errors.is_empty(),
        "run `cargo run -p wechatpay-codegen -- check`:\n{}",
        errors.join("\n")
    );
    assert_eq!(
        report.after,
        merge::Measure {
            kept_by_settlement: report.after.kept_by_settlement,
            ..merge::Measure::default()
        },
        "the merged facts still differ from the official models"
    );
    // The official SDKs cover some operations, and the merge had something to do.
    assert!(report.operations.2 > 100, "{:?}", report.operations);
    assert!(report.before.total() > 0);
}
