//! Callbacks from the sandbox: envelopes encrypted with the APIv3 key and signed with the platform
//! key as WeChat Pay's are, POSTed to a notify URL and retried on WeChat Pay's schedule until the
//! receiver answers `2xx`.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use serde_json::json;

use super::server::{self, Reply};
use super::{Fault, Sandbox, SandboxBuilder, Shared, SigningKey};
use crate::wire::security::SecurityEcho;
use wechatpay::ApiV3Key;
use wechatpay::auth::header;
use wechatpay::error::Error;
use wechatpay::notify::ALGORITHM;

/// The delays between attempts WeChat Pay documents: after the first attempt, 15 retries over
/// 24 h 4 min (15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min ×3, 60 min, 3 h ×3, 6 h ×2).
pub const RETRY_SCHEDULE: [Duration; 15] = [
    Duration::from_secs(15),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(3 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(20 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(3 * 3600),
    Duration::from_secs(6 * 3600),
    Duration::from_secs(6 * 3600),
];

/// How long the sandbox waits for the receiver to answer one attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// One callback for [`Sandbox::deliver`]: the event, and the resource to encrypt.
#[derive(Debug, Clone)]
#[must_use]
pub struct Callback {
    event_type: String,
    summary: String,
    original_type: String,
    resource: serde_json::Value,
    fault: Option<Fault>,
    key: Option<SigningKey>,
}

impl Callback {
    /// A callback of `event_type` (`ENTRUST.SIGN`, `TRANSACTION.SUCCESS` …) whose decrypted
    /// resource is `resource`; `original_type` is also used as the `associated_data` (left out
    /// when empty).
    pub fn new(
        event_type: impl Into<String>,
        summary: impl Into<String>,
        original_type: impl Into<String>,
        resource: serde_json::Value,
    ) -> Self {
        Self {
            event_type: event_type.into(),
            summary: summary.into(),
            original_type: original_type.into(),
            resource,
            fault: None,
            key: None,
        }
    }

    /// Makes every attempt misbehave as `fault` says (a tampered body, a probe signature …), to
    /// prove the receiver rejects it.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Signs every attempt with `key`: in migration mode
    /// ([`SandboxBuilder::migrating`](crate::SandboxBuilder::migrating)) the platform certificate
    /// (the default) or the WeChat Pay public key, as WeChat Pay moves callbacks over during a
    /// migration. Outside migration mode the sandbox's one key signs either way.
    pub fn signed_with(mut self, key: SigningKey) -> Self {
        self.key = Some(key);
        self
    }
}

/// What happened to one callback: every attempt, in order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The notify URL.
    pub url: String,
    /// The envelope `id`, the same on every attempt.
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// The envelope exactly as sent (every attempt sends the same body, freshly signed).
    pub body: Bytes,
    /// The attempts so far, oldest first.
    pub attempts: Vec<Attempt>,
    /// Whether the receiver answered `2xx`.
    pub delivered: bool,
    /// Whether the sandbox stopped trying: delivered, or the schedule ran out.
    pub finished: bool,
}

impl DeliveryRecord {
    /// The status of the last attempt, when it got an answer.
    pub fn last_status(&self) -> Option<StatusCode> {
        self.attempts.last().and_then(|attempt| attempt.status)
    }
}

/// One attempt to deliver a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: usize,
    /// When it was sent, counted from the first attempt.
    pub sent_after: Duration,
    /// The receiver's status, when it answered.
    pub status: Option<StatusCode>,
    /// Why there was no answer (refused, timed out …).
    pub error: Option<String>,
}

/// A callback on its way; from [`Sandbox::deliver`] or [`Sandbox::send_callback`].
#[derive(Debug)]
pub struct CallbackDelivery {
    record: Arc<Mutex<DeliveryRecord>>,
    task: tokio::task::JoinHandle<()>,
}

impl CallbackDelivery {
    /// What happened so far.
    pub fn record(&self) -> DeliveryRecord {
        lock(&self.record).clone()
    }

