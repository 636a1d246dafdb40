//! API v2: the XML protocol signed with the APIv2 key, which papay v2 merchants still deduct on.
//!
//! A v2 request is flat XML POSTed to a path without `v3/` (`papay/querycontract`). The client
//! fills `appid`, `mch_id`, `nonce_str` (from the CSPRNG), `sign_type` and `sign`; the `sign` is
//! the MD5 (or HMAC-SHA256) of the non-empty fields sorted by name, `sign` left out, joined as
//! `k=v&…&key=<APIv2 key>`, in upper-case hex ([`sign`]).
//!
//! An answer is used only after its own `sign` verifies ([`verify_answer`]): first
//! `return_code` (a `FAIL` there is a refusal of the request itself, such as `签名错误`), then the
//! signature, then `result_code`/`err_code`/`err_code_des`. Each failure is its own [`V2Error`],
//! carried by [`crate::Error::V2`]. The few operations whose answers WeChat Pay sends without
//! `sign` (企业付款, its query, red packets …) declare `unsigned_response`
//! ([`crate::Endpoint::SIGNED_RESPONSE`] is `false`): their answers are read without one
//! ([`check_answer`]), their authenticity resting on TLS to WeChat Pay's host.
//!
//! A v2 call goes through the same call loop as a v3 one (hosts, failover, retries, deadlines,
//! attempts, the tracing span): an error after the request was written says whether WeChat Pay
//! may have acted ([`crate::Error::outcome_unknown`]), which the `err_code`s WeChat Pay documents
//! as "query before retrying" ([`OUTCOME_UNKNOWN_CODES`]) and answers that fail verification do.
//!
//! Declare a v2 operation with `#[endpoint(POST, "papay/querycontract", response = …, protocol = v2)]`
//! and send it with [`crate::Client::send`] like any other. Every documented v2 operation is
//! generated in [`catalog`], one module per family behind its `v2-…` feature.

pub mod catalog;
#[cfg(test)]
mod catalog_check;
mod de;
pub(crate) mod error;
pub mod notify;
pub mod redirect;
pub mod xml;

use std::fmt;

use aws_lc_rs::hmac;
use md5::{Digest as _, Md5};
use serde::de::DeserializeOwned;
use zeroize::{Zeroize, Zeroizing};

use crate::endpoint::Endpoint;
use crate::error::{Attempts, Error};
pub use crate::keys::ClientCertificate;
pub use error::{ErrCode, OUTCOME_UNKNOWN_CODES, SignType, V2Error, outcome_unknown_code};
pub use xml::{Fields, XmlError, field};

/// The fields the client fills in every v2 request; a request type must not declare them.
pub const RUNTIME_FIELDS: [&str; 5] = ["appid", "mch_id", "nonce_str", "sign", "sign_type"];

/// The APIv2 key (API密钥) set in the merchant portal: 32 bytes that sign v2 requests, answers and
/// callbacks. Wiped from memory on drop; never shown by `Debug`.
#[derive(Clone, zeroize::ZeroizeOnDrop)]
pub struct ApiV2Key {
    bytes: [u8; 32],
}

impl fmt::Debug for ApiV2Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV2Key(..)")
    }
}

impl ApiV2Key {
    /// Takes the key as set in the merchant portal (32 printable ASCII characters).
    ///
    /// # Errors
    /// [`Error::Config`] when the key is not 32 printable ASCII bytes (the message never shows it).
    pub fn new(key: &str) -> Result<Self, Error> {
        let bytes: [u8; 32] = key.as_bytes().try_into().map_err(|_| {
            Error::Config(format!(
                "the APIv2 key must be exactly 32 bytes, but it has {}; copy it from the merchant portal (账户中心 → API安全 → API密钥)",
                key.len()
            ))
        })?;
        if !bytes.iter().all(u8::is_ascii_graphic) {
            let mut bytes = bytes;
            bytes.zeroize();
            return Err(Error::Config(
                "the APIv2 key must be printable ASCII (letters and digits as the merchant portal shows them)".into(),
            ));
        }
        Ok(Self { bytes })
    }

