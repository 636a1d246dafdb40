//! The sandbox's HTTP side: accept connections, check each request as WeChat Pay does, sign answers.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;

use super::routes;
use super::{Fault, Shared};
use wechatpay::auth::{self, Authorization, MAX_SKEW_SECS, PROBE_PREFIX, SCHEME, header};
use wechatpay::error::Error;

/// The largest request body the sandbox reads.
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The TLS side of the sandbox. It asks every client for a certificate issued by `client_ca`
/// (the sandbox's own client CA, see `Sandbox::client_certificate`) and accepts clients without
/// one: the v2 operations that need mutual TLS refuse those ([`super::v2::handle`]).
pub(crate) fn tls_acceptor(
    certificate_der: Vec<u8>,
    private_key_der: Vec<u8>,
    client_ca_der: Vec<u8>,
) -> Result<tokio_rustls::TlsAcceptor, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(private_key_der.into());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(client_ca_der.into())
        .map_err(|e| Error::Config(format!("the sandbox client CA is not usable: {e}")))?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .map_err(|e| Error::Config(format!("sandbox mutual TLS set-up failed: {e}")))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("sandbox TLS set-up failed: {e}")))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![certificate_der.into()], key)
        .map_err(|e| {
            Error::Config(format!(
                "the sandbox TLS certificate or key is not usable: {e}"
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Accepts connections until the task is aborted.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            continue;
        };
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = move |client_certificate: bool| {
                service_fn(move |request| {
                    let shared = Arc::clone(&shared);
                    async move {
                        handle(&shared, request, client_certificate)
                            .await
                            .ok_or_else(|| std::io::Error::other("connection dropped on purpose"))
                    }
                })
            };
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        // A certificate was presented and verified against the client CA.
                        let presented = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .is_some_and(|chain| !chain.is_empty());
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service(presented))
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service(false))
                        .await;
                }
            }
        });
    }
}

/// One answer before signing: status and JSON body (`None` for `204`).
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<serde_json::Value>,
    /// A file download: sent as a stream, unsigned, as WeChat Pay sends bills.
    pub(crate) download: Option<Box<super::bills::BillBody>>,
}

/// What the sandbox answers with: a signed JSON body, or a streamed download.
pub(crate) type SandboxBody = http_body_util::Either<Full<Bytes>, Box<super::bills::BillBody>>;

impl Reply {
    pub(crate) fn ok(body: serde_json::Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            download: None,
        }
    }

    /// `204 No Content`, signed over the empty body.
    pub(crate) fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            download: None,
        }
    }

    pub(crate) fn download(body: super::bills::BillBody) -> Self {
        Self {
            status: StatusCode::OK,
            body: None,
            download: Some(Box::new(body)),
        }
    }

    pub(crate) fn error(
        status: StatusCode,
        code: &str,
        message: &str,
        detail: Option<serde_json::Value>,
    ) -> Self {
        let mut body = json!({ "code": code, "message": message });
        if let Some(detail) = detail {
            body["detail"] = detail;
        }
        Self {
            status,
            body: Some(body),
            download: None,
        }
    }
}

