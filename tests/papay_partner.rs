//! Partner papay (服务商委托代扣) end to end over HTTP on loopback: a service provider pre-signs
//! for a sub-merchant with the generated request types, the user signs through the sandbox's
//! control route, the contract callback arrives verified and decrypted in the partner shape, then
//! query, booking, deduction (with its partner payment callback) and termination (with its
//! callback). And the refusals: another sub-merchant's contract, a foreign `sp_mchid`, a missing
//! field, and the direct and partner sides not seeing each other's contracts.
#![cfg(all(
    feature = "papay",
    feature = "partner-papay",
    feature = "pay",
    feature = "partner"
))]

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wechatpay::notify::{Event, Notification};
use wechatpay::v3::papay::PartnerEntrustNotice;
use wechatpay::v3::papay::{ContractState, QueryContract};
use wechatpay::v3::papay::{
    DeductSchedule, PartnerApplyDeduction, PartnerQueryContract, PartnerQueryDeductionSchedule,
    PartnerScheduleDeduction, PartnerScheduledDeductPreSignApp, PartnerScheduledDeductPreSignH5,
    PartnerTerminateContract, ScheduledAmount,
};
use wechatpay::v3::partner_papay::{EstimatedAmount, PartnerDeductNotify};
use wechatpay::v3::pay::PartnerTransaction;
use wechatpay::v3::pay::{
    Amount, JsapiWithContractInfo, PartnerJsapiPrepayWithContract, PartnerTransactionPayer,
};
use wechatpay::v3::pay::{TradeState, TradeType};
use wechatpay::{Client, Error};
use wechatpay_sandbox::Sandbox;

const SP_APPID: &str = "wxd678efh567hg6787";
const SUB_APPID: &str = "wx8888888888888888";
const SUB_MCHID: &str = "1900000109";
const OTHER_SUB_MCHID: &str = "1900000110";
const PLAN_ID: i64 = 12535;

/// A sandbox, a client for it (the service provider), and the provider's callback endpoint.
struct World {
    sandbox: Sandbox,
    client: Client,
    notify_url: String,
    callbacks: mpsc::UnboundedReceiver<Notification<Event>>,
}

