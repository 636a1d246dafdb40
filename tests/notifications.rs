//! Callbacks end to end over real HTTP on loopback: the sandbox encrypts, signs and delivers them
//! (retrying on a compressed schedule), a small server in the test receives them, and the client
//! verifies, decrypts and types them; every forgery is rejected with its own error and no data.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
#[cfg(feature = "axum")]
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wechatpay::notify::Event;
use wechatpay::v3::security::SecurityEcho;
use wechatpay::{ApiV3Key, Client, Error, MerchantKey, WechatpayPublicKey};
use wechatpay_sandbox::{Callback, Fault, Sandbox};

/// Serves `handle` over HTTP/1 on a free loopback port until the test ends.
async fn serve<F, Fut, B>(handle: F) -> SocketAddr
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handle = handle.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let handle = handle.clone();
                    async move { Ok::<_, Infallible>(handle(request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// What a receiver got: the headers and the raw body bytes.
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

/// A merchant endpoint that records every callback and answers `500` to the first `fail_first`,
/// then `204`. Returns its URL and the callbacks in arrival order.
async fn receiver(fail_first: usize) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let addr = serve(move |request: Request<Incoming>| {
        let tx = tx.clone();
        let seen = Arc::clone(&seen);
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.unwrap().to_bytes();
            let _ = tx.send(Received {
                headers: parts.headers,
                body,
            });
            let status = if seen.fetch_add(1, Ordering::SeqCst) < fail_first {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            };
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = status;
            response
        }
    })
    .await;
    (format!("http://{addr}/wechatpay/notify"), rx)
}

fn entrust_sign_plaintext() -> Value {
    json!({
        "mchid": "1900000001",
        "appid": "wxd678efh567hg6787",
        "contract_id": "Wx15463511252015071056489715",
        "plan_id": 12535,
        "out_contract_code": "wxwtdk20200910100000",
        "contract_display_account": "微信代扣用户A",
        "contract_state": "SIGNED",
        "contract_signed_time": "2025-05-20T13:29:35+08:00",
        "contract_expired_time": "2030-05-20T13:29:35+08:00",
        "openid": "oYobu0MVnQfWpSMOYJz2AHPG_gQw",
        "out_user_code": "user-1001",
        "deduct_schedule": {
            "estimated_deduct_date": "2025-06-01",
            "estimated_deduct_amount": {"amount": 1500, "currency": "CNY"},
            "schedule_state": "NO_SCHEDULED"
        }
    })
}

/// A sandbox whose retry schedule runs 1000 times as fast (15 s → 15 ms).
async fn fast_sandbox() -> Sandbox {
    Sandbox::builder()
        .callback_time_scale(0.001)
        .start()
        .await
        .unwrap()
}

/// A sandbox that tries each callback once, and a copy of its platform key to sign bodies with.
async fn single_attempt_sandbox() -> (Sandbox, MerchantKey) {
    let platform = MerchantKey::generate().unwrap();
    let copy = MerchantKey::from_pem(&platform.to_pkcs8_pem()).unwrap();
    let sandbox = Sandbox::builder()
        .platform_private_key(platform)
        .callback_retry_delays(Vec::new())
        .start()
        .await
        .unwrap();
    (sandbox, copy)
}

/// Headers signing `body` with `key` under the sandbox's serial, as WeChat Pay signs callbacks.
fn signed_headers(sandbox: &Sandbox, key: &MerchantKey, body: &[u8]) -> HeaderMap {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = "0123456789ABCDEF0123456789ABCDEF";
    let message = wechatpay::auth::answer_message(&timestamp, nonce, body);
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&message));
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp.as_str()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature.as_str()),
        ("wechatpay-serial", sandbox.public_key_id()),
        ("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048"),
        ("request-id", "08F78BB5AF0610D2E2A3AC0A18A2E5CB06"),
    ] {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

#[tokio::test]
async fn an_entrust_sign_callback_is_verified_decrypted_and_typed() {
    let sandbox = fast_sandbox().await;
    let client = sandbox.client().unwrap();
    let (url, mut received) = receiver(0).await;
    let delivery = sandbox
        .send_callback(
            &url,
            "ENTRUST.SIGN",
            "签约结果通知",
            "entrust",
            &entrust_sign_plaintext(),
        )
        .unwrap();
    let record = delivery.finished().await;
    assert!(record.delivered && record.finished, "{record:?}");
    assert_eq!(record.attempts.len(), 1);
    assert_eq!(record.last_status(), Some(StatusCode::NO_CONTENT));

    let callback = received.recv().await.unwrap();
    assert_eq!(
        callback.body, record.body,
        "the receiver got the exact bytes"
    );
    let notification = client
        .notifications()
        .verify_event(&callback.headers, &callback.body)
        .unwrap();
    assert_eq!(notification.id, record.id);
    assert_eq!(notification.event_type, "ENTRUST.SIGN");
    assert_eq!(notification.summary, "签约结果通知");
    assert_eq!(notification.resource_type, "encrypt-resource");
    assert_eq!(notification.original_type, "entrust");
    assert!(notification.create_time.ends_with("+08:00"));
    assert_eq!(notification.request_id.as_deref().map(str::len), Some(32));
    let Event::EntrustSign(contract) = &notification.resource else {
        panic!("{:?}", notification.resource);
    };
    assert_eq!(contract.contract_id, "Wx15463511252015071056489715");
    assert_eq!(contract.plan_id, 12535);
    assert_eq!(
        contract.contract_state,
        wechatpay::v3::papay::ContractState::Signed
    );
    assert_eq!(
        contract.openid.as_deref(),
        Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw")
    );
    assert!(contract.contract_terminate_info.is_none());
    let schedule = contract.deduct_schedule.as_ref().unwrap();
    assert_eq!(
        schedule.estimated_deduct_amount.as_ref().unwrap().amount,
        Some(1500)
    );

    // The same callback decodes into any type the merchant chooses, JSON included.
    let untyped = client
        .notifications()
        .verify::<Value>(&callback.headers, &callback.body)
        .unwrap();
    assert_eq!(untyped.resource, entrust_sign_plaintext());
}

#[tokio::test]
async fn callbacks_are_retried_on_the_schedule_until_the_receiver_answers_2xx() {
    let sandbox = fast_sandbox().await;
    let client = sandbox.client().unwrap();
    let (url, mut received) = receiver(3).await;
    let record = sandbox
        .deliver(&url, entrust_sign())
        .unwrap()
        .finished()
        .await;
    assert!(record.delivered, "{record:?}");
    let statuses: Vec<_> = record.attempts.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [
            Some(StatusCode::INTERNAL_SERVER_ERROR),
            Some(StatusCode::INTERNAL_SERVER_ERROR),
            Some(StatusCode::INTERNAL_SERVER_ERROR),
            Some(StatusCode::NO_CONTENT),
        ]
    );
    let numbers: Vec<_> = record.attempts.iter().map(|a| a.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    // 15 s, 15 s, 30 s scaled by 0.001: each retry waits at least its scheduled delay.
    let gaps: Vec<Duration> = record
        .attempts
        .windows(2)
        .map(|pair| pair[1].sent_after - pair[0].sent_after)
        .collect();
    for (gap, least) in gaps.iter().zip([15, 15, 30]) {
        assert!(*gap >= Duration::from_millis(least), "{gaps:?}");
    }
    assert_eq!(sandbox.callbacks().len(), 1);

    // Every attempt carries the same envelope, freshly signed, and each one verifies.
    let mut nonces = std::collections::HashSet::new();
    for _ in 0..4 {
        let attempt = received.recv().await.unwrap();
        assert_eq!(attempt.body, record.body);
        nonces.insert(attempt.headers["wechatpay-nonce"].clone());
        let notification = client
            .notifications()
            .verify::<Value>(&attempt.headers, &attempt.body)
            .unwrap();
        assert_eq!(notification.id, record.id, "a retry keeps the callback id");
    }
    assert_eq!(nonces.len(), 4);
    assert!(received.try_recv().is_err(), "nothing after the 2xx");
}

#[tokio::test]
async fn an_unreachable_receiver_is_tried_on_every_step_then_given_up() {
    let sandbox = Sandbox::builder()
        .callback_retry_delays(vec![Duration::from_millis(1); 2])
        .start()
        .await
        .unwrap();
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", closed.local_addr().unwrap());
    drop(closed);
    let record = sandbox
        .send_callback(
            &url,
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            &json!({}),
        )
        .unwrap()
        .finished()
        .await;
    assert!(record.finished && !record.delivered, "{record:?}");
    assert_eq!(record.attempts.len(), 3);
    assert!(
        record
            .attempts
            .iter()
            .all(|a| a.status.is_none() && a.error.is_some())
    );
    assert!(
        sandbox
            .send_callback("not a url", "X", "", "", &json!({}))
            .is_err()
    );
}

/// An answer body that never ends.
struct Endless;

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from_static(
            &CHUNK,
        )))))
    }
}

