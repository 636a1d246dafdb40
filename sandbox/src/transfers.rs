//! 商家转账 (`v3/fund-app/mch-transfer/transfer-bills`): the bills the sandbox keeps while they
//! wait for the user to confirm receipt on the confirmation page ([`super::pages`]).
//!
//! A new bill is `WAIT_USER_CONFIRM` with a `package_info` for `wx.requestMerchantTransfer`; the
//! user confirming it makes it `SUCCESS`, the merchant cancelling it (`…/cancel`) `CANCELLED`; both
//! send `MCHTRANSFER.BILL.FINISHED` to the bill's `notify_url`, as WeChat Pay does for a bill that
//! reached a final state. The request is first checked against the operation's description (as
//! every catalogued operation is), then answered from these books. A request sent again with the
//! same content gets the bill as it is now; another request under the same `out_bill_no` is
//! refused.

use std::collections::HashMap;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::business::{bad_field, callback_url};
use super::callbacks::Callback;
use super::routes::{Params, Route, param_error};
use super::server::Reply;
use super::{Shared, rfc3339_beijing};

const CREATE: &str = "v3/fund-app/mch-transfer/transfer-bills";
const QUERY: &str = "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}";
const CANCEL: &str = "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel";

/// The states a sandbox bill goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    WaitUserConfirm,
    Success,
    Cancelled,
}

impl State {
    fn wire(self) -> &'static str {
        match self {
            State::WaitUserConfirm => "WAIT_USER_CONFIRM",
            State::Success => "SUCCESS",
            State::Cancelled => "CANCELLED",
        }
    }
}

/// One transfer bill.
#[derive(Debug, Clone)]
pub(crate) struct Bill {
    fingerprint: Value,
    pub(crate) out_bill_no: String,
    transfer_bill_no: String,
    pub(crate) appid: String,
    openid: String,
    pub(crate) transfer_amount: u64,
    pub(crate) transfer_remark: String,
    pub(crate) user_recv_perception: Option<String>,
    notify_url: Option<String>,
    package_info: String,
    pub(crate) state: State,
    create_time: String,
    update_time: String,
}

impl Bill {
    /// As `…/out-bill-no/{out_bill_no}` answers it.
    fn to_json(&self, mchid: &str) -> Value {
        json!({
            "mch_id": mchid,
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "appid": self.appid,
            "state": self.state.wire(),
            "transfer_amount": self.transfer_amount,
            "transfer_remark": self.transfer_remark,
            "openid": self.openid,
            "create_time": self.create_time,
            "update_time": self.update_time,
        })
    }

    /// The answer to the transfer request: `package_info` while the user has to confirm.
    fn created_json(&self) -> Value {
        let mut answer = json!({
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "create_time": self.create_time,
            "state": self.state.wire(),
        });
        if self.state == State::WaitUserConfirm {
            answer["package_info"] = json!(self.package_info);
        }
        answer
    }

    /// As `MCHTRANSFER.BILL.FINISHED` carries it.
    fn to_notice(&self, mchid: &str) -> Value {
        json!({
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "state": self.state.wire(),
            "mch_id": mchid,
            "transfer_amount": self.transfer_amount,
            "openid": self.openid,
            "create_time": self.create_time,
            "update_time": self.update_time,
        })
    }
}

/// The bills, by `out_bill_no`, and their packages.
#[derive(Debug, Default)]
pub(crate) struct Bills {
    bills: HashMap<String, Bill>,
    /// `package_info` → `out_bill_no`.
    packages: HashMap<String, String>,
}

/// The fields of the transfer request the sandbox keeps (the description checked the rest).
#[derive(Deserialize)]
struct TransferBody {
    appid: String,
    out_bill_no: String,
    openid: String,
    transfer_amount: i64,
    transfer_remark: String,
    #[serde(default)]
    notify_url: Option<String>,
    #[serde(default)]
    user_recv_perception: Option<String>,
}

fn bills(shared: &Shared) -> std::sync::MutexGuard<'_, Bills> {
    shared
        .pages
        .transfers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The stateful transfer routes.
pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::new(Method::POST, CREATE, Box::new(create)),
        Route::new(
            Method::GET,
            QUERY,
            Box::new(|shared, _parts, params, _body| query(shared, params)),
        ),
        Route::new(
            Method::POST,
            CANCEL,
            Box::new(|shared, _parts, params, _body| cancel(shared, params)),
        ),
    ]
}

fn not_found(out_bill_no: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "记录不存在",
        Some(json!({ "field": "out_bill_no", "value": out_bill_no, "location": "path" })),
    )
}

