//! What declaring endpoints costs at compile time, as ratios measured in one run:
//!
//! 1. 200 `#[endpoint]` structs against 200 plain `#[derive(Serialize, Deserialize)]` structs of
//!    the same fields;
//! 2. the generated catalog: the library with its default features (the merchant catalog), with
//!    `partner` added, with `full` and with every v3 family against the library without the
//!    catalog (`default-features = false`); the v3 catalog against the same types with plain serde
//!    derives in a crate of their own; and `cargo check` of the library with one family enabled,
//!    whose cost is compared with that family's share of the declarations.
//!
//! ```text
//! cargo bench --bench compile_cost                      # both parts
//! WECHATPAY_COMPILE_COST_N=400 cargo bench --bench compile_cost
//! WECHATPAY_COMPILE_COST_CATALOG=0 cargo bench --bench compile_cost    # part 1 only
//! WECHATPAY_COMPILE_COST_PART=catalog cargo bench --bench compile_cost  # part 2 only
//! WECHATPAY_COMPILE_COST_PART=default WECHATPAY_COMPILE_COST_ROUNDS=8 cargo bench --bench compile_cost  # its first goal,
//!     # timed, then counted in instructions under valgrind's cachegrind when valgrind is installed
//! WECHATPAY_COMPILE_COST_ROUNDS=3 WECHATPAY_COMPILE_COST_FAMILY=payscore cargo bench --bench compile_cost
//! ```
//!
//! Part 2 sets the modification time of `runtime/src/lib.rs` before each timed build, so that
//! the library alone is compiled again; the next build of this checkout recompiles it too.
//!
//! The crates of each part live in one scratch workspace under `target/` and share its
//! dependencies, which are built once before timing; each round then rebuilds only the measured
//! crates (dev profile), alternating, without incremental compilation (the whole crate is
//! compiled, as on a first build or in CI), and the medians of the CPU time the builds used are
//! compared. CPU time is far steadier than wall time on a shared machine, but still moves by
//! about ±10 % from run to run here: compare ratios from one run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn endpoint_crate(n: usize) -> String {
    let mut src = String::from("#![allow(dead_code)]\nuse serde::{Deserialize, Serialize};\n");
    for i in 0..n {
        let _ = write!(
            src,
            r#"
#[derive(Serialize, Deserialize)]
pub struct Amount{i} {{ pub total: u64, pub currency: Option<String> }}
#[derive(Deserialize)]
pub struct Answer{i} {{ pub id: String, pub state: String }}
#[wechatpay::endpoint(POST, "v3/bench/contracts/{{contract_id}}/items/{i}", response = Answer{i})]
pub struct Request{i} {{
    pub contract_id: String,
    pub appid: String,
    pub out_trade_no: String,
    pub description: String,
    pub attach: Option<String>,
    #[serde(rename = "goods_tag")]
    pub tag: Option<String>,
    pub amount: Amount{i},
}}
"#
        );
    }
    src
}

