//! The client: configuration, `send` for declared endpoints, and `request` for the undeclared.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::uri::{Authority, Scheme};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::Full;
use rustls_pki_types::CertificateDer;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{self, KeyStore, Signer};
use crate::crypto::{self, Backend};
use crate::endpoint::{Endpoint, Protocol, RenderedRequest};
use crate::error::{Attempts, Error};
use crate::key_mode::{KeyKind, SerialChoice, WechatpaySerial};
use crate::keys::{ApiV3Key, MerchantKey, PlatformCertificate, PublicKey, WechatpayPublicKey};
use crate::rotation::{DEFAULT_REFRESH_INTERVAL, Rotation, SharedKeys};
use crate::transport::{RawAnswer, Transport, TransportConfig};
use crate::v2::{self, ApiV2Key, ClientCertificate, SignType};

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com/";

/// The production API host under its second name; it fails over to [`BACKUP_BASE_URL`] too.
pub const ALTERNATE_BASE_URL: &str = "https://api.wechatpay.cn/";

/// The backup host WeChat Pay's own SDK (wechatpay-java, "双域名容灾") fails over to from either
/// name of the production host.
pub const BACKUP_BASE_URL: &str = "https://api2.wechatpay.cn/";

/// Settings for one call, overriding the client's: whether a written request may be sent
/// again, and a deadline for the whole call. They apply to API v3 and v2 calls alike.
///
/// ```no_run
/// # async fn run(client: wechatpay::Client, request: wechatpay::v3::papay::ApplyDeduction) -> Result<(), wechatpay::Error> {
/// use std::time::Duration;
/// use wechatpay::CallOptions;
/// let options = CallOptions::new().resend(false).deadline(Duration::from_secs(8));
/// let answer = client.send_with_options(&request, &options).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CallOptions {
    resend: Option<bool>,
    deadline: Option<Duration>,
}

impl CallOptions {
    /// The client's settings, unchanged.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a request that may have reached WeChat Pay is sent again, to the backup host
    /// after a broken connection or after a `5xx` answer. By default it is when the request is
    /// a `GET` or names the operation by the merchant's own id (an `out-…` path segment or a
    /// top-level `out_…` field: `out_trade_no`, `out_refund_no`, `out_contract_code` …), so
    /// that WeChat Pay cannot act on it twice. `false` sends it once; `true` declares that your
    /// endpoint is safe to send again. A request that was not sent at all (the connection could
    /// not be opened) always fails over.
    pub fn resend(mut self, allowed: bool) -> Self {
        self.resend = Some(allowed);
        self
    }

    /// The most the whole call may take, every attempt, failover and retry delay included;
    /// overrides [`ClientBuilder::deadline`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
}

/// When and how `5xx` answers are retried.
#[derive(Debug, Clone, Copy)]
struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(200),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `n` (from 1): `base × 2^(n-1)`, at most 5 s, scaled by a random
    /// factor in [0.5, 1.5) so that many clients do not retry in step.
    fn delay(&self, n: u32) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(1 << n.saturating_sub(1).min(16))
            .min(Duration::from_secs(5));
        let mut random = [0u8; 2];
        let _ = crypto::fill_random(&mut random);
        let jitter = 0.5 + f64::from(u16::from_le_bytes(random)) / 65_536.0;
        exponential.mul_f64(jitter)
    }
}

/// A WeChat Pay API v3 client for one merchant: signs requests, verifies answers, decodes them.
///
/// `Client` is `Clone + Send + Sync` and cheap to clone (one `Arc`); clones share one pool of
/// connections. Several merchants in one process use one client each: keys never live in
/// global state.
///
/// ```no_run
/// # async fn run() -> Result<(), wechatpay::Error> {
/// use wechatpay::v3::papay::{PreEntrustSign, PreEntrustSignResponse};
/// let client = wechatpay::Client::from_env()?;
/// # let request: PreEntrustSign = todo!();
/// let answer: PreEntrustSignResponse = client.send(&request).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    signer: Signer,
    keys: SharedKeys,
    rotation: Option<Rotation>,
    backend: Backend,
    /// The primary host first, then the backups tried when it cannot be reached.
    bases: Vec<BaseUrl>,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    require_signed_errors: bool,
    transport: Transport,
    user_agent: HeaderValue,
    /// The id of the WeChat Pay public key requests name, when one is configured.
    public_key_id: Option<HeaderValue>,
    /// Which key each request names in `Wechatpay-Serial`.
    serial_choice: SerialChoice,
    apiv3_key: Option<ApiV3Key>,
    v2: V2Settings,
}

/// What API v2 requests need besides the merchant id.
#[derive(Debug, Clone, Default)]
struct V2Settings {
    key: Option<ApiV2Key>,
    appid: Option<String>,
    sign_type: SignType,
    client_certificate: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("mchid", &self.inner.signer.mchid())
            .field(
                "base_url",
                &crate::transport::without_userinfo(&self.inner.bases[0].to_string()),
            )
            .field("keys", &self.keys())
            .finish_non_exhaustive()
    }
}

/// Where requests go: scheme, host and an optional path prefix (no trailing `/`).
#[derive(Debug, Clone)]
struct BaseUrl {
    scheme: Scheme,
    authority: Authority,
    prefix: String,
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}/", self.scheme, self.authority, self.prefix)
    }
}

