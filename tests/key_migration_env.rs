//! `WECHATPAY_PUBLIC_KEY_SHARE`: `Client::from_env` for a merchant moving from platform
//! certificates to the WeChat Pay public key, against a migrating sandbox over HTTP.
//!
//! One test in its own binary: the environment is process-wide.

use wechatpay::{Client, Error, WechatpaySerial};
use wechatpay_sandbox::Sandbox;

mod common;

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_share_of_requests_naming_the_public_key_comes_from_the_environment() {
    let sandbox = Sandbox::builder().migrating().start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("wechatpay-share-env-{}", std::process::id()));
    let env = sandbox.write_env(&dir).unwrap();
    assert!(
        env.iter()
            .any(|(name, _)| name == "WECHATPAY_PLATFORM_CERTIFICATE"),
        "a migrating sandbox writes its certificate too: {env:?}"
    );
    // SAFETY: this binary runs one test, so nothing reads the environment concurrently.
    unsafe {
        for (name, value) in &env {
            std::env::set_var(name, value);
        }
        std::env::set_var("WECHATPAY_PUBLIC_KEY_SHARE", "30%");
    }
    let client = Client::from_env().unwrap();
    assert_eq!(
        client.wechatpay_serial(),
        WechatpaySerial::PublicKeyShare(30)
    );
    let mut by_public_key = 0;
    for i in 0..20 {
        let answer = client
            .send_with_meta(&common::pre_entrust_sign(&format!("env-{i}")))
            .await
            .unwrap();
        let serial = answer.headers()["wechatpay-serial"].to_str().unwrap();
        if serial == sandbox.public_key_id() {
            by_public_key += 1;
        } else {
            assert_eq!(serial, sandbox.platform_serial());
        }
    }
    // 6 of 20; a background certificate refresh may take one of the turns.
    assert!((5..=7).contains(&by_public_key), "{by_public_key} of 20");

    unsafe { std::env::set_var("WECHATPAY_PUBLIC_KEY_SHARE", "most") };
    let message = config_error(Client::from_env());
    assert!(
        message.contains("WECHATPAY_PUBLIC_KEY_SHARE is `most`"),
        "{message}"
    );
    // A share of requests on the certificate without one configured.
    unsafe {
        std::env::set_var("WECHATPAY_PUBLIC_KEY_SHARE", "30");
        std::env::remove_var("WECHATPAY_PLATFORM_CERTIFICATE");
    }
    let message = config_error(Client::from_env());
    assert!(
        message.contains("requests are to name a platform certificate"),
        "{message}"
    );
    // 100: every request on the public key, which needs no certificate.
    unsafe { std::env::set_var("WECHATPAY_PUBLIC_KEY_SHARE", "100") };
    let client = Client::from_env().unwrap();
    assert_eq!(client.wechatpay_serial(), WechatpaySerial::PublicKey);
}