    /// Waits until the receiver answered `2xx` or the retry schedule ran out.
    pub async fn finished(self) -> DeliveryRecord {
        let _ = self.task.await;
        lock(&self.record).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The sandbox's callback sender: the retry schedule, the HTTP client, and every delivery made.
pub(crate) struct Deliveries {
    /// The sandbox state, for signing each attempt; weak so that deliveries stop with the sandbox.
    owner: Weak<Shared>,
    delays: Arc<[Duration]>,
    transport: Sender,
    records: Mutex<Vec<Arc<Mutex<DeliveryRecord>>>>,
}

impl Deliveries {
    /// Deliveries retried after `delays` (WeChat Pay's [`RETRY_SCHEDULE`] when `None`).
    pub(crate) fn new(delays: Option<Vec<Duration>>) -> Result<Self, Error> {
        Ok(Self {
            owner: Weak::new(),
            delays: delays.unwrap_or_else(|| RETRY_SCHEDULE.to_vec()).into(),
            transport: sender(),
            records: Mutex::new(Vec::new()),
        })
    }

    /// The sandbox state, for work that outlives a request (and stops with the sandbox).
    pub(super) fn owner(&self) -> Weak<Shared> {
        self.owner.clone()
    }

    /// The same, signing with the sandbox state `owner` (from `Arc::new_cyclic`).
    pub(crate) fn owned_by(self, owner: Weak<Shared>) -> Self {
        Self { owner, ..self }
    }

    /// Encrypts and envelopes `callback`, then delivers it in the background.
    pub(super) fn deliver(
        &self,
        shared: &Shared,
        url: &str,
        callback: Callback,
    ) -> Result<CallbackDelivery, Error> {
        let uri = notify_uri(url)?;
        let id = format!("EV-{}", wechatpay::__support::nonce());
        let body = Bytes::from(envelope(shared, &id, &callback)?);
        Ok(self.spawn(
            uri,
            url,
            id,
            callback.event_type,
            body,
            Signing::V3(callback.fault, callback.key),
        ))
    }

    /// Records a delivery and runs its attempts in the background.
    fn spawn(
        &self,
        uri: Uri,
        url: &str,
        id: String,
        event_type: String,
        body: Bytes,
        signing: Signing,
    ) -> CallbackDelivery {
        let record = Arc::new(Mutex::new(DeliveryRecord {
            url: url.to_owned(),
            id,
            event_type,
            body: body.clone(),
            attempts: Vec::new(),
            delivered: false,
            finished: false,
        }));
        lock(&self.records).push(Arc::clone(&record));
        let task = tokio::spawn(attempts(
            self.owner.clone(),
            self.transport.clone(),
            Arc::clone(&self.delays),
            uri,
            body,
            signing,
            Arc::clone(&record),
        ));
        CallbackDelivery { record, task }
    }
}

impl Deliveries {
    /// Delivers a v2 callback: the signed XML `body` as it is, `text/xml`, no signature headers.
    pub(super) fn deliver_xml(
        &self,
        url: &str,
        event_type: &str,
        body: Bytes,
    ) -> Result<CallbackDelivery, Error> {
        let uri = notify_uri(url)?;
        let id = format!("V2-{}", wechatpay::__support::nonce());
        Ok(self.spawn(uri, url, id, event_type.to_owned(), body, Signing::V2))
    }
}

/// How each attempt of a callback is signed.
enum Signing {
    /// API v3: headers signed afresh per attempt with the key given (the platform's by
    /// default), misbehaving as the fault says.
    V3(Option<Fault>, Option<SigningKey>),
    /// API v2: the body carries its `sign`; sent as it is.
    V2,
}

/// One attempt of a v2 callback: the signed XML as it is.
fn xml_request(uri: &Uri, body: &Bytes) -> Request<Full<Bytes>> {
    let mut request = Request::new(Full::new(body.clone()));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri.clone();
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    headers.insert(USER_AGENT, HeaderValue::from_static("Mozilla/4.0"));
    request
}

/// Sends one callback until a `2xx`, waiting `delays` between attempts.
async fn attempts(
    owner: Weak<Shared>,
    transport: Sender,
    delays: Arc<[Duration]>,
    uri: Uri,
    body: Bytes,
    signing: Signing,
    record: Arc<Mutex<DeliveryRecord>>,
) {
    let start = Instant::now();
    let waits = std::iter::once(Duration::ZERO).chain(delays.iter().copied());
    for (index, wait) in waits.enumerate() {
        tokio::time::sleep(wait).await;
        let Some(shared) = owner.upgrade() else {
            break; // the sandbox stopped
        };
        let request = match &signing {
            Signing::V3(fault, key) => signed_request(&shared, &uri, &body, fault.as_ref(), *key),
            Signing::V2 => xml_request(&uri, &body),
        };
        drop(shared);
        let sent_after = start.elapsed();
        let (status, error) = match send(&transport, request).await {
            Ok(status) => (Some(status), None),
            Err(error) => (None, Some(error)),
        };
        let delivered = status.is_some_and(|s| s.is_success());
        let mut record = lock(&record);
        record.attempts.push(Attempt {
            number: index + 1,
            sent_after,
            status,
            error,
        });
        if delivered {
            record.delivered = true;
            break;
        }
    }
    lock(&record).finished = true;
}

/// The HTTP client callbacks go out with: plain `http://` or `https://` (webpki roots), HTTP/1.1.
type Sender = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

fn sender() -> Sender {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(connector)
}

/// The most of a receiver's answer body read: WeChat Pay looks at the status (and a v2
/// receiver's few bytes of XML); a receiver that sends more is not read further.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Posts one attempt and reads the answer, up to [`MAX_ANSWER_BYTES`], within
/// [`ATTEMPT_TIMEOUT`]: the status, or why there was none (the error with its causes). An answer
/// longer than that keeps its status; the rest is not read (the connection is closed).
async fn send(sender: &Sender, request: Request<Full<Bytes>>) -> Result<StatusCode, String> {
    let exchange = async {
        let answer = sender
            .request(request)
            .await
            .map_err(|e| wechatpay::__support::error_chain(&e))?;
        let status = answer.status();
        match http_body_util::Limited::new(answer.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
        {
            Ok(_) => {}
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                tracing::debug!(
                    %status,
                    "the callback receiver's answer passes {MAX_ANSWER_BYTES} bytes: the rest was not read"
                );
            }
            Err(e) => return Err(wechatpay::__support::error_chain(&*e)),
        }
        Ok(status)
    };
    tokio::time::timeout(ATTEMPT_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {ATTEMPT_TIMEOUT:?}")))
}

/// One attempt: the envelope signed now (a fresh timestamp and nonce), as WeChat Pay re-signs
/// every retry.
fn signed_request(
    shared: &Shared,
    uri: &Uri,
    body: &Bytes,
    fault: Option<&Fault>,
    key: Option<SigningKey>,
) -> Request<Full<Bytes>> {
    let mut bytes = body.to_vec();
    let mut headers = http::HeaderMap::new();
    let named = key.map(|key| shared.signer_of(key).serial.clone());
    server::sign_into(shared, fault, named.as_deref(), &mut bytes, &mut headers);
    if let Ok(id) = HeaderValue::from_str(&server::request_id()) {
        headers.insert(header::REQUEST_ID, id);
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static("Mozilla/4.0"));
    let mut request = Request::new(Full::new(Bytes::from(bytes)));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri.clone();
    *request.headers_mut() = headers;
    request
}

/// A notify URL the sandbox can POST to: `http://` or `https://` with a host.
pub(super) fn notify_uri(url: &str) -> Result<Uri, Error> {
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::Config(format!("the notify URL `{url}` is not a URL: {e}")))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(uri),
        _ => Err(Error::Config(format!(
            "the notify URL `{url}` must be an http:// or https:// URL with a host"
        ))),
    }
}

/// The envelope in WeChat Pay's field order, the resource encrypted with the APIv3 key.
fn envelope(shared: &Shared, id: &str, callback: &Callback) -> Result<Vec<u8>, Error> {
    #[derive(Serialize)]
    struct Envelope<'a> {
        id: &'a str,
        create_time: String,
        resource_type: &'static str,
        event_type: &'a str,
        summary: &'a str,
        resource: Resource<'a>,
    }
    #[derive(Serialize)]
    struct Resource<'a> {
        original_type: &'a str,
        algorithm: &'static str,
        ciphertext: String,
        #[serde(skip_serializing_if = "str::is_empty")]
        associated_data: &'a str,
        nonce: String,
    }
    let nonce: String = wechatpay::__support::nonce().chars().take(12).collect();
    let plaintext = serde_json::to_vec(&callback.resource).unwrap_or_default();
    let ciphertext = ApiV3Key::new(&shared.keys.apiv3_key)?.encrypt(
        &nonce,
        &callback.original_type,
        &plaintext,
    )?;
    let envelope = Envelope {
        id,
        create_time: super::rfc3339_beijing(std::time::SystemTime::now()),
        resource_type: "encrypt-resource",
        event_type: &callback.event_type,
        summary: &callback.summary,
        resource: Resource {
            original_type: &callback.original_type,
            algorithm: ALGORITHM,
            ciphertext,
            associated_data: &callback.original_type,
            nonce,
        },
    };
    Ok(serde_json::to_vec(&envelope).unwrap_or_default())
}

