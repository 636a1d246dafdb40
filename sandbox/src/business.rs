//! The business endpoints of the sandbox: papay contracts, schedules and deductions, payments and
//! refunds, answered from the [`Ledger`](super::ledger::Ledger) with WeChat Pay's codes.
//!
//! Errors follow WeChat Pay's conventions: `404 RESOURCE_NOT_EXISTS` for an unknown contract or
//! refund and `404 ORDER_NOT_EXIST` for an unknown order; `400 PARAM_ERROR` naming the field
//! (`detail.field`, a JSON pointer) for a value no request may carry, such as an amount of `0`;
//! `400 INVALID_REQUEST` for a request that is well-formed but not allowed now, such as a
//! deduction against a terminated contract or an `out_trade_no` reused with different content.
//! A request sent again with the same content (a client's retry) gets the first answer again and
//! never moves money twice.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ledger::{
    ContractRecord, Ledger, OrderRecord, Partner, PreSign, RefundRecord, ScheduleRecord, Scope,
};
use super::routes::{Params, param_error};
use super::server::Reply;
use super::{Shared, beijing_date, rfc3339_beijing};
use crate::wire::papay::{
    ApplyDeduction, ApplyHarmonyDeduction, ContractState, ContractTerminationMode, DeductAmount,
    EstimatedAmount, PreEntrustSign, ScheduleState, ScheduledDeductSign, SignScene,
};
use crate::wire::pay::{
    AppPrepay, H5Prepay, JsapiPrepay, NativePrepay, Order, TradeState, TradeType,
};
use crate::wire::refund::{CreateRefund, RefundStatus};

// ---------------------------------------------------------------------------------------------
// Replies.

fn not_found(code: &str, message: &str, field: &str, value: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        code,
        message,
        Some(json!({ "field": field, "value": value, "location": "path" })),
    )
}

fn invalid(message: &str, detail: Value) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST",
        message,
        Some(detail),
    )
}

/// `400 PARAM_ERROR` for a body field whose value is not allowed.
pub(super) fn bad_field(pointer: &[&str], issue: &str) -> Reply {
    let path: Vec<String> = pointer.iter().map(|s| (*s).to_owned()).collect();
    param_error(&path, issue, false)
}

pub(super) fn positive(total: u64, pointer: &[&str]) -> Result<(), Reply> {
    if total == 0 {
        return Err(bad_field(pointer, "金额必须大于0"));
    }
    Ok(())
}

/// A notify URL WeChat Pay can call back: `http(s)://` with a host.
pub(super) fn callback_url(url: &str, pointer: &[&str]) -> Result<(), Reply> {
    super::callbacks::notify_uri(url)
        .map(|_| ())
        .map_err(|_| bad_field(pointer, "通知地址必须是 http:// 或 https:// 开头的完整URL"))
}

/// The body as JSON, to tell a retry (same content) from a reuse (different content).
fn fingerprint(raw: &[u8]) -> Value {
    serde_json::from_slice(raw).unwrap_or(Value::Null)
}

fn reused(what: &str, id: &str) -> Reply {
    invalid(
        &format!(
            "参数与首次请求时不一致：{what} {id} 已被使用，请使用新的{what}或按首次请求的参数重试"
        ),
        json!({ "field": format!("/{what}"), "value": id, "location": "body" }),
    )
}

fn cny(amount: &DeductAmount) -> DeductAmount {
    let mut amount = amount.clone();
    amount.currency.get_or_insert_with(|| "CNY".to_owned());
    amount
}

fn plan_id(params: &Params) -> Result<u64, Reply> {
    let value = params.get("plan_id").map_or("", String::as_str);
    value.parse().map_err(|_| {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!("输入源“/path/plan_id”映射到字段“plan_id”失败：`{value}` 不是整数"),
            Some(json!({ "field": "plan_id", "value": value, "location": "path" })),
        )
    })
}

pub(super) fn param<'a>(params: &'a Params, name: &str) -> &'a str {
    params.get(name).map_or("", String::as_str)
}

// ---------------------------------------------------------------------------------------------
// Pre-sign.

fn pre_sign_id(ledger: &mut Ledger, sign: PreSign) -> String {
    let id = format!("PRE{}", wechatpay::__support::nonce());
    ledger.pre_signs.insert(id.clone(), sign);
    id
}

/// `POST v3/papay/sign/contracts/pre-entrust-sign` (and the older path): remembers the pre-sign
/// for [`Sandbox::sign_contract`](super::Sandbox::sign_contract).
pub(super) fn pre_entrust_sign(shared: &Shared, _: &Params, request: PreEntrustSign) -> Reply {
    if let Err(reply) = callback_url(&request.contract_notify_url, &["contract_notify_url"]) {
        return reply;
    }
    let return_url = request.return_url.clone();
    let id = pre_sign_id(
        &mut shared.ledger(),
        PreSign {
            appid: request.appid,
            openid: request.openid,
            plan_id: request.plan_id,
            out_contract_code: request.out_contract_code,
            contract_display_account: request.contract_display_account,
            contract_notify_url: request.contract_notify_url,
            out_user_code: Some(request.out_user_code),
            estimated: None,
            partner: None,
        },
    );
    shared.pages.remember_return_url(&id, return_url);
    let mut answer = json!({ "pre_entrustweb_id": id });
    match request.sign_scene {
        SignScene::App => {
            answer["mini_program_username"] = json!("gh_b0b2d1e5a7c3");
            answer["mini_program_path"] =
                json!(format!("pages/papay/index?pre_entrustweb_id={id}"));
        }
        SignScene::Qrcode => {
            answer["redirect_url"] = json!(shared.pages.signing_url(&id));
        }
    }
    Reply::ok(answer)
}

