//! The `wechatpay` command against the sandbox over HTTP: each subcommand, and its refusals.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wechatpay::{MerchantKey, PlatformCertificate};
use wechatpay_sandbox::{Fault, Sandbox};

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The variables the sandbox prints, for a command in another process.
fn env_of(sandbox: &Sandbox, dir: &Path) -> Vec<(String, String)> {
    sandbox.write_env(dir).unwrap()
}

/// Runs `wechatpay ARGS` with exactly `env` (plus PATH) and waits for it, off the runtime's
/// threads so the sandbox keeps answering.
async fn wechatpay(env: &[(String, String)], args: &[&str]) -> Output {
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn set(env: &mut Vec<(String, String)>, name: &str, value: &str) {
    env.retain(|(n, _)| n != name);
    env.push((name.to_owned(), value.to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_prints_the_verified_answer_and_its_request_id() {
    let sandbox = Sandbox::start().await.unwrap();
    let env = env_of(&sandbox, &scratch("call"));
    let out = wechatpay(
        &env,
        &[
            "call",
            "POST",
            "v3/security/echo",
            "--json",
            r#"{"echo_message":"你好 cli"}"#,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["echo_message"], "你好 cli");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("200 OK Request-ID "), "{stderr}");
    assert!(!stderr.contains("(none)"), "{stderr}");
    assert_eq!(sandbox.requests_to("v3/security/echo"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_reads_the_body_from_a_file_and_sends_the_query() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = scratch("call-file");
    let env = env_of(&sandbox, &dir);
    let body = dir.join("echo.json");
    std::fs::write(&body, r#"{"echo_message":"from a file"}"#).unwrap();
    let out = wechatpay(
        &env,
        &[
            "call",
            "post",
            "v3/security/echo",
            "--json",
            &format!("@{}", body.display()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("from a file"));

    // An order that does not exist: WeChat Pay's 404, exit code 3, the code in the message.
    let out = wechatpay(
        &env,
        &[
            "call",
            "GET",
            "v3/pay/transactions/out-trade-no/NO-SUCH-ORDER",
            "--query",
            &format!("mchid={}", sandbox.mchid()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ORDER_NOT_EXIST"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_refuses_a_forged_answer_with_exit_code_4() {
    let sandbox = Sandbox::start().await.unwrap();
    let env = env_of(&sandbox, &scratch("forged"));
    for fault in [
        Fault::TamperBody,
        Fault::ForeignSignature,
        Fault::StripSignature,
    ] {
        sandbox.inject(fault.clone());
        let out = wechatpay(
            &env,
            &[
                "call",
                "POST",
                "v3/security/echo",
                "--json",
                r#"{"echo_message":"x"}"#,
            ],
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(4),
            "{fault:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{fault:?}: a forged answer printed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_help_exits_0() {
    let sandbox = Sandbox::start().await.unwrap();
    let env = env_of(&sandbox, &scratch("usage"));
    for args in [
        &["call", "POST", "v3/security/echo", "--json", "{not json"][..],
        &["call", "FETCH", "v3/security/echo"],
        &["call", "GET", "v3/x", "--query", "no-equals-sign"],
        &["no-such-command"],
    ] {
        let out = wechatpay(&env, args).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(
        sandbox.requests_received(),
        0,
        "a usage error sent a request"
    );
    for args in [
        &["--help"][..],
        &["call", "--help"],
        &["certificates", "download", "--help"],
        &["notify", "verify", "--help"],
        &["doctor", "--help"],
        &["pay-sign", "jsapi", "--help"],
        &["pay-sign", "app", "--help"],
    ] {
        let out = wechatpay(&env, args).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage:"), "{args:?}: {help}");
    }
    let out = wechatpay(&env, &["call", "--help"]).await;
    assert!(
        text(&out.stdout).contains("wechatpay call POST v3/"),
        "the help has an example"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_download_writes_the_verified_certificates() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let dir = scratch("certificates");
    let mut env = env_of(&sandbox, &dir);
    // A merchant downloading its first certificates holds none.
    env.retain(|(name, _)| !name.starts_with("WECHATPAY_PUBLIC_KEY"));
    let download = |env: Vec<(String, String)>, out: PathBuf| async move {
        wechatpay(
            &env,
            &["certificates", "download", "--out", out.to_str().unwrap()],
        )
        .await
    };
    let out_dir = dir.join("certs");
    let out = download(env.clone(), out_dir.clone()).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let serial = sandbox.platform_serial();
    let path = out_dir.join(format!("wechatpay_{serial}.pem"));
    let certificate = PlatformCertificate::from_pem_file(&path).unwrap();
    assert_eq!(certificate.serial(), serial);
    assert!(text(&out.stdout).contains(&serial));

    // A tampered download is refused and writes nothing.
    let out_dir = dir.join("forged");
    sandbox.inject(Fault::TamperBody);
    let out = download(env.clone(), out_dir.clone()).await;
    assert_ne!(out.status.code(), Some(0));
    assert!(!out_dir.exists(), "a refused download wrote files");

    // Without the APIv3 key it says what is missing.
    set(&mut env, "WECHATPAY_APIV3_KEY", "");
    let out = wechatpay(&env, &["certificates", "download", "--out", "/nonexistent"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("APIv3 key"),
        "{}",
        text(&out.stderr)
    );
}

/// Receives one HTTP request on `listener`, answers `204`, and returns its header lines and body.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_verify_prints_the_event_or_says_why_it_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = scratch("notify");
    let env = env_of(&sandbox, &dir);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let resource = serde_json::json!({"out_trade_no": "T-1001", "trade_state": "SUCCESS"});
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
    let headers = dir.join("callback.headers");
    let body_file = dir.join("callback.json");
    std::fs::write(&headers, &head).unwrap();
    std::fs::write(&body_file, &body).unwrap();
    let args = |body: &Path| {
        vec![
            "notify".to_owned(),
            "verify".to_owned(),
            "--headers".to_owned(),
            headers.display().to_string(),
            "--body".to_owned(),
            body.display().to_string(),
        ]
    };
    let run = |args: Vec<String>| {
        let env = env.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            wechatpay(&env, &args).await
        }
    };
    let out = run(args(&body_file)).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(event["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(event["resource"], resource);

    // One byte changed: refused as a verification failure, nothing printed.
    let mut forged = body.clone();
    let at = forged.iter().position(|&b| b == b'T').unwrap();
    forged[at] = b'X';
    let forged_file = dir.join("forged.json");
    std::fs::write(&forged_file, &forged).unwrap();
    let out = run(args(&forged_file)).await;
    assert_eq!(out.status.code(), Some(4), "stderr: {}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("the callback is refused"), "{stderr}");

    // The right signature but a wrong APIv3 key: refused, and it says decryption failed.
    let mut wrong_key = env.clone();
    set(
        &mut wrong_key,
        "WECHATPAY_APIV3_KEY",
        "0123456789abcdef0123456789abcdef",
    );
    let argv = args(&body_file);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = wechatpay(&wrong_key, &argv).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_a_sound_setup_and_names_each_problem() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = scratch("doctor");
    let env = env_of(&sandbox, &dir);
    let out = wechatpay(&env, &["doctor"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("ok    clock:"), "{stdout}");
    assert!(stdout.contains("ok    signed call:"), "{stdout}");
    assert!(stdout.contains("RSA-2048, PKCS#8"), "{stdout}");
    // No secret is printed.
    assert!(!stdout.contains(sandbox.apiv3_key()), "{stdout}");
    assert!(!stdout.contains("PRIVATE KEY-----"));

    // A merchant key that is not the one the merchant registered: WeChat Pay refuses the signature.
    let wrong = dir.join("wrong_key.pem");
    std::fs::write(
        &wrong,
        MerchantKey::generate().unwrap().to_pkcs8_pem().as_bytes(),
    )
    .unwrap();
    let mut bad = env.clone();
    set(
        &mut bad,
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        wrong.to_str().unwrap(),
    );
    let out = wechatpay(&bad, &["doctor"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("FAIL  signed call: WeChat Pay refused the request's signature"),
        "{stdout}"
    );

    // The merchant certificate of another key is named as such.
    let mut with_cert = env.clone();
    let certificate = dir.join("apiclient_cert.pem");
    std::fs::write(&certificate, sandbox_merchant_certificate_of_another_key()).unwrap();
    set(
        &mut with_cert,
        "WECHATPAY_MERCHANT_CERTIFICATE",
        certificate.to_str().unwrap(),
    );
    let out = wechatpay(&with_cert, &["doctor", "--offline"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("does not belong to the merchant private key"),
        "{stdout}"
    );

    // A public key id of the wrong shape, and a certificate given as the private key.
    let mut shapes = env.clone();
    set(&mut shapes, "WECHATPAY_PUBLIC_KEY_ID", "PUB_KEY_0114232134");
    set(
        &mut shapes,
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        certificate.to_str().unwrap(),
    );
    let out = wechatpay(&shapes, &["doctor", "--offline"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .contains("FAIL  WECHATPAY_PUBLIC_KEY_ID: `PUB_KEY_0114232134` is not a public key id"),
        "{stdout}"
    );
    assert!(
        stdout.contains("is a certificate, not the private key"),
        "{stdout}"
    );

    // A clock far from the server's is reported: a server whose Date is decades old.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        let _ = socket
            .write_all(b"HTTP/1.1 401 Unauthorized\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
    });
    let mut skewed = env.clone();
    set(&mut skewed, "WECHATPAY_BASE_URL", &base);
    let out = wechatpay(&skewed, &["doctor"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  clock: this machine is +"),
        "{stdout}"
    );
}

/// A self-signed certificate for a key other than the sandbox's merchant key.
fn sandbox_merchant_certificate_of_another_key() -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256);
    let key = match key {
        Ok(key) => key,
        // aws-lc-rs cannot generate RSA keys through rcgen's API: convert one of ours.
        Err(_) => {
            let pem = MerchantKey::generate().unwrap().to_pkcs8_pem();
            rcgen::KeyPair::from_pem(&pem).unwrap()
        }
    };
    let params = rcgen::CertificateParams::new(vec!["merchant".into()]).unwrap();
    params.self_signed(&key).unwrap().pem()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_sign_prints_parameters_signed_with_the_merchant_key() {
    let sandbox = Sandbox::start().await.unwrap();
    let env = env_of(&sandbox, &scratch("paysign"));
    let key_path = env
        .iter()
        .find(|(name, _)| name == "WECHATPAY_MERCHANT_PRIVATE_KEY")
        .map(|(_, value)| value.clone())
        .unwrap();
    let public = MerchantKey::from_pem_file(&key_path).unwrap().public_key();
    let b64 = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap()
    };

    let out = wechatpay(
        &env,
        &[
            "pay-sign",
            "jsapi",
            "--appid",
            "wxd678efh567hg6787",
            "--prepay-id",
            "wx2014102720093955",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let params: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(params["package"], "prepay_id=wx2014102720093955");
    let message = format!(
        "wxd678efh567hg6787\n{}\n{}\nprepay_id=wx2014102720093955\n",
        params["timeStamp"].as_str().unwrap(),
        params["nonceStr"].as_str().unwrap()
    );
    assert!(public.verify(
        message.as_bytes(),
        &b64(params["paySign"].as_str().unwrap())
    ));

    let out = wechatpay(
        &env,
        &[
            "pay-sign",
            "app",
            "--appid",
            "wxd678efh567hg6787",
            "--prepay-id",
            "wx2014102720093955",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let params: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(params["partnerid"], sandbox.mchid());
    let message = format!(
        "wxd678efh567hg6787\n{}\n{}\nwx2014102720093955\n",
        params["timestamp"].as_str().unwrap(),
        params["noncestr"].as_str().unwrap()
    );
    assert!(public.verify(message.as_bytes(), &b64(params["sign"].as_str().unwrap())));
    // A signature over another prepay id does not verify: the check above can fail.
    let other = message.replace("wx2014102720093955", "wx0000000000000000");
    assert!(!public.verify(other.as_bytes(), &b64(params["sign"].as_str().unwrap())));
}
