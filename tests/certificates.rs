//! Platform certificates: downloaded, decrypted, rotated mid-run without a failed request, and
//! never fetched by a merchant that verifies with a WeChat Pay public key.

use std::time::Duration;

use wechatpay::{ApiV3Key, Error};
use wechatpay_sandbox::{Fault, Sandbox};

mod common;

const CERTIFICATES: &str = "v3/certificates";

#[tokio::test]
async fn a_certificate_merchant_bootstraps_from_the_api() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    assert!(client.keys().is_empty(), "starts with the APIv3 key only");
    client.send(&common::pre_entrust_sign("c-1")).await.unwrap();
    assert_eq!(client.keys().serials(), vec![sandbox.platform_serial()]);
    assert_eq!(sandbox.platform_serial().len(), 40, "a 20-byte hex serial");
    client.send(&common::pre_entrust_sign("c-2")).await.unwrap();
    assert_eq!(
        sandbox.requests_to(CERTIFICATES),
        1,
        "downloaded once, then held"
    );
}

#[tokio::test]
async fn rotation_mid_run_fails_no_request_and_downloads_once() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    client
        .send(&common::pre_entrust_sign("warm-up"))
        .await
        .unwrap();
    let old = sandbox.platform_serial();
    let new = sandbox.rotate_platform_certificate().unwrap();
    assert_ne!(old, new);
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send(&common::pre_entrust_sign(&format!("r-{i}")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let mut expected = vec![old, new];
    expected.sort();
    assert_eq!(
        client.keys().serials(),
        expected,
        "the old certificate is kept until it expires"
    );
    assert_eq!(
        sandbox.requests_to(CERTIFICATES),
        2,
        "the 24 requests that met the new serial shared one download"
    );
}

#[tokio::test]
async fn a_public_key_merchant_never_downloads_certificates() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    for i in 0..3 {
        client
            .send(&common::pre_entrust_sign(&format!("pk-{i}")))
            .await
            .unwrap();
    }
    assert_eq!(sandbox.requests_to(CERTIFICATES), 0);
    // Asked explicitly, WeChat Pay answers 404 for such merchants; nothing changes.
    let error = client.refresh_certificates().await.unwrap_err();
    assert_eq!(error.code(), Some("RESOURCE_NOT_EXISTS"), "{error:?}");
    assert_eq!(
        client.keys().serials(),
        vec![sandbox.public_key_id().to_owned()]
    );
}

#[tokio::test]
async fn a_wrong_apiv3_key_changes_nothing() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .apiv3_key(ApiV3Key::new("00000000000000000000000000000000").unwrap())
        .build()
        .unwrap();
    let error = client.refresh_certificates().await.unwrap_err();
    assert!(matches!(error, Error::Decrypt { .. }), "{error:?}");
    assert!(error.to_string().contains("APIv3 key"), "{error}");
    assert!(client.keys().is_empty());
    // And an answer under the unknown serial is refused, not accepted (without another
    // download while the failed one backs off).
    let error = client
        .send(&common::pre_entrust_sign("x"))
        .await
        .unwrap_err();
    assert!(error.is_verification_failure(), "{error:?}");
    assert_eq!(sandbox.requests_to(CERTIFICATES), 1);
}

#[tokio::test]
async fn a_tampered_certificate_list_is_refused_and_changes_nothing() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    client
        .send(&common::pre_entrust_sign("before"))
        .await
        .unwrap();
    let held = client.keys().serials();
    sandbox.rotate_platform_certificate().unwrap();
    sandbox.inject(Fault::ForeignSignature);
    let error = client.refresh_certificates().await.unwrap_err();
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");
    assert_eq!(client.keys().serials(), held);
}

#[tokio::test]
async fn certificates_are_refreshed_in_the_background_on_the_interval() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .certificate_refresh_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    client
        .send(&common::pre_entrust_sign("first"))
        .await
        .unwrap();
    let after_first = sandbox.requests_to(CERTIFICATES);
    tokio::time::sleep(Duration::from_millis(120)).await;
    client
        .send(&common::pre_entrust_sign("second"))
        .await
        .unwrap();
    // The background download runs beside the request; give it a moment to land.
    for _ in 0..50 {
        if sandbox.requests_to(CERTIFICATES) > after_first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sandbox.requests_to(CERTIFICATES) > after_first);
}

#[tokio::test]
async fn a_certificate_client_needs_the_apiv3_key() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let pem = {
        let dir = std::env::temp_dir().join(format!("wechatpay-certs-{}", std::process::id()));
        let env = sandbox.write_env(&dir).unwrap();
        let path = &env
            .iter()
            .find(|(k, _)| k == "WECHATPAY_MERCHANT_PRIVATE_KEY")
            .unwrap()
            .1;
        std::fs::read_to_string(path).unwrap()
    };
    let error = wechatpay::Client::builder()
        .mchid(sandbox.mchid())
        .merchant_key(
            sandbox.merchant_serial(),
            wechatpay::MerchantKey::from_pem(&pem).unwrap(),
        )
        .platform_certificates_from_api()
        .base_url(sandbox.base_url())
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("APIv3 key"), "{error}");
}

#[tokio::test]
async fn a_download_replaces_the_certificates_held() {
    // A certificate WeChat Pay no longer lists is no longer trusted once a verified list arrives.
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let dropped = wechatpay::PlatformCertificate::from_pem(&common::platform_certificate_pem(
        &wechatpay::MerchantKey::generate().unwrap(),
        std::time::SystemTime::now() + Duration::from_secs(86_400),
    ))
    .unwrap();
    let dropped_serial = dropped.serial().to_owned();
    let client = sandbox
        .client_builder()
        .unwrap()
        .platform_certificate(dropped)
        .build()
        .unwrap();
    assert_eq!(client.keys().serials(), vec![dropped_serial]);
    let held = client.refresh_certificates().await.unwrap();
    assert_eq!(held, vec![sandbox.platform_serial()]);
    assert_eq!(client.keys().serials(), vec![sandbox.platform_serial()]);
}
