//! The v2 callback extractor in a merchant's axum app, fed by the sandbox's signed XML callbacks.
#![cfg(feature = "axum")]

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
use wechatpay::v2::notify::V2Event;
use wechatpay::v2::notify::axum::{VerifiedV2Event, success};
use wechatpay::v2::papay::{PreEntrustWeb, VERSION};
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
            plan_id: 12535,
            contract_code: "axum-v2-1".into(),
            request_serial: 7,
            contract_display_account: "会员 7".into(),
            notify_url: url.clone(),
            version: VERSION.into(),
            timestamp: "1796069567".into(),
            return_app: None,
        })
        .await
        .unwrap();
    let outcome = sandbox.sign_contract(&pre.pre_entrustweb_id).unwrap();
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
