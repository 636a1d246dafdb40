//! The callback machinery: verifying a callback's signature over its raw body, decrypting its
//! `resource` with the APIv3 key, rejecting what fails, and the generic axum extractor. Public
//! through [`crate::notify`]; it knows no callback payload (those live beside their catalog
//! families and are dispatched by [`crate::notify::Event`]).

use std::borrow::Cow;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth;
use crate::client::Client;
use crate::error::{Error, without_quoted_values};
use crate::keys::ApiV3Key;

/// The only encryption WeChat Pay uses for callback resources.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// Verifies, decrypts and decodes callbacks with one merchant's keys; from
/// [`Client::notifications`].
///
/// Cheap to clone (it holds a [`Client`]).
#[derive(Debug, Clone)]
pub struct Notifications {
    client: Client,
}

/// One verified, decrypted callback: the envelope's fields and the decoded `resource`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification<T> {
    /// 通知ID: unique per callback; the same callback retried keeps its id.
    pub id: String,
    /// 通知创建时间, as WeChat Pay wrote it (usually RFC 3339 with `+08:00`).
    pub create_time: String,
    /// 通知类型, such as `TRANSACTION.SUCCESS`, `ENTRUST.SIGN`, `REFUND.SUCCESS`.
    pub event_type: String,
    /// 回调摘要, a human-readable summary (often Chinese).
    pub summary: String,
    /// 通知数据类型, `encrypt-resource`.
    pub resource_type: String,
    /// 原始回调类型 of the resource, such as `transaction`, `refund`.
    pub original_type: String,
    /// The `Request-ID` header, to quote to WeChat Pay support.
    pub request_id: Option<String>,
    /// The decrypted resource, decoded.
    pub resource: T,
}

/// The envelope as it arrives. Only what decryption needs is required: a callback with a valid
/// signature is genuine, and refusing it over a missing descriptive field would only make WeChat
/// Pay retry it for a day.
#[derive(Deserialize)]
struct Envelope<'a> {
    id: String,
    #[serde(default)]
    create_time: String,
    #[serde(default)]
    resource_type: String,
    event_type: String,
    #[serde(default)]
    summary: String,
    #[serde(borrow)]
    resource: EncryptedResource<'a>,
}

/// The encrypted resource, borrowed from the body where JSON allows (no escapes): the ciphertext
/// is most of a callback, and is only read once, to decrypt it.
#[derive(Deserialize)]
struct EncryptedResource<'a> {
    #[serde(default, borrow)]
    original_type: Cow<'a, str>,
    #[serde(borrow)]
    algorithm: Cow<'a, str>,
    #[serde(borrow)]
    ciphertext: Base64Text<'a>,
    #[serde(default, borrow)]
    associated_data: Option<Cow<'a, str>>,
    #[serde(borrow)]
    nonce: Cow<'a, str>,
}

/// Base64 text read from the body as bytes: a JSON string read as text is checked to be UTF-8,
/// which Base64 does not need (a byte that is not Base64 fails the decoding anyway).
struct Base64Text<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for Base64Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Cow<'de, [u8]>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a Base64 string")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_vec()))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v.as_bytes()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.as_bytes().to_vec()))
            }
        }
        deserializer.deserialize_bytes(Bytes).map(Base64Text)
    }
}

impl Client {
    /// Verifies, decrypts and decodes callbacks (notifications) with this client's WeChat Pay keys
    /// and APIv3 key; see [`crate::notify`].
    pub fn notifications(&self) -> Notifications {
        Notifications::new(self.clone())
    }
}

