//! `wechatpay doctor` names the cause of a `401 SIGN_ERROR` from its signed call, against the
//! sandbox over HTTP.

use std::process::{Command, Output};

use wechatpay::MerchantKey;
use wechatpay_sandbox::Sandbox;

/// Runs `wechatpay ARGS` with exactly `env` (plus PATH), off the runtime's threads.
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

fn set(env: &mut Vec<(String, String)>, name: &str, value: &str) {
    env.retain(|(n, _)| n != name);
    env.push((name.to_owned(), value.to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_the_cause_of_a_sign_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir =
        std::env::temp_dir().join(format!("wechatpay-cli-doctor-sign-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let env = sandbox.write_env(&dir).unwrap();

    // A private key that is not the one of the merchant certificate.
    let wrong = dir.join("wrong_key.pem");
    std::fs::write(
        &wrong,
        MerchantKey::generate().unwrap().to_pkcs8_pem().as_bytes(),
    )
    .unwrap();
    let mut bad_key = env.clone();
    set(
        &mut bad_key,
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        wrong.to_str().unwrap(),
    );
    let out = wechatpay(&bad_key, &["doctor"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout
            .contains("FAIL  signed call: WeChat Pay refused the request's signature (Request-ID "),
        "{stdout}"
    );
    assert!(
        stdout.contains("the private key does not match the serial"),
        "{stdout}"
    );
    assert!(
        stdout.contains("signed:   POST\\n/v3/security/echo\\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("verified: POST\\n/v3/security/echo\\n"),
        "{stdout}"
    );

    // A serial that is not the merchant certificate's.
    let mut bad_serial = env.clone();
    set(
        &mut bad_serial,
        "WECHATPAY_MERCHANT_SERIAL",
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    );
    let out = wechatpay(&bad_serial, &["doctor"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("wrong merchant serial"), "{stdout}");
    assert!(
        stdout.contains("`5157F09EFDC096DE15EBE81A47057A7232F1B8E1`"),
        "{stdout}"
    );
}
