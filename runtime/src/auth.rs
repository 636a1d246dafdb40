//! The `Authorization` header on requests and the verification of signed answers (and callbacks).
//!
//! Both sides sign newline-terminated messages: requests sign
//! `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`, answers sign `TIMESTAMP\nNONCE\nBODY\n`, always over
//! the exact bytes on the wire.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue};

use crate::error::{Attempts, Error, Subject};
use crate::keys::{MerchantKey, PlatformCertificate, PublicKey, WechatpayPublicKey};

/// The signature scheme of the `Authorization` header and of `Wechatpay-Signature-Type`.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The most an answer's `Wechatpay-Timestamp` may differ from this machine's clock, in seconds.
pub const MAX_SKEW_SECS: u64 = 300;

/// The prefix of the deliberately invalid signatures WeChat Pay sends to test that merchants verify.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// Header names of signed answers and callbacks.
pub mod header {
    /// Unix seconds when the answer was signed.
    pub const TIMESTAMP: &str = "wechatpay-timestamp";
    /// The answer's random nonce.
    pub const NONCE: &str = "wechatpay-nonce";
    /// Base64 RSA signature of the answer.
    pub const SIGNATURE: &str = "wechatpay-signature";
    /// The key that signed: a platform certificate serial or a `PUB_KEY_ID_…`.
    pub const SERIAL: &str = "wechatpay-serial";
    /// The signature scheme, `WECHATPAY2-SHA256-RSA2048`.
    pub const SIGNATURE_TYPE: &str = "wechatpay-signature-type";
    /// WeChat Pay's id of the request, to quote to support.
    pub const REQUEST_ID: &str = "request-id";
}

/// The message a request signature covers: `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`.
///
/// `target` is the request target exactly as sent (path and `?query`, percent-encoded); `body` the
/// exact body bytes (empty for GET).
///
/// ```
/// let message = wechatpay::auth::request_message("GET", "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", b"");
/// assert_eq!(message, b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
/// ```
pub fn request_message(
    method: &str,
    target: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let mut message = Vec::with_capacity(
        method.len() + target.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for part in [
        method.as_bytes(),
        target.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message
}

/// The message an answer or callback signature covers: `TIMESTAMP\nNONCE\nBODY\n` (an empty body
/// still ends with `\n`).
pub fn answer_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message
}

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Signs requests for one merchant: mchid, the serial of its API certificate, its private key.
pub(crate) struct Signer {
    mchid: String,
    serial: String,
    key: MerchantKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("key", &self.key)
            .finish()
    }
}

impl Signer {
    pub(crate) fn new(mchid: String, serial: String, key: MerchantKey) -> Self {
        Self { mchid, serial, key }
    }

    pub(crate) fn mchid(&self) -> &str {
        &self.mchid
    }

    /// Decrypts a sensitive value encrypted to the merchant key.
    pub(crate) fn decrypt(&self, ciphertext: &str) -> Result<zeroize::Zeroizing<String>, Error> {
        self.key.decrypt(ciphertext)
    }

    /// Base64 of the RSA-SHA256 signature of `message` with the merchant key.
    pub(crate) fn sign_base64(&self, message: &[u8]) -> String {
        BASE64.encode(self.key.sign(message))
    }

    /// The `Authorization` header value for one request: the signature of
    /// `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`, hashed part by part rather than assembled.
    pub(crate) fn authorization(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> String {
        let timestamp = timestamp.to_string();
        let signature = self.key.sign_lines(&[
            method.as_bytes(),
            target.as_bytes(),
            timestamp.as_bytes(),
            nonce.as_bytes(),
            body,
        ]);
        let signature = BASE64.encode(signature);
        [
            SCHEME,
            " mchid=\"",
            &self.mchid,
            "\",nonce_str=\"",
            nonce,
            "\",signature=\"",
            &signature,
            "\",timestamp=\"",
            &timestamp,
            "\",serial_no=\"",
            &self.serial,
            "\"",
        ]
        .concat()
    }
}

/// The parts of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The merchant id.
    pub mchid: String,
    /// The request nonce.
    pub nonce_str: String,
    /// The Base64 signature.
    pub signature: String,
    /// The timestamp as sent (Unix seconds).
    pub timestamp: String,
    /// The merchant API certificate serial.
    pub serial_no: String,
}

