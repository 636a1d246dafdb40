//! Sensitive fields: `#[wechatpay(encrypt)]` values travel RSA-OAEP encrypted under the WeChat Pay
//! key the request names in `Wechatpay-Serial`; answers' sensitive fields decrypt with the
//! merchant key.

use wechatpay::endpoint::RenderedRequest;
use wechatpay::v3::profitsharing::{AddReceiver, ReceiverRelationType, ReceiverType};
use wechatpay::{Endpoint as _, Error, MerchantKey};
use wechatpay_sandbox::Sandbox;

fn receiver(name: Option<&str>) -> AddReceiver {
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

#[test]
fn the_body_carries_ciphertext_that_only_the_named_key_opens() {
    let wechatpay_key = MerchantKey::generate().unwrap();
    let rendered = RenderedRequest::with_encryption(
        &receiver(Some("深圳腾讯科技有限公司")),
        "PUB_KEY_ID_0119000000012025112700000000000001",
        &wechatpay_key.public_key(),
    )
    .unwrap();
    assert_eq!(
        rendered.wechatpay_serial(),
        Some("PUB_KEY_ID_0119000000012025112700000000000001")
    );
    let body: serde_json::Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
    let sent = body["name"].as_str().unwrap();
    assert!(
        !sent.contains("腾讯"),
        "the name must not travel in clear: {sent}"
    );
    assert_eq!(
        wechatpay_key.decrypt(sent).unwrap().as_str(),
        "深圳腾讯科技有限公司"
    );
    let stranger = MerchantKey::generate().unwrap();
    assert!(matches!(stranger.decrypt(sent), Err(Error::Decrypt { .. })));
    // RSA-OAEP is randomised: the same name never encrypts to the same bytes twice.
    let again = RenderedRequest::with_encryption(
        &receiver(Some("深圳腾讯科技有限公司")),
        "PUB_KEY_ID_0119000000012025112700000000000001",
        &wechatpay_key.public_key(),
    )
    .unwrap();
    assert_ne!(rendered.body(), again.body());
}

#[test]
fn rendering_without_a_key_refuses_rather_than_sending_clear_text() {
    let error = RenderedRequest::new(&receiver(Some("张三"))).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("RenderedRequest::with_encryption") && message.contains("Client::send"),
        "{message}"
    );
    // An absent optional sensitive field needs no key.
    let rendered = RenderedRequest::new(&receiver(None)).unwrap();
    let body: serde_json::Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
    assert!(body.get("name").is_none());
}

#[tokio::test]
async fn the_sandbox_decrypts_the_name_and_answers_it_encrypted_to_the_merchant() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .send(&receiver(Some("深圳腾讯科技有限公司")))
        .await
        .unwrap();
    let name = answer.name.as_deref().unwrap();
    assert!(!name.contains("腾讯"));
    assert_eq!(
        client.decrypt_sensitive(name).unwrap().as_str(),
        "深圳腾讯科技有限公司"
    );
    assert_eq!(answer.account, "86693852");

    // The sandbox holds WeChat Pay's rule: a merchant receiver needs its name.
    let error = client.send(&receiver(None)).await.unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error:?}");
}

#[tokio::test]
async fn certificate_merchants_encrypt_under_the_current_certificate() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    // The client starts with no key at all: it downloads the certificates to encrypt with.
    let answer = client.send(&receiver(Some("李四"))).await.unwrap();
    assert_eq!(
        client
            .decrypt_sensitive(answer.name.as_deref().unwrap())
            .unwrap()
            .as_str(),
        "李四"
    );
    // After a rotation the sandbox expects the new certificate; the client follows.
    sandbox.rotate_platform_certificate().unwrap();
    client.refresh_certificates().await.unwrap();
    let answer = client.send(&receiver(Some("王五"))).await.unwrap();
    assert_eq!(
        client
            .decrypt_sensitive(answer.name.as_deref().unwrap())
            .unwrap()
            .as_str(),
        "王五"
    );
}

#[test]
fn a_value_too_long_for_rsa_oaep_is_an_error_not_a_truncation() {
    let key = MerchantKey::generate().unwrap();
    let long = "名".repeat(100); // 300 bytes, more than the 214 RSA-2048 OAEP allows
    let error = RenderedRequest::with_encryption(
        &receiver(Some(&long)),
        "PUB_KEY_ID_01",
        &key.public_key(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("longer than RSA-OAEP allows"),
        "{error}"
    );
}

#[tokio::test]
async fn the_escape_hatch_sends_the_headers_it_is_given() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let send = |serial: Option<&'static str>| {
        let mut request = client
            .request(http::Method::POST, "v3/profitsharing/receivers/add")
            .json(
                &receiver(None)
                    .serialize_body(serde_json::value::Serializer)
                    .unwrap(),
            );
        if let Some(serial) = serial {
            request = request.header("Wechatpay-Serial", serial);
        }
        request.send()
    };
    // The client names its own WeChat Pay key by default: the sandbox checks it first, and only
    // then finds the name missing. A header given replaces it, and the serial check refuses it.
    let error = send(None).await.unwrap_err();
    assert!(error.to_string().contains("name"), "{error}");
    assert!(!error.to_string().contains("Wechatpay-Serial"), "{error}");
    let error = send(Some("PUB_KEY_ID_0000000000000000000000000000"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error}");
    assert!(
        error
            .to_string()
            .contains("`PUB_KEY_ID_0000000000000000000000000000`"),
        "{error}"
    );

    // The signature's header cannot be set, and a malformed one is refused before sending.
    let requests = sandbox.requests_received();
    for error in [
        client
            .request(http::Method::GET, "v3/certificates")
            .header("Authorization", "WECHATPAY2-SHA256-RSA2048 forged")
            .send()
            .await
            .unwrap_err(),
        client
            .request(http::Method::GET, "v3/certificates")
            .header("X-Bad", "line\nbreak")
            .send()
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    }
    assert_eq!(sandbox.requests_received(), requests);
}