impl BaseUrl {
    fn parse(url: &str) -> Result<Self, Error> {
        // No message shows a `user:password@` (and none is accepted: see below).
        let shown = crate::transport::without_userinfo(url);
        let uri: http::Uri = url
            .parse()
            .map_err(|e| Error::Config(format!("the base URL `{shown}` is not a URL: {e}")))?;
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(Error::Config(format!(
                "the base URL `{shown}` carries a user and password, which the client never sends (WeChat Pay authenticates requests by their signature): remove them"
            )));
        }
        let (Some(scheme), Some(authority)) = (uri.scheme().cloned(), uri.authority().cloned())
        else {
            return Err(Error::Config(format!(
                "the base URL `{shown}` needs a scheme and a host, like https://api.mch.weixin.qq.com/"
            )));
        };
        if uri.query().is_some() {
            return Err(Error::Config(format!(
                "the base URL `{shown}` must not carry a query"
            )));
        }
        if scheme == Scheme::HTTP {
            if !is_loopback(authority.host()) {
                return Err(Error::Config(format!(
                    "the base URL `{shown}` uses plain http://, which is allowed only for loopback hosts (a local sandbox); use https://"
                )));
            }
        } else if scheme != Scheme::HTTPS {
            return Err(Error::Config(format!(
                "the base URL `{shown}` must use https://"
            )));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            scheme,
            authority,
            prefix,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn user_agent() -> HeaderValue {
    let text = format!(
        "wechatpay-rust/{} ({}/{}) rustc/{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        env!("BUILD_RUSTC_VERSION"),
    );
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("wechatpay-rust"))
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment:
    ///
    /// | variable | what |
    /// |---|---|
    /// | `WECHATPAY_MCHID` | the merchant id (required) |
    /// | `WECHATPAY_MERCHANT_SERIAL` | the serial of the merchant API certificate (required) |
    /// | `WECHATPAY_MERCHANT_PRIVATE_KEY` | path of the merchant private key PEM (required) |
    /// | `WECHATPAY_PUBLIC_KEY`, `WECHATPAY_PUBLIC_KEY_ID` | path of the WeChat Pay public key PEM and its `PUB_KEY_ID_…` |
    /// | `WECHATPAY_PLATFORM_CERTIFICATE` | path of a platform certificate PEM |
    /// | `WECHATPAY_BASE_URL` | defaults to `https://api.mch.weixin.qq.com/` |
    /// | `WECHATPAY_APIV3_KEY` | the 32-byte APIv3 key (decrypts callbacks and certificate downloads) |
    /// | `WECHATPAY_APIV2_KEY` | the 32-byte APIv2 key (signs API v2 requests, verifies their answers) |
    /// | `WECHATPAY_APPID` | the `appid` of API v2 requests |
    /// | `WECHATPAY_MERCHANT_CERTIFICATE` | path of `apiclient_cert.pem`, for the v2 operations that need mutual TLS |
    /// | `WECHATPAY_PUBLIC_KEY_SHARE` | during a migration, the percentage (0–100) of requests that name the public key rather than the platform certificate ([`ClientBuilder::wechatpay_serial`]) |
    ///
    /// At least one of the public key and the platform certificate is required. A required
    /// variable that is set but empty is reported as empty; an empty optional one counts as unset.
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing, empty or malformed variable; [`Error::Key`] naming
    /// the file and the variable that gave its path.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The merchant id.
    pub fn mchid(&self) -> &str {
        self.inner.signer.mchid()
    }

    /// The keys answers are verified with, as they are now (certificate rotation installs new
    /// ones; this is a snapshot).
    pub fn keys(&self) -> Arc<KeyStore> {
        Arc::clone(
            &self
                .inner
                .keys
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Replaces the key store (certificate rotation).
    pub(crate) fn install_keys(&self, keys: KeyStore) {
        *self
            .inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
    }

    pub(crate) fn rotation(&self) -> Option<&Rotation> {
        self.inner.rotation.as_ref()
    }

    pub(crate) fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Verifies a signed answer or callback with the keys held; on an unknown serial, when the
    /// client manages platform certificates, downloads them once and tries again.
    pub(crate) async fn verify_signed(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Error> {
        match self.keys().verify(headers, body, auth::unix_now()) {
            Err(Error::UnknownSerial { serial, .. })
                if self.refresh_for_unknown_serial(&serial).await? =>
            {
                self.keys().verify(headers, body, auth::unix_now())
            }
            other => other,
        }
    }

    /// Decrypts a sensitive field of an answer, which WeChat Pay encrypted to the merchant key
    /// (RSA-OAEP, Base64). The plaintext is wiped on drop.
    ///
    /// # Errors
    /// [`Error::Decrypt`] when the value is not Base64, was encrypted for another key, or was altered.
    pub fn decrypt_sensitive(&self, ciphertext: &str) -> Result<zeroize::Zeroizing<String>, Error> {
        self.inner.signer.decrypt(ciphertext)
    }

    /// Base64 of the merchant key's RSA-SHA256 signature of `message` (front-end pay-sign).
    pub(crate) fn sign_base64(&self, message: &[u8]) -> String {
        self.inner.signer.sign_base64(message)
    }

    /// The APIv3 key, when one was configured.
    pub(crate) fn apiv3_key(&self) -> Option<&ApiV3Key> {
        self.inner.apiv3_key.as_ref()
    }

    /// Which WeChat Pay key requests name in `Wechatpay-Serial` (see [`WechatpaySerial`]).
    pub fn wechatpay_serial(&self) -> WechatpaySerial {
        self.inner.serial_choice.mode()
    }

    /// The key the next request names: the public key id, or the serial of the newest platform
    /// certificate held (none while no certificate is held), as [`WechatpaySerial`] picks.
    fn next_serial(&self) -> Option<HeaderValue> {
        match self.inner.serial_choice.next() {
            KeyKind::PublicKey => self.inner.public_key_id.clone(),
            KeyKind::Certificate => self
                .keys()
                .newest_certificate()
                .and_then(|(serial, _)| HeaderValue::from_str(serial).ok()),
        }
    }

    /// The `Wechatpay-Serial` of one call: the key its sensitive fields were encrypted with,
    /// otherwise the key [`WechatpaySerial`] picks for it.
    fn request_serial(&self, rendered: &RenderedRequest) -> Result<Option<HeaderValue>, Error> {
        match rendered.wechatpay_serial() {
            Some(serial) => HeaderValue::from_str(serial).map(Some).map_err(|_| {
                Error::Config(format!("the WeChat Pay key serial `{serial}` is not ASCII"))
            }),
            None => Ok(self.next_serial()),
        }
    }

    /// Sends a declared endpoint and returns its verified, decoded answer.
    ///
    /// The request is rendered once; the signature covers exactly the target and body bytes sent.
    /// The answer is verified over its raw bytes before anything is decoded: a `2xx` without a
    /// valid WeChat Pay signature is an error and yields no data.
    ///
    /// # Errors
    /// [`Error::Api`] for WeChat Pay's error answers; a verification error ([`Error::Unsigned`],
    /// [`Error::BadSignature`], [`Error::SignatureProbe`], [`Error::StaleTimestamp`],
    /// [`Error::UnknownSerial`]); [`Error::Decode`], [`Error::Timeout`], [`Error::Transport`],
    /// [`Error::InvalidRequest`]; for an API v2 endpoint [`Error::V2`] (refused, a business
    /// failure with its `err_code`, or an answer that failed its `sign` check). Every error of a
    /// call that was sent says how many attempts it made and whether WeChat Pay may have acted
    /// on it ([`Error::outcome_unknown`]), whatever the protocol.
    pub async fn send<E: Endpoint>(&self, request: &E) -> Result<E::Response, Error> {
        self.send_with_options(request, &CallOptions::new()).await
    }

    /// [`Client::send`] with settings for this call: whether it may be sent again, a deadline.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn send_with_options<E: Endpoint>(
        &self,
        request: &E,
        options: &CallOptions,
    ) -> Result<E::Response, Error> {
        if E::PROTOCOL == Protocol::V2 {
            return Ok(self.send_v2(request, None, options).await?.into_inner());
        }
        self.send_answer(request, options).await?.json()
    }

    /// Sends a v2 endpoint for another `appid` than the client's (a merchant with several apps).
    ///
    /// # Errors
    /// As [`Client::send`]; [`Error::InvalidRequest`] for a v3 endpoint.
    pub async fn send_v2_for_appid<E: Endpoint>(
        &self,
        request: &E,
        appid: &str,
    ) -> Result<E::Response, Error> {
        if E::PROTOCOL != Protocol::V2 {
            return Err(Error::InvalidRequest {
                endpoint: E::PATH,
                problem: "an appid is given per request only to v2 endpoints".into(),
            });
        }
        Ok(self
            .send_v2(request, Some(appid), &CallOptions::new())
            .await?
            .into_inner())
    }

    /// Sends a v2 endpoint: the XML request with `appid`, `mch_id`, `nonce_str`, `sign_type` and
    /// `sign` filled in, POSTed to the v2 path through the call loop every protocol shares
    /// ([`Client::execute_call`]); the answer is checked with the APIv2 key (its `sign`, unless
    /// the operation is answered without one) before it is decoded.
    async fn send_v2<E: Endpoint>(
        &self,
        request: &E,
        appid: Option<&str>,
        options: &CallOptions,
    ) -> Result<crate::Response<E::Response>, Error> {
        let settings = &self.inner.v2;
        let key = settings.key.as_ref().ok_or_else(|| {
            Error::Config(format!(
                "v2 `{}` is signed with the APIv2 key: call .apiv2_key(…) or set WECHATPAY_APIV2_KEY",
                E::PATH
            ))
        })?;
        if E::CLIENT_CERTIFICATE && !settings.client_certificate {
            return Err(v2::V2Error::ClientCertificateRequired {
                endpoint: E::PATH.to_owned(),
            }
            .into());
        }
        let fields = v2::request_fields(request)?;
        let keyed = v2::is_keyed_by_merchant_id(E::PATH, &fields);
        let body = v2::seal_request(
            fields,
            appid.or(settings.appid.as_deref()),
            self.mchid(),
            key,
            settings.sign_type,
        );
        let wire = Wire::V2(V2Call {
            path: E::PATH,
            target: format!("/{}", E::PATH),
            body: Bytes::from(body),
            key,
            sign_type: settings.sign_type,
            signed: E::SIGNED_RESPONSE,
            keyed,
        });
        let answer = self.execute_call(&wire, options).await?;
        let value = answer.v2_decode::<E::Response>()?;
        Ok(crate::Response::new(value, answer))
    }

    /// Sends a declared endpoint like [`Client::send`] and returns its decoded answer with the
    /// answer's status, headers and `Request-ID` (which WeChat Pay support asks for).
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client, request: wechatpay::v3::papay::PreEntrustSign) -> Result<(), wechatpay::Error> {
    /// let answer = client.send_with_meta(&request).await?;
    /// tracing::info!(request_id = answer.request_id(), id = ?answer.pre_entrustweb_id, "pre-signed");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn send_with_meta<E: Endpoint>(
        &self,
        request: &E,
    ) -> Result<crate::Response<E::Response>, Error> {
        if E::PROTOCOL == Protocol::V2 {
            return self.send_v2(request, None, &CallOptions::new()).await;
        }
        crate::Response::decode(self.send_answer(request, &CallOptions::new()).await?)
    }

    /// The sign type of this client's v2 requests (and of the callbacks it expects).
    pub(crate) fn v2_sign_type(&self) -> SignType {
        self.inner.v2.sign_type
    }

    /// The APIv2 key, when one was configured.
    pub(crate) fn apiv2_key(&self) -> Option<&ApiV2Key> {
        self.inner.v2.key.as_ref()
    }

    /// The primary base URL, ending in `/`.
    pub(crate) fn base_url(&self) -> String {
        self.inner.bases[0].to_string()
    }

    /// The `appid` of v2 requests, when one was configured.
    pub fn appid(&self) -> Option<&str> {
        self.inner.v2.appid.as_deref()
    }

    /// Renders, signs, sends and verifies a declared endpoint; the answer is not decoded yet.
    async fn send_answer<E: Endpoint>(
        &self,
        request: &E,
        options: &CallOptions,
    ) -> Result<Answer, Error> {
        // Sensitive values declared on the endpoint are known before rendering; those inside
        // nested `#[wechatpay::model]` types are met while rendering, which then stops: the
        // request is rendered again, whole, with the key.
        let rendered = if E::ENCRYPTS {
            self.render_encrypted(request).await?
        } else {
            match RenderedRequest::without_sensitive_values(request)? {
                Some(rendered) => rendered,
                None => self.render_encrypted(request).await?,
            }
        };
        self.execute(&rendered, E::SIGNED_RESPONSE, options).await
    }

    /// Renders a request with its sensitive values encrypted under the WeChat Pay key the client
    /// holds (downloading the platform certificates first when it starts from the APIv3 key
    /// alone); every value of one request under the same key, named in `Wechatpay-Serial`.
    async fn render_encrypted<E: Endpoint>(&self, request: &E) -> Result<RenderedRequest, Error> {
        self.ensure_encryption_key().await?;
        let keys = self.keys();
        // The key the request names, as the setting picks it; the other kind when that one is
        // not held (a certificate not downloaded yet).
        let chosen: Option<(&str, &PublicKey)> = match self.inner.serial_choice.next() {
            KeyKind::PublicKey => self
                .inner
                .public_key_id
                .as_ref()
                .and_then(|id| id.to_str().ok())
                .and_then(|id| keys.entry(id)),
            KeyKind::Certificate => keys.newest_certificate(),
        };
        let (serial, key) = chosen.or_else(|| keys.encryption_key()).ok_or_else(|| {
            Error::Config(
                "sensitive fields need a WeChat Pay key to encrypt with: add a public key or a platform certificate".into(),
            )
        })?;
        RenderedRequest::with_encryption(request, serial, key)
    }

    /// Starts a request to an endpoint nobody declared yet; the answer is verified like any other.
    ///
    /// `path` is the path after the host, such as `v3/papay/sign/contracts/plan-id/1/out-contract-code/A`,
    /// already percent-encoded where needed.
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client) -> Result<(), wechatpay::Error> {
    /// let answer = client
    ///     .request(http::Method::GET, "v3/pay/transactions/out-trade-no/1217752501201407033233368018")
    ///     .query(&[("mchid", "1230000109")])
    ///     .send()
    ///     .await?;
    /// let value: serde_json::Value = answer.json()?;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            client: self,
            method,
            path: path.to_owned(),
            query: None,
            body: None,
            multipart: None,
            headers: Ok(HeaderMap::new()),
            options: CallOptions::new(),
        }
    }

