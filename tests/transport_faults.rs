//! Answers broken at the HTTP level, from a raw TCP server on loopback (the sandbox speaks only
//! well-formed HTTP): a connection closed in the middle of the body, a `Content-Length` larger than
//! what arrives. The client must return a clear [`Error::Transport`], never a panic, never the
//! part that arrived, and must not answer a broken connection with a storm of new ones.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::Method;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wechatpay::{Client, Endpoint as _, Error, MerchantKey, WechatpayPublicKey};

mod common;

/// The JSON body of the seed pre-sign, for the escape hatch.
fn pre_sign_body(out_contract_code: &str) -> serde_json::Value {
    common::pre_entrust_sign(out_contract_code)
        .serialize_body(serde_json::value::Serializer)
        .unwrap()
}

const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000000001";
const PATH: &str = "v3/pay/transactions/id/4200000985202103031441826014";

/// How the server answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A complete, correctly signed `200` (the connection stays open for the next request).
    Complete,
    /// `Transfer-Encoding: chunked`: the head and the first half of the body as one chunk, then
    /// the connection is closed (no terminating chunk).
    CutMidChunk,
    /// `Content-Length` of the whole body, half of it sent, then the connection is closed.
    ShortBody,
    /// The head alone (`Content-Length` of the whole body), then the connection is closed.
    HeadOnly,
    /// A complete answer, then the connection is closed without `Connection: close`, as a server
    /// ends a keep-alive connection it no longer wants.
    CompleteThenClose,
    /// An unsigned `500 SYSTEM_ERROR`.
    ServerError,
    /// An unsigned `400 PARAM_ERROR` with a 10 000-character message and a 5 000-byte detail, as
    /// a proxy on the way (or a forger) could send.
    UnsignedError,
    /// No answer at all: the request is read and the connection left open.
    Stall,
    /// `200` with a small gzip body that unpacks to 64 MiB of zeros.
    GzipBomb,
    /// `200` whose chunked body trickles: a few bytes every 50 ms, without end.
    Trickle,
}

/// A raw HTTP/1.1 server that signs its answers with `platform` (so that a complete answer
/// verifies) and answers each request as the script says (`Complete` once it runs out).
struct RawServer {
    addr: SocketAddr,
    accepted: Arc<AtomicU64>,
    /// Connections that ended (the client closed them, or the script did).
    closed: Arc<AtomicU64>,
    requests: Arc<AtomicU64>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The body of a complete answer: a payment, as WeChat Pay returns it.
fn body() -> Vec<u8> {
    r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"1217752501201407033233368018","transaction_id":"4200000985202103031441826014","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"自定义数据","success_time":"2018-06-08T10:34:56+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}"#.as_bytes().to_vec()
}

/// The head of an answer carrying `body`, signed as WeChat Pay signs answers.
fn signed_head(platform: &MerchantKey, body: &[u8], framing: &str) -> Vec<u8> {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = "c5ac7061fccab6bf3e254dcf98995b8c";
    let signature =
        BASE64.encode(platform.sign(&wechatpay::auth::answer_message(&timestamp, nonce, body)));
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRequest-ID: 08F78BB5AF0610D302\r\nWechatpay-Timestamp: {timestamp}\r\nWechatpay-Nonce: {nonce}\r\nWechatpay-Signature: {signature}\r\nWechatpay-Serial: {PUBLIC_KEY_ID}\r\nWechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048\r\n{framing}\r\n"
    )
    .into_bytes()
}

/// Reads one request (head and `Content-Length` body); false when the client closed first.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    buffer.drain(..head_end + length);
    true
}