/// Answers one request; `None` drops the connection without an answer (`Fault::DropConnection`).
async fn handle(
    shared: &Shared,
    request: Request<Incoming>,
    client_certificate: bool,
) -> Option<Response<SandboxBody>> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = request_id();
    let (parts, body) = request.into_parts();
    *shared
        .requests_by_path
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(parts.uri.path().trim_start_matches('/').to_owned())
        .or_default() += 1;
    // The key the request names: it decides which key signs the answer (migration mode).
    let named = parts
        .headers
        .get(header::SERIAL)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    *shared
        .serials_named
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(named.clone().unwrap_or_default())
        .or_default() += 1;
    // The user's pages (a browser's requests): HTML, no signature, no faults.
    if super::pages::is_page(parts.uri.path()) {
        return Some(super::pages::serve(shared, &parts, body).await);
    }
    // The control routes play the user's side: no signature, no faults.
    let control = parts.uri.path().starts_with(super::control::PREFIX);
    // One fault per request, taken when it arrives: it shapes this request's answer only.
    let fault = if control { None } else { shared.next_fault() };
    let mut parts = parts;
    let reply = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(body) if control => super::control::dispatch(shared, &parts, &body.to_bytes()),
        Ok(body) if super::v2::is_v2(parts.uri.path().trim_start_matches('/')) => {
            let path = parts.uri.path().trim_start_matches('/').to_owned();
            let (status, answer) = match &fault {
                Some(Fault::DropConnection) => return None,
                Some(Fault::LoseAnswer) => {
                    let _lost = super::v2::handle(
                        shared,
                        &path,
                        &body.to_bytes(),
                        None,
                        client_certificate,
                    );
                    return None;
                }
                Some(Fault::ServerError) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Bytes::from_static(b"<html><body>500 Internal Server Error</body></html>"),
                ),
                Some(Fault::RateLimited) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Bytes::from_static(b"<html><body>429 Too Many Requests</body></html>"),
                ),
                other => {
                    if let Some(Fault::Delay(delay)) = other {
                        tokio::time::sleep(*delay).await;
                    }
                    let answer = super::v2::handle(
                        shared,
                        &path,
                        &body.to_bytes(),
                        fault.as_ref(),
                        client_certificate,
                    );
                    (StatusCode::OK, answer)
                }
            };
            let mut response = Response::new(http_body_util::Either::Left(Full::new(answer)));
            *response.status_mut() = status;
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/xml; charset=UTF-8"),
            );
            insert(response.headers_mut(), header::REQUEST_ID, &request_id);
            return Some(response);
        }
        Ok(body) => {
            let body = body.to_bytes();
            match (check_request(shared, &parts, &body), &fault) {
                (Err(reply), _) => reply,
                (Ok(()), Some(Fault::Delay(delay))) => {
                    tokio::time::sleep(*delay).await;
                    routes::dispatch(shared, &parts, &body)
                }
                (Ok(()), Some(Fault::DropConnection)) => return None,
                (Ok(()), Some(Fault::LoseAnswer)) => {
                    let _lost = routes::dispatch(shared, &parts, &body);
                    return None;
                }
                (Ok(()), Some(Fault::ServerError)) => Reply::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    "系统错误",
                    None,
                ),
                (Ok(()), Some(Fault::RateLimited)) => Reply::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATELIMIT_EXCEEDED",
                    "达到调用速率限制",
                    None,
                ),
                (Ok(()), _) => {
                    if let Some(fault) = &fault {
                        parts.extensions.insert(fault.clone());
                    }
                    routes::dispatch(shared, &parts, &body)
                }
            }
        }
        Err(_) => Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "INVALID_REQUEST",
            "请求体过大",
            None,
        ),
    };
    if let Some(download) = reply.download {
        let content_type = download.content_type();
        let mut response = Response::new(http_body_util::Either::Right(download));
        if let Some(content_type) = content_type {
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(content_type),
            );
        }
        *response.status_mut() = reply.status;
        insert(response.headers_mut(), header::REQUEST_ID, &request_id);
        return Some(response);
    }
    Some(
        signed_response(shared, reply, fault, named.as_deref(), &request_id)
            .map(http_body_util::Either::Left),
    )
}

/// Checks the headers and the `Authorization` signature the way WeChat Pay does.
fn check_request(shared: &Shared, parts: &http::request::Parts, body: &[u8]) -> Result<(), Reply> {
    let keys = &shared.keys;
    if !parts.headers.contains_key(http::header::ACCEPT)
        || !parts.headers.contains_key(http::header::USER_AGENT)
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "Http头缺少Accept或User-Agent",
            None,
        ));
    }
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    // WeChat Pay's words for the cases it names: an unknown serial, a stale timestamp.
    let sign_error_saying = |said: &str, issue: &str, message: Option<&[u8]>| {
        let mut detail = json!({
            "field": "signature",
            "location": "authorization",
            "detail": { "issue": issue },
        });
        if let Some(message) = message {
            detail["sign_information"] = json!({
                "method": parts.method.as_str(),
                "url": target,
                "sign_message_length": message.len(),
                "truncated_sign_message": shared.sign_check.truncated(message),
            });
        }
        Reply::error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", said, Some(detail))
    };
    let sign_error = |issue: &str, message: Option<&[u8]>| {
        sign_error_saying("错误的签名，验签失败", issue, message)
    };
    let Some(value) = parts.headers.get(http::header::AUTHORIZATION) else {
        return Err(sign_error("Authorization header is missing", None));
    };
    let value = value
        .to_str()
        .map_err(|_| sign_error("Authorization header is not ASCII", None))?;
    let authorization =
        Authorization::parse(value).map_err(|problem| sign_error(&problem, None))?;
    if authorization.mchid != keys.mchid {
        return Err(sign_error(
            &format!("mchid {} does not match this merchant", authorization.mchid),
            None,
        ));
    }
    if !authorization
        .serial_no
        .eq_ignore_ascii_case(&keys.merchant_serial)
    {
        return Err(sign_error_saying(
            "商户证书序列号有误。请使用签名私钥匹配的证书序列号",
            &format!(
                "serial_no {} is not the serial of the merchant API certificate",
                authorization.serial_no
            ),
            None,
        ));
    }
    let timestamp: i64 = authorization
        .timestamp
        .parse()
        .map_err(|_| sign_error("timestamp is not a number", None))?;
    if timestamp.abs_diff(shared.sign_check.now()) > MAX_SKEW_SECS {
        return Err(sign_error_saying(
            "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟",
            "timestamp is expired",
            None,
        ));
    }
    // Media uploads sign the `meta` part of their multipart body, not the body (PROTOCOL §7):
    // for those paths the BODY line is that part's bytes exactly as they came.
    let signed_body = super::media::signed_body(parts, body)?;
    let message = auth::request_message(
        parts.method.as_str(),
        &target,
        timestamp,
        &authorization.nonce_str,
        signed_body,
    );
    let signature = BASE64
        .decode(&authorization.signature)
        .map_err(|_| sign_error("signature is not base64", Some(&message)))?;
    if !shared
        .sign_check
        .verify(&keys.merchant_public, &message, &signature)
    {
        return Err(sign_error("sign not match", Some(&message)));
    }
    Ok(())
}