    /// Signs, sends and verifies one rendered API v3 request, through the call loop
    /// ([`Client::execute_call`]).
    pub(crate) async fn execute(
        &self,
        rendered: &RenderedRequest,
        signed: bool,
        options: &CallOptions,
    ) -> Result<Answer, Error> {
        let serial = self.request_serial(rendered)?;
        self.execute_call(
            &Wire::V3 {
                rendered,
                signed,
                serial,
            },
            options,
        )
        .await
    }

    /// The call loop of every protocol: one tracing span and one event per call, with the
    /// attempts, status and `Request-ID`; hosts, failover, retries, the deadline and the
    /// outcome-unknown rule of [`Client::execute_with_retries`]. The protocol ([`Wire`]) builds
    /// each attempt's request and accepts the answer.
    async fn execute_call(&self, wire: &Wire<'_>, options: &CallOptions) -> Result<Answer, Error> {
        crate::transport::runtime()?;
        if matches!(wire, Wire::V3 { .. }) {
            self.refresh_in_background_if_due();
        }
        let started = std::time::Instant::now();
        let span = tracing::debug_span!(
            "wechatpay",
            method = %wire.method(),
            path = wire.path_template(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let (result, answered) = self.execute_with_retries(wire, options, &span).await;
        let attempts = match &result {
            Ok(answer) => answer.attempts(),
            Err(error) => error.attempts(),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("attempts", attempts);
        // One event per call, with everything a support ticket or a reconciliation needs, so that
        // a plain `tracing_subscriber::fmt()` prints one line per call. No body, no signature.
        match &result {
            Ok(answer) => {
                let request_id = answer.request_id.as_deref().unwrap_or("");
                span.record("status", answer.status.as_u16());
                span.record("request_id", request_id);
                tracing::info!(
                    parent: &span,
                    method = %wire.method(),
                    path = wire.path_template(),
                    status = answer.status.as_u16(),
                    request_id,
                    attempts,
                    elapsed_ms,
                    "wechatpay call"
                );
            }
            Err(error) => {
                let request_id = error.request_id().unwrap_or("");
                // The status of the answer the call ended with, when one came.
                let status = answered.map(|status| status.as_u16());
                if let Some(status) = status {
                    span.record("status", status);
                }
                span.record("request_id", request_id);
                tracing::warn!(
                    parent: &span,
                    method = %wire.method(),
                    path = wire.path_template(),
                    status,
                    request_id,
                    attempts,
                    elapsed_ms,
                    outcome_unknown = error.outcome_unknown(),
                    %error,
                    "wechatpay call failed"
                );
            }
        }
        result
    }

    /// Sends a request with the client's retry rules; every v3 attempt is signed afresh, a v2
    /// request is sent as sealed.
    ///
    /// - A host that cannot be reached (refused, DNS or TLS failure, no connection within the
    ///   connect timeout) is replaced by the next backup host: nothing was sent.
    /// - A connection that broke after the request may have been written, and a `5xx` answer,
    ///   are sent again (to the next backup host; up to [`ClientBuilder::retries`] times with
    ///   jittered exponential backoff) only when sending again cannot act twice
    ///   ([`CallOptions::resend`]).
    /// - `429` is never retried: [`Error::RateLimited`].
    /// - A timeout is never retried: the request may have been processed.
    ///
    /// Every error carries the attempts made and whether WeChat Pay may have acted: once a
    /// request was written, a lost, cut-off or timed-out answer, a `5xx`, an answer that failed
    /// verification, and an answer that says so ([`Error::answer_leaves_outcome_unknown`]) leave
    /// the outcome unknown.
    async fn execute_with_retries(
        &self,
        wire: &Wire<'_>,
        options: &CallOptions,
        span: &tracing::Span,
    ) -> (Result<Answer, Error>, Option<StatusCode>) {
        let inner = &*self.inner;
        let resend = options.resend.unwrap_or_else(|| wire.resend_by_default());
        let mut call = Attempts::default();
        let mut host = 0;
        // The status of the answer the call ends with.
        let mut answered = None;
        // Whether the attempt in flight may have reached the server, also when the deadline
        // abandons it half-way.
        let written = AtomicBool::new(false);
        let attempts = async {
            let mut retries = 0u32;
            loop {
                let request = wire.request_to(self, &inner.bases[host])?;
                // Kept for the diagnosis of a `401 SIGN_ERROR` (the header, not the key).
                let authorization = request.headers().get(AUTHORIZATION).cloned();
                written.store(false, Ordering::Release);
                call.count += 1;
                let outcome = inner.transport.call_tracked(request, &written).await;
                let sent = written.load(Ordering::Acquire);
                call.outcome_unknown |=
                    sent && !matches!(&outcome, Ok(raw) if !raw.status.is_server_error());
                match outcome {
                    Err(Error::Transport { url, source, .. })
                        if host + 1 < inner.bases.len() && (!sent || resend) =>
                    {
                        host += 1;
                        tracing::warn!(parent: span, %url, error = %source, backup = %inner.bases[host], sent, "host unreachable: failing over to the backup host");
                    }
                    Ok(raw)
                        if raw.status.is_server_error()
                            && resend
                            && retries < inner.retry.max_retries =>
                    {
                        retries += 1;
                        let delay = inner.retry.delay(retries);
                        tracing::debug!(parent: span, status = %raw.status, retries, ?delay, "server error: retrying");
                        tokio::time::sleep(delay).await;
                    }
                    Ok(raw) => {
                        let status = raw.status;
                        answered = Some(status);
                        let server_time = crate::sign_diagnosis::answer_time(&raw.headers);
                        let checked = wire.accept(self, raw).await;
                        let checked = match wire {
                            Wire::V3 { rendered, .. } => crate::sign_diagnosis::keep_signed(
                                checked,
                                rendered,
                                authorization.as_ref(),
                                server_time,
                            ),
                            Wire::V2(_) => checked,
                        };
                        // An answer that did not verify (WeChat Pay's real one may have been
                        // lost), or that says the outcome is not known yet.
                        call.outcome_unknown |=
                            matches!(&checked, Err(e) if e.answer_leaves_outcome_unknown());
                        return match checked {
                            Err(Error::Api {
                                message,
                                request_id,
                                ..
                            }) if status == StatusCode::TOO_MANY_REQUESTS => {
                                Err(Error::RateLimited {
                                    message,
                                    request_id,
                                    attempts: Attempts::default(),
                                })
                            }
                            other => other,
                        };
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        let deadline = options.deadline.or(inner.deadline);
        let result = match deadline {
            None => attempts.await,
            Some(deadline) => match tokio::time::timeout(deadline, attempts).await {
                Ok(result) => result,
                Err(_) => {
                    call.outcome_unknown |= written.load(Ordering::Acquire);
                    answered = None;
                    Err(Error::Timeout {
                        url: format!(
                            "{}{}",
                            inner.bases[host],
                            wire.target().trim_start_matches('/')
                        ),
                        timeout_ms: crate::transport::millis(deadline),
                        attempts: Attempts::default(),
                    })
                }
            },
        };
        let result = result
            .map(|answer| answer.with_attempts(call))
            .map_err(|error| error.with_attempts(call));
        (result, answered)
    }

    /// Signs and sends one rendered request and reads the whole answer, unverified.
    pub(crate) async fn send_raw(&self, rendered: &RenderedRequest) -> Result<RawAnswer, Error> {
        let request = self.signed_request(rendered)?;
        self.inner.transport.call(request).await
    }

    /// The signed HTTP request for a rendered request: target, headers, `Authorization`.
    pub(crate) fn signed_request(
        &self,
        rendered: &RenderedRequest,
    ) -> Result<Request<Full<Bytes>>, Error> {
        let inner = &*self.inner;
        let serial = self.request_serial(rendered)?;
        self.signed_request_to(rendered, &inner.bases[0], serial.as_ref())
    }

    /// The signed HTTP request for a rendered request, to one of the client's hosts.
    fn signed_request_to(
        &self,
        rendered: &RenderedRequest,
        base: &BaseUrl,
        serial: Option<&HeaderValue>,
    ) -> Result<Request<Full<Bytes>>, Error> {
        let inner = &*self.inner;
        // A gateway that serves WeChat Pay under a path prefix forwards the path without it, and
        // WeChat Pay checks the signature over what it receives: sign the WeChat Pay path only.
        let signed_target = rendered.target();
        let target = format!("{}{}", base.prefix, signed_target);
        let body = rendered.body_bytes().unwrap_or_default();
        let timestamp = auth::unix_now();
        let nonce = crypto::try_nonce()?;
        // Media uploads sign their `meta` JSON, not the multipart body sent.
        let authorization = inner.signer.authorization(
            rendered.method().as_str(),
            signed_target,
            rendered.signed_body().unwrap_or_default(),
            timestamp,
            &nonce,
        );
        let uri = http::Uri::builder()
            .scheme(base.scheme.clone())
            .authority(base.authority.clone())
            .path_and_query(target.as_str())
            .build()
            .map_err(|e| Error::InvalidRequest {
                endpoint: "request",
                problem: format!("`{target}` is not a valid request target: {e}"),
            })?;
        let mut builder = Request::builder()
            .method(rendered.method().clone())
            .uri(uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, inner.user_agent.clone())
            .header(
                AUTHORIZATION,
                HeaderValue::from_str(&authorization).map_err(|e| {
                    Error::Config(format!(
                        "the Authorization header cannot be sent ({e}); check that the mchid and serial are plain ASCII"
                    ))
                })?,
            );
        if let Some(content_type) = rendered.content_type() {
            let value = HeaderValue::from_str(content_type).map_err(|_| Error::InvalidRequest {
                endpoint: "request",
                problem: format!("the Content-Type `{content_type}` cannot be sent"),
            })?;
            builder = builder.header(CONTENT_TYPE, value);
        }
        if let Some(serial) = serial {
            builder = builder.header(auth::header::SERIAL, serial.clone());
        }
        if let Some(headers) = builder.headers_mut() {
            for (name, value) in rendered.extra_headers() {
                headers.insert(name, value.clone());
            }
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|e| Error::InvalidRequest {
                endpoint: "request",
                problem: e.to_string(),
            })?;
        tracing::debug!(method = %rendered.method(), target = %crate::transport::loggable_url(&target), "sending");
        Ok(request)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Verifies an answer and turns error answers into [`Error::Api`].
    async fn check(
        &self,
        raw: RawAnswer,
        signed: bool,
        rendered: &RenderedRequest,
    ) -> Result<Answer, Error> {
        let RawAnswer {
            status,
            headers,
            body,
        } = raw;
        let request_id = auth::request_id(&headers);
        if status.is_success() {
            if signed {
                self.verify_signed(&headers, &body).await?;
            }
            let mut answer = Answer::new(status, headers, body, request_id, rendered.call());
            answer.signed = signed;
            return Ok(answer);
        }
        if status == StatusCode::NOT_FOUND
            && rendered.path_template() == crate::rotation::CERTIFICATES_PATH
        {
            return Err(self.certificates_error(status, &headers, &body));
        }
        // Error answers may come unsigned; when they carry a signature it must hold.
        let verified = headers.contains_key(auth::header::SIGNATURE);
        if verified {
            self.verify_signed(&headers, &body).await?;
        } else if self.inner.require_signed_errors {
            return Err(Error::Unsigned {
                subject: crate::error::Subject::Answer,
                missing: "Wechatpay-Signature",
                request_id,
                attempts: Attempts::default(),
            });
        }
        Err(api_error(status, &body, request_id, verified))
    }

    /// An error answer as [`Error::Api`], for the paths that download certificates and files:
    /// one that carries a signature must hold it with the keys held now (no certificate download
    /// here, as these paths are the downloads themselves).
    pub(crate) fn error_answer(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Error {
        let verified = headers.contains_key(auth::header::SIGNATURE);
        if verified && let Err(error) = self.keys().verify(headers, body, auth::unix_now()) {
            return error;
        }
        if !verified && self.inner.require_signed_errors {
            return Error::Unsigned {
                subject: crate::error::Subject::Answer,
                missing: "Wechatpay-Signature",
                request_id: auth::request_id(headers),
                attempts: Attempts::default(),
            };
        }
        api_error(status, body, auth::request_id(headers), verified)
    }
}

/// What one call speaks: the part of a call that depends on the protocol, which the call loop
/// ([`Client::execute_call`]) asks to build each attempt's request and to accept the answer.
/// Everything else (hosts, failover, retries, deadlines, attempts, the outcome-unknown rule, the
/// span and the `Request-ID`) is the loop's, the same for every protocol.
enum Wire<'a> {
    /// API v3: the rendered request, signed afresh for every attempt (`Authorization`); the
    /// answer verified by its `Wechatpay-*` headers (when `signed`).
    V3 {
        /// The request, rendered once.
        rendered: &'a RenderedRequest,
        /// Whether a `2xx` answer must carry a valid WeChat Pay signature.
        signed: bool,
        /// The `Wechatpay-Serial` every attempt names, picked once for the call.
        serial: Option<HeaderValue>,
    },
    /// API v2: the sealed XML body, sent unchanged by every attempt; the answer checked by its
    /// `sign` with the APIv2 key.
    V2(V2Call<'a>),
}

/// A v2 request, sealed: what [`Wire::V2`] sends and how it checks the answer.
struct V2Call<'a> {
    /// The operation's path (`pay/micropay`).
    path: &'static str,
    /// `/` + the path: the request target.
    target: String,
    /// The XML body with `sign`.
    body: Bytes,
    key: &'a ApiV2Key,
    sign_type: SignType,
    /// Whether WeChat Pay signs the operation's answers ([`Endpoint::SIGNED_RESPONSE`]).
    signed: bool,
    /// Whether sending it again cannot act twice (see [`v2::is_keyed_by_merchant_id`]).
    keyed: bool,
}

/// Every v2 request is a `POST`.
static POST: Method = Method::POST;

impl Wire<'_> {
    fn method(&self) -> &Method {
        match self {
            Wire::V3 { rendered, .. } => rendered.method(),
            Wire::V2(_) => &POST,
        }
    }

    /// What traces and errors name the call by: the path template.
    fn path_template(&self) -> &str {
        match self {
            Wire::V3 { rendered, .. } => rendered.path_template(),
            Wire::V2(call) => call.path,
        }
    }

    /// The request target, with its leading `/`.
    fn target(&self) -> &str {
        match self {
            Wire::V3 { rendered, .. } => rendered.target(),
            Wire::V2(call) => &call.target,
        }
    }

    /// Whether a request that may have reached WeChat Pay is sent again unless the call says
    /// otherwise ([`CallOptions::resend`]).
    fn resend_by_default(&self) -> bool {
        match self {
            Wire::V3 { rendered, .. } => rendered.is_keyed_by_merchant_id(),
            Wire::V2(call) => call.keyed,
        }
    }

    /// The HTTP request of one attempt, to one of the client's hosts.
    fn request_to(&self, client: &Client, base: &BaseUrl) -> Result<Request<Full<Bytes>>, Error> {
        match self {
            Wire::V3 {
                rendered, serial, ..
            } => client.signed_request_to(rendered, base, serial.as_ref()),
            Wire::V2(call) => {
                let target = format!("{}{}", base.prefix, call.target);
                let uri = http::Uri::builder()
                    .scheme(base.scheme.clone())
                    .authority(base.authority.clone())
                    .path_and_query(target.as_str())
                    .build()
                    .map_err(|e| Error::InvalidRequest {
                        endpoint: call.path,
                        problem: format!("`{target}` is not a valid request target: {e}"),
                    })?;
                Request::builder()
                    .method(Method::POST)
                    .uri(uri)
                    .header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("text/xml; charset=utf-8"),
                    )
                    .header(ACCEPT, HeaderValue::from_static("text/xml"))
                    .header(USER_AGENT, client.inner.user_agent.clone())
                    .body(Full::new(call.body.clone()))
                    .map_err(|e| Error::InvalidRequest {
                        endpoint: call.path,
                        problem: e.to_string(),
                    })
            }
        }
    }

    /// Checks an answer: verified and kept, or the error it is.
    async fn accept(&self, client: &Client, raw: RawAnswer) -> Result<Answer, Error> {
        match self {
            Wire::V3 {
                rendered, signed, ..
            } => client.check(raw, *signed, rendered).await,
            Wire::V2(call) => {
                let RawAnswer {
                    status,
                    headers,
                    body,
                } = raw;
                let request_id = auth::request_id(&headers);
                if !status.is_success() {
                    // Not WeChat Pay's v2 protocol (it answers `200` with XML): a gateway's or
                    // proxy's error page, kept in part as unverified.
                    return Err(api_error(status, &body, request_id, false));
                }
                let fields =
                    v2::check_answer(&body, call.key, call.sign_type, call.path, call.signed)
                        .map_err(|error| Error::V2(error.with_request_id(request_id.clone())))?;
                let signed = v2::field(&fields, "sign").is_some_and(|sign| !sign.is_empty());
                let mut answer = Answer::new(
                    status,
                    headers,
                    body,
                    request_id,
                    format!("POST {}", call.path),
                );
                answer.signed = signed;
                answer.v2_fields = Some(fields);
                Ok(answer)
            }
        }
    }
}

/// The most kept of an unsigned error answer: its code, its message (in characters), and its
/// `detail` (in bytes of JSON).
const UNSIGNED_CODE_CHARS: usize = 64;
const UNSIGNED_MESSAGE_CHARS: usize = 200;
const UNSIGNED_DETAIL_BYTES: usize = 1024;

/// Builds [`Error::Api`] from a `{code, message, detail}` body (or whatever came instead).
/// Of an unverified body only a bounded part is kept: it may come from anyone on the way.
pub(crate) fn api_error(
    status: StatusCode,
    body: &[u8],
    request_id: Option<String>,
    verified: bool,
) -> Error {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        code: String,
        #[serde(default)]
        message: String,
        #[serde(default)]
        detail: Option<serde_json::Value>,
    }
    let (code, message, detail) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => (e.code, e.message, e.detail),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let message: String = text.chars().take(UNSIGNED_MESSAGE_CHARS).collect();
            let message = if message.is_empty() {
                status.canonical_reason().unwrap_or("").to_owned()
            } else {
                message
            };
            (format!("HTTP_{}", status.as_u16()), message, None)
        }
    };
    let (code, message, detail) = if verified {
        (code, message, detail)
    } else {
        (
            code.chars().take(UNSIGNED_CODE_CHARS).collect(),
            message.chars().take(UNSIGNED_MESSAGE_CHARS).collect(),
            detail.filter(|d| d.to_string().len() <= UNSIGNED_DETAIL_BYTES),
        )
    };
    Error::Api {
        status,
        code,
        message,
        detail,
        request_id,
        verified,
        attempts: Attempts::default(),
    }
}

/// A verified answer: status, headers and the raw body bytes.
#[derive(Debug, Clone)]
pub struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    request_id: Option<String>,
    /// `METHOD path` of the call this answers, for [`Error::Decode`].
    call: String,
    attempts: Attempts,
    /// Whether the answer carried a WeChat Pay signature that verified (v3 headers, v2 `sign`).
    signed: bool,
    /// The fields of a v2 answer, checked.
    v2_fields: Option<v2::Fields>,
}

impl Answer {
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        request_id: Option<String>,
        call: String,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            request_id,
            call,
            attempts: Attempts::default(),
            signed: false,
            v2_fields: None,
        }
    }