/// `POST v3/fund-app/mch-transfer/transfer-bills`.
fn create(shared: &Shared, parts: &http::request::Parts, _: &Params, body: &[u8]) -> Reply {
    // Checked as its description says first: required fields, types, the encrypted `user_name`.
    if let Some(reply) = super::catalog::answer(shared, parts, body)
        && !reply.status.is_success()
    {
        return reply;
    }
    let request: TransferBody = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => return param_error(&[], &e.to_string(), false),
    };
    let Ok(amount) = u64::try_from(request.transfer_amount) else {
        return bad_field(&["transfer_amount"], "转账金额必须大于0");
    };
    if amount == 0 {
        return bad_field(&["transfer_amount"], "转账金额必须大于0");
    }
    if let Some(url) = &request.notify_url
        && let Err(reply) = callback_url(url, &["notify_url"])
    {
        return reply;
    }
    let fingerprint: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let transfer_bill_no = shared.ledger().next_id("1330");
    let mut books = bills(shared);
    if let Some(existing) = books.bills.get(&request.out_bill_no) {
        if existing.fingerprint == fingerprint {
            return Reply::ok(existing.created_json());
        }
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            &format!(
                "商户单号 {} 已被使用，且请求参数与首次请求不一致",
                request.out_bill_no
            ),
            Some(
                json!({ "field": "/out_bill_no", "value": request.out_bill_no, "location": "body" }),
            ),
        );
    }
    let mut random = [0u8; 24];
    if let Err(e) = wechatpay::__support::fill_random(&mut random) {
        return Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            &e.to_string(),
            None,
        );
    }
    let package_info = BASE64.encode(random);
    let now = rfc3339_beijing(SystemTime::now());
    let bill = Bill {
        fingerprint,
        out_bill_no: request.out_bill_no.clone(),
        transfer_bill_no,
        appid: request.appid,
        openid: request.openid,
        transfer_amount: amount,
        transfer_remark: request.transfer_remark,
        user_recv_perception: request.user_recv_perception,
        notify_url: request.notify_url,
        package_info: package_info.clone(),
        state: State::WaitUserConfirm,
        create_time: now.clone(),
        update_time: now,
    };
    let answer = bill.created_json();
    books
        .packages
        .insert(package_info, request.out_bill_no.clone());
    books.bills.insert(request.out_bill_no, bill);
    Reply::ok(answer)
}

/// `GET …/out-bill-no/{out_bill_no}`.
fn query(shared: &Shared, params: &Params) -> Reply {
    let out_bill_no = super::business::param(params, "out_bill_no");
    match bills(shared).bills.get(out_bill_no) {
        Some(bill) => Reply::ok(bill.to_json(&shared.keys.mchid)),
        None => not_found(out_bill_no),
    }
}

/// `POST …/out-bill-no/{out_bill_no}/cancel`: a bill the user has not confirmed is cancelled
/// (answered `CANCELING`, then `CANCELLED` with its callback); cancelling again answers
/// `CANCELLED`; a received bill cannot be cancelled.
fn cancel(shared: &Shared, params: &Params) -> Reply {
    let out_bill_no = super::business::param(params, "out_bill_no");
    let mut books = bills(shared);
    let Some(bill) = books.bills.get_mut(out_bill_no) else {
        return not_found(out_bill_no);
    };
    match bill.state {
        State::Cancelled => Reply::ok(json!({
            "out_bill_no": bill.out_bill_no,
            "transfer_bill_no": bill.transfer_bill_no,
            "state": "CANCELLED",
            "update_time": bill.update_time,
        })),
        State::Success => Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "用户已确认收款，转账已完成，不能撤销",
            Some(json!({ "field": "out_bill_no", "value": out_bill_no, "state": "SUCCESS" })),
        ),
        State::WaitUserConfirm => {
            bill.state = State::Cancelled;
            bill.update_time = rfc3339_beijing(SystemTime::now());
            let bill = bill.clone();
            drop(books);
            finished(shared, &bill);
            Reply::ok(json!({
                "out_bill_no": bill.out_bill_no,
                "transfer_bill_no": bill.transfer_bill_no,
                "state": "CANCELING",
                "update_time": bill.update_time,
            }))
        }
    }
}

/// Sends `MCHTRANSFER.BILL.FINISHED` for a bill in a final state, when it has a notify URL.
fn finished(shared: &Shared, bill: &Bill) {
    let Some(url) = &bill.notify_url else {
        return;
    };
    let callback = Callback::new(
        "MCHTRANSFER.BILL.FINISHED",
        "商家转账单据终态通知",
        "mch_payment",
        bill.to_notice(&shared.keys.mchid),
    );
    if let Err(error) = shared.callbacks.deliver(shared, url, callback) {
        tracing::warn!(%error, "the sandbox cannot send the transfer result");
    }
}

/// The bill a `package_info` belongs to.
pub(crate) fn by_package(shared: &Shared, package: &str) -> Option<Bill> {
    let books = bills(shared);
    let out_bill_no = books.packages.get(package)?;
    books.bills.get(out_bill_no).cloned()
}

/// The bill `out_bill_no`, as it is now.
pub(crate) fn find(shared: &Shared, out_bill_no: &str) -> Option<Bill> {
    bills(shared).bills.get(out_bill_no).cloned()
}

/// The user confirms receipt: `SUCCESS`, and the callback. `Err` says why not.
pub(crate) fn confirm(shared: &Shared, out_bill_no: &str) -> Result<(), String> {
    let mut books = bills(shared);
    let bill = books
        .bills
        .get_mut(out_bill_no)
        .ok_or_else(|| format!("no transfer bill has the out_bill_no {out_bill_no}"))?;
    if bill.state != State::WaitUserConfirm {
        return Err(format!(
            "the transfer bill {out_bill_no} is {}, not waiting for the user",
            bill.state.wire()
        ));
    }
    bill.state = State::Success;
    bill.update_time = rfc3339_beijing(SystemTime::now());
    let bill = bill.clone();
    drop(books);
    finished(shared, &bill);
    Ok(())
}