    /// The key read from `WECHATPAY_APIV2_KEY`.
    ///
    /// # Errors
    /// [`Error::Config`] when the variable is not set or not a valid key.
    pub fn from_env() -> Result<Self, Error> {
        let value = Zeroizing::new(std::env::var("WECHATPAY_APIV2_KEY").map_err(|_| {
            Error::Config(
                "WECHATPAY_APIV2_KEY is not set: it must hold the 32-byte APIv2 key".into(),
            )
        })?);
        Self::new(value.trim()).map_err(|e| Error::Config(format!("WECHATPAY_APIV2_KEY: {e}")))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

/// The `sign` of v2 fields: the non-empty fields but `sign`, sorted by name, joined as
/// `k=v&…&key=<APIv2 key>`, hashed with `sign_type`, in upper-case hex.
pub fn sign<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    key: &ApiV2Key,
    sign_type: SignType,
) -> String {
    let mut sorted: Vec<(&str, &str)> = fields
        .into_iter()
        .filter(|(name, value)| *name != "sign" && !value.is_empty())
        .collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut message = Zeroizing::new(Vec::with_capacity(256));
    for (name, value) in sorted {
        message.extend_from_slice(name.as_bytes());
        message.push(b'=');
        message.extend_from_slice(value.as_bytes());
        message.push(b'&');
    }
    message.extend_from_slice(b"key=");
    message.extend_from_slice(key.as_bytes());
    match sign_type {
        SignType::Md5 => upper_hex(&Md5::digest(&*message)),
        SignType::HmacSha256 => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
            upper_hex(hmac::sign(&key, &message).as_ref())
        }
    }
}

/// Whether `signature` is the `sign` of `fields` (upper or lower case), compared in constant time.
pub fn verify_sign(fields: &Fields, signature: &str, key: &ApiV2Key, sign_type: SignType) -> bool {
    let expected = sign(pairs(fields), key, sign_type);
    let given = signature.to_ascii_uppercase();
    expected.len() == given.len()
        && aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), given.as_bytes())
            .is_ok()
}