/// The sandbox reads a receiver's answer only up to a limit: a receiver that answers `200` with
/// an endless body has its callback delivered at once, instead of being read until the
/// attempt times out (and the sandbox holding all of it).
#[tokio::test]
async fn a_receivers_endless_answer_is_read_only_up_to_a_limit() {
    let (sandbox, _) = single_attempt_sandbox().await;
    let addr = serve(|_request: Request<Incoming>| async { Response::new(Endless) }).await;
    let started = std::time::Instant::now();
    let record = sandbox
        .deliver(&format!("http://{addr}/notify"), entrust_sign())
        .unwrap()
        .finished()
        .await;
    assert_eq!(record.last_status(), Some(StatusCode::OK), "{record:?}");
    assert!(record.delivered);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

fn entrust_sign() -> Callback {
    Callback::new(
        "ENTRUST.SIGN",
        "签约结果通知",
        "entrust",
        entrust_sign_plaintext(),
    )
}

/// Delivers `callback` to a fresh receiver and returns what it got.
async fn receive(sandbox: &Sandbox, callback: Callback) -> Received {
    let (url, mut received) = receiver(0).await;
    sandbox.deliver(&url, callback).unwrap().finished().await;
    received.recv().await.unwrap()
}

/// An ENTRUST.SIGN delivered with `fault`.
async fn forged(sandbox: &Sandbox, fault: Fault) -> Received {
    receive(sandbox, entrust_sign().fault(fault)).await
}

#[tokio::test]
async fn forged_callbacks_are_rejected_each_with_its_own_error() {
    let (sandbox, _) = single_attempt_sandbox().await;
    let notifications = sandbox.client().unwrap().notifications();

    let tampered = forged(&sandbox, Fault::TamperBody).await;
    let error = notifications
        .verify_event(&tampered.headers, &tampered.body)
        .unwrap_err();
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");

    let probe = forged(&sandbox, Fault::ProbeSignature).await;
    let error = notifications
        .verify_event(&probe.headers, &probe.body)
        .unwrap_err();
    assert!(matches!(error, Error::SignatureProbe { .. }), "{error:?}");
    assert!(error.request_id().is_some());

    let stale = forged(&sandbox, Fault::SkewTimestamp(-301)).await;
    let error = notifications
        .verify_event(&stale.headers, &stale.body)
        .unwrap_err();
    assert!(
        matches!(error, Error::StaleTimestamp { skew, .. } if skew >= 301),
        "{error:?}"
    );

    let unknown = forged(&sandbox, Fault::UnknownSerial).await;
    let error = notifications
        .verify_event(&unknown.headers, &unknown.body)
        .unwrap_err();
    assert!(matches!(error, Error::UnknownSerial { .. }), "{error:?}");

    let foreign = forged(&sandbox, Fault::ForeignSignature).await;
    let error = notifications
        .verify_event(&foreign.headers, &foreign.body)
        .unwrap_err();
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");

    let unsigned = forged(&sandbox, Fault::StripSignature).await;
    let error = notifications
        .verify_event(&unsigned.headers, &unsigned.body)
        .unwrap_err();
    assert!(matches!(error, Error::Unsigned { .. }), "{error:?}");

    // A refused callback is called a callback, not an answer, in every verification error.
    for fault in [
        Fault::TamperBody,
        Fault::ProbeSignature,
        Fault::SkewTimestamp(-301),
        Fault::UnknownSerial,
        Fault::StripSignature,
    ] {
        let refused = forged(&sandbox, fault.clone()).await;
        let error = notifications
            .verify(&refused.headers, &refused.body)
            .map(|_: wechatpay::notify::Notification<serde_json::Value>| ())
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("the callback") && !message.contains("answer"),
            "{fault:?}: {message}"
        );
    }

    // Genuine, but encrypted under another APIv3 key than the client holds.
    let genuine = receive(&sandbox, entrust_sign()).await;
    let wrong_key = sandbox
        .client_builder()
        .unwrap()
        .apiv3_key(ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap())
        .build()
        .unwrap();
    let error = wrong_key
        .notifications()
        .verify_event(&genuine.headers, &genuine.body)
        .unwrap_err();
    assert!(matches!(error, Error::Decrypt { .. }), "{error:?}");
    assert!(
        notifications
            .verify_event(&genuine.headers, &genuine.body)
            .is_ok()
    );
}