async fn serve_connection(
    mut stream: TcpStream,
    platform: Arc<MerchantKey>,
    requests: Arc<AtomicU64>,
    script: Arc<Mutex<VecDeque<Answer>>>,
) {
    let mut buffer = Vec::new();
    while read_request(&mut stream, &mut buffer).await {
        requests.fetch_add(1, Ordering::SeqCst);
        let answer = script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Answer::Complete);
        let body = body();
        let half = &body[..body.len() / 2];
        let unsigned = |status: &str, body: String| {
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        };
        let wire = match answer {
            Answer::ServerError => unsigned(
                "500 Internal Server Error",
                r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#.to_owned(),
            ),
            Answer::UnsignedError => unsigned(
                "400 Bad Request",
                format!(
                    r#"{{"code":"PARAM_ERROR","message":"{}","detail":{{"field":"{}"}}}}"#,
                    "m".repeat(10_000),
                    "d".repeat(5_000)
                ),
            ),
            Answer::Stall => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            Answer::GzipBomb => {
                use std::io::Write as _;
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                let zeros = vec![0u8; 1024 * 1024];
                for _ in 0..64 {
                    encoder.write_all(&zeros).unwrap();
                }
                let bomb = encoder.finish().unwrap();
                let mut wire = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                    bomb.len()
                )
                .into_bytes();
                wire.extend_from_slice(&bomb);
                wire
            }
            Answer::Trickle => {
                let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
                if stream.write_all(head).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    if stream.write_all(b"5\r\nrow,\n\r\n").await.is_err() {
                        return;
                    }
                }
            }
            Answer::Complete | Answer::CompleteThenClose => {
                let mut wire = signed_head(
                    &platform,
                    &body,
                    &format!("Content-Length: {}\r\n", body.len()),
                );
                wire.extend_from_slice(&body);
                wire
            }
            Answer::CutMidChunk => {
                let mut wire = signed_head(&platform, &body, "Transfer-Encoding: chunked\r\n");
                // A chunk announced at its full size, of which only half arrives.
                wire.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
                wire.extend_from_slice(half);
                wire
            }
            Answer::ShortBody => {
                let mut wire = signed_head(
                    &platform,
                    &body,
                    &format!("Content-Length: {}\r\n", body.len()),
                );
                wire.extend_from_slice(half);
                wire
            }
            Answer::HeadOnly => signed_head(
                &platform,
                &body,
                &format!("Content-Length: {}\r\n", body.len()),
            ),
        };
        if stream.write_all(&wire).await.is_err() {
            return;
        }
        let _ = stream.flush().await;
        if answer == Answer::CompleteThenClose {
            let _ = stream.shutdown().await;
            return;
        }
        if !matches!(
            answer,
            Answer::Complete | Answer::ServerError | Answer::UnsignedError
        ) {
            // Give the client time to read what was sent, then close: a clean FIN mid-answer.
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = stream.shutdown().await;
            return;
        }
    }
}

async fn raw_server(platform: Arc<MerchantKey>, script: &[Answer]) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let script = Arc::new(Mutex::new(script.iter().copied().collect()));
    let task = tokio::spawn({
        let (accepted, closed, requests, script) = (
            Arc::clone(&accepted),
            Arc::clone(&closed),
            Arc::clone(&requests),
            Arc::clone(&script),
        );
        async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                let serving = serve_connection(
                    stream,
                    Arc::clone(&platform),
                    Arc::clone(&requests),
                    Arc::clone(&script),
                );
                let closed = Arc::clone(&closed);
                tokio::spawn(async move {
                    serving.await;
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        }
    });
    RawServer {
        addr,
        accepted,
        closed,
        requests,
        script,
        task,
    }
}

/// A client of `server` that trusts `platform`, with a timeout well above the raw server's pauses.
fn client_of(platform: &MerchantKey, server: &RawServer) -> wechatpay::ClientBuilder {
    Client::builder()
        .mchid("1230000109")
        .merchant_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            MerchantKey::generate().unwrap(),
        )
        .wechatpay_public_key(
            WechatpayPublicKey::from_public_key(PUBLIC_KEY_ID, platform.public_key()).unwrap(),
        )
        .base_url(format!("http://{}/", server.addr))
        .timeout(Duration::from_secs(10))
}