    fn with_attempts(mut self, attempts: Attempts) -> Self {
        self.attempts = attempts;
        self
    }

    /// How many requests the call made to get this answer (failovers and `5xx` retries
    /// included).
    pub fn attempts(&self) -> u32 {
        self.attempts.count
    }

    /// The HTTP status (always `2xx`).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body bytes, exactly as verified.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `Request-ID` header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Whether the answer carried a WeChat Pay signature that verified.
    pub(crate) fn signed(&self) -> bool {
        self.signed
    }

    /// Status, headers and `Request-ID`, once the body is decoded.
    pub(crate) fn into_meta(self) -> (StatusCode, HeaderMap, Option<String>) {
        (self.status, self.headers, self.request_id)
    }

    /// Decodes the checked fields of a v2 answer into `T`.
    ///
    /// # Errors
    /// [`Error::Decode`] with the call, the `Request-ID` and the attempts when a field `T`
    /// requires is missing or does not parse.
    pub(crate) fn v2_decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let empty = v2::Fields::new();
        let fields = self.v2_fields.as_ref().unwrap_or(&empty);
        v2::decode_fields::<T>(fields, &self.call).map_err(|error| match error {
            Error::Decode {
                endpoint, source, ..
            } => Error::Decode {
                endpoint,
                source,
                request_id: self.request_id.clone(),
                attempts: self.attempts,
            },
            other => other,
        })
    }

    /// Decodes the body as JSON into `T`. An empty body (a `204`) decodes as JSON `null`, so `()`
    /// and `Option` work, or else as `{}`: an answer type whose fields are all optional reads it as
    /// an answer without fields (WeChat Pay answers some calls either way).
    ///
    /// # Errors
    /// [`Error::Decode`] with the call and the `Request-ID` when the body does not match `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let bytes: &[u8] = if self.body.is_empty() {
            match serde_json::from_slice(b"null") {
                Ok(value) => return Ok(value),
                Err(_) => b"{}",
            }
        } else {
            &self.body
        };
        serde_json::from_slice(bytes).map_err(|source| Error::Decode {
            endpoint: self.call.clone(),
            source,
            request_id: self.request_id.clone(),
            attempts: self.attempts,
        })
    }
}