#[tokio::test]
async fn a_client_without_the_apiv3_key_says_how_to_set_it() {
    let (sandbox, _) = single_attempt_sandbox().await;
    let platform =
        WechatpayPublicKey::from_pem(sandbox.public_key_id(), &sandbox.platform_public_key_pem())
            .unwrap();
    let merchant = MerchantKey::generate().unwrap();
    let client = Client::builder()
        .mchid(sandbox.mchid())
        .merchant_key(sandbox.merchant_serial(), merchant)
        .wechatpay_public_key(platform)
        .build()
        .unwrap();
    let genuine = receive(&sandbox, entrust_sign()).await;
    let error = client
        .notifications()
        .verify_event(&genuine.headers, &genuine.body)
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(".apiv3_key(") && message.contains("WECHATPAY_APIV3_KEY"),
        "{message}"
    );
}

/// A framework that parses the JSON and hands over a re-serialized copy changes the bytes
/// (here: keys sorted, whitespace added), and the signature covers the bytes as sent, so the
/// genuine callback no longer verifies. This is why the API takes the raw body.
#[tokio::test]
async fn a_body_re_serialized_by_a_json_parser_fails_verification() {
    let (sandbox, _) = single_attempt_sandbox().await;
    let notifications = sandbox.client().unwrap().notifications();
    let genuine = receive(&sandbox, entrust_sign()).await;
    let parsed: Value = serde_json::from_slice(&genuine.body).unwrap();
    for reserialized in [
        serde_json::to_vec(&parsed).unwrap(),
        serde_json::to_vec_pretty(&parsed).unwrap(),
    ] {
        assert_eq!(
            serde_json::from_slice::<Value>(&reserialized).unwrap(),
            parsed,
            "the same JSON value"
        );
        let error = notifications
            .verify_event(&genuine.headers, &reserialized)
            .unwrap_err();
        assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");
    }
    assert!(
        notifications
            .verify_event(&genuine.headers, &genuine.body)
            .is_ok()
    );
}

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