async fn world() -> World {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
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

impl World {
    async fn callback(&mut self, event_type: &str) -> Notification<Event> {
        let notification = tokio::time::timeout(Duration::from_secs(10), self.callbacks.recv())
            .await
            .unwrap_or_else(|_| panic!("no {event_type} callback within 10 s"))
            .unwrap();
        assert_eq!(notification.event_type, event_type);
        notification
    }

    async fn contract_callback(&mut self, event_type: &str) -> PartnerEntrustNotice {
        match self.callback(event_type).await.resource {
            Event::PartnerEntrustSign(notice) if event_type == "ENTRUST.SIGN" => notice,
            Event::PartnerEntrustTerminate(notice) if event_type == "ENTRUST.TERMINATE" => notice,
            other => panic!("not a partner contract callback: {other:?}"),
        }
    }

    async fn payment_callback(&mut self) -> PartnerTransaction {
        match self.callback("TRANSACTION.SUCCESS").await.resource {
            Event::PartnerTransaction(notice) => notice,
            other => panic!("not a partner payment callback: {other:?}"),
        }
    }

    fn pre_sign(&self, code: &str, estimated_total: i64) -> PartnerScheduledDeductPreSignApp {
        PartnerScheduledDeductPreSignApp {
            sp_appid: SP_APPID.into(),
            sp_openid: None,
            sub_mchid: SUB_MCHID.into(),
            sub_appid: Some(SUB_APPID.into()),
            sub_openid: None,
            plan_id: PLAN_ID,
            out_contract_code: code.into(),
            contract_display_account: "微信代扣用户A".into(),
            contract_notify_url: self.notify_url.clone(),
            out_user_code: Some("user-a".into()),
            deduct_schedule: Some(DeductSchedule {
                estimated_deduct_date: "2026-12-01".into(),
                estimated_deduct_amount: cny(estimated_total),
                description: "会员月费".into(),
            }),
        }
    }

    /// Pre-signs and signs through the control route over HTTP; returns the contract id.
    async fn signed_contract(&mut self, code: &str) -> String {
        let answer = self.client.send(&self.pre_sign(code, 800)).await.unwrap();
        let signed: Value = self
            .client
            .request(Method::POST, "v3/sandbox/contracts/sign")
            .json(&json!({ "pre_entrustweb_id": answer.pre_entrustweb_id }))
            .send()
            .await
            .unwrap()
            .json()
            .unwrap();
        let contract_id = signed["contract_id"].as_str().unwrap().to_owned();
        let notice = self.contract_callback("ENTRUST.SIGN").await;
        assert_eq!(notice.contract_id, contract_id);
        contract_id
    }

    fn query(&self, code: &str, sub_mchid: &str) -> PartnerQueryContract {
        PartnerQueryContract {
            out_contract_code: code.into(),
            plan_id: PLAN_ID,
            sub_mchid: sub_mchid.into(),
        }
    }

    fn deduction(
        &self,
        contract_id: &str,
        out_trade_no: &str,
        total: i64,
    ) -> PartnerApplyDeduction {
        PartnerApplyDeduction {
            sp_appid: SP_APPID.into(),
            sub_mchid: SUB_MCHID.into(),
            sub_appid: Some(SUB_APPID.into()),
            out_trade_no: out_trade_no.into(),
            description: "会员月费".into(),
            transaction_notify_url: self.notify_url.clone(),
            contract_id: contract_id.into(),
            amount: cny(total),
            goods_tag: None,
            attach: Some("partner".into()),
        }
    }

    fn schedule(&self, contract_id: &str, sub_mchid: &str, total: i64) -> PartnerScheduleDeduction {
        PartnerScheduleDeduction {
            contract_id: contract_id.into(),
            sp_appid: SP_APPID.into(),
            sub_mchid: sub_mchid.into(),
            sub_appid: Some(SUB_APPID.into()),
            schedule_amount: cny(total),
        }
    }
}

fn cny(total: i64) -> ScheduledAmount {
    ScheduledAmount {
        total,
        currency: Some("CNY".into()),
    }
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

#[tokio::test]
async fn the_partner_papay_story_from_pre_sign_to_termination() {
    let mut world = world().await;
    let mchid = world.sandbox.mchid().to_owned();

    // Pre-sign, and the user confirms through the control route.
    let answer = world
        .client
        .send(&world.pre_sign("SP-C1", 800))
        .await
        .unwrap();
    let pre_entrustweb_id = answer.pre_entrustweb_id.expect("a pre-sign id");
    assert!(pre_entrustweb_id.starts_with("PRE"));
    let signed: Value = world
        .client
        .request(Method::POST, "v3/sandbox/contracts/sign")
        .json(&json!({ "pre_entrustweb_id": pre_entrustweb_id }))
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    let contract_id = signed["contract_id"].as_str().unwrap().to_owned();

    // The contract callback: verified, decrypted, in the partner shape.
    let notice = world.contract_callback("ENTRUST.SIGN").await;
    assert_eq!(notice.contract_id, contract_id);
    assert_eq!(notice.sp_mchid, mchid);
    assert_eq!(notice.sp_appid, SP_APPID);
    assert_eq!(notice.sub_mchid, SUB_MCHID);
    assert_eq!(notice.sub_appid.as_deref(), Some(SUB_APPID));
    assert_eq!(
        notice.contract_state.as_str(),
        ContractState::Signed.as_str()
    );
    assert!(notice.sp_openid.is_some(), "{notice:?}");
    let sub_openid = notice.sub_openid.clone().expect("signed under sub_appid");
    assert_eq!(notice.out_contract_code, "SP-C1");
    assert_eq!(notice.plan_id, PLAN_ID);

    // Query.
    let contract = world
        .client
        .send(&world.query("SP-C1", SUB_MCHID))
        .await
        .unwrap();
    assert_eq!(contract.contract_id.as_deref(), Some(contract_id.as_str()));
    assert_eq!(contract.sp_mchid.as_deref(), Some(mchid.as_str()));
    assert_eq!(contract.sub_mchid.as_deref(), Some(SUB_MCHID));
    assert_eq!(contract.sub_openid.as_deref(), Some(sub_openid.as_str()));
    assert_eq!(contract.contract_state.as_deref(), Some("SIGNED"));
    let booking = contract
        .deduct_schedule
        .expect("a scheduled-deduction contract");
    assert_eq!(booking.schedule_state.as_deref(), Some("NO_SCHEDULED"));
    assert_eq!(
        booking.estimated_deduct_amount.and_then(|a| a.total),
        Some(800)
    );

    // Book, then deduct; the payment callback comes in the partner shape.
    let scheduled = world
        .client
        .send(&world.schedule(&contract_id, SUB_MCHID, 800))
        .await
        .unwrap();
    assert_eq!(scheduled.schedule_state.as_deref(), Some("SCHEDULED"));
    let accepted = world
        .client
        .send(&world.deduction(&contract_id, "SP-T1", 800))
        .await
        .unwrap();
    assert_eq!(accepted.out_trade_no.as_deref(), Some("SP-T1"));
    assert_eq!(accepted.amount.and_then(|a| a.total), Some(800));
    let payment = world.payment_callback().await;
    assert_eq!(payment.sp_mchid.as_deref(), Some(mchid.as_str()));
    assert_eq!(payment.sp_appid.as_deref(), Some(SP_APPID));
    assert_eq!(payment.sub_mchid.as_deref(), Some(SUB_MCHID));
    assert_eq!(payment.sub_appid.as_deref(), Some(SUB_APPID));
    assert_eq!(payment.out_trade_no.as_deref(), Some("SP-T1"));
    assert_eq!(payment.trade_state, Some(TradeState::Success));
    assert_eq!(
        payment.trade_type.as_ref().map(TradeType::as_str),
        Some("PAP")
    );
    assert_eq!(payment.contract_id.as_deref(), Some(contract_id.as_str()));
    assert_eq!(payment.attach.as_deref(), Some("partner"));
    assert_eq!(payment.amount.as_ref().and_then(|a| a.total), Some(800));
    let payer = payment.payer.expect("the payer");
    assert_eq!(payer.sub_openid.as_deref(), Some(sub_openid.as_str()));
    assert_eq!(payer.sp_openid, notice.sp_openid);
    let booking = world
        .client
        .send(&PartnerQueryDeductionSchedule {
            contract_id: contract_id.clone(),
            sub_mchid: SUB_MCHID.into(),
        })
        .await
        .unwrap();
    assert_eq!(booking.schedule_state.as_deref(), Some("PAID"));
    assert_eq!(booking.deduct_amount.and_then(|a| a.total), Some(800));
    let charges = world.sandbox.charges();
    assert_eq!(charges.len(), 1);
    assert_eq!(
        charges[0].contract_id.as_deref(),
        Some(contract_id.as_str())
    );

    // A pre-deduction notice to the user: 204.
    world
        .client
        .send(&PartnerDeductNotify {
            contract_id: contract_id.clone(),
            sp_mchid: mchid.clone(),
            sp_appid: SP_APPID.into(),
            sub_mchid: SUB_MCHID.into(),
            sub_appid: Some(SUB_APPID.into()),
            deduct_duration: None,
            estimated_amount: EstimatedAmount {
                amount: 800,
                currency: Some("CNY".into()),
            },
        })
        .await
        .unwrap();

    // Terminate: the answer and the callback say TERMINATED by the merchant's API.
    let ended = world
        .client
        .send(&PartnerTerminateContract {
            plan_id: PLAN_ID,
            out_contract_code: "SP-C1".into(),
            sub_mchid: SUB_MCHID.into(),
            contract_termination_remark: "用户退订".into(),
        })
        .await
        .unwrap();
    assert_eq!(ended.contract_state.as_deref(), Some("TERMINATED"));
    let notice = world.contract_callback("ENTRUST.TERMINATE").await;
    assert_eq!(
        notice.contract_state.as_str(),
        ContractState::Terminated.as_str()
    );
    assert_eq!(notice.sub_mchid, SUB_MCHID);
    let info = notice.contract_terminate_info.expect("termination info");
    assert_eq!(info.contract_termination_mode.as_str(), "MCH_API_TERMINATE");
    assert_eq!(
        info.contract_termination_remark.as_deref(),
        Some("用户退订")
    );

    // No deduction against a terminated contract.
    let (status, code, _) = api_error(
        world
            .client
            .send(&world.deduction(&contract_id, "SP-T2", 800))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_REQUEST")
    );
}

#[tokio::test]
async fn the_user_signing_in_an_h5_page_and_terminating_in_wechat() {
    let mut world = world().await;
    let request = PartnerScheduledDeductPreSignH5 {
        sp_appid: SP_APPID.into(),
        sp_openid: Some("oSpUser000000000000000000001".into()),
        sub_mchid: SUB_MCHID.into(),
        sub_appid: None,
        sub_openid: None,
        plan_id: PLAN_ID,
        out_contract_code: "SP-H5".into(),
        contract_display_account: "用户B".into(),
        contract_notify_url: world.notify_url.clone(),
        out_user_code: None,
        deduct_schedule: None,
        jump_control: None,
    };
    let answer = world.client.send(&request).await.unwrap();
    // The H5 answer is only a URL; the control route takes it as it is.
    let signed: Value = world
        .client
        .request(Method::POST, "v3/sandbox/contracts/sign")
        .json(&json!({ "pre_entrustweb_id": answer.redirect_url }))
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    let contract_id = signed["contract_id"].as_str().unwrap().to_owned();
    let notice = world.contract_callback("ENTRUST.SIGN").await;
    assert_eq!(
        notice.sp_openid.as_deref(),
        Some("oSpUser000000000000000000001")
    );
    assert_eq!(notice.sub_appid, None);
    assert_eq!(notice.sub_openid, None);

    world
        .client
        .request(
            Method::POST,
            &format!("v3/sandbox/contracts/{contract_id}/terminate"),
        )
        .send()
        .await
        .unwrap();
    let notice = world.contract_callback("ENTRUST.TERMINATE").await;
    assert_eq!(notice.contract_id, contract_id);
    assert_eq!(
        notice
            .contract_terminate_info
            .unwrap()
            .contract_termination_mode
            .as_str(),
        "USER_TERMINATE"
    );
}

#[tokio::test]
async fn pay_and_sign_for_a_sub_merchant_signs_when_the_user_pays() {
    let mut world = world().await;
    let mchid = world.sandbox.mchid().to_owned();
    let request = PartnerJsapiPrepayWithContract {
        sp_appid: SP_APPID.into(),
        sp_mchid: mchid.clone(),
        sub_appid: Some(SUB_APPID.into()),
        sub_mchid: SUB_MCHID.into(),
        description: "首月会员".into(),
        out_trade_no: "SP-PAY-1".into(),
        time_expire: None,
        attach: None,
        notify_url: world.notify_url.clone(),
        goods_tag: None,
        settle_info: None,
        support_fapiao: None,
        amount: Amount {
            total: 100,
            currency: Some("CNY".into()),
        },
        payer: PartnerTransactionPayer {
            sp_openid: None,
            sub_openid: Some("oSubUser00000000000000000001".into()),
        },
        detail: None,
        scene_info: None,
        contract_info: JsapiWithContractInfo {
            password_free_contract_id: None,
            token: None,
            plan_id: Some(PLAN_ID.to_string()),
            contract_mchid: Some(SUB_MCHID.into()),
            contract_appid: Some(SUB_APPID.into()),
            contract_code: Some("SP-PAYSIGN".into()),
            request_serial: Some("1695".into()),
            contract_display_account: Some("用户C".into()),
            contract_notify_url: Some(world.notify_url.clone()),
        },
    };
    let answer = world.client.send(&request).await.unwrap();
    assert!(answer.prepay_id.expect("a prepay id").starts_with("wx"));
    world.sandbox.pay_transaction("SP-PAY-1").unwrap();
    let payment = world.payment_callback().await;
    assert_eq!(payment.sub_mchid.as_deref(), Some(SUB_MCHID));
    assert_eq!(payment.trade_type, Some(TradeType::Jsapi));
    assert_eq!(
        payment.payer.unwrap().sub_openid.as_deref(),
        Some("oSubUser00000000000000000001")
    );
    let notice = world.contract_callback("ENTRUST.SIGN").await;
    assert_eq!(notice.sub_mchid, SUB_MCHID);
    assert_eq!(notice.out_contract_code, "SP-PAYSIGN");
    assert_eq!(
        notice.sub_openid.as_deref(),
        Some("oSubUser00000000000000000001")
    );
    let contract = world
        .client
        .send(&world.query("SP-PAYSIGN", SUB_MCHID))
        .await
        .unwrap();
    assert_eq!(contract.contract_id.as_ref(), Some(&notice.contract_id));

    // A foreign sp_mchid is refused, naming the field.
    let mut foreign = request.clone();
    foreign.sp_mchid = "1230000109".into();
    foreign.out_trade_no = "SP-PAY-2".into();
    let (status, code, detail) = api_error(world.client.send(&foreign).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/sp_mchid");
}

#[tokio::test]
async fn another_sub_merchant_cannot_see_or_use_the_contract() {
    let mut world = world().await;
    let contract_id = world.signed_contract("SP-C2").await;

    let (status, code, _) = api_error(
        world
            .client
            .send(&world.query("SP-C2", OTHER_SUB_MCHID))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
    let (status, code, _) = api_error(
        world
            .client
            .send(&world.schedule(&contract_id, OTHER_SUB_MCHID, 800))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
    let mut deduction = world.deduction(&contract_id, "SP-T3", 800);
    deduction.sub_mchid = OTHER_SUB_MCHID.into();
    let (status, code, _) = api_error(world.client.send(&deduction).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
    let (status, code, _) = api_error(
        world
            .client
            .send(&PartnerTerminateContract {
                plan_id: PLAN_ID,
                out_contract_code: "SP-C2".into(),
                sub_mchid: OTHER_SUB_MCHID.into(),
                contract_termination_remark: "用户退订".into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );

    // The sub-merchant's own sub_appid must be the contract's.
    let mut schedule = world.schedule(&contract_id, SUB_MCHID, 800);
    schedule.sub_appid = Some("wx9999999999999999".into());
    let (status, code, detail) = api_error(world.client.send(&schedule).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/sub_appid");

    // Direct papay does not see a partner contract, by code or by id.
    let (status, code, _) = api_error(
        world
            .client
            .send(&QueryContract {
                plan_id: PLAN_ID,
                out_contract_code: "SP-C2".into(),
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS")
    );
    // And the contract is untouched: still signed for its own sub-merchant.
    let contract = world
        .client
        .send(&world.query("SP-C2", SUB_MCHID))
        .await
        .unwrap();
    assert_eq!(contract.contract_state.as_deref(), Some("SIGNED"));
}

#[tokio::test]
async fn a_foreign_sp_mchid_and_missing_fields_are_refused_naming_the_field() {
    let mut world = world().await;
    let contract_id = world.signed_contract("SP-C3").await;

    let (status, code, detail) = api_error(
        world
            .client
            .send(&PartnerDeductNotify {
                contract_id: contract_id.clone(),
                sp_mchid: "1230000109".into(),
                sp_appid: SP_APPID.into(),
                sub_mchid: SUB_MCHID.into(),
                sub_appid: None,
                deduct_duration: None,
                estimated_amount: EstimatedAmount {
                    amount: 800,
                    currency: None,
                },
            })
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/sp_mchid");

    // A body without sub_mchid, as a hand-written client could send it.
    let (status, code, detail) = api_error(
        world
            .client
            .request(Method::POST, "v3/papay/pay/partner/transactions/apply")
            .json(&json!({
                "sp_appid": SP_APPID,
                "out_trade_no": "SP-T4",
                "description": "会员月费",
                "transaction_notify_url": world.notify_url,
                "contract_id": contract_id,
                "amount": { "total": 800, "currency": "CNY" },
            }))
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/sub_mchid");
    assert_eq!(detail["location"], "body");

    // A query without sub_mchid.
    let (status, code, detail) = api_error(
        world
            .client
            .request(
                Method::GET,
                &format!(
                    "v3/papay/sign/partner/contracts/plan-id/{PLAN_ID}/out-contract-code/SP-C3"
                ),
            )
            .send()
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/sub_mchid");
    assert_eq!(detail["location"], "query");

    // sub_openid needs sub_appid.
    let mut request = world.pre_sign("SP-C4", 800);
    request.sub_appid = None;
    request.sub_openid = Some("oSubUser00000000000000000002".into());
    let (status, code, detail) = api_error(world.client.send(&request).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail["field"], "/sub_openid");

    // Nothing was charged.
    assert!(world.sandbox.charges().is_empty());
}
