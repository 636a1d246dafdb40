//! Every papay, payment and refund endpoint end to end: the client sends it over HTTP on loopback
//! to the sandbox, which answers from its state, and the callbacks it sends are received by a
//! merchant endpoint in the test, verified and decrypted by the client.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::mpsc;
use wechatpay::notify::{Event, Notification};
use wechatpay::v3::papay::{
    ApplyDeduction, ApplyDeductionResponse, ApplyHarmonyDeduction, ContractState,
    ContractTerminationMode, DaysSinceFirstLogin, DeductAmount, DeductSchedule, DeductionSchedule,
    DeviceInfo, DeviceType, EstimatedAmount, LegacyPreEntrustSign, NotifyDeductionRetry,
    NotifyPreDeduction, PreEntrustSign, QueryContract, QueryDeductionSchedule,
    QueryHarmonyContract, ScheduleDeduction, ScheduleDeductionResponse, ScheduleState,
    ScheduledAmount, ScheduledDeductPreSignApp, ScheduledDeductPreSignH5,
    ScheduledDeductPreSignJsapi, ScheduledDeductPreSignMiniProgram, SignScene, TerminateContract,
};
use wechatpay::v3::pay::{
    Amount, AppPrepay, AppPrepayWithContract, CloseOrder, ContractInfo, H5Info, H5Prepay,
    JsapiPrepay, JsapiPrepayWithContract, JsapiPrepayWithContractInfo, JsapiWithContractPayer,
    NativePrepay, PartnerSceneInfo, Payer, PrepayResponse, QueryOrderById, QueryOrderByOutTradeNo,
    TradeState, TradeType,
};
use wechatpay::v3::refund::{CreateRefund, QueryByOutRefundNo, RefundRequestAmount, RefundStatus};
use wechatpay::{Client, Endpoint as _, Error};
use wechatpay_sandbox::{Fault, Sandbox};

const APPID: &str = "wxd678efh567hg6787";
const PLAN_ID: i64 = 12535;
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// A sandbox, a client for it, and the merchant's callback endpoint.
struct World {
    sandbox: Sandbox,
    client: Client,
    notify_url: String,
    callbacks: mpsc::UnboundedReceiver<Notification<Event>>,
}

async fn world() -> World {
    world_from(Sandbox::builder()).await
}

async fn world_from(builder: wechatpay_sandbox::SandboxBuilder) -> World {
    let sandbox = builder.start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .retry_backoff(Duration::from_millis(1))
        .build()
        .unwrap();
    let (tx, callbacks) = mpsc::unbounded_channel();
    let notifications = client.notifications();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, notifications) = (tx.clone(), notifications.clone());
            let service = service_fn(move |request: Request<Incoming>| {
                let (tx, notifications) = (tx.clone(), notifications.clone());
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body.collect().await.unwrap().to_bytes();
                    // Only callbacks that verify and decrypt reach the test.
                    let status = match notifications.verify_event(&parts.headers, &body) {
                        Ok(notification) => {
                            let _ = tx.send(notification);
                            StatusCode::NO_CONTENT
                        }
                        Err(_) => StatusCode::UNAUTHORIZED,
                    };
                    let mut response = Response::new(Full::new(Bytes::new()));
                    *response.status_mut() = status;
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    World {
        sandbox,
        client,
        notify_url,
        callbacks,
    }
}

/// A payment order of type `$request` (the prepay requests share these fields) for `$world`'s
/// merchant and callback endpoint, with the fields of its own that follow.
macro_rules! order {
    ($world:expr, $request:ident, $out_trade_no:expr, $total:expr, { $($field:ident: $value:expr),* $(,)? }) => {
        $request {
            appid: APPID.into(),
            mchid: $world.sandbox.mchid().into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            out_trade_no: ($out_trade_no).into(),
            time_expire: None,
            attach: Some("自定义数据".into()),
            notify_url: $world.notify_url.clone(),
            goods_tag: None,
            support_fapiao: None,
            amount: Amount {
                total: $total,
                currency: Some("CNY".into()),
            },
            detail: None,
            settle_info: None,
            $($field: $value,)*
        }
    };
}

impl World {
    async fn callback(&mut self, event_type: &str) -> Notification<Event> {
        let notification = tokio::time::timeout(Duration::from_secs(10), self.callbacks.recv())
            .await
            .unwrap_or_else(|_| panic!("no {event_type} callback within 10 s"))
            .unwrap();
        assert_eq!(notification.event_type, event_type);
        notification
    }

    /// No further callback arrives within a short wait.
    async fn no_callback(&mut self) {
        let extra = tokio::time::timeout(Duration::from_millis(300), self.callbacks.recv()).await;
        assert!(extra.is_err(), "an unexpected callback arrived: {extra:?}");
    }

    fn pre_sign(&self, out_contract_code: &str) -> PreEntrustSign {
        PreEntrustSign {
            sign_scene: SignScene::App,
            appid: APPID.into(),
            openid: Some(OPENID.into()),
            plan_id: PLAN_ID,
            out_contract_code: out_contract_code.into(),
            contract_display_account: "会员 1001".into(),
            contract_notify_url: self.notify_url.clone(),
            out_user_code: "user-1001".into(),
            return_url: None,
            device_info: DeviceInfo {
                device_type: DeviceType::Phone,
                device_os: "iOS 18.1".into(),
                device_id: "5B7E2A31-9C4D".into(),
                device_running_as_root: false,
                device_ip: "203.0.113.7".into(),
                weixin_installed: true,
                weixin_version: "8.0.54".into(),
                days_since_first_login: DaysSinceFirstLogin::Within30Days,
            },
        }
    }

    /// Pre-signs, lets the user sign, and returns the contract id from the `ENTRUST.SIGN` callback.
    async fn signed_contract(&mut self, out_contract_code: &str) -> String {
        let answer = self
            .client
            .send(&self.pre_sign(out_contract_code))
            .await
            .unwrap();
        let outcome = self
            .sandbox
            .sign_contract(field(&answer.pre_entrustweb_id, "pre_entrustweb_id"))
            .unwrap();
        let notification = self.callback("ENTRUST.SIGN").await;
        let Event::EntrustSign(notice) = notification.resource else {
            panic!("ENTRUST.SIGN decoded as {:?}", notification.resource);
        };
        assert_eq!(notice.contract_id, outcome.id);
        assert_eq!(notice.out_contract_code, out_contract_code);
        assert_eq!(
            notice.contract_state.as_str(),
            ContractState::Signed.as_str()
        );
        notice.contract_id
    }

    fn deduction(&self, contract_id: &str, out_trade_no: &str, total: i64) -> ApplyDeduction {
        ApplyDeduction {
            appid: APPID.into(),
            out_trade_no: out_trade_no.into(),
            description: "会员月费".into(),
            transaction_notify_url: self.notify_url.clone(),
            contract_id: contract_id.into(),
            amount: cny(total),
            goods_tag: None,
            attach: Some("member=1001".into()),
        }
    }

    fn jsapi(&self, out_trade_no: &str, total: i64) -> JsapiPrepay {
        order!(self, JsapiPrepay, out_trade_no, total, {
            limit_pay: None,
            scene_info: None,
            payer: payer(),
            subsidy_info: None,
        })
    }

    fn app(&self, out_trade_no: &str, total: i64) -> AppPrepay {
        order!(self, AppPrepay, out_trade_no, total, {
            limit_pay: None,
            scene_info: None,
            payer: None,
            subsidy_info: None,
        })
    }

    fn native(&self, out_trade_no: &str, total: i64) -> NativePrepay {
        order!(self, NativePrepay, out_trade_no, total, {
            limit_pay: None,
            scene_info: None,
            payer: None,
        })
    }

    async fn query_order(&self, out_trade_no: &str) -> wechatpay::v3::pay::Transaction {
        self.client
            .send(&QueryOrderByOutTradeNo {
                out_trade_no: out_trade_no.into(),
                mchid: self.sandbox.mchid().into(),
            })
            .await
            .unwrap()
    }

    /// A JSAPI order the user paid; returns its transaction id.
    async fn paid_order(&mut self, out_trade_no: &str, total: i64) -> String {
        self.client
            .send(&self.jsapi(out_trade_no, total))
            .await
            .unwrap();
        let outcome = self.sandbox.pay_transaction(out_trade_no).unwrap();
        let notification = self.callback("TRANSACTION.SUCCESS").await;
        let Event::Transaction(payment) = notification.resource else {
            panic!("not a payment");
        };
        assert_eq!(payment.transaction_id.as_deref(), Some(outcome.id.as_str()));
        outcome.id
    }
}

fn cny(total: i64) -> ScheduledAmount {
    ScheduledAmount {
        total,
        currency: Some("CNY".into()),
    }
}

fn payer() -> Payer {
    Payer {
        openid: Some(OPENID.into()),
        identity: None,
    }
}

/// A text field of an answer that the sandbox always sends (`None` fails the test, naming it).
fn field<'a>(value: &'a Option<String>, name: &str) -> &'a str {
    value
        .as_deref()
        .unwrap_or_else(|| panic!("the answer has no `{name}`"))
}

