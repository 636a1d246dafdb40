//! The move from platform certificates to the WeChat Pay public key, over HTTP against the
//! sandbox: a merchant without certificates is told what to configure instead of getting a bare
//! `404`; during a migration each request names the key `WechatpaySerial` picks, the sandbox
//! signs with that key, and answers and callbacks signed by either key verify exactly when the
//! client holds that key.

use std::convert::Infallible;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::sync::mpsc;
use wechatpay::v3::certificates::DownloadCertificates;
use wechatpay::v3::profitsharing::{AddReceiver, ReceiverRelationType, ReceiverType};
use wechatpay::{
    ApiV3Key, Client, ClientBuilder, Endpoint, Error, MerchantKey, PlatformCertificate,
    WechatpaySerial,
};
use wechatpay_sandbox::{Callback, Fault, Sandbox, SigningKey};

mod common;

/// A sandbox with a merchant key the test keeps a copy of, to build clients with any set of
/// WeChat Pay keys: in migration mode, or signing with a public key only.
async fn sandbox(migrating: bool) -> (Sandbox, String) {
    let merchant = MerchantKey::generate().unwrap();
    let pem = merchant.to_pkcs8_pem().to_string();
    let mut builder = Sandbox::builder()
        .merchant_private_key(merchant)
        .callback_retry_delays(Vec::new());
    if migrating {
        builder = builder.migrating();
    }
    (builder.start().await.unwrap(), pem)
}

/// A client for the sandbox's merchant without any WeChat Pay key yet.
fn bare_builder(sandbox: &Sandbox, merchant_pem: &str) -> ClientBuilder {
    Client::builder()
        .mchid(sandbox.mchid())
        .merchant_key(
            sandbox.merchant_serial(),
            MerchantKey::from_pem(merchant_pem).unwrap(),
        )
        .apiv3_key(ApiV3Key::new(sandbox.apiv3_key()).unwrap())
        .base_url(sandbox.base_url())
}

/// A client that verifies with the sandbox's WeChat Pay public key only.
fn public_key_only(sandbox: &Sandbox, merchant_pem: &str) -> Client {
    bare_builder(sandbox, merchant_pem)
        .wechatpay_public_key(sandbox.wechatpay_public_key().unwrap())
        .build()
        .unwrap()
}

/// A client that verifies with the sandbox's current platform certificate only.
fn certificate_only(sandbox: &Sandbox, merchant_pem: &str) -> Client {
    let pem = sandbox.platform_certificate_pem().unwrap();
    bare_builder(sandbox, merchant_pem)
        .platform_certificate(PlatformCertificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

/// The serial of the platform certificate the sandbox signs with (migration mode).
fn certificate_serial(sandbox: &Sandbox) -> String {
    sandbox.platform_serial()
}

/// Sends one signed call and returns the `Wechatpay-Serial` of its verified answer.
async fn answer_serial(client: &Client, code: &str) -> Result<String, Error> {
    let answer = client
        .send_with_meta(&common::pre_entrust_sign(code))
        .await?;
    Ok(answer
        .headers()
        .get("wechatpay-serial")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned())
}

/// The JSON body an endpoint sends, for the raw-request escape hatch.
struct Body<'a, E>(&'a E);

impl<E: Endpoint> serde::Serialize for Body<'_, E> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_body(serializer)
    }
}

fn receiver_request(name: Option<&str>) -> AddReceiver {
    AddReceiver {
        sub_mchid: None,
        appid: "wxd678efh567hg6787".into(),
        sub_appid: None,
        r#type: ReceiverType::MerchantId,
        account: "86693852".into(),
        name: name.map(str::to_owned),
        relation_type: ReceiverRelationType::Store,
        custom_relation: None,
    }
}

