//! A papay v2 contract from signing to termination, on the embedded sandbox, over API v2 (XML
//! signed with the APIv2 key): pre-sign, the user signs, the contract notification arrives and is
//! verified, a deduction is requested, its payment notification arrives, the order and the
//! contract are queried, the contract is terminated (notification `DELETE`), and a late
//! deduction is refused.
//!
//! Each step prints one line. The program exits non-zero at the first step that does not behave
//! as WeChat Pay documents it.
//!
//! ```text
//! cargo run --example papay_v2
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
use wechatpay::v2::V2Error;
use wechatpay::v2::catalog::papay::{
    DeleteContract, DeleteContractVersion, PreEntrustWeb, PreEntrustWebVersion, QueryContract,
    QueryContractVersion,
};
use wechatpay::v2::catalog::pay::{PapOrderQuery, PapOrderQueryResponseTradeState, PapPayApply};
use wechatpay::v2::notify::{SUCCESS_ANSWER, V2Event, V2Notifications, fail_answer};
use wechatpay::v2::redirect::EntrustWeb;
use wechatpay::{Client, Error};
use wechatpay_sandbox::Sandbox;

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

/// The merchant's v2 callback endpoint: verifies every callback by its `sign` and hands it on,
/// answering `<xml><return_code>SUCCESS</return_code></xml>`; one that fails verification is
/// answered `FAIL` (with `400`) and never handed on.
async fn callback_receiver(
    notifications: V2Notifications,
) -> Result<(String, mpsc::Receiver<V2Event>), Deviation> {
    let (tx, rx) = mpsc::channel(16);
    let no_port = |e: std::io::Error| Deviation(format!("no loopback port for callbacks: {e}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(no_port)?;
    let url = format!(
        "http://{}/wechatpay/v2/notify",
        listener.local_addr().map_err(no_port)?
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, notifications) = (tx.clone(), notifications.clone());
            let service = service_fn(move |request: Request<Incoming>| {
                let (tx, notifications) = (tx.clone(), notifications.clone());
                async move {
                    let body = request
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let (status, answer) = match notifications.parse(&body) {
                        Ok(event) => {
                            let _ = tx.send(event).await;
                            (StatusCode::OK, SUCCESS_ANSWER.to_owned())
                        }
                        Err(error) => {
                            eprintln!("callback rejected: {error}");
                            (StatusCode::BAD_REQUEST, fail_answer("签名失败"))
                        }
                    };
                    let mut response = Response::new(Full::new(Bytes::from(answer)));
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

async fn next_event(
    events: &mut mpsc::Receiver<V2Event>,
    what: &str,
) -> Result<V2Event, Deviation> {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .ok()
        .flatten()
        .ok_or_else(|| Deviation(format!("no {what} notification within 10 s")))
}

fn deduction(out_trade_no: &str, contract_id: &str, notify_url: &str) -> PapPayApply {
    PapPayApply {
        body: "会员月费".into(),
        detail: None,
        attach: Some("month=2026-12".into()),
        out_trade_no: out_trade_no.into(),
        total_fee: MONTHLY_FEE,
        fee_type: None,
        spbill_create_ip: "203.0.113.7".into(),
        goods_tag: None,
        notify_url: notify_url.into(),
        trade_type: "PAP".into(),
        contract_id: contract_id.into(),
        receipt: None,
    }
}

async fn story(sandbox: &Sandbox, client: &Client) -> Result<(), Deviation> {
    let (notify_url, mut events) = callback_receiver(client.v2_notifications()?).await?;
    let contract_code = format!("v2-{}", std::process::id());

    let page = EntrustWeb {
        plan_id: PLAN_ID.unsigned_abs(),
        contract_code: contract_code.clone(),
        request_serial: 1,
        contract_display_account: "会员 1001".into(),
        notify_url: notify_url.clone(),
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)),
        return_web: Some(1),
    };
    let url = page.signed_url(client)?;
    expect(
        url.contains("/papay/entrustweb?") && url.contains("&sign="),
        || format!("the sign-page URL is not signed: {url}"),
    )?;
    println!("1. sign page URL for official accounts: {url}");

    let pre = client
        .send(&PreEntrustWeb {
            sub_appid: None,
            sub_mch_id: None,
            plan_id: PLAN_ID.to_string(),
            contract_code: contract_code.clone(),
            request_serial: 2,
            contract_display_account: "会员 1001".into(),
            notify_url: notify_url.clone(),
            version: PreEntrustWebVersion::V10,
            timestamp: page.timestamp.to_string(),
            return_app: None,
        })
        .await?;
    let pre_entrustweb_id = pre
        .pre_entrustweb_id
        .ok_or_else(|| Deviation("preentrustweb answered without pre_entrustweb_id".into()))?;
    println!("2. papay/preentrustweb: pre_entrustweb_id {pre_entrustweb_id}");

    let signed = sandbox.sign_contract(&pre_entrustweb_id)?;
    let V2Event::Contract(contract) = next_event(&mut events, "contract").await? else {
        return Err(Deviation(
            "the first notification is not a contract notification".into(),
        ));
    };
    expect(
        contract.is_signed() && contract.contract_id == signed.id,
        || format!("expected ADD for {}, got {contract:?}", signed.id),
    )?;
    let contract_id = contract.contract_id;
    println!(
        "3. the user signed: contract notification ADD, contract_id {contract_id}, verified by its sign"
    );

    let out_trade_no = format!("pap-{}-1", std::process::id());
    // A verified answer whose `result_code` is not `SUCCESS` comes back as
    // `V2Error::Business`: an `Ok` is an accepted deduction.
    client
        .send(&deduction(&out_trade_no, &contract_id, &notify_url))
        .await?;
    println!("4. pay/pappayapply: deduction {out_trade_no} accepted");

    let V2Event::Payment(payment) = next_event(&mut events, "payment").await? else {
        return Err(Deviation("expected a payment notification".into()));
    };
    expect(
        payment.is_success()
            && payment.out_trade_no == out_trade_no
            && i64::try_from(payment.total_fee) == Ok(MONTHLY_FEE)
            && payment.contract_id.as_deref() == Some(contract_id.as_str()),
        || format!("unexpected payment notification {payment:?}"),
    )?;
    println!(
        "5. payment notification: {} paid {} fen, transaction {}",
        payment.out_trade_no,
        payment.total_fee,
        payment.transaction_id.as_deref().unwrap_or("?")
    );

    let order = client
        .send(&PapOrderQuery {
            // One of the two identifies the order; an empty field is not sent.
            transaction_id: None,
            out_trade_no: Some(out_trade_no.clone()),
        })
        .await?;
    expect(
        order.trade_state == Some(PapOrderQueryResponseTradeState::Success)
            && order.total_fee == Some(MONTHLY_FEE)
            && order.out_trade_no.as_deref() == Some(out_trade_no.as_str()),
        || format!("paporderquery answered {order:?}"),
    )?;
    println!(
        "6. pay/paporderquery: {} is {}",
        out_trade_no,
        PapOrderQueryResponseTradeState::Success.as_str()
    );

    let query = QueryContract {
        contract_id: None,
        plan_id: Some(PLAN_ID),
        contract_code: Some(contract_code.clone()),
        version: QueryContractVersion::V10,
    };
    let found = client.send(&query).await?;
    expect(
        found.is_signed() && found.contract_id.as_deref() == Some(contract_id.as_str()),
        || format!("querycontract answered {found:?}"),
    )?;
    println!("7. papay/querycontract: contract {contract_id} is in force");

    client
        .send(&DeleteContract {
            plan_id: None,
            contract_code: None,
            contract_id: Some(contract_id.clone()),
            contract_termination_remark: "用户取消会员".into(),
            version: DeleteContractVersion::V10,
            sub_appid: None,
            sub_mch_id: None,
        })
        .await?;
    let V2Event::Contract(ended) = next_event(&mut events, "termination").await? else {
        return Err(Deviation("expected a contract notification".into()));
    };
    expect(
        ended.change_type == "DELETE" && ended.contract_id == contract_id,
        || format!("expected DELETE for {contract_id}, got {ended:?}"),
    )?;
    let after = client.send(&query).await?;
    expect(!after.is_signed(), || {
        format!("the contract is still in force after deletecontract: {after:?}")
    })?;
    println!("8. papay/deletecontract: notification DELETE, the contract shows terminated");

    let late = format!("pap-{}-2", std::process::id());
    match client
        .send(&deduction(&late, &contract_id, &notify_url))
        .await
    {
        Err(Error::V2(V2Error::Business { err_code, .. })) if err_code == "CONTRACT_NOT_EXIST" => {
            println!("9. a deduction after termination is refused: {err_code}");
            Ok(())
        }
        other => Err(Deviation(format!(
            "a deduction on a terminated contract should fail with CONTRACT_NOT_EXIST, got {other:?}"
        ))),
    }
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
    match story(&sandbox, &client).await {
        Ok(()) => {
            println!("papay v2 behaved as documented at every step");
            ExitCode::SUCCESS
        }
        Err(Deviation(what)) => {
            eprintln!("step failed: {what}");
            ExitCode::FAILURE
        }
    }
}
