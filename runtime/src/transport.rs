//! HTTP over hyper 1 and hyper-rustls: one pooled connection set per client, timeouts, body limits.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;

use crate::error::Error;

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

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) pool_max_idle_per_host: usize,
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
        }
    }
}

/// The pooled HTTP client of one [`crate::Client`].
#[derive(Clone)]
pub(crate) struct Transport {
    http: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    config: TransportConfig,
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
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(config.connect_timeout));
        tcp.set_keepalive(Some(Duration::from_secs(60)));
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(tcp);
        let http = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .build(connector);
        Ok(Self { http, config })
    }

    /// Sends one request and returns the answer as soon as its head arrives (within the timeout),
    /// with the body still to be read: for downloads, which are read chunk by chunk.
    pub(crate) async fn call_streaming(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        let uri = request.uri().clone();
        match tokio::time::timeout(self.config.timeout, self.http.request(request)).await {
            Ok(result) => result.map_err(|e| Error::Transport {
                url: uri.to_string(),
                source: Box::new(e),
            }),
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
            timeout_ms: u64::try_from(self.config.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Sends one request and reads the whole answer, within the timeout and the body limit.
    pub(crate) async fn call(&self, request: Request<Full<Bytes>>) -> Result<RawAnswer, Error> {
        let uri: Uri = request.uri().clone();
        let timeout = self.config.timeout;
        let limit = self.config.max_body_bytes;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| Error::Transport {
                    url: uri.to_string(),
                    source: Box::new(e),
                })?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        Error::BodyTooLarge {
                            url: uri.to_string(),
                            limit,
                        }
                    } else {
                        Error::Transport {
                            url: uri.to_string(),
                            source: Box::new(BrokenBody(e)),
                        }
                    }
                })?
                .to_bytes();
            // The connection goes back to the pool only when hyper-util's idle task, woken as
            // the body ends, runs. Let it run before handing the answer over: a caller that
            // verifies this answer, signs its next request and sends it in the same poll (RSA
            // keeps the thread for most of a millisecond) would otherwise find every pooled
            // connection busy, and hyper-util would open one more for it. Without this, 256
            // requests in flight opened 379 connections for 5000 requests and 451 for 10000.
            tokio::task::yield_now().await;
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
