//! `wechatpay-codegen import [DESCRIPTION_DIR]`, `wechatpay-codegen import-official GO_REPO
//! JAVA_REPO` and `wechatpay-codegen emit`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wechatpay_codegen::notices::{self, NoticesFile};
use wechatpay_codegen::{
    emit, emit_v2, facts_v2::FactsV2, import, import_official, import_v2, merge,
};

const USAGE: &str = "usage:
  cargo run -p wechatpay-codegen -- import [DESCRIPTION_DIR]   YAML → codegen/facts.json, codegen/facts_v2.json
  cargo run -p wechatpay-codegen -- import-official GO_REPO JAVA_REPO
                                                               WeChat Pay's SDKs → codegen/facts_go.json, codegen/facts_java.json
  cargo run -p wechatpay-codegen -- emit                       the facts, merged → runtime/src/v3/, runtime/src/v2/catalog/;
                                                               codegen/notices.yaml → runtime/src/notify/event.rs
  cargo run -p wechatpay-codegen -- names [--list]             the generated names' measures (lengths, repeats, numbers); --list: every operation's name
  cargo run -p wechatpay-codegen -- check [--all]              the merge's report (--all: every place); fails on an unsettled disagreement
DESCRIPTION_DIR defaults to ../shared/reference/wechatpay-openapi (beside the repository).
GO_REPO and JAVA_REPO are git repositories (bare or checked out) of wechatpay-apiv3/wechatpay-go and
wechatpay-apiv3/wechatpay-java; their HEAD commit is read and recorded.";

/// The description's origin, written into the facts.
const SOURCE: &str =
    "TheNorthMemory/wechatpay-openapi@4d6325b09af308025ba7677ead284feeea2680ba (MIT)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let result = match args.first().map(String::as_str) {
        Some("import") => {
            let dir = args.get(1).map_or_else(
                || repo.join("../shared/reference/wechatpay-openapi"),
                PathBuf::from,
            );
            run_import(&repo, &dir)
        }
        Some("import-official") => match (args.get(1), args.get(2)) {
            (Some(go), Some(java)) => run_import_official(&repo, Path::new(go), Path::new(java)),
            _ => Err(USAGE.to_owned()),
        },
        Some("emit") => run_emit(&repo),
        Some("names") => run_names(&repo, args.get(1).is_some_and(|arg| arg == "--list")),
        Some("check") => run_check(&repo, args.get(1).is_some_and(|arg| arg == "--all")),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn run_import(repo: &Path, dir: &Path) -> Result<String, String> {
    let overrides = import::read_overrides(&repo.join("codegen/overrides.yaml"))?;
    let facts = import::import(dir, overrides, SOURCE)?;
    let out = repo.join("codegen/facts.json");
    std::fs::write(&out, facts.to_text())
        .map_err(|error| format!("writing {}: {error}", out.display()))?;
    let overrides = import::read_overrides(&repo.join("codegen/overrides_v2.yaml"))?;
    let facts_v2 = import_v2::import_v2(dir, overrides, SOURCE)?;
    let out_v2 = repo.join("codegen/facts_v2.json");
    std::fs::write(&out_v2, facts_v2.to_text())
        .map_err(|error| format!("writing {}: {error}", out_v2.display()))?;
    Ok(format!(
        "{} operations → {}; {} v2 operations → {}",
        facts.operations.len(),
        out.display(),
        facts_v2.operations.len(),
        out_v2.display()
    ))
}

fn run_import_official(repo: &Path, go: &Path, java: &Path) -> Result<String, String> {
    let mut report = Vec::new();
    for (git, name, out, is_go) in [
        (
            go,
            "wechatpay-apiv3/wechatpay-go",
            "codegen/facts_go.json",
            true,
        ),
        (
            java,
            "wechatpay-apiv3/wechatpay-java",
            "codegen/facts_java.json",
            false,
        ),
    ] {
        let commit = git_output(git, &["rev-parse", "HEAD"])?;
        let source = format!("{name}@{commit} (Apache-2.0)");
        let files = sources_at(git, &commit)?;
        let facts = if is_go {
            import_official::import_go(&files, &source)?
        } else {
            import_official::import_java(&files, &source)?
        };
        let path = repo.join(out);
        std::fs::write(&path, facts.to_text())
            .map_err(|error| format!("writing {}: {error}", path.display()))?;
        report.push(format!(
            "{} operations → {}",
            facts.operations.len(),
            path.display()
        ));
    }
    Ok(report.join("; "))
}

/// Runs `git -C DIR ARGS…` and answers its trimmed output.
fn git_output(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| format!("running git in {}: {error}", dir.display()))?;
    if !output.status.success() {
        return Err(format!(
            "git {} in {}: {} (is it a git repository?)",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The `.go` and `.java` files of a commit, read from git (a bare repository has no work tree).
fn sources_at(git: &Path, commit: &str) -> Result<Vec<import_official::SourceFile>, String> {
    let listing = git_output(git, &["ls-tree", "-r", "--name-only", commit])?;
    let wanted: Vec<&str> = listing
        .lines()
        .filter(|path| {
            (path.starts_with("services/") && path.ends_with(".go"))
                || (path.starts_with("service/src/main/java/") && path.ends_with(".java"))
        })
        .collect();
    // One `git cat-file --batch` for all files.
    let mut child = std::process::Command::new("git")
        .arg("-C")
        .arg(git)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|error| format!("running git cat-file in {}: {error}", git.display()))?;
    let request: String = wanted
        .iter()
        .map(|path| format!("{commit}:{path}\n"))
        .collect();
    let mut stdin = child.stdin.take().ok_or("git cat-file: no stdin")?;
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(request.as_bytes())
    });
    let output = child
        .wait_with_output()
        .map_err(|error| format!("git cat-file: {error}"))?;
    writer
        .join()
        .map_err(|_| "git cat-file: the writer failed".to_owned())?
        .map_err(|error| format!("git cat-file: {error}"))?;
    let mut data = output.stdout.as_slice();
    let mut files = Vec::new();
    for path in wanted {
        let end = data
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| format!("git cat-file: truncated output at {path}"))?;
        let header = String::from_utf8_lossy(&data[..end]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file: unexpected header `{header}` for {path}"))?;
        let body = data
            .get(end + 1..end + 1 + size)
            .ok_or_else(|| format!("git cat-file: truncated {path}"))?;
        files.push((path.to_owned(), String::from_utf8_lossy(body).into_owned()));
        data = &data[(end + 2 + size).min(data.len())..];
    }
    Ok(files)
}