impl Authorization {
    /// Parses a header value. The five `key="value"` items may come in any order, as the official
    /// signing guide allows; each must appear exactly once.
    ///
    /// # Errors
    /// A message naming what is wrong: the scheme, a malformed item, a missing or repeated key.
    pub fn parse(value: &str) -> Result<Self, String> {
        let rest = value
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(|| format!("the Authorization scheme must be `{SCHEME}`"))?;
        let mut items: HashMap<&str, &str> = HashMap::new();
        for item in rest.split(',') {
            let item = item.trim();
            let (key, quoted) = item
                .split_once('=')
                .ok_or_else(|| format!("`{item}` is not a key=\"value\" item"))?;
            let value = quoted
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or_else(|| format!("the value of `{key}` must be in double quotes"))?;
            if items.insert(key.trim(), value).is_some() {
                return Err(format!("`{key}` appears more than once"));
            }
        }
        let mut take = |key: &str| {
            items
                .remove(key)
                .map(str::to_owned)
                .ok_or_else(|| format!("`{key}` is missing"))
        };
        Ok(Self {
            mchid: take("mchid")?,
            nonce_str: take("nonce_str")?,
            signature: take("signature")?,
            timestamp: take("timestamp")?,
            serial_no: take("serial_no")?,
        })
    }
}

