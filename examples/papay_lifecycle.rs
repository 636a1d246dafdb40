//! A papay contract from pre-sign to termination, on the embedded sandbox: pre-sign, the user
//! signs, the `ENTRUST.SIGN` callback arrives and is verified, the query shows `SIGNED`, the user
//! is told of the coming deduction, the deduction is booked and applied, `TRANSACTION.SUCCESS`
//! arrives, the order shows paid, the contract is terminated (`ENTRUST.TERMINATE`), and a late
//! deduction is refused.
//!
//! Each step prints one line. The program exits non-zero at the first step that does not behave
//! as WeChat Pay documents it.
//!
//! ```text
//! cargo run --example papay_lifecycle
//! ```

use std::convert::Infallible;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use wechatpay::notify::{Event, Notification, Notifications};
use wechatpay::v3::papay::{
    ApplyDeduction, ContractState, DaysSinceFirstLogin, DeviceInfo, DeviceType, EstimatedAmount,
    NotifyPreDeduction, PreEntrustSign, QueryContract, QueryDeductionSchedule, ScheduleDeduction,
    ScheduleState, ScheduledAmount, SignScene, TerminateContract,
};
use wechatpay::v3::pay::{QueryOrderByOutTradeNo, TradeState, TradeType};
use wechatpay::{Client, Error};
use wechatpay_sandbox::Sandbox;

const APPID: &str = "wxd678efh567hg6787";
const PLAN_ID: i64 = 12535;
const MONTHLY_FEE: i64 = 1500; // fen: 15.00 CNY

/// A step that did not behave as documented.
struct Deviation(String);

impl From<Error> for Deviation {
    fn from(error: Error) -> Self {
        Deviation(format!("unexpected error: {error}"))
    }
}

fn expect(condition: bool, what: impl FnOnce() -> String) -> Result<(), Deviation> {
    if condition {
        Ok(())
    } else {
        Err(Deviation(what()))
    }
}

