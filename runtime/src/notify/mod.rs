//! Callbacks (notifications): verify, decrypt and decode what WeChat Pay POSTs to a notify URL.
//!
//! A callback is an HTTP POST whose body is a JSON envelope
//! (`{id, create_time, resource_type, event_type, summary, resource}`) signed like an API answer
//! (`Wechatpay-Timestamp`, `-Nonce`, `-Signature`, `-Serial`) and whose `resource` is encrypted
//! with the merchant's APIv3 key (`AEAD_AES_256_GCM`). [`Notifications::verify`] checks the
//! signature with [`KeyStore::verify`](crate::auth::KeyStore::verify) — the same check, key
//! routing, 300-second skew rule and probe handling as for answers — then decrypts and decodes.
//!
//! # Why raw bytes
//!
//! The signature covers `TIMESTAMP\nNONCE\nBODY\n` over the body **exactly as it arrived**. A web
//! framework that parses the JSON and hands over a re-serialized copy changes the bytes (key
//! order, whitespace, number and escape spelling) and every genuine callback then fails
//! verification. So every entry point here takes the untouched body bytes: read them with your
//! framework's "raw body" extractor (`bytes::Bytes` in axum and actix-web), never a `Json<…>` one.
//!
//! # Answering WeChat Pay
//!
//! Answer `2xx` (`204` is fine) once the callback is verified and stored: anything else is retried
//! 15 times over about 24 hours (15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min ×3, 60 min,
//! 3 h ×3, 6 h ×2), so the same callback may arrive more than once: process it idempotently,
//! keyed by [`Notification::id`] or the business id inside. For a callback that fails, answer
//! with [`Rejection`] (`401`/`400` and `{"code":"FAIL","message":…}`).
//!
//! ```no_run
//! # fn handle(client: &wechatpay::Client, headers: &http::HeaderMap, raw_body: &[u8]) -> Result<(), wechatpay::Error> {
//! use wechatpay::notify::Event;
//! let notification = client.notifications().verify_event(headers, raw_body)?;
//! match &notification.resource {
//!     Event::EntrustSign(contract) => println!("signed {}", contract.contract_id),
//!     Event::Transaction(payment) => println!("paid {:?}", payment.out_trade_no),
//!     Event::Refund(refund) => println!("refund {}: {}", refund.out_refund_no, refund.refund_status),
//!     other => println!("{} ({}): {:?}", notification.event_type, other.kind(), other.json()),
//! }
//! # Ok(()) }
//! ```
//!
//! With the `axum` feature, `notify::axum::VerifiedNotification` and `VerifiedEvent` do the
//! same as extractors.
//!
//! The machinery (signature, decryption, rejection, the generic extractor) is `notify::verify`,
//! which knows no payload type. The payload types are the catalog's, in the family that owns them
//! (`v3::pay::Transaction`, `v3::refund::RefundNotice`, `v3::papay::EntrustNotice` …, each behind
//! its family's feature); [`Event`], their dispatch by `event_type`, is generated with them from
//! `codegen/notices.yaml`: one variant per kind of callback, an open [`Event::Other`] for the
//! rest.

mod event;
pub(crate) mod verify;

pub use event::Event;
pub use verify::{ALGORITHM, Notification, Notifications, Rejection};

use http::HeaderMap;

use crate::error::Error;

impl Event {
    /// Decodes a decrypted resource by the envelope's `event_type`.
    ///
    /// # Errors
    /// serde's error when the plaintext does not match the type the event names.
    pub fn decode(event_type: &str, plaintext: &[u8]) -> serde_json::Result<Self> {
        let text = std::str::from_utf8(plaintext).map_err(serde::de::Error::custom)?;
        Self::decode_text(event_type, text)
    }

    /// [`Event::decode`] of a plaintext already checked to be UTF-8.
    fn decode_text(event_type: &str, plaintext: &str) -> serde_json::Result<Self> {
        event::decode(event_type, plaintext)
    }
}

impl Notifications {
    /// Like [`Notifications::verify`], and decodes the resource by `event_type` into an
    /// [`Event`].
    ///
    /// # Errors
    /// As [`Notifications::verify`].
    pub fn verify_event(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification<Event>, Error> {
        self.verify_with(headers, body, Event::decode_text)
    }
}

/// An axum extractor for callbacks (feature `axum`).
///
/// The handler's state must provide a [`Client`](crate::Client) (`Client: FromRef<S>`; a `Client` itself as the
/// state works). The extractor reads the raw body (at most [`MAX_BODY_BYTES`](axum::MAX_BODY_BYTES)),
/// verifies, decrypts and decodes it; on failure the request is answered with the
/// [`Rejection`]: `401`, `400` (or `500` without an APIv3 key) and
/// `{"code":"FAIL","message":…}`, and the handler does not run.
///
/// ```no_run
/// use axum::routing::post;
/// use wechatpay::notify::Event;
/// use wechatpay::notify::axum::VerifiedEvent;
///
/// async fn notify(VerifiedEvent(notification): VerifiedEvent) -> http::StatusCode {
///     if let Event::EntrustSign(contract) = &notification.resource {
///         println!("contract {} signed", contract.contract_id);
///     }
///     http::StatusCode::NO_CONTENT
/// }
///
/// # fn app(client: wechatpay::Client) -> axum::Router {
/// axum::Router::new().route("/wechatpay/notify", post(notify)).with_state(client)
/// # }
/// ```
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum {
    use ::axum::extract::{FromRef, FromRequest, Request};

    use super::verify::axum::extract;
    pub use super::verify::axum::{BODY_READ_TIMEOUT, MAX_BODY_BYTES, VerifiedNotification};
    use super::{Event, Notification, Rejection};
    use crate::client::Client;

    /// A verified, decrypted callback decoded by its `event_type` into an [`Event`].
    #[derive(Debug, Clone)]
    pub struct VerifiedEvent(pub Notification<Event>);

    impl<S> FromRequest<S> for VerifiedEvent
    where
        Client: FromRef<S>,
        S: Send + Sync,
    {
        type Rejection = Rejection;

        async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
            extract(request, state, |client, headers, body| {
                client.notifications().verify_event(headers, body)
            })
            .await
            .map(Self)
        }
    }
}