#[tokio::test]
async fn garbage_never_panics_even_when_correctly_signed() {
    let (sandbox, platform) = single_attempt_sandbox().await;
    let notifications = sandbox.client().unwrap().notifications();
    let genuine = receive(&sandbox, entrust_sign()).await;
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"null".to_vec(),
        b"{}".to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        br#"{"id":"x","event_type":"ENTRUST.SIGN","resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":"","nonce":""}}"#.to_vec(),
        br#"{"id":7,"event_type":null,"resource":[]}"#.to_vec(),
    ];
    for _ in 0..200 {
        let mut body = genuine.body.to_vec();
        match random.below(3) {
            0 => body.truncate(random.below(body.len())),
            1 => {
                let at = random.below(body.len());
                // XOR with a non-zero byte: the byte always changes.
                body[at] ^= u8::try_from(random.next() & 0xFF).unwrap() | 1;
            }
            _ => body = (0..random.below(64)).map(|_| random.next() as u8).collect(),
        }
        bodies.push(body);
    }
    for body in &bodies {
        // Unsigned garbage under genuine headers: the signature no longer holds.
        assert!(notifications.verify_event(&genuine.headers, body).is_err());
        // Correctly signed garbage reaches the envelope parser and the decryption.
        let headers = signed_headers(&sandbox, &platform, body);
        if let Err(error) = notifications.verify_event(&headers, body) {
            assert!(
                matches!(error, Error::Notification { .. } | Error::Decrypt { .. }),
                "{error:?}"
            );
        }
    }
    let mut garbage_headers = genuine.headers.clone();
    for (name, value) in [
        ("wechatpay-timestamp", &b"99999999999999999999999"[..]),
        ("wechatpay-timestamp", b"-1"),
        ("wechatpay-signature", b"\xff\xfe"),
        ("wechatpay-signature", b""),
        ("wechatpay-serial", b""),
        ("wechatpay-signature-type", b"HMAC-SHA256"),
    ] {
        garbage_headers.insert(name, HeaderValue::from_bytes(value).unwrap());
        let error = notifications
            .verify_event(&garbage_headers, &genuine.body)
            .unwrap_err();
        assert!(error.is_verification_failure(), "{name}: {error:?}");
    }
}