fn serde_crate(n: usize) -> String {
    let mut src = String::from("#![allow(dead_code)]\nuse serde::{Deserialize, Serialize};\n");
    for i in 0..n {
        let _ = write!(
            src,
            r#"
#[derive(Serialize, Deserialize)]
pub struct Amount{i} {{ pub total: u64, pub currency: Option<String> }}
#[derive(Deserialize)]
pub struct Answer{i} {{ pub id: String, pub state: String }}
#[derive(Serialize, Deserialize)]
pub struct Request{i} {{
    pub contract_id: String,
    pub appid: String,
    pub out_trade_no: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    #[serde(rename = "goods_tag", skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub amount: Amount{i},
}}
"#
        );
    }
    src
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// CPU seconds (user + system) used by this process's finished children, from `/proc/self/stat`
/// (Linux); CPU time is far less disturbed than wall time by other work on a shared machine.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 here, counting from 1 = state.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10)) // USER_HZ is 100 on Linux
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let n: usize = std::env::var("WECHATPAY_COMPILE_COST_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let rounds = 5;
    let catalog_rounds: usize = std::env::var("WECHATPAY_COMPILE_COST_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let catalog_only = std::env::var("WECHATPAY_COMPILE_COST_PART").is_ok();
    if !catalog_only {
        structs(&root, n, rounds);
    }
    if std::env::var("WECHATPAY_COMPILE_COST_PART").as_deref() == Ok("default") {
        default_goal(&root, catalog_rounds);
    } else if std::env::var("WECHATPAY_COMPILE_COST_CATALOG").as_deref() != Ok("0") {
        catalog(&root, catalog_rounds);
    }
}

/// Part 1: `n` `#[endpoint]` structs against `n` plain serde structs of the same fields.
fn structs(root: &Path, n: usize, rounds: usize) {
    let workspace = root.join("target/compile-cost");
    let wechatpay = root.display().to_string();
    write(
        &workspace.join("Cargo.toml"),
        "[workspace]\nmembers = [\"endpoints\", \"plain\"]\nresolver = \"2\"\n",
    );
    for (name, deps) in [
        (
            "endpoints",
            format!(
                "wechatpay = {{ path = {wechatpay:?}, default-features = false }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n"
            ),
        ),
        (
            "plain",
            "serde = { version = \"1\", features = [\"derive\"] }\n".to_owned(),
        ),
    ] {
        write(
            &workspace.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n{deps}"
            ),
        );
    }
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).ok();
    // Warm-up: dependencies are built once and not timed.
    write(&workspace.join("endpoints/src/lib.rs"), "");
    write(&workspace.join("plain/src/lib.rs"), "");
    cargo(&workspace, "build", "endpoints");
    cargo(&workspace, "build", "plain");

    let (mut endpoint_times, mut plain_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // A comment that changes each round forces a rebuild of the crate alone.
        let stamp = format!("// round {round}\n");
        write(
            &workspace.join("endpoints/src/lib.rs"),
            &(stamp.clone() + &endpoint_crate(n)),
        );
        write(
            &workspace.join("plain/src/lib.rs"),
            &(stamp + &serde_crate(n)),
        );
        endpoint_times.push(cargo(&workspace, "build", "endpoints"));
        plain_times.push(cargo(&workspace, "build", "plain"));
    }
    let endpoints = median(endpoint_times.clone());
    let plain = median(plain_times.clone());
    println!("CPU time of `cargo build` of the crate alone, {rounds} rounds:");
    println!("{n} #[endpoint] structs: {endpoint_times:?} (median {endpoints:?})");
    println!("{n} serde structs:       {plain_times:?} (median {plain:?})");
    println!(
        "ratio endpoint/serde: {:.2}",
        endpoints.as_secs_f64() / plain.as_secs_f64()
    );
}

/// Sets the modification time of the library's root file to now, so that the next build
/// compiles the `wechatpay` crate again (its dependencies stay built).
fn touch(file: &Path) {
    let handle = std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .expect("opening the library's root file");
    handle
        .set_modified(std::time::SystemTime::now())
        .expect("touching the library's root file");
}

/// `cargo <command> -p package` in `workspace`; the CPU time it took (wall time where CPU time
/// is not available).
fn cargo(workspace: &Path, command: &str, package: &str) -> Duration {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        // The whole crate is compiled each time, as on a first build or in CI, not the few
        // queries an incremental rebuild of an unchanged file redoes.
        .env("CARGO_INCREMENTAL", "0")
        .args([command, "--quiet", "--offline", "-p", package])
        .current_dir(workspace)
        .status()
        .expect("running cargo");
    assert!(status.success(), "cargo {command} -p {package} failed");
    let wall = start.elapsed();
    match (cpu_before, children_cpu()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => wall,
    }
}

