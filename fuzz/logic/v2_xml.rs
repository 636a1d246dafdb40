//! Fuzz logic for API v2: the flat XML reader, answer verification and callback intake.
//!
//! Modes (the first byte, modulo 3; seeds start with `'0'`..`'2'`):
//! - `0`: an arbitrary body. `xml::decode` never panics; what it accepts writes back and reads
//!   back to the same fields. `v2::verify_answer` and `V2Notifications::parse` never return `Ok`:
//!   nothing here carries a `sign` made with the key (or a `req_info` encrypted with it).
//! - `1`: `name=value` lines, signed here with MD5 or HMAC-SHA256 (the second line, `H` for
//!   HMAC) and written as XML. The answer verifies exactly when `return_code=SUCCESS` and
//!   `result_code` is absent or `SUCCESS`, and then yields exactly the fields written; the same
//!   body with one value changed never verifies; the callback intake accepts it exactly when
//!   `return_code=SUCCESS`.
//! - `2`: an arbitrary `req_info`: decrypting it never panics and every failure is
//!   `Error::Decrypt`.

use std::sync::OnceLock;

use wechatpay::Error;
use wechatpay::v2::notify::{V2Notifications, decrypt_req_info};
use wechatpay::v2::{self, ApiV2Key, Fields, SignType, V2Error, xml};

#[path = "common.rs"]
mod common;
use common::Input;

const APIV2_KEY: &str = "fuzzV2key0123456789abcdef0123456";

fn key() -> &'static ApiV2Key {
    static KEY: OnceLock<ApiV2Key> = OnceLock::new();
    KEY.get_or_init(|| ApiV2Key::new(APIV2_KEY).expect("32 printable bytes"))
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.mode(3) {
        0 => arbitrary(input.rest()),
        1 => signed(input),
        _ => req_info(input.rest()),
    }
}

fn arbitrary(body: &[u8]) {
    if let Ok(fields) = xml::decode(body) {
        let written = xml::encode(v2::pairs(&fields));
        assert_eq!(
            xml::decode(written.as_bytes()).as_ref(),
            Ok(&fields),
            "what the reader accepts writes back to the same fields"
        );
    }
    for sign_type in [SignType::Md5, SignType::HmacSha256] {
        assert!(
            v2::verify_answer(body, key(), sign_type, "fuzz").is_err(),
            "an arbitrary body never verifies"
        );
    }
    assert!(
        V2Notifications::new(key().clone()).parse(body).is_err(),
        "an arbitrary callback is never accepted"
    );
}

fn signed(mut input: Input<'_>) {
    let sign_type = if input.line().first() == Some(&b'H') {
        SignType::HmacSha256
    } else {
        SignType::Md5
    };
    let mut fields = Fields::new();
    loop {
        let line = input.text_line().into_owned();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once('=').unwrap_or((&line, ""));
        if xml::is_field_name(name)
            && name != "sign"
            && name != "sign_type"
            && !fields.iter().any(|(n, _)| n == name)
            && !value.contains('\r')
        {
            fields.push((name.to_owned(), value.to_owned()));
        }
    }
    if sign_type == SignType::HmacSha256 {
        fields.push(("sign_type".into(), "HMAC-SHA256".into()));
    }
    let signature = v2::sign(v2::pairs(&fields), key(), sign_type);
    let mut sent = fields.clone();
    sent.push(("sign".into(), signature));
    let body = xml::encode(v2::pairs(&sent));

    let success = v2::field(&fields, "return_code") == Some("SUCCESS");
    let business_ok = v2::field(&fields, "result_code").is_none_or(|code| code == "SUCCESS");
    match v2::verify_answer(body.as_bytes(), key(), sign_type, "fuzz") {
        Ok(read) => {
            assert!(
                success && business_ok,
                "verified a refused or failed answer"
            );
            assert_eq!(read, sent, "the verified fields are exactly those written");
        }
        Err(V2Error::Refused { .. }) => assert!(!success),
        Err(V2Error::Business { .. }) => assert!(success && !business_ok),
        Err(other) => panic!("a correctly signed answer failed with {other}"),
    }
    // One value changed after signing: never verifies as sent.
    if let Some(index) = fields
        .iter()
        .position(|(name, value)| name != "return_code" && !value.is_empty())
    {
        let mut forged = sent.clone();
        forged[index].1.push('x');
        let body = xml::encode(v2::pairs(&forged));
        match v2::verify_answer(body.as_bytes(), key(), sign_type, "fuzz") {
            Ok(_) | Err(V2Error::Business { .. }) => panic!("a changed answer verified"),
            Err(_) => {}
        }
    }
    // A callback is checked with the merchant's own sign type, the one it was signed with.
    let intake = V2Notifications::new(key().clone())
        .sign_type(sign_type)
        .verify(body.as_bytes());
    assert_eq!(intake.is_ok(), success, "{intake:?}");
}

fn req_info(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(error) = decrypt_req_info(key(), &text) {
        assert!(matches!(error, Error::Decrypt { .. }), "{error}");
    }
}
