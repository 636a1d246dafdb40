//! The committed catalog is exactly what `emit` makes of the committed facts (the description's,
//! merged with the official SDKs' and the settlements): a hand edit of a generated file, or a
//! facts or settlements change without `emit`, fails here. Needs only the repository (and rustfmt,
//! which `cargo fmt` uses too).

use std::path::{Path, PathBuf};

use wechatpay_codegen::facts::Facts;
use wechatpay_codegen::notices::{self, NoticesFile};
use wechatpay_codegen::{emit, merge};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The facts the catalog follows: the committed facts, merged.
fn facts() -> Facts {
    merge::merged(&repo())
        .unwrap_or_else(|error| panic!("the merge fails:\n{error}"))
        .0
}

const REGENERATE: &str = "regenerate with `cargo run -p wechatpay-codegen -- emit`";

#[test]
fn the_committed_modules_are_what_emit_writes() {
    let names = wechatpay_codegen::names::NamesFile::read(&repo().join(emit::NAMES_FILE))
        .expect("the names file");
    let facts = facts();
    let notices = NoticesFile::resolved(&repo(), &facts).expect("the notices file");
    let files = emit::emit(&facts, &names, &notices).expect("emit");
    let dir = repo().join(emit::OUT_DIR);
    for (name, text) in &files {
        let committed = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|error| panic!("{}/{name}: {error}; {REGENERATE}", emit::OUT_DIR));
        assert!(
            committed == *text,
            "{}/{name} differs from what emit writes; {REGENERATE}",
            emit::OUT_DIR
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
            emit::OUT_DIR
        );
    }
}

#[test]
fn the_features_and_the_readme_table_are_what_emit_writes() {
    let facts = facts();
    for (file, begin, end, block) in [
        (
            "Cargo.toml",
            emit::FEATURES_BEGIN,
            emit::FEATURES_END,
            emit::feature_lines(&facts),
        ),
        (
            "README.md",
            emit::TABLE_BEGIN,
            emit::TABLE_END,
            emit::family_table(&facts),
        ),
    ] {
        let text = std::fs::read_to_string(repo().join(file)).expect(file);
        let spliced = emit::splice(&text, begin, end, &block).expect("the markers");
        assert!(
            spliced == text,
            "the generated part of {file} is stale; {REGENERATE}"
        );
    }
}

#[test]
fn the_facts_file_is_in_its_canonical_form() {
    let text = std::fs::read_to_string(repo().join("codegen/facts.json")).expect("facts");
    let canonical = Facts::read(&repo().join("codegen/facts.json"))
        .expect("the committed facts")
        .to_text();
    let first = canonical
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .map(|line| {
            let (a, b) = (
                canonical.lines().nth(line).unwrap_or_default(),
                text.lines().nth(line).unwrap_or_default(),
            );
            let at = a
                .bytes()
                .zip(b.bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            format!("line {}: {:?} / {:?}", line + 1, a.get(at..), b.get(at..))
        });
    assert!(
        canonical == text,
        "codegen/facts.json is not as `import` writes it (edited by hand?); run `import`: {first:?}"
    );
}

#[test]
fn the_sandbox_answers_from_the_facts_the_catalog_follows() {
    let path = repo().join(emit::SANDBOX_FACTS);
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}; {REGENERATE}", path.display()));
    let names = wechatpay_codegen::names::NamesFile::read(&repo().join(emit::NAMES_FILE))
        .expect("the names file");
    let answered =
        wechatpay_codegen::names::with_legacy(&facts(), &names).expect("the legacy paths");
    assert!(
        committed == answered.to_text(),
        "{} differs from what emit writes; {REGENERATE}",
        emit::SANDBOX_FACTS
    );
}

#[test]
fn the_callback_dispatch_and_the_sandbox_kinds_are_what_emit_writes() {
    let facts = facts();
    let resolved = NoticesFile::resolved(&repo(), &facts).expect("the notices file");
    for (path, text) in [
        (
            notices::EVENT_MODULE,
            notices::event_file(&resolved).expect("the event module"),
        ),
        (notices::SANDBOX_NOTICES, notices::sandbox_facts(&resolved)),
    ] {
        let committed = std::fs::read_to_string(repo().join(path))
            .unwrap_or_else(|error| panic!("{path}: {error}; {REGENERATE}"));
        assert!(
            committed == text,
            "{path} differs from what emit writes; {REGENERATE}"
        );
    }
}