/// The WeChat Pay keys one merchant verifies answers and callbacks with, routed by
/// `Wechatpay-Serial`: WeChat Pay public keys (`PUB_KEY_ID_…`) and platform certificates (hex
/// serials) side by side, as merchants migrating between the two receive both.
#[derive(Default, Clone)]
pub struct KeyStore {
    keys: HashMap<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    key: Arc<PublicKey>,
    /// The end of a platform certificate's validity; public keys do not expire.
    expires: Option<SystemTime>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("serials", &self.serials())
            .finish()
    }
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a WeChat Pay public key, routed by its `PUB_KEY_ID_…`.
    pub fn add_public_key(&mut self, key: WechatpayPublicKey) {
        let id = key.id().to_owned();
        self.keys.insert(
            id,
            Entry {
                key: Arc::new(key.into_key()),
                expires: None,
            },
        );
    }

    /// Adds a platform certificate, routed by its serial; it is dropped from the store when it
    /// expires (see [`KeyStore::without_expired`]).
    pub fn add_certificate(&mut self, certificate: PlatformCertificate) {
        let serial = certificate.serial().to_owned();
        let expires = Some(certificate.not_after());
        self.keys.insert(
            serial,
            Entry {
                key: Arc::new(certificate.into_key()),
                expires,
            },
        );
    }

    /// The same store without the certificates that expired before `now`.
    pub fn without_expired(&self, now: SystemTime) -> Self {
        Self {
            keys: self
                .keys
                .iter()
                .filter(|(_, entry)| entry.expires.is_none_or(|end| end > now))
                .map(|(serial, entry)| (serial.clone(), entry.clone()))
                .collect(),
        }
    }

    /// The same store without platform certificates: its WeChat Pay public keys only.
    pub(crate) fn without_certificates(&self) -> Self {
        Self {
            keys: self
                .keys
                .iter()
                .filter(|(_, entry)| entry.expires.is_none())
                .map(|(serial, entry)| (serial.clone(), entry.clone()))
                .collect(),
        }
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether the store holds a key for `serial`.
    pub fn contains(&self, serial: &str) -> bool {
        self.get(serial).is_some()
    }

    /// Whether the store holds at least one platform certificate.
    pub fn has_certificates(&self) -> bool {
        self.keys.values().any(|entry| entry.expires.is_some())
    }

    /// The key sensitive fields are encrypted with, and its serial: a WeChat Pay public key when
    /// one is held, otherwise the platform certificate that expires last (the newest).
    pub fn encryption_key(&self) -> Option<(&str, &PublicKey)> {
        self.keys
            .iter()
            .max_by_key(|(serial, entry)| (entry.expires.is_none(), entry.expires, serial.as_str()))
            .map(|(serial, entry)| (serial.as_str(), &*entry.key))
    }

    /// The platform certificate that expires last (the newest one) and its serial, when the
    /// store holds a certificate that has not expired.
    pub fn newest_certificate(&self) -> Option<(&str, &PublicKey)> {
        let now = SystemTime::now();
        self.keys
            .iter()
            .filter(|(_, entry)| entry.expires.is_some_and(|end| end > now))
            .max_by_key(|(serial, entry)| (entry.expires, serial.as_str()))
            .map(|(serial, entry)| (serial.as_str(), &*entry.key))
    }

    /// Whether the store holds at least one WeChat Pay public key (`PUB_KEY_ID_…`).
    pub fn has_public_keys(&self) -> bool {
        self.keys.values().any(|entry| entry.expires.is_none())
    }

    /// The key held for `serial` with the serial as stored.
    pub(crate) fn entry(&self, serial: &str) -> Option<(&str, &PublicKey)> {
        self.keys
            .get_key_value(serial)
            .map(|(serial, entry)| (serial.as_str(), &*entry.key))
    }

    /// The serials and key ids held, sorted.
    pub fn serials(&self) -> Vec<String> {
        let mut serials: Vec<String> = self.keys.keys().cloned().collect();
        serials.sort();
        serials
    }

    /// The key for `serial`, unless it is a platform certificate that has expired: an expired
    /// certificate no longer verifies anything.
    fn get(&self, serial: &str) -> Option<&PublicKey> {
        let now = SystemTime::now();
        self.keys
            .get(serial)
            .or_else(|| self.keys.get(&serial.to_ascii_uppercase()))
            .filter(|entry| entry.expires.is_none_or(|end| end > now))
            .map(|entry| &*entry.key)
    }

    pub(crate) fn with_backend(&self, backend: crate::Backend) -> Result<Self, Error> {
        let mut keys = HashMap::with_capacity(self.keys.len());
        for (serial, entry) in &self.keys {
            keys.insert(
                serial.clone(),
                Entry {
                    key: Arc::new(entry.key.with_backend(backend)?),
                    expires: entry.expires,
                },
            );
        }
        Ok(Self { keys })
    }

    /// Verifies a signed answer or callback over its raw body bytes, at time `now` (Unix seconds).
    ///
    /// Checks, in order: the signature header is present; it is not a `WECHATPAY/SIGNTEST/` probe;
    /// the other signature headers are present; the timestamp is within 300 s of `now`; the serial
    /// names a key held here; the signature verifies over `TIMESTAMP\nNONCE\nBODY\n`.
    ///
    /// # Errors
    /// [`Error::Unsigned`], [`Error::SignatureProbe`], [`Error::MalformedHeader`],
    /// [`Error::StaleTimestamp`], [`Error::UnknownSerial`] or [`Error::BadSignature`], each with the
    /// `Request-ID` when there is one.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Error> {
        self.verify_within(headers, body, now, MAX_SKEW_SECS)
    }

    /// As [`KeyStore::verify`], allowing the timestamp to be up to `max_skew_secs` seconds away
    /// from `now` instead of [`MAX_SKEW_SECS`]: for a callback captured earlier and checked from
    /// a log or a queue, where the age says nothing about a replay. Everything else is checked
    /// as strictly.
    ///
    /// # Errors
    /// As [`KeyStore::verify`]; [`Error::StaleTimestamp`] beyond `max_skew_secs`.
    pub fn verify_within(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
        max_skew_secs: u64,
    ) -> Result<(), Error> {
        // Read only for an error: a verified answer or callback does not pay for it.
        let request_id = || request_id(headers);
        let signed = SignedHeaders::read(headers);
        let text = |name, value| signed_text(name, value, request_id);
        let signature = text(header::SIGNATURE, signed.signature)?;
        if signature.starts_with(PROBE_PREFIX) {
            return Err(Error::SignatureProbe {
                subject: Subject::Answer,
                request_id: request_id(),
                attempts: Attempts::default(),
            });
        }
        let serial = text(header::SERIAL, signed.serial)?;
        let timestamp_text = text(header::TIMESTAMP, signed.timestamp)?;
        let nonce = text(header::NONCE, signed.nonce)?;
        if let Some(kind) = signed.signature_type
            && kind.as_bytes() != SCHEME.as_bytes()
        {
            return Err(Error::MalformedHeader {
                subject: Subject::Answer,
                header: "Wechatpay-Signature-Type",
                problem: format!(
                    "`{}` is not supported; only {SCHEME} is",
                    String::from_utf8_lossy(kind.as_bytes())
                ),
                request_id: request_id(),
                attempts: Attempts::default(),
            });
        }
        let timestamp: i64 = timestamp_text.parse().map_err(|_| Error::MalformedHeader {
            subject: Subject::Answer,
            header: "Wechatpay-Timestamp",
            problem: format!("`{timestamp_text}` is not a Unix time in seconds"),
            request_id: request_id(),
            attempts: Attempts::default(),
        })?;
        let skew = now.abs_diff(timestamp);
        if skew > max_skew_secs {
            return Err(Error::StaleTimestamp {
                subject: Subject::Answer,
                timestamp,
                now,
                skew,
                request_id: request_id(),
                attempts: Attempts::default(),
            });
        }
        let Some(key) = self.get(serial) else {
            return Err(Error::UnknownSerial {
                subject: Subject::Answer,
                serial: serial.to_owned(),
                known: self.serials().join(", "),
                request_id: request_id(),
                attempts: Attempts::default(),
            });
        };
        // An RSA signature is as long as the key's modulus: at most 8192 bits here.
        let mut raw_signature = [0u8; MAX_SIGNATURE_BYTES];
        let length = BASE64
            .decode_slice(signature, &mut raw_signature)
            .map_err(|e| Error::MalformedHeader {
                subject: Subject::Answer,
                header: "Wechatpay-Signature",
                problem: match e {
                    base64::DecodeSliceError::DecodeError(e) => format!("it is not Base64 ({e})"),
                    base64::DecodeSliceError::OutputSliceTooSmall => format!(
                        "it is {} characters long, longer than the signature of an RSA key of up to 8192 bits",
                        signature.len()
                    ),
                },
                request_id: request_id(),
                attempts: Attempts::default(),
            })?;
        let message = [timestamp_text.as_bytes(), nonce.as_bytes(), body];
        if !key.verify_lines(&message, &raw_signature[..length]) {
            return Err(Error::BadSignature {
                subject: Subject::Answer,
                serial: serial.to_owned(),
                request_id: request_id(),
                attempts: Attempts::default(),
            });
        }
        Ok(())
    }
}