/// A platform key, a server signing with it and a client trusting it.
async fn setup(script: &[Answer]) -> (RawServer, Client) {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), script).await;
    let client = client_of(&platform, &server)
        .build()
        .expect("a client for the raw server");
    (server, client)
}

async fn get(client: &Client) -> Result<wechatpay::Answer, Error> {
    client
        .request(Method::GET, PATH)
        .query(&[("mchid", "1230000109")])
        .send()
        .await
}

/// The error's message with its causes, as a log line would show it.
fn chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Asserts a clear transport error that says the answer was cut off.
fn assert_cut_off(result: Result<wechatpay::Answer, Error>, addr: SocketAddr) {
    let error = match result {
        Ok(answer) => panic!(
            "a truncated answer was accepted: {:?}",
            String::from_utf8_lossy(answer.body())
        ),
        Err(error) => error,
    };
    assert!(
        matches!(error, Error::Transport { .. }),
        "expected Error::Transport, got {error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&addr.to_string()),
        "the message names the URL called: {message}"
    );
    assert!(
        message.contains("the answer broke off before its end")
            && message.contains("the part that arrived was discarded")
            && message.contains("end of file before message length reached"),
        "the message says the answer was cut off, and how: {message}"
    );
    assert!(!error.is_verification_failure(), "{}", chain(&error));
}

#[tokio::test]
async fn a_complete_answer_from_the_raw_server_verifies() {
    // The control: the same server, answering in full, is accepted.
    let (server, client) = setup(&[Answer::Complete, Answer::Complete]).await;
    for _ in 0..2 {
        let answer = get(&client).await.expect("a complete, signed answer");
        assert_eq!(answer.body().as_ref(), body().as_slice());
    }
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1, "kept alive");
}

