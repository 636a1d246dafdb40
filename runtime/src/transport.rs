//! HTTP/1.1 over hyper 1 and hyper-rustls: one pool of keep-alive connections per client,
//! timeouts, body limits.
//!
//! The pool is this crate's own, over hyper's connection API, so that a connection is back in
//! the pool the moment its answer has been read: the next request takes it (waiting the few
//! microseconds hyper needs to finish the exchange) instead of opening another. hyper-util's
//! pool returns a connection from a task of its own, and a caller that signed and sent its next
//! request before that task ran (RSA signing holds the thread for most of a millisecond) made it
//! open a new connection: up to 451 connections for 10 000 requests at 256 in flight, and new
//! connections for requests sent one at a time on a busy multi-thread runtime.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use rustls_pki_types::CertificateDer;
use tower_service::Service as _;

use crate::error::{Attempts, Error};

/// A raw answer: status, headers and the complete body, before verification.
#[derive(Debug)]
pub(crate) struct RawAnswer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// An answer body that could not be read to its end (the connection closed or failed mid-answer,
/// or the framing was broken). Its message carries hyper's whole chain of causes, since the
/// message of [`Error::Transport`] shows only its source's.
#[derive(Debug)]
struct BrokenBody(Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for BrokenBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer broke off before its end and the part that arrived was discarded")?;
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*self.0);
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl std::error::Error for BrokenBody {}

/// Opening a connection took longer than the connect timeout.
#[derive(Debug)]
struct ConnectTimeout(Duration);

impl std::fmt::Display for ConnectTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "opening a connection (DNS, TCP and TLS handshake) took longer than the connect timeout of {} ms; nothing was sent",
            millis(self.0)
        )
    }
}

impl std::error::Error for ConnectTimeout {}

/// A connection through a proxy failed.
#[derive(Debug)]
struct ThroughProxy {
    proxy: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for ThroughProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "through the proxy {}", self.proxy)
    }
}

impl std::error::Error for ThroughProxy {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// A proxy's address without its credentials, for messages.
fn redacted(uri: &Uri) -> String {
    let authority = uri.authority().map_or("", Authority::as_str);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{}://{host}", uri.scheme_str().unwrap_or("http"))
}

/// A URL as text, maybe not even a valid one, with its `user:password@` replaced by `***@`:
/// for messages. Everything before the last `@` after the scheme goes, so that a password
/// holding `/`, `?` or `#` does not leak either.
pub(crate) fn without_userinfo(text: &str) -> String {
    let start = text.find("://").map_or(0, |at| at + 3);
    match text[start..].rfind('@') {
        Some(at) => format!("{}***@{}", &text[..start], &text[start + at + 1..]),
        None => text.to_owned(),
    }
}

/// A request URL for messages and logs: its query (a bill download's `token=…`, which lets
/// anyone holding it fetch the bill) replaced by `…`, and no `user:password@`.
pub(crate) fn loggable_url(url: &str) -> String {
    let url = without_userinfo(url);
    match url.split_once('?') {
        Some((before, _)) => format!("{before}?…"),
        None => url,
    }
}

/// The matcher for an explicit proxy URL: `http://[user:password@]host:port`.
fn explicit_proxy(url: &str) -> Result<Matcher, Error> {
    let uri: Uri = url.parse().map_err(|e| {
        Error::Config(format!(
            "the proxy `{}` is not a URL: {e}",
            without_userinfo(url)
        ))
    })?;
    if uri.scheme() != Some(&Scheme::HTTP) || uri.host().is_none() {
        return Err(Error::Config(format!(
            "the proxy `{}` must be an http:// URL with a host, like http://proxy.example.com:3128 (HTTPS to WeChat Pay goes through it in a CONNECT tunnel)",
            redacted(&uri)
        )));
    }
    Ok(Matcher::builder().all(url.to_owned()).build())
}

/// The environment variables an HTTPS proxy is read from, in the order they are looked at (the
/// first that is set and not empty wins), as curl and hyper-util read them.
const PROXY_VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// The matcher for the proxy the environment names (`HTTPS_PROXY`, else `ALL_PROXY`, with
/// `NO_PROXY`), or none.
///
/// Only `http://` proxies are used, as with [`explicit_proxy`]: HTTPS goes through them in a
/// CONNECT tunnel. An `https://` proxy would get the CONNECT request, and its
/// `Proxy-Authorization` (the password), in clear text on its TLS port, and a SOCKS proxy would
/// get an HTTP request it does not speak: both are refused when the client is built, naming the
/// variable, instead of being used wrongly. A value without a scheme (`proxy:3128`) means
/// `http://`, as for curl.
///
/// In a CGI program (`REQUEST_METHOD` set), where a request's `Proxy:` header can arrive as
/// `HTTP_PROXY` ("httpoxy"), the environment is ignored, as hyper-util does.
fn env_proxy() -> Result<Option<Matcher>, Error> {
    if std::env::var_os("REQUEST_METHOD").is_some() {
        return Ok(None);
    }
    let found = PROXY_VARIABLES.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .map(|value| (*name, value))
    });
    let Some((name, value)) = found else {
        return Ok(None);
    };
    let value = value.trim();
    let shown = without_userinfo(value);
    let what_to_do = "set it to an http:// proxy (http://[user:password@]host:port; HTTPS to WeChat Pay stays encrypted end to end inside its CONNECT tunnel), unset it, or call ClientBuilder::proxy(…) or ClientBuilder::no_proxy() to ignore the environment";
    let uri: Uri = value.parse().map_err(|e| {
        Error::Config(format!(
            "the proxy in {name} (`{shown}`) is not a URL ({e}): {what_to_do}"
        ))
    })?;
    match uri.scheme() {
        None => {}
        Some(scheme) if *scheme == Scheme::HTTP => {}
        Some(scheme) => {
            return Err(Error::Config(format!(
                "the proxy in {name} (`{shown}`) is a {scheme}:// proxy, which this client does not support (only http:// proxies are): {what_to_do}"
            )));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::Config(format!(
            "the proxy in {name} (`{shown}`) has no host: {what_to_do}"
        )));
    }
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .unwrap_or_default();
    Ok(Some(
        Matcher::builder()
            .https(value.to_owned())
            .no(no_proxy)
            .build(),
    ))
}