impl Notifications {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Verifies a callback over its raw body bytes, decrypts its resource and decodes it as `T`.
    ///
    /// `headers` are the request headers (`Wechatpay-*` and `Request-ID`); `body` the body
    /// exactly as received (see the [module docs](crate::notify) for why it must be the raw bytes).
    ///
    /// # Errors
    /// - [`Error::Config`] when the client has no APIv3 key.
    /// - A verification error, as for answers: [`Error::Unsigned`], [`Error::SignatureProbe`],
    ///   [`Error::MalformedHeader`], [`Error::StaleTimestamp`], [`Error::UnknownSerial`],
    ///   [`Error::BadSignature`] ([`Error::is_verification_failure`] is true for all of them).
    /// - [`Error::Notification`] when the envelope is malformed, the algorithm is not
    ///   `AEAD_AES_256_GCM`, or the plaintext does not decode as `T`.
    /// - [`Error::Decrypt`] when the resource does not decrypt (a wrong APIv3 key).
    pub fn verify<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification<T>, Error> {
        self.verify_with(headers, body, |_, plaintext| {
            serde_json::from_str(plaintext)
        })
    }

    pub(crate) fn verify_with<T>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        decode: impl FnOnce(&str, &str) -> serde_json::Result<T>,
    ) -> Result<Notification<T>, Error> {
        let key = self.client.apiv3_key().ok_or_else(|| {
            Error::Config(
                "callbacks cannot be decrypted without the APIv3 key: call .apiv3_key(ApiV3Key::new(…)?) on the client builder or set WECHATPAY_APIV3_KEY".into(),
            )
        })?;
        if let Err(error) = self.client.keys().verify(headers, body, auth::unix_now()) {
            if let Error::UnknownSerial { serial, .. } = &error {
                // A rotated platform certificate: fetch it now, so that WeChat Pay's retry of
                // this callback (15 s later) verifies (at most once a minute: forged callbacks
                // name made-up serials).
                self.client.refresh_soon(serial);
            }
            return Err(error.for_callback());
        }
        open(key, body, auth::request_id(headers), decode)
    }
}

/// Parses a verified envelope, decrypts its resource and decodes the plaintext.
///
/// Both the body and the plaintext are checked to be UTF-8 once, whole, and then parsed as text:
/// parsing bytes would check every string of them again, one by one.
fn open<T>(
    key: &ApiV3Key,
    body: &[u8],
    request_id: Option<String>,
    decode: impl FnOnce(&str, &str) -> serde_json::Result<T>,
) -> Result<Notification<T>, Error> {
    let problem = |problem: String| Error::Notification {
        problem,
        request_id: request_id.clone(),
    };
    let envelope: Envelope = std::str::from_utf8(body)
        .map_err(serde::de::Error::custom)
        .and_then(serde_json::from_str)
        .map_err(|e| {
            problem(format!(
                "the body is not the callback envelope WeChat Pay documents ({e})"
            ))
        })?;
    let resource = &envelope.resource;
    if resource.algorithm != ALGORITHM {
        return Err(problem(format!(
            "callback {} is encrypted with `{}`; only {ALGORITHM} is supported",
            envelope.id, resource.algorithm
        )));
    }
    let plaintext = key.decrypt_base64(
        &resource.nonce,
        resource.associated_data.as_deref().unwrap_or_default(),
        &resource.ciphertext.0,
    )?;
    let decoded = std::str::from_utf8(&plaintext)
        .map_err(serde::de::Error::custom)
        .and_then(|text| decode(&envelope.event_type, text))
        .map_err(|e| {
            problem(format!(
                "the decrypted `{}` resource of callback {} ({}) does not decode as `{}`: {}",
                resource.original_type,
                envelope.id,
                envelope.event_type,
                std::any::type_name::<T>(),
                without_values(&e)
            ))
        })?;
    Ok(Notification {
        id: envelope.id,
        create_time: envelope.create_time,
        event_type: envelope.event_type,
        summary: envelope.summary,
        resource_type: envelope.resource_type,
        original_type: envelope.resource.original_type.into_owned(),
        request_id,
        resource: decoded,
    })
}

/// The least time between two warnings about rejected callbacks; the ones in between are
/// counted and logged at debug level, so that a flood of forged callbacks cannot fill the logs.
const REJECTION_WARN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// The most characters of an error logged for a rejected callback; the rest is counted.
const MAX_LOGGED_CHARS: usize = 512;

/// Lets one warning through per [`REJECTION_WARN_INTERVAL`] and counts the rest.
pub(crate) struct RejectionThrottle {
    /// When the last warning was logged, and how many were held back since.
    state: std::sync::Mutex<(Option<std::time::Instant>, u64)>,
}

