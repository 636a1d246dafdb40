//! Forged callbacks and failing downloads cost the merchant little: no certificate download per
//! forged callback, none after a failed one for a while, one for many concurrent first requests,
//! and answers to forgeries that tell the forger nothing.

use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, HeaderValue};
use wechatpay::notify::Rejection;
use wechatpay::v3::profitsharing::{AddReceiver, ReceiverRelationType, ReceiverType};
use wechatpay::{ApiV3Key, Error, MerchantKey};
use wechatpay_sandbox::Sandbox;

mod common;

const CERTIFICATES: &str = "v3/certificates";

async fn certificate_sandbox() -> Sandbox {
    Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap()
}

/// A callback with a fresh timestamp, signed by a key nobody trusts, naming `serial`.
fn forged_callback(serial: &str) -> (HeaderMap, Vec<u8>) {
    let body = br#"{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"forged","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"AAAA","associated_data":"","nonce":"0123456789ab"}}"#.to_vec();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = "0123456789ABCDEF0123456789ABCDEF";
    static FORGER: std::sync::OnceLock<MerchantKey> = std::sync::OnceLock::new();
    let key = FORGER.get_or_init(|| MerchantKey::generate().unwrap());
    let signature = base64::engine::general_purpose::STANDARD
        .encode(key.sign(&wechatpay::auth::answer_message(&timestamp, nonce, &body)));
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp.as_str()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature.as_str()),
        ("wechatpay-serial", serial),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
    ] {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    }
    (headers, body)
}

/// A serial of the right shape (40 hex digits) that no certificate has.
fn made_up_serial(i: usize) -> String {
    format!("{:040X}", 0x5157_F09E_FDC0_96DE_u64 + i as u64)
}

/// Waits until background downloads had time to start and finish.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn forged_callbacks_with_unknown_serials_force_at_most_one_download_a_minute() {
    let sandbox = certificate_sandbox().await;
    let client = sandbox.client().unwrap();
    client
        .send(&common::pre_entrust_sign("warm-up"))
        .await
        .unwrap();
    assert_eq!(sandbox.requests_to(CERTIFICATES), 1);
    let notifications = client.notifications();
    for i in 0..20 {
        let (headers, body) = forged_callback(&made_up_serial(i));
        let error = notifications.verify_event(&headers, &body).unwrap_err();
        assert!(matches!(error, Error::UnknownSerial { .. }), "{error:?}");
        // One at a time, each after the previous download could have finished.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    settle().await;
    assert_eq!(
        sandbox.requests_to(CERTIFICATES),
        2,
        "20 forged callbacks: one forced download, not 20"
    );
    // Serials that cannot name a certificate force none at all.
    for serial in [
        "forged",
        "PUB_KEY_ID_0114232134912410000000000000000999",
        "ZZ",
    ] {
        let (headers, body) = forged_callback(serial);
        assert!(notifications.verify_event(&headers, &body).is_err());
    }
    settle().await;
    assert_eq!(sandbox.requests_to(CERTIFICATES), 2);
}

#[tokio::test]
async fn a_forged_callback_is_answered_without_the_serials_held() {
    let sandbox = certificate_sandbox().await;
    let client = sandbox.client().unwrap();
    client
        .send(&common::pre_entrust_sign("warm-up"))
        .await
        .unwrap();
    let (headers, body) = forged_callback(&made_up_serial(0));
    let error = client
        .notifications()
        .verify_event(&headers, &body)
        .unwrap_err();
    let rejection = Rejection::from(error);
    assert_eq!(rejection.status(), http::StatusCode::UNAUTHORIZED);
    let answer = rejection.body();
    assert!(
        !answer.contains(&sandbox.platform_serial()),
        "the answer lists a serial held: {answer}"
    );
    assert!(answer.contains("did not verify"), "{answer}");
    // The merchant's own log still has the whole story.
    assert!(
        rejection
            .error()
            .to_string()
            .contains(&sandbox.platform_serial())
    );
}

#[tokio::test]
async fn a_failed_download_is_not_repeated_by_every_request() {
    let sandbox = certificate_sandbox().await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .apiv3_key(ApiV3Key::new("00000000000000000000000000000000").unwrap())
        .build()
        .unwrap();
    let error = client
        .send(&common::pre_entrust_sign("first"))
        .await
        .unwrap_err();
    // The download fails (the background one started by the request, or the one the unknown
    // serial forces): either way the answer is refused.
    assert!(
        matches!(error, Error::Decrypt { .. }) || error.is_verification_failure(),
        "{error:?}"
    );
    settle().await;
    assert_eq!(sandbox.requests_to(CERTIFICATES), 1);
    for i in 0..10 {
        let error = client
            .send(&common::pre_entrust_sign(&format!("again-{i}")))
            .await
            .unwrap_err();
        assert!(error.is_verification_failure(), "{error:?}");
    }
    settle().await;
    assert_eq!(
        sandbox.requests_to(CERTIFICATES),
        1,
        "the failed download backs off instead of running again for each request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_with_encrypted_fields_download_once() {
    let sandbox = certificate_sandbox().await;
    let client = sandbox.client().unwrap();
    assert!(client.keys().is_empty());
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let client = client.clone();
            let mchid = sandbox.mchid().to_owned();
            tokio::spawn(async move {
                client
                    .send(&AddReceiver {
                        sub_mchid: None,
                        appid: "wx8888888888888888".into(),
                        sub_appid: None,
                        r#type: ReceiverType::MerchantId,
                        account: format!("{mchid}{i}"),
                        name: Some("示例商户全称".into()),
                        relation_type: ReceiverRelationType::Partner,
                        custom_relation: None,
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(sandbox.requests_to(CERTIFICATES), 1, "one download for all");
}