#[tokio::test]
async fn a_merchant_without_certificates_is_told_to_configure_the_public_key() {
    let (sandbox, merchant) = sandbox(false).await;
    // A new merchant set up the way certificate merchants were: the APIv3 key, certificates
    // to download, no public key.
    let client = bare_builder(&sandbox, &merchant)
        .platform_certificates_from_api()
        .build()
        .unwrap();
    let error = client.refresh_certificates().await.unwrap_err();
    let Error::NoPlatformCertificates {
        status,
        code,
        message,
        request_id,
        verified,
        ..
    } = &error
    else {
        panic!("expected NoPlatformCertificates, got {error:?}");
    };
    assert_eq!(*status, StatusCode::NOT_FOUND);
    assert_eq!(code, "RESOURCE_NOT_EXISTS");
    assert!(message.starts_with("无可用的平台证书"), "{message}");
    assert!(request_id.is_some());
    // Signed with the public key, which this client does not hold.
    assert!(!verified);
    let text = error.to_string();
    for needed in [
        "no platform certificates for this merchant",
        "ClientBuilder::wechatpay_public_key",
        "WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID",
        "PUB_KEY_ID_",
        "Request-ID",
    ] {
        assert!(text.contains(needed), "`{needed}` missing from: {text}");
    }
    assert_eq!(error.code(), Some("RESOURCE_NOT_EXISTS"));
    assert!(!error.is_verification_failure());
    assert!(!error.outcome_unknown());

    // The same error wherever certificates are first needed: the download itself, the catalog's
    // operation, and a request whose sensitive fields need a key to encrypt with.
    assert!(matches!(
        client.download_certificates().await,
        Err(Error::NoPlatformCertificates { .. })
    ));
    assert!(matches!(
        client
            .send(&DownloadCertificates {
                algorithm_type: None,
            })
            .await,
        Err(Error::NoPlatformCertificates { .. })
    ));
    let error = client
        .send(&receiver_request(Some("深圳腾讯科技有限公司")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NoPlatformCertificates { .. }),
        "{error:?}"
    );
    assert!(client.keys().is_empty(), "nothing was installed");
    // An ordinary call: its answer is signed with the public key, which the error names.
    let error = answer_serial(&client, "first").await.unwrap_err();
    assert!(
        matches!(&error, Error::UnknownSerial { serial, .. } if serial == sandbox.public_key_id()),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID"),
        "{error}"
    );

    // With the public key configured, the same answer verifies and says the same.
    let configured = sandbox
        .client_builder()
        .unwrap()
        .platform_certificates_from_api()
        .build()
        .unwrap();
    let error = configured.download_certificates().await.unwrap_err();
    assert!(
        matches!(error, Error::NoPlatformCertificates { verified: true, .. }),
        "{error:?}"
    );
    // And the client works as a public-key client.
    answer_serial(&configured, "after-404").await.unwrap();
}

#[tokio::test]
async fn each_mode_names_its_key_and_the_answers_verify() {
    let (sandbox, _) = sandbox(true).await;
    let public_key_id = sandbox.public_key_id().to_owned();
    let certificate = certificate_serial(&sandbox);
    assert!(public_key_id.starts_with("PUB_KEY_ID_"));
    assert_eq!(certificate.len(), 40);
    for (mode, expected) in [
        (WechatpaySerial::PublicKey, &public_key_id),
        (WechatpaySerial::PlatformCertificate, &certificate),
    ] {
        let client = sandbox
            .client_builder()
            .unwrap()
            .wechatpay_serial(mode)
            .build()
            .unwrap();
        assert_eq!(client.wechatpay_serial(), mode);
        client.refresh_certificates().await.unwrap();
        assert_eq!(client.keys().serials().len(), 2, "{:?}", client.keys());
        let before = sandbox.requests_naming(expected);
        for i in 0..5 {
            let serial = answer_serial(&client, &format!("{mode:?}-{i}"))
                .await
                .unwrap();
            assert_eq!(&serial, expected, "{mode:?}: signed with the key named");
        }
        assert_eq!(sandbox.requests_naming(expected) - before, 5, "{mode:?}");
    }
    // The default of a client holding both keys is the public key.
    let client = sandbox.client().unwrap();
    assert_eq!(client.wechatpay_serial(), WechatpaySerial::PublicKey);
}

#[tokio::test]
async fn a_share_moves_requests_from_the_certificate_to_the_public_key() {
    const REQUESTS: u64 = 200;
    let (sandbox, _) = sandbox(true).await;
    let public_key_id = sandbox.public_key_id().to_owned();
    let certificate = certificate_serial(&sandbox);
    let client = sandbox
        .client_builder()
        .unwrap()
        .wechatpay_serial(WechatpaySerial::PublicKeyShare(30))
        .build()
        .unwrap();
    client.refresh_certificates().await.unwrap();
    let public_before = sandbox.requests_naming(&public_key_id);
    let certificate_before = sandbox.requests_naming(&certificate);
    let mut answers_by_public_key = 0;
    for i in 0..REQUESTS {
        let serial = answer_serial(&client, &format!("share-{i}")).await.unwrap();
        if serial == public_key_id {
            answers_by_public_key += 1;
        } else {
            assert_eq!(serial, certificate);
        }
    }
    let public = sandbox.requests_naming(&public_key_id) - public_before;
    let certificates = sandbox.requests_naming(&certificate) - certificate_before;
    assert_eq!(public + certificates, REQUESTS, "every request named a key");
    // 30 % of 200 is 60; the counter makes it exact up to where the sequence started.
    assert!((58..=62).contains(&public), "{public} of {REQUESTS}");
    assert_eq!(
        answers_by_public_key, public,
        "each answer is signed by the key its request named"
    );
}