/// The generated catalog with plain serde derives, as a person writes the same types with serde
/// alone: each `#[endpoint]` becomes `#[derive(serde::Serialize)]`, each `Decode` derive
/// `serde::Deserialize` and each `Encode` derive `serde::Serialize`, each `open_enum!` an enum
/// deriving both with `#[serde(rename)]` variants and an `#[serde(untagged)] Unknown(String)`
/// catch-all; what only the endpoint macro reads, and the modules' test code, are left out.
fn plain_catalog(v3: &Path) -> (String, Vec<(String, String)>, usize) {
    let mut modules = Vec::new();
    let mut declarations = 0;
    let mut entries: Vec<_> = std::fs::read_dir(v3)
        .expect("runtime/src/v3")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| path.file_name().is_some_and(|name| name != "mod.rs"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        // The modules' test code comes last.
        let text = text.split("\n#[cfg(test)]\n").next().unwrap_or_default();
        let mut out = String::new();
        let mut in_enum = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("crate::open_enum::open_enum!") {
                in_enum = true;
            } else if in_enum && trimmed.starts_with("pub enum ") {
                out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]\n");
                out.push_str(trimmed);
                out.push('\n');
            } else if in_enum && trimmed.starts_with("///") {
                out.push_str(trimmed);
                out.push('\n');
            } else if in_enum && trimmed.contains(" = \"") {
                // `Variant = "WIRE",`
                let (variant, wire) = trimmed.split_once(" = ").unwrap();
                let wire = wire.trim_end_matches(',');
                out.push_str(&format!("#[serde(rename = {wire})]\n{variant},\n"));
            } else if in_enum && trimmed == "}" && line.starts_with("    }") {
                out.push_str("#[serde(untagged)]\nUnknown(String),\n}\n");
            } else if in_enum && line == "}" {
                in_enum = false;
            } else if trimmed.starts_with("#[endpoint(") {
                declarations += 1;
                out.push_str("#[derive(serde::Serialize)]\n");
            } else if trimmed.starts_with("#[wechatpay(")
                || trimmed.starts_with("#[wechatpay::")
                || trimmed.starts_with("#[crate::model]")
                || trimmed.starts_with("#[cfg_attr(test")
                || trimmed.starts_with("#[cfg_attr(docsrs")
                // The plain twin has every operation, as the v3 build it is compared with.
                || trimmed == "#[cfg(feature = \"partner\")]"
                || trimmed.starts_with("#[serde(serialize_with = \"crate::__private")
                || trimmed == "use crate::endpoint;"
            {
                continue;
            } else {
                out.push_str(
                    &line
                        .replace("crate::__private::Decode", "serde::Deserialize")
                        .replace("crate::__private::Encode", "serde::Serialize"),
                );
                out.push('\n');
            }
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        modules.push((name, out));
    }
    // What the catalog names in the library: the marker trait query enums implement, and the
    // upload type.
    let mut lib = String::from(
        "pub mod endpoint {\n    pub trait QueryValue {}\n}\npub mod media {\n    #[derive(Debug, Clone, serde::Serialize)]\n    pub struct UploadFile;\n}\n",
    );
    for (name, _) in &modules {
        lib.push_str(&format!("pub mod {name};\n"));
    }
    (lib, modules, declarations)
}

/// The v3 families of the `full` feature (every generated family less the v2 catalog), read from
/// the library's `Cargo.toml`.
fn v3_families(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let line = manifest
        .lines()
        .find(|line| line.starts_with("full = ["))
        .expect("a `full` feature in Cargo.toml");
    line.trim_start_matches("full = [")
        .trim_end_matches(']')
        .split(',')
        .map(|name| name.trim().trim_matches('"').to_owned())
        .filter(|name| !name.is_empty() && !name.starts_with("v2-"))
        .collect()
}

/// The instructions rustc executed to compile the `wechatpay` library in `workspace`'s `package`,
/// counted by valgrind's cachegrind (as rustc's own performance suite counts them): unlike time,
/// the count does not move with the machine's load. `None` when valgrind is not installed.
fn instructions(workspace: &Path, package: &str) -> Option<u64> {
    let wrapper = workspace.join("count-instructions.sh");
    let log = workspace.join(format!("instructions-{package}.log"));
    write(
        &wrapper,
        "#!/bin/sh\n# Runs rustc under cachegrind for the wechatpay crate, as is for any other.\nrustc=\"$1\"; shift\ncase \" $* \" in\n  *\" --crate-name wechatpay \"*) exec valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --log-file=\"$WECHATPAY_INSTRUCTIONS_LOG\" \"$rustc\" \"$@\" ;;\nesac\nexec \"$rustc\" \"$@\"\n",
    );
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .ok()?;
    let status = Command::new("sh")
        .args(["-c", "command -v valgrind"])
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    std::fs::remove_file(&log).ok();
    let status = Command::new(env!("CARGO"))
        .env("CARGO_INCREMENTAL", "0")
        .env("RUSTC_WRAPPER", &wrapper)
        .env("WECHATPAY_INSTRUCTIONS_LOG", &log)
        .args(["build", "--quiet", "--offline", "-p", package])
        .current_dir(workspace)
        .status()
        .ok()?;
    assert!(status.success(), "cargo build -p {package} failed");
    let text = std::fs::read_to_string(&log).ok()?;
    let line = text.lines().find(|line| line.contains("I   refs:"))?;
    line.rsplit(' ').next()?.replace(',', "").parse().ok()
}