/// The four scheduled-deduction pre-signs (a service provider's when `partner` is given): the
/// booking asked for must have a positive amount.
fn scheduled_pre_sign(
    shared: &Shared,
    sign: ScheduledDeductSign,
    partner: Option<Partner>,
) -> Result<String, Reply> {
    callback_url(&sign.contract_notify_url, &["contract_notify_url"])?;
    let estimated = match sign.deduct_schedule {
        Some(schedule) => {
            positive(
                schedule.estimated_deduct_amount.total,
                &["deduct_schedule", "estimated_deduct_amount", "total"],
            )?;
            Some((
                schedule.estimated_deduct_date,
                cny(&schedule.estimated_deduct_amount),
            ))
        }
        None => None,
    };
    Ok(pre_sign_id(
        &mut shared.ledger(),
        PreSign {
            appid: sign.appid,
            openid: sign.openid,
            plan_id: sign.plan_id,
            out_contract_code: sign.out_contract_code,
            contract_display_account: sign.contract_display_account,
            contract_notify_url: sign.contract_notify_url,
            out_user_code: sign.out_user_code,
            // A scheduled-deduction contract always has a booking, even before the first one.
            estimated: estimated
                .or_else(|| Some((beijing_date(SystemTime::now()), cny(&zero_amount())))),
            partner,
        },
    ))
}

fn zero_amount() -> DeductAmount {
    DeductAmount {
        total: 0,
        currency: Some("CNY".to_owned()),
    }
}

/// The answer of a scheduled-deduction pre-sign, by scene.
#[derive(Clone, Copy)]
pub(super) enum Scene {
    App,
    /// H5 and JSAPI: only a URL to send the user to.
    Redirect,
    MiniProgram,
}

pub(super) fn scheduled_pre_sign_answer(
    shared: &Shared,
    sign: ScheduledDeductSign,
    scene: Scene,
) -> Reply {
    scheduled_pre_sign_answer_for(shared, sign, None, scene)
}