/// A duration in whole milliseconds, as errors report it.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The Tokio runtime the call runs on, or a clear error for a call made outside one (hyper's
/// connections and the timers need it).
pub(crate) fn runtime() -> Result<tokio::runtime::Handle, Error> {
    tokio::runtime::Handle::try_current().map_err(|_| {
        Error::Config(
            "wechatpay calls need a Tokio runtime (with IO and time enabled): call them from #[tokio::main] or a task spawned on one".into(),
        )
    })
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_max_per_host: usize,
    /// The certificate presented when a server asks for one (mutual TLS, API v2).
    pub(crate) client_certificate: Option<crate::keys::ClientCertificate>,
    pub(crate) max_download_bytes: u64,
    pub(crate) download_deadline: Duration,
    pub(crate) proxy: ProxySetting,
    pub(crate) roots: TrustRoots,
}

/// Which HTTP proxy HTTPS connections go through.
#[derive(Clone, Default)]
pub(crate) enum ProxySetting {
    /// `HTTPS_PROXY` / `ALL_PROXY` (and `NO_PROXY`), read when the client is built.
    #[default]
    FromEnv,
    /// None, whatever the environment says.
    Direct,
    /// This proxy (`http://[user:password@]host:port`) for every HTTPS connection.
    Url(String),
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FromEnv => f.write_str("FromEnv"),
            Self::Direct => f.write_str("Direct"),
            Self::Url(url) => f.debug_tuple("Url").field(&without_userinfo(url)).finish(),
        }
    }
}

/// Which certificate authorities TLS trusts (besides the extra roots).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum TrustRoots {
    /// The web PKI roots built into the crate (webpki-roots).
    #[default]
    Bundled,
    /// The operating system's store (rustls-native-certs).
    #[cfg(feature = "native-roots")]
    System,
}

