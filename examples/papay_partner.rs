//! Partner papay (服务商委托代扣) from pre-sign to termination, on the embedded sandbox: a
//! service provider pre-signs for its sub-merchant, the user signs, the partner `ENTRUST.SIGN`
//! callback arrives verified with its `sp_mchid`/`sub_mchid`, the query shows `SIGNED`, the
//! deduction is booked and applied, the partner `TRANSACTION.SUCCESS` arrives, another
//! sub-merchant cannot see the contract, and the contract is terminated (`ENTRUST.TERMINATE`).
//!
//! Each step prints one line. The program exits non-zero at the first step that does not behave
//! as WeChat Pay documents it.
//!
//! ```text
//! cargo run --example papay_partner --features partner
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
use wechatpay::v3::papay::ContractState;
use wechatpay::v3::papay::{
    DeductSchedule, PartnerApplyDeduction, PartnerQueryContract, PartnerScheduleDeduction,
    PartnerScheduledDeductPreSignApp, PartnerTerminateContract, ScheduledAmount,
};
use wechatpay::v3::pay::TradeState;
use wechatpay::{Client, Error};
use wechatpay_sandbox::Sandbox;

const SP_APPID: &str = "wxd678efh567hg6787";
const SUB_APPID: &str = "wx8888888888888888";
const SUB_MCHID: &str = "1900000109";
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

fn fee() -> ScheduledAmount {
    ScheduledAmount {
        total: MONTHLY_FEE,
        currency: Some("CNY".into()),
    }
}

fn query(code: &str, sub_mchid: &str) -> PartnerQueryContract {
    PartnerQueryContract {
        out_contract_code: code.into(),
        plan_id: PLAN_ID,
        sub_mchid: sub_mchid.into(),
    }
}

async fn lifecycle(sandbox: &Sandbox, client: &Client) -> Result<(), Deviation> {
    let (notify_url, mut callbacks) = callback_receiver(client.notifications()).await?;
    let code = format!("SP{}", std::process::id());

    let answer = client
        .send(&PartnerScheduledDeductPreSignApp {
            sp_appid: SP_APPID.into(),
            sp_openid: None,
            sub_mchid: SUB_MCHID.into(),
            sub_appid: Some(SUB_APPID.into()),
            sub_openid: None,
            plan_id: PLAN_ID,
            out_contract_code: code.clone(),
            contract_display_account: "会员 1001".into(),
            contract_notify_url: notify_url.clone(),
            out_user_code: Some("user-1001".into()),
            deduct_schedule: Some(DeductSchedule {
                estimated_deduct_date: "2026-12-01".into(),
                estimated_deduct_amount: fee(),
                description: "会员月费".into(),
            }),
        })
        .await?;
    // The generated answer types make every field optional where WeChat Pay's own models do not
    // say it is always sent: the example checks what it needs.
    let pre_entrustweb_id = answer
        .pre_entrustweb_id
        .ok_or_else(|| Deviation("the pre-sign answer has no pre_entrustweb_id".into()))?;
    println!("1. pre-signed for sub-merchant {SUB_MCHID}: {pre_entrustweb_id}");

    sandbox
        .sign_contract(&pre_entrustweb_id)
        .map_err(|e| Deviation(format!("the user could not sign: {e}")))?;
    println!("2. the user confirmed the contract in WeChat");

    let signed = next_callback(&mut callbacks, "ENTRUST.SIGN").await?;
    let Event::PartnerEntrustSign(notice) = &signed.resource else {
        return Err(Deviation(format!(
            "ENTRUST.SIGN did not decode as a partner contract: {:?}",
            signed.resource
        )));
    };
    expect(
        notice.contract_state.as_str() == ContractState::Signed.as_str()
            && notice.sp_mchid == sandbox.mchid()
            && notice.sub_mchid == SUB_MCHID
            && notice.sub_openid.is_some(),
        || format!("the callback says {notice:?}"),
    )?;
    let contract_id = notice.contract_id.clone();
    println!(
        "3. ENTRUST.SIGN verified: contract {contract_id} of {} for {}",
        notice.sp_mchid, notice.sub_mchid
    );

    let contract = client.send(&query(&code, SUB_MCHID)).await?;
    expect(
        contract.contract_state.as_deref() == Some("SIGNED")
            && contract.contract_id.as_deref() == Some(contract_id.as_str()),
        || format!("the query says {contract:?}"),
    )?;
    println!("4. query: SIGNED");

    let booking = client
        .send(&PartnerScheduleDeduction {
            contract_id: contract_id.clone(),
            sp_appid: SP_APPID.into(),
            sub_mchid: SUB_MCHID.into(),
            sub_appid: Some(SUB_APPID.into()),
            schedule_amount: fee(),
        })
        .await?;
    expect(
        booking.schedule_state.as_deref() == Some("SCHEDULED"),
        || format!("the booking says {booking:?}"),
    )?;
    println!("5. deduction of {MONTHLY_FEE} fen booked");

    let out_trade_no = format!("{code}-1");
    client
        .send(&PartnerApplyDeduction {
            sp_appid: SP_APPID.into(),
            sub_mchid: SUB_MCHID.into(),
            sub_appid: Some(SUB_APPID.into()),
            out_trade_no: out_trade_no.clone(),
            description: "会员月费".into(),
            transaction_notify_url: notify_url.clone(),
            contract_id: contract_id.clone(),
            amount: fee(),
            goods_tag: None,
            attach: None,
        })
        .await?;
    let paid = next_callback(&mut callbacks, "TRANSACTION.SUCCESS").await?;
    let Event::PartnerTransaction(payment) = &paid.resource else {
        return Err(Deviation(format!(
            "TRANSACTION.SUCCESS did not decode as a partner payment: {:?}",
            paid.resource
        )));
    };
    expect(
        payment.trade_state == Some(TradeState::Success)
            && payment.out_trade_no.as_deref() == Some(out_trade_no.as_str())
            && payment.sub_mchid.as_deref() == Some(SUB_MCHID),
        || format!("the payment callback says {payment:?}"),
    )?;
    println!(
        "6. TRANSACTION.SUCCESS verified: {}",
        payment.transaction_id.as_deref().unwrap_or("?")
    );

    match client.send(&query(&code, "1900000110")).await {
        Err(Error::Api { code, .. }) if code == "RESOURCE_NOT_EXISTS" => {
            println!("7. another sub-merchant does not see the contract");
        }
        other => return Err(Deviation(format!("another sub-merchant got {other:?}"))),
    }

    let ended = client
        .send(&PartnerTerminateContract {
            plan_id: PLAN_ID,
            out_contract_code: code.clone(),
            sub_mchid: SUB_MCHID.into(),
            contract_termination_remark: "用户退订".into(),
        })
        .await?;
    expect(
        ended.contract_state.as_deref() == Some("TERMINATED"),
        || format!("the termination says {ended:?}"),
    )?;
    let terminated = next_callback(&mut callbacks, "ENTRUST.TERMINATE").await?;
    expect(
        matches!(&terminated.resource, Event::PartnerEntrustTerminate(n) if n.contract_id == contract_id),
        || format!("ENTRUST.TERMINATE says {:?}", terminated.resource),
    )?;
    println!("8. terminated; ENTRUST.TERMINATE verified");
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
            println!("the partner contract behaved as documented at every step");
            ExitCode::SUCCESS
        }
        Err(Deviation(what)) => {
            eprintln!("step failed: {what}");
            ExitCode::FAILURE
        }
    }
}