/// The answer of a scheduled-deduction pre-sign, by scene; a service provider's when `partner`
/// names the sub-merchant.
pub(super) fn scheduled_pre_sign_answer_for(
    shared: &Shared,
    sign: ScheduledDeductSign,
    partner: Option<Partner>,
    scene: Scene,
) -> Reply {
    let id = match scheduled_pre_sign(shared, sign, partner) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    Reply::ok(match scene {
        Scene::App => json!({
            "pre_entrustweb_id": id,
            "miniprogram_username": "gh_b0b2d1e5a7c3",
            "miniprogram_path": format!("pages/papay/index?pre_entrustweb_id={id}"),
        }),
        Scene::Redirect => json!({ "redirect_url": shared.pages.signing_url(&id) }),
        Scene::MiniProgram => json!({
            "pre_entrustweb_id": id,
            "redirect_appid": "wxbd687630cd02ce1d",
            "redirect_path": format!("pages/index/index?pre_entrustweb_id={id}"),
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// Contracts.

fn contract_not_found(plan_id: u64, code: &str) -> Reply {
    not_found(
        "RESOURCE_NOT_EXISTS",
        &format!("委托代扣协议不存在：plan_id {plan_id} 下没有商户协议号 {code} 的签约"),
        "out_contract_code",
        code,
    )
}

/// `GET …/plan-id/{plan_id}/out-contract-code/{out_contract_code}` and the HarmonyOS variant.
pub(super) fn query_contract(shared: &Shared, params: &Params, _query: &str) -> Reply {
    query_contract_in(shared, params, Scope::Direct)
}

/// A contract by plan and code, as `scope` may see it.
pub(super) fn query_contract_in(shared: &Shared, params: &Params, scope: Scope<'_>) -> Reply {
    let plan_id = match plan_id(params) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let code = param(params, "out_contract_code");
    let mut ledger = shared.ledger();
    match ledger.contract_by_code(plan_id, code) {
        Some(contract) if scope.sees(contract.sign.partner.as_ref()) => {
            Reply::ok(contract.to_json(&shared.keys.mchid))
        }
        _ => contract_not_found(plan_id, code),
    }
}

/// The HarmonyOS query answers the same contract, with a masked WeChat id.
pub(super) fn query_harmony_contract(shared: &Shared, params: &Params, query: &str) -> Reply {
    let mut reply = query_contract(shared, params, query);
    if reply.status == StatusCode::OK
        && let Some(body) = &mut reply.body
    {
        body["mask_wxid"] = json!("wxid_****5d");
        if let Some(fields) = body.as_object_mut() {
            fields.remove("deduct_schedule");
        }
    }
    reply
}

/// The body of a terminate request (the path carries the contract).
#[derive(Deserialize)]
pub(super) struct TerminateBody {
    contract_termination_remark: String,
}

/// `POST …/terminate`: `TERMINATED` with `MCH_API_TERMINATE`, `ENTRUST.TERMINATE` to the
/// contract's notify URL, and the contract as the answer. Terminating again answers the
/// terminated contract and sends nothing, so a retried request is harmless.
pub(super) fn terminate_contract(shared: &Shared, params: &Params, body: TerminateBody) -> Reply {
    terminate_contract_in(
        shared,
        params,
        body.contract_termination_remark,
        Scope::Direct,
    )
}

/// Terminates a contract by plan and code, as `scope` may see it.
pub(super) fn terminate_contract_in(
    shared: &Shared,
    params: &Params,
    remark: String,
    scope: Scope<'_>,
) -> Reply {
    let plan_id = match plan_id(params) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let code = param(params, "out_contract_code");
    if remark.trim().is_empty() {
        return bad_field(&["contract_termination_remark"], "解约备注不能为空");
    }
    let mut ledger = shared.ledger();
    let Some(contract) = ledger
        .contract_by_code(plan_id, code)
        .filter(|contract| scope.sees(contract.sign.partner.as_ref()))
    else {
        return contract_not_found(plan_id, code);
    };
    if contract.state != ContractState::Signed {
        return Reply::ok(contract.to_json(&shared.keys.mchid));
    }
    let contract_id = contract.contract_id.clone();
    let contract = match ledger.terminate(
        &contract_id,
        ContractTerminationMode::MerchantApi,
        Some(remark),
    ) {
        Ok(contract) => contract.clone(),
        Err(message) => return invalid(&message, json!({ "field": "out_contract_code" })),
    };
    drop(ledger);
    let _ = shared.contract_callback("ENTRUST.TERMINATE", &contract);
    Reply::ok(contract.to_json(&shared.keys.mchid))
}

// ---------------------------------------------------------------------------------------------
// Schedules.

/// The body of a schedule request (the path carries the contract).
#[derive(Deserialize)]
pub(super) struct ScheduleBody {
    appid: String,
    schedule_amount: DeductAmount,
}

fn unknown_contract(contract_id: &str) -> Reply {
    not_found(
        "RESOURCE_NOT_EXISTS",
        &format!("委托代扣协议不存在：{contract_id}"),
        "contract_id",
        contract_id,
    )
}

fn terminated(contract_id: &str) -> Reply {
    invalid(
        &format!("委托代扣协议 {contract_id} 已解约，不能再预约、通知或扣费"),
        json!({ "field": "contract_id", "value": contract_id, "contract_state": "TERMINATED" }),
    )
}

/// `POST v3/papay/pay/schedules/contract-id/{contract_id}/schedule`: books the next deduction
/// for the next seven days.
pub(super) fn schedule_deduction(shared: &Shared, params: &Params, body: ScheduleBody) -> Reply {
    schedule_deduction_in(
        shared,
        param(params, "contract_id"),
        &body.appid,
        &body.schedule_amount,
        Scope::Direct,
    )
}

/// Books the next deduction of a contract `scope` may see; `appid` is the one it was signed
/// under (`sp_appid` for a service provider).
pub(super) fn schedule_deduction_in(
    shared: &Shared,
    contract_id: &str,
    appid: &str,
    amount: &DeductAmount,
    scope: Scope<'_>,
) -> Reply {
    if let Err(reply) = positive(amount.total, &["schedule_amount", "total"]) {
        return reply;
    }
    let mut ledger = shared.ledger();
    let Some(contract) = ledger
        .contracts
        .get_mut(contract_id)
        .filter(|contract| scope.sees(contract.sign.partner.as_ref()))
    else {
        return unknown_contract(contract_id);
    };
    if let Some(reply) = signed_under(contract, appid, scope) {
        return reply;
    }
    let now = SystemTime::now();
    let schedule = ScheduleRecord {
        state: ScheduleState::Scheduled,
        start_date: beijing_date(now),
        end_date: beijing_date(now + Duration::from_secs(7 * 86_400)),
        scheduled: cny(amount),
        deducted: None,
    };
    let answer = schedule.to_json();
    contract.schedule = Some(schedule);
    Reply::ok(answer)
}

/// `GET v3/papay/pay/schedules/contract-id/{contract_id}`.
pub(super) fn query_deduction_schedule(shared: &Shared, params: &Params, _query: &str) -> Reply {
    query_deduction_schedule_in(shared, param(params, "contract_id"), Scope::Direct)
}

/// The booking of a contract `scope` may see.
pub(super) fn query_deduction_schedule_in(
    shared: &Shared,
    contract_id: &str,
    scope: Scope<'_>,
) -> Reply {
    let ledger = shared.ledger();
    let Some(contract) = ledger
        .contracts
        .get(contract_id)
        .filter(|contract| scope.sees(contract.sign.partner.as_ref()))
    else {
        return unknown_contract(contract_id);
    };
    match &contract.schedule {
        Some(schedule) => Reply::ok(schedule.to_json()),
        None => Reply::ok(json!({ "schedule_state": ScheduleState::NoScheduled })),
    }
}

// ---------------------------------------------------------------------------------------------
// Notices to the user.

/// The body of a pre-deduction notice.
#[derive(Deserialize)]
pub(super) struct PreDeductionBody {
    mchid: String,
    appid: String,
    estimated_amount: EstimatedAmount,
}

/// The body of a retry notice.
#[derive(Deserialize)]
pub(super) struct RetryNoticeBody {
    mchid: String,
    appid: String,
}

fn notice_allowed(shared: &Shared, contract_id: &str, mchid: &str, appid: &str) -> Option<Reply> {
    if mchid != shared.keys.mchid {
        return Some(bad_field(&["mchid"], "mchid与请求头中的商户号不一致"));
    }
    notice_allowed_in(shared, contract_id, appid, Scope::Direct)
}

/// Whether a notice to the user of a contract `scope` may see is allowed: `None` when it is,
/// else the refusal. The caller has checked the merchant id.
pub(super) fn notice_allowed_in(
    shared: &Shared,
    contract_id: &str,
    appid: &str,
    scope: Scope<'_>,
) -> Option<Reply> {
    let ledger = shared.ledger();
    let Some(contract) = ledger
        .contracts
        .get(contract_id)
        .filter(|contract| scope.sees(contract.sign.partner.as_ref()))
    else {
        return Some(unknown_contract(contract_id));
    };
    signed_under(contract, appid, scope)
}

/// Refuses a request against a contract that is no longer signed, or that names another app than
/// the one it was signed under (`appid`, or for a service provider `sp_appid` and `sub_appid`).
fn signed_under(contract: &ContractRecord, appid: &str, scope: Scope<'_>) -> Option<Reply> {
    if contract.state != ContractState::Signed {
        return Some(terminated(&contract.contract_id));
    }
    let partner = contract.sign.partner.as_ref();
    if contract.sign.appid != appid {
        return Some(match partner {
            None => bad_field(&["appid"], "appid与签约时的appid不一致"),
            Some(_) => bad_field(&["sp_appid"], "sp_appid与签约时的sp_appid不一致"),
        });
    }
    if scope.sub_appid_differs(partner) {
        return Some(bad_field(
            &["sub_appid"],
            "sub_appid与签约时的sub_appid不一致",
        ));
    }
    None
}

/// `POST v3/papay/contracts/{contract_id}/notify`: `204`.
pub(super) fn notify_pre_deduction(
    shared: &Shared,
    params: &Params,
    body: PreDeductionBody,
) -> Reply {
    if let Err(reply) = positive(
        body.estimated_amount.amount,
        &["estimated_amount", "amount"],
    ) {
        return reply;
    }
    notice_allowed(
        shared,
        param(params, "contract_id"),
        &body.mchid,
        &body.appid,
    )
    .unwrap_or_else(Reply::no_content)
}

/// `POST v3/papay/contracts/{contract_id}/fail-notify`: `204`.
pub(super) fn notify_deduction_retry(
    shared: &Shared,
    params: &Params,
    body: RetryNoticeBody,
) -> Reply {
    notice_allowed(
        shared,
        param(params, "contract_id"),
        &body.mchid,
        &body.appid,
    )
    .unwrap_or_else(Reply::no_content)
}

// ---------------------------------------------------------------------------------------------
// Deductions.

/// The fields the two deduction requests share.
pub(super) struct Deduction<'a> {
    pub(super) appid: &'a str,
    pub(super) out_trade_no: &'a str,
    pub(super) notify_url: &'a str,
    pub(super) contract_id: &'a str,
    pub(super) amount: &'a DeductAmount,
    pub(super) attach: Option<&'a String>,
    /// A service provider's deduction: the sub-merchant (and `sub_appid`) it names.
    pub(super) partner: Option<Partner>,
}

pub(super) fn apply_deduction(
    shared: &Shared,
    _: &Params,
    request: ApplyDeduction,
    raw: &[u8],
) -> Reply {
    deduct(
        shared,
        raw,
        &Deduction {
            appid: &request.appid,
            out_trade_no: &request.out_trade_no,
            notify_url: &request.transaction_notify_url,
            contract_id: &request.contract_id,
            amount: &request.amount,
            attach: request.attach.as_ref(),
            partner: None,
        },
    )
}

pub(super) fn apply_harmony_deduction(
    shared: &Shared,
    _: &Params,
    request: ApplyHarmonyDeduction,
    raw: &[u8],
) -> Reply {
    deduct(
        shared,
        raw,
        &Deduction {
            appid: &request.appid,
            out_trade_no: &request.out_trade_no,
            notify_url: &request.transaction_notify_url,
            contract_id: &request.contract_id,
            amount: &request.amount,
            attach: request.attach.as_ref(),
            partner: None,
        },
    )
}

/// Accepts a deduction and settles it at once: `SUCCESS` (or `PAYERROR` when
/// [`Sandbox::fail_deductions`](super::Sandbox::fail_deductions) says so) with the callback to
/// `transaction_notify_url`. The answer is the acceptance only, as WeChat Pay's is.
pub(super) fn deduct(shared: &Shared, raw: &[u8], request: &Deduction<'_>) -> Reply {
    if let Err(reply) = positive(request.amount.total, &["amount", "total"]) {
        return reply;
    }
    if let Err(reply) = callback_url(request.notify_url, &["transaction_notify_url"]) {
        return reply;
    }
    let fingerprint = fingerprint(raw);
    let mut ledger = shared.ledger();
    if let Some(order) = ledger.orders.get(request.out_trade_no) {
        return if order.fingerprint == fingerprint {
            Reply::ok(order.answer.clone())
        } else {
            reused("out_trade_no", request.out_trade_no)
        };
    }
    let scope = match &request.partner {
        None => Scope::Direct,
        Some(partner) => Scope::Partner {
            sub_mchid: &partner.sub_mchid,
            sub_appid: partner.sub_appid.as_deref(),
        },
    };
    let Some(contract) = ledger
        .contracts
        .get_mut(request.contract_id)
        .filter(|contract| scope.sees(contract.sign.partner.as_ref()))
    else {
        return unknown_contract(request.contract_id);
    };
    if let Some(reply) = signed_under(contract, request.appid, scope) {
        return reply;
    }
    // The order carries the sub-merchant, and the user's OpenID under its app.
    let partner = contract.sign.partner.clone();
    let amount = cny(request.amount);
    if let Some(schedule) = &mut contract.schedule {
        if schedule.state != ScheduleState::Scheduled {
            let booking = if partner.is_some() {
                "v3/papay/pay/partner/schedules"
            } else {
                "v3/papay/pay/schedules"
            };
            return invalid(
                &format!(
                    "预约扣费协议须先预约扣费（{booking}/contract-id/{{contract_id}}/schedule）再扣费"
                ),
                json!({ "field": "contract_id", "value": request.contract_id, "schedule_state": schedule.state }),
            );
        }
        if schedule.scheduled.total != amount.total {
            return invalid(
                &format!(
                    "扣费金额 {} 与预约金额 {} 不一致",
                    amount.total, schedule.scheduled.total
                ),
                json!({ "field": "/amount/total", "location": "body" }),
            );
        }
    }
    let booked = contract.schedule.is_some();
    let openid = contract.openid.clone();
    // One booking pays for one deduction: while one is still `ACCEPT`, another is refused.
    if booked
        && let Some(pending) = ledger.orders.values().find(|order| {
            order.state == TradeState::Accept
                && order.contract_id.as_deref() == Some(request.contract_id)
        })
    {
        return invalid(
            &format!(
                "预约的扣费已在处理中（商户订单号 {}），请等待扣款结果",
                pending.out_trade_no
            ),
            json!({ "field": "contract_id", "value": request.contract_id, "out_trade_no": pending.out_trade_no }),
        );
    }
    let answer = json!({
        "out_trade_no": request.out_trade_no,
        "amount": { "total": amount.total, "currency": amount.currency },
    });
    let transaction_id = ledger.next_id("4200");
    ledger
        .transaction_ids
        .insert(transaction_id.clone(), request.out_trade_no.to_owned());
    ledger.orders.insert(
        request.out_trade_no.to_owned(),
        OrderRecord {
            fingerprint,
            answer: answer.clone(),
            appid: request.appid.to_owned(),
            out_trade_no: request.out_trade_no.to_owned(),
            transaction_id: Some(transaction_id),
            trade_type: TradeType::Pap,
            state: TradeState::Accept,
            state_desc: "已接收，等待扣款".to_owned(),
            total: amount.total,
            currency: amount.currency.clone().unwrap_or_default(),
            attach: request.attach.cloned(),
            notify_url: request.notify_url.to_owned(),
            openid: Some(openid),
            success_time: None,
            contract_id: Some(request.contract_id.to_owned()),
            sign_on_pay: None,
            refunded: 0,
            partner,
        },
    );
    match shared.settle_deductions_after {
        None => {
            let settled = ledger.settle_deduction(request.out_trade_no);
            drop(ledger);
            if let Some(order) = settled {
                send_result(shared, &order);
            }
        }
        Some(delay) => {
            drop(ledger);
            let owner = shared.callbacks.owner();
            let out_trade_no = request.out_trade_no.to_owned();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let Some(shared) = owner.upgrade() else {
                    return; // the sandbox stopped
                };
                let settled = shared.ledger().settle_deduction(&out_trade_no);
                if let Some(order) = settled {
                    send_result(&shared, &order);
                }
            });
        }
    }
    Reply::ok(answer)
}

fn send_result(shared: &Shared, order: &OrderRecord) {
    if let Err(error) = shared.order_callback(order) {
        tracing::warn!(%error, "the sandbox cannot send the deduction result");
    }
}

// ---------------------------------------------------------------------------------------------
// Payments.

/// Creates (or, for a retry, finds) an order waiting for payment; `answer` makes the prepay
/// answer from the `prepay_id`.
fn prepay(
    shared: &Shared,
    raw: &[u8],
    order: &Order,
    trade_type: TradeType,
    openid: Option<&str>,
    sign_on_pay: Option<PreSign>,
    answer: impl FnOnce(&str) -> Value,
) -> Reply {
    let buyer = Buyer {
        openid,
        partner: None,
    };
    prepay_for(shared, raw, order, trade_type, buyer, sign_on_pay, answer)
}

/// Who an order is for: the user's OpenID when the request names it (`sp_openid` for a service
/// provider), and for a service provider's order its sub-merchant (with `sub_openid`).
pub(super) struct Buyer<'a> {
    pub(super) openid: Option<&'a str>,
    pub(super) partner: Option<Partner>,
}

/// [`prepay`] for any buyer, a service provider's sub-merchant included (its `mchid` is then the
/// provider's `sp_mchid`, checked by the caller to name it).
pub(super) fn prepay_for(
    shared: &Shared,
    raw: &[u8],
    order: &Order,
    trade_type: TradeType,
    buyer: Buyer<'_>,
    sign_on_pay: Option<PreSign>,
    answer: impl FnOnce(&str) -> Value,
) -> Reply {
    if order.mchid != shared.keys.mchid {
        return bad_field(&["mchid"], "mchid与请求头中的商户号不一致");
    }
    if let Err(reply) = positive(order.amount.total, &["amount", "total"]) {
        return reply;
    }
    if let Err(reply) = callback_url(&order.notify_url, &["notify_url"]) {
        return reply;
    }
    if let Some(sign) = &sign_on_pay
        && !sign.contract_notify_url.is_empty()
        && let Err(reply) = callback_url(
            &sign.contract_notify_url,
            &["contract_info", "contract_notify_url"],
        )
    {
        return reply;
    }
    let fingerprint = fingerprint(raw);
    let mut ledger = shared.ledger();
    if let Some(existing) = ledger.orders.get(&order.out_trade_no) {
        return match existing.state {
            _ if existing.fingerprint != fingerprint => reused("out_trade_no", &order.out_trade_no),
            TradeState::NotPay => Reply::ok(existing.answer.clone()),
            TradeState::Closed => invalid_state("ORDER_CLOSED", "订单已关闭", &order.out_trade_no),
            _ => invalid_state("ORDERPAID", "该订单已支付", &order.out_trade_no),
        };
    }
    let prepay_id = ledger.next_id("wx2611");
    let answer = answer(&prepay_id);
    ledger.orders.insert(
        order.out_trade_no.clone(),
        OrderRecord {
            fingerprint,
            answer: answer.clone(),
            appid: order.appid.clone(),
            out_trade_no: order.out_trade_no.clone(),
            transaction_id: None,
            trade_type,
            state: TradeState::NotPay,
            state_desc: "订单未支付".to_owned(),
            total: order.amount.total,
            currency: order
                .amount
                .currency
                .clone()
                .unwrap_or_else(|| "CNY".to_owned()),
            attach: order.attach.clone(),
            notify_url: order.notify_url.clone(),
            openid: buyer.openid.map(str::to_owned),
            success_time: None,
            contract_id: None,
            sign_on_pay,
            refunded: 0,
            partner: buyer.partner,
        },
    );
    Reply::ok(answer)
}

fn invalid_state(code: &str, message: &str, out_trade_no: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        code,
        message,
        Some(json!({ "field": "out_trade_no", "value": out_trade_no })),
    )
}