#[tokio::test]
async fn sensitive_fields_are_encrypted_with_the_key_the_request_names() {
    let (sandbox, _) = sandbox(true).await;
    for (mode, expected) in [
        (
            WechatpaySerial::PlatformCertificate,
            certificate_serial(&sandbox),
        ),
        (
            WechatpaySerial::PublicKey,
            sandbox.public_key_id().to_owned(),
        ),
    ] {
        let client = sandbox
            .client_builder()
            .unwrap()
            .wechatpay_serial(mode)
            .build()
            .unwrap();
        client.refresh_certificates().await.unwrap();
        let before = sandbox.requests_naming(&expected);
        // The sandbox decrypts `name` with the key the request names and refuses it otherwise.
        let answer = client
            .send(&receiver_request(Some("深圳腾讯科技有限公司")))
            .await
            .unwrap();
        let name = client
            .decrypt_sensitive(answer.name.as_deref().unwrap())
            .unwrap();
        assert_eq!(name.as_str(), "深圳腾讯科技有限公司");
        assert_eq!(sandbox.requests_naming(&expected) - before, 1, "{mode:?}");
    }
}

#[tokio::test]
async fn an_answer_signed_by_the_key_not_named_verifies_only_when_that_key_is_held() {
    let (sandbox, merchant) = sandbox(true).await;
    let public_key_id = sandbox.public_key_id().to_owned();
    let certificate = certificate_serial(&sandbox);

    // Both keys held: whatever signs, the answer verifies.
    let both = sandbox.client().unwrap();
    both.refresh_certificates().await.unwrap();
    sandbox.inject(Fault::SignWith(SigningKey::PlatformCertificate));
    assert_eq!(answer_serial(&both, "both-1").await.unwrap(), certificate);
    let both_certificate = sandbox
        .client_builder()
        .unwrap()
        .wechatpay_serial(WechatpaySerial::PlatformCertificate)
        .build()
        .unwrap();
    both_certificate.refresh_certificates().await.unwrap();
    sandbox.inject(Fault::SignWith(SigningKey::PublicKey));
    assert_eq!(
        answer_serial(&both_certificate, "both-2").await.unwrap(),
        public_key_id
    );

    // The public key only: its own answers verify, a certificate-signed one does not.
    let public_only = public_key_only(&sandbox, &merchant);
    assert_eq!(
        answer_serial(&public_only, "public-1").await.unwrap(),
        public_key_id
    );
    sandbox.inject(Fault::SignWith(SigningKey::PlatformCertificate));
    let error = answer_serial(&public_only, "public-2").await.unwrap_err();
    let Error::UnknownSerial { serial, .. } = &error else {
        panic!("expected UnknownSerial, got {error:?}");
    };
    assert_eq!(serial, &certificate);
    assert!(error.is_verification_failure());
    assert!(
        error
            .to_string()
            .contains("configure that platform certificate (ClientBuilder::platform_certificate"),
        "{error}"
    );

    // The certificate only: the reverse.
    let certificate_client = certificate_only(&sandbox, &merchant);
    assert_eq!(
        certificate_client.wechatpay_serial(),
        WechatpaySerial::PlatformCertificate
    );
    assert_eq!(
        answer_serial(&certificate_client, "cert-1").await.unwrap(),
        certificate
    );
    sandbox.inject(Fault::SignWith(SigningKey::PublicKey));
    let error = answer_serial(&certificate_client, "cert-2")
        .await
        .unwrap_err();
    let Error::UnknownSerial { serial, .. } = &error else {
        panic!("expected UnknownSerial, got {error:?}");
    };
    assert_eq!(serial, &public_key_id);
    assert!(
        error
            .to_string()
            .contains("configure that WeChat Pay public key and its id"),
        "{error}"
    );
}