/// A signature header's value as text, or the error for one that is missing or not ASCII.
fn signed_text<'h>(
    name: &'static str,
    value: Option<&'h HeaderValue>,
    request_id: impl Fn() -> Option<String>,
) -> Result<&'h str, Error> {
    let value = value.ok_or_else(|| Error::Unsigned {
        subject: Subject::Answer,
        missing: canonical(name),
        request_id: request_id(),
        attempts: Attempts::default(),
    })?;
    value.to_str().map_err(|_| Error::MalformedHeader {
        subject: Subject::Answer,
        header: canonical(name),
        problem: "it is not visible ASCII".into(),
        request_id: request_id(),
        attempts: Attempts::default(),
    })
}

/// The longest RSA signature verified, in bytes (an 8192-bit key).
const MAX_SIGNATURE_BYTES: usize = 8192 / 8;

/// The signature headers of an answer or callback, read in one pass over the headers (the first
/// value of each, as [`HeaderMap::get`] gives).
#[derive(Default)]
struct SignedHeaders<'a> {
    timestamp: Option<&'a HeaderValue>,
    nonce: Option<&'a HeaderValue>,
    signature: Option<&'a HeaderValue>,
    serial: Option<&'a HeaderValue>,
    signature_type: Option<&'a HeaderValue>,
}

