//! The generated names keep the naming rule's promises: no name repeats a run of words (a
//! placeholder after the segment that names it), none is named after an operation that is not its
//! only user (a service provider's twin, `PartnerX` beside `X`, shares `X`'s types), none is over
//! 64 characters, and half are at most 28. `cargo run -p wechatpay-codegen -- names` prints the
//! distribution.

use std::path::{Path, PathBuf};

use wechatpay_codegen::names::{MAX_LEN, NamesFile, Report};
use wechatpay_codegen::{emit, merge};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_generated_names_keep_the_rule() {
    let (facts, _) = merge::merged(&repo()).expect("the merge");
    let names = NamesFile::read(&repo().join(emit::NAMES_FILE)).expect("the names file");
    let modules = emit::type_names(&facts, &names).expect("the names");
    let report = Report::new(&modules);
    let text = report.text();
    assert!(report.lengths.len() > 3000, "{text}");
    assert!(report.repeated.is_empty(), "{text}");
    assert!(report.after_another.is_empty(), "{text}");
    assert!(report.too_long.is_empty(), "over {MAX_LEN}: {text}");
    assert!(report.median() <= 28, "{text}");
    // Every module's names are distinct.
    for (module, types) in &modules {
        let mut seen = std::collections::BTreeSet::new();
        for t in types {
            assert!(
                seen.insert(&t.name),
                "{module}::{} is declared twice",
                t.name
            );
        }
    }
}

#[test]
fn the_names_file_names_only_operations_that_exist() {
    let (facts, _) = merge::merged(&repo()).expect("the merge");
    let mut names = NamesFile::read(&repo().join(emit::NAMES_FILE)).expect("the names file");
    names
        .operations
        .insert("GET v3/no/such/operation".to_owned(), "NoSuch".to_owned());
    let error = emit::emit(&facts, &names, &[]).expect_err("a stale name is an error");
    assert!(error.contains("`GET v3/no/such/operation`"), "{error}");
}