/// What a callback receiver got.
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

/// A notify URL on loopback that answers `204` and hands over every callback.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let _ = tx.send(Received {
                            headers: parts.headers,
                            body,
                        });
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = StatusCode::NO_CONTENT;
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}/notify"), rx)
}

/// A callback the sandbox delivered, signed with `key`.
async fn callback_signed_with(
    sandbox: &Sandbox,
    url: &str,
    received: &mut mpsc::UnboundedReceiver<Received>,
    key: SigningKey,
) -> Received {
    let callback = Callback::new(
        "TRANSACTION.SUCCESS",
        "支付成功",
        "transaction",
        json!({"mchid": sandbox.mchid(), "out_trade_no": "1217752501201407033233368018"}),
    )
    .signed_with(key);
    let record = sandbox.deliver(url, callback).unwrap().finished().await;
    assert!(record.delivered, "{record:?}");
    received.recv().await.unwrap()
}

#[tokio::test]
async fn callbacks_signed_by_either_key_are_accepted_and_by_an_unconfigured_key_rejected() {
    let (sandbox, merchant) = sandbox(true).await;
    let public_key_id = sandbox.public_key_id().to_owned();
    let certificate = certificate_serial(&sandbox);
    let (url, mut received) = receiver().await;
    let by_public_key =
        callback_signed_with(&sandbox, &url, &mut received, SigningKey::PublicKey).await;
    let by_certificate = callback_signed_with(
        &sandbox,
        &url,
        &mut received,
        SigningKey::PlatformCertificate,
    )
    .await;
    let serial = |callback: &Received| {
        callback.headers["wechatpay-serial"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(serial(&by_public_key), public_key_id);
    assert_eq!(serial(&by_certificate), certificate);

    let verify = |client: &Client, callback: &Received| {
        client
            .notifications()
            .verify::<serde_json::Value>(&callback.headers, &callback.body)
    };
    // Holding both keys, whichever request mode: both accepted.
    let both = sandbox.client().unwrap();
    both.refresh_certificates().await.unwrap();
    for callback in [&by_public_key, &by_certificate] {
        let notification = verify(&both, callback).unwrap();
        assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
        assert_eq!(
            notification.resource["out_trade_no"],
            "1217752501201407033233368018"
        );
    }
    // One key only: the other key's callback is rejected as signed by an unknown key.
    let public_only = public_key_only(&sandbox, &merchant);
    verify(&public_only, &by_public_key).unwrap();
    let error = verify(&public_only, &by_certificate).unwrap_err();
    assert!(
        matches!(&error, Error::UnknownSerial { serial, .. } if *serial == certificate),
        "{error:?}"
    );
    assert!(error.to_string().contains("callback"), "{error}");
    let certificate_client = certificate_only(&sandbox, &merchant);
    verify(&certificate_client, &by_certificate).unwrap();
    let error = verify(&certificate_client, &by_public_key).unwrap_err();
    assert!(
        matches!(&error, Error::UnknownSerial { serial, .. } if *serial == public_key_id),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_setting_that_names_a_key_the_client_cannot_have_is_refused_at_build() {
    let (sandbox, merchant) = sandbox(true).await;
    let error = bare_builder(&sandbox, &merchant)
        .wechatpay_public_key(sandbox.wechatpay_public_key().unwrap())
        .wechatpay_serial(WechatpaySerial::PublicKeyShare(50))
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("platform_certificates_from_api"),
        "{error}"
    );
    let pem = sandbox.platform_certificate_pem().unwrap();
    let error = bare_builder(&sandbox, &merchant)
        .platform_certificate(PlatformCertificate::from_pem(&pem).unwrap())
        .wechatpay_serial(WechatpaySerial::PublicKey)
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains(".wechatpay_public_key(")
            && error.to_string().contains("WECHATPAY_PUBLIC_KEY_SHARE=0"),
        "{error}"
    );
    assert!(WechatpaySerial::from_percent(101).is_err());
    // The escape hatch still names the key the setting picks.
    let client = certificate_only(&sandbox, &merchant);
    let answer = client
        .request(Method::POST, "v3/papay/sign/contracts/pre-entrust-sign")
        .json(&Body(&common::pre_entrust_sign("hatch")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["wechatpay-serial"],
        certificate_serial(&sandbox).as_str()
    );
}