pub(super) fn prepay_id_answer(prepay_id: &str) -> Value {
    json!({ "prepay_id": prepay_id })
}

pub(super) fn jsapi_prepay(shared: &Shared, _: &Params, request: JsapiPrepay, raw: &[u8]) -> Reply {
    if let Some(identity) = &request.payer.identity
        && let Err(reply) = real_name(identity)
    {
        return reply;
    }
    prepay(
        shared,
        raw,
        &request.order,
        TradeType::Jsapi,
        Some(&request.payer.openid),
        None,
        prepay_id_answer,
    )
}

/// 实名支付: the identity of a real-name order, in clear text as the official page says: a known
/// document type, and a number and a name of at most 32 characters (an ID card number is 17
/// digits and a digit or an upper-case `X`). Ciphertext (Base64 of 256 bytes) is too long.
fn real_name(identity: &crate::wire::pay::PayerIdentity) -> Result<(), Reply> {
    use crate::wire::pay::IdentityType;
    if let IdentityType::Unknown(_) = identity.kind {
        return Err(bad_field(&["payer", "identity", "type"], "证件类型不支持"));
    }
    for (name, value) in [("number", &identity.number), ("name", &identity.name)] {
        let length = value.chars().count();
        if length == 0 || length > 32 {
            return Err(bad_field(
                &["payer", "identity", name],
                "长度应为1到32个字符（明文传入，无需加密）",
            ));
        }
    }
    if identity.kind == IdentityType::IdCard {
        let number = identity.number.as_bytes();
        let well_formed = number.len() == 18
            && number[..17].iter().all(u8::is_ascii_digit)
            && (number[17].is_ascii_digit() || number[17] == b'X');
        if !well_formed {
            return Err(bad_field(
                &["payer", "identity", "number"],
                "身份证号应为18位，末位X请大写",
            ));
        }
    }
    Ok(())
}