/// Part 2's first goal alone: the library with and without the default catalog, built one after
/// the other in each round, so that each round's ratio compares two builds that ran under the
/// same load. This machine's load moves a single build by ±10 %; the median of the rounds'
/// ratios and the ratio of the fastest builds are both printed.
fn default_goal(root: &Path, rounds: usize) {
    let workspace = root.join("target/compile-cost-default");
    let wechatpay = root.display().to_string();
    write(
        &workspace.join("Cargo.toml"),
        "[workspace]\nmembers = [\"today\", \"default\"]\nresolver = \"2\"\n",
    );
    for (name, features) in [("today", ", default-features = false"), ("default", "")] {
        write(
            &workspace.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nwechatpay = {{ path = {wechatpay:?}{features} }}\n"
            ),
        );
        write(&workspace.join(name).join("src/lib.rs"), "");
    }
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).ok();
    let lib_rs = root.join("runtime/src/lib.rs");
    for name in ["today", "default"] {
        cargo(&workspace, "build", name);
    }
    let (mut today, mut default, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    println!("CPU seconds of `cargo build` of the wechatpay library alone (dev profile):");
    for round in 0..rounds {
        touch(&lib_rs);
        let without = cargo(&workspace, "build", "today").as_secs_f64();
        touch(&lib_rs);
        let with = cargo(&workspace, "build", "default").as_secs_f64();
        println!(
            "  round {round}: without the catalog {without:.1}, default features {with:.1}, ratio {:.2}",
            with / without
        );
        today.push(without);
        default.push(with);
        ratios.push(with / without);
    }
    ratios.sort_by(f64::total_cmp);
    let fastest = |times: &[f64]| times.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "  default / without the catalog: median of the rounds' ratios {:.2}; fastest builds {:.1} / {:.1} = {:.2}",
        ratios[ratios.len() / 2],
        fastest(&default),
        fastest(&today),
        fastest(&default) / fastest(&today)
    );
    // The same two builds once more, counted in instructions.
    touch(&lib_rs);
    let counted = instructions(&workspace, "today");
    touch(&lib_rs);
    match (counted, instructions(&workspace, "default")) {
        (Some(without), Some(with)) => println!(
            "instructions rustc executed for the library: without the catalog {without}, default features {with}, ratio {:.3}",
            with as f64 / without as f64
        ),
        _ => println!("(valgrind is not installed: no instruction counts)"),
    }
}

