//! `wechatpay notify verify --max-age/--at`: a callback captured from the sandbox and re-checked
//! an hour later passes only with the age check relaxed, and says so.

use std::path::PathBuf;
use std::process::{Command, Output};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wechatpay_sandbox::Sandbox;

/// Runs `wechatpay ARGS` with exactly `env` (plus PATH), off the runtime's threads.
async fn wechatpay(env: &[(String, String)], args: Vec<String>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command.env_clear().args(args);
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Receives one HTTP request on `listener`, answers `204`, and returns its head and body.
async fn capture_one(listener: TcpListener) -> (String, Vec<u8>) {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head, body_start, length) = loop {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before the request was whole");
        received.extend_from_slice(&chunk[..n]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(received[..end].to_vec()).unwrap();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().unwrap())
                })
                .unwrap();
            break (head, end + 4, length);
        }
    };
    while received.len() < body_start + length {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0);
        received.extend_from_slice(&chunk[..n]);
    }
    socket
        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    (head, received[body_start..body_start + length].to_vec())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_checked_an_hour_later_passes_only_with_the_age_check_relaxed() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir: PathBuf =
        std::env::temp_dir().join(format!("wechatpay-cli-notify-age-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let env = sandbox.write_env(&dir).unwrap();

    // A callback as the sandbox sends it, captured to files as a log would keep it.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let resource = serde_json::json!({"out_trade_no": "T-2001", "trade_state": "SUCCESS"});
    let capture = tokio::spawn(capture_one(listener));
    sandbox
        .send_callback(
            &url,
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            &resource,
        )
        .unwrap();
    let (head, body) = capture.await.unwrap();
    let timestamp: i64 = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("wechatpay-timestamp")
                .then(|| value.trim().parse().unwrap())
        })
        .expect("the callback is signed");
    let headers = dir.join("callback.headers");
    let body_file = dir.join("callback.json");
    std::fs::write(&headers, &head).unwrap();
    std::fs::write(&body_file, &body).unwrap();
    let an_hour_later = (timestamp + 3_600).to_string();
    let args = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "notify",
            "verify",
            "--headers",
            headers.to_str().unwrap(),
            "--body",
            body_file.to_str().unwrap(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };

    // An hour later with the live rule (300 s): refused as stale, with the way out named.
    let out = wechatpay(&env, args(&["--at", &an_hour_later])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing is printed of a refused callback"
    );
    assert!(stderr.contains("the callback is refused"), "{stderr}");
    assert!(stderr.contains("3600 s away"), "{stderr}");
    assert!(stderr.contains("--max-age"), "{stderr}");

    // The same, allowing two hours: verified, decrypted, and the relaxation is said.
    let out = wechatpay(&env, args(&["--at", &an_hour_later, "--max-age", "2h"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(event["resource"], resource);
    assert!(
        stderr.contains("note: the age check was relaxed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("up to 7200 s away (--max-age) instead of 300 s"),
        "{stderr}"
    );
    assert!(stderr.contains("is 3600 s away"), "{stderr}");

    // Relaxed, but too little: still refused.
    let out = wechatpay(&env, args(&["--at", &an_hour_later, "--max-age", "30m"])).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));

    // Relaxing the age never relaxes the signature: one byte changed is still refused.
    let mut forged = body.clone();
    let at = forged.iter().position(|&b| b == b'T').unwrap();
    forged[at] = b'X';
    std::fs::write(&body_file, &forged).unwrap();
    let out = wechatpay(&env, args(&["--at", &an_hour_later, "--max-age", "2h"])).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("signature does not verify"), "{stderr}");

    // A duration that is not one is a usage error.
    let out = wechatpay(&env, args(&["--max-age", "2 weeks"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
