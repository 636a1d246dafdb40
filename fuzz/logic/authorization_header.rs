//! Fuzz logic for the `Authorization` header parser and the verification of signed answers
//! (`Wechatpay-Timestamp`/`-Nonce`/`-Signature`/`-Serial`, `KeyStore::verify`).
//!
//! Modes (the first byte, modulo 4; seeds start with `'0'`..`'3'`):
//! - `0`: `Authorization::parse` of arbitrary text. An accepted header re-renders to one that
//!   parses to the same items, and its items, taken as answer headers, never verify.
//! - `1`: `KeyStore::verify` of arbitrary answer headers and body: never `Ok` (no input carries a
//!   signature by the key generated in this process), and a `WECHATPAY/SIGNTEST/` signature is
//!   always reported as a probe.
//! - `2`: a request signed here with arbitrary method, target, nonce, timestamp and body: its
//!   `Authorization` header parses back to the same items whenever the nonce has no `,`, and a
//!   parsed signature that verifies binds exactly the nonce and timestamp that were signed.
//! - `3`: an answer signed here with an arbitrary nonce, body, timestamp offset and serial:
//!   `KeyStore::verify` returns exactly the outcome the rules predict (Ok, stale, unknown serial,
//!   malformed header), and any change to the body makes it a bad signature.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue};
use wechatpay::auth::{
    Authorization, KeyStore, MAX_SKEW_SECS, PROBE_PREFIX, SCHEME, answer_message, header,
    request_message,
};
use wechatpay::{Error, MerchantKey, PlatformCertificate, WechatpayPublicKey};

#[path = "common.rs"]
mod common;
use common::Input;

/// The clock `KeyStore::verify` is given: fixed, so that every run is reproducible.
const NOW: i64 = 1_700_000_000;
const KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
const MCHID: &str = "1900009191";
const MERCHANT_SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";

struct Fixture {
    /// Generated once per process: no signature by it exists outside this process.
    key: MerchantKey,
    /// `KEY_ID` (the generated key) and, when it loads, the test platform certificate.
    store: KeyStore,
    certificate_serial: Option<String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = MerchantKey::generate().expect("an RSA-2048 key");
        let mut store = KeyStore::new();
        store.add_public_key(
            WechatpayPublicKey::from_public_key(KEY_ID, key.public_key()).expect("a valid id"),
        );
        // Another key, routed by a hex serial (upper-case, as certificates are named). Skipped
        // if this machine's clock is outside the certificate's validity.
        let certificate_serial = PlatformCertificate::from_pem(include_str!(
            "../../tests/fixtures/platform_certificate.pem"
        ))
        .ok()
        .map(|certificate| {
            let serial = certificate.serial().to_owned();
            store.add_certificate(certificate);
            serial
        });
        Fixture {
            key,
            store,
            certificate_serial,
        }
    })
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.mode(4) {
        0 => parse_header(&common::text(input.rest())),
        1 => arbitrary_answer(input),
        2 => signed_request(input),
        _ => signed_answer(input),
    }
}

fn render(auth: &Authorization) -> String {
    format!(
        "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
        auth.mchid, auth.nonce_str, auth.signature, auth.timestamp, auth.serial_no
    )
}

fn parse_header(text: &str) {
    let auth = match Authorization::parse(text) {
        Ok(auth) => auth,
        Err(problem) => {
            assert!(!problem.is_empty());
            return;
        }
    };
    assert!(
        text.strip_prefix(SCHEME)
            .is_some_and(|rest| rest.starts_with(' ')),
        "accepted without the scheme: {text:?}"
    );
    for value in [
        &auth.mchid,
        &auth.nonce_str,
        &auth.signature,
        &auth.timestamp,
        &auth.serial_no,
    ] {
        assert!(!value.contains(','), "an item holds a `,`: {value:?}");
    }
    let rendered = render(&auth);
    assert_eq!(
        Authorization::parse(&rendered).as_ref(),
        Ok(&auth),
        "{rendered:?}"
    );
    // Whatever the header carries, it is no signature of an answer by the key.
    let headers = answer_headers(
        auth.timestamp.as_bytes(),
        auth.nonce_str.as_bytes(),
        auth.signature.as_bytes(),
        auth.serial_no.as_bytes(),
        None,
        None,
    );
    assert_never_verifies(&headers, b"");
}

