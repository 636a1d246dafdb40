//! Retries, rate limits, failover and timeouts, against faults the sandbox injects.

use std::time::{Duration, Instant};

use wechatpay::Error;
use wechatpay::v3::papay::PreEntrustSign;
use wechatpay_sandbox::{Fault, Sandbox};

mod common;

fn request() -> PreEntrustSign {
    common::pre_entrust_sign("retry-1")
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_and_fresh_signatures() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .retry_backoff(Duration::from_millis(50))
        .build()
        .unwrap();
    sandbox.inject(Fault::ServerError);
    sandbox.inject(Fault::ServerError);
    let started = Instant::now();
    client.send(&request()).await.unwrap();
    // Backoff: at least 25 ms then 50 ms (the delays are jittered down to half).
    assert!(
        started.elapsed() >= Duration::from_millis(75),
        "{:?}",
        started.elapsed()
    );
    // Three requests reached the sandbox, and each passed its signature check.
    assert_eq!(sandbox.requests_received(), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .retries(2)
        .retry_backoff(Duration::from_millis(1))
        .build()
        .unwrap();
    for _ in 0..3 {
        sandbox.inject(Fault::ServerError);
    }
    let error = client.send(&request()).await.unwrap_err();
    assert_eq!(error.code(), Some("SYSTEM_ERROR"), "{error:?}");
    assert_eq!(sandbox.requests_received(), 3, "one try and two retries");

    let no_retries = sandbox
        .client_builder()
        .unwrap()
        .retries(0)
        .build()
        .unwrap();
    sandbox.inject(Fault::ServerError);
    assert!(no_retries.send(&request()).await.is_err());
    assert_eq!(sandbox.requests_received(), 4);
}

#[tokio::test]
async fn rate_limits_are_reported_and_never_retried() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(Fault::RateLimited);
    let error = client.send(&request()).await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert!(error.request_id().is_some());
    assert_eq!(sandbox.requests_received(), 1);
}

#[tokio::test]
async fn an_unreachable_host_fails_over_to_the_backup_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{closed}/"))
        .backup_base_url(sandbox.base_url())
        .build()
        .unwrap();
    client.send(&request()).await.unwrap();
    assert_eq!(sandbox.requests_received(), 1);

    // Without a backup the refused connection is the error.
    let alone = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{closed}/"))
        .build()
        .unwrap();
    let error = alone.send(&request()).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}

#[tokio::test]
async fn a_dropped_connection_is_an_error_or_a_failover() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(Fault::DropConnection);
    let error = client.send(&request()).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");

    let with_backup = sandbox
        .client_builder()
        .unwrap()
        .backup_base_url(sandbox.base_url())
        .build()
        .unwrap();
    sandbox.inject(Fault::DropConnection);
    with_backup.send(&request()).await.unwrap();
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_not_sent_again() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    sandbox.inject(Fault::Delay(Duration::from_millis(600)));
    let error = client.send(&request()).await.unwrap_err();
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
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sandbox.requests_received(),
        1,
        "a timed-out request is not repeated"
    );
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_discarded() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .max_response_bytes(64)
        .build()
        .unwrap();
    let error = client.send(&request()).await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit: 64, .. }),
        "{error:?}"
    );
    // The same answer fits the default limit.
    sandbox.client().unwrap().send(&request()).await.unwrap();
}
