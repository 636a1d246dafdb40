//! What declaring endpoints costs at compile time: 200 `#[endpoint]` structs against 200 plain
//! `#[derive(Serialize, Deserialize)]` structs of the same fields, built in the same run.
//!
//! ```text
//! cargo bench --bench compile_cost                      # 200 structs, 5 rounds
//! WECHATPAY_COMPILE_COST_N=400 cargo bench --bench compile_cost
//! ```
//!
//! Both crates live in one scratch workspace under `target/compile-cost` and share its
//! dependencies, which are built once before timing; each round then rebuilds only the two
//! crates (dev profile, as a developer edits), alternating, and the medians of the CPU time the
//! builds used are compared.

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

/// Builds `package`; returns the CPU time it took (wall time where CPU time is not available).
fn build(workspace: &Path, package: &str) -> Duration {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline", "-p", package])
        .current_dir(workspace)
        .status()
        .expect("running cargo");
    assert!(status.success(), "building {package} failed");
    let wall = start.elapsed();
    match (cpu_before, children_cpu()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => wall,
    }
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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
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
    build(&workspace, "endpoints");
    build(&workspace, "plain");

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
        endpoint_times.push(build(&workspace, "endpoints"));
        plain_times.push(build(&workspace, "plain"));
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
