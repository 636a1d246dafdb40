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
//! carried by [`crate::Error::V2`].
//!
//! Declare a v2 operation with `#[endpoint(POST, "papay/querycontract", response = …, protocol = v2)]`
//! and send it with [`crate::Client::send`] like any other. Every documented v2 operation is
//! generated in [`catalog`], one module per family behind its `v2-…` feature.

pub mod catalog;
#[cfg(test)]
mod catalog_check;
mod de;
pub mod notify;
pub mod papay;
pub mod redirect;
pub mod xml;

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::hmac;
use md5::{Digest as _, Md5};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;
use zeroize::{Zeroize, Zeroizing};

use crate::endpoint::Endpoint;
use crate::error::Error;
pub use xml::{Fields, XmlError};

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

/// How a v2 message is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignType {
    /// `MD5`: the default of every v2 operation, and the only one some accept (papay contract
    /// query and deletion).
    #[default]
    Md5,
    /// `HMAC-SHA256`, keyed with the APIv2 key; sent as `sign_type=HMAC-SHA256`.
    HmacSha256,
}

impl SignType {
    /// The wire name: `MD5` or `HMAC-SHA256`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Md5 => "MD5",
            SignType::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// The sign type a wire name stands for.
    pub fn from_wire(name: &str) -> Option<Self> {
        match name {
            "MD5" => Some(SignType::Md5),
            "HMAC-SHA256" => Some(SignType::HmacSha256),
            _ => None,
        }
    }

    /// The length of a signature in hex.
    fn hex_len(self) -> usize {
        match self {
            SignType::Md5 => 32,
            SignType::HmacSha256 => 64,
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

/// The value of the field `name`, when present.
pub fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What went wrong with a v2 answer or callback. Each case names the operation (`papay/querycontract`,
/// or the callback).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum V2Error {
    /// `return_code` is not `SUCCESS`: WeChat Pay refused the request itself (a wrong signature,
    /// a malformed request, a merchant without the permission). Nothing else of the answer is used.
    #[error(
        "WeChat Pay refused the v2 request `{endpoint}`: return_code {return_code}: {return_msg}"
    )]
    Refused {
        /// The operation.
        endpoint: String,
        /// `return_code` (`FAIL`).
        return_code: String,
        /// `return_msg`, such as `签名错误` (wrong signature: check the APIv2 key and sign type).
        return_msg: String,
    },
    /// The verified answer has `result_code=FAIL`: the business operation failed.
    #[error("v2 `{endpoint}` failed: {err_code}: {err_code_des}")]
    Business {
        /// The operation.
        endpoint: String,
        /// `err_code`, such as `CONTRACT_NOT_EXIST`, `ORDERPAID`.
        err_code: String,
        /// `err_code_des`, the description WeChat Pay gave.
        err_code_des: String,
    },
    /// The answer has no `sign`: it was discarded as possibly forged.
    #[error("the v2 answer of `{endpoint}` carries no `sign`; it was discarded as possibly forged")]
    Unsigned {
        /// The operation.
        endpoint: String,
    },
    /// The answer's `sign` does not verify with the APIv2 key: altered, or signed with another
    /// key. It was discarded.
    #[error(
        "the v2 answer of `{endpoint}` has a `sign` that does not verify with the APIv2 key: it was altered or signed with another key, and was discarded"
    )]
    BadSignature {
        /// The operation.
        endpoint: String,
    },
    /// The answer is signed with another sign type than the request's. It was discarded.
    #[error(
        "the v2 answer of `{endpoint}` is signed as {found}, but the request was signed {expected}; it was discarded"
    )]
    WrongSignType {
        /// The operation.
        endpoint: String,
        /// The request's sign type.
        expected: SignType,
        /// What the answer showed (its `sign_type`, or the length of its `sign`).
        found: String,
    },
    /// The body is not the flat XML WeChat Pay sends.
    #[error("the v2 answer of `{endpoint}` is not WeChat Pay XML: {error}")]
    Malformed {
        /// The operation.
        endpoint: String,
        /// What is wrong, and where.
        #[source]
        error: XmlError,
    },
    /// The operation needs the client certificate (mutual TLS) and the client has none.
    #[error(
        "v2 `{endpoint}` needs the merchant API certificate for mutual TLS: configure it with ClientBuilder::client_certificate (apiclient_cert.pem and apiclient_key.pem) or WECHATPAY_MERCHANT_CERTIFICATE"
    )]
    ClientCertificateRequired {
        /// The operation.
        endpoint: String,
    },
}

impl V2Error {
    /// Whether the answer failed verification (it may be forged) and was discarded.
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            V2Error::Unsigned { .. } | V2Error::BadSignature { .. } | V2Error::WrongSignType { .. }
        )
    }

    /// `err_code` of a business failure, or `return_code` of a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            V2Error::Business { err_code, .. } => Some(err_code),
            V2Error::Refused { return_code, .. } => Some(return_code),
            _ => None,
        }
    }
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
        return Err(V2Error::Unsigned {
            endpoint: endpoint.to_owned(),
        });
    };
    if let Some(declared) = field(fields, "sign_type").filter(|s| !s.is_empty())
        && SignType::from_wire(declared) != Some(sign_type)
    {
        return Err(V2Error::WrongSignType {
            endpoint: endpoint.to_owned(),
            expected: sign_type,
            found: format!("sign_type `{declared}`"),
        });
    }
    if signature.len() != sign_type.hex_len() {
        let found = [SignType::Md5, SignType::HmacSha256]
            .into_iter()
            .find(|t| t.hex_len() == signature.len())
            .map_or_else(
                || format!("a {}-character sign", signature.len()),
                |t| format!("{t} (a {}-character sign)", signature.len()),
            );
        return Err(V2Error::WrongSignType {
            endpoint: endpoint.to_owned(),
            expected: sign_type,
            found,
        });
    }
    if !verify_sign(fields, signature, key, sign_type) {
        return Err(V2Error::BadSignature {
            endpoint: endpoint.to_owned(),
        });
    }
    Ok(())
}