/// The callback kinds `wechatpay-codegen emit` writes from `codegen/notices.yaml`: the same facts
/// `wechatpay::notify::Event` is generated from.
const NOTICES: &str = include_str!("../facts/notices.json");

/// One kind of callback WeChat Pay sends, as the facts describe it: its `Event` variant, the
/// event types that carry it and its resource's shape. Build a resource of it and send it with
/// [`CallbackKind::callback`] and [`Sandbox::deliver`].
#[derive(Debug, Clone, serde::Deserialize)]
#[non_exhaustive]
pub struct CallbackKind {
    /// The `wechatpay::notify::Event` variant (`Refund`, `PartnerTransaction` …).
    pub variant: String,
    /// The official (Chinese) name of the callback.
    pub name: String,
    /// The `event_type` values that carry it.
    pub events: Vec<String>,
    /// The field whose presence tells it apart from the other kinds of the same event
    /// (`sp_mchid`: a service provider's).
    #[serde(default)]
    pub when: Option<String>,
    /// The payload type (`wechatpay::v3::refund::RefundNotice`); `None` for a resource that stays
    /// JSON.
    #[serde(default, rename = "type")]
    pub type_path: Option<String>,
    /// The crate features the typed variant needs.
    #[serde(default)]
    pub features: Vec<String>,
    /// The resource's shape (the facts' field format); `None` for JSON.
    #[serde(default)]
    schema: Option<serde_json::Value>,
}