pub(super) fn app_prepay(shared: &Shared, _: &Params, request: AppPrepay, raw: &[u8]) -> Reply {
    prepay(
        shared,
        raw,
        &request.order,
        TradeType::App,
        None,
        None,
        prepay_id_answer,
    )
}

pub(super) fn h5_prepay(shared: &Shared, _: &Params, request: H5Prepay, raw: &[u8]) -> Reply {
    prepay(
        shared,
        raw,
        &request.order,
        TradeType::Mweb,
        None,
        None,
        |prepay_id| json!({ "h5_url": shared.pages.h5_url(prepay_id) }),
    )
}

pub(super) fn native_prepay(
    shared: &Shared,
    _: &Params,
    request: NativePrepay,
    raw: &[u8],
) -> Reply {
    prepay(
        shared,
        raw,
        &request.order,
        TradeType::Native,
        None,
        None,
        |prepay_id| json!({ "code_url": shared.pages.code_url(prepay_id) }),
    )
}

pub(super) fn jsapi_prepay_with_contract(
    shared: &Shared,
    _: &Params,
    request: crate::wire::papay::JsapiPrepayWithContract,
    raw: &[u8],
) -> Reply {
    let info = &request.contract_info;
    // Signing a new contract needs its plan and code; naming an existing one needs neither.
    let sign = match (&info.plan_id, &info.contract_code) {
        (Some(plan_id), Some(code)) => match plan_id.parse::<u64>() {
            Ok(plan_id) => Some(PreSign {
                appid: info
                    .contract_appid
                    .clone()
                    .unwrap_or_else(|| request.order.appid.clone()),
                openid: Some(request.payer.openid.clone()),
                plan_id,
                out_contract_code: code.clone(),
                contract_display_account: info.contract_display_account.clone().unwrap_or_default(),
                contract_notify_url: info.contract_notify_url.clone().unwrap_or_default(),
                out_user_code: None,
                estimated: None,
                partner: None,
            }),
            Err(_) => return bad_field(&["contract_info", "plan_id"], "plan_id 应为数字"),
        },
        _ => None,
    };
    prepay(
        shared,
        raw,
        &request.order,
        TradeType::Jsapi,
        Some(&request.payer.openid),
        sign,
        prepay_id_answer,
    )
}