/// How long a keep-alive connection stays in the pool unused: below the 8 seconds after which
/// WeChat Pay's servers close an idle connection.
///
/// A connection the server is closing just as a request goes out on it loses the request in the
/// close: for a POST the outcome is then unknown (it may have been processed). WeChat Pay's
/// official Java SDK (wechatpay-java, `DefaultHttpClientBuilder`, pull request #187 of June
/// 2023) keeps idle connections 7 seconds "because WeChat Pay's servers keep alive 8 s"
/// (微信支付服务器目前是8秒). 5 seconds leaves room for the request's way to the server and
/// for clocks that start at different moments on both ends; past it the next call opens a new
/// connection (one TLS handshake), which costs far less than an unknown outcome.
pub(crate) const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long WeChat Pay's servers keep an idle keep-alive connection open, as WeChat Pay's Java
/// SDK states it.
#[cfg(test)]
const SERVER_KEEP_ALIVE: Duration = Duration::from_secs(8);

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 16 * 1024 * 1024,
            extra_roots: Vec::new(),
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            pool_max_idle_per_host: 64,
            pool_max_per_host: 64,
            client_certificate: None,
            max_download_bytes: 1024 * 1024 * 1024,
            download_deadline: Duration::from_secs(10 * 60),
            proxy: ProxySetting::default(),
            roots: TrustRoots::default(),
        }
    }
}

/// The pooled HTTP client of one [`crate::Client`].
#[derive(Clone)]
pub(crate) struct Transport {
    connector: HttpsConnector<HttpConnector>,
    /// For tunnels through a proxy: the TCP connector and TLS settings of `connector`.
    tcp: HttpConnector,
    tls: rustls::ClientConfig,
    proxy: Option<Arc<Matcher>>,
    pool: Arc<Pool>,
    config: TransportConfig,
}

/// One sending end of a keep-alive HTTP/1.1 connection (its connection runs in a task).
type Sender = http1::SendRequest<Full<Bytes>>;

/// Where a connection goes: scheme and authority.
type PoolKey = (Scheme, Authority);

/// A connection to one host: its sending end and its place among the host's connections, given
/// back (for another connection to open) when it is dropped.
struct Conn {
    sender: Sender,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

/// Keep-alive connections by destination, at most a configured number open per destination.
#[derive(Default)]
struct Pool {
    hosts: Mutex<HashMap<PoolKey, Arc<Host>>>,
    /// Whether the task that closes idle connections runs.
    reaper: AtomicBool,
}

/// The connections of one destination.
struct Host {
    /// Idle connections, the longest idle first.
    idle: Mutex<VecDeque<Idle>>,
    /// One permit per connection that may be open; a caller that finds none idle and no permit
    /// waits for either instead of opening yet another connection.
    slots: Arc<tokio::sync::Semaphore>,
    /// Woken when a connection comes back idle.
    returned: tokio::sync::Notify,
}

struct Idle {
    conn: Conn,
    since: Instant,
}

impl Host {
    fn idle(&self) -> std::sync::MutexGuard<'_, VecDeque<Idle>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used idle connection that is still open and not idle for longer than
    /// `idle_timeout`; the others on the way are dropped (which closes them).
    fn take(&self, idle_timeout: Duration) -> Option<Conn> {
        let mut idle = self.idle();
        while let Some(entry) = idle.pop_back() {
            if !entry.conn.sender.is_closed() && entry.since.elapsed() < idle_timeout {
                return Some(entry.conn);
            }
        }
        None
    }

    /// Puts a connection whose answer has been read in full back. When `max_idle` are already
    /// waiting, the one idle longest is closed to make room. Closed and expired ones are
    /// dropped on the way.
    fn put(&self, conn: Conn, max_idle: usize, idle_timeout: Duration) {
        if conn.sender.is_closed() {
            return;
        }
        {
            let mut idle = self.idle();
            Self::evict_expired(&mut idle, idle_timeout);
            while !idle.is_empty() && idle.len() >= max_idle {
                idle.pop_front();
            }
            if max_idle > 0 {
                idle.push_back(Idle {
                    conn,
                    since: Instant::now(),
                });
            }
        }
        self.returned.notify_one();
    }

    fn evict_expired(idle: &mut VecDeque<Idle>, idle_timeout: Duration) {
        idle.retain(|entry| !entry.conn.sender.is_closed() && entry.since.elapsed() < idle_timeout);
    }
}

impl Pool {
    /// The connections of `key`, created with room for `max_open` connections.
    fn host(&self, key: &PoolKey, max_open: usize) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(hosts.entry(key.clone()).or_insert_with(|| {
            Arc::new(Host {
                idle: Mutex::default(),
                slots: Arc::new(tokio::sync::Semaphore::new(max_open.max(1))),
                returned: tokio::sync::Notify::new(),
            })
        }))
    }

    /// Closes the connections idle for longer than `idle_timeout`, of every destination.
    fn evict_expired(&self, idle_timeout: Duration) {
        let hosts: Vec<Arc<Host>> = self
            .hosts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for host in hosts {
            Host::evict_expired(&mut host.idle(), idle_timeout);
        }
    }