#[tokio::test]
async fn security_echo_answers_and_sends_a_callback_end_to_end() {
    let sandbox = fast_sandbox().await;
    let client = sandbox.client().unwrap();
    let (url, mut received) = receiver(0).await;
    let answer = client
        .send(&SecurityEcho {
            echo_message: "hello 微信支付".into(),
            notify_url: Some(url.clone()),
            encrypted_echo_message: None,
        })
        .await
        .unwrap();
    assert_eq!(answer.echo_message.as_deref(), Some("hello 微信支付"));

    let callback = received.recv().await.unwrap();
    let notification = client
        .notifications()
        .verify_event(&callback.headers, &callback.body)
        .unwrap();
    assert_eq!(notification.event_type, "SECURITY_ECHO.SUCCESS");
    let Event::Other {
        event_type,
        resource,
    } = &notification.resource
    else {
        panic!("{:?}", notification.resource);
    };
    assert_eq!(event_type, "SECURITY_ECHO.SUCCESS");
    assert_eq!(resource["echo_message"], "hello 微信支付");
    assert_eq!(resource["mchid"], sandbox.mchid());
    let records = sandbox.callbacks();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].url, url);

    let error = client
        .send(&SecurityEcho {
            echo_message: "x".into(),
            notify_url: Some("not a url".into()),
            encrypted_echo_message: None,
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error}");
    let silent = client
        .send(&SecurityEcho {
            echo_message: "no callback".into(),
            notify_url: None,
            encrypted_echo_message: None,
        })
        .await
        .unwrap();
    assert_eq!(silent.echo_message.as_deref(), Some("no callback"));
    assert_eq!(sandbox.callbacks().len(), 1);
}

#[cfg(feature = "axum")]
mod axum_extractor {
    use axum::routing::post;
    use tower_service::Service as _;
    use wechatpay::notify::axum::{VerifiedEvent, VerifiedNotification};

    use super::*;

    /// A merchant's axum app on loopback; accepted events go to the channel.
    async fn app(client: Client) -> (String, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let typed = tx.clone();
        let router = axum::Router::new()
            .route(
                "/notify",
                post(
                    move |VerifiedEvent(notification): VerifiedEvent| async move {
                        let _ = typed.send(format!(
                            "{}: {:?}",
                            notification.event_type, notification.resource
                        ));
                        StatusCode::NO_CONTENT
                    },
                ),
            )
            .route(
                "/notify/json",
                post(
                    move |VerifiedNotification(notification): VerifiedNotification| async move {
                        let _ = tx.send(notification.resource.to_string());
                        StatusCode::NO_CONTENT
                    },
                ),
            )
            .with_state(client);
        let addr = serve(move |request: Request<Incoming>| {
            let mut router = router.clone();
            async move { router.call(request).await.unwrap() }
        })
        .await;
        (format!("http://{addr}/notify"), rx)
    }

