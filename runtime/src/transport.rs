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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
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
    /// The certificate presented when a server asks for one (mutual TLS, API v2).
    pub(crate) client_certificate: Option<crate::v2::ClientCertificate>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_body_bytes: 16 * 1024 * 1024,
            extra_roots: Vec::new(),
            pool_idle_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 256,
            client_certificate: None,
        }
    }
}

/// The pooled HTTP client of one [`crate::Client`].
#[derive(Clone)]
pub(crate) struct Transport {
    connector: HttpsConnector<HttpConnector>,
    pool: Arc<Pool>,
    config: TransportConfig,
}

/// One sending end of a keep-alive HTTP/1.1 connection (its connection runs in a task).
type Sender = http1::SendRequest<Full<Bytes>>;

/// Where a connection goes: scheme and authority.
type PoolKey = (Scheme, Authority);

/// Idle keep-alive connections by destination, most recently used last.
#[derive(Default)]
struct Pool {
    idle: Mutex<HashMap<PoolKey, Vec<Idle>>>,
}

struct Idle {
    sender: Sender,
    since: Instant,
}

impl Pool {
    /// The most recently used idle connection to `key` that is still open and not idle for
    /// longer than `idle_timeout`; the others on the way are dropped (which closes them).
    fn take(&self, key: &PoolKey, idle_timeout: Duration) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let list = idle.get_mut(key)?;
        while let Some(entry) = list.pop() {
            if !entry.sender.is_closed() && entry.since.elapsed() < idle_timeout {
                return Some(entry.sender);
            }
        }
        None
    }

    /// Puts a connection whose answer has been read in full back, unless `max_idle` are
    /// already waiting (then it is dropped, which closes it). Connections to the same place
    /// that closed, or stayed idle longer than `idle_timeout`, are dropped on the way.
    fn put(&self, key: PoolKey, sender: Sender, max_idle: usize, idle_timeout: Duration) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let list = idle.entry(key).or_default();
        list.retain(|entry| !entry.sender.is_closed() && entry.since.elapsed() < idle_timeout);
        if list.len() < max_idle {
            list.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }
}

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
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
            Some(certificate) => tls
                .with_client_auth_cert(certificate.chain(), certificate.key())
                .map_err(|e| {
                    Error::Config(format!(
                        "the client certificate and its key cannot be used for TLS: {e}; check that apiclient_cert.pem and apiclient_key.pem belong together"
                    ))
                })?,
            None => tls.with_no_client_auth(),
        };
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(config.connect_timeout));
        tcp.set_keepalive(Some(Duration::from_secs(60)));
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        Ok(Self {
            connector,
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
    /// finished its previous exchange), otherwise a new one. The second value says whether it
    /// was reused.
    async fn connection(&self, key: &PoolKey, url: &Uri) -> Result<(Sender, bool), Error> {
        while let Some(mut sender) = self.pool.take(key, self.config.pool_idle_timeout) {
            // Ready at once, or as soon as the connection's task has seen the end of the
            // previous answer; an error means the server closed it meanwhile.
            if sender.ready().await.is_ok() {
                return Ok((sender, true));
            }
        }
        Ok((self.connect(key, url).await?, false))
    }

    /// A new connection to `key`: DNS, TCP, TLS and the HTTP handshake, within the connect
    /// timeout. Nothing of a request has been sent when this fails.
    async fn connect(&self, key: &PoolKey, url: &Uri) -> Result<Sender, Error> {
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
        let mut connector = self.connector.clone();
        let opening = async {
            std::future::poll_fn(|cx| connector.poll_ready(cx))
                .await
                .map_err(transport_error)?;
            let io = connector.call(target).await.map_err(transport_error)?;
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
        runtime()?.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed with an error");
            }
        });
        Ok(sender)
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
    ) -> Result<(http::Response<hyper::body::Incoming>, PoolKey, Sender), Error> {
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
        let (mut sender, reused) = self.connection(&key, url).await?;
        let transport_error = |error: hyper::Error| Error::Transport {
            url: url.to_string(),
            source: Box::new(error),
            attempts: Attempts::default(),
        };
        written.store(true, Ordering::Release);
        match sender.try_send_request(request).await {
            Ok(response) => Ok((response, key, sender)),
            Err(mut failed) => match failed.take_message() {
                // hyper handed the request back: none of it was written.
                Some(request) => {
                    written.store(false, Ordering::Release);
                    if !reused {
                        return Err(transport_error(failed.into_error()));
                    }
                    tracing::debug!(error = %failed.error(), "a pooled connection closed before the request went out: sending it on a new one");
                    let mut sender = self.connect(&key, url).await?;
                    written.store(true, Ordering::Release);
                    match sender.try_send_request(request).await {
                        Ok(response) => Ok((response, key, sender)),
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
            let (response, key, sender) = self.send(request, &uri, written).await?;
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
            self.pool.put(
                key,
                sender,
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
