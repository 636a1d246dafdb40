//! The committed v2 catalog (`runtime/src/v2/catalog/`, its features and its README table) is
//! exactly what `emit` makes of the committed `codegen/facts_v2.json`, and that file is in the
//! form `import` writes. Needs only the repository (and rustfmt).

use std::path::{Path, PathBuf};

use wechatpay_codegen::emit::splice;
use wechatpay_codegen::emit_v2;
use wechatpay_codegen::facts_v2::FactsV2;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn facts() -> FactsV2 {
    FactsV2::read(&repo().join("codegen/facts_v2.json")).expect("the committed v2 facts")
}

const REGENERATE: &str = "regenerate with `cargo run -p wechatpay-codegen -- emit`";

#[test]
fn the_committed_v2_modules_are_what_emit_writes() {
    let names = wechatpay_codegen::names::NamesFile::read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("names.yaml"),
    )
    .expect("the names file");
    let files = emit_v2::emit(&facts(), &names.v2).expect("emit");
    let dir = repo().join(emit_v2::OUT_DIR);
    for (name, text) in &files {
        let committed = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|error| panic!("{}/{name}: {error}; {REGENERATE}", emit_v2::OUT_DIR));
        assert!(
            committed == *text,
            "{}/{name} differs from what emit writes; {REGENERATE}",
            emit_v2::OUT_DIR
        );
    }
    for entry in std::fs::read_dir(&dir).expect("the generated folder") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            files.iter().any(|(file, _)| *file == name),
            "{}/{name} is not generated; {REGENERATE}",
            emit_v2::OUT_DIR
        );
    }
}

#[test]
fn the_v2_features_and_readme_table_are_what_emit_writes() {
    let facts = facts();
    for (file, begin, end, block) in [
        (
            "Cargo.toml",
            emit_v2::FEATURES_BEGIN,
            emit_v2::FEATURES_END,
            emit_v2::feature_lines(&facts),
        ),
        (
            "README.md",
            emit_v2::TABLE_BEGIN,
            emit_v2::TABLE_END,
            emit_v2::family_table(&facts),
        ),
    ] {
        let text = std::fs::read_to_string(repo().join(file)).expect(file);
        let spliced = splice(&text, begin, end, &block).expect("the markers");
        assert!(
            spliced == text,
            "the generated v2 part of {file} is stale; {REGENERATE}"
        );
    }
}

#[test]
fn the_v2_facts_file_is_in_its_canonical_form() {
    let text = std::fs::read_to_string(repo().join("codegen/facts_v2.json")).expect("facts");
    assert!(
        facts().to_text() == text,
        "codegen/facts_v2.json is not as `import` writes it (edited by hand?); run `import`"
    );
}

#[test]
fn every_v2_operation_is_in_the_facts_and_the_certificate_marks_are_there() {
    let facts = facts();
    assert_eq!(
        facts.operations.len(),
        136,
        "the description has 136 v2 operations"
    );
    let marked: Vec<&str> = facts
        .operations
        .iter()
        .filter(|operation| operation.cert)
        .map(|operation| operation.path.as_str())
        .collect();
    for path in [
        "secapi/pay/refund",
        "mmpaymkttransfers/promotion/transfers",
        "mmpaymkttransfers/sendredpack",
        "mmpaysptrans/pay_bank",
    ] {
        assert!(
            marked.contains(&path),
            "{path} needs the client certificate"
        );
    }
    assert!(!marked.contains(&"papay/querycontract"));
}

#[test]
fn the_sandbox_answers_from_the_v2_facts_the_catalog_follows() {
    let path = repo().join(emit_v2::SANDBOX_FACTS);
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}; {REGENERATE}", path.display()));
    assert!(
        committed == facts().to_text(),
        "{} differs from what emit writes; {REGENERATE}",
        emit_v2::SANDBOX_FACTS
    );
}
