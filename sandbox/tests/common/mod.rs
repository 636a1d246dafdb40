//! The `wechatpay-sandbox` binary started as its own process, and a client process configured
//! only from the `export` lines it prints.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// Set in the environment of the client process a test starts.
pub const CHILD: &str = "WECHATPAY_SANDBOX_STANDALONE_CHILD";

/// The sandbox process, killed when the test ends however it ends.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether this process is the client process a test started with [`client_process`].
pub fn is_client_process() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// A fresh keys directory for this test process.
pub fn keys_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wechatpay-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Starts the binary and reads its `export` lines, up to the APIv3 key.
pub fn start_sandbox(keys_dir: &std::path::Path) -> (Running, HashMap<String, String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wechatpay-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--keys-dir"])
        .arg(keys_dir)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the sandbox binary starts");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut exports = HashMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some((name, value)) = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split_once('='))
        {
            exports.insert(name.to_owned(), value.to_owned());
            if name == "WECHATPAY_APIV3_KEY" {
                break;
            }
        }
    }
    (running, exports)
}

/// Runs the test `test` of this test binary again, as a separate client process whose
/// environment holds nothing but `exports`; asserts that it passed.
pub fn client_process(test: &str, exports: &HashMap<String, String>) -> String {
    let output: Output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env_clear()
        .envs(exports)
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the client process failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{test} did not run: {stdout}");
    stdout
}