/// Every callback kind the facts list, in their order (the kinds told apart by a field first).
///
/// # Panics
/// Never with the committed facts: they are checked by the sandbox's own tests.
pub fn callback_kinds() -> Vec<CallbackKind> {
    serde_json::from_str(NOTICES).expect("sandbox/facts/notices.json is what emit writes")
}

impl CallbackKind {
    /// A resource with every field the facts give, each its example value; for a JSON kind, a
    /// small object naming the kind.
    pub fn example_resource(&self) -> serde_json::Value {
        match &self.schema {
            Some(schema) => wechatpay::__catalog::example(schema),
            None => json!({"kind": self.variant, "example": true}),
        }
    }

    /// The smallest resource WeChat Pay may send: only the required fields (at every depth),
    /// plus the field that tells this kind apart ([`CallbackKind::when`]).
    pub fn minimal_resource(&self) -> serde_json::Value {
        let Some(schema) = &self.schema else {
            return json!({});
        };
        let mut value = wechatpay::__catalog::minimal(schema);
        if let (Some(field), Some(object)) = (&self.when, value.as_object_mut()) {
            let example = wechatpay::__catalog::example(schema);
            object.insert(field.clone(), example[field.as_str()].clone());
        }
        value
    }

    /// A callback of this kind with `event_type` (one of [`CallbackKind::events`]) carrying
    /// `resource`, summarized by the kind's name.
    pub fn callback(&self, event_type: &str, resource: serde_json::Value) -> Callback {
        let original_type = event_type
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Callback::new(event_type, self.name.clone(), original_type, resource)
    }
}

impl Shared {
    /// Delivers a callback from inside the sandbox (a route answering a request).
    fn send_callback(&self, url: &str, callback: Callback) -> Result<CallbackDelivery, Error> {
        self.callbacks.deliver(self, url, callback)
    }
}

impl Sandbox {
    /// Sends a callback to `url` as WeChat Pay would: `plaintext` encrypted with the sandbox's
    /// APIv3 key into the envelope, signed with its platform key, POSTed and retried on the
    /// sandbox's schedule ([`RETRY_SCHEDULE`] unless [`SandboxBuilder::callback_time_scale`] or
    /// [`SandboxBuilder::callback_retry_delays`] changed it) until the receiver answers `2xx`.
    ///
    /// Must be called inside a Tokio runtime; the delivery runs in the background.
    ///
    /// # Errors
    /// [`Error::Config`] when `url` is not an `http://` or `https://` URL.
    pub fn send_callback(
        &self,
        url: &str,
        event_type: &str,
        summary: &str,
        original_type: &str,
        plaintext: &serde_json::Value,
    ) -> Result<CallbackDelivery, Error> {
        self.deliver(
            url,
            Callback::new(event_type, summary, original_type, plaintext.clone()),
        )
    }