/// A request to an undeclared endpoint, from [`Client::request`].
#[must_use = "a request does nothing until `.send().await`"]
pub struct RequestBuilder<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    query: Option<Result<String, Error>>,
    body: Option<Result<Bytes, Error>>,
    multipart: Option<crate::multipart::UploadForm>,
    headers: Result<HeaderMap, Error>,
    options: CallOptions,
}

impl fmt::Debug for RequestBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<'a> RequestBuilder<'a> {
    /// Sets the query string from any `Serialize` value of flat fields (`None` fields are left out).
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.query = Some(
            serde_urlencoded::to_string(query).map_err(|e| Error::InvalidRequest {
                endpoint: "request",
                problem: format!("the query string cannot be encoded: {e}"),
            }),
        );
        self
    }

    /// Adds a header to the request, such as the `Wechatpay-Serial` of the key sensitive fields
    /// were encrypted with, or one a new API asks for. It replaces a header of that name the client
    /// would send (`Accept`, `Wechatpay-Serial`); `Authorization` is the signature's and is refused,
    /// as are names and values that are not valid HTTP (reported by `send`).
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client) -> Result<(), wechatpay::Error> {
    /// let answer = client
    ///     .request(http::Method::POST, "v3/profitsharing/receivers/add")
    ///     .header("Wechatpay-Serial", "PUB_KEY_ID_0114232134912410000000000000")
    ///     .json(&serde_json::json!({ "name": "<encrypted>" }))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<http::HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        let invalid = |problem: String| Error::InvalidRequest {
            endpoint: "request",
            problem,
        };
        self.headers = self.headers.and_then(|mut headers| {
            let name = name
                .try_into()
                .map_err(|e| invalid(format!("a header name is not valid HTTP: {e}")))?;
            if name == AUTHORIZATION {
                return Err(invalid(
                    "the Authorization header is the request's signature, which the client computes; it cannot be set".into(),
                ));
            }
            let value = value
                .try_into()
                .map_err(|e| invalid(format!("the value of header `{name}` is not valid HTTP: {e}")))?;
            headers.insert(name, value);
            Ok(headers)
        });
        self
    }

    /// Sets the JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body =
            Some(
                serde_json::to_vec(body)
                    .map(Bytes::from)
                    .map_err(|e| Error::InvalidRequest {
                        endpoint: "request",
                        problem: format!("the JSON body cannot be encoded: {e}"),
                    }),
            );
        self
    }

    /// Sends a multipart upload instead of a JSON body: the signature covers the form's `meta`
    /// JSON, as WeChat Pay computes it for uploads.
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client) -> Result<(), wechatpay::Error> {
    /// use wechatpay::media::{UploadFile, UploadForm};
    /// let file = UploadFile::new("users.csv", std::fs::read("users.csv").unwrap_or_default());
    /// let meta = serde_json::json!({ "bank_type": "ICBC_DEBIT", "filename": file.filename(), "sha256": file.sha256() });
    /// let answer = client
    ///     .request(http::Method::POST, "v3/marketing/bank/packages/8473295/tasks")
    ///     .multipart(UploadForm::new(&meta, &[], "file", &file)?)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn multipart(mut self, form: crate::multipart::UploadForm) -> Self {
        self.multipart = Some(form);
        self
    }

    /// Settings for this call: whether it may be sent again, a deadline.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Signs and sends the request and verifies the answer.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn send(self) -> Result<Answer, Error> {
        let (client, rendered, options) = self.render()?;
        client.execute(&rendered, true, &options).await
    }

    /// The request, checked and rendered, the client to send it with, and the call's settings.
    pub(crate) fn render(self) -> Result<(&'a Client, RenderedRequest, CallOptions), Error> {
        let path = self.path.trim_start_matches('/');
        if !path.starts_with("v3/") {
            return Err(Error::InvalidRequest {
                endpoint: "request",
                problem: format!("the path `{path}` must start with `v3/`"),
            });
        }
        if let Some(bad) = path.chars().find(|c| {
            !c.is_ascii_graphic()
                || matches!(
                    c,
                    '#' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
                )
        }) {
            return Err(Error::InvalidRequest {
                endpoint: "request",
                problem: format!(
                    "the path `{path}` contains {bad:?}; percent-encode path parameters (or declare the endpoint with #[endpoint], which does it)"
                ),
            });
        }
        let mut target = format!("/{path}");
        if let Some(query) = self.query {
            let query = query?;
            if !query.is_empty() {
                target.push(if target.contains('?') { '&' } else { '?' });
                target.push_str(&query);
            }
        }
        let body = self.body.transpose()?;
        let headers = self.headers?;
        let rendered = match self.multipart {
            Some(form) => form.rendered(self.method, target),
            None => RenderedRequest::from_parts(self.method, target, body),
        }
        .with_headers(headers);
        Ok((self.client, rendered, self.options))
    }
}