/// The catalog's cost: the library with the default features and with `full` against the
/// library without the catalog, the v3 catalog against the same types with plain serde derives,
/// and `cargo check` of a program that enables one family.
fn catalog(root: &Path, rounds: usize) {
    let workspace = root.join("target/compile-cost-catalog");
    let wechatpay = root.display().to_string();
    let family =
        std::env::var("WECHATPAY_COMPILE_COST_FAMILY").unwrap_or_else(|_| "payscore".into());
    let v3 = v3_families(root);
    write(
        &workspace.join("Cargo.toml"),
        "[workspace]\nmembers = [\"today\", \"default\", \"partner\", \"full\", \"v3\", \"family\", \"plain\"]\nresolver = \"2\"\n",
    );
    let serde = "serde = { version = \"1\", features = [\"derive\"] }\n";
    for (name, deps) in [
        (
            "today",
            format!("wechatpay = {{ path = {wechatpay:?}, default-features = false }}\n"),
        ),
        (
            "default",
            format!("wechatpay = {{ path = {wechatpay:?} }}\n"),
        ),
        (
            "partner",
            format!("wechatpay = {{ path = {wechatpay:?}, features = [\"partner\"] }}\n"),
        ),
        (
            "full",
            format!("wechatpay = {{ path = {wechatpay:?}, features = [\"full\"] }}\n"),
        ),
        (
            "v3",
            format!(
                "wechatpay = {{ path = {wechatpay:?}, default-features = false, features = {v3:?} }}\n"
            ),
        ),
        (
            "family",
            format!(
                "wechatpay = {{ path = {wechatpay:?}, default-features = false, features = [{family:?}] }}\n"
            ),
        ),
        ("plain", format!("{serde}serde_json = \"1\"\n")),
    ] {
        write(
            &workspace.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n{deps}"
            ),
        );
        write(&workspace.join(name).join("src/lib.rs"), "");
    }
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).ok();
    let (lib, modules, declarations) = plain_catalog(&root.join("runtime/src/v3"));
    for (name, text) in &modules {
        write(
            &workspace.join("plain/src").join(format!("{name}.rs")),
            text,
        );
    }
    let family_module = family.replace('-', "_");
    let family_declarations = modules
        .iter()
        .find(|(name, _)| *name == family_module)
        .map_or(0, |(_, text)| {
            text.matches("#[derive(serde::Serialize)]\n").count()
        });
    let lib_rs = root.join("runtime/src/lib.rs");
    // Warm-up: every dependency is built once and not timed.
    for name in ["today", "default", "partner", "full", "v3", "family"] {
        cargo(&workspace, "build", name);
    }
    for name in ["today", "v3", "family"] {
        cargo(&workspace, "check", name);
    }
    write(&workspace.join("plain/src/lib.rs"), &lib);
    cargo(&workspace, "build", "plain");

    let mut times: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    for round in 0..rounds {
        for name in ["today", "default", "partner", "full", "v3"] {
            touch(&lib_rs);
            times
                .entry(name)
                .or_default()
                .push(cargo(&workspace, "build", name));
        }
        write(
            &workspace.join("plain/src/lib.rs"),
            &format!("// round {round}\n{lib}"),
        );
        times
            .entry("plain")
            .or_default()
            .push(cargo(&workspace, "build", "plain"));
        for (name, label) in [
            ("today", "check today"),
            ("family", "check family"),
            ("v3", "check v3"),
        ] {
            touch(&lib_rs);
            times
                .entry(label)
                .or_default()
                .push(cargo(&workspace, "check", name));
        }
    }
    let m = |name: &str| median(times[name].clone()).as_secs_f64();
    let (today, default, partner, full, v3, plain) = (
        m("today"),
        m("default"),
        m("partner"),
        m("full"),
        m("v3"),
        m("plain"),
    );
    println!();
    println!(
        "CPU seconds of `cargo build` of the wechatpay library alone (dev profile), median of {rounds}:"
    );
    println!("  without the catalog (default-features = false): {today:.1}");
    println!(
        "  default features (the merchant catalog):        {default:.1}  ratio {:.2}",
        default / today
    );
    println!(
        "  default features and `partner`:                 {partner:.1}  ratio {:.2}",
        partner / today
    );
    println!(
        "  full (every family, v3 and v2):                 {full:.1}  ratio {:.2}",
        full / today
    );
    println!(
        "  every v3 family:                                {v3:.1}  ratio {:.2}",
        v3 / today
    );
    let catalog = v3 - today;
    println!(
        "  the v3 catalog: {catalog:.1} s for {declarations} declarations, {:.1} ms each",
        catalog * 1000.0 / declarations as f64
    );
    println!(
        "  the same types with plain serde derives, a crate of their own: {plain:.1} s, {:.1} ms each; ratio catalog/plain {:.2}",
        plain * 1000.0 / declarations as f64,
        catalog / plain
    );
    let (check_today, check_family, check_v3) =
        (m("check today"), m("check family"), m("check v3"));
    println!("CPU seconds of `cargo check` of the library alone:");
    println!("  without the catalog: {check_today:.1}");
    println!(
        "  with `{family}` only: {check_family:.1}  ratio {:.2}",
        check_family / check_today
    );
    println!(
        "  every v3 family:      {check_v3:.1}  ratio {:.2}",
        check_v3 / check_today
    );
    // Only the family is compiled when what it adds is its share of the whole catalog.
    println!(
        "  `{family}` adds {:.1} s: {:.1} % of what the v3 catalog adds, for {:.1} % of its declarations ({family_declarations} of {declarations})",
        check_family - check_today,
        100.0 * (check_family - check_today) / (check_v3 - check_today),
        100.0 * family_declarations as f64 / declarations as f64
    );
}
