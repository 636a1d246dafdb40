//! The v2 callback extractor in a merchant's axum app, fed by the sandbox's signed XML callbacks.
#![cfg(all(feature = "axum", feature = "v2-papay"))]

use std::convert::Infallible;

use axum::routing::post;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::mpsc;
use tower_service::Service as _;
use wechatpay::v2::catalog::papay::{PreEntrustWeb, PreEntrustWebVersion};
use wechatpay::v2::notify::V2Event;
use wechatpay::v2::notify::axum::{VerifiedV2Event, success};
use wechatpay::v2::{ApiV2Key, SignType};
use wechatpay_sandbox::Sandbox;

/// The merchant's app on loopback; verified events go to the channel.
async fn app(client: wechatpay::Client) -> (String, mpsc::UnboundedReceiver<V2Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let router = axum::Router::new()
        .route(
            "/v2/notify",
            post(move |VerifiedV2Event(event): VerifiedV2Event| async move {
                let _ = tx.send(event);
                success()
            }),
        )
        .with_state(client);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let router = router.clone();
            let service = service_fn(move |request: Request<Incoming>| {
                let mut router = router.clone();
                async move { Ok::<_, Infallible>(router.call(request).await.unwrap()) }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}/v2/notify"), rx)
}

#[tokio::test]
async fn signed_callbacks_reach_the_handler_and_forged_ones_are_answered_fail() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (url, mut events) = app(client.clone()).await;

    let pre = client
        .send(&PreEntrustWeb {
            sub_appid: None,
            sub_mch_id: None,
            plan_id: "12535".into(),
            contract_code: "axum-v2-1".into(),
            request_serial: 7,
            contract_display_account: "会员 7".into(),
            notify_url: url.clone(),
            version: PreEntrustWebVersion::V10,
            timestamp: "1796069567".into(),
            return_app: None,
        })
        .await
        .unwrap();
    let outcome = sandbox
        .sign_contract(pre.pre_entrustweb_id.as_deref().expect("pre_entrustweb_id"))
        .unwrap();
    let record = outcome
        .callbacks
        .into_iter()
        .next()
        .unwrap()
        .finished()
        .await;
    assert_eq!(record.last_status(), Some(StatusCode::OK));
    match events.recv().await.unwrap() {
        V2Event::Contract(contract) => {
            assert!(contract.is_signed());
            assert_eq!(contract.contract_id, outcome.id);
            assert_eq!(contract.request_serial, Some(7));
        }
        other => panic!("expected a contract notification, got {other:?}"),
    }

    // The same body with one byte changed: refused before the handler, answered FAIL.
    let forged = String::from_utf8(record.body.to_vec())
        .unwrap()
        .replace("axum-v2-1", "axum-v2-2");
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let answer = http
        .request(
            Request::post(&url)
                .body(Full::new(Bytes::from(forged)))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    let fields = wechatpay::v2::xml::decode(&body).unwrap();
    assert_eq!(wechatpay::v2::field(&fields, "return_code"), Some("FAIL"));
    assert!(
        events.try_recv().is_err(),
        "a forged callback reached the handler"
    );
}

/// Posts `body` to `url`; the status and the answer's fields.
async fn post_xml(url: &str, body: String) -> (StatusCode, wechatpay::v2::Fields) {
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let answer = http
        .request(
            Request::post(url)
                .body(Full::new(Bytes::from(body)))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = answer.status();
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    (status, wechatpay::v2::xml::decode(&body).unwrap())
}

/// A payment callback signed with `key` as `sign_type`, naming the sign type when `declared`.
fn payment_callback(key: &ApiV2Key, sign_type: SignType, declared: bool) -> String {
    let mut fields: Vec<(String, String)> = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("appid", "wxd678efh567hg6787"),
        ("mch_id", "1900000001"),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("out_trade_no", "pin-sign-type-1"),
        ("transaction_id", "4200000001202612060000000001"),
        ("total_fee", "1500"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    if declared {
        fields.push(("sign_type".into(), sign_type.as_str().into()));
    }
    let sign = wechatpay::v2::sign(wechatpay::v2::pairs(&fields), key, sign_type);
    fields.push(("sign".into(), sign));
    wechatpay::v2::xml::encode(wechatpay::v2::pairs(&fields))
}

/// The sign type of callbacks is the client's, never the one a callback names: a merchant on
/// HMAC-SHA256 refuses an MD5-signed callback, whatever its `sign_type` says.
#[tokio::test]
async fn callbacks_must_carry_the_clients_sign_type() {
    let sandbox = Sandbox::start().await.unwrap();
    let key = ApiV2Key::new(sandbox.apiv2_key()).unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .apiv2_sign_type(SignType::HmacSha256)
        .build()
        .unwrap();
    let (url, mut events) = app(client).await;

    let (status, _) = post_xml(&url, payment_callback(&key, SignType::HmacSha256, true)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(events.recv().await, Some(V2Event::Payment(_))));

    for declared in [true, false] {
        let (status, answer) =
            post_xml(&url, payment_callback(&key, SignType::Md5, declared)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "MD5, sign_type named: {declared}"
        );
        assert_eq!(wechatpay::v2::field(&answer, "return_code"), Some("FAIL"));
    }
    assert!(
        events.try_recv().is_err(),
        "an MD5 callback reached the handler"
    );

    // A merchant on MD5 (the default) refuses HMAC-SHA256 the same way.
    let (url, mut events) = app(sandbox.client().unwrap()).await;
    let (status, _) = post_xml(&url, payment_callback(&key, SignType::HmacSha256, true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post_xml(&url, payment_callback(&key, SignType::Md5, false)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(events.recv().await, Some(V2Event::Payment(_))));
}

/// A log sink for the test: every formatted line, kept.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Rejected callbacks are logged throttled (one warning per 10 s, the rest at debug level),
/// and what a sender put in them (`return_msg`: up to 256 KiB, line breaks allowed) is logged
/// bounded and escaped: no flood, no forged log line.
#[tokio::test]
async fn rejections_are_logged_throttled_bounded_and_escaped() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let sandbox = Sandbox::start().await.unwrap();
    let (url, mut events) = app(sandbox.client().unwrap()).await;
    const FORGED: &str = "2026-12-06T00:00:00.000000Z  INFO wechatpay: refund 42 approved";
    const SENT: usize = 20;
    for i in 0..SENT {
        let message = format!("MARKER-{i}\n{FORGED}\r\n\u{202e}{}", "x".repeat(100 * 1024));
        let body = format!(
            "<xml><return_code>FAIL</return_code><return_msg><![CDATA[{message}]]></return_msg></xml>"
        );
        let (status, _) = post_xml(&url, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    assert!(events.try_recv().is_err());

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("MARKER-")).collect();
    assert_eq!(lines.len(), SENT, "one line per rejection:\n{log}");
    let warnings = lines.iter().filter(|l| l.contains(" WARN ")).count();
    assert!(
        warnings <= 1,
        "{warnings} warnings for {SENT} rejections in a burst"
    );
    for line in &lines {
        assert!(line.len() < 2048, "a line of {} bytes", line.len());
        assert!(!line.contains('\u{202e}'), "{line}");
    }
    assert!(
        !log.lines().any(|l| l.starts_with(FORGED)),
        "a sender forged a log line:\n{log}"
    );
}
