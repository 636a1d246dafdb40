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

// S4='appid=wxcbda96de0b165486&contract_code=wxwtdk20200910100000&contract_display_account=微信代扣用户A&mch_id=1900000001&notify_url=https://yourapp.com/notify?a=1&plan_id=12535&request_serial=1695&return_web=1&timestamp=1606000000&version=1.0&key=192006250b4c09247ec02edce69f6a2d'
// printf '%s' "$S4" | md5sum
//   c2f8ec5294cb82f0b7b025503818f798
// (values percent-encoded with python3 -c "import urllib.parse; print(urllib.parse.quote(V, safe=''))")
#[test]
fn entrustweb_url_is_signed_over_raw_values_and_encoded() {
    let key = ApiV2Key::new(KEY).unwrap();
    let page = v2::redirect::EntrustWeb {
        plan_id: 12535,
        contract_code: "wxwtdk20200910100000".into(),
        request_serial: 1695,
        contract_display_account: "微信代扣用户A".into(),
        notify_url: "https://yourapp.com/notify?a=1".into(),
        timestamp: 1_606_000_000,
        return_web: Some(1),
    };
    assert_eq!(
        page.signed_url_with(
            "https://api.mch.weixin.qq.com/",
            "wxcbda96de0b165486",
            "1900000001",
            &key,
            SignType::Md5
        ),
        "https://api.mch.weixin.qq.com/papay/entrustweb?appid=wxcbda96de0b165486&contract_code=wxwtdk20200910100000&contract_display_account=%E5%BE%AE%E4%BF%A1%E4%BB%A3%E6%89%A3%E7%94%A8%E6%88%B7A&mch_id=1900000001&notify_url=https%3A%2F%2Fyourapp.com%2Fnotify%3Fa%3D1&plan_id=12535&request_serial=1695&return_web=1&timestamp=1606000000&version=1.0&sign=C2F8EC5294CB82F0B7B025503818F798"
    );
}

// The refund req_info: the XML below encrypted with
//   K=$(printf '%s' 192006250b4c09247ec02edce69f6a2d | md5sum | cut -c1-32)   # d96eb16afdd491fa1e705096edbc2205
//   printf '%s' "$REFUND_XML" | openssl enc -aes-256-ecb -K $(printf %s $K | xxd -p -c 64) -base64 -A
const REQ_INFO: &str = "WBzGpzQuNpcFxIlFjUUD9BfnwwNUlVAs7bwvgHME4/TRwc2Yk3q/RHHdecZheMGkjGWrkvWnE43GfLJKmHP/eG0/OzOYIOgiSnagAjbdzc/ne7+Sgv5ETzh8uLJzDMjaTpRNy3oyb80yNxoDC6cXrdmPb8CY2u4n6KnBrlHXBf5DAX+ZlxUxfikXzsD16ZHzOUvtfJKvzZYOyT8/Qt7RRxITzrz4HL5jr56V0DFRbNOs1OPqiB3QjU7RqN4NiBYOUPiBoR1B1fBbcKln++dy11xjVAUyxB0an1sGa0StjDpvetP9yKOzYXa7lTQepo48Nuf4jbUEzF8pyp66szMvqiqyd3NZSnK8H7guDNUZl6C7bLvyuEJKbkRLQFIrs40zsYvhAAZzGvxpSbhZ9KzTC3hA1hb/fknE2s+NJshMY7FFkWPu/SGW827eOzoUI2ZowaCoQpn8EWBZgOzjPINmPhGPXml6KuoZjBigTaM4YuBtA5RnbxYvQaXxNWFt/Tj2Dmyh3xYuyeLINBu6hH/s0v5k/uEYfEwu05PSRvUeFfbb+Gw+yJJRXysxRQKrsJJMEBJoUKtpJ+UjPj4YZ/5FKPGEhp/A+N2mzr6rdQUz6oDQEIVxV5UtpVsXaSKLhi0XjFwej6fy6JgkrluLrSzRX6pxmEC2l7dZBb6KmVW1GLXSfFlIMjVL4f/aiYtfXp+//lg0Svmf5G9zmsEcyZEPg3XD0j5TPApKujj1iX8mskr6w1Sg1hDuMbDrdfBkLRaSn9J2FVnLMYjBWdazJ7yryzLDuNcuVXn8mNpZUXXvWdHbJqsRzhiHdwgZ3zmhMYEJILynkOOe5RO6WvkkjxydKZAytZe7FKJbRkwWvGamSCFzu6muyqsPEfI8khxZXPyfKysazr3/cRl/hxaq5x/+yqtjRsv0pw+ObWoeoFkq0ZNhhqBlVHXmRVj+vjzsVEbQh+BJmHN4luELegG32+yc5QPRacn3y7h1rI656LhWpJ59KLJF3hiy3zqMSJQl1xYxYi6MwnWHbOQ03dx+SSpakA==";

const REFUND_XML: &str = "<root><out_refund_no><![CDATA[R20261130001]]></out_refund_no><out_trade_no><![CDATA[P20261130001]]></out_trade_no><refund_account><![CDATA[REFUND_SOURCE_RECHARGE_FUNDS]]></refund_account><refund_fee><![CDATA[100]]></refund_fee><refund_id><![CDATA[50000408942018111907145868882]]></refund_id><refund_recv_accout><![CDATA[支付用户零钱]]></refund_recv_accout><refund_request_source><![CDATA[API]]></refund_request_source><refund_status><![CDATA[SUCCESS]]></refund_status><settlement_refund_fee><![CDATA[100]]></settlement_refund_fee><settlement_total_fee><![CDATA[100]]></settlement_total_fee><success_time><![CDATA[2026-11-30 10:00:00]]></success_time><total_fee><![CDATA[100]]></total_fee><transaction_id><![CDATA[4200000215201811190261405420]]></transaction_id></root>";