/// Configures a [`Client`]; from [`Client::builder`].
///
/// ```no_run
/// use wechatpay::{Client, MerchantKey, WechatpayPublicKey};
/// let client = Client::builder()
///     .mchid("1900000001")
///     .merchant_key("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", MerchantKey::from_pem_file("apiclient_key.pem")?)
///     .wechatpay_public_key(WechatpayPublicKey::from_pem_file("PUB_KEY_ID_0114232134912410000000000000", "pub_key.pem")?)
///     .timeout(std::time::Duration::from_secs(10))
///     .build()?;
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    mchid: Option<String>,
    merchant: Option<(String, MerchantKey)>,
    keys: KeyStore,
    public_key_id: Option<String>,
    base_url: Option<String>,
    transport: TransportConfig,
    backend: Backend,
    apiv3_key: Option<ApiV3Key>,
    backup_base_urls: Vec<String>,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    require_signed_errors: bool,
    certificates_from_api: bool,
    certificate_refresh: Option<Duration>,
    wechatpay_serial: Option<WechatpaySerial>,
    v2: V2Settings,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("mchid", &self.mchid)
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(crate::transport::without_userinfo),
            )
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The merchant id (`mchid`).
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = Some(mchid.into());
        self
    }

    /// The merchant API private key and the serial of its certificate (商户API证书序列号).
    pub fn merchant_key(mut self, serial: impl Into<String>, key: MerchantKey) -> Self {
        self.merchant = Some((serial.into(), key));
        self
    }

    /// Verify answers with a WeChat Pay public key (`PUB_KEY_ID_…`). Requests then carry
    /// `Wechatpay-Serial` naming it. May be combined with platform certificates (a merchant
    /// moving from certificates to the public key): answers and callbacks signed by either
    /// verify, and [`ClientBuilder::wechatpay_serial`] chooses which one requests name.
    pub fn wechatpay_public_key(mut self, key: WechatpayPublicKey) -> Self {
        self.public_key_id
            .get_or_insert_with(|| key.id().to_owned());
        self.keys.add_public_key(key);
        self
    }

    /// Verify answers with a platform certificate. May be called for several certificates.
    pub fn platform_certificate(mut self, certificate: PlatformCertificate) -> Self {
        self.keys.add_certificate(certificate);
        self
    }

    /// The API base URL; defaults to `https://api.mch.weixin.qq.com/`. Plain `http://` is accepted
    /// only for loopback hosts (a local sandbox).
    ///
    /// A path prefix (`https://gateway.example.com/wechatpay/`) is for a gateway that forwards
    /// requests to WeChat Pay without it: requests go to the prefixed path, and the signature
    /// covers the WeChat Pay path only (`/v3/…`), which is what WeChat Pay receives and checks.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A host to fail over to when the base URL cannot be reached (no connection within the
    /// connect timeout, refused, DNS or TLS failure), or, for requests that cannot act twice
    /// ([`CallOptions::resend`]), when the connection breaks before the whole answer arrived.
    /// Each host is tried at most once per request. Without a base URL, or with either name of
    /// the production host, the client fails over to [`BACKUP_BASE_URL`] as WeChat Pay's own
    /// SDK does.
    pub fn backup_base_url(mut self, url: impl Into<String>) -> Self {
        self.backup_base_urls.push(url.into());
        self
    }

    /// How often a `5xx` answer is retried (default 2; 0 turns retries off). Each retry waits an
    /// exponentially growing, jittered delay starting at [`ClientBuilder::retry_backoff`].
    pub fn retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// The first retry's delay (default 200 ms); later ones double, up to 5 s, with jitter.
    pub fn retry_backoff(mut self, delay: Duration) -> Self {
        self.retry.base_delay = delay;
        self
    }

    /// The most one attempt may take, from opening or taking a connection to the end of its
    /// answer (default 30 s). Each attempt (failover, retry) gets its own: a call that retries
    /// may take several times this; bound the whole call with [`ClientBuilder::deadline`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.transport.timeout = timeout;
        self
    }

    /// The most opening a connection may take: DNS, TCP and the TLS handshake (default 5 s).
    /// A host that does not get this far was sent nothing, so the call fails over to the next
    /// backup host.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// The most one call may take, every attempt, failover and retry delay included (default:
    /// no deadline beyond the per-attempt [`ClientBuilder::timeout`]). A call that runs out of
    /// time is [`Error::Timeout`]; [`Error::outcome_unknown`] says whether the request may have
    /// been processed.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Refuses error answers (`4xx`/`5xx`) that carry no WeChat Pay signature with
    /// [`Error::Unsigned`], instead of reporting them as [`Error::Api`] with `verified: false`.
    /// WeChat Pay signs its error answers; an unsigned one may come from a proxy on the way.
    /// API v3 only: WeChat Pay answers v2 calls `200` with XML, and a v2 call's `4xx`/`5xx`
    /// (from a gateway on the way) is always [`Error::Api`] with `verified: false`.
    pub fn require_signed_errors(mut self, strict: bool) -> Self {
        self.require_signed_errors = strict;
        self
    }

    /// The largest answer body accepted (default 16 MiB); a larger one is discarded with
    /// [`Error::BodyTooLarge`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body_bytes = limit;
        self
    }

    /// The most connections open at once to one host (default 64). A call that finds none
    /// idle while this many are open waits for one to come back (within its timeout) instead of
    /// opening another: a burst of 1 000 calls makes at most this many TLS handshakes.
    pub fn pool_max_connections_per_host(mut self, connections: usize) -> Self {
        self.transport.pool_max_per_host = connections;
        self
    }

    /// How many idle keep-alive connections are kept per host (default 64); past it, the one
    /// idle longest is closed.
    pub fn pool_max_idle_per_host(mut self, connections: usize) -> Self {
        self.transport.pool_max_idle_per_host = connections;
        self
    }

    /// How long a keep-alive connection may stay idle (default 5 s); it is then closed in the
    /// background, also when no further call comes.
    ///
    /// Keep it below the 8 seconds after which WeChat Pay's servers close idle connections (the
    /// figure WeChat Pay's Java SDK gives; it keeps them 7 s): a request sent on a connection the
    /// server is closing is lost with it, and a POST lost that way has an unknown outcome. A
    /// longer value only suits a gateway of your own that keeps connections open longer.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.transport.pool_idle_timeout = timeout;
        self
    }

    /// The most one bill download may bring (default 1 GiB), counted as received and as unpacked
    /// text: a gzip file that unpacks past it is stopped with [`Error::BodyTooLarge`]. The same
    /// limit applies to the files WeChat Pay does not sign ([`Client::download`]).
    pub fn max_download_bytes(mut self, limit: u64) -> Self {
        self.transport.max_download_bytes = limit;
        self
    }

    /// The most one bill download may take from start to end (default 10 minutes), besides the
    /// per-chunk [`ClientBuilder::timeout`]: [`Error::Timeout`] past it. The same deadline
    /// applies to the files WeChat Pay does not sign ([`Client::download`]).
    pub fn download_deadline(mut self, deadline: Duration) -> Self {
        self.transport.download_deadline = deadline;
        self
    }

    /// Sends HTTPS through this HTTP proxy, in a CONNECT tunnel: `http://host:port`, or
    /// `http://user:password@host:port` for basic authentication. Without it the client uses
    /// `HTTPS_PROXY` (or `ALL_PROXY`) and `NO_PROXY` from the environment, read when the client
    /// is built. Plain `http://` base URLs (a local sandbox) never go through a proxy.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.transport.proxy = crate::transport::ProxySetting::Url(url.into());
        self
    }

    /// Connects directly, whatever `HTTPS_PROXY` and `ALL_PROXY` say.
    pub fn no_proxy(mut self) -> Self {
        self.transport.proxy = crate::transport::ProxySetting::Direct;
        self
    }

    /// Trusts the operating system's certificate store instead of the web PKI roots built into
    /// the crate: for networks whose proxy re-signs TLS with the company's own authority.
    /// [`Client::builder`]'s `build` fails when the store holds no usable certificate.
    #[cfg(feature = "native-roots")]
    pub fn system_roots(mut self) -> Self {
        self.transport.roots = crate::transport::TrustRoots::System;
        self
    }

    /// Trusts one more TLS root certificate (DER), besides the built-in web PKI roots: for a
    /// sandbox or a proxy with its own certificate authority.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.transport
            .extra_roots
            .push(CertificateDer::from(der.into()));
        self
    }

    /// The APIv3 key, which decrypts callbacks and downloaded platform certificates.
    pub fn apiv3_key(mut self, key: ApiV3Key) -> Self {
        self.apiv3_key = Some(key);
        self
    }

    /// The APIv2 key, which signs API v2 requests and verifies their answers and callbacks.
    pub fn apiv2_key(mut self, key: ApiV2Key) -> Self {
        self.v2.key = Some(key);
        self
    }

    /// The `appid` that API v2 requests carry (the app the merchant id is bound to).
    pub fn appid(mut self, appid: impl Into<String>) -> Self {
        self.v2.appid = Some(appid.into());
        self
    }

    /// How API v2 requests are signed (default [`SignType::Md5`], which every v2 operation
    /// accepts; with [`SignType::HmacSha256`] requests carry `sign_type=HMAC-SHA256`).
    pub fn apiv2_sign_type(mut self, sign_type: SignType) -> Self {
        self.v2.sign_type = sign_type;
        self
    }

    /// The merchant API certificate and key presented for mutual TLS to the v2 operations that
    /// require it (refunds, `secapi/…`, transfers); other servers never ask for it.
    pub fn client_certificate(mut self, certificate: ClientCertificate) -> Self {
        self.v2.client_certificate = true;
        self.transport.client_certificate = Some(certificate);
        self
    }

    /// Downloads the platform certificates from `v3/certificates` (with the APIv3 key) instead of,
    /// or besides, configuring them: the client then needs no certificate to start with. Clients
    /// configured with a platform certificate and the APIv3 key manage certificates anyway.
    pub fn platform_certificates_from_api(mut self) -> Self {
        self.certificates_from_api = true;
        self
    }

    /// How often managed platform certificates are downloaded again (default 12 hours). Answers
    /// signed with a certificate the client does not know trigger a download at once.
    pub fn certificate_refresh_interval(mut self, interval: Duration) -> Self {
        self.certificate_refresh = Some(interval);
        self
    }

    /// Which WeChat Pay key every request names in `Wechatpay-Serial`, and so which key WeChat
    /// Pay signs the answer with: during the move from platform certificates to the WeChat Pay
    /// public key, the platform certificate, the public key, or a share of requests moving from
    /// one to the other ([`WechatpaySerial`]). Default: the public key when one is configured,
    /// otherwise the platform certificate. `WECHATPAY_PUBLIC_KEY_SHARE` (a percentage) sets it
    /// for [`Client::from_env`].
    ///
    /// Whatever it names, answers and callbacks signed by any key the client holds verify.
    /// [`ClientBuilder::build`] refuses a setting that names a key the client cannot have: the
    /// public key (or a share of it) without [`ClientBuilder::wechatpay_public_key`], the
    /// platform certificate (or a share of it) without [`ClientBuilder::platform_certificate`]
    /// or [`ClientBuilder::platform_certificates_from_api`].
    pub fn wechatpay_serial(mut self, serial: WechatpaySerial) -> Self {
        self.wechatpay_serial = Some(serial);
        self
    }

    /// Which RSA implementation signs and verifies (default aws-lc-rs).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// The settings of [`Client::from_env`], to adjust before [`ClientBuilder::build`].
    ///
    /// # Errors
    /// As [`Client::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        let mut builder =
            ClientBuilder::default().mchid(required("WECHATPAY_MCHID", "the merchant id")?);
        let serial = required(
            "WECHATPAY_MERCHANT_SERIAL",
            "the serial of the merchant API certificate",
        )?;
        const KEY: &str = "WECHATPAY_MERCHANT_PRIVATE_KEY";
        let key_path = required(
            KEY,
            "the path of the merchant private key PEM (apiclient_key.pem)",
        )?;
        let key =
            MerchantKey::from_pem_file(PathBuf::from(&key_path)).map_err(|e| named(KEY, e))?;
        builder = builder.merchant_key(serial, key);
        const PUBLIC_KEY: &str = "WECHATPAY_PUBLIC_KEY";
        const PUBLIC_KEY_ID: &str = "WECHATPAY_PUBLIC_KEY_ID";
        match (optional(PUBLIC_KEY)?, optional(PUBLIC_KEY_ID)?) {
            (Some(path), Some(id)) => {
                let key = WechatpayPublicKey::from_pem_file(id, path)
                    .map_err(|e| named(PUBLIC_KEY, e))?;
                builder = builder.wechatpay_public_key(key);
            }
            (Some(_), None) => {
                return Err(Error::Config(format!(
                    "{PUBLIC_KEY} is set but {PUBLIC_KEY_ID} is empty or not set: set it to the key's PUB_KEY_ID_…"
                )));
            }
            (None, Some(_)) => {
                return Err(Error::Config(format!(
                    "{PUBLIC_KEY_ID} is set but {PUBLIC_KEY} is empty or not set: set it to the path of the public key PEM"
                )));
            }
            (None, None) => {}
        }
        const CERTIFICATE: &str = "WECHATPAY_PLATFORM_CERTIFICATE";
        if let Some(path) = optional(CERTIFICATE)? {
            let certificate =
                PlatformCertificate::from_pem_file(path).map_err(|e| named(CERTIFICATE, e))?;
            builder = builder.platform_certificate(certificate);
        }
        if let Some(url) = optional("WECHATPAY_BASE_URL")? {
            builder = builder.base_url(url);
        }
        if let Some(key) = optional("WECHATPAY_APIV2_KEY")? {
            let key = zeroize::Zeroizing::new(key);
            builder = builder.apiv2_key(
                ApiV2Key::new(&key)
                    .map_err(|e| Error::Config(format!("WECHATPAY_APIV2_KEY: {e}")))?,
            );
        }
        if let Some(appid) = optional("WECHATPAY_APPID")? {
            builder = builder.appid(appid);
        }
        const CLIENT_CERTIFICATE: &str = "WECHATPAY_MERCHANT_CERTIFICATE";
        if let Some(path) = optional(CLIENT_CERTIFICATE)? {
            let certificate = ClientCertificate::from_pem_files(path, PathBuf::from(&key_path))
                .map_err(|e| named(CLIENT_CERTIFICATE, e))?;
            builder = builder.client_certificate(certificate);
        }
        const SHARE: &str = "WECHATPAY_PUBLIC_KEY_SHARE";
        if let Some(share) = optional(SHARE)? {
            builder = builder.wechatpay_serial(WechatpaySerial::parse_share(SHARE, &share)?);
        }
        if let Some(key) = optional("WECHATPAY_APIV3_KEY")?.map(zeroize::Zeroizing::new) {
            builder = builder.apiv3_key(
                ApiV3Key::new(&key)
                    .map_err(|e| Error::Config(format!("WECHATPAY_APIV3_KEY: {e}")))?,
            );
        }
        Ok(builder)
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is missing or wrong.
    pub fn build(self) -> Result<Client, Error> {
        let mchid = self.mchid.filter(|m| !m.is_empty()).ok_or_else(|| {
            Error::Config(
                "the merchant id is missing: call .mchid(…) or set WECHATPAY_MCHID".into(),
            )
        })?;
        if !mchid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Config(format!(
                "the merchant id `{mchid}` must be digits only"
            )));
        }
        let (serial, key) = self.merchant.ok_or_else(|| {
            Error::Config(
                "the merchant private key is missing: call .merchant_key(serial, key) or set WECHATPAY_MERCHANT_SERIAL and WECHATPAY_MERCHANT_PRIVATE_KEY".into(),
            )
        })?;
        if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Config(format!(
                "the merchant certificate serial `{serial}` must be hexadecimal (as shown in the merchant portal)"
            )));
        }
        // Certificates are managed when the client can download them and either asked to or
        // verifies with certificates already: a public-key merchant never calls v3/certificates.
        let manage_certificates = self.certificates_from_api
            || (self.apiv3_key.is_some() && self.keys.has_certificates());
        if manage_certificates && self.apiv3_key.is_none() {
            return Err(Error::Config(
                "downloading platform certificates needs the APIv3 key: call .apiv3_key(…) or set WECHATPAY_APIV3_KEY".into(),
            ));
        }
        if self.keys.is_empty() && !manage_certificates {
            return Err(Error::Config(
                "no WeChat Pay key to verify answers with: add .wechatpay_public_key(…) (WECHATPAY_PUBLIC_KEY + WECHATPAY_PUBLIC_KEY_ID: the public key and its PUB_KEY_ID_… from the merchant portal, the only key of merchants onboarded since late 2024), or .platform_certificate(…) (WECHATPAY_PLATFORM_CERTIFICATE) or .platform_certificates_from_api() for a merchant that has platform certificates".into(),
            ));
        }
        let key = key.with_backend(self.backend)?;
        let keys = self.keys.with_backend(self.backend)?;
        // The production host has a documented backup; a configured host has the backups given.
        let primary = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let mut bases = vec![BaseUrl::parse(primary)?];
        if [DEFAULT_BASE_URL, ALTERNATE_BASE_URL]
            .iter()
            .any(|production| bases[0].to_string() == *production)
        {
            bases.push(BaseUrl::parse(BACKUP_BASE_URL)?);
        }
        for url in &self.backup_base_urls {
            bases.push(BaseUrl::parse(url)?);
        }
        let transport = Transport::new(self.transport)?;
        let public_key_id = self
            .public_key_id
            .map(|id| {
                HeaderValue::from_str(&id)
                    .map_err(|_| Error::Config(format!("the public key id `{id}` is not ASCII")))
            })
            .transpose()?;
        let has_certificates = manage_certificates || self.keys.has_certificates();
        let serial_mode = self.wechatpay_serial.unwrap_or(if public_key_id.is_some() {
            WechatpaySerial::PublicKey
        } else {
            WechatpaySerial::PlatformCertificate
        });
        let percent = serial_mode.public_key_percent();
        if percent > 0 && public_key_id.is_none() {
            return Err(Error::Config(format!(
                "requests are to name the WeChat Pay public key ({serial_mode}), but none is configured: add .wechatpay_public_key(…) (WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID), or name the platform certificate with .wechatpay_serial(WechatpaySerial::PlatformCertificate) (WECHATPAY_PUBLIC_KEY_SHARE=0)"
            )));
        }
        if percent < 100 && !has_certificates {
            return Err(Error::Config(format!(
                "requests are to name a platform certificate ({serial_mode}), but the client has none: add .platform_certificate(…) (WECHATPAY_PLATFORM_CERTIFICATE) or .platform_certificates_from_api() with the APIv3 key, or name the public key with .wechatpay_serial(WechatpaySerial::PublicKey) (WECHATPAY_PUBLIC_KEY_SHARE=100)"
            )));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                signer: Signer::new(mchid, serial.to_ascii_uppercase(), key),
                keys: SharedKeys::new(Arc::new(keys)),
                rotation: manage_certificates.then(|| {
                    Rotation::new(self.certificate_refresh.unwrap_or(DEFAULT_REFRESH_INTERVAL))
                }),
                backend: self.backend,
                bases,
                retry: self.retry,
                deadline: self.deadline,
                require_signed_errors: self.require_signed_errors,
                transport,
                user_agent: user_agent(),
                public_key_id,
                serial_choice: SerialChoice::new(serial_mode),
                apiv3_key: self.apiv3_key,
                v2: self.v2,
            }),
        })
    }
}