/// Serializes, signs (or deliberately mis-signs) and wraps one answer.
fn signed_response(
    shared: &Shared,
    reply: Reply,
    fault: Option<Fault>,
    named: Option<&str>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let mut body = match &reply.body {
        Some(value) => serde_json::to_vec(value).unwrap_or_default(),
        None => Vec::new(),
    };
    let mut headers = http::HeaderMap::new();
    sign_into(shared, fault.as_ref(), named, &mut body, &mut headers);
    if reply.body.is_some() {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    insert(&mut headers, header::REQUEST_ID, request_id);
    if let Some(date) = shared.sign_check.date_header() {
        insert(&mut headers, "date", &date);
    }
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = reply.status;
    *response.headers_mut() = headers;
    response
}

/// Signs `body` as WeChat Pay signs answers and callbacks (`TIMESTAMP\nNONCE\nBODY\n` with the
/// key `named` asks for, see [`Shared::signer_for`]) and adds the `Wechatpay-*` headers, or
/// misbehaves as `fault` asks.
pub(crate) fn sign_into(
    shared: &Shared,
    fault: Option<&Fault>,
    named: Option<&str>,
    body: &mut Vec<u8>,
    headers: &mut http::HeaderMap,
) {
    let now = wechatpay::__support::unix_now();
    let timestamp = match fault {
        Some(Fault::SkewTimestamp(offset)) => now.saturating_add(*offset),
        _ => now,
    }
    .to_string();
    let nonce = wechatpay::__support::nonce();
    let signer = match fault {
        Some(Fault::SignWith(key)) => shared.signer_of(*key),
        _ => shared.signer_for(named),
    };
    let (mut signature, mut serial) = Shared::sign(&signer, &timestamp, &nonce, body);
    match fault {
        Some(Fault::ForeignSignature) => {
            let message = auth::answer_message(&timestamp, &nonce, body);
            signature = BASE64.encode(shared.keys.foreign.sign(&message));
        }
        Some(Fault::ProbeSignature) => {
            signature = format!("{PROBE_PREFIX}{}", wechatpay::__support::nonce());
        }
        Some(Fault::UnknownSerial) => {
            serial = "PUB_KEY_ID_0000000000000000000000000000000000".to_owned();
        }
        Some(Fault::TamperBody) => tamper(body),
        Some(Fault::StripSignature) => return,
        _ => {}
    }
    insert(headers, header::TIMESTAMP, &timestamp);
    insert(headers, header::NONCE, &nonce);
    insert(headers, header::SIGNATURE, &signature);
    insert(headers, header::SERIAL, &serial);
    insert(headers, header::SIGNATURE_TYPE, SCHEME);
}

/// Changes the answer the way a meddling proxy would: one digit or letter becomes another.
fn tamper(body: &mut Vec<u8>) {
    if let Some(byte) = body.iter_mut().rev().find(|b| b.is_ascii_alphanumeric()) {
        *byte = if *byte == b'0' {
            b'1'
        } else if byte.is_ascii_digit() {
            b'0'
        } else if *byte == b'a' {
            b'b'
        } else {
            b'a'
        };
    } else {
        body.extend_from_slice(b" ");
    }
}

fn insert(headers: &mut http::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// A request id in WeChat Pay's style: upper-case hex, unique per answer or callback.
pub(crate) fn request_id() -> String {
    let mut random = [0u8; 16];
    let _ = wechatpay::__support::fill_random(&mut random);
    random.iter().map(|b| format!("{b:02X}")).collect()
}