    /// Starts, once, the task that closes idle connections in the background: an idle
    /// connection is closed within half the idle timeout of expiring, also when no request
    /// comes. The task ends once the pool is gone.
    fn start_reaper(self: &Arc<Self>, runtime: &tokio::runtime::Handle, idle_timeout: Duration) {
        if self.reaper.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool: Weak<Self> = Arc::downgrade(self);
        let period = (idle_timeout / 2).max(Duration::from_millis(50));
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(pool) = pool.upgrade() else {
                    return;
                };
                pool.evict_expired(idle_timeout);
            }
        });
    }
}

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        match config.roots {
            TrustRoots::Bundled => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            #[cfg(feature = "native-roots")]
            TrustRoots::System => {
                let found = rustls_native_certs::load_native_certs();
                if found.certs.is_empty() {
                    return Err(Error::Config(format!(
                        "no usable certificate in the system's trust store{}",
                        found
                            .errors
                            .first()
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default()
                    )));
                }
                let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
            }
        }
        for root in &config.extra_roots {
            roots.add(root.clone()).map_err(|e| {
                Error::Config(format!("an extra TLS root certificate is not usable: {e}"))
            })?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS set-up failed: {e}")))?
            .with_root_certificates(roots);
        // A client certificate is sent only to a server that asks for one (the v2 mutual-TLS
        // operations); the others never see it.
        let tls = match &config.client_certificate {
            Some(certificate) => tls.with_client_cert_resolver(certificate.resolver()),
            None => tls.with_no_client_auth(),
        };
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(config.connect_timeout));
        tcp.set_keepalive(Some(Duration::from_secs(60)));
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp.clone());
        let proxy = match &config.proxy {
            ProxySetting::FromEnv => env_proxy()?,
            ProxySetting::Direct => None,
            ProxySetting::Url(url) => Some(explicit_proxy(url)?),
        }
        .map(Arc::new);
        Ok(Self {
            connector,
            tcp,
            tls,
            proxy,
            pool: Arc::default(),
            config,
        })
    }

    /// The destination of a request URI, and the URI in origin form (`/path?query`) as an
    /// HTTP/1.1 request line carries it.
    fn destination(uri: &Uri) -> Result<(PoolKey, Uri), Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(Error::Config(format!(
                "`{uri}` is not an absolute URL (it needs a scheme and a host)"
            )));
        };
        let origin = uri
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        Ok(((scheme.clone(), authority.clone()), Uri::from(origin)))
    }

    /// An open connection to `key`: an idle one from the pool when there is one (once hyper has
    /// finished its previous exchange), otherwise a new one while fewer than the cap are open,
    /// otherwise the first to come back or close. The second value says whether it was reused.
    async fn connection(&self, key: &PoolKey, url: &Uri) -> Result<(Conn, bool), Error> {
        let host = self.pool.host(key, self.config.pool_max_per_host);
        loop {
            while let Some(mut conn) = host.take(self.config.pool_idle_timeout) {
                // Ready at once, or as soon as the connection's task has seen the end of the
                // previous answer; an error means the server closed it meanwhile.
                if conn.sender.ready().await.is_ok() {
                    return Ok((conn, true));
                }
            }
            let returned = host.returned.notified();
            tokio::pin!(returned);
            returned.as_mut().enable();
            if let Ok(slot) = Arc::clone(&host.slots).try_acquire_owned() {
                return Ok((self.connect(key, url, slot).await?, false));
            }
            tokio::select! {
                slot = Arc::clone(&host.slots).acquire_owned() => {
                    let Ok(slot) = slot else { continue };
                    return Ok((self.connect(key, url, slot).await?, false));
                }
                () = &mut returned => {}
            }
        }
    }

    /// A new connection to `key`: DNS, TCP, TLS and the HTTP handshake, within the connect
    /// timeout. Nothing of a request has been sent when this fails.
    async fn connect(
        &self,
        key: &PoolKey,
        url: &Uri,
        slot: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<Conn, Error> {
        let transport_error = |source: Box<dyn std::error::Error + Send + Sync>| Error::Transport {
            url: url.to_string(),
            source,
            attempts: Attempts::default(),
        };
        let target = Uri::builder()
            .scheme(key.0.clone())
            .authority(key.1.clone())
            .path_and_query("/")
            .build()
            .map_err(|e| transport_error(Box::new(e)))?;
        // Plain http:// goes only to loopback hosts (a local sandbox): never through a proxy.
        let intercept = self
            .proxy
            .as_ref()
            .filter(|_| key.0 == Scheme::HTTPS)
            .and_then(|proxy| proxy.intercept(&target));
        let mut connector = self.connector.clone();
        let opening = async {
            let io = match intercept {
                None => {
                    std::future::poll_fn(|cx| connector.poll_ready(cx))
                        .await
                        .map_err(transport_error)?;
                    connector.call(target).await.map_err(transport_error)?
                }
                Some(proxy) => {
                    // A CONNECT tunnel through the proxy, then TLS with WeChat Pay inside it.
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), self.tcp.clone());
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    let mut tunneled = HttpsConnectorBuilder::new()
                        .with_tls_config(self.tls.clone())
                        .https_only()
                        .enable_http1()
                        .wrap_connector(tunnel);
                    let through = |e| {
                        transport_error(Box::new(ThroughProxy {
                            proxy: redacted(proxy.uri()),
                            source: e,
                        }))
                    };
                    std::future::poll_fn(|cx| tunneled.poll_ready(cx))
                        .await
                        .map_err(through)?;
                    tunneled.call(target).await.map_err(through)?
                }
            };
            http1::Builder::new()
                .handshake(io)
                .await
                .map_err(|e| transport_error(Box::new(e)))
        };
        let (sender, connection) =
            match tokio::time::timeout(self.config.connect_timeout, opening).await {
                Ok(opened) => opened?,
                Err(_) => {
                    return Err(transport_error(Box::new(ConnectTimeout(
                        self.config.connect_timeout,
                    ))));
                }
            };
        let runtime = runtime()?;
        runtime.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed with an error");
            }
        });
        self.pool
            .start_reaper(&runtime, self.config.pool_idle_timeout);
        Ok(Conn {
            sender,
            _slot: slot,
        })
    }

    /// Sends `request` (absolute URI) on a pooled or new connection and returns the answer's
    /// head, with the connection it came on.
    ///
    /// A reused connection that the server closed just as the request went out (before any of
    /// it was written) is replaced by a new one, once: nothing was sent, so nothing can happen
    /// twice.
    ///
    /// `written` is set when the request may have reached the server (some of it may have been
    /// written), and stays unset while nothing was sent.
    async fn send(
        &self,
        mut request: Request<Full<Bytes>>,
        url: &Uri,
        written: &AtomicBool,
    ) -> Result<(http::Response<hyper::body::Incoming>, PoolKey, Conn), Error> {
        let (key, origin) = Self::destination(url)?;
        *request.uri_mut() = origin;
        if !request.headers().contains_key(http::header::HOST) {
            let host = key.1.as_str();
            let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
            let value = HeaderValue::from_str(host).map_err(|e| {
                Error::Config(format!("`{host}` cannot be sent as a Host header: {e}"))
            })?;
            request.headers_mut().insert(http::header::HOST, value);
        }
        let (mut conn, reused) = self.connection(&key, url).await?;
        let transport_error = |error: hyper::Error| Error::Transport {
            url: url.to_string(),
            source: Box::new(error),
            attempts: Attempts::default(),
        };
        written.store(true, Ordering::Release);
        match conn.sender.try_send_request(request).await {
            Ok(response) => Ok((response, key, conn)),
            Err(mut failed) => match failed.take_message() {
                // hyper handed the request back: none of it was written.
                Some(request) => {
                    written.store(false, Ordering::Release);
                    if !reused {
                        return Err(transport_error(failed.into_error()));
                    }
                    tracing::debug!(error = %failed.error(), "a pooled connection closed before the request went out: sending it on a new one");
                    // The closed connection's place goes to its replacement.
                    let Conn {
                        sender,
                        _slot: slot,
                    } = conn;
                    drop(sender);
                    let mut conn = self.connect(&key, url, slot).await?;
                    written.store(true, Ordering::Release);
                    match conn.sender.try_send_request(request).await {
                        Ok(response) => Ok((response, key, conn)),
                        Err(mut failed) => {
                            if failed.take_message().is_some() {
                                written.store(false, Ordering::Release);
                            }
                            Err(transport_error(failed.into_error()))
                        }
                    }
                }
                None => Err(transport_error(failed.into_error())),
            },
        }
    }

    /// Sends one request and returns the answer as soon as its head arrives (within the timeout),
    /// with the body still to be read: for downloads, which are read chunk by chunk.
    pub(crate) async fn call_streaming(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        runtime()?;
        let uri = request.uri().clone();
        // The connection is not put back: it closes once the download has been read.
        let written = AtomicBool::new(false);
        match tokio::time::timeout(self.config.timeout, self.send(request, &uri, &written)).await {
            Ok(result) => result.map(|(response, _, _)| response),
            Err(_) => Err(self.timeout_error(&uri)),
        }
    }

    /// The timeout that applies to each wait: for a head, and between two chunks of a download.
    pub(crate) fn timeout(&self) -> std::time::Duration {
        self.config.timeout
    }

    /// The most a bill download may bring, as received and as unpacked.
    pub(crate) fn max_download_bytes(&self) -> u64 {
        self.config.max_download_bytes
    }

    /// The most a whole bill download may take.
    pub(crate) fn download_deadline(&self) -> Duration {
        self.config.download_deadline
    }

    /// The largest error body read.
    pub(crate) fn max_body_bytes(&self) -> usize {
        self.config.max_body_bytes
    }

    pub(crate) fn timeout_error(&self, uri: &Uri) -> Error {
        Error::Timeout {
            url: uri.to_string(),
            timeout_ms: millis(self.config.timeout),
            attempts: Attempts::default(),
        }
    }

    /// Sends one request and reads the whole answer, within the timeout and the body limit.
    pub(crate) async fn call(&self, request: Request<Full<Bytes>>) -> Result<RawAnswer, Error> {
        self.call_tracked(request, &AtomicBool::new(false)).await
    }

    /// [`Transport::call`], where `written` tells, also when the call is abandoned half-way, whether the request may have
    /// reached the server.
    pub(crate) async fn call_tracked(
        &self,
        request: Request<Full<Bytes>>,
        written: &AtomicBool,
    ) -> Result<RawAnswer, Error> {
        runtime()?;
        let uri: Uri = request.uri().clone();
        let timeout = self.config.timeout;
        let limit = self.config.max_body_bytes;
        let exchange = async {
            let (response, key, conn) = self.send(request, &uri, written).await?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        Error::BodyTooLarge {
                            url: uri.to_string(),
                            limit,
                            attempts: Attempts::default(),
                        }
                    } else {
                        Error::Transport {
                            url: uri.to_string(),
                            source: Box::new(BrokenBody(e)),
                            attempts: Attempts::default(),
                        }
                    }
                })?
                .to_bytes();
            // Read in full: the connection can carry the next request (hyper closes it instead
            // when the answer said `Connection: close`, and the pool then skips it). A
            // connection whose answer was not read in full is dropped, which closes it.
            self.pool.host(&key, self.config.pool_max_per_host).put(
                conn,
                self.config.pool_max_idle_per_host,
                self.config.pool_idle_timeout,
            );
            Ok(RawAnswer {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(self.timeout_error(&uri)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_connections_leave_the_pool_before_wechat_pay_closes_them() {
        let idle = TransportConfig::default().pool_idle_timeout;
        assert!(
            idle < SERVER_KEEP_ALIVE,
            "{idle:?} is not below the servers' {SERVER_KEEP_ALIVE:?}"
        );
    }

    #[test]
    fn urls_in_messages_carry_no_password_and_no_query() {
        for (url, shown) in [
            ("http://user:secret@proxy:3128", "http://***@proxy:3128"),
            ("http://user:se/cr@et@proxy:3128", "http://***@proxy:3128"),
            ("user:secret@proxy:3128", "***@proxy:3128"),
            ("http://proxy:3128", "http://proxy:3128"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(without_userinfo(url), shown);
        }
        assert_eq!(
            loggable_url("https://u:secret@api.mch.weixin.qq.com/v3/billdownload/file?token=abc"),
            "https://***@api.mch.weixin.qq.com/v3/billdownload/file?…"
        );
        let debug = format!(
            "{:?}",
            ProxySetting::Url("http://user:secret@proxy:3128".into())
        );
        assert!(!debug.contains("secret"), "{debug}");
        let Err(Error::Config(message)) = explicit_proxy("http://user:secret@[bad") else {
            panic!("an unparsable proxy URL must be refused");
        };
        assert!(!message.contains("secret"), "{message}");
    }
}