    /// Sends a [`Callback`], which may carry a [`Fault`]; otherwise as [`Sandbox::send_callback`].
    ///
    /// # Errors
    /// As [`Sandbox::send_callback`].
    pub fn deliver(&self, url: &str, callback: Callback) -> Result<CallbackDelivery, Error> {
        self.shared.send_callback(url, callback)
    }

    /// Every callback the sandbox has sent (by [`Sandbox::send_callback`] or on its own, such as
    /// the `SECURITY_ECHO.SUCCESS` after `v3/security/echo`), oldest first.
    pub fn callbacks(&self) -> Vec<DeliveryRecord> {
        lock(&self.shared.callbacks.records)
            .iter()
            .map(|record| lock(record).clone())
            .collect()
    }
}

impl SandboxBuilder {
    /// Runs WeChat Pay's callback [`RETRY_SCHEDULE`] `factor` times as fast or slow: `0.001`
    /// turns 15 s into 15 ms, so tests see retries in milliseconds. A negative or non-finite
    /// factor counts as `0` (retry at once).
    pub fn callback_time_scale(self, factor: f64) -> Self {
        let delays = RETRY_SCHEDULE
            .iter()
            .map(|delay| {
                Duration::try_from_secs_f64(delay.as_secs_f64() * factor).unwrap_or_default()
            })
            .collect();
        self.callback_retry_delays(delays)
    }

    /// The waits between callback attempts: one retry per entry (empty: a single attempt).
    pub fn callback_retry_delays(mut self, delays: Vec<Duration>) -> Self {
        self.callback_retry_delays = Some(delays);
        self
    }
}

/// `POST v3/security/echo`: echoes the message, then sends `SECURITY_ECHO.SUCCESS` to the
/// `notify_url` when there is one. The callback's resource (`mchid`, `echo_message`) is the
/// sandbox's own: WeChat Pay does not publish it.
pub(super) fn security_echo(
    shared: &Shared,
    _params: &std::collections::HashMap<&'static str, String>,
    request: SecurityEcho,
) -> Reply {
    if let Some(url) = &request.notify_url {
        let callback = Callback::new(
            "SECURITY_ECHO.SUCCESS",
            "回调测试",
            "security_echo",
            json!({ "mchid": shared.keys.mchid, "echo_message": request.echo_message }),
        );
        if let Err(error) = shared.send_callback(url, callback) {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                &format!("输入源“/body/notify_url”映射到字段“商户回调地址”失败：{error}"),
                Some(json!({ "field": "/notify_url", "location": "body", "value": url })),
            );
        }
    }
    Reply::ok(json!({ "echo_message": request.echo_message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_schedule_spans_24_hours_4_minutes() {
        let total: Duration = RETRY_SCHEDULE.iter().sum();
        assert_eq!(total, Duration::from_secs(24 * 3600 + 4 * 60));
    }

    #[test]
    fn notify_urls_must_be_http_with_a_host() {
        assert!(notify_uri("https://example.com/notify").is_ok());
        assert!(notify_uri("http://127.0.0.1:8080/notify").is_ok());
        assert!(notify_uri("/notify").is_err());
        assert!(notify_uri("ftp://example.com/").is_err());
        assert!(notify_uri("not a url").is_err());
    }

    #[test]
    fn the_callback_kinds_are_read_and_their_resources_tell_them_apart() {
        let kinds = callback_kinds();
        assert!(kinds.len() > 30, "{} kinds", kinds.len());
        let partner = kinds
            .iter()
            .find(|kind| kind.variant == "PartnerTransaction")
            .expect("the partner payment kind");
        assert_eq!(partner.when.as_deref(), Some("sp_mchid"));
        assert!(partner.example_resource()["sp_mchid"].is_string());
        assert!(partner.minimal_resource()["sp_mchid"].is_string());
        let refund = kinds.iter().find(|kind| kind.variant == "Refund").unwrap();
        let minimal = refund.minimal_resource();
        assert!(minimal.get("out_refund_no").is_some());
        assert!(minimal.get("success_time").is_none(), "{minimal}");
        let json = kinds.iter().find(|kind| kind.type_path.is_none()).unwrap();
        assert_eq!(json.example_resource()["kind"], json.variant.as_str());
    }
}