/// Answer headers from raw values; a value that is not a valid header value is left out.
fn answer_headers(
    timestamp: &[u8],
    nonce: &[u8],
    signature: &[u8],
    serial: &[u8],
    signature_type: Option<&[u8]>,
    request_id: Option<&[u8]>,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::TIMESTAMP, Some(timestamp)),
        (header::NONCE, Some(nonce)),
        (header::SIGNATURE, Some(signature)),
        (header::SERIAL, Some(serial)),
        (header::SIGNATURE_TYPE, signature_type),
        (header::REQUEST_ID, request_id),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
            headers.insert(name, value);
        }
    }
    headers
}

fn assert_never_verifies(headers: &HeaderMap, body: &[u8]) {
    let result = fixture().store.verify(headers, body, NOW);
    let Err(error) = result else {
        panic!("arbitrary headers verified: {headers:?} body {body:?}");
    };
    assert!(error.is_verification_failure(), "{error:?}");
    assert!(!error.to_string().is_empty());
    match headers.get(header::SIGNATURE).map(HeaderValue::to_str) {
        None => assert!(
            matches!(
                error,
                Error::Unsigned {
                    missing: "Wechatpay-Signature",
                    ..
                }
            ),
            "{error:?}"
        ),
        Some(Ok(signature)) if signature.starts_with(PROBE_PREFIX) => {
            assert!(matches!(error, Error::SignatureProbe { .. }), "{error:?}");
        }
        Some(_) => {}
    }
    if let Some(id) = headers
        .get(header::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
    {
        assert_eq!(error.request_id(), Some(id), "{error:?}");
    }
}

fn optional(line: &[u8]) -> Option<&[u8]> {
    (!line.is_empty()).then_some(line)
}

/// Lines: timestamp, nonce, signature, serial, signature type (empty: absent), request id
/// (empty: absent); the rest is the body.
fn arbitrary_answer(mut input: Input<'_>) {
    let timestamp = input.line();
    let nonce = input.line();
    let signature = input.line();
    let serial = input.line();
    let signature_type = optional(input.line());
    let request_id = optional(input.line());
    let headers = answer_headers(
        timestamp,
        nonce,
        signature,
        serial,
        signature_type,
        request_id,
    );
    assert_never_verifies(&headers, input.rest());
}

/// Lines: method, target, nonce, timestamp; the rest is the body.
fn signed_request(mut input: Input<'_>) {
    let fixture = fixture();
    let method = input.text_line();
    let target = input.text_line();
    let nonce = input.text_line();
    let timestamp_line = input.line();
    let timestamp: i64 = std::str::from_utf8(timestamp_line)
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| common::hash(timestamp_line) as i64);
    let body = input.rest();

    let message = request_message(&method, &target, timestamp, &nonce, body);
    let signature = BASE64.encode(fixture.key.sign(&message));
    let value = format!(
        "{SCHEME} mchid=\"{MCHID}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{MERCHANT_SERIAL}\""
    );
    let public = fixture.key.public_key();
    let parsed = Authorization::parse(&value);
    if !nonce.contains(',') {
        let expected = Authorization {
            mchid: MCHID.into(),
            nonce_str: nonce.to_string(),
            signature: signature.clone(),
            timestamp: timestamp.to_string(),
            serial_no: MERCHANT_SERIAL.into(),
        };
        assert_eq!(parsed.as_ref(), Ok(&expected), "{value:?}");
    }
    let Ok(parsed) = parsed else { return };
    let (Ok(raw), Ok(parsed_timestamp)) = (
        BASE64.decode(&parsed.signature),
        parsed.timestamp.parse::<i64>(),
    ) else {
        return;
    };
    let parsed_message =
        request_message(&method, &target, parsed_timestamp, &parsed.nonce_str, body);
    if public.verify(&parsed_message, &raw) {
        assert_eq!(parsed.nonce_str, *nonce, "{value:?}");
        assert_eq!(parsed_timestamp, timestamp, "{value:?}");
        let mut altered = body.to_vec();
        altered.push(b'x');
        let altered = request_message(&method, &target, timestamp, &nonce, &altered);
        assert!(!public.verify(&altered, &raw), "an altered body verified");
    } else {
        assert_ne!(
            (parsed.nonce_str.as_str(), parsed_timestamp),
            (&*nonce, timestamp),
            "the signature of the parsed items does not verify: {value:?}"
        );
    }
}