/// The merchant's callback endpoint: verifies and decrypts every callback with the client and
/// hands it on; a callback that fails verification is answered `401` and never handed on.
async fn callback_receiver(
    notifications: Notifications,
) -> Result<(String, mpsc::Receiver<Notification<Event>>), Deviation> {
    let (tx, rx) = mpsc::channel(16);
    let no_port = |e: std::io::Error| Deviation(format!("no loopback port for callbacks: {e}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(no_port)?;
    let url = format!(
        "http://{}/wechatpay/notify",
        listener.local_addr().map_err(no_port)?
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, notifications) = (tx.clone(), notifications.clone());
            let service = service_fn(move |request: Request<Incoming>| {
                let (tx, notifications) = (tx.clone(), notifications.clone());
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let status = match notifications.verify_event(&parts.headers, &body) {
                        Ok(notification) => {
                            let _ = tx.send(notification).await;
                            StatusCode::NO_CONTENT
                        }
                        Err(error) => {
                            eprintln!("callback rejected: {error}");
                            StatusCode::UNAUTHORIZED
                        }
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
    Ok((url, rx))
}

async fn next_callback(
    callbacks: &mut mpsc::Receiver<Notification<Event>>,
    event_type: &str,
) -> Result<Notification<Event>, Deviation> {
    let notification = tokio::time::timeout(Duration::from_secs(10), callbacks.recv())
        .await
        .ok()
        .flatten()
        .ok_or_else(|| Deviation(format!("no {event_type} callback within 10 s")))?;
    expect(notification.event_type == event_type, || {
        format!("expected {event_type}, got {}", notification.event_type)
    })?;
    Ok(notification)
}

fn pre_sign(notify_url: &str, out_contract_code: &str) -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: SignScene::Qrcode,
        appid: APPID.into(),
        openid: None,
        plan_id: PLAN_ID,
        out_contract_code: out_contract_code.into(),
        contract_display_account: "会员 1001".into(),
        contract_notify_url: notify_url.into(),
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
            days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
        },
    }
}

fn fee() -> ScheduledAmount {
    ScheduledAmount {
        total: MONTHLY_FEE,
        currency: Some("CNY".into()),
    }
}

async fn lifecycle(sandbox: &Sandbox, client: &Client) -> Result<(), Deviation> {
    let (notify_url, mut callbacks) = callback_receiver(client.notifications()).await?;
    let out_contract_code = format!("C{}", std::process::id());

    let answer = client
        .send(&pre_sign(&notify_url, &out_contract_code))
        .await?;
    let pre_entrustweb_id = answer
        .pre_entrustweb_id
        .ok_or_else(|| Deviation("the pre-sign answer has no pre_entrustweb_id".into()))?;
    println!("1. pre-signed: pre_entrustweb_id {pre_entrustweb_id}");

    sandbox
        .sign_contract(&pre_entrustweb_id)
        .map_err(|e| Deviation(format!("the user could not sign: {e}")))?;
    println!("2. the user confirmed the contract in WeChat");

    let signed = next_callback(&mut callbacks, "ENTRUST.SIGN").await?;
    let Event::EntrustSign(notice) = &signed.resource else {
        return Err(Deviation(
            "ENTRUST.SIGN did not decode as a contract".into(),
        ));
    };
    expect(
        notice.contract_state.as_str() == ContractState::Signed.as_str()
            && notice.out_contract_code == out_contract_code,
        || format!("the callback says {notice:?}"),
    )?;
    let contract_id = notice.contract_id.clone();
    println!("3. ENTRUST.SIGN verified and decrypted: contract_id {contract_id}");

    let contract = client
        .send(&QueryContract {
            plan_id: PLAN_ID,
            out_contract_code: out_contract_code.clone(),
        })
        .await?;
    expect(
        contract.contract_state == Some(ContractState::Signed)
            && contract.contract_id.as_deref() == Some(contract_id.as_str()),
        || format!("the query says {contract:?}"),
    )?;
    println!(
        "4. query: {} since {}",
        contract
            .contract_state
            .as_ref()
            .map_or("?", ContractState::as_str),
        contract.contract_signed_time.as_deref().unwrap_or("?")
    );

    client
        .send(&NotifyPreDeduction {
            contract_id: contract_id.clone(),
            mchid: client.mchid().to_owned(),
            appid: APPID.into(),
            deduct_duration: None,
            estimated_amount: EstimatedAmount {
                amount: MONTHLY_FEE,
                currency: Some("CNY".into()),
            },
        })
        .await?;
    println!("5. the user was told of the coming deduction of {MONTHLY_FEE} fen");

    let schedule = client
        .send(&ScheduleDeduction {
            contract_id: contract_id.clone(),
            appid: APPID.into(),
            schedule_amount: fee(),
        })
        .await?;
    expect(
        schedule.schedule_state.as_deref() == Some(ScheduleState::Scheduled.as_str()),
        || format!("the booking says {schedule:?}"),
    )?;
    println!(
        "6. deduction booked for {} to {}",
        schedule.deduct_start_date.as_deref().unwrap_or("?"),
        schedule.deduct_end_date.as_deref().unwrap_or("?")
    );

    let out_trade_no = format!("D{}-2026-11", std::process::id());
    let apply = ApplyDeduction {
        appid: APPID.into(),
        out_trade_no: out_trade_no.clone(),
        description: "会员月费 2026-11".into(),
        transaction_notify_url: notify_url.clone(),
        contract_id: contract_id.clone(),
        amount: fee(),
        goods_tag: None,
        attach: Some("member=1001".into()),
    };
    let accepted = client.send(&apply).await?;
    expect(
        accepted.out_trade_no.as_deref() == Some(out_trade_no.as_str()),
        || format!("the acceptance names {:?}", accepted.out_trade_no),
    )?;
    println!("7. deduction {out_trade_no} accepted");

    let paid = next_callback(&mut callbacks, "TRANSACTION.SUCCESS").await?;
    let Event::Transaction(payment) = &paid.resource else {
        return Err(Deviation(
            "TRANSACTION.SUCCESS did not decode as a payment".into(),
        ));
    };
    expect(
        payment.trade_state == Some(TradeState::Success)
            && payment.out_trade_no.as_deref() == Some(out_trade_no.as_str())
            && payment.amount.as_ref().and_then(|a| a.total) == Some(MONTHLY_FEE),
        || format!("the callback says {payment:?}"),
    )?;
    println!(
        "8. TRANSACTION.SUCCESS verified: transaction_id {}",
        payment.transaction_id.as_deref().unwrap_or("?")
    );

    let order = client
        .send(&QueryOrderByOutTradeNo {
            out_trade_no: out_trade_no.clone(),
            mchid: client.mchid().to_owned(),
        })
        .await?;
    expect(
        order.trade_state == Some(TradeState::Success)
            // The catalog's `TradeType` has no `PAP` variant: compared by its wire value.
            && order.trade_type.as_ref().map(TradeType::as_str) == Some("PAP"),
        || format!("the order query says {order:?}"),
    )?;
    let booking = client
        .send(&QueryDeductionSchedule {
            contract_id: contract_id.clone(),
        })
        .await?;
    expect(booking.schedule_state == Some(ScheduleState::Paid), || {
        format!("the booking query says {booking:?}")
    })?;
    println!(
        "9. order query: {}, booking: {}",
        order.trade_state.as_ref().map_or("?", TradeState::as_str),
        booking
            .schedule_state
            .as_ref()
            .map_or("?", ScheduleState::as_str)
    );

    let terminated = client
        .send(&TerminateContract {
            plan_id: PLAN_ID,
            out_contract_code: out_contract_code.clone(),
            contract_termination_remark: "用户退订会员".into(),
        })
        .await?;
    if let Some(state) = terminated.contract_state.as_deref() {
        expect(state == ContractState::Terminated.as_str(), || {
            format!("the termination answer says {terminated:?}")
        })?;
    }
    let ended = next_callback(&mut callbacks, "ENTRUST.TERMINATE").await?;
    let Event::EntrustTerminate(notice) = &ended.resource else {
        return Err(Deviation(
            "ENTRUST.TERMINATE did not decode as a contract".into(),
        ));
    };
    expect(
        notice.contract_state.as_str() == ContractState::Terminated.as_str(),
        || format!("the callback says {notice:?}"),
    )?;
    println!("10. terminated; ENTRUST.TERMINATE verified");

    let late = ApplyDeduction {
        out_trade_no: format!("D{}-2026-12", std::process::id()),
        ..apply
    };
    match client.send(&late).await {
        Err(Error::Api { status, code, .. }) if status == 400 => {
            println!("11. a deduction after termination is refused: {status} {code}");
        }
        other => {
            return Err(Deviation(format!(
                "a deduction after termination answered {other:?}"
            )));
        }
    }

    let charges = sandbox.charges();
    expect(
        charges.len() == 1 && i64::try_from(charges[0].total) == Ok(MONTHLY_FEE),
        || {
            format!(
                "the sandbox moved money {} times: {charges:?}",
                charges.len()
            )
        },
    )?;
    println!("12. money moved exactly once: {} fen", charges[0].total);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let setup = async {
        let sandbox = Sandbox::start().await?;
        let client = sandbox.client()?;
        Ok::<_, Error>((sandbox, client))
    };
    let (sandbox, client) = match setup.await {
        Ok(pair) => pair,
        Err(error) => {
            eprintln!("cannot start the sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    match lifecycle(&sandbox, &client).await {
        Ok(()) => {
            println!("the contract behaved as documented at every step");
            ExitCode::SUCCESS
        }
        Err(Deviation(what)) => {
            eprintln!("step failed: {what}");
            ExitCode::FAILURE
        }
    }
}