pub(crate) fn upper_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// The fields as `(&name, &value)` pairs.
pub fn pairs(fields: &Fields) -> impl Iterator<Item = (&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Checks the signature of a signed v2 message (answer or callback) before anything in it is
/// used: a missing `sign`, a `sign_type` or `sign` length of another algorithm, and a `sign` that
/// does not verify are each their own error.
///
/// # Errors
/// [`V2Error::Unsigned`], [`V2Error::WrongSignType`], [`V2Error::BadSignature`].
pub fn verify_signed(
    fields: &Fields,
    key: &ApiV2Key,
    sign_type: SignType,
    endpoint: &str,
) -> Result<(), V2Error> {
    let Some(signature) = field(fields, "sign").filter(|s| !s.is_empty()) else {
        return Err(V2Error::unsigned(endpoint));
    };
    if let Some(declared) = field(fields, "sign_type").filter(|s| !s.is_empty())
        && SignType::from_wire(declared) != Some(sign_type)
    {
        return Err(V2Error::wrong_sign_type(
            endpoint,
            sign_type,
            format!("sign_type `{declared}`"),
        ));
    }
    if signature.len() != sign_type.hex_len() {
        let found = [SignType::Md5, SignType::HmacSha256]
            .into_iter()
            .find(|t| t.hex_len() == signature.len())
            .map_or_else(
                || format!("a {}-character sign", signature.len()),
                |t| format!("{t} (a {}-character sign)", signature.len()),
            );
        return Err(V2Error::wrong_sign_type(endpoint, sign_type, found));
    }
    if !verify_sign(fields, signature, key, sign_type) {
        return Err(V2Error::bad_signature(endpoint));
    }
    Ok(())
}

/// Reads and verifies a v2 answer of an operation WeChat Pay signs: XML, then `return_code`,
/// then `sign`, then `result_code`. Returns the fields only when all hold.
///
/// An answer with `return_code=FAIL` is unsigned by WeChat Pay; it yields [`V2Error::Refused`]
/// with its `return_msg` (and `err_code` when present), none of its data (a signed one must
/// verify first).
///
/// # Errors
/// [`V2Error::Malformed`], [`V2Error::Refused`], [`V2Error::Unsigned`],
/// [`V2Error::WrongSignType`], [`V2Error::BadSignature`], [`V2Error::Business`].
pub fn verify_answer(
    body: &[u8],
    key: &ApiV2Key,
    sign_type: SignType,
    endpoint: &str,
) -> Result<Fields, V2Error> {
    check_answer(body, key, sign_type, endpoint, true)
}

/// Reads a v2 answer as [`verify_answer`] does; with `signed` false, for the operations whose
/// answers WeChat Pay sends without `sign` (企业付款 `mmpaymkttransfers/promotion/transfers`,
/// its query, red packets … : the generated endpoints declare `unsigned_response`), an answer
/// without `sign` is read as it is: its authenticity rests on TLS to WeChat Pay's host. A `sign`
/// that is present must verify in either case.
///
/// # Errors
/// As [`verify_answer`]; [`V2Error::Unsigned`] only when `signed`.
pub fn check_answer(
    body: &[u8],
    key: &ApiV2Key,
    sign_type: SignType,
    endpoint: &str,
    signed: bool,
) -> Result<Fields, V2Error> {
    let fields = xml::decode(body).map_err(|error| V2Error::malformed(endpoint, error))?;
    let has_sign = field(&fields, "sign").is_some_and(|s| !s.is_empty());
    let return_code = field(&fields, "return_code").unwrap_or_default();
    if return_code != "SUCCESS" {
        if has_sign {
            verify_signed(&fields, key, sign_type, endpoint)?;
        }
        return Err(V2Error::refused(endpoint, &fields));
    }
    if signed || has_sign {
        verify_signed(&fields, key, sign_type, endpoint)?;
    }
    if field(&fields, "result_code").is_some_and(|code| code != "SUCCESS") {
        return Err(V2Error::Business {
            endpoint: endpoint.to_owned(),
            err_code: field(&fields, "err_code").unwrap_or_default().to_owned(),
            err_code_des: field(&fields, "err_code_des")
                .unwrap_or_default()
                .to_owned(),
            request_id: None,
            attempts: Attempts::default(),
        });
    }
    Ok(fields)
}

/// Decodes verified fields into `T` (numbers parsed from their text, unknown fields ignored).
///
/// # Errors
/// [`Error::Decode`] naming `endpoint` when a field `T` requires is missing or does not parse.
pub fn decode_fields<T: DeserializeOwned>(fields: &Fields, endpoint: &str) -> Result<T, Error> {
    de::from_fields(fields).map_err(|source| Error::Decode {
        endpoint: endpoint.to_owned(),
        source,
        request_id: None,
        attempts: crate::Attempts::default(),
    })
}

/// The fields a v2 request declares, as text: strings as they are, numbers and booleans written
/// out, nested values as JSON text (as v2 carries `detail` or `scene_info`), `None` left out.
///
/// # Errors
/// [`Error::InvalidRequest`] when the request does not serialize to flat fields, or declares a
/// field the client fills.
pub(crate) fn request_fields<E: Endpoint>(request: &E) -> Result<Fields, Error> {
    let invalid = |problem: String| Error::InvalidRequest {
        endpoint: E::PATH,
        problem,
    };
    let value = request
        .serialize_body(serde_json::value::Serializer)
        .map_err(|e| invalid(format!("the fields cannot be serialized: {e}")))?;
    let map = match value {
        serde_json::Value::Object(map) => map,
        serde_json::Value::Null => serde_json::Map::new(),
        _ => return Err(invalid("a v2 request serializes to named fields".into())),
    };
    let mut fields = Fields::with_capacity(map.len() + RUNTIME_FIELDS.len());
    for (name, value) in map {
        if RUNTIME_FIELDS.contains(&name.as_str()) {
            return Err(invalid(format!(
                "the field `{name}` is filled by the client; remove it from the request"
            )));
        }
        if !xml::is_field_name(&name) {
            return Err(invalid(format!(
                "`{name}` cannot be a v2 field name (letters, digits and `_`)"
            )));
        }
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(text) => text,
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            nested => nested.to_string(),
        };
        fields.push((name, text));
    }
    Ok(fields)
}

