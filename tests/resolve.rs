//! `Client::resolve` over HTTP against the sandbox: a money-moving call whose answer is lost after
//! WeChat Pay did the work (`Fault::LoseAnswer`) fails with `outcome_unknown()`, and resolving it
//! gives the state WeChat Pay holds; a call that never reached WeChat Pay (`Fault::DropConnection`,
//! before any work) resolves as absent, and the same request sent again is then taken once; a
//! query that fails transiently is sent again after growing, jittered pauses; queries that keep
//! failing end in an error that still says the outcome is unknown, within the attempts and the
//! time allowed; an unsigned "no record" and a refusal are never taken for "absent".
//!
//! Kinds: orders (JSAPI prepay), refunds, merchant transfer bills, papay deductions (the sandbox
//! keeps their state), and profit sharing, whose state the sandbox does not keep: this file plays
//! WeChat Pay's profit-sharing books with `Sandbox::handle`.
//!
//! The requests are the generated catalog types of `wechatpay::v3`. One more test shows
//! `Fault::LoseAnswer` doing the work of an API v2 call too.
#![cfg(all(
    feature = "pay",
    feature = "refund",
    feature = "papay",
    feature = "fund-app",
    feature = "profitsharing"
))]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Value, json};
use wechatpay::v3::fund_app::{
    TransferSceneId as SceneId, TransferSceneReportInfos as SceneReport, TransferToUser,
};
use wechatpay::v3::papay::{ApplyDeduction, ScheduledAmount as DeductAmount};
use wechatpay::v3::pay::{Amount, JsapiPrepay, Payer};
use wechatpay::v3::profitsharing::CreateOrder;
use wechatpay::v3::refund::{CreateRefund, RefundRequestAmount};
use wechatpay::{Client, Error, Resolution, Resolve, ResolveOptions};
use wechatpay_sandbox::{ApiError, Fault, Sandbox};

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const PLAN_ID: i64 = 12535;

struct Setup {
    sandbox: Sandbox,
    client: Client,
    notify_url: String,
}

