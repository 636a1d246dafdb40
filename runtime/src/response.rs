//! A decoded answer together with what came with it: status, headers and `Request-ID`.

use std::ops::Deref;

use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::client::Answer;
use crate::error::Error;

/// A verified, decoded answer with its metadata, from [`Client::send_with_meta`].
///
/// WeChat Pay support asks for the `Request-ID` of a call, and merchants reconcile by it:
/// [`Response::request_id`] gives it for a call that succeeded (an error carries its own, see
/// [`Error::request_id`]). The answer itself is [`Response::get`] or [`Response::into_inner`], and
/// `Response` dereferences to it, so its fields read as they do on the bare answer.
///
/// ```no_run
/// # async fn run(client: wechatpay::Client, request: wechatpay::v3::papay::PreEntrustSign) -> Result<(), wechatpay::Error> {
/// let answer = client.send_with_meta(&request).await?;
/// println!("Request-ID {:?}, status {}", answer.request_id(), answer.status());
/// let pre_entrustweb_id = &answer.pre_entrustweb_id; // a field of the answer, through `Deref`
/// let answer = answer.into_inner(); // the bare `PreEntrustSignResponse`
/// # Ok(()) }
/// ```
///
/// [`Client::send_with_meta`]: crate::Client::send_with_meta
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
    request_id: Option<String>,
    signed: bool,
}

impl<T: DeserializeOwned> Response<T> {
    /// Decodes a verified answer, keeping its metadata.
    pub(crate) fn decode(answer: Answer) -> Result<Self, Error> {
        let value = answer.json()?;
        Ok(Self::new(value, answer))
    }
}

impl<T> Response<T> {
    /// An answer decoded elsewhere (API v2), with its metadata.
    pub(crate) fn new(value: T, answer: Answer) -> Self {
        let signed = answer.signed();
        let (status, headers, request_id) = answer.into_meta();
        Self {
            value,
            status,
            headers,
            request_id,
            signed,
        }
    }

    /// Whether the answer carried a WeChat Pay signature that verified: the `Wechatpay-*`
    /// headers of API v3, the `sign` of API v2. `false` for the v2 operations WeChat Pay answers
    /// without `sign` (企业付款 `mmpaymkttransfers/promotion/transfers`, its query, red packets …;
    /// their endpoints declare `unsigned_response`): such an answer is as authentic as the TLS
    /// connection to WeChat Pay's host it came over.
    pub fn signed(&self) -> bool {
        self.signed
    }

    /// The `Request-ID` header WeChat Pay gave the answer: quote it to WeChat Pay support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status (`200`, or `204` for an answer without a body).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer's headers, the `Wechatpay-*` signature headers included.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The decoded answer.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// The decoded answer, without its metadata.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> AsRef<T> for Response<T> {
    fn as_ref(&self) -> &T {
        &self.value
    }
}