    async fn post_raw(url: &str, headers: HeaderMap, body: Vec<u8>) -> (StatusCode, Value) {
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build_http::<Full<Bytes>>();
        let mut request = Request::post(url)
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        *request.headers_mut() = headers;
        let response = http.request(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn the_extractor_answers_204_401_and_400() {
        let (sandbox, platform) = single_attempt_sandbox().await;
        let (url, mut accepted) = app(sandbox.client().unwrap()).await;

        let record = sandbox
            .deliver(&url, entrust_sign())
            .unwrap()
            .finished()
            .await;
        assert_eq!(record.last_status(), Some(StatusCode::NO_CONTENT));
        let event = accepted.recv().await.unwrap();
        assert!(event.starts_with("ENTRUST.SIGN: EntrustSign("), "{event}");

        let record = sandbox
            .deliver(&format!("{url}/json"), entrust_sign())
            .unwrap()
            .finished()
            .await;
        assert_eq!(record.last_status(), Some(StatusCode::NO_CONTENT));
        assert!(
            accepted
                .recv()
                .await
                .unwrap()
                .contains("Wx15463511252015071056489715")
        );

        for fault in [
            Fault::ProbeSignature,
            Fault::TamperBody,
            Fault::UnknownSerial,
        ] {
            let record = sandbox
                .deliver(&url, entrust_sign().fault(fault.clone()))
                .unwrap()
                .finished()
                .await;
            assert_eq!(
                record.last_status(),
                Some(StatusCode::UNAUTHORIZED),
                "{fault:?}"
            );
        }

        let (status, body) = post_raw(&url, HeaderMap::new(), b"{}".to_vec()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "FAIL");
        assert!(
            body["message"].as_str().unwrap().contains("signature"),
            "{body}"
        );

        let garbage = b"{\"not\":\"an envelope\"}".to_vec();
        let headers = signed_headers(&sandbox, &platform, &garbage);
        let (status, body) = post_raw(&url, headers, garbage).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "FAIL");
        assert!(
            body["message"].as_str().unwrap().contains("envelope"),
            "{body}"
        );
        assert!(
            accepted.try_recv().is_err(),
            "no handler ran for a rejected callback"
        );
    }

    /// A client that cannot decrypt callbacks (no APIv3 key) answers `500` with a generic
    /// message: the extractor checks the key before the signature, so the caller may be anyone,
    /// and the configuration hint is for the merchant's log only.
    #[tokio::test]
    async fn a_missing_apiv3_key_is_not_told_to_the_caller() {
        let (sandbox, _) = single_attempt_sandbox().await;
        let platform = WechatpayPublicKey::from_pem(
            sandbox.public_key_id(),
            &sandbox.platform_public_key_pem(),
        )
        .unwrap();
        let client = Client::builder()
            .mchid(sandbox.mchid())
            .merchant_key(sandbox.merchant_serial(), MerchantKey::generate().unwrap())
            .wechatpay_public_key(platform)
            .build()
            .unwrap();
        let (url, mut accepted) = app(client).await;
        for body in [b"{}".to_vec(), b"anything".to_vec()] {
            let (status, answer) = post_raw(&url, HeaderMap::new(), body).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(answer["code"], "FAIL");
            let message = answer["message"].as_str().unwrap();
            assert!(message.contains("could not be processed"), "{message}");
            assert!(
                !message.to_ascii_lowercase().contains("apiv3"),
                "a configuration hint reached the caller: {message}"
            );
        }
        assert!(accepted.try_recv().is_err());
    }

    /// A body that trickles in (a slow-loris sender) is refused once the read timeout has passed
    /// instead of holding the connection and its task open for ever.
    #[tokio::test]
    async fn a_body_that_does_not_arrive_in_time_is_refused() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (sandbox, _) = single_attempt_sandbox().await;
        let (url, mut accepted) = app(sandbox.client().unwrap()).await;
        let authority = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST /notify HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"id\":"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), async {
            let mut buffer = [0u8; 1024];
            // The sender sends nothing more; the answer must come anyway.
            while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
                let n = stream.read(&mut buffer).await.unwrap();
                if n == 0 {
                    break;
                }
                answer.extend_from_slice(&buffer[..n]);
            }
        })
        .await;
        assert!(
            read.is_ok(),
            "no answer after 20 s: the body read has no timeout"
        );
        let elapsed = started.elapsed();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(
            elapsed >= Duration::from_secs(4) && elapsed < Duration::from_secs(15),
            "{elapsed:?}"
        );
        assert!(accepted.try_recv().is_err());
    }
}