impl<'a> SignedHeaders<'a> {
    fn read(headers: &'a HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            let slot = match name.as_str() {
                header::TIMESTAMP => &mut found.timestamp,
                header::NONCE => &mut found.nonce,
                header::SIGNATURE => &mut found.signature,
                header::SERIAL => &mut found.serial,
                header::SIGNATURE_TYPE => &mut found.signature_type,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        found
    }
}

/// The `Request-ID` header, when present and readable.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn canonical(name: &'static str) -> &'static str {
    match name {
        header::TIMESTAMP => "Wechatpay-Timestamp",
        header::NONCE => "Wechatpay-Nonce",
        header::SIGNATURE => "Wechatpay-Signature",
        header::SERIAL => "Wechatpay-Serial",
        header::SIGNATURE_TYPE => "Wechatpay-Signature-Type",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_message_for_get_with_query_has_empty_body_line() {
        let message = request_message(
            "GET",
            "/v3/pay/transactions/id/4200000985202103031441826014?mchid=1230000109",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            b"",
        );
        assert_eq!(
            message,
            b"GET\n/v3/pay/transactions/id/4200000985202103031441826014?mchid=1230000109\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
    }

    #[test]
    fn request_message_for_post_ends_body_with_newline() {
        let body = br#"{"appid":"wxd678efh567hg6787"}"#;
        let message = request_message(
            "POST",
            "/v3/papay/sign/contracts/pre-entrust-sign",
            1,
            "n",
            body,
        );
        assert_eq!(
            message,
            b"POST\n/v3/papay/sign/contracts/pre-entrust-sign\n1\nn\n{\"appid\":\"wxd678efh567hg6787\"}\n"
        );
    }

    #[test]
    fn answer_message_of_empty_body_still_ends_with_newline() {
        assert_eq!(
            answer_message("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c", b""),
            b"1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n\n"
        );
    }

    fn signed_answer(key: &MerchantKey, body: &[u8]) -> HeaderMap {
        let timestamp = unix_now().to_string();
        let nonce = "c5ac7061fccab6bf3e254dcf98995b8c";
        let signature = BASE64.encode(key.sign(&answer_message(&timestamp, nonce, body)));
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (header::TIMESTAMP, timestamp.as_str()),
            (header::NONCE, nonce),
            (header::SIGNATURE, &signature),
            (
                header::SERIAL,
                "PUB_KEY_ID_0114232134912410000000000000000001",
            ),
            (header::SIGNATURE_TYPE, SCHEME),
        ] {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn store(key: &MerchantKey) -> KeyStore {
        let mut store = KeyStore::new();
        store.add_public_key(
            WechatpayPublicKey::from_public_key(
                "PUB_KEY_ID_0114232134912410000000000000000001",
                key.public_key(),
            )
            .unwrap(),
        );
        store
    }

    #[test]
    fn the_authorization_header_signs_the_request_message() {
        let key = MerchantKey::generate().unwrap();
        let public = key.public_key();
        let signer = Signer::new(
            "1900009191".into(),
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
            key,
        );
        let body = br#"{"appid":"wxd678efh567hg6787","plan_id":12535}"#;
        let target = "/v3/papay/sign/contracts/pre-entrust-sign";
        let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
        let value = signer.authorization("POST", target, body, 1554208460, nonce);
        let parsed = Authorization::parse(&value).unwrap();
        assert_eq!(parsed.mchid, "1900009191");
        assert_eq!(parsed.nonce_str, nonce);
        assert_eq!(parsed.timestamp, "1554208460");
        assert_eq!(parsed.serial_no, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
        let signature = BASE64.decode(&parsed.signature).unwrap();
        let message = request_message("POST", target, 1554208460, nonce, body);
        assert!(public.verify(&message, &signature));
        // Any other line of the message would have been another signature.
        let other = request_message("POST", target, 1554208461, nonce, body);
        assert!(!public.verify(&other, &signature));
        assert!(value.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\""));
    }

    #[test]
    fn answers_verify_over_the_first_of_repeated_headers_and_overlong_signatures_are_named() {
        let key = MerchantKey::generate().unwrap();
        let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}"#;
        let store = store(&key);
        let now = unix_now();
        let headers = signed_answer(&key, body);
        store.verify(&headers, body, now).unwrap();
        assert!(matches!(
            store.verify(&headers, b"{}", now),
            Err(Error::BadSignature { .. })
        ));

        // A second signature header after the genuine one changes nothing; before it, it is
        // the one verified.
        let mut appended = headers.clone();
        appended.append(header::SIGNATURE, HeaderValue::from_static("AAAA"));
        store.verify(&appended, body, now).unwrap();
        let mut first_forged = HeaderMap::new();
        first_forged.append(header::SIGNATURE, HeaderValue::from_static("AAAA"));
        for (name, value) in &headers {
            first_forged.append(name, value.clone());
        }
        assert!(matches!(
            store.verify(&first_forged, body, now),
            Err(Error::BadSignature { .. })
        ));

        let mut overlong = headers.clone();
        let long = "A".repeat(1372);
        overlong.insert(header::SIGNATURE, HeaderValue::from_str(&long).unwrap());
        let Err(Error::MalformedHeader {
            header, problem, ..
        }) = store.verify(&overlong, body, now)
        else {
            panic!("an overlong signature must be refused as malformed");
        };
        assert_eq!(header, "Wechatpay-Signature");
        assert!(
            problem.contains("1372 characters") && problem.contains("8192"),
            "{problem}"
        );

        let mut not_base64 = headers;
        not_base64.insert(header::SIGNATURE, HeaderValue::from_static("not*base64"));
        let Err(Error::MalformedHeader { problem, .. }) = store.verify(&not_base64, body, now)
        else {
            panic!("a signature that is not Base64 must be refused as malformed");
        };
        assert!(problem.contains("not Base64"), "{problem}");
    }

    #[test]
    fn authorization_items_parse_in_any_order() {
        let parsed = Authorization::parse(
            "WECHATPAY2-SHA256-RSA2048 serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\",timestamp=\"1554208460\",mchid=\"1900009191\",signature=\"c2ln\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\"",
        )
        .unwrap();
        assert_eq!(parsed.mchid, "1900009191");
        assert_eq!(parsed.serial_no, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
        assert_eq!(parsed.timestamp, "1554208460");
        assert_eq!(parsed.nonce_str, "593BEC0C930BF1AFEB40B4A08C8FB242");
        assert_eq!(parsed.signature, "c2ln");
    }

    #[test]
    fn authorization_rejects_repeats_missing_items_and_other_schemes() {
        let repeated = "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\",serial_no=\"x\"";
        assert!(
            Authorization::parse(repeated)
                .unwrap_err()
                .contains("more than once")
        );
        let missing =
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\"";
        assert!(
            Authorization::parse(missing)
                .unwrap_err()
                .contains("serial_no")
        );
        assert!(
            Authorization::parse("Bearer abc")
                .unwrap_err()
                .contains("scheme")
        );
        let unquoted = "WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str=\"n\",signature=\"s\",timestamp=\"1\",serial_no=\"x\"";
        assert!(
            Authorization::parse(unquoted)
                .unwrap_err()
                .contains("double quotes")
        );
    }
}