pub(super) fn app_prepay_with_contract(
    shared: &Shared,
    _: &Params,
    request: crate::wire::papay::AppPrepayWithContract,
    raw: &[u8],
) -> Reply {
    let info = &request.contract_info;
    let Ok(plan_id) = info.plan_id.parse::<u64>() else {
        return bad_field(&["contract_info", "plan_id"], "plan_id 应为数字");
    };
    let sign = PreSign {
        appid: info.contract_appid.clone(),
        openid: None,
        plan_id,
        out_contract_code: info.contract_code.clone(),
        contract_display_account: info.contract_display_account.clone(),
        contract_notify_url: info.contract_notify_url.clone().unwrap_or_default(),
        out_user_code: None,
        estimated: None,
        partner: None,
    };
    prepay(
        shared,
        raw,
        &request.order,
        TradeType::App,
        None,
        Some(sign),
        prepay_id_answer,
    )
}

/// The `mchid` query parameter of the order queries.
#[derive(Deserialize)]
pub(super) struct MchidQuery {
    mchid: String,
}

pub(super) fn order_not_found(field: &str, value: &str) -> Reply {
    not_found("ORDER_NOT_EXIST", "订单不存在", field, value)
}

fn check_mchid(shared: &Shared, query: &str) -> Option<Reply> {
    match serde_urlencoded::from_str::<MchidQuery>(query) {
        Ok(query) if query.mchid == shared.keys.mchid => None,
        Ok(_) => Some(Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "mchid与请求头中的商户号不一致",
            Some(json!({ "field": "mchid", "location": "query" })),
        )),
        Err(e) => Some(Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!("输入源“/query/mchid”映射到字段“mchid”必填性规则校验失败：{e}"),
            Some(json!({ "field": "mchid", "location": "query" })),
        )),
    }
}