fn run_check(repo: &Path, all: bool) -> Result<String, String> {
    let (description, official, settlements) = merge::read_inputs(repo)?;
    let (_, report) = merge::merge_report(&description, &official, &settlements);
    print!("{}", report.to_text(all));
    let errors = report.errors();
    if errors.is_empty() {
        Ok(format!(
            "the merge is settled: {} left against the official models",
            report.after.total()
        ))
    } else {
        Err(format!("{} unsettled or stale", errors.len()))
    }
}

fn run_names(repo: &Path, list: bool) -> Result<String, String> {
    let (facts, _) = merge::merged(repo)?;
    let names = wechatpay_codegen::names::NamesFile::read(&repo.join(emit::NAMES_FILE))?;
    let modules = emit::type_names(&facts, &names)?;
    let mut out = wechatpay_codegen::names::Report::new(&modules).text();
    if list {
        for (module, types) in &modules {
            for t in types.iter().filter(|t| t.operation) {
                out.push_str(&format!("{module}::{}\t{}\n", t.name, t.key));
            }
        }
    }
    Ok(out)
}

fn run_emit(repo: &Path) -> Result<String, String> {
    // The catalog follows the description merged with WeChat Pay's own SDK models.
    let (facts, _) = merge::merged(repo)?;
    let facts_v2 = FactsV2::read(&repo.join("codegen/facts_v2.json"))?;
    let names = wechatpay_codegen::names::NamesFile::read(&repo.join(emit::NAMES_FILE))?;
    let v2 = write_generated(
        &repo.join(emit_v2::OUT_DIR),
        &emit_v2::emit(&facts_v2, &names.v2)?,
    )?;
    // The sandbox answers from the facts the catalog follows, in files of its own package.
    // The legacy paths the names file declares are answered too.
    let sandbox_facts = wechatpay_codegen::names::with_legacy(&facts, &names)?;
    for (path, text) in [
        (emit::SANDBOX_FACTS, sandbox_facts.to_text()),
        (emit_v2::SANDBOX_FACTS, facts_v2.to_text()),
    ] {
        let path = repo.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| error.to_string())?;
        }
        std::fs::write(&path, text)
            .map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    let notices = NoticesFile::resolved(repo, &facts)?;
    let files = emit::emit(&facts, &names, &notices)?;
    // The callback dispatch and the kinds the sandbox sends.
    for (path, text) in [
        (notices::EVENT_MODULE, notices::event_file(&notices)?),
        (notices::SANDBOX_NOTICES, notices::sandbox_facts(&notices)),
    ] {
        let path = repo.join(path);
        std::fs::write(&path, text)
            .map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    let dir = repo.join(emit::OUT_DIR);
    // Stale modules of families that disappeared go away.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !files.iter().any(|(file, _)| *file == name) {
                std::fs::remove_file(entry.path()).map_err(|error| error.to_string())?;
            }
        }
    }
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).map_err(|error| format!("writing {name}: {error}"))?;
    }
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
        (
            "README.md",
            notices::README_BEGIN,
            notices::README_END,
            notices::readme_block(&notices),
        ),
        (
            "Cargo.toml",
            emit_v2::FEATURES_BEGIN,
            emit_v2::FEATURES_END,
            emit_v2::feature_lines(&facts_v2),
        ),
        (
            "README.md",
            emit_v2::TABLE_BEGIN,
            emit_v2::TABLE_END,
            emit_v2::family_table(&facts_v2),
        ),
    ] {
        let path = repo.join(file);
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{file}: {error}"))?;
        let text =
            emit::splice(&text, begin, end, &block).map_err(|error| format!("{file}: {error}"))?;
        std::fs::write(&path, text).map_err(|error| format!("{file}: {error}"))?;
    }
    Ok(format!(
        "{} files → {}; {v2} files → {}; the callback dispatch → {}; the sandbox's facts → sandbox/facts/; features → Cargo.toml; family tables → README.md",
        files.len(),
        dir.display(),
        emit_v2::OUT_DIR,
        notices::EVENT_MODULE
    ))
}

/// Writes the generated files into `dir`, removing the stale ones; returns how many.
fn write_generated(dir: &Path, files: &[(String, String)]) -> Result<usize, String> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !files.iter().any(|(file, _)| *file == name) {
                std::fs::remove_file(entry.path()).map_err(|error| error.to_string())?;
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|error| error.to_string())?;
    for (name, text) in files {
        std::fs::write(dir.join(name), text).map_err(|error| format!("writing {name}: {error}"))?;
    }
    Ok(files.len())
}