/// Reads and verifies a v2 answer: XML, then `return_code`, then `sign`, then `result_code`.
/// Returns the fields only when all hold.
///
/// An answer with `return_code=FAIL` is unsigned by WeChat Pay; it yields [`V2Error::Refused`]
/// and none of its data (a signed one must verify first).
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
    let fields = xml::decode(body).map_err(|error| V2Error::Malformed {
        endpoint: endpoint.to_owned(),
        error,
    })?;
    let return_code = field(&fields, "return_code").unwrap_or_default();
    if return_code != "SUCCESS" {
        if field(&fields, "sign").is_some() {
            verify_signed(&fields, key, sign_type, endpoint)?;
        }
        return Err(V2Error::Refused {
            endpoint: endpoint.to_owned(),
            return_code: if return_code.is_empty() {
                "(none)".into()
            } else {
                return_code.to_owned()
            },
            return_msg: field(&fields, "return_msg").unwrap_or_default().to_owned(),
        });
    }
    verify_signed(&fields, key, sign_type, endpoint)?;
    if field(&fields, "result_code").is_some_and(|code| code != "SUCCESS") {
        return Err(V2Error::Business {
            endpoint: endpoint.to_owned(),
            err_code: field(&fields, "err_code").unwrap_or_default().to_owned(),
            err_code_des: field(&fields, "err_code_des")
                .unwrap_or_default()
                .to_owned(),
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

/// The merchant API certificate and its private key, presented to WeChat Pay for mutual TLS by the
/// operations that require it (refunds, `secapi/…`, transfers, red packets …).
///
/// The key is held only as the TLS signing key made from it; its DER bytes are wiped from
/// memory as soon as that key is made, and never copied.
#[derive(Clone)]
pub struct ClientCertificate {
    certified: Arc<rustls::sign::CertifiedKey>,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("certificates", &self.certified.cert.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// From `apiclient_cert.pem` (one or more `CERTIFICATE` blocks) and `apiclient_key.pem`
    /// (`PRIVATE KEY` or `RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// [`Error::Key`] saying which PEM is unusable and why.
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self, Error> {
        let blocks = pem::parse_many(certificate_pem).map_err(|e| {
            Error::key(
                None,
                format!("the client certificate PEM is malformed: {e}"),
            )
        })?;
        let chain: Vec<CertificateDer<'static>> = blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| CertificateDer::from(b.into_contents()))
            .collect();
        if chain.is_empty() {
            return Err(Error::key(
                None,
                "the client certificate PEM holds no CERTIFICATE block: use apiclient_cert.pem",
            ));
        }
        let block = pem::parse(key_pem)
            .map_err(|e| Error::key(None, format!("the client key PEM is malformed: {e}")))?;
        let pkcs8 = match block.tag() {
            "PRIVATE KEY" => true,
            "RSA PRIVATE KEY" => false,
            other => {
                return Err(Error::key(
                    None,
                    format!(
                        "the client key PEM holds a `{other}` block, not a private key: use apiclient_key.pem"
                    ),
                ));
            }
        };
        // Wiped when this function returns; the signing key below borrows it, never copies it.
        let der = Zeroizing::new(block.into_contents());
        let key = if pkcs8 {
            PrivateKeyDer::Pkcs8(der.as_slice().into())
        } else {
            PrivateKeyDer::Pkcs1(der.as_slice().into())
        };
        let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key)
            .map_err(|e| Error::key(None, format!("the client private key is not usable: {e}")))?;
        let certified = rustls::sign::CertifiedKey::new(chain, signing);
        match certified.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
            Err(e) => {
                return Err(Error::key(
                    None,
                    format!(
                        "the client certificate and its key cannot be used for TLS ({e}): check that apiclient_cert.pem and apiclient_key.pem belong together"
                    ),
                ));
            }
        }
        Ok(Self {
            certified: Arc::new(certified),
        })
    }

    /// [`ClientCertificate::from_pem`] from two files.
    ///
    /// # Errors
    /// [`Error::Key`] naming the file that cannot be read or used.
    pub fn from_pem_files(
        certificate: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<Self, Error> {
        let read = |path: &std::path::Path| {
            std::fs::read(path).map_err(|e| Error::key(Some(path), format!("cannot read it: {e}")))
        };
        let certificate_pem = read(certificate.as_ref())?;
        let key_pem = Zeroizing::new(read(key.as_ref())?);
        Self::from_pem(&certificate_pem, &key_pem)
    }

    /// What TLS presents when a server asks for a client certificate: this chain and key.
    pub(crate) fn resolver(&self) -> Arc<dyn rustls::client::ResolvesClientCert> {
        Arc::new(rustls::sign::SingleCertAndKey::from(Arc::clone(
            &self.certified,
        )))
    }
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
    }
}