/// `GET v3/pay/transactions/id/{transaction_id}?mchid=…`.
pub(super) fn query_transaction_by_id(shared: &Shared, params: &Params, query: &str) -> Reply {
    if let Some(reply) = check_mchid(shared, query) {
        return reply;
    }
    let id = param(params, "transaction_id");
    let ledger = shared.ledger();
    // A service provider's order belongs to its sub-merchant: the direct query does not see it.
    match ledger
        .transaction_ids
        .get(id)
        .and_then(|out_trade_no| ledger.orders.get(out_trade_no))
        .filter(|order| order.partner.is_none())
    {
        Some(order) => Reply::ok(order.to_json(&shared.keys.mchid)),
        None => order_not_found("transaction_id", id),
    }
}

/// `GET v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…`.
pub(super) fn query_transaction_by_out_trade_no(
    shared: &Shared,
    params: &Params,
    query: &str,
) -> Reply {
    if let Some(reply) = check_mchid(shared, query) {
        return reply;
    }
    let out_trade_no = param(params, "out_trade_no");
    match shared
        .ledger()
        .orders
        .get(out_trade_no)
        .filter(|order| order.partner.is_none())
    {
        Some(order) => Reply::ok(order.to_json(&shared.keys.mchid)),
        None => order_not_found("out_trade_no", out_trade_no),
    }
}

/// The body of a close request.
#[derive(Deserialize)]
pub(super) struct CloseBody {
    mchid: String,
}

/// `POST v3/pay/transactions/out-trade-no/{out_trade_no}/close`: `204`; closing a closed order
/// again is harmless, closing a paid one is `400 ORDERPAID`.
pub(super) fn close_transaction(shared: &Shared, params: &Params, body: CloseBody) -> Reply {
    if body.mchid != shared.keys.mchid {
        return bad_field(&["mchid"], "mchid与请求头中的商户号不一致");
    }
    let out_trade_no = param(params, "out_trade_no");
    let mut ledger = shared.ledger();
    let Some(order) = ledger.orders.get_mut(out_trade_no) else {
        return order_not_found("out_trade_no", out_trade_no);
    };
    match order.state {
        TradeState::NotPay => {
            order.state = TradeState::Closed;
            order.state_desc = "已关闭".to_owned();
            Reply::no_content()
        }
        TradeState::Closed => Reply::no_content(),
        _ => invalid_state("ORDERPAID", "订单已支付，不能关闭", out_trade_no),
    }
}