impl RejectionThrottle {
    pub(crate) const fn new() -> Self {
        Self {
            state: std::sync::Mutex::new((None, 0)),
        }
    }

    /// `Some(number held back since the previous warning)` when a warning may be logged now;
    /// `None` (and one more held back) otherwise.
    pub(crate) fn admit(&self) -> Option<u64> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = std::time::Instant::now();
        if state
            .0
            .is_some_and(|last| now.duration_since(last) < REJECTION_WARN_INTERVAL)
        {
            state.1 += 1;
            None
        } else {
            let held_back = state.1;
            *state = (Some(now), 0);
            Some(held_back)
        }
    }
}

/// The throttle of API v3 callback rejections.
static REJECTION_LOG: RejectionThrottle = RejectionThrottle::new();

/// Text from a caller (an error quoting a callback's fields) made safe for one log line: at
/// most [`MAX_LOGGED_CHARS`] characters, and control characters (line breaks included), Unicode
/// line separators and bidirectional overrides escaped, so that no one can forge a log line or
/// flood the log through it.
pub(crate) fn loggable(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LOGGED_CHARS + 32));
    let mut chars = text.chars();
    for c in chars.by_ref().take(MAX_LOGGED_CHARS) {
        let unsafe_in_a_log = c.is_control()
            || matches!(
                c,
                '\u{200B}'..='\u{200F}'
                    | '\u{2028}'..='\u{202E}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{FEFF}'
            );
        if unsafe_in_a_log {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    let more = chars.count();
    if more > 0 {
        out.push_str(&format!("… ({more} more characters)"));
    }
    out
}

/// Logs a rejected callback: one warning per [`REJECTION_WARN_INTERVAL`], with the number held
/// back since the previous one; the rest at debug level. The error is logged through
/// [`loggable`].
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn log_rejection(rejection: &Rejection) {
    let error = loggable(&rejection.error.to_string());
    match REJECTION_LOG.admit() {
        Some(held_back) => tracing::warn!(
            status = %rejection.status,
            %error,
            held_back,
            "callback rejected ({held_back} more rejected since the previous warning)"
        ),
        None => {
            tracing::debug!(status = %rejection.status, %error, "callback rejected")
        }
    }
}

/// What serde said of a decrypted resource, without the values it quotes (`invalid type:
/// string "…"`): a decrypted value never appears in an error or a log. Field names stay.
pub(crate) fn without_values(error: &serde_json::Error) -> String {
    without_quoted_values(&error.to_string())
}

/// How to answer a callback that failed: the status and WeChat Pay's `{"code":"FAIL","message":…}`.
///
/// WeChat Pay retries every non-`2xx` answer, so a forged callback is answered like a genuine one
/// that could not be processed; the status tells the two apart in the merchant's own logs.
#[derive(Debug)]
pub struct Rejection {
    status: StatusCode,
    error: Error,
}

impl Rejection {
    /// The answer for `error`: `401` for a verification failure (forged, probe, stale, unknown
    /// key), `500` for the merchant's own configuration (no APIv3 key), `400` for anything else
    /// (a malformed envelope, a resource that does not decrypt or decode).
    pub fn new(error: Error) -> Self {
        let status = if error.is_verification_failure() {
            StatusCode::UNAUTHORIZED
        } else if matches!(error, Error::Config(_)) {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        Self { status, error }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The JSON body to answer with: `{"code":"FAIL","message":"…"}`. A callback that failed
    /// verification may be forged: its answer says only that, never which keys this client
    /// holds or what it checked. A failure of the merchant's own configuration (no APIv3 key)
    /// is checked before the signature, so its caller may be anyone: the answer says only that
    /// the callback could not be processed, and the hint stays in [`Rejection::error`] (which
    /// the axum extractor logs).
    pub fn body(&self) -> String {
        let message = if self.error.is_verification_failure() {
            "the callback's signature did not verify".to_owned()
        } else if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            "the callback could not be processed; it may be sent again".to_owned()
        } else {
            self.error.to_string()
        };
        serde_json::json!({ "code": "FAIL", "message": message }).to_string()
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Self::new(error)
    }
}

/// Callbacks captured earlier (from a log, a queue, a dead-letter store) and checked later.
impl Notifications {
    /// Verifies a captured callback as [`Notifications::verify`] does, but at the time `now`
    /// (Unix seconds) and allowing its `Wechatpay-Timestamp` to be up to `max_age` away from it
    /// instead of 300 s. The signature, the key and the decryption are checked as strictly.
    ///
    /// The 300-second rule protects a live endpoint against replays; a callback taken from a log
    /// an hour later fails it although it is genuine. Relax it only for such re-checks, never on
    /// the notify URL itself, and say so wherever the result is shown (`wechatpay notify verify
    /// --max-age` prints that the age check was relaxed).
    ///
    /// ```no_run
    /// # fn recheck(client: &wechatpay::Client, headers: &http::HeaderMap, body: &[u8]) -> Result<(), wechatpay::Error> {
    /// use std::time::Duration;
    /// let now = std::time::SystemTime::now()
    ///     .duration_since(std::time::UNIX_EPOCH)
    ///     .unwrap()
    ///     .as_secs() as i64;
    /// let notification = client
    ///     .notifications()
    ///     .verify_captured::<serde_json::Value>(headers, body, now, Duration::from_secs(7 * 86_400))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Notifications::verify`]; [`Error::StaleTimestamp`] when the callback is more than
    /// `max_age` away from `now`.
    pub fn verify_captured<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
        max_age: std::time::Duration,
    ) -> Result<Notification<T>, Error> {
        let key = self.client.apiv3_key().ok_or_else(|| {
            Error::Config(
                "callbacks cannot be decrypted without the APIv3 key: call .apiv3_key(ApiV3Key::new(…)?) on the client builder or set WECHATPAY_APIV3_KEY".into(),
            )
        })?;
        self.client
            .keys()
            .verify_within(headers, body, now, max_age.as_secs())
            .map_err(Error::for_callback)?;
        open(key, body, auth::request_id(headers), |_, plaintext| {
            serde_json::from_str(plaintext)
        })
    }
}

/// The generic axum extractor ([`VerifiedNotification`](axum::VerifiedNotification)) and what
/// the v2 one shares (the body read); public as `wechatpay::notify::axum`.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum {
    use ::axum::extract::{FromRef, FromRequest, Request};
    use ::axum::response::{IntoResponse, Response};
    use http::HeaderValue;
    use http::header::CONTENT_TYPE;
    use serde::de::DeserializeOwned;

    use super::{Notification, Rejection};
    use crate::client::Client;
    use crate::error::Error;

    /// The largest callback body read; WeChat Pay's are a few kilobytes.
    pub const MAX_BODY_BYTES: usize = 1024 * 1024;

    /// The longest the body may take to arrive once the request's head is in: WeChat Pay
    /// sends a callback of a few kilobytes at once and gives up on an answer after 5 seconds,
    /// so a body still arriving later comes from someone else (a slow sender holding the
    /// connection and the task open); it is refused with `400`.
    pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

    /// Reads a callback body: at most `limit` bytes, within [`BODY_READ_TIMEOUT`].
    pub(crate) async fn read_body(
        body: ::axum::body::Body,
        limit: usize,
        request_id: Option<String>,
    ) -> Result<::bytes::Bytes, Error> {
        match tokio::time::timeout(BODY_READ_TIMEOUT, ::axum::body::to_bytes(body, limit)).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(e)) => Err(Error::Notification {
                problem: format!(
                    "the body cannot be read (at most {limit} bytes are accepted): {e}"
                ),
                request_id,
            }),
            Err(_) => Err(Error::Notification {
                problem: format!(
                    "the body did not arrive within {} s of the request's head (WeChat Pay sends a callback at once)",
                    BODY_READ_TIMEOUT.as_secs()
                ),
                request_id,
            }),
        }
    }

    /// A verified, decrypted callback whose resource decodes as `T` (JSON by default).
    #[derive(Debug, Clone)]
    pub struct VerifiedNotification<T = serde_json::Value>(pub Notification<T>);

    impl IntoResponse for Rejection {
        fn into_response(self) -> Response {
            super::log_rejection(&self);
            let mut response = (self.status, self.body()).into_response();
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
    }

    /// Reads the raw body and hands it with the headers to `verify`.
    pub(crate) async fn extract<S, T>(
        request: Request,
        state: &S,
        verify: impl FnOnce(&Client, &http::HeaderMap, &[u8]) -> Result<T, Error>,
    ) -> Result<T, Rejection>
    where
        Client: FromRef<S>,
    {
        let client = Client::from_ref(state);
        let (parts, body) = request.into_parts();
        let body = read_body(
            body,
            MAX_BODY_BYTES,
            crate::auth::request_id(&parts.headers),
        )
        .await?;
        Ok(verify(&client, &parts.headers, &body)?)
    }

    impl<S, T> FromRequest<S> for VerifiedNotification<T>
    where
        Client: FromRef<S>,
        S: Send + Sync,
        T: DeserializeOwned,
    {
        type Rejection = Rejection;

        async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
            extract(request, state, |client, headers, body| {
                client.notifications().verify(headers, body)
            })
            .await
            .map(Self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const NONCE: &str = "fdasflkja484";

    fn key() -> ApiV3Key {
        ApiV3Key::new(KEY).unwrap()
    }

    fn envelope(event_type: &str, associated_data: Option<&str>, plaintext: &str) -> Vec<u8> {
        let ciphertext = key()
            .encrypt(
                NONCE,
                associated_data.unwrap_or_default(),
                plaintext.as_bytes(),
            )
            .unwrap();
        let mut resource = serde_json::json!({
            "original_type": "transaction",
            "algorithm": ALGORITHM,
            "ciphertext": ciphertext,
            "nonce": NONCE,
        });
        if let Some(aad) = associated_data {
            resource["associated_data"] = aad.into();
        }
        serde_json::to_vec(&serde_json::json!({
            "id": "EV-2018022511223320873",
            "create_time": "2015-05-20T13:29:35+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": resource,
        }))
        .unwrap()
    }

    fn open_value(body: &[u8]) -> Result<Notification<serde_json::Value>, Error> {
        open(&key(), body, Some("RID".into()), |_, p| {
            serde_json::from_str(p)
        })
    }

    fn open_event(body: &[u8]) -> Result<Notification<Event>, Error> {
        open(&key(), body, None, Event::decode_text)
    }

    #[test]
    fn a_body_or_plaintext_that_is_not_utf8_is_refused_by_name() {
        let mut body = envelope("TRANSACTION.SUCCESS", Some("transaction"), TRANSACTION);
        let at = body.windows(4).position(|w| w == b"EV-2").unwrap();
        body[at] = 0xFF;
        let Err(Error::Notification { problem, .. }) = open_value(&body) else {
            panic!("a body that is not UTF-8 must be refused");
        };
        assert!(problem.contains("not the callback envelope"), "{problem}");
        assert!(problem.contains("utf-8"), "{problem}");

        let mut plaintext = TRANSACTION.as_bytes().to_vec();
        let at = plaintext.windows(4).position(|w| w == b"JSAP").unwrap();
        plaintext[at] = 0xC3;
        let ciphertext = key().encrypt(NONCE, "transaction", &plaintext).unwrap();
        let body = serde_json::to_vec(&serde_json::json!({
            "id": "EV-1",
            "event_type": "TRANSACTION.SUCCESS",
            "resource": {
                "algorithm": ALGORITHM,
                "ciphertext": ciphertext,
                "associated_data": "transaction",
                "nonce": NONCE,
            },
        }))
        .unwrap();
        for result in [open_event(&body).map(|_| ()), open_value(&body).map(|_| ())] {
            let Err(Error::Notification { problem, .. }) = result else {
                panic!("a plaintext that is not UTF-8 must be refused");
            };
            assert!(problem.contains("does not decode"), "{problem}");
            assert!(problem.contains("utf-8"), "{problem}");
        }
        assert!(Event::decode("TRANSACTION.SUCCESS", &plaintext).is_err());
    }

    const TRANSACTION: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"","success_time":"2018-06-08T10:34:56+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}"#;

    #[test]
    fn envelope_fields_and_request_id_are_kept() {
        let notification = open_value(&envelope(
            "TRANSACTION.SUCCESS",
            Some("transaction"),
            TRANSACTION,
        ))
        .unwrap();
        assert_eq!(notification.id, "EV-2018022511223320873");
        assert_eq!(notification.create_time, "2015-05-20T13:29:35+08:00");
        assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
        assert_eq!(notification.summary, "支付成功");
        assert_eq!(notification.resource_type, "encrypt-resource");
        assert_eq!(notification.original_type, "transaction");
        assert_eq!(notification.request_id.as_deref(), Some("RID"));
        assert_eq!(notification.resource["amount"]["total"], 100);
    }

    #[test]
    #[cfg(feature = "pay")]
    fn absent_associated_data_means_empty() {
        let notification = open_event(&envelope("TRANSACTION.SUCCESS", None, TRANSACTION)).unwrap();
        let Event::Transaction(payment) = notification.resource else {
            panic!("{:?}", notification.resource);
        };
        assert_eq!(payment.amount.unwrap().payer_total, Some(100));
        assert_eq!(
            payment.payer.unwrap().openid.as_deref(),
            Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        );
    }

    #[test]
    fn associated_data_is_authenticated() {
        let mut body: serde_json::Value = serde_json::from_slice(&envelope(
            "TRANSACTION.SUCCESS",
            Some("transaction"),
            TRANSACTION,
        ))
        .unwrap();
        body["resource"]["associated_data"] = "certificate".into();
        let error = open_value(&serde_json::to_vec(&body).unwrap()).unwrap_err();
        assert!(matches!(error, Error::Decrypt { .. }), "{error}");
    }

    #[test]
    fn escaped_resource_fields_open_like_plain_ones() {
        // JSON may spell `/` as `\/` and any character as `\uXXXX`: such fields cannot be
        // borrowed from the body and are unescaped into a copy.
        let plain = envelope("TRANSACTION.SUCCESS", Some("transaction"), TRANSACTION);
        let text = String::from_utf8(plain.clone()).unwrap();
        // The nonce starts with `f` (U+0066).
        let escaped = text
            .replace('/', "\\/")
            .replace("\"nonce\":\"f", "\"nonce\":\"\\u0066");
        assert!(
            escaped.contains("\\/") && escaped.contains("\\u0066"),
            "{escaped}"
        );
        let a = open_value(&plain).unwrap();
        let b = open_value(escaped.as_bytes()).unwrap();
        assert_eq!(a.resource, b.resource);
        assert_eq!(a.original_type, b.original_type);
    }

    #[test]
    fn other_algorithms_are_refused_by_name() {
        let mut body: serde_json::Value =
            serde_json::from_slice(&envelope("TRANSACTION.SUCCESS", None, TRANSACTION)).unwrap();
        body["resource"]["algorithm"] = "AEAD_SM4_GCM".into();
        let error = open_value(&serde_json::to_vec(&body).unwrap()).unwrap_err();
        assert!(matches!(error, Error::Notification { .. }), "{error}");
        assert!(error.to_string().contains("AEAD_SM4_GCM"), "{error}");
        assert_eq!(error.request_id(), Some("RID"));
    }

    #[test]
    fn descriptive_fields_may_be_missing_but_the_resource_may_not() {
        let ciphertext = key().encrypt(NONCE, "", b"{}").unwrap();
        let minimal = serde_json::json!({
            "id": "EV-1", "event_type": "X.Y",
            "resource": {"algorithm": ALGORITHM, "ciphertext": ciphertext, "nonce": NONCE},
        });
        let notification = open_value(&serde_json::to_vec(&minimal).unwrap()).unwrap();
        assert_eq!(notification.summary, "");
        assert_eq!(notification.original_type, "");
        for missing in ["id", "event_type", "resource"] {
            let mut body = minimal.clone();
            body.as_object_mut().unwrap().remove(missing);
            let error = open_value(&serde_json::to_vec(&body).unwrap()).unwrap_err();
            assert!(error.to_string().contains(missing), "{missing}: {error}");
        }
        for missing in ["algorithm", "ciphertext", "nonce"] {
            let mut body = minimal.clone();
            body["resource"].as_object_mut().unwrap().remove(missing);
            let error = open_value(&serde_json::to_vec(&body).unwrap()).unwrap_err();
            assert!(error.to_string().contains(missing), "{missing}: {error}");
        }
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let ciphertext = key().encrypt(NONCE, "", b"{}").unwrap();
        let bodies: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"null".to_vec(),
            b"[]".to_vec(),
            b"\xff\xfe\x00garbage".to_vec(),
            b"{\"id\":1,\"event_type\":[],\"resource\":{}}".to_vec(),
            format!(r#"{{"id":"a","event_type":"b","resource":{{"algorithm":"{ALGORITHM}","ciphertext":"%%%","nonce":"{NONCE}"}}}}"#).into_bytes(),
            format!(r#"{{"id":"a","event_type":"b","resource":{{"algorithm":"{ALGORITHM}","ciphertext":"{ciphertext}","nonce":"short"}}}}"#).into_bytes(),
            format!(r#"{{"id":"a","event_type":"b","resource":{{"algorithm":"{ALGORITHM}","ciphertext":"","nonce":"{NONCE}"}}}}"#).into_bytes(),
            "{\"id\":\"\u{0}\",".repeat(1000).into_bytes(),
        ];
        for body in bodies {
            assert!(
                open_value(&body).is_err(),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    #[test]
    fn plaintext_that_is_not_the_named_type_is_a_notification_error() {
        let error = open_event(&envelope("ENTRUST.SIGN", None, TRANSACTION)).unwrap_err();
        assert!(matches!(error, Error::Notification { .. }), "{error}");
        assert!(error.to_string().contains("ENTRUST.SIGN"), "{error}");
        let error =
            open_event(&envelope("TRANSACTION.SUCCESS", None, "\u{1}not json")).unwrap_err();
        assert!(matches!(error, Error::Notification { .. }), "{error}");
    }

    #[test]
    #[cfg(all(feature = "pay", feature = "papay", feature = "refund"))]
    fn events_route_by_event_type() {
        let entrust = r#"{"mchid":"1230000109","appid":"wxd678efh567hg6787","contract_id":"Wx15463511252015071056489715","plan_id":12535,"out_contract_code":"wxwtdk20200910100000","contract_state":"TERMINATED","contract_terminate_info":{"contract_termination_mode":"USER_TERMINATE","contract_terminated_time":"2015-07-01T10:00:00+08:00"},"deduct_schedule":{"estimated_deduct_date":"2023-10-01","estimated_deduct_amount":{"amount":100,"currency":"CNY"},"schedule_state":"SCHEDULED","scheduled_amount":{"total":200}}}"#;
        let Event::EntrustTerminate(contract) =
            Event::decode("ENTRUST.TERMINATE", entrust.as_bytes()).unwrap()
        else {
            panic!("not routed to EntrustTerminate");
        };
        let schedule = contract.deduct_schedule.unwrap();
        assert_eq!(
            schedule.estimated_deduct_amount.unwrap().amount,
            Some(100),
            "`amount` key"
        );
        // The schedule APIs' spelling of the figure is kept under its own name.
        assert_eq!(
            schedule.scheduled_amount.unwrap().total,
            Some(200),
            "`total` key"
        );
        assert_eq!(
            contract
                .contract_terminate_info
                .unwrap()
                .contract_termination_mode
                .as_str(),
            "USER_TERMINATE"
        );
        assert!(matches!(
            Event::decode("ENTRUST.SIGN", entrust.as_bytes()).unwrap(),
            Event::EntrustSign(_)
        ));
        assert!(matches!(
            Event::decode("TRANSACTION.FAIL", TRANSACTION.as_bytes()).unwrap(),
            Event::Transaction(_)
        ));
        // An event type the description does not list is `Other`, whatever its prefix.
        assert!(matches!(
            Event::decode("TRANSACTION.PAYERROR", TRANSACTION.as_bytes()).unwrap(),
            Event::Other { .. }
        ));
        let refund = r#"{"mchid":"1900000100","transaction_id":"1008450740201411110005820873","out_trade_no":"20150806125346","refund_id":"50200207182018070300011301001","out_refund_no":"7752501201407033233368018","refund_status":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00","user_received_account":"招商银行信用卡0403","amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999}}"#;
        let Event::Refund(refund) = Event::decode("REFUND.SUCCESS", refund.as_bytes()).unwrap()
        else {
            panic!("not routed to Refund");
        };
        assert_eq!(refund.amount.payer_refund, 999);
        let Event::Other {
            event_type,
            resource,
        } = Event::decode("ENTRUST.TERMINATE_INQUIRY", b"{\"a\":1}").unwrap()
        else {
            panic!("not Other");
        };
        assert_eq!(event_type, "ENTRUST.TERMINATE_INQUIRY");
        assert_eq!(resource, serde_json::json!({"a": 1}));
    }

    #[test]
    fn rejections_answer_401_for_forgeries_and_400_for_the_rest() {
        let forged = Rejection::from(Error::SignatureProbe {
            subject: crate::error::Subject::Callback,
            request_id: None,
            attempts: crate::Attempts::default(),
        });
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = serde_json::from_str(&forged.body()).unwrap();
        assert_eq!(body["code"], "FAIL");
        // A forger learns nothing from the answer; the merchant's log has the whole error.
        assert_eq!(body["message"], "the callback's signature did not verify");
        assert!(forged.error().to_string().contains("SIGNTEST"));
        let malformed = Rejection::from(Error::Notification {
            problem: "x".into(),
            request_id: None,
        });
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
        let unconfigured = Rejection::from(Error::Config("set WECHATPAY_APIV3_KEY".into()));
        assert_eq!(unconfigured.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            !unconfigured.body().contains("APIV3"),
            "{}",
            unconfigured.body()
        );
        assert!(unconfigured.error().to_string().contains("APIV3"));
    }

    #[test]
    fn logged_text_is_one_bounded_line() {
        let forged = format!(
            "bad\n2026-12-06T00:00:00Z  INFO forged\r\u{1b}[31m\u{2028}\u{202e}{}",
            "x".repeat(10_000)
        );
        let logged = loggable(&forged);
        assert!(!logged.chars().any(|c| c.is_control()), "{logged}");
        assert!(!logged.contains(['\u{2028}', '\u{202e}']), "{logged}");
        assert!(logged.starts_with("bad\\n2026"), "{logged}");
        assert!(logged.ends_with("more characters)"), "{logged}");
        assert!(logged.len() < 1024, "{}", logged.len());
        assert_eq!(loggable("签名错误"), "签名错误");
    }

    #[test]
    fn quoted_values_are_left_out_of_serde_messages() {
        for (message, kept, secret) in [
            (
                r#"invalid type: string "SECRET\"SECRET", expected u64"#,
                "invalid type: string",
                "SECRET",
            ),
            (
                "unknown variant `SECRET`, expected `A` or `B`",
                "unknown variant",
                "SECRET",
            ),
            (
                "unknown variant `SE`CRET`, expected `A`",
                "unknown variant",
                "CRET",
            ),
            (
                "invalid value: integer `123456`, expected u8",
                "invalid value",
                "123456",
            ),
            (
                "field `plan_id`: invalid value: text, expected u64",
                "field `plan_id`",
                "@",
            ),
            ("missing field `amount`", "missing field `amount`", "@"),
            (
                r#"invalid type: string "unterminated SECRET"#,
                "invalid type",
                "SECRET",
            ),
        ] {
            let cleaned = without_quoted_values(message);
            assert!(cleaned.contains(kept), "{message} → {cleaned}");
            assert!(!cleaned.contains(secret), "{message} → {cleaned}");
        }
    }
}