/// The merchant's own ids WeChat Pay keys a v2 operation by, besides the `out_…` fields: a
/// transfer's `partner_trade_no`, a red packet's `mch_billno`. Their pages say to retry with the
/// same one, which cannot pay twice.
const MERCHANT_IDS: [&str; 2] = ["partner_trade_no", "mch_billno"];

/// Whether sending a v2 request again cannot act twice, the rule of API v3's
/// [`RenderedRequest::is_keyed_by_merchant_id`](crate::endpoint::RenderedRequest::is_keyed_by_merchant_id):
/// a query (the path's last segment has `query` in it or starts with `get`: `pay/orderquery`,
/// `mmpaymkttransfers/gettransferinfo`), or a request that names the operation by the merchant's
/// own id (a non-empty `out_…` field such as `out_trade_no`, `out_refund_no`, or
/// `partner_trade_no`, `mch_billno`), which WeChat Pay keys it by.
pub(crate) fn is_keyed_by_merchant_id(path: &str, fields: &Fields) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains("query") || last.starts_with("get") {
        return true;
    }
    fields.iter().any(|(name, value)| {
        (name.starts_with("out_") || MERCHANT_IDS.contains(&name.as_str())) && !value.is_empty()
    })
}

/// Completes request fields with `appid`, `mch_id`, `nonce_str`, `sign_type` (when not MD5) and
/// `sign`, and writes the XML body.
pub(crate) fn seal_request(
    mut fields: Fields,
    appid: Option<&str>,
    mch_id: &str,
    key: &ApiV2Key,
    sign_type: SignType,
) -> String {
    if let Some(appid) = appid {
        fields.push(("appid".into(), appid.to_owned()));
    }
    fields.push(("mch_id".into(), mch_id.to_owned()));
    fields.push(("nonce_str".into(), crate::crypto::nonce()));
    if sign_type != SignType::Md5 {
        fields.push(("sign_type".into(), sign_type.as_str().to_owned()));
    }
    let signature = sign(pairs(&fields), key, sign_type);
    fields.push(("sign".into(), signature));
    xml::encode(pairs(&fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key of 32 printable characters, as the merchant portal sets them.
    const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_key_is_32_printable_bytes_and_never_shown() {
        assert!(
            ApiV2Key::new("short")
                .unwrap_err()
                .to_string()
                .contains("32 bytes")
        );
        assert!(ApiV2Key::new(&"\u{1}".repeat(32)).is_err());
        let key = ApiV2Key::new(KEY).unwrap();
        assert_eq!(format!("{key:?}"), "ApiV2Key(..)");
    }

    #[test]
    fn a_signed_answer_is_checked_in_order() {
        let key = ApiV2Key::new(KEY).unwrap();
        let mut answer = fields(&[
            ("return_code", "SUCCESS"),
            ("result_code", "FAIL"),
            ("err_code", "CONTRACT_NOT_EXIST"),
            ("err_code_des", "签约协议不存在"),
        ]);
        let signature = sign(pairs(&answer), &key, SignType::Md5);
        answer.push(("sign".into(), signature));
        let body = xml::encode(pairs(&answer));
        let error =
            verify_answer(body.as_bytes(), &key, SignType::Md5, "papay/querycontract").unwrap_err();
        assert!(
            matches!(&error, V2Error::Business { err_code, .. } if err_code == "CONTRACT_NOT_EXIST"),
            "{error}"
        );
        // The same answer, altered: the signature fails before the business code is read.
        let forged = body.replace("CONTRACT_NOT_EXIST", "SYSTEMERROR");
        let error = verify_answer(
            forged.as_bytes(),
            &key,
            SignType::Md5,
            "papay/querycontract",
        )
        .unwrap_err();
        assert!(matches!(error, V2Error::BadSignature { .. }), "{error}");
        let refused = b"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[\xe7\xad\xbe\xe5\x90\x8d\xe9\x94\x99\xe8\xaf\xaf]]></return_msg></xml>";
        let error = verify_answer(refused, &key, SignType::Md5, "papay/querycontract").unwrap_err();
        assert!(
            matches!(&error, V2Error::Refused { return_msg, .. } if return_msg == "签名错误"),
            "{error}"
        );
        assert!(!error.answer_leaves_outcome_unknown(), "{error}");
    }

    #[test]
    fn a_refusal_keeps_its_err_code_and_the_documented_unknown_codes_say_so() {
        let key = ApiV2Key::new(KEY).unwrap();
        let body = xml::encode([
            ("return_code", "FAIL"),
            ("return_msg", "系统繁忙"),
            ("err_code", "SYSTEMERROR"),
            ("err_code_des", "系统繁忙，请稍后再试"),
        ]);
        let transfers = "mmpaymkttransfers/promotion/transfers";
        let error =
            check_answer(body.as_bytes(), &key, SignType::Md5, transfers, false).unwrap_err();
        assert_eq!(error.code(), Some("SYSTEMERROR"));
        assert_eq!(error.err_code(), Some("SYSTEMERROR"));
        assert_eq!(error.err_code_des(), Some("系统繁忙，请稍后再试"));
        assert!(error.answer_leaves_outcome_unknown(), "{error}");
        assert!(error.to_string().contains("query"), "{error}");
        // The unknown codes, and a transfer's SEND_FAILED; a definite failure is not unknown.
        for code in [
            "SYSTEMERROR",
            "USERPAYING",
            "BANKERROR",
            "BIZERR_NEED_RETRY",
        ] {
            assert!(outcome_unknown_code("pay/micropay", code), "{code}");
        }
        assert!(outcome_unknown_code(transfers, "SEND_FAILED"));
        assert!(!outcome_unknown_code(
            "mmpaymkttransfers/sendredpack",
            "SEND_FAILED"
        ));
        assert!(!outcome_unknown_code(transfers, "NOTENOUGH"));
        assert!(!outcome_unknown_code("pay/micropay", "AUTHCODEEXPIRE"));
    }

    #[test]
    fn an_unsigned_answer_is_read_only_where_the_operation_is_answered_without_sign() {
        let key = ApiV2Key::new(KEY).unwrap();
        let body = xml::encode([
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("partner_trade_no", "T1"),
        ]);
        let transfers = "mmpaymkttransfers/promotion/transfers";
        let fields = check_answer(body.as_bytes(), &key, SignType::Md5, transfers, false).unwrap();
        assert_eq!(field(&fields, "partner_trade_no"), Some("T1"));
        let error =
            check_answer(body.as_bytes(), &key, SignType::Md5, "pay/micropay", true).unwrap_err();
        assert!(matches!(error, V2Error::Unsigned { .. }), "{error}");
        // A `sign` that is present must verify, also where none is expected.
        let forged = body.replace(
            "</xml>",
            "<sign>0123456789ABCDEF0123456789ABCDEF</sign></xml>",
        );
        let error =
            check_answer(forged.as_bytes(), &key, SignType::Md5, transfers, false).unwrap_err();
        assert!(matches!(error, V2Error::BadSignature { .. }), "{error}");
    }

    #[test]
    fn a_request_named_by_the_merchants_own_id_or_a_query_may_be_sent_again() {
        let fields = |pairs: &[(&str, &str)]| -> Fields {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let transfers = "mmpaymkttransfers/promotion/transfers";
        assert!(is_keyed_by_merchant_id(
            transfers,
            &fields(&[("partner_trade_no", "T1")])
        ));
        assert!(!is_keyed_by_merchant_id(
            transfers,
            &fields(&[("partner_trade_no", "")])
        ));
        assert!(is_keyed_by_merchant_id(
            "pay/micropay",
            &fields(&[("out_trade_no", "1")])
        ));
        assert!(is_keyed_by_merchant_id("papay/querycontract", &fields(&[])));
        assert!(is_keyed_by_merchant_id(
            "mmpaymkttransfers/gettransferinfo",
            &fields(&[])
        ));
        assert!(!is_keyed_by_merchant_id(
            "tools/shorturl",
            &fields(&[("long_url", "x")])
        ));
    }
}
