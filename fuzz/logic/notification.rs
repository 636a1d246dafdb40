//! Fuzz logic for the callback intake: `client.notifications().verify(…)` and `.verify_event(…)`.
//!
//! Modes (the first byte, modulo 3; seeds start with `'0'`..`'2'`):
//! - `0`: arbitrary headers and body. Never `Ok`: nothing here carries a signature by the key
//!   generated in this process, so every answer is a verification failure.
//! - `1`: an arbitrary body, validly signed here. Never a verification failure; a malformed
//!   envelope or a resource that does not open is an `Error::Notification`/`Error::Decrypt`, and an
//!   `Ok` carries exactly the envelope's fields and the resource the APIv3 key opens.
//! - `2`: a validly signed envelope whose event type, algorithm, nonce, associated data,
//!   ciphertext and plaintext are fuzzed, the ciphertext either taken as given or sealed here with
//!   the APIv3 key: a sealed resource opens and decodes exactly when its plaintext does, a
//!   tampered one is a decrypt error, another algorithm is refused by name.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use wechatpay::auth::{answer_message, header};
use wechatpay::notify::{ALGORITHM, Event, Notification};
use wechatpay::{ApiV3Key, Client, Error, MerchantKey, WechatpayPublicKey};

#[path = "common.rs"]
mod common;
use common::Input;

const KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
const APIV3_KEY: &str = "fuzz0123456789abcdef0123456789ab";
const NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";

struct Fixture {
    /// Plays WeChat Pay: signs callbacks. Generated once per process, so no signature by it
    /// exists outside this process.
    wechatpay: MerchantKey,
    apiv3: ApiV3Key,
    client: Client,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let wechatpay = MerchantKey::generate().expect("an RSA-2048 key");
        let merchant = MerchantKey::from_pem(&wechatpay.to_pkcs8_pem()).expect("the same key");
        let apiv3 = ApiV3Key::new(APIV3_KEY).expect("32 bytes");
        let client = Client::builder()
            .mchid("1900009191")
            .merchant_key("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", merchant)
            .wechatpay_public_key(
                WechatpayPublicKey::from_public_key(KEY_ID, wechatpay.public_key())
                    .expect("a valid id"),
            )
            .apiv3_key(apiv3.clone())
            .build()
            .expect("a client");
        Fixture {
            wechatpay,
            apiv3,
            client,
        }
    })
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.mode(3) {
        0 => arbitrary(input),
        1 => {
            let body = input.rest();
            check_signed_body(body, &signed_headers(body));
        }
        _ => structured(input),
    }
}

/// Both entry points, on the same callback.
fn verify_both(
    headers: &HeaderMap,
    body: &[u8],
) -> (
    Result<Notification<Value>, Error>,
    Result<Notification<Event>, Error>,
) {
    let notifications = fixture().client.notifications();
    (
        notifications.verify::<Value>(headers, body),
        notifications.verify_event(headers, body),
    )
}

/// Lines: timestamp (`@N`: N seconds from now), nonce, signature, serial (`0`: the key id),
/// request id (empty: absent); the rest is the body.
fn arbitrary(mut input: Input<'_>) {
    let timestamp = input.line();
    let timestamp: Vec<u8> = match timestamp.strip_prefix(b"@") {
        Some(offset) => {
            let offset: i64 = common::text(offset).parse().unwrap_or(0);
            unix_now().saturating_add(offset).to_string().into_bytes()
        }
        None => timestamp.to_vec(),
    };
    let nonce = input.line();
    let signature = input.line();
    let serial = match input.line() {
        b"0" => KEY_ID.as_bytes(),
        other => other,
    };
    let request_id = input.line();
    let body = input.rest();
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::TIMESTAMP, &timestamp[..]),
        (header::NONCE, nonce),
        (header::SIGNATURE, signature),
        (header::SERIAL, serial),
        (header::REQUEST_ID, request_id),
    ] {
        if name == header::REQUEST_ID && value.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let (value, event) = verify_both(&headers, body);
    for error in [value.err(), event.err()] {
        let error = error
            .unwrap_or_else(|| panic!("an unsigned callback was accepted: {headers:?} {body:?}"));
        assert!(error.is_verification_failure(), "{error:?}");
        assert!(!error.to_string().is_empty());
    }
}