#[tokio::test]
async fn a_connection_closed_mid_chunk_is_a_transport_error() {
    let (server, client) = setup(&[Answer::CutMidChunk]).await;
    assert_cut_off(get(&client).await, server.addr);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_transport_error() {
    let (server, client) = setup(&[Answer::ShortBody]).await;
    assert_cut_off(get(&client).await, server.addr);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn a_head_without_its_body_is_a_transport_error() {
    let (server, client) = setup(&[Answer::HeadOnly]).await;
    assert_cut_off(get(&client).await, server.addr);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn a_pooled_connection_cut_mid_answer_is_not_resent() {
    // The first answer leaves a kept-alive connection in the pool; the second is cut off on it.
    // The request was sent, so it must not be sent again on a new connection: it may have acted.
    let (server, client) = setup(&[Answer::Complete, Answer::ShortBody]).await;
    get(&client).await.expect("the first answer is complete");
    assert_cut_off(get(&client).await, server.addr);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
    // The broken connection is gone from the pool: the next request opens one new connection.
    get(&client).await.expect("a fresh connection answers");
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn cut_answers_cause_no_retry_storm() {
    // Every answer cut off, sequentially and then 16 at once: one connection and one request per
    // call, none repeated.
    let script = vec![Answer::ShortBody; 5 + 16];
    let (server, client) = setup(&script).await;
    for _ in 0..5 {
        assert_cut_off(get(&client).await, server.addr);
    }
    assert_eq!(server.accepted.load(Ordering::SeqCst), 5);
    assert_eq!(server.requests.load(Ordering::SeqCst), 5);
    let results = futures_join_all((0..16).map(|_| {
        let client = client.clone();
        async move { get(&client).await }
    }))
    .await;
    for result in results {
        assert_cut_off(result, server.addr);
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 5 + 16);
    assert!(
        server.accepted.load(Ordering::SeqCst) <= 5 + 16,
        "{} connections for 21 requests",
        server.accepted.load(Ordering::SeqCst)
    );
    assert!(server.script.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_cut_answer_fails_over_to_the_backup_host_once() {
    // A broken connection is a transport error, and the client's documented rule for those is
    // one failover to the next host per request (WeChat Pay keys requests by the merchant's own
    // ids, so sending again cannot act twice): one more attempt, never a loop.
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let primary = raw_server(Arc::clone(&platform), &[Answer::ShortBody; 2]).await;
    let backup = raw_server(
        Arc::clone(&platform),
        &[Answer::Complete, Answer::CutMidChunk],
    )
    .await;
    let client = client_of(&platform, &primary)
        .backup_base_url(format!("http://{}/", backup.addr))
        .build()
        .unwrap();
    // Cut on the primary, complete on the backup: the backup's whole answer, nothing of the cut one.
    let answer = get(&client).await.expect("the backup answers in full");
    assert_eq!(answer.body().as_ref(), body().as_slice());
    // Cut on both: the backup's error, after exactly one request to each host.
    assert_cut_off(get(&client).await, backup.addr);
    assert_eq!(primary.requests.load(Ordering::SeqCst), 2);
    assert_eq!(primary.accepted.load(Ordering::SeqCst), 2);
    assert_eq!(backup.requests.load(Ordering::SeqCst), 2);
    // The backup's first connection was kept alive after its complete answer.
    assert_eq!(backup.accepted.load(Ordering::SeqCst), 1);
}

/// Runs futures concurrently on this runtime and collects their outputs in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("no panic"));
    }
    outputs
}

/// Many requests in flight on a busy runtime open about as many connections as there are
/// requests in flight, however many requests are sent: each returns its connection to the pool
/// before its caller can send again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_stay_within_the_requests_in_flight() {
    const IN_FLIGHT: u64 = 128;
    const REQUESTS: u64 = 1500;
    let sandbox = wechatpay_sandbox::Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (client, next) = (client.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < REQUESTS {
                    client
                        .request(Method::POST, "v3/papay/sign/contracts/pre-entrust-sign")
                        .json(&pre_sign_body("pool-1"))
                        .send()
                        .await
                        .expect("a verified answer");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(sandbox.requests_received(), REQUESTS);
    // Each request puts its connection back before its worker can send again, so no more can
    // open than are in flight. With hyper-util's pool, which puts connections back from a task
    // of its own, this run opened 137 to 185 (and up to 451 for 10 000 requests at 256 in
    // flight against the standalone sandbox).
    let connections = sandbox.connections_accepted();
    assert!(
        connections <= IN_FLIGHT,
        "{connections} connections for {REQUESTS} requests, {IN_FLIGHT} in flight"
    );
}

/// A kept-alive connection that the server closed while it was idle is not used again: the next
/// request opens a new one and gets its answer, with no error and nothing sent twice.
#[tokio::test]
async fn a_pooled_connection_the_server_closed_is_replaced_quietly() {
    let (server, client) = setup(&[Answer::CompleteThenClose]).await;
    get(&client).await.expect("the first answer");
    tokio::time::sleep(Duration::from_millis(50)).await;
    get(&client)
        .await
        .expect("the second answer, on a new connection");
    get(&client)
        .await
        .expect("the third answer, on the second connection");
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

/// By default a connection idle for 5 s is not used again: WeChat Pay's servers close idle
/// connections after 8 s, and a POST sent on a connection being closed has an unknown outcome.
#[tokio::test]
async fn a_connection_idle_past_the_default_timeout_is_not_reused() {
    let sandbox = wechatpay_sandbox::Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    client
        .send(&common::pre_entrust_sign("idle-1"))
        .await
        .unwrap();
    client
        .send(&common::pre_entrust_sign("idle-2"))
        .await
        .unwrap();
    let kept = sandbox.connections_accepted();
    assert_eq!(kept, 1, "back to back, the connection is reused");
    // Past the default idle timeout, well before WeChat Pay's 8 s.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    client
        .send(&common::pre_entrust_sign("idle-3"))
        .await
        .unwrap();
    assert_eq!(
        sandbox.connections_accepted(),
        2,
        "a connection idle for 5.5 s must not be reused"
    );
}

/// One request at a time reuses one connection, on either kind of runtime, even while the
/// runtime is busy (here with the embedded sandbox signing its answers).
async fn sequential_requests_use_one_connection() {
    const REQUESTS: u64 = 200;
    let sandbox = wechatpay_sandbox::Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    for _ in 0..REQUESTS {
        client
            .request(Method::POST, "v3/papay/sign/contracts/pre-entrust-sign")
            .json(&pre_sign_body("pool-1"))
            .send()
            .await
            .expect("a verified answer");
    }
    assert_eq!(sandbox.requests_received(), REQUESTS);
    assert_eq!(
        sandbox.connections_accepted(),
        1,
        "{REQUESTS} requests one at a time must share one connection"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn one_request_at_a_time_reuses_one_connection_on_a_current_thread_runtime() {
    sequential_requests_use_one_connection().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_at_a_time_reuses_one_connection_on_a_multi_thread_runtime() {
    sequential_requests_use_one_connection().await;
}

/// A POST that names no merchant id of its own (a pre-deduction notice): sending it twice
/// could act twice.
async fn post_without_merchant_id(client: &Client) -> Result<wechatpay::Answer, Error> {
    client
        .request(Method::POST, "v3/papay/contracts/100005698/notify")
        .json(&serde_json::json!({"appid": "wxd678efh567hg6787", "estimated_amount": {"amount": 900}}))
        .send()
        .await
}

/// A POST keyed by the merchant's own `out_trade_no`: WeChat Pay acts on it at most once.
fn post_with_merchant_id(client: &Client) -> wechatpay::RequestBuilder<'_> {
    client
        .request(Method::POST, "v3/papay/pay/transactions/apply")
        .json(&serde_json::json!({"out_trade_no": "1217752501201407033233368018", "amount": {"total": 900}}))
}

/// A primary host that answers with `primary`, a backup that answers in full, and a client of
/// both with `retries` retries of `5xx` answers.
async fn primary_and_backup(primary: &[Answer], retries: u32) -> (RawServer, RawServer, Client) {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let first = raw_server(Arc::clone(&platform), primary).await;
    let backup = raw_server(Arc::clone(&platform), &[]).await;
    let client = client_of(&platform, &first)
        .backup_base_url(format!("http://{}/", backup.addr))
        .retries(retries)
        .retry_backoff(Duration::from_millis(1))
        .build()
        .unwrap();
    (first, backup, client)
}

#[tokio::test]
async fn a_written_post_without_merchant_id_is_not_resent_and_its_outcome_is_unknown() {
    let (primary, backup, client) = primary_and_backup(&[Answer::ShortBody], 2).await;
    let error = post_without_merchant_id(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.outcome_unknown(), "the request was written: {error}");
    assert_eq!(error.attempts(), 1, "{error}");
    assert_eq!(primary.requests.load(Ordering::SeqCst), 1);
    assert_eq!(backup.requests.load(Ordering::SeqCst), 0, "not resent");
}

#[tokio::test]
async fn a_written_post_keyed_by_merchant_id_fails_over_and_counts_its_attempts() {
    let (primary, backup, client) = primary_and_backup(&[Answer::ShortBody], 2).await;
    let answer = post_with_merchant_id(&client).send().await.unwrap();
    assert_eq!(answer.attempts(), 2);
    assert_eq!(primary.requests.load(Ordering::SeqCst), 1);
    assert_eq!(backup.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn resending_can_be_turned_off_per_call() {
    let (primary, backup, client) = primary_and_backup(&[Answer::ShortBody], 2).await;
    let error = post_with_merchant_id(&client)
        .options(wechatpay::CallOptions::new().resend(false))
        .send()
        .await
        .unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(primary.requests.load(Ordering::SeqCst), 1);
    assert_eq!(backup.requests.load(Ordering::SeqCst), 0, "not resent");
}

#[tokio::test]
async fn a_server_error_is_retried_only_when_sending_again_cannot_act_twice() {
    let script = [Answer::ServerError; 3];
    let (primary, _backup, client) = primary_and_backup(&script, 2).await;
    let error = post_without_merchant_id(&client).await.unwrap_err();
    assert_eq!(error.code(), Some("SYSTEM_ERROR"), "{error:?}");
    assert!(error.outcome_unknown(), "a 5xx may have acted: {error}");
    assert_eq!(error.attempts(), 1);
    assert_eq!(primary.requests.load(Ordering::SeqCst), 1, "not retried");

    // A keyed request is retried: two 5xx left in the script, then a complete answer.
    let answer = post_with_merchant_id(&client).send().await.unwrap();
    assert_eq!(answer.attempts(), 3);
    assert_eq!(primary.requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn an_error_after_retries_says_how_many_attempts_were_made() {
    let (primary, _backup, client) = primary_and_backup(&[Answer::ServerError; 3], 2).await;
    let error = get(&client).await.unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert!(error.outcome_unknown());
    let message = error.to_string();
    assert!(message.contains("after 3 attempts"), "{message}");
    assert_eq!(primary.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_unreachable_host_shows_its_root_cause_and_nothing_was_sent() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let platform = MerchantKey::generate().unwrap();
    let server = raw_server(Arc::new(MerchantKey::generate().unwrap()), &[]).await;
    let client = client_of(&platform, &server)
        .base_url(format!("http://{closed}/"))
        .build()
        .unwrap();
    let error = post_without_merchant_id(&client).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.to_ascii_lowercase().contains("connection refused"),
        "the root cause is in the message: {message}"
    );
    assert!(!error.outcome_unknown(), "nothing was sent: {message}");
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn an_unsigned_error_answer_is_marked_unverified_and_capped() {
    let (_server, client) = setup(&[Answer::UnsignedError]).await;
    let error = get(&client).await.unwrap_err();
    let Error::Api {
        code,
        message,
        detail,
        verified,
        ..
    } = &error
    else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(code, "PARAM_ERROR");
    assert!(!verified);
    assert_eq!(message.chars().count(), 200, "capped");
    assert!(detail.is_none(), "a 5 000-byte detail is not kept");
    assert!(error.to_string().contains("unsigned"), "{error}");
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn strict_mode_refuses_unsigned_error_answers() {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), &[Answer::UnsignedError]).await;
    let client = client_of(&platform, &server)
        .require_signed_errors(true)
        .build()
        .unwrap();
    let error = get(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Unsigned {
                missing: "Wechatpay-Signature",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_deadline_bounds_the_whole_call_and_reports_an_unknown_outcome() {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), &[Answer::Stall]).await;
    let client = client_of(&platform, &server)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = get(&client).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            error,
            Error::Timeout {
                timeout_ms: 300,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.outcome_unknown(), "the request was written: {error}");

    // A per-call deadline overrides the client's.
    let server = raw_server(Arc::clone(&platform), &[Answer::Stall]).await;
    let client = client_of(&platform, &server).build().unwrap();
    let error = client
        .request(Method::GET, PATH)
        .options(wechatpay::CallOptions::new().deadline(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                timeout_ms: 200,
                ..
            }
        ),
        "{error:?}"
    );
}

/// A listener that accepts TCP connections and never says a word: a TLS handshake to it stalls.
async fn silent_listener() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (addr, task)
}

#[tokio::test]
async fn a_stalled_tls_handshake_fails_over_to_the_backup_host() {
    let (silent, task) = silent_listener().await;
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let backup = raw_server(Arc::clone(&platform), &[]).await;
    let client = client_of(&platform, &backup)
        .base_url(format!("https://{silent}/"))
        .backup_base_url(format!("http://{}/", backup.addr))
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    // Not keyed by a merchant id: nothing was sent to the silent host, so failing over is safe.
    let answer = post_without_merchant_id(&client).await.unwrap();
    assert_eq!(answer.attempts(), 2);
    assert_eq!(backup.requests.load(Ordering::SeqCst), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Without a backup: a transport error that says what stalled and that nothing was sent.
    let alone = client_of(&platform, &backup)
        .base_url(format!("https://{silent}/"))
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = post_without_merchant_id(&alone).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(!error.outcome_unknown(), "{error}");
    assert!(
        error.to_string().contains("TLS handshake")
            && error.to_string().contains("nothing was sent"),
        "{error}"
    );
    task.abort();
}

#[test]
fn a_call_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let platform = MerchantKey::generate().unwrap();
    let client = Client::builder()
        .mchid("1230000109")
        .merchant_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            MerchantKey::generate().unwrap(),
        )
        .wechatpay_public_key(
            WechatpayPublicKey::from_public_key(PUBLIC_KEY_ID, platform.public_key()).unwrap(),
        )
        .base_url("http://127.0.0.1:9/")
        .build()
        .unwrap();
    // Polled by hand on a plain thread, as another executor would.
    let mut call = std::pin::pin!(get(&client));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(call.as_mut(), &mut context) {
        std::task::Poll::Ready(Err(error)) => {
            assert!(matches!(error, Error::Config(_)), "{error:?}");
            assert!(error.to_string().contains("Tokio runtime"), "{error}");
        }
        other => panic!("expected an error at once, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_calls_waits_for_the_connections_of_the_cap() {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), &[]).await;
    let client = client_of(&platform, &server)
        .pool_max_connections_per_host(4)
        .build()
        .unwrap();
    let results = futures_join_all((0..200).map(|_| {
        let client = client.clone();
        async move { get(&client).await }
    }))
    .await;
    for result in results {
        result.expect("every call of the burst is answered");
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 200);
    let connections = server.accepted.load(Ordering::SeqCst);
    assert!(connections <= 4, "{connections} connections for a cap of 4");
}

#[tokio::test]
async fn idle_connections_are_closed_in_the_background() {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), &[]).await;
    let client = client_of(&platform, &server)
        .pool_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    get(&client).await.unwrap();
    assert_eq!(server.closed.load(Ordering::SeqCst), 0, "kept alive");
    // No further request: the client closes the idle connection on its own.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(server.closed.load(Ordering::SeqCst), 1, "closed while idle");
}

/// A bill download answer pointing at the raw server's `v3/billdownload/file`.
fn bill_at() -> wechatpay::v3::bill::BillDownloadUrl {
    serde_json::from_value(serde_json::json!({
        "hash_type": "SHA1",
        "hash_value": "79bb0f8e9a1f4b4e8c1c3dc8e1b8e9d7a6c5b4a3",
        "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"
    }))
    .unwrap()
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_download_limit() {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), &[Answer::GzipBomb]).await;
    let client = client_of(&platform, &server)
        .max_download_bytes(1024 * 1024)
        .build()
        .unwrap();
    let mut sink = tokio::io::sink();
    let error = client
        .download_bill(&bill_at(), &mut sink)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::BodyTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_trickling_download_ends_at_its_deadline() {
    let platform = Arc::new(MerchantKey::generate().unwrap());
    let server = raw_server(Arc::clone(&platform), &[Answer::Trickle]).await;
    let client = client_of(&platform, &server)
        .download_deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let mut sink = tokio::io::sink();
    let error = tokio::time::timeout(
        Duration::from_secs(5),
        client.download_bill(&bill_at(), &mut sink),
    )
    .await
    .expect("the download ends by its deadline, not by the test's")
    .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                timeout_ms: 400,
                ..
            }
        ),
        "{error:?}"
    );
}