/// The total and currency of an answer's amount, for comparing two answers.
fn amount_of(amount: &Option<DeductAmount>) -> Option<(Option<i64>, Option<&str>)> {
    amount
        .as_ref()
        .map(|amount| (amount.total, amount.currency.as_deref()))
}

/// The schedule a query reports is the one the booking answered, field by field.
fn assert_same_schedule(queried: &DeductionSchedule, booked: &ScheduleDeductionResponse) {
    assert_eq!(
        queried.schedule_state.as_ref().map(ScheduleState::as_str),
        booked.schedule_state.as_deref()
    );
    assert_eq!(queried.deduct_start_date, booked.deduct_start_date);
    assert_eq!(queried.deduct_end_date, booked.deduct_end_date);
    assert_eq!(
        amount_of(&queried.scheduled_amount),
        amount_of(&booked.scheduled_amount)
    );
    assert_eq!(
        amount_of(&queried.deduct_amount),
        amount_of(&booked.deduct_amount)
    );
    assert_eq!(queried.deduct_date, booked.deduct_date);
}

/// Two answers to a deduction are the same, field by field.
fn assert_same_deduction(answer: &ApplyDeductionResponse, first: &ApplyDeductionResponse) {
    assert_eq!(answer.out_trade_no, first.out_trade_no);
    assert_eq!(amount_of(&answer.amount), amount_of(&first.amount));
}

