//! API v2 signatures against vectors computed outside this crate, with the commands shown.
//!
//! Key: `192006250b4c09247ec02edce69f6a2d` (the key of WeChat Pay's own v2 signing example).

use wechatpay::v2::{self, ApiV2Key, Fields, SignType, V2Error};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// WeChat Pay's documented example, unsorted, with an empty field and a `sign` that must be left out.
fn example() -> Fields {
    fields(&[
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ("mch_id", "10000100"),
        ("body", "test"),
        ("appid", "wxd930ea5d5a258f4f"),
        ("attach", ""),
        ("device_info", "1000"),
        ("sign", "ANYTHING"),
    ])
}

// S='appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d'
// printf '%s' "$S" | md5sum
//   9a0a8659f005d6984697e2ca0a9cf3b7
#[test]
fn md5_sign_matches_md5sum() {
    let key = ApiV2Key::new(KEY).unwrap();
    assert_eq!(
        v2::sign(v2::pairs(&example()), &key, SignType::Md5),
        "9A0A8659F005D6984697E2CA0A9CF3B7"
    );
}

// printf '%s' "$S" | openssl dgst -sha256 -hmac 192006250b4c09247ec02edce69f6a2d
//   6a9ae1657590fd6257d693a078e1c3e4bb6ba4dc30b23e0ee2496e54170dacd6
#[test]
fn hmac_sha256_sign_matches_openssl() {
    let key = ApiV2Key::new(KEY).unwrap();
    assert_eq!(
        v2::sign(v2::pairs(&example()), &key, SignType::HmacSha256),
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    );
}

// S2='appid=wxcbda96de0b165486&contract_code=wxwtdk20200910100000&contract_display_account=微信代扣用户A&mch_id=1900000001&nonce_str=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&plan_id=12535&request_serial=1695&sign_type=HMAC-SHA256&version=1.0&key=192006250b4c09247ec02edce69f6a2d'
// printf '%s' "$S2" | openssl dgst -sha256 -hmac 192006250b4c09247ec02edce69f6a2d
//   612ac284e1b4f96c317bb9449c4cfb229c516b0357bac579637ce471098259b0
// printf '%s' "$S2" | md5sum
//   65840f8bbdd22a7ab290a0bf3043759f
#[test]
fn utf8_values_and_sign_type_are_signed_as_bytes() {
    let key = ApiV2Key::new(KEY).unwrap();
    let request = fields(&[
        ("version", "1.0"),
        ("sign_type", "HMAC-SHA256"),
        ("request_serial", "1695"),
        ("plan_id", "12535"),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("mch_id", "1900000001"),
        ("contract_display_account", "微信代扣用户A"),
        ("contract_code", "wxwtdk20200910100000"),
        ("appid", "wxcbda96de0b165486"),
    ]);
    assert_eq!(
        v2::sign(v2::pairs(&request), &key, SignType::HmacSha256),
        "612AC284E1B4F96C317BB9449C4CFB229C516B0357BAC579637CE471098259B0"
    );
    assert_eq!(
        v2::sign(v2::pairs(&request), &key, SignType::Md5),
        "65840F8BBDD22A7AB290A0BF3043759F"
    );
}

/// A signed answer in the shape WeChat Pay sends, for the refusal tests.
fn answer(sign: Option<&str>, sign_type: Option<&str>) -> String {
    let mut out = String::from(
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><result_code><![CDATA[SUCCESS]]></result_code><appid><![CDATA[wxd930ea5d5a258f4f]]></appid><mch_id>10000100</mch_id><body>test</body><device_info>1000</device_info><nonce_str>ibuaiVcKdpRxkhJA</nonce_str>",
    );
    if let Some(sign_type) = sign_type {
        out.push_str(&format!("<sign_type>{sign_type}</sign_type>"));
    }
    if let Some(sign) = sign {
        out.push_str(&format!("<sign><![CDATA[{sign}]]></sign>"));
    }
    out.push_str("</xml>");
    out
}

// S3='appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&result_code=SUCCESS&return_code=SUCCESS&key=192006250b4c09247ec02edce69f6a2d'
// printf '%s' "$S3" | md5sum
//   6b3aba799add1ae4bf6add698670444b
const ANSWER_MD5: &str = "6B3ABA799ADD1AE4BF6ADD698670444B";

#[test]
fn answers_are_refused_when_unsigned_forged_or_of_another_sign_type() {
    let key = ApiV2Key::new(KEY).unwrap();
    let verify = |body: String| v2::verify_answer(body.as_bytes(), &key, SignType::Md5, "pay/test");

    let good = verify(answer(Some(ANSWER_MD5), None)).unwrap();
    assert_eq!(v2::field(&good, "device_info"), Some("1000"));

    let error = verify(answer(None, None)).unwrap_err();
    assert!(matches!(error, V2Error::Unsigned { .. }), "{error}");
    let error = verify(answer(Some(""), None)).unwrap_err();
    assert!(matches!(error, V2Error::Unsigned { .. }), "{error}");

    let error = verify(answer(Some(&ANSWER_MD5.replace('1', "2")), None)).unwrap_err();
    assert!(matches!(error, V2Error::BadSignature { .. }), "{error}");
    assert!(error.is_verification_failure());

    let error = verify(answer(Some(ANSWER_MD5), Some("HMAC-SHA256"))).unwrap_err();
    assert!(
        matches!(&error, V2Error::WrongSignType { found, .. } if found.contains("HMAC-SHA256")),
        "{error}"
    );
    let error = verify(answer(Some(&"A".repeat(64)), None)).unwrap_err();
    assert!(
        matches!(&error, V2Error::WrongSignType { found, .. } if found.contains("64-character")),
        "{error}"
    );
}