/// A sandbox, its client, and a loopback URL that takes the sandbox's callbacks.
async fn setup() -> Setup {
    let sandbox = Sandbox::start().await.expect("the sandbox starts");
    let client = sandbox.client().expect("a client");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = service_fn(|_: Request<Incoming>| async {
                let mut response = Response::new(Full::new(Bytes::new()));
                *response.status_mut() = StatusCode::NO_CONTENT;
                Ok::<_, Infallible>(response)
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Setup {
        sandbox,
        client,
        notify_url,
    }
}

/// Quick pauses, so that the tests do not wait for the defaults.
fn quick() -> ResolveOptions {
    ResolveOptions::new().backoff(Duration::from_millis(20), Duration::from_millis(100))
}

impl Setup {
    fn jsapi_order(&self, out_trade_no: &str, total: i64) -> JsapiPrepay {
        JsapiPrepay {
            appid: APPID.into(),
            mchid: self.sandbox.mchid().into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            attach: Some("order=1001".into()),
            out_trade_no: out_trade_no.into(),
            amount: Amount {
                total,
                currency: Some("CNY".into()),
            },
            time_expire: None,
            notify_url: self.notify_url.clone(),
            goods_tag: None,
            limit_pay: None,
            support_fapiao: None,
            detail: None,
            scene_info: None,
            payer: Payer {
                openid: Some(OPENID.into()),
                identity: None,
            },
            settle_info: None,
            subsidy_info: None,
        }
    }

    /// A JSAPI order the user paid; its `transaction_id`.
    async fn paid_order(&self, out_trade_no: &str, total: i64) -> String {
        self.client
            .send(&self.jsapi_order(out_trade_no, total))
            .await
            .expect("the order is placed");
        self.sandbox
            .pay_transaction(out_trade_no)
            .expect("the user pays")
            .id
    }

    fn refund(&self, transaction_id: &str, out_refund_no: &str, refund: i64) -> CreateRefund {
        CreateRefund {
            sub_mchid: None,
            transaction_id: Some(transaction_id.into()),
            out_trade_no: None,
            out_refund_no: out_refund_no.into(),
            reason: Some("商品已售完".into()),
            notify_url: Some(self.notify_url.clone()),
            funds_account: None,
            amount: RefundRequestAmount {
                refund,
                from: None,
                total: 500,
                currency: "CNY".into(),
            },
            goods_detail: None,
        }
    }

    fn transfer(&self, out_bill_no: &str, amount: i64) -> TransferToUser {
        TransferToUser {
            appid: APPID.into(),
            out_bill_no: out_bill_no.into(),
            openid: OPENID.into(),
            user_name: None,
            transfer_amount: amount,
            transfer_remark: "2026年11月报销".into(),
            notify_url: Some(self.notify_url.clone()),
            user_recv_perception: None,
            transfer_scene_id: SceneId::V1000,
            transfer_scene_report_infos: vec![SceneReport {
                info_type: "活动名称".into(),
                info_content: "注册会员有礼".into(),
            }],
            user_recv_style: None,
        }
    }

    /// A papay contract the user signed; its `contract_id`.
    async fn signed_contract(&self, out_contract_code: &str) -> String {
        let answer = self
            .client
            .request(
                http::Method::POST,
                "v3/papay/sign/contracts/pre-entrust-sign",
            )
            .json(&json!({
                "sign_scene": "SIGN_SCENE_APP",
                "appid": APPID,
                "openid": OPENID,
                "plan_id": PLAN_ID,
                "out_contract_code": out_contract_code,
                "contract_display_account": "会员 1001",
                "contract_notify_url": self.notify_url,
                "out_user_code": "user-1001",
                "device_info": {
                    "device_type": "DEVICE_TYPE_PHONE",
                    "device_os": "iOS 18.1",
                    "device_id": "5B7E2A31-9C4D",
                    "device_running_as_root": false,
                    "device_ip": "203.0.113.7",
                    "weixin_installed": true,
                    "weixin_version": "8.0.54",
                    "days_since_first_login": "DAYS_SINCE_FIRST_LOGIN_WITHIN_30_DAYS",
                },
            }))
            .send()
            .await
            .expect("the pre-sign is accepted");
        let answer: Value = answer.json().expect("JSON");
        let pre_entrustweb_id = answer["pre_entrustweb_id"].as_str().expect("an id");
        self.sandbox
            .sign_contract(pre_entrustweb_id)
            .expect("the user signs")
            .id
    }

    fn deduction(&self, contract_id: &str, out_trade_no: &str, total: i64) -> ApplyDeduction {
        ApplyDeduction {
            appid: APPID.into(),
            out_trade_no: out_trade_no.into(),
            description: "会员月费".into(),
            transaction_notify_url: self.notify_url.clone(),
            contract_id: contract_id.into(),
            amount: DeductAmount {
                total,
                currency: Some("CNY".into()),
            },
            goods_tag: None,
            attach: Some("member=1001".into()),
        }
    }
}

/// Sends `request` with the answer lost after the work: the error must say the outcome is unknown.
async fn send_losing_the_answer<R: Resolve + Sync>(setup: &Setup, request: &R) -> Error {
    setup.sandbox.inject(Fault::LoseAnswer);
    let error = setup
        .client
        .send(request)
        .await
        .err()
        .expect("the answer was lost");
    assert!(error.outcome_unknown(), "{error}");
    error
}

/// Sends `request` with the connection dropped before any work: the outcome is unknown to the
/// client all the same.
async fn send_dropping_it<R: Resolve + Sync>(setup: &Setup, request: &R) {
    setup.sandbox.inject(Fault::DropConnection);
    let error = setup
        .client
        .send(request)
        .await
        .err()
        .expect("the connection was dropped");
    assert!(error.outcome_unknown(), "{error}");
}

/// The absence a resolution must be.
fn absent<T: std::fmt::Debug>(resolution: Resolution<T>) -> wechatpay::Absence {
    match resolution {
        Resolution::Absent(absence) => absence,
        Resolution::Found(found) => panic!("expected absent, found {found:?}"),
    }
}

/// The answer a resolution must have found.
fn found<T: std::fmt::Debug>(resolution: Resolution<T>) -> T {
    match resolution {
        Resolution::Found(found) => found,
        Resolution::Absent(absence) => panic!("expected a record, WeChat Pay says {absence:?}"),
    }
}

#[tokio::test]
async fn an_order_placed_while_its_answer_was_lost_resolves_to_the_order() {
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O1", 888);
    send_losing_the_answer(&setup, &order).await;
    let placed = found(setup.client.resolve(&order).await.expect("resolved"));
    assert_eq!(placed.out_trade_no.as_deref(), Some("RS-O1"));
    assert_eq!(placed.mchid.as_deref(), Some(setup.sandbox.mchid()));
    assert_eq!(placed.appid.as_deref(), Some(APPID));
    assert_eq!(
        placed.trade_state.as_ref().map(|s| s.as_str()),
        Some("NOTPAY")
    );
    assert_eq!(placed.amount.as_ref().and_then(|a| a.total), Some(888));
    assert_eq!(placed.attach.as_deref(), Some("order=1001"));
    // One query, under the order's own number.
    assert_eq!(
        setup
            .sandbox
            .requests_to("v3/pay/transactions/out-trade-no/RS-O1"),
        1
    );
    // Paid later: resolving again says so.
    setup
        .sandbox
        .pay_transaction("RS-O1")
        .expect("the user pays");
    let paid = found(setup.client.resolve(&order).await.expect("resolved"));
    assert_eq!(
        paid.trade_state.as_ref().map(|s| s.as_str()),
        Some("SUCCESS")
    );
}

#[tokio::test]
async fn an_order_that_never_reached_wechatpay_resolves_absent_and_the_same_request_is_then_taken()
{
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O2", 300);
    send_dropping_it(&setup, &order).await;
    let absence = absent(setup.client.resolve(&order).await.expect("resolved"));
    assert_eq!(absence.code, "ORDER_NOT_EXIST");
    assert_eq!(absence.field, "out_trade_no");
    assert_eq!(absence.number, "RS-O2");
    assert_eq!(absence.queries, 1);
    assert!(absence.request_id.is_some());
    // Safe to send the same request again: it is placed once.
    let prepay = setup.client.send(&order).await.expect("placed");
    assert!(prepay.prepay_id.as_deref().is_some_and(|id| !id.is_empty()));
    let placed = found(setup.client.resolve(&order).await.expect("resolved"));
    assert_eq!(placed.amount.as_ref().and_then(|a| a.total), Some(300));
}

#[tokio::test]
async fn a_refund_taken_while_its_answer_was_lost_resolves_to_the_refund() {
    let setup = setup().await;
    let transaction_id = setup.paid_order("RS-R1", 500).await;
    let refund = setup.refund(&transaction_id, "RS-REF1", 200);
    send_losing_the_answer(&setup, &refund).await;
    let taken = found(setup.client.resolve(&refund).await.expect("resolved"));
    assert_eq!(taken.out_refund_no, "RS-REF1");
    assert_eq!(taken.transaction_id, transaction_id);
    assert_eq!(taken.out_trade_no, "RS-R1");
    assert_eq!(taken.amount.refund, 200);
    assert_eq!(taken.amount.total, 500);
    assert_eq!(taken.status.as_str(), "SUCCESS");

    let never = setup.refund(&transaction_id, "RS-REF2", 100);
    send_dropping_it(&setup, &never).await;
    let absence = absent(setup.client.resolve(&never).await.expect("resolved"));
    assert_eq!(absence.code, "RESOURCE_NOT_EXISTS");
    assert_eq!(
        (absence.field, absence.number.as_str()),
        ("out_refund_no", "RS-REF2")
    );
}

#[tokio::test]
async fn a_transfer_started_while_its_answer_was_lost_resolves_to_the_bill() {
    let setup = setup().await;
    let transfer = setup.transfer("RS-T1", 400);
    send_losing_the_answer(&setup, &transfer).await;
    let bill = found(setup.client.resolve(&transfer).await.expect("resolved"));
    assert_eq!(bill.out_bill_no.as_deref(), Some("RS-T1"));
    assert_eq!(
        bill.state.as_ref().map(|s| s.as_str()),
        Some("WAIT_USER_CONFIRM")
    );
    assert_eq!(bill.transfer_amount, Some(400));
    assert_eq!(bill.openid.as_deref(), Some(OPENID));
    assert_eq!(bill.mch_id.as_deref(), Some(setup.sandbox.mchid()));

    let never = setup.transfer("RS-T2", 100);
    send_dropping_it(&setup, &never).await;
    let absence = absent(setup.client.resolve(&never).await.expect("resolved"));
    assert_eq!(absence.code, "NOT_FOUND");
    assert_eq!(
        (absence.field, absence.number.as_str()),
        ("out_bill_no", "RS-T2")
    );
}

#[tokio::test]
async fn a_deduction_taken_while_its_answer_was_lost_resolves_to_its_order() {
    let setup = setup().await;
    let contract_id = setup.signed_contract("RS-C1").await;
    let deduction = setup.deduction(&contract_id, "RS-D1", 900);
    send_losing_the_answer(&setup, &deduction).await;
    let order = found(setup.client.resolve(&deduction).await.expect("resolved"));
    assert_eq!(order.out_trade_no.as_deref(), Some("RS-D1"));
    assert_eq!(order.trade_type.as_ref().map(|t| t.as_str()), Some("PAP"));
    assert_eq!(
        order.trade_state.as_ref().map(|s| s.as_str()),
        Some("SUCCESS")
    );
    assert_eq!(order.amount.as_ref().and_then(|a| a.total), Some(900));
    assert_eq!(order.attach.as_deref(), Some("member=1001"));
    // Queried under the client's merchant number (the deduction does not carry one).
    assert_eq!(order.mchid.as_deref(), Some(setup.sandbox.mchid()));

    let never = setup.deduction(&contract_id, "RS-D2", 900);
    send_dropping_it(&setup, &never).await;
    let absence = absent(setup.client.resolve(&never).await.expect("resolved"));
    assert_eq!(absence.code, "ORDER_NOT_EXIST");
    assert_eq!(absence.number, "RS-D2");
}

/// WeChat Pay's profit-sharing books, which the sandbox does not keep: played here.
mod profit_sharing {
    use super::*;

    /// `POST v3/profitsharing/orders`, as the handler decodes it.
    #[wechatpay::endpoint(POST, "v3/profitsharing/orders", response = Value)]
    #[derive(Deserialize)]
    pub struct CreateOrder {
        pub transaction_id: String,
        pub out_order_no: String,
        pub receivers: Option<Vec<Value>>,
    }

    /// `GET v3/profitsharing/orders/{out_order_no}?transaction_id=…`, as the handler decodes it.
    #[wechatpay::endpoint(GET, "v3/profitsharing/orders/{out_order_no}", response = Value)]
    #[derive(Deserialize)]
    pub struct QueryOrder {
        pub out_order_no: String,
        pub transaction_id: String,
    }

    /// Registers the books: orders by `out_order_no`, found only with their `transaction_id`.
    pub fn play(sandbox: &Sandbox) {
        let books: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
        let kept = Arc::clone(&books);
        sandbox.handle(move |request: CreateOrder| {
            let order = json!({
                "transaction_id": request.transaction_id,
                "out_order_no": request.out_order_no,
                "order_id": format!("3008450740201411110007820{}", request.out_order_no.len()),
                "state": "PROCESSING",
                "receivers": request.receivers.unwrap_or_default(),
            });
            kept.lock()
                .unwrap()
                .insert(request.out_order_no.clone(), order.clone());
            Ok(order)
        });
        sandbox.handle(move |request: QueryOrder| {
            books
                .lock()
                .unwrap()
                .get(&request.out_order_no)
                .filter(|order| order["transaction_id"] == request.transaction_id.as_str())
                .cloned()
                .ok_or_else(|| ApiError::new(404, "RESOURCE_NOT_EXISTS", "记录不存在"))
        });
    }
}

#[tokio::test]
async fn a_profit_sharing_order_made_while_its_answer_was_lost_resolves_to_the_order() {
    let setup = setup().await;
    profit_sharing::play(&setup.sandbox);
    let transaction_id = setup.paid_order("RS-P1", 500).await;
    let sharing = |out_order_no: &str| CreateOrder {
        sub_mchid: None,
        appid: APPID.into(),
        sub_appid: None,
        transaction_id: transaction_id.clone(),
        out_order_no: out_order_no.into(),
        receivers: None,
        unfreeze_unsplit: true,
        notify_url: None,
    };
    let order = sharing("RS-PS1");
    send_losing_the_answer(&setup, &order).await;
    let made = found(setup.client.resolve(&order).await.expect("resolved"));
    assert_eq!(made.out_order_no, "RS-PS1");
    assert_eq!(made.transaction_id, transaction_id);
    assert_eq!(made.state.as_str(), "PROCESSING");
    assert!(!made.order_id.is_empty());

    let never = sharing("RS-PS2");
    send_dropping_it(&setup, &never).await;
    let absence = absent(setup.client.resolve(&never).await.expect("resolved"));
    assert_eq!(absence.code, "RESOURCE_NOT_EXISTS");
    assert_eq!(
        (absence.field, absence.number.as_str()),
        ("out_order_no", "RS-PS2")
    );
}

#[tokio::test]
async fn failing_queries_are_sent_again_after_growing_jittered_pauses_until_one_answers() {
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O3", 120);
    send_losing_the_answer(&setup, &order).await;
    // The first three queries fail: a 5xx, a dropped connection, a rate limit.
    for fault in [
        Fault::ServerError,
        Fault::DropConnection,
        Fault::RateLimited,
    ] {
        setup.sandbox.inject(fault);
    }
    let options = ResolveOptions::new().backoff(Duration::from_millis(100), Duration::from_secs(1));
    let started = Instant::now();
    let placed = found(
        setup
            .client
            .resolve_with(&order, &options)
            .await
            .expect("resolved"),
    );
    let took = started.elapsed();
    assert_eq!(placed.out_trade_no.as_deref(), Some("RS-O3"));
    assert_eq!(placed.amount.as_ref().and_then(|a| a.total), Some(120));
    // Four queries, one each: the loop owns the retries.
    assert_eq!(
        setup
            .sandbox
            .requests_to("v3/pay/transactions/out-trade-no/RS-O3"),
        4
    );
    // Pauses of 100, 200 and 400 ms, each scaled by [0.5, 1.5): at least 350 ms, under 1050 ms.
    assert!(took >= Duration::from_millis(350), "{took:?}");
    assert!(took < Duration::from_millis(3000), "{took:?}");
}

#[tokio::test]
async fn queries_failing_past_the_attempts_leave_the_outcome_unknown() {
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O4", 120);
    send_losing_the_answer(&setup, &order).await;
    setup
        .sandbox
        .set_fault_rates(vec![(Fault::ServerError, 1.0)])
        .unwrap();
    let error = setup
        .client
        .resolve_with(&order, &quick().max_attempts(3))
        .await
        .expect_err("every query fails");
    assert!(error.outcome_unknown(), "{error}");
    let Error::Unresolved {
        queries,
        ref last,
        ref subject,
        ..
    } = error
    else {
        panic!("expected Unresolved, got {error}");
    };
    assert_eq!(queries, 3);
    assert_eq!(error.attempts(), 3);
    assert!(subject.contains("out_trade_no RS-O4"), "{subject}");
    assert_eq!(last.code(), Some("SYSTEM_ERROR"), "{last}");
    assert!(
        error.to_string().contains("all 3 attempts failed"),
        "{error}"
    );
    assert_eq!(
        setup
            .sandbox
            .requests_to("v3/pay/transactions/out-trade-no/RS-O4"),
        3
    );
}

#[tokio::test]
async fn queries_failing_past_the_time_allowed_stop_within_it() {
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O5", 120);
    send_losing_the_answer(&setup, &order).await;
    // Every query hangs far longer than resolving may take.
    setup
        .sandbox
        .set_fault_rates(vec![(Fault::Delay(Duration::from_secs(5)), 1.0)])
        .unwrap();
    let options = quick()
        .max_attempts(100)
        .max_elapsed(Duration::from_millis(600));
    let started = Instant::now();
    let error = setup
        .client
        .resolve_with(&order, &options)
        .await
        .expect_err("no query answers in time");
    let took = started.elapsed();
    assert!(error.outcome_unknown(), "{error}");
    assert!(matches!(error, Error::Unresolved { .. }), "{error}");
    assert!(took >= Duration::from_millis(550), "{took:?}");
    assert!(took < Duration::from_millis(1600), "{took:?}");

    // Dropped connections, answered at once: queries until the time is up, no pause past it.
    setup
        .sandbox
        .set_fault_rates(vec![(Fault::DropConnection, 1.0)])
        .unwrap();
    let options = ResolveOptions::new()
        .max_attempts(1000)
        .max_elapsed(Duration::from_millis(400))
        .backoff(Duration::from_millis(50), Duration::from_millis(50));
    let started = Instant::now();
    let error = setup
        .client
        .resolve_with(&order, &options)
        .await
        .expect_err("every query is dropped");
    let took = started.elapsed();
    let Error::Unresolved { queries, .. } = error else {
        panic!("expected Unresolved, got {error}");
    };
    assert!(error.outcome_unknown());
    assert!(took < Duration::from_millis(1400), "{took:?}");
    assert!((2..1000).contains(&queries), "{queries}");
}

#[tokio::test]
async fn an_unsigned_no_record_is_never_taken_for_absent() {
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O6", 120);
    send_dropping_it(&setup, &order).await;
    // WeChat Pay's "no record", without its signature: a proxy could have said it.
    setup
        .sandbox
        .set_fault_rates(vec![(Fault::StripSignature, 1.0)])
        .unwrap();
    let error = setup
        .client
        .resolve_with(&order, &quick().max_attempts(2))
        .await
        .expect_err("an unsigned answer settles nothing");
    assert!(error.outcome_unknown(), "{error}");
    let Error::Unresolved {
        queries, ref last, ..
    } = error
    else {
        panic!("expected Unresolved, got {error}");
    };
    assert_eq!(queries, 2);
    assert!(
        matches!(
            **last,
            Error::Api {
                verified: false,
                ..
            }
        ),
        "{last}"
    );
    // Signed again, it is believed.
    setup.sandbox.set_fault_rates(Vec::new()).unwrap();
    let absence = absent(setup.client.resolve(&order).await.expect("resolved"));
    assert_eq!(absence.code, "ORDER_NOT_EXIST");
}

/// The order query, as a handler decodes it (to answer it otherwise than the sandbox does).
#[wechatpay::endpoint(GET, "v3/pay/transactions/out-trade-no/{out_trade_no}", response = Value)]
#[derive(Deserialize)]
pub struct OrderQueryStandIn {
    pub out_trade_no: String,
    pub mchid: String,
}

#[tokio::test]
async fn a_refused_query_is_not_sent_again_and_a_404_of_another_code_is_not_absent() {
    let setup = setup().await;
    let order = setup.jsapi_order("RS-O7", 120);
    send_dropping_it(&setup, &order).await;
    setup
        .sandbox
        .handle(|_: OrderQueryStandIn| -> Result<Value, ApiError> {
            Err(ApiError::new(403, "NO_AUTH", "商户无权限"))
        });
    let error = setup
        .client
        .resolve_with(&order, &quick())
        .await
        .expect_err("refused");
    assert!(error.outcome_unknown(), "{error}");
    let Error::Unresolved {
        queries, ref last, ..
    } = error
    else {
        panic!("expected Unresolved, got {error}");
    };
    assert_eq!(queries, 1, "a refusal is not sent again");
    assert_eq!(last.code(), Some("NO_AUTH"));
    assert!(error.to_string().contains("cannot mend"), "{error}");

    // A signed 404 whose code is not the order query's "no record" (a wrong path, a gateway).
    setup
        .sandbox
        .handle(|_: OrderQueryStandIn| -> Result<Value, ApiError> {
            Err(ApiError::new(404, "NOT_FOUND", "Not Found"))
        });
    let error = setup
        .client
        .resolve_with(&order, &quick())
        .await
        .expect_err("not the order's absence");
    assert!(error.outcome_unknown(), "{error}");
    assert!(matches!(error, Error::Unresolved { .. }), "{error}");
}

/// A service provider's deduction for a sub-merchant: resolved by the provider's order query,
/// under the provider's `sp_mchid` (the client's) and the request's `sub_mchid`.
#[cfg(feature = "partner")]
#[tokio::test]
async fn a_service_providers_deduction_whose_answer_was_lost_resolves_to_its_order() {
    use wechatpay::v3::papay::PartnerApplyDeduction;
    const SUB_MCHID: &str = "1900000109";
    const SUB_APPID: &str = "wx8888888888888888";

    let setup = setup().await;
    let answer: Value = setup
        .client
        .request(
            http::Method::POST,
            "v3/papay/scheduled-deduct-sign/partner/contracts/pre-entrust-sign/app",
        )
        .json(&json!({
            "sp_appid": APPID,
            "sub_mchid": SUB_MCHID,
            "sub_appid": SUB_APPID,
            "plan_id": PLAN_ID,
            "out_contract_code": "RS-PC1",
            "contract_display_account": "微信代扣用户A",
            "contract_notify_url": setup.notify_url,
            "out_user_code": "user-a",
            "deduct_schedule": {
                "estimated_deduct_date": "2026-12-01",
                "estimated_deduct_amount": { "total": 700, "currency": "CNY" },
                "description": "会员月费",
            },
        }))
        .send()
        .await
        .expect("the partner pre-sign is accepted")
        .json()
        .expect("JSON");
    let contract_id = setup
        .sandbox
        .sign_contract(answer["pre_entrustweb_id"].as_str().expect("an id"))
        .expect("the user signs")
        .id;
    setup
        .client
        .request(
            http::Method::POST,
            &format!("v3/papay/pay/partner/schedules/contract-id/{contract_id}/schedule"),
        )
        .json(&json!({
            "sp_appid": APPID,
            "sub_mchid": SUB_MCHID,
            "sub_appid": SUB_APPID,
            "schedule_amount": { "total": 700, "currency": "CNY" },
        }))
        .send()
        .await
        .expect("the deduction is booked");
    let deduction = |out_trade_no: &str| PartnerApplyDeduction {
        sp_appid: APPID.into(),
        sub_mchid: SUB_MCHID.into(),
        sub_appid: Some(SUB_APPID.into()),
        out_trade_no: out_trade_no.into(),
        description: "会员月费".into(),
        transaction_notify_url: setup.notify_url.clone(),
        contract_id: contract_id.clone(),
        amount: DeductAmount {
            total: 700,
            currency: Some("CNY".into()),
        },
        goods_tag: None,
        attach: Some("partner".into()),
    };

    let taken = deduction("RS-PD1");
    send_losing_the_answer(&setup, &taken).await;
    let order = found(setup.client.resolve(&taken).await.expect("resolved"));
    assert_eq!(order.out_trade_no.as_deref(), Some("RS-PD1"));
    assert_eq!(order.sp_mchid.as_deref(), Some(setup.sandbox.mchid()));
    assert_eq!(order.sub_mchid.as_deref(), Some(SUB_MCHID));
    assert_eq!(
        order.trade_state.as_ref().map(|s| s.as_str()),
        Some("SUCCESS")
    );
    assert_eq!(order.amount.as_ref().and_then(|a| a.total), Some(700));

    let never = deduction("RS-PD2");
    send_dropping_it(&setup, &never).await;
    let absence = absent(setup.client.resolve(&never).await.expect("resolved"));
    assert_eq!(absence.code, "ORDER_NOT_EXIST");
    assert_eq!(absence.number, "RS-PD2");
}

/// `Fault::LoseAnswer` on an API v2 call: the deduction is taken, its answer is lost, and the
/// v2 order query finds it.
#[cfg(all(feature = "v2-papay", feature = "v2-pay"))]
#[tokio::test]
async fn a_lost_v2_answer_leaves_the_work_done() {
    use wechatpay::v2::catalog::papay::{PreEntrustWeb, PreEntrustWebVersion};
    use wechatpay::v2::catalog::pay::{PapOrderQuery, PapPayApply};

    let setup = setup().await;
    let pre_signed = setup
        .client
        .send(&PreEntrustWeb {
            sub_appid: None,
            sub_mch_id: None,
            plan_id: PLAN_ID.to_string(),
            contract_code: "RS-V2C1".into(),
            request_serial: 1,
            contract_display_account: "会员 1001".into(),
            notify_url: setup.notify_url.clone(),
            version: PreEntrustWebVersion::V10,
            timestamp: wechatpay::__support::unix_now().to_string(),
            return_app: None,
        })
        .await
        .expect("pre-signed");
    let contract_id = setup
        .sandbox
        .sign_contract(
            pre_signed
                .pre_entrustweb_id
                .as_deref()
                .expect("pre_entrustweb_id"),
        )
        .expect("the user signs")
        .id;
    setup.sandbox.inject(Fault::LoseAnswer);
    let error = setup
        .client
        .send(&PapPayApply {
            body: "会员月费".into(),
            detail: None,
            attach: None,
            out_trade_no: "RS-V2D1".into(),
            total_fee: 600,
            fee_type: None,
            spbill_create_ip: "203.0.113.7".into(),
            goods_tag: None,
            notify_url: setup.notify_url.clone(),
            trade_type: "PAP".into(),
            contract_id,
            receipt: None,
        })
        .await
        .expect_err("the answer was lost");
    assert!(error.outcome_unknown(), "{error}");
    let deduction = setup
        .client
        .send(&PapOrderQuery {
            // Either identifies the order; an empty field is not sent.
            transaction_id: None,
            out_trade_no: Some("RS-V2D1".into()),
        })
        .await
        .expect("the deduction was taken");
    assert_eq!(deduction.out_trade_no.as_deref(), Some("RS-V2D1"));
    assert_eq!(deduction.total_fee, Some(600));
}

#[tokio::test]
async fn a_query_that_cannot_be_sent_leaves_the_outcome_unknown() {
    let setup = setup().await;
    // No merchant number to ask by: the query cannot be rendered, and nothing is asked.
    let order = setup.jsapi_order("", 120);
    let before = setup.sandbox.requests_received();
    let error = setup
        .client
        .resolve_with(&order, &quick())
        .await
        .expect_err("nothing to ask by");
    assert!(error.outcome_unknown(), "{error}");
    let Error::Unresolved {
        queries, ref last, ..
    } = error
    else {
        panic!("expected Unresolved, got {error}");
    };
    assert_eq!(queries, 0);
    assert!(matches!(**last, Error::InvalidRequest { .. }), "{last}");
    assert!(error.to_string().contains("could not be sent"), "{error}");
    assert_eq!(setup.sandbox.requests_received(), before);
}