/// Two answers to a prepay are the same, field by field.
fn assert_same_prepay(answer: &PrepayResponse, first: &PrepayResponse) {
    assert_eq!(answer.prepay_id, first.prepay_id);
    assert_eq!(answer.h5_url, first.h5_url);
    assert_eq!(answer.code_url, first.code_url);
}
/// The `Error::Api` parts a test checks: status, code and `detail`.
fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (StatusCode, String, Value) {
    match result {
        Err(Error::Api {
            status,
            code,
            detail,
            ..
        }) => (status, code, detail.unwrap_or(Value::Null)),
        other => panic!("expected an API error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Contracts.

#[tokio::test]
async fn pre_entrust_sign_then_signing_makes_a_signed_contract() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-presign").await;
    let contract = world
        .client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: "C-presign".into(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_id.as_deref(), Some(contract_id.as_str()));
    assert_eq!(contract.contract_state, Some(ContractState::Signed));
    assert_eq!(contract.mchid.as_deref(), Some(world.sandbox.mchid()));
    assert_eq!(contract.openid.as_deref(), Some(OPENID));
    assert_eq!(contract.out_user_code.as_deref(), Some("user-1001"));
    assert!(contract.contract_terminate_info.is_none());
    // A pre-sign id is used once; a signed contract cannot be signed twice.
    assert!(matches!(
        world.sandbox.sign_contract("PRE-unknown"),
        Err(Error::Config(_))
    ));
    let again = world
        .client
        .send(&world.pre_sign("C-presign"))
        .await
        .unwrap();
    assert!(matches!(
        world.sandbox.sign_contract(field(&again.pre_entrustweb_id, "pre_entrustweb_id")),
        Err(Error::Config(message)) if message.contains("already signed")
    ));
}

#[tokio::test]
async fn the_legacy_pre_sign_path_leads_to_the_same_contracts() {
    let mut world = world().await;
    // The legacy path takes the same fields as the pre-sign.
    let answer = world
        .client
        .send(&LegacyPreEntrustSign::from(world.pre_sign("C-legacy")))
        .await
        .unwrap();
    let pre_entrustweb_id = field(&answer.pre_entrustweb_id, "pre_entrustweb_id");
    assert!(field(&answer.mini_program_path, "mini_program_path").contains(pre_entrustweb_id));
    world.sandbox.sign_contract(pre_entrustweb_id).unwrap();
    world.callback("ENTRUST.SIGN").await;
    let contract = world
        .client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: "C-legacy".into(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_state, Some(ContractState::Signed));
}

#[tokio::test]
async fn query_contract_of_an_unknown_contract_is_404_resource_not_exists() {
    let world = world().await;
    let (status, code, detail) = api_error(
        world
            .client
            .send(&QueryContract {
                plan_id: PLAN_ID,
                out_contract_code: "never-signed".into(),
            })
            .await,
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code, "RESOURCE_NOT_EXISTS");
    assert_eq!(detail["value"], "never-signed");
    // A pre-sign alone is no contract.
    world
        .client
        .send(&world.pre_sign("C-pending"))
        .await
        .unwrap();
    let (status, ..) = api_error(
        world
            .client
            .send(&QueryContract {
                plan_id: PLAN_ID,
                out_contract_code: "C-pending".into(),
            })
            .await,
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn terminate_contract_ends_it_sends_entrust_terminate_and_is_safe_to_repeat() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-end").await;
    let terminate = TerminateContract {
        plan_id: PLAN_ID,
        out_contract_code: "C-end".into(),
        contract_termination_remark: "用户退订".into(),
    };
    let contract = world.client.send(&terminate).await.unwrap();
    assert_eq!(contract.contract_id.as_deref(), Some(contract_id.as_str()));
    assert_eq!(
        contract.contract_state.as_deref(),
        Some(ContractState::Terminated.as_str())
    );
    let info = contract
        .contract_terminate_info
        .expect("the terminated contract has contract_terminate_info");
    assert_eq!(
        info.contract_termination_mode.as_deref(),
        Some(ContractTerminationMode::MchApiTerminate.as_str())
    );
    assert_eq!(
        info.contract_termination_remark.as_deref(),
        Some("用户退订")
    );

    let notification = world.callback("ENTRUST.TERMINATE").await;
    let Event::EntrustTerminate(notice) = notification.resource else {
        panic!("not a contract");
    };
    assert_eq!(
        notice.contract_state.as_str(),
        ContractState::Terminated.as_str()
    );
    assert_eq!(
        notice
            .contract_terminate_info
            .unwrap()
            .contract_termination_mode
            .as_str(),
        "MCH_API_TERMINATE"
    );

    // Sent again (a retry): the same terminated contract, and no second callback.
    let again = world.client.send(&terminate).await.unwrap();
    assert_eq!(
        again.contract_state.as_deref(),
        Some(ContractState::Terminated.as_str())
    );
    world.no_callback().await;

    let (status, code, _) = api_error(
        world
            .client
            .send(&TerminateContract {
                out_contract_code: "C-unknown".into(),
                ..terminate
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
}

#[tokio::test]
async fn a_user_terminating_in_wechat_is_reported_as_user_terminate() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-user-end").await;
    world
        .sandbox
        .terminate_contract_as_user(&contract_id)
        .unwrap();
    let notification = world.callback("ENTRUST.TERMINATE").await;
    let Event::EntrustTerminate(notice) = notification.resource else {
        panic!("not a contract");
    };
    assert_eq!(
        notice
            .contract_terminate_info
            .unwrap()
            .contract_termination_mode
            .as_str(),
        "USER_TERMINATE"
    );
    let contract = world
        .client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: "C-user-end".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        contract
            .contract_terminate_info
            .expect("the terminated contract has contract_terminate_info")
            .contract_termination_mode
            .as_deref(),
        Some(ContractTerminationMode::UserTerminate.as_str())
    );
}

// ---------------------------------------------------------------------------------------------
// HarmonyOS.

#[tokio::test]
async fn harmony_query_and_deduction() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-harmony").await;
    let contract = world
        .client
        .send(&QueryHarmonyContract {
            plan_id: PLAN_ID,
            out_contract_code: "C-harmony".into(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_id.as_deref(), Some(contract_id.as_str()));
    assert_eq!(contract.contract_state, Some(ContractState::Signed));
    assert!(contract.mask_wxid.is_some());

    let accepted = world
        .client
        .send(&ApplyHarmonyDeduction {
            appid: APPID.into(),
            out_trade_no: "H-1".into(),
            description: "会员月费".into(),
            transaction_notify_url: world.notify_url.clone(),
            contract_id: contract_id.clone(),
            amount: cny(990),
            goods_tag: None,
            attach: None,
            harmony_account_id: "harmony-1001".into(),
            mcc: None,
        })
        .await
        .unwrap();
    assert_eq!(accepted.out_trade_no.as_deref(), Some("H-1"));
    assert_eq!(accepted.amount.and_then(|amount| amount.total), Some(990));
    let notification = world.callback("TRANSACTION.SUCCESS").await;
    let Event::Transaction(payment) = notification.resource else {
        panic!("not a payment");
    };
    assert_eq!(payment.contract_id.as_deref(), Some(contract_id.as_str()));
    assert_eq!(
        payment.trade_type.as_ref().map(|kind| kind.as_str()),
        Some("PAP")
    );
}

// ---------------------------------------------------------------------------------------------
// Scheduled-deduction pre-signs.

/// A scheduled-deduction pre-sign of type `$request` (the four scenes share these fields), with
/// the fields of its own that follow.
macro_rules! scheduled_sign {
    ($request:ident, $world:expr, $code:expr, $total:expr $(, $field:ident: $value:expr)* $(,)?) => {
        $request {
            appid: APPID.into(),
            openid: Some(OPENID.into()),
            plan_id: PLAN_ID,
            out_contract_code: ($code).into(),
            contract_display_account: "会员 1001".into(),
            contract_notify_url: $world.notify_url.clone(),
            out_user_code: None,
            deduct_schedule: Some(DeductSchedule {
                estimated_deduct_date: "2026-12-01".into(),
                estimated_deduct_amount: cny($total),
                description: "12月会员费".into(),
            }),
            $($field: $value,)*
        }
    };
}

/// Signs a scheduled-deduction contract from a pre-sign id or URL, checks the booking the
/// contract reports, and returns its id.
async fn sign_scheduled(world: &mut World, id_or_url: &str, code: &str) -> String {
    world.sandbox.sign_contract(id_or_url).unwrap();
    let notification = world.callback("ENTRUST.SIGN").await;
    let Event::EntrustSign(notice) = notification.resource else {
        panic!("not a contract");
    };
    // The callback names the figure `amount`; the query names it `total`.
    let schedule = notice.deduct_schedule.unwrap();
    assert_eq!(schedule.estimated_deduct_amount.unwrap().amount, Some(2500));
    assert_eq!(
        schedule.schedule_state.as_ref().map(|state| state.as_str()),
        Some("NO_SCHEDULED")
    );
    let contract = world
        .client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: code.into(),
        })
        .await
        .unwrap();
    let schedule = contract
        .deduct_schedule
        .expect("the contract has its deduct_schedule");
    assert_eq!(
        schedule.estimated_deduct_date.as_deref(),
        Some("2026-12-01")
    );
    assert_eq!(
        schedule
            .estimated_deduct_amount
            .and_then(|amount| amount.total),
        Some(2500)
    );
    assert_eq!(
        schedule.schedule_state.as_deref(),
        Some(ScheduleState::NoScheduled.as_str())
    );
    notice.contract_id
}

#[tokio::test]
async fn scheduled_deduct_pre_sign_app() {
    let mut world = world().await;
    let answer = world
        .client
        .send(&scheduled_sign!(
            ScheduledDeductPreSignApp,
            world,
            "S-app",
            2500
        ))
        .await
        .unwrap();
    let pre_entrustweb_id = field(&answer.pre_entrustweb_id, "pre_entrustweb_id");
    assert!(field(&answer.miniprogram_path, "miniprogram_path").contains(pre_entrustweb_id));
    sign_scheduled(&mut world, pre_entrustweb_id, "S-app").await;
}

#[tokio::test]
async fn scheduled_deduct_pre_sign_h5() {
    let mut world = world().await;
    let answer = world
        .client
        .send(&scheduled_sign!(
            ScheduledDeductPreSignH5,
            world,
            "S-h5",
            2500,
            jump_control: None,
        ))
        .await
        .unwrap();
    // The signing page is the sandbox's own (its user's side, `/sandbox/papay/entrustweb`).
    let redirect_url = field(&answer.redirect_url, "redirect_url");
    assert!(
        redirect_url.starts_with(&format!(
            "{}sandbox/papay/entrustweb?",
            world.sandbox.base_url()
        )),
        "{redirect_url}"
    );
    sign_scheduled(&mut world, redirect_url, "S-h5").await;
}

#[tokio::test]
async fn scheduled_deduct_pre_sign_jsapi() {
    let mut world = world().await;
    let answer = world
        .client
        .send(&scheduled_sign!(
            ScheduledDeductPreSignJsapi,
            world,
            "S-jsapi",
            2500
        ))
        .await
        .unwrap();
    sign_scheduled(
        &mut world,
        field(&answer.redirect_url, "redirect_url"),
        "S-jsapi",
    )
    .await;
}

#[tokio::test]
async fn scheduled_deduct_pre_sign_mini_program() {
    let mut world = world().await;
    let answer = world
        .client
        .send(&scheduled_sign!(
            ScheduledDeductPreSignMiniProgram,
            world,
            "S-mp",
            2500
        ))
        .await
        .unwrap();
    assert!(!field(&answer.redirect_appid, "redirect_appid").is_empty());
    let pre_entrustweb_id = field(&answer.pre_entrustweb_id, "pre_entrustweb_id");
    sign_scheduled(&mut world, pre_entrustweb_id, "S-mp").await;

    let (status, code, detail) = api_error(
        world
            .client
            .send(&scheduled_sign!(
                ScheduledDeductPreSignMiniProgram,
                world,
                "S-zero",
                0
            ))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(
        detail["field"],
        "/deduct_schedule/estimated_deduct_amount/total"
    );
}

// ---------------------------------------------------------------------------------------------
// Schedules and deductions.

#[tokio::test]
async fn schedule_deduction_and_query_deduction_schedule() {
    let mut world = world().await;
    let answer = world
        .client
        .send(&scheduled_sign!(
            ScheduledDeductPreSignApp,
            world,
            "S-book",
            2500
        ))
        .await
        .unwrap();
    let pre_entrustweb_id = field(&answer.pre_entrustweb_id, "pre_entrustweb_id");
    let contract_id = sign_scheduled(&mut world, pre_entrustweb_id, "S-book").await;

    // A scheduled-deduction contract deducts only after booking.
    let (status, code, _) = api_error(
        world
            .client
            .send(&world.deduction(&contract_id, "S-early", 2500))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );

    let booked = world
        .client
        .send(&ScheduleDeduction {
            contract_id: contract_id.clone(),
            appid: APPID.into(),
            schedule_amount: cny(2500),
        })
        .await
        .unwrap();
    assert_eq!(
        booked.schedule_state.as_deref(),
        Some(ScheduleState::Scheduled.as_str())
    );
    assert_eq!(
        booked
            .scheduled_amount
            .as_ref()
            .and_then(|amount| amount.total),
        Some(2500)
    );
    let queried = world
        .client
        .send(&QueryDeductionSchedule {
            contract_id: contract_id.clone(),
        })
        .await
        .unwrap();
    assert_same_schedule(&queried, &booked);

    // The deduction must match the booking.
    let (status, ..) = api_error(
        world
            .client
            .send(&world.deduction(&contract_id, "S-wrong", 2400))
            .await,
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    world
        .client
        .send(&world.deduction(&contract_id, "S-right", 2500))
        .await
        .unwrap();
    world.callback("TRANSACTION.SUCCESS").await;
    let paid = world
        .client
        .send(&QueryDeductionSchedule {
            contract_id: contract_id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(paid.schedule_state, Some(ScheduleState::Paid));
    assert_eq!(
        paid.deduct_amount.and_then(|amount| amount.total),
        Some(2500)
    );

    let (status, code, detail) = api_error(
        world
            .client
            .send(&ScheduleDeduction {
                contract_id: contract_id.clone(),
                appid: APPID.into(),
                schedule_amount: cny(0),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/schedule_amount/total");
    let (status, code, _) = api_error(
        world
            .client
            .send(&QueryDeductionSchedule {
                contract_id: "no-such-contract".into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
}

#[tokio::test]
async fn apply_deduction_charges_once_and_reports_by_callback_and_query() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-deduct").await;
    let request = world.deduction(&contract_id, "D-1", 1500);
    let accepted = world.client.send(&request).await.unwrap();
    assert_eq!(accepted.out_trade_no.as_deref(), Some("D-1"));
    assert_eq!(
        accepted.amount.as_ref().and_then(|amount| amount.total),
        Some(1500)
    );

    let notification = world.callback("TRANSACTION.SUCCESS").await;
    let Event::Transaction(payment) = notification.resource else {
        panic!("not a payment");
    };
    assert_eq!(
        payment.trade_state.as_ref().map(|state| state.as_str()),
        Some("SUCCESS")
    );
    assert_eq!(payment.out_trade_no.as_deref(), Some("D-1"));
    assert_eq!(payment.attach.as_deref(), Some("member=1001"));
    assert_eq!(payment.amount.unwrap().total, Some(1500));

    let order = world.query_order("D-1").await;
    assert_eq!(order.trade_state, Some(TradeState::Success));
    // `PAP` is not among the catalog's trade types: it arrives as an unknown value, kept as sent.
    assert_eq!(
        order.trade_type.as_ref().map(TradeType::as_str),
        Some("PAP")
    );
    assert_eq!(
        order.transaction_id.as_deref(),
        payment.transaction_id.as_deref()
    );

    // The same request again (a retry) gets the same answer and charges nothing more.
    assert_same_deduction(&world.client.send(&request).await.unwrap(), &accepted);
    // A 5xx answered before anything happened is retried by the client; still one charge each.
    world.sandbox.inject(Fault::ServerError);
    world
        .client
        .send(&world.deduction(&contract_id, "D-2", 1500))
        .await
        .unwrap();
    // An answer tampered on the way is refused, though the deduction happened; the merchant
    // sends it again and gets the genuine answer, without a second charge.
    world.sandbox.inject(Fault::TamperBody);
    let tampered = world
        .client
        .send(&world.deduction(&contract_id, "D-3", 1500))
        .await;
    assert!(
        matches!(tampered, Err(Error::BadSignature { .. })),
        "{tampered:?}"
    );
    let resent = world
        .client
        .send(&world.deduction(&contract_id, "D-3", 1500))
        .await
        .unwrap();
    assert_eq!(resent.out_trade_no.as_deref(), Some("D-3"));
    let charges = world.sandbox.charges();
    let mut charged: Vec<&str> = charges.iter().map(|c| c.out_trade_no.as_str()).collect();
    charged.sort_unstable();
    assert_eq!(charged, ["D-1", "D-2", "D-3"]);

    // The same out_trade_no with other content is refused.
    let (status, code, detail) = api_error(
        world
            .client
            .send(&world.deduction(&contract_id, "D-1", 1600))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    assert_eq!(detail["field"], "/out_trade_no");
    // A zero amount names the field.
    let (status, code, detail) = api_error(
        world
            .client
            .send(&world.deduction(&contract_id, "D-zero", 0))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/amount/total");
    // An unknown contract.
    let (status, code, _) = api_error(
        world
            .client
            .send(&world.deduction("no-such-contract", "D-4", 1500))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
    // A terminated contract.
    world
        .sandbox
        .terminate_contract_as_user(&contract_id)
        .unwrap();
    let (status, code, detail) = api_error(
        world
            .client
            .send(&world.deduction(&contract_id, "D-5", 1500))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    assert_eq!(detail["contract_state"], "TERMINATED");
    assert_eq!(world.sandbox.charges().len(), 3);
}

#[tokio::test]
async fn a_deduction_can_stay_accepted_before_it_settles() {
    let mut world =
        world_from(Sandbox::builder().settle_deductions_after(Duration::from_millis(400))).await;
    let contract_id = world.signed_contract("C-async").await;
    world
        .client
        .send(&world.deduction(&contract_id, "A-1", 1500))
        .await
        .unwrap();
    let accepted = world.query_order("A-1").await;
    assert_eq!(accepted.trade_state, Some(TradeState::Accept));
    assert!(accepted.success_time.is_none());
    assert!(world.sandbox.charges().is_empty());
    world.callback("TRANSACTION.SUCCESS").await;
    let settled = world.query_order("A-1").await;
    assert_eq!(settled.trade_state, Some(TradeState::Success));
    assert!(settled.success_time.is_some());
    assert_eq!(world.sandbox.charges().len(), 1);

    // A scheduled-deduction booking pays for one deduction: a second one is refused while the
    // first is still being deducted.
    let answer = world
        .client
        .send(&scheduled_sign!(
            ScheduledDeductPreSignApp,
            world,
            "S-async",
            2500
        ))
        .await
        .unwrap();
    let pre_entrustweb_id = field(&answer.pre_entrustweb_id, "pre_entrustweb_id");
    let booked = sign_scheduled(&mut world, pre_entrustweb_id, "S-async").await;
    world
        .client
        .send(&ScheduleDeduction {
            contract_id: booked.clone(),
            appid: APPID.into(),
            schedule_amount: cny(2500),
        })
        .await
        .unwrap();
    world
        .client
        .send(&world.deduction(&booked, "A-2", 2500))
        .await
        .unwrap();
    let (status, code, detail) = api_error(
        world
            .client
            .send(&world.deduction(&booked, "A-3", 2500))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    assert_eq!(detail["out_trade_no"], "A-2");
    world.callback("TRANSACTION.SUCCESS").await;
    assert_eq!(world.sandbox.charges().len(), 2);
}

#[tokio::test]
async fn a_failing_deduction_sends_transaction_fail_and_charges_nothing() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-poor").await;
    world
        .sandbox
        .fail_deductions(&contract_id, "余额不足")
        .unwrap();
    world
        .client
        .send(&world.deduction(&contract_id, "F-1", 1500))
        .await
        .unwrap();
    let notification = world.callback("TRANSACTION.FAIL").await;
    let Event::Transaction(payment) = notification.resource else {
        panic!("not a payment");
    };
    assert_eq!(
        payment.trade_state.as_ref().map(|state| state.as_str()),
        Some("PAYERROR")
    );
    assert_eq!(payment.trade_state_desc.as_deref(), Some("余额不足"));
    let order = world.query_order("F-1").await;
    assert_eq!(order.trade_state, Some(TradeState::Payerror));
    assert!(world.sandbox.charges().is_empty());

    world.sandbox.succeed_deductions(&contract_id).unwrap();
    world
        .client
        .send(&world.deduction(&contract_id, "F-2", 1500))
        .await
        .unwrap();
    world.callback("TRANSACTION.SUCCESS").await;
    assert_eq!(world.sandbox.charges().len(), 1);
}

#[tokio::test]
async fn notify_pre_deduction_answers_204() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-notice").await;
    let notice = NotifyPreDeduction {
        contract_id: contract_id.clone(),
        mchid: world.sandbox.mchid().into(),
        appid: APPID.into(),
        deduct_duration: None,
        estimated_amount: EstimatedAmount {
            amount: 1500,
            currency: Some("CNY".into()),
        },
    };
    world.client.send(&notice).await.unwrap();

    let (status, code, detail) = api_error(
        world
            .client
            .send(&NotifyPreDeduction {
                estimated_amount: EstimatedAmount {
                    amount: 0,
                    currency: None,
                },
                ..notice.clone()
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/estimated_amount/amount");
    let (status, ..) = api_error(
        world
            .client
            .send(&NotifyPreDeduction {
                contract_id: "no-such-contract".into(),
                ..notice
            })
            .await,
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notify_deduction_retry_answers_204_until_the_contract_ends() {
    let mut world = world().await;
    let contract_id = world.signed_contract("C-retry").await;
    let notice = NotifyDeductionRetry {
        contract_id: contract_id.clone(),
        mchid: world.sandbox.mchid().into(),
        appid: APPID.into(),
    };
    world.client.send(&notice).await.unwrap();
    world
        .sandbox
        .terminate_contract_as_user(&contract_id)
        .unwrap();
    let (status, code, _) = api_error(world.client.send(&notice).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
}

// ---------------------------------------------------------------------------------------------
// Pay and sign.

#[tokio::test]
async fn jsapi_prepay_with_contract_signs_when_the_user_pays() {
    let mut world = world().await;
    let prepay = world
        .client
        .send(&order!(world, JsapiPrepayWithContract, "PS-1", 3000, {
            payer: JsapiWithContractPayer {
                openid: OPENID.into(),
            },
            scene_info: None,
            contract_info: JsapiPrepayWithContractInfo {
                token: None,
                password_free_contract_id: None,
                plan_id: Some(PLAN_ID.to_string()),
                contract_mchid: Some(world.sandbox.mchid().into()),
                contract_appid: Some(APPID.into()),
                contract_code: Some("C-paysign".into()),
                request_serial: Some("1001".into()),
                contract_display_account: Some("会员 1001".into()),
                contract_notify_url: Some(world.notify_url.clone()),
            },
        }))
        .await
        .unwrap();
    assert!(field(&prepay.prepay_id, "prepay_id").starts_with("wx"));
    world.sandbox.pay_transaction("PS-1").unwrap();
    world.callback("TRANSACTION.SUCCESS").await;
    let notification = world.callback("ENTRUST.SIGN").await;
    let Event::EntrustSign(notice) = notification.resource else {
        panic!("not a contract");
    };
    assert_eq!(notice.out_contract_code, "C-paysign");
    let contract = world
        .client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: "C-paysign".into(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_state, Some(ContractState::Signed));
    assert_eq!(contract.openid, payer().openid);
}

#[tokio::test]
async fn app_prepay_with_contract_signs_when_the_user_pays() {
    let mut world = world().await;
    world
        .client
        .send(&order!(world, AppPrepayWithContract, "PS-2", 3000, {
            scene_info: None,
            contract_info: ContractInfo {
                plan_id: PLAN_ID.to_string(),
                contract_mchid: world.sandbox.mchid().into(),
                contract_appid: APPID.into(),
                contract_code: "C-appsign".into(),
                request_serial: "1002".into(),
                contract_display_account: "会员 1002".into(),
                contract_notify_url: None,
            },
        }))
        .await
        .unwrap();
    let outcome = world.sandbox.pay_transaction("PS-2").unwrap();
    // Without a contract notify URL only the payment is reported.
    assert_eq!(outcome.callbacks.len(), 1);
    world.callback("TRANSACTION.SUCCESS").await;
    let contract = world
        .client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: "C-appsign".into(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_state, Some(ContractState::Signed));
}

// ---------------------------------------------------------------------------------------------
// Payments.

#[tokio::test]
async fn jsapi_prepay_then_payment_then_queries() {
    let mut world = world().await;
    let request = world.jsapi("O-jsapi", 100);
    let prepay = world.client.send(&request).await.unwrap();
    // A retry gets the same prepay id.
    assert_same_prepay(&world.client.send(&request).await.unwrap(), &prepay);
    let waiting = world.query_order("O-jsapi").await;
    assert_eq!(waiting.trade_state, Some(TradeState::Notpay));
    assert!(waiting.transaction_id.is_none());

    let transaction_id = world.paid_order("O-jsapi-2", 100).await;
    let by_id = world
        .client
        .send(&QueryOrderById {
            transaction_id: transaction_id.clone(),
            mchid: world.sandbox.mchid().into(),
        })
        .await
        .unwrap();
    assert_eq!(by_id.out_trade_no.as_deref(), Some("O-jsapi-2"));
    assert_eq!(by_id.trade_state, Some(TradeState::Success));
    assert_eq!(by_id.trade_type, Some(TradeType::Jsapi));
    assert_eq!(
        by_id.payer.expect("the paid order has its payer").openid,
        payer().openid
    );
    assert_eq!(
        by_id
            .amount
            .expect("the paid order has its amount")
            .payer_total,
        Some(100)
    );
    // Paying twice is not possible; neither is ordering again under a paid number.
    assert!(world.sandbox.pay_transaction("O-jsapi-2").is_err());
    let (status, code, _) = api_error(world.client.send(&world.jsapi("O-jsapi-2", 100)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "ORDERPAID")
    );
    assert_eq!(world.sandbox.charges().len(), 1);
}

#[tokio::test]
async fn app_prepay() {
    let world = world().await;
    let request = world.app("O-app", 100);
    let prepay = world.client.send(&request).await.unwrap();
    assert!(field(&prepay.prepay_id, "prepay_id").starts_with("wx"));
    let (status, code, detail) = api_error(world.client.send(&world.app("O-app", 200)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    assert_eq!(detail["value"], "O-app");
}

#[tokio::test]
async fn h5_prepay() {
    let world = world().await;
    let answer = world
        .client
        .send(&order!(world, H5Prepay, "O-h5", 100, {
            limit_pay: None,
            scene_info: PartnerSceneInfo {
                payer_client_ip: "203.0.113.7".into(),
                device_id: None,
                store_info: None,
                h5_info: H5Info {
                    r#type: "Wap".into(),
                    app_name: None,
                    app_url: None,
                    bundle_id: None,
                    package_name: None,
                },
            },
            payer: None,
        }))
        .await
        .unwrap();
    let h5_url = field(&answer.h5_url, "h5_url");
    assert!(
        h5_url.starts_with(&format!(
            "{}sandbox/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx",
            world.sandbox.base_url()
        )),
        "{h5_url}"
    );
    assert!(h5_url.contains("&package="), "{h5_url}");
    assert_eq!(
        world.query_order("O-h5").await.trade_state,
        Some(TradeState::Notpay)
    );
}

#[tokio::test]
async fn native_prepay() {
    let world = world().await;
    let answer = world
        .client
        .send(&world.native("O-native", 100))
        .await
        .unwrap();
    let code_url = field(&answer.code_url, "code_url");
    assert!(
        code_url.starts_with(&format!(
            "{}sandbox/wxpay/bizpayurl?pr=",
            world.sandbox.base_url()
        )),
        "{code_url}"
    );
    let (status, code, detail) =
        api_error(world.client.send(&world.native("O-native-zero", 0)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/amount/total");
}

#[tokio::test]
async fn queries_of_unknown_orders_are_404_order_not_exist() {
    let world = world().await;
    let (status, code, _) = api_error(
        world
            .client
            .send(&QueryOrderById {
                transaction_id: "4200000000000000000000".into(),
                mchid: world.sandbox.mchid().into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "ORDER_NOT_EXIST")
    );
    let (status, code, _) = api_error(
        world
            .client
            .send(&QueryOrderByOutTradeNo {
                out_trade_no: "never-ordered".into(),
                mchid: world.sandbox.mchid().into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "ORDER_NOT_EXIST")
    );
    let (status, code, _) = api_error(
        world
            .client
            .send(&QueryOrderByOutTradeNo {
                out_trade_no: "never-ordered".into(),
                mchid: "1900000999".into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
}

#[tokio::test]
async fn close_transaction() {
    let mut world = world().await;
    world
        .client
        .send(&world.native("O-close", 100))
        .await
        .unwrap();
    let close = CloseOrder {
        out_trade_no: "O-close".into(),
        mchid: world.sandbox.mchid().into(),
    };
    world.client.send(&close).await.unwrap();
    assert_eq!(
        world.query_order("O-close").await.trade_state,
        Some(TradeState::Closed)
    );
    // Closing again is harmless; paying or ordering again under the number is not possible.
    world.client.send(&close).await.unwrap();
    assert!(world.sandbox.pay_transaction("O-close").is_err());
    let (status, code, _) = api_error(world.client.send(&world.native("O-close", 100)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "ORDER_CLOSED")
    );

    world.paid_order("O-paid", 100).await;
    let (status, code, _) = api_error(
        world
            .client
            .send(&CloseOrder {
                out_trade_no: "O-paid".into(),
                mchid: world.sandbox.mchid().into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "ORDERPAID")
    );
    let (status, code, _) = api_error(
        world
            .client
            .send(&CloseOrder {
                out_trade_no: "O-unknown".into(),
                mchid: world.sandbox.mchid().into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "ORDER_NOT_EXIST")
    );
}

// ---------------------------------------------------------------------------------------------
// Refunds.

fn refund(world: &World, out_refund_no: &str, refund: i64, total: i64) -> CreateRefund {
    CreateRefund {
        sub_mchid: None,
        transaction_id: None,
        out_trade_no: Some("O-refund".into()),
        out_refund_no: out_refund_no.into(),
        reason: Some("商品已售完".into()),
        notify_url: Some(world.notify_url.clone()),
        funds_account: None,
        amount: RefundRequestAmount {
            refund,
            from: None,
            total,
            currency: "CNY".into(),
        },
        goods_detail: None,
    }
}

#[tokio::test]
async fn create_refund_and_query_refund() {
    let mut world = world().await;
    let transaction_id = world.paid_order("O-refund", 1000).await;
    let first = refund(&world, "R-1", 600, 1000);
    let created = world.client.send(&first).await.unwrap();
    assert_eq!(created.status, RefundStatus::Processing);
    assert_eq!(created.transaction_id, transaction_id);
    assert_eq!(created.amount.refund, 600);
    let notification = world.callback("REFUND.SUCCESS").await;
    let Event::Refund(notice) = notification.resource else {
        panic!("not a refund");
    };
    assert_eq!(notice.out_refund_no, "R-1");
    assert_eq!(notice.refund_status.as_str(), "SUCCESS");

    let queried = world
        .client
        .send(&QueryByOutRefundNo {
            out_refund_no: "R-1".into(),
            sub_mchid: None,
        })
        .await
        .unwrap();
    assert_eq!(queried.status, RefundStatus::Success);
    assert_eq!(queried.refund_id, created.refund_id);
    assert!(queried.success_time.is_some());
    assert_eq!(
        world.query_order("O-refund").await.trade_state,
        Some(TradeState::Refund)
    );

    // A retry answers the same refund; more than what is left is refused.
    assert_eq!(
        world.client.send(&first).await.unwrap().refund_id,
        created.refund_id
    );
    let (status, code, _) = api_error(world.client.send(&refund(&world, "R-2", 500, 1000)).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    world
        .client
        .send(&refund(&world, "R-3", 400, 1000))
        .await
        .unwrap();
    world.callback("REFUND.SUCCESS").await;
    // With the order refunded in full, a refund of u64::MAX is refused like any over-refund:
    // 1000 + u64::MAX neither panics the sandbox nor wraps around into an accepted 999. The
    // typed request holds an i64, so this one goes through the escape hatch.
    let mut huge = refund(&world, "R-7", 1, 1000)
        .serialize_body(serde_json::value::Serializer)
        .unwrap();
    huge["amount"]["refund"] = u64::MAX.into();
    let (status, code, _) = api_error(
        world
            .client
            .request(http::Method::POST, CreateRefund::PATH)
            .json(&huge)
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
    // Zero, a wrong order total, an unknown order, an unknown refund.
    let (_, code, detail) = api_error(world.client.send(&refund(&world, "R-4", 0, 1000)).await);
    assert_eq!(code, "PARAM_ERROR");
    assert_eq!(detail["field"], "/amount/refund");
    let (_, code, detail) = api_error(world.client.send(&refund(&world, "R-5", 1, 999)).await);
    assert_eq!(code, "PARAM_ERROR");
    assert_eq!(detail["field"], "/amount/total");
    let (status, code, _) = api_error(
        world
            .client
            .send(&CreateRefund {
                out_trade_no: Some("O-unknown".into()),
                ..refund(&world, "R-6", 1, 1000)
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
    let (status, code, _) = api_error(
        world
            .client
            .send(&QueryByOutRefundNo {
                out_refund_no: "R-unknown".into(),
                sub_mchid: None,
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
}

// ---------------------------------------------------------------------------------------------
// The user's side over HTTP, for a sandbox in another process.

#[tokio::test]
async fn the_control_routes_play_the_user_over_http() {
    use http::Method;
    use serde_json::json;

    let mut world = world().await;
    let answer = world.client.send(&world.pre_sign("C-http")).await.unwrap();
    let signed: Value = world
        .client
        .request(Method::POST, "v3/sandbox/contracts/sign")
        .json(&json!({ "pre_entrustweb_id": answer.pre_entrustweb_id }))
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    let contract_id = signed["contract_id"].as_str().unwrap().to_owned();
    let notification = world.callback("ENTRUST.SIGN").await;
    let Event::EntrustSign(notice) = notification.resource else {
        panic!("not a contract");
    };
    assert_eq!(notice.contract_id, contract_id);

    // Used once: a second confirmation is refused with the reason.
    let (status, code, _) = api_error(
        world
            .client
            .request(Method::POST, "v3/sandbox/contracts/sign")
            .json(&json!({ "pre_entrustweb_id": answer.pre_entrustweb_id }))
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );

    let fail_path = format!("v3/sandbox/contracts/{contract_id}/fail-deductions");
    let answer = world
        .client
        .request(Method::POST, &fail_path)
        .json(&json!({ "reason": "余额不足" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    world
        .client
        .send(&world.deduction(&contract_id, "HTTP-1", 800))
        .await
        .unwrap();
    world.callback("TRANSACTION.FAIL").await;
    world
        .client
        .request(Method::DELETE, &fail_path)
        .send()
        .await
        .unwrap();
    world
        .client
        .send(&world.deduction(&contract_id, "HTTP-2", 800))
        .await
        .unwrap();
    world.callback("TRANSACTION.SUCCESS").await;

    world
        .client
        .send(&world.native("HTTP-3", 100))
        .await
        .unwrap();
    let paid: Value = world
        .client
        .request(Method::POST, "v3/sandbox/transactions/HTTP-3/pay")
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    world.callback("TRANSACTION.SUCCESS").await;
    let charges: Value = world
        .client
        .request(Method::GET, "v3/sandbox/charges")
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    let charged: Vec<&str> = charges["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["out_trade_no"].as_str().unwrap())
        .collect();
    assert_eq!(charged, ["HTTP-2", "HTTP-3"]);
    assert_eq!(charges["data"][1]["transaction_id"], paid["transaction_id"]);

    world
        .client
        .request(
            Method::POST,
            &format!("v3/sandbox/contracts/{contract_id}/terminate"),
        )
        .send()
        .await
        .unwrap();
    world.callback("ENTRUST.TERMINATE").await;
    let (status, ..) = api_error(
        world
            .client
            .request(Method::POST, "v3/sandbox/no-such-control")
            .send()
            .await,
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
}
