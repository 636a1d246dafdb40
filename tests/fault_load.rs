//! Deductions in bulk under faults: 64 requests at a time against a sandbox that tampers with
//! 10% of its answers, fails 10% with `500 SYSTEM_ERROR` and delays 10% beyond the client's
//! timeout. Every answer the client returns as `Ok` must be one the sandbox genuinely signed
//! for that very request, each failure must be the one the fault calls for, and however often
//! the merchant re-sends, no deduction is charged twice.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use wechatpay::Error;
use wechatpay::v3::papay::{
    ApplyDeduction, DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, ScheduledAmount,
    SignScene,
};
use wechatpay_sandbox::{Fault, Sandbox};

const DEDUCTIONS: usize = 384;
const CONCURRENCY: usize = 64;
const DELAY: Duration = Duration::from_millis(2000);
/// Far above the time a normal answer takes even with 64 requests queued on a busy machine.
const TIMEOUT: Duration = Duration::from_millis(1000);
/// How often the merchant re-sends one deduction before giving up (0.3^12 ≈ 5e-7 per deduction).
const ATTEMPTS: usize = 12;

fn amount_of(index: usize) -> i64 {
    100 + i64::try_from(index).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_tampering_5xx_and_delays_every_ok_is_genuine_and_nothing_is_charged_twice() {
    // Callbacks go nowhere (a closed port) and are not retried: this test is about answers.
    let sandbox = Sandbox::builder()
        .callback_retry_delays(Vec::new())
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .timeout(TIMEOUT)
        .retries(2)
        .retry_backoff(Duration::from_millis(2))
        .build()
        .unwrap();
    let notify_url = "http://127.0.0.1:9/notify".to_owned();

    let answer = client
        .send(&PreEntrustSign {
            sign_scene: SignScene::Qrcode,
            appid: "wxd678efh567hg6787".into(),
            openid: None,
            plan_id: 12535,
            out_contract_code: "C-load".into(),
            contract_display_account: "会员".into(),
            contract_notify_url: notify_url.clone(),
            out_user_code: "user".into(),
            return_url: None,
            device_info: DeviceInfo {
                device_type: DeviceType::Phone,
                device_os: "Android 15".into(),
                device_id: "d".into(),
                device_running_as_root: false,
                device_ip: "203.0.113.7".into(),
                weixin_installed: true,
                weixin_version: "8.0.54".into(),
                days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
            },
        })
        .await
        .unwrap();
    let contract_id = sandbox
        .sign_contract(
            answer
                .pre_entrustweb_id
                .as_deref()
                .expect("pre_entrustweb_id"),
        )
        .unwrap()
        .id;

    sandbox
        .set_fault_rates(vec![
            (Fault::TamperBody, 0.1),
            (Fault::ServerError, 0.1),
            (Fault::Delay(DELAY), 0.1),
        ])
        .unwrap();

    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::new();
    for index in 0..DEDUCTIONS {
        let (client, gate) = (client.clone(), Arc::clone(&gate));
        let request = ApplyDeduction {
            appid: "wxd678efh567hg6787".into(),
            out_trade_no: format!("LOAD-{index:05}"),
            description: "会员月费".into(),
            transaction_notify_url: notify_url.clone(),
            contract_id: contract_id.clone(),
            amount: ScheduledAmount {
                total: amount_of(index),
                currency: Some("CNY".into()),
            },
            goods_tag: None,
            attach: None,
        };
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let mut failures = Vec::new();
            for _ in 0..ATTEMPTS {
                match client.send(&request).await {
                    Ok(answer) => return (index, Some(answer), failures),
                    Err(error) => failures.push(error),
                }
            }
            (index, None, failures)
        }));
    }

    let mut failures: BTreeMap<&'static str, usize> = BTreeMap::new();
    for task in tasks {
        let (index, answer, errors) = task.await.unwrap();
        let answer =
            answer.unwrap_or_else(|| panic!("deduction {index} never succeeded: {errors:?}"));
        // The answer is the one for this request, with this amount: a tampered answer that slipped
        // through would show another figure.
        assert_eq!(
            answer.out_trade_no.as_deref(),
            Some(format!("LOAD-{index:05}").as_str())
        );
        let amount = answer.amount.as_ref().expect("amount");
        assert_eq!(amount.total, Some(amount_of(index)));
        assert_eq!(amount.currency.as_deref(), Some("CNY"));
        for error in errors {
            let kind = match &error {
                Error::BadSignature { .. } => "bad signature",
                Error::Timeout { .. } => "timeout",
                Error::Api { status, code, .. }
                    if status.as_u16() == 500 && code == "SYSTEM_ERROR" =>
                {
                    "500 after retries"
                }
                other => panic!("an error no injected fault explains: {other:?}"),
            };
            *failures.entry(kind).or_default() += 1;
        }
    }

    // Let the delayed requests that timed out on the client finish on the server.
    tokio::time::sleep(DELAY + Duration::from_millis(300)).await;

    let applied = sandbox.faults_applied();
    let count = |wanted: fn(&Fault) -> bool| applied.iter().filter(|f| wanted(f)).count();
    let tampered = count(|f| matches!(f, Fault::TamperBody));
    let delayed = count(|f| matches!(f, Fault::Delay(_)));
    let server_errors = count(|f| matches!(f, Fault::ServerError));
    assert!(
        tampered > 0 && delayed > 0 && server_errors > 0,
        "{applied:?}"
    );
    // Each tampered answer was refused, each delayed one timed out: none became an `Ok`.
    assert_eq!(
        failures.get("bad signature").copied().unwrap_or(0),
        tampered
    );
    assert_eq!(failures.get("timeout").copied().unwrap_or(0), delayed);
    // 5xx answers were retried: only three in a row for one call surface.
    assert!(failures.get("500 after retries").copied().unwrap_or(0) * 3 <= server_errors);

    // Every deduction was charged, exactly once, with its amount.
    let charges = sandbox.charges();
    assert_eq!(charges.len(), DEDUCTIONS, "charges: {}", charges.len());
    let unique: HashSet<&str> = charges.iter().map(|c| c.out_trade_no.as_str()).collect();
    assert_eq!(unique.len(), DEDUCTIONS);
    for charge in &charges {
        let index: usize = charge.out_trade_no["LOAD-".len()..].parse().unwrap();
        assert_eq!(i64::try_from(charge.total).ok(), Some(amount_of(index)));
    }
    // The sandbox saw more requests than deductions: the faults made the client and the
    // merchant send again.
    assert!(sandbox.requests_received() > DEDUCTIONS as u64);
    eprintln!(
        "{DEDUCTIONS} deductions, {} requests: {tampered} tampered, {server_errors} 5xx, {delayed} delayed; client saw {failures:?}",
        sandbox.requests_received()
    );
}