#[test]
fn refund_req_info_decrypts_as_openssl_encrypted_it() {
    let key = ApiV2Key::new(KEY).unwrap();
    let plain = v2::notify::decrypt_req_info(&key, REQ_INFO).unwrap();
    assert_eq!(std::str::from_utf8(&plain).unwrap(), REFUND_XML);

    let callback = format!(
        "<xml><return_code>SUCCESS</return_code><appid><![CDATA[wxd930ea5d5a258f4f]]></appid><mch_id>10000100</mch_id><nonce_str>ibuaiVcKdpRxkhJA</nonce_str><req_info><![CDATA[{REQ_INFO}]]></req_info></xml>"
    );
    let refund = v2::notify::V2Notifications::new(key.clone())
        .refund(callback.as_bytes())
        .unwrap();
    assert_eq!(refund.out_refund_no, "R20261130001");
    assert_eq!(refund.refund_fee, 100);
    assert_eq!(refund.refund_status, "SUCCESS");
    assert_eq!(refund.refund_recv_accout.as_deref(), Some("支付用户零钱"));

    let other = ApiV2Key::new(&"0".repeat(32)).unwrap();
    let error = v2::notify::V2Notifications::new(other)
        .refund(callback.as_bytes())
        .unwrap_err();
    assert!(error.to_string().contains("does not decrypt"), "{error}");
}

/// A contract notification as WeChat Pay sends it, signed with MD5 (`S3`-style vector above).
fn contract_callback(sign: bool) -> String {
    let key = ApiV2Key::new(KEY).unwrap();
    let mut fields = fields(&[
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("mch_id", "10000100"),
        ("change_type", "ADD"),
        ("contract_id", "201509160000028648"),
        ("plan_id", "12535"),
        ("contract_code", "wxwtdk20200910100000"),
        ("openid", "onqOjjmM1tad-3ROpncN-yUfa6uI"),
        ("operate_time", "2026-11-30 10:00:00"),
        ("request_serial", "1695"),
    ]);
    if sign {
        let signature = v2::sign(v2::pairs(&fields), &key, SignType::Md5);
        fields.push(("sign".into(), signature));
    }
    v2::xml::encode(v2::pairs(&fields))
}

#[test]
fn callbacks_are_typed_after_their_sign_holds_and_refused_otherwise() {
    let notifications = v2::notify::V2Notifications::new(ApiV2Key::new(KEY).unwrap());
    match notifications
        .parse(contract_callback(true).as_bytes())
        .unwrap()
    {
        v2::notify::V2Event::Contract(contract) => {
            assert!(contract.is_signed());
            assert_eq!(contract.plan_id, 12535);
            assert_eq!(contract.request_serial, Some(1695));
        }
        other => panic!("expected a contract notification, got {other:?}"),
    }
    let forged = contract_callback(true).replace("12535", "12536");
    let error = notifications.parse(forged.as_bytes()).unwrap_err();
    assert!(
        matches!(error, wechatpay::Error::V2(V2Error::BadSignature { .. })),
        "{error}"
    );
    let error = notifications
        .parse(contract_callback(false).as_bytes())
        .unwrap_err();
    assert!(
        matches!(error, wechatpay::Error::V2(V2Error::Unsigned { .. })),
        "{error}"
    );
    assert_eq!(
        v2::notify::SUCCESS_ANSWER,
        "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"
    );
}

// S5='appid=wxcbda96de0b165486&clientip=203.0.113.7&contract_code=h5-1001&contract_display_account=会员 1001&mch_id=1900000001&notify_url=https://yourapp.com/v2/notify&plan_id=12535&request_serial=1696&sign_type=HMAC-SHA256&timestamp=1606000000&version=1.0&key=192006250b4c09247ec02edce69f6a2d'
// printf '%s' "$S5" | openssl dgst -sha256 -hmac 192006250b4c09247ec02edce69f6a2d
//   6ae5f6dec1306c70dfa4cc69c59ca93e3ed31842650d1836de06e9c04291673b
#[test]
fn h5entrustweb_url_carries_its_sign_type_and_is_signed_with_hmac_sha256() {
    let key = ApiV2Key::new(KEY).unwrap();
    let page = v2::redirect::H5EntrustWeb {
        plan_id: 12535,
        contract_code: "h5-1001".into(),
        request_serial: 1696,
        contract_display_account: "会员 1001".into(),
        notify_url: "https://yourapp.com/v2/notify".into(),
        timestamp: 1_606_000_000,
        clientip: "203.0.113.7".into(),
        return_appid: None,
    };
    assert_eq!(
        page.signed_url_with(
            "https://api.mch.weixin.qq.com",
            "wxcbda96de0b165486",
            "1900000001",
            &key,
            SignType::HmacSha256
        ),
        "https://api.mch.weixin.qq.com/papay/h5entrustweb?appid=wxcbda96de0b165486&clientip=203.0.113.7&contract_code=h5-1001&contract_display_account=%E4%BC%9A%E5%91%98%201001&mch_id=1900000001&notify_url=https%3A%2F%2Fyourapp.com%2Fv2%2Fnotify&plan_id=12535&request_serial=1696&sign_type=HMAC-SHA256&timestamp=1606000000&version=1.0&sign=6AE5F6DEC1306C70DFA4CC69C59CA93E3ED31842650D1836DE06E9C04291673B"
    );
}
