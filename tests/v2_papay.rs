//! API v2 over HTTP against the sandbox: signed requests accepted, wrong ones refused as WeChat
//! Pay refuses them, forged answers refused by the client, the client certificate required where
//! declared.
#![cfg(feature = "v2-papay")]

use wechatpay::v2::catalog::papay::{
    PartnerQueryContract, PartnerQueryContractVersion, QueryContract, QueryContractResponse,
    QueryContractVersion,
};
use wechatpay::v2::{ApiV2Key, SignType, V2Error};
use wechatpay::{Error, endpoint};
use wechatpay_sandbox::{Fault, Sandbox};

fn unknown_contract() -> QueryContract {
    QueryContract {
        contract_id: Some("100005698".into()),
        plan_id: None,
        contract_code: None,
        version: QueryContractVersion::V10,
    }
}

/// The verified answer of a query for a contract that does not exist: a business failure.
fn assert_contract_not_exist(result: Result<QueryContractResponse, Error>) {
    match result {
        Err(Error::V2(V2Error::Business {
            err_code, endpoint, ..
        })) => {
            assert_eq!(err_code, "CONTRACT_NOT_EXIST");
            assert_eq!(endpoint, "papay/querycontract");
        }
        other => panic!("expected CONTRACT_NOT_EXIST, got {other:?}"),
    }
}

#[tokio::test]
async fn md5_and_hmac_sha256_requests_are_accepted_and_answers_verified() {
    let sandbox = Sandbox::start().await.unwrap();
    let md5 = sandbox.client().unwrap();
    assert_contract_not_exist(md5.send(&unknown_contract()).await);
    let hmac = sandbox
        .client_builder()
        .unwrap()
        .apiv2_sign_type(SignType::HmacSha256)
        .build()
        .unwrap();
    assert_contract_not_exist(hmac.send(&unknown_contract()).await);
    assert_eq!(sandbox.requests_to("papay/querycontract"), 2);
}

#[tokio::test]
async fn a_request_signed_with_another_key_is_refused_with_the_wechat_pay_message() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .apiv2_key(ApiV2Key::new(&"k".repeat(32)).unwrap())
        .build()
        .unwrap();
    match client.send(&unknown_contract()).await {
        Err(Error::V2(V2Error::Refused {
            return_code,
            return_msg,
            ..
        })) => {
            assert_eq!(return_code, "FAIL");
            assert_eq!(return_msg, "签名错误");
        }
        other => panic!("expected 签名错误, got {other:?}"),
    }
}

#[tokio::test]
async fn forged_answers_are_refused_before_any_field_is_used() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let cases = [
        (Fault::TamperBody, "BadSignature"),
        (Fault::ForeignSignature, "BadSignature"),
        (Fault::StripSignature, "Unsigned"),
        (Fault::WrongSignType, "WrongSignType"),
    ];
    for (fault, expected) in cases {
        sandbox.inject(fault.clone());
        let error = client.send(&unknown_contract()).await.unwrap_err();
        let kind = match &error {
            Error::V2(V2Error::BadSignature { .. }) => "BadSignature",
            Error::V2(V2Error::Unsigned { .. }) => "Unsigned",
            Error::V2(V2Error::WrongSignType { .. }) => "WrongSignType",
            _ => "other",
        };
        assert_eq!(kind, expected, "{fault:?}: {error}");
        assert!(error.is_verification_failure(), "{error}");
        // The business code of the forged answer is never reported.
        assert_eq!(error.code(), None, "{fault:?}: {error}");
    }
}

/// A v2 operation that WeChat Pay serves only over mutual TLS.
#[endpoint(POST, "secapi/pay/refund", response = RefundAccepted, protocol = v2, client_certificate)]
pub struct RefundV2 {
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub total_fee: u64,
    pub refund_fee: u64,
}

#[derive(Debug, serde::Deserialize)]
pub struct RefundAccepted {
    pub refund_id: String,
}

#[tokio::test]
async fn an_operation_that_needs_the_client_certificate_says_so_without_sending() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .send(&RefundV2 {
            out_trade_no: "P1".into(),
            out_refund_no: "R1".into(),
            total_fee: 100,
            refund_fee: 100,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::V2(V2Error::ClientCertificateRequired { endpoint }) if endpoint == "secapi/pay/refund"),
        "{error}"
    );
    assert!(error.to_string().contains("client_certificate"), "{error}");
    assert_eq!(sandbox.requests_to("secapi/pay/refund"), 0);
}

#[tokio::test]
async fn a_client_without_the_apiv2_key_names_what_to_set() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = wechatpay::Client::builder()
        .mchid(sandbox.mchid())
        .merchant_key(
            sandbox.merchant_serial(),
            wechatpay::MerchantKey::generate().unwrap(),
        )
        .wechatpay_public_key(
            wechatpay::WechatpayPublicKey::from_pem(
                sandbox.public_key_id(),
                &sandbox.platform_public_key_pem(),
            )
            .unwrap(),
        )
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let error = client.send(&unknown_contract()).await.unwrap_err();
    assert!(error.to_string().contains("WECHATPAY_APIV2_KEY"), "{error}");
    assert!(client.v2_notifications().is_err());
}

#[test]
fn the_client_certificate_loads_from_pem_and_names_what_is_wrong() {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["1900000001".into()]).unwrap();
    let certificate = params.self_signed(&key).unwrap();
    let loaded = wechatpay::ClientCertificate::from_pem(
        certificate.pem().as_bytes(),
        key.serialize_pem().as_bytes(),
    )
    .unwrap();
    assert!(!format!("{loaded:?}").contains("PRIVATE"), "{loaded:?}");
    // A client presents it to servers that ask (the v2 mutual-TLS operations).
    let builder = wechatpay::Client::builder()
        .mchid("1900000001")
        .merchant_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            wechatpay::MerchantKey::generate().unwrap(),
        )
        .wechatpay_public_key(
            wechatpay::WechatpayPublicKey::from_public_key(
                "PUB_KEY_ID_0114232134912410000000000000",
                wechatpay::MerchantKey::generate().unwrap().public_key(),
            )
            .unwrap(),
        );
    builder.client_certificate(loaded).build().unwrap();

    let swapped = wechatpay::ClientCertificate::from_pem(
        key.serialize_pem().as_bytes(),
        certificate.pem().as_bytes(),
    )
    .unwrap_err();
    assert!(
        matches!(&swapped, Error::Key { problem, .. } if problem.contains("no CERTIFICATE block")),
        "{swapped}"
    );
}

#[tokio::test]
async fn a_partner_variant_sends_the_sub_merchant_beside_the_flattened_fields() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let result = client
        .send(&PartnerQueryContract {
            sub_appid: None,
            sub_mch_id: Some("1900000109".into()),
            contract_id: Some("100005698".into()),
            plan_id: None,
            contract_code: None,
            version: PartnerQueryContractVersion::V10,
        })
        .await;
    match result {
        Err(Error::V2(V2Error::Business {
            err_code, endpoint, ..
        })) => {
            assert_eq!(err_code, "CONTRACT_NOT_EXIST");
            assert_eq!(endpoint, "papay/partner/querycontract");
        }
        other => panic!("expected CONTRACT_NOT_EXIST, got {other:?}"),
    }
    assert_eq!(sandbox.requests_to("papay/partner/querycontract"), 1);
}
