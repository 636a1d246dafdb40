//! `wechatpay doctor` reports the key mode (platform certificates only, public key only, or
//! migrating with its share) and explains the `404` of a merchant without platform certificates,
//! against the sandbox over HTTP.

use std::process::{Command, Output};

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

fn unset(env: &mut Vec<(String, String)>, name: &str) {
    env.retain(|(n, _)| n != name);
}

fn value<'a>(env: &'a [(String, String)], name: &str) -> &'a str {
    &env.iter().find(|(n, _)| n == name).unwrap().1
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-cli-doctor-keys-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_the_key_mode_and_explains_the_404() {
    // A public-key merchant: the mode, and the 404 explained as expected.
    let public = Sandbox::start().await.unwrap();
    let env = public.write_env(&scratch("public")).unwrap();
    let out = wechatpay(&env, &["doctor"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "ok    key mode: public key only: every request names {}",
            public.public_key_id()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    platform certificates: none: WeChat Pay answered 404 Not Found RESOURCE_NOT_EXISTS: 无可用的平台证书"),
        "{stdout}"
    );
    assert!(
        stdout.contains("verifies with the WeChat Pay public key only, as configured"),
        "{stdout}"
    );

    // A migrating merchant with 30 % of requests on the public key.
    let migrating = Sandbox::builder().migrating().start().await.unwrap();
    let mut env = migrating.write_env(&scratch("migrating")).unwrap();
    set(&mut env, "WECHATPAY_PUBLIC_KEY_SHARE", "30");
    let out = wechatpay(&env, &["doctor"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("ok    key mode: migrating from platform certificates to the WeChat Pay public key: both are configured"),
        "{stdout}"
    );
    assert!(
        stdout.contains("30% of requests name the WeChat Pay public key, 70% the platform certificate (WECHATPAY_PUBLIC_KEY_SHARE=30)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "ok    platform certificates: WeChat Pay lists 1 ({}), the configured one among them",
            migrating.platform_serial()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("ok    signed call:"), "{stdout}");

    // The same merchant with its certificate only.
    let mut certificate_only = env.clone();
    unset(&mut certificate_only, "WECHATPAY_PUBLIC_KEY");
    unset(&mut certificate_only, "WECHATPAY_PUBLIC_KEY_ID");
    unset(&mut certificate_only, "WECHATPAY_PUBLIC_KEY_SHARE");
    let out = wechatpay(&certificate_only, &["doctor"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "ok    key mode: platform certificates only: every request names the certificate {}",
            migrating.platform_serial()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("ok    signed call:"), "{stdout}");

    // A share that asks for a key that is not configured.
    let mut contradiction = certificate_only.clone();
    set(&mut contradiction, "WECHATPAY_PUBLIC_KEY_SHARE", "30");
    let out = wechatpay(&contradiction, &["doctor", "--offline"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "FAIL  WECHATPAY_PUBLIC_KEY_SHARE: 30% of requests name the WeChat Pay public key"
        ),
        "{stdout}"
    );
    set(&mut contradiction, "WECHATPAY_PUBLIC_KEY_SHARE", "half");
    let out = wechatpay(&contradiction, &["doctor", "--offline"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL  WECHATPAY_PUBLIC_KEY_SHARE: `half` is not a percentage"),
        "{stdout}"
    );

    // A merchant without certificates configured as a certificate merchant: the 404 is the cause.
    let mut wrong = env.clone();
    let public_env = public.write_env(&scratch("public-again")).unwrap();
    for name in [
        "WECHATPAY_BASE_URL",
        "WECHATPAY_MCHID",
        "WECHATPAY_MERCHANT_SERIAL",
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        "WECHATPAY_APIV3_KEY",
    ] {
        set(&mut wrong, name, value(&public_env, name));
    }
    unset(&mut wrong, "WECHATPAY_PUBLIC_KEY");
    unset(&mut wrong, "WECHATPAY_PUBLIC_KEY_ID");
    unset(&mut wrong, "WECHATPAY_PUBLIC_KEY_SHARE");
    let out = wechatpay(&wrong, &["doctor"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("FAIL  platform certificates: none (WeChat Pay answered 404 Not Found RESOURCE_NOT_EXISTS: 无可用的平台证书"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID"),
        "{stdout}"
    );
}