/// Lines: timestamp offset from `NOW`, nonce, serial (`0`: the key id, `1`: the key id in lower
/// case, `2`: the certificate, anything else: itself); the rest is the body.
fn signed_answer(mut input: Input<'_>) {
    let fixture = fixture();
    let offset_line = input.line();
    let offset: i64 = std::str::from_utf8(offset_line)
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| (common::hash(offset_line) % 1000) as i64 - 500);
    let nonce = input.line();
    let serial: Vec<u8> = match input.line() {
        b"0" => KEY_ID.into(),
        b"1" => KEY_ID.to_ascii_lowercase().into(),
        b"2" => match &fixture.certificate_serial {
            Some(serial) => serial.clone().into(),
            None => return,
        },
        other => other.to_vec(),
    };
    let body = input.rest();
    let Some(timestamp) = NOW.checked_add(offset) else {
        return;
    };
    let timestamp = timestamp.to_string();
    let signature = BASE64.encode(fixture.key.sign(&answer_message(
        &timestamp,
        &common::text(nonce),
        body,
    )));
    let headers = answer_headers(
        timestamp.as_bytes(),
        nonce,
        signature.as_bytes(),
        &serial,
        Some(SCHEME.as_bytes()),
        None,
    );
    let result = fixture.store.verify(&headers, body, NOW);

    // What the rules predict, checked in the documented order.
    let visible = |value: &[u8]| HeaderValue::from_bytes(value).is_ok_and(|v| v.to_str().is_ok());
    let serial_text = String::from_utf8_lossy(&serial);
    // Serials are looked up as sent, then in upper case.
    let serial_known = serial_text == KEY_ID || serial_text.to_ascii_uppercase() == KEY_ID;
    let certificate = fixture
        .certificate_serial
        .as_deref()
        .is_some_and(|known| serial_text == known || serial_text.to_ascii_uppercase() == known);
    match &result {
        _ if HeaderValue::from_bytes(&serial).is_err() => assert!(
            matches!(
                result,
                Err(Error::Unsigned {
                    missing: "Wechatpay-Serial",
                    ..
                })
            ),
            "{result:?}"
        ),
        _ if HeaderValue::from_bytes(nonce).is_err() => assert!(
            matches!(
                result,
                Err(Error::Unsigned {
                    missing: "Wechatpay-Nonce",
                    ..
                }) | Err(Error::MalformedHeader { .. })
            ),
            "{result:?}"
        ),
        _ if !visible(&serial) || !visible(nonce) => {
            assert!(
                matches!(result, Err(Error::MalformedHeader { .. })),
                "{result:?}"
            );
        }
        _ if offset.unsigned_abs() > MAX_SKEW_SECS => assert!(
            matches!(result, Err(Error::StaleTimestamp { .. })),
            "{result:?}"
        ),
        _ if certificate => {
            // Another key: the signature by the generated key does not verify with it.
            assert!(
                matches!(result, Err(Error::BadSignature { .. })),
                "{result:?}"
            );
        }
        _ if !serial_known => assert!(
            matches!(result, Err(Error::UnknownSerial { .. })),
            "{result:?}"
        ),
        _ => {
            assert!(result.is_ok(), "a valid signature failed: {result:?}");
            // The signature covers every byte of the body, and the timestamp.
            let mut altered = body.to_vec();
            match altered.first_mut() {
                Some(first) => *first ^= 1,
                None => altered.push(b'\n'),
            }
            assert!(
                matches!(
                    fixture.store.verify(&headers, &altered, NOW),
                    Err(Error::BadSignature { .. })
                ),
                "an altered body verified"
            );
            let mut moved = headers.clone();
            moved.insert(
                header::TIMESTAMP,
                HeaderValue::from_str(&(NOW + offset + 1).to_string()).unwrap(),
            );
            assert!(
                fixture.store.verify(&moved, body, NOW).is_err(),
                "another timestamp verified"
            );
        }
    }
}
