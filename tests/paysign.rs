//! Front-end pay-sign parameters, held to signatures made by `openssl dgst -sha256 -sign`.

use std::path::Path;

use wechatpay::{Client, MerchantKey, WechatpayPublicKey};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn client() -> Client {
    Client::builder()
        .mchid("1900000001")
        .merchant_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            MerchantKey::from_pem(&fixture("merchant_key.pem")).unwrap(),
        )
        .wechatpay_public_key(
            WechatpayPublicKey::from_pem(
                "PUB_KEY_ID_0114232134912410000000000000",
                &fixture("merchant_public_key.pem"),
            )
            .unwrap(),
        )
        .build()
        .unwrap()
}

const APPID: &str = "wxd678efh567hg6787";
const PREPAY_ID: &str = "wx201410272009395522657a690389285100";
const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";

#[test]
fn jsapi_params_sign_the_four_lines_the_front_end_checks() {
    let params = client().jsapi_pay_params_at(APPID, PREPAY_ID, 1414561699, NONCE);
    assert_eq!(params.pay_sign, fixture("message_jsapi.sig.b64").trim());
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "appId": APPID,
            "timeStamp": "1414561699",
            "nonceStr": NONCE,
            "package": format!("prepay_id={PREPAY_ID}"),
            "signType": "RSA",
            "paySign": params.pay_sign,
        })
    );
}

#[test]
fn app_params_sign_appid_timestamp_nonce_and_prepay_id() {
    let params = client().app_pay_params_at(APPID, PREPAY_ID, 1414561699, NONCE);
    assert_eq!(params.sign, fixture("message_app.sig.b64").trim());
    assert_eq!(params.partnerid, "1900000001");
    assert_eq!(params.package, "Sign=WXPay");
    assert_eq!(params.prepayid, PREPAY_ID);
}

#[test]
fn fresh_params_carry_a_new_nonce_and_the_current_time() {
    let client = client();
    let first = client.jsapi_pay_params(APPID, PREPAY_ID).unwrap();
    let second = client.jsapi_pay_params(APPID, PREPAY_ID).unwrap();
    assert_ne!(first.nonce_str, second.nonce_str);
    assert_eq!(first.nonce_str.len(), 32);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let stamp: i64 = first.time_stamp.parse().unwrap();
    assert!((now - stamp).abs() <= 5, "{stamp} vs {now}");
}