/// Headers that sign `body` now with the WeChat Pay key.
fn signed_headers(body: &[u8]) -> HeaderMap {
    let timestamp = unix_now().to_string();
    let signature = BASE64.encode(
        fixture()
            .wechatpay
            .sign(&answer_message(&timestamp, NONCE, body)),
    );
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::TIMESTAMP, timestamp.as_str()),
        (header::NONCE, NONCE),
        (header::SIGNATURE, signature.as_str()),
        (header::SERIAL, KEY_ID),
        (header::REQUEST_ID, "fuzz-request"),
    ] {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

/// A signed body never fails verification; whatever else happens agrees with the envelope.
fn check_signed_body(body: &[u8], headers: &HeaderMap) {
    let (value, event) = verify_both(headers, body);
    for error in [value.as_ref().err(), event.as_ref().err()]
        .into_iter()
        .flatten()
    {
        assert!(
            matches!(error, Error::Notification { .. } | Error::Decrypt { .. }),
            "a signed callback failed with {error:?}"
        );
        if matches!(error, Error::Notification { .. }) {
            assert_eq!(error.request_id(), Some("fuzz-request"), "{error:?}");
        }
    }
    if let Ok(notification) = &value {
        check_envelope(body, notification);
        let resource = open(body).expect("an accepted resource opens");
        assert_eq!(
            serde_json::from_slice::<Value>(&resource).ok().as_ref(),
            Some(&notification.resource)
        );
    }
    if let Ok(notification) = &event {
        check_envelope(body, notification);
        let resource = open(body).expect("an accepted resource opens");
        assert_eq!(
            Event::decode(&notification.event_type, &resource)
                .ok()
                .map(|event| format!("{event:?}")),
            Some(format!("{:?}", notification.resource))
        );
    }
}

fn check_envelope<T>(body: &[u8], notification: &Notification<T>) {
    let envelope: Value = serde_json::from_slice(body).expect("an accepted envelope is JSON");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    assert_eq!(notification.id, text(&envelope["id"]));
    assert_eq!(notification.event_type, text(&envelope["event_type"]));
    assert_eq!(notification.create_time, text(&envelope["create_time"]));
    assert_eq!(notification.summary, text(&envelope["summary"]));
    assert_eq!(notification.resource_type, text(&envelope["resource_type"]));
    assert_eq!(
        notification.original_type,
        text(&envelope["resource"]["original_type"])
    );
    assert_eq!(envelope["resource"]["algorithm"], ALGORITHM);
    assert_eq!(notification.request_id.as_deref(), Some("fuzz-request"));
}

/// The resource of an envelope, opened with the APIv3 key directly.
fn open(body: &[u8]) -> Option<Vec<u8>> {
    let envelope: Value = serde_json::from_slice(body).ok()?;
    let resource = &envelope["resource"];
    fixture()
        .apiv3
        .decrypt(
            resource["nonce"].as_str()?,
            resource["associated_data"].as_str().unwrap_or_default(),
            resource["ciphertext"].as_str()?,
        )
        .ok()
        .map(|plaintext| plaintext.to_vec())
}

/// Lines: event type, algorithm (empty: `AEAD_AES_256_GCM`), nonce, associated data (`~`:
/// absent), ciphertext (`*`: sealed here, `!`: sealed here with other associated data); the rest
/// is the plaintext.
fn structured(mut input: Input<'_>) {
    let fixture = fixture();
    let event_type = input.text_line();
    let algorithm = match input.text_line() {
        a if a.is_empty() => ALGORITHM.into(),
        a => a,
    };
    let nonce = input.text_line();
    let associated_data = match input.text_line() {
        a if a == "~" => None,
        a => Some(a),
    };
    let aad = associated_data.as_deref().unwrap_or_default();
    let ciphertext_line = input.text_line();
    let plaintext = input.rest();
    enum Sealed {
        No,
        Yes,
        Tampered,
    }
    let seal = |aad: &str| fixture.apiv3.encrypt(&nonce, aad, plaintext).ok();
    let (ciphertext, sealed) = match &*ciphertext_line {
        "*" => seal(aad).map(|c| (c, Sealed::Yes)),
        // Sealed over other associated data than the envelope names.
        "!" => seal(&format!("{aad}~")).map(|c| (c, Sealed::Tampered)),
        _ => None,
    }
    .unwrap_or_else(|| (ciphertext_line.to_string(), Sealed::No));
    let mut resource = json!({
        "original_type": "transaction",
        "algorithm": algorithm,
        "ciphertext": ciphertext,
        "nonce": nonce,
    });
    if let Some(aad) = &associated_data {
        resource["associated_data"] = json!(aad);
    }
    let body = serde_json::to_vec(&json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": resource,
    }))
    .unwrap();
    let headers = signed_headers(&body);
    check_signed_body(&body, &headers);

    let (value, event) = verify_both(&headers, &body);
    if algorithm != ALGORITHM {
        for error in [value.err(), event.err()] {
            let error = error.expect("another algorithm is refused");
            assert!(matches!(error, Error::Notification { .. }), "{error:?}");
            assert!(error.to_string().contains(&*algorithm), "{error}");
        }
        return;
    }
    match sealed {
        Sealed::Yes => {
            let as_json = serde_json::from_slice::<Value>(plaintext);
            match (&value, as_json) {
                (Ok(notification), Ok(json)) => assert_eq!(notification.resource, json),
                (Err(Error::Notification { .. }), Err(_)) => {}
                (value, json) => panic!("sealed {plaintext:?}: {value:?} but JSON {json:?}"),
            }
            match (&event, Event::decode(&event_type, plaintext)) {
                // `Event` holds catalog types, which compare by their `Debug` form.
                (Ok(notification), Ok(decoded)) => assert_eq!(
                    format!("{:?}", notification.resource),
                    format!("{decoded:?}")
                ),
                (Err(Error::Notification { .. }), Err(_)) => {}
                (event, decoded) => {
                    panic!("sealed {plaintext:?}: {event:?} but decodes as {decoded:?}")
                }
            }
        }
        Sealed::Tampered => {
            for error in [value.err(), event.err()] {
                let error = error.expect("a tampered resource is refused");
                assert!(matches!(error, Error::Decrypt { .. }), "{error:?}");
            }
        }
        Sealed::No => {
            if fixture.apiv3.decrypt(&nonce, aad, &ciphertext).is_err() {
                for error in [value.err(), event.err()] {
                    let error = error.expect("a resource that does not open is refused");
                    assert!(matches!(error, Error::Decrypt { .. }), "{error:?}");
                }
            }
        }
    }
}
