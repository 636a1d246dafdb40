//! The generated API v2 catalog over HTTP against the sandbox, which answers every described v2
//! operation from its description: signed requests of generated types accepted and their verified
//! answers decoded, a missing required field refused with `PARAM_ERROR` naming it, a wrong `sign`
//! refused with `签名错误`, and a generated operation that needs the client certificate refused
//! by the client before anything is sent.

#![cfg(all(feature = "v2-tools", feature = "v2-pay", feature = "v2-secapi"))]

use wechatpay::Error;
use wechatpay::v2::catalog::{pay, secapi, tools};
use wechatpay::v2::{ApiV2Key, SignType, V2Error};
use wechatpay_sandbox::Sandbox;

#[tokio::test]
async fn a_generated_operation_is_answered_from_its_description_with_both_sign_types() {
    let sandbox = Sandbox::start().await.unwrap();
    for sign_type in [SignType::Md5, SignType::HmacSha256] {
        let client = sandbox
            .client_builder()
            .unwrap()
            .apiv2_sign_type(sign_type)
            .build()
            .unwrap();
        let answer = client
            .send(&tools::PostShorturl {
                long_url: "weixin://wxpay/bizpayurl?sign=XXXXX".into(),
            })
            .await
            .unwrap();
        // The description's example answer, verified by its `sign` and typed.
        assert_eq!(
            answer.short_url.as_deref(),
            Some("weixin：//wxpay/s/XXXXXX"),
            "{sign_type}"
        );
        assert_eq!(answer.mch_id.as_deref(), Some(sandbox.mchid()));
    }
    assert_eq!(sandbox.requests_to("tools/shorturl"), 2);
}

#[tokio::test]
async fn typed_numbers_and_open_enums_travel_as_xml_text() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .send(&pay::OrderQuery {
            version: None,
            sub_appid: None,
            sub_mch_id: None,
            transaction_id: "1009660380201506130728806387".into(),
            out_trade_no: "20150806125346".into(),
        })
        .await
        .unwrap();
    // Numbers parsed from their text, enum values read by their wire name.
    assert!(answer.total_fee.is_some_and(|fee| fee > 0), "{answer:?}");
    assert!(
        matches!(
            answer.trade_state,
            Some(ref state) if !matches!(state, pay::OrderQueryResponseTradeState::Unknown(_))
        ),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_missing_required_field_is_a_param_error_naming_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // An empty value is left out of the XML's meaning: WeChat Pay reads it as missing.
    let error = client
        .send(&tools::PostShorturl {
            long_url: String::new(),
        })
        .await
        .unwrap_err();
    match &error {
        Error::V2(V2Error::Business {
            err_code,
            err_code_des,
            endpoint,
            ..
        }) => {
            assert_eq!(err_code, "PARAM_ERROR");
            assert!(err_code_des.contains("long_url"), "{err_code_des}");
            assert_eq!(endpoint, "tools/shorturl");
        }
        other => panic!("expected PARAM_ERROR, got {other:?}"),
    }
}

#[tokio::test]
async fn a_generated_operation_signed_with_another_key_is_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .apiv2_key(ApiV2Key::new(&"k".repeat(32)).unwrap())
        .build()
        .unwrap();
    let error = client
        .send(&tools::PostShorturl {
            long_url: "weixin://wxpay/bizpayurl?sign=XXXXX".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::V2(V2Error::Refused { return_msg, .. }) if return_msg == "签名错误"),
        "{error}"
    );
}

#[tokio::test]
async fn a_generated_mutual_tls_operation_needs_the_client_certificate_before_sending() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client.send(&refund()).await.unwrap_err();
    assert!(
        matches!(&error, Error::V2(V2Error::ClientCertificateRequired { endpoint }) if endpoint == "secapi/pay/refund"),
        "{error}"
    );
    assert_eq!(sandbox.requests_to("secapi/pay/refund"), 0);
}

fn refund() -> secapi::Refund {
    secapi::Refund {
        sub_appid: None,
        sub_mch_id: None,
        transaction_id: Some("1009660380201506130728806387".into()),
        out_trade_no: None,
        out_refund_no: "R1".into(),
        total_fee: 100,
        refund_fee: 100,
        refund_fee_type: None,
        refund_desc: None,
        refund_account: None,
        notify_url: None,
    }
}

/// The same operation declared without `client_certificate`, so that the client sends it without
/// a certificate and the sandbox's refusal is what the test sees.
#[wechatpay::endpoint(POST, "secapi/pay/refund", response = secapi::RefundResponse, protocol = v2)]
pub struct RefundWithoutTheMark {
    pub transaction_id: String,
    pub out_refund_no: String,
    pub total_fee: u64,
    pub refund_fee: u64,
}

async fn https_sandbox() -> Sandbox {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    Sandbox::builder()
        .tls(
            certified.cert.der().to_vec(),
            certified.key_pair.serialize_der(),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn mutual_tls_over_loopback_with_a_certificate_the_sandbox_issued() {
    let sandbox = https_sandbox().await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .client_certificate(sandbox.client_certificate().unwrap())
        .build()
        .unwrap();
    let answer = client.send(&refund()).await.unwrap();
    assert!(answer.refund_id.is_some(), "{answer:?}");
    assert_eq!(sandbox.requests_to("secapi/pay/refund"), 1);
}

#[tokio::test]
async fn the_sandbox_refuses_a_mutual_tls_operation_sent_without_a_certificate() {
    let sandbox = https_sandbox().await;
    let client = sandbox.client().unwrap();
    let error = client
        .send(&RefundWithoutTheMark {
            transaction_id: "1009660380201506130728806387".into(),
            out_refund_no: "R1".into(),
            total_fee: 100,
            refund_fee: 100,
        })
        .await
        .unwrap_err();
    match &error {
        Error::V2(V2Error::Refused {
            return_code,
            return_msg,
            ..
        }) => {
            assert_eq!(return_code, "FAIL");
            assert!(return_msg.contains("证书"), "{return_msg}");
        }
        other => panic!("expected a refusal for the missing certificate, got {other:?}"),
    }
    // An operation that does not need it goes through on the same connection settings.
    client
        .send(&tools::PostShorturl {
            long_url: "weixin://wxpay/bizpayurl?sign=XXXXX".into(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_plain_http_sandbox_says_mutual_tls_needs_https() {
    let sandbox = Sandbox::start().await.unwrap();
    let error = sandbox.client_certificate().unwrap_err();
    assert!(error.to_string().contains("tls("), "{error}");
}

#[test]
fn a_client_certificate_and_a_key_that_do_not_belong_together_are_refused_at_once() {
    let certified = rcgen::generate_simple_self_signed(vec!["1900000001".into()]).unwrap();
    let other = rcgen::KeyPair::generate().unwrap();
    let certificate_pem = certified.cert.pem();
    let error = wechatpay::ClientCertificate::from_pem(
        certificate_pem.as_bytes(),
        other.serialize_pem().as_bytes(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("belong together"), "{error}");
    let own = wechatpay::ClientCertificate::from_pem(
        certificate_pem.as_bytes(),
        certified.key_pair.serialize_pem().as_bytes(),
    )
    .unwrap();
    let shown = format!("{own:?}");
    assert!(shown.contains("certificates: 1"), "{shown}");
    assert!(!shown.contains("PRIVATE"), "{shown}");
}