// ---------------------------------------------------------------------------------------------
// Refunds.

/// `POST v3/refund/domestic/refunds`: answers `PROCESSING`; the refund then succeeds at once,
/// with `REFUND.SUCCESS` to `notify_url` when one was given.
pub(super) fn create_refund(
    shared: &Shared,
    _: &Params,
    request: CreateRefund,
    raw: &[u8],
) -> Reply {
    if let Err(reply) = positive(request.amount.refund, &["amount", "refund"]) {
        return reply;
    }
    if let Err(reply) = positive(request.amount.total, &["amount", "total"]) {
        return reply;
    }
    if let Some(url) = &request.notify_url
        && let Err(reply) = callback_url(url, &["notify_url"])
    {
        return reply;
    }
    let fingerprint = fingerprint(raw);
    let mut ledger = shared.ledger();
    if let Some(refund) = ledger.refunds.get(&request.out_refund_no) {
        return if refund.fingerprint == fingerprint {
            Reply::ok(refund.to_json())
        } else {
            reused("out_refund_no", &request.out_refund_no)
        };
    }
    let out_trade_no = match (&request.transaction_id, &request.out_trade_no) {
        (Some(id), _) => match ledger.transaction_ids.get(id) {
            Some(out_trade_no) => out_trade_no.clone(),
            None => return not_found("RESOURCE_NOT_EXISTS", "订单不存在", "transaction_id", id),
        },
        (None, Some(out_trade_no)) => out_trade_no.clone(),
        (None, None) => {
            return bad_field(
                &["out_trade_no"],
                "transaction_id 和 out_trade_no 必须二选一",
            );
        }
    };
    let Some(order) = ledger.orders.get(&out_trade_no) else {
        return not_found(
            "RESOURCE_NOT_EXISTS",
            "订单不存在",
            "out_trade_no",
            &out_trade_no,
        );
    };
    if !matches!(order.state, TradeState::Success | TradeState::Refund) {
        return invalid(
            &format!("订单 {out_trade_no} 未支付成功，不能退款"),
            json!({ "field": "out_trade_no", "value": out_trade_no, "trade_state": order.state }),
        );
    }
    if request.amount.total != order.total {
        return bad_field(&["amount", "total"], "订单金额与原订单金额不一致");
    }
    // Checked: a refund near u64::MAX must be refused like any other over-refund, never wrap
    // around into an accepted one (or panic).
    let refundable = order.total.saturating_sub(order.refunded);
    if order
        .refunded
        .checked_add(request.amount.refund)
        .is_none_or(|after| after > order.total)
    {
        // WeChat Pay's answer to a refund above what is left: 400 INVALID_REQUEST (v2 says
        // `err_code=INVALID_REQUEST`, "refund_fee大于可退金额").
        return invalid(
            &format!("申请退款金额超过订单可退金额：可退 {refundable} 分"),
            json!({ "field": "/amount/refund", "location": "body" }),
        );
    }
    let transaction_id = order.transaction_id.clone().unwrap_or_default();
    let notify_url = request.notify_url.clone();
    let refund_id = ledger.next_id("50300");
    let now = rfc3339_beijing(SystemTime::now());
    let mut record = RefundRecord {
        fingerprint,
        refund_id,
        out_refund_no: request.out_refund_no.clone(),
        out_trade_no: out_trade_no.clone(),
        transaction_id,
        status: RefundStatus::Processing,
        create_time: now.clone(),
        success_time: None,
        refund: request.amount.refund,
        total: request.amount.total,
        currency: request.amount.currency.clone(),
    };
    let answer = record.to_json();
    record.status = RefundStatus::Success;
    record.success_time = Some(now);
    if let Some(order) = ledger.orders.get_mut(&out_trade_no) {
        order.refunded = order.refunded.saturating_add(request.amount.refund);
        order.state = TradeState::Refund;
        order.state_desc = "转入退款".to_owned();
    }
    ledger
        .refunds
        .insert(request.out_refund_no.clone(), record.clone());
    drop(ledger);
    if let Some(url) = notify_url {
        let callback = super::callbacks::Callback::new(
            "REFUND.SUCCESS",
            "退款成功",
            "refund",
            record.to_notice(&shared.keys.mchid),
        );
        if let Err(error) = shared.callbacks.deliver(shared, &url, callback) {
            tracing::warn!(%error, "the sandbox cannot send the refund result");
        }
    }
    Reply::ok(answer)
}

/// `GET v3/refund/domestic/refunds/{out_refund_no}`.
pub(super) fn query_refund(shared: &Shared, params: &Params, _query: &str) -> Reply {
    let out_refund_no = param(params, "out_refund_no");
    match shared.ledger().refunds.get(out_refund_no) {
        Some(refund) => Reply::ok(refund.to_json()),
        None => not_found(
            "RESOURCE_NOT_EXISTS",
            "退款单不存在",
            "out_refund_no",
            out_refund_no,
        ),
    }
}