/// An optional variable: `None` when it is not set or empty (an empty `VAR=` in an env file
/// is the usual way to leave it out).
fn optional(name: &str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::Config(format!("{name} is not valid UTF-8")))
        }
    }
}

fn required(name: &str, what: &str) -> Result<String, Error> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Err(Error::Config(format!(
            "{name} is empty: it must hold {what}"
        ))),
        Ok(value) => Ok(value),
        Err(std::env::VarError::NotPresent) => Err(Error::Config(format!(
            "{name} is not set: it must hold {what}"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
            "{name} is not valid UTF-8: it must hold {what}"
        ))),
    }
}

/// A key file error, naming the variable that gave the path.
fn named(variable: &str, error: Error) -> Error {
    match error {
        Error::Key {
            source_name,
            problem,
        } => Error::Key {
            source_name,
            problem: format!("{problem} (the path is the value of {variable})"),
        },
        Error::Io { what, source } => Error::Io {
            what: format!("{what} (the path is the value of {variable})"),
            source,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_accepts_https_and_loopback_http_only() {
        assert!(BaseUrl::parse("https://api.mch.weixin.qq.com/").is_ok());
        assert!(BaseUrl::parse("http://127.0.0.1:8080/").is_ok());
        assert!(BaseUrl::parse("http://localhost:8080").is_ok());
        assert!(BaseUrl::parse("http://[::1]:8080/").is_ok());
        let plain = BaseUrl::parse("http://api.mch.weixin.qq.com/").unwrap_err();
        assert!(plain.to_string().contains("loopback"), "{plain}");
        assert!(BaseUrl::parse("ftp://127.0.0.1/").is_err());
        assert!(BaseUrl::parse("api.mch.weixin.qq.com").is_err());
    }

    #[test]
    fn base_url_keeps_a_path_prefix_without_trailing_slash() {
        let base = BaseUrl::parse("https://proxy.example.com/wechatpay/").unwrap();
        assert_eq!(base.prefix, "/wechatpay");
        assert_eq!(base.to_string(), "https://proxy.example.com/wechatpay/");
        assert_eq!(
            BaseUrl::parse("https://api.mch.weixin.qq.com/")
                .unwrap()
                .prefix,
            ""
        );
    }

    #[test]
    fn user_agent_names_crate_os_and_rustc() {
        let ua = user_agent();
        let ua = ua.to_str().unwrap();
        assert!(
            ua.starts_with(concat!("wechatpay-rust/", env!("CARGO_PKG_VERSION"), " (")),
            "{ua}"
        );
        assert!(ua.contains(" rustc/"), "{ua}");
    }
}
