//! Partner papay (服务商委托代扣): a service provider signs, books, deducts and notifies for
//! its sub-merchants, against the same [`Ledger`](super::ledger::Ledger) as direct papay.
//!
//! A partner contract belongs to the provider (`sp_mchid`: the `mchid` of the `Authorization`
//! header, the only merchant a sandbox serves) and to one sub-merchant (`sub_mchid`). Every call
//! names the sub-merchant; a contract of another sub-merchant, or a direct merchant's contract,
//! is answered as one that does not exist (`404 RESOURCE_NOT_EXISTS`), and direct papay cannot see
//! partner contracts either. A body's `sp_mchid` other than the signing merchant, an `sp_appid` or
//! `sub_appid` other than the contract's, or a missing field is `400 PARAM_ERROR` naming it.
//! The provider's order queries (`v3/pay/partner/transactions/out-trade-no/…` and `…/id/…`,
//! `?sp_mchid=…&sub_mchid=…`) answer its orders for that sub-merchant, and the direct queries do
//! not see them.
//! Contract and payment callbacks go out in the partner shapes (`sp_mchid`, `sp_appid`,
//! `sub_mchid`, `sub_appid`, `sp_openid`, `sub_openid`).

use http::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Shared;
use super::business::{
    self, Buyer, Deduction, Scene, bad_field, callback_url, param, prepay_id_answer,
};
use super::ledger::{Partner, PreSign, Scope};
use super::routes::{Params, Route, decode, param_error_at};
use super::server::Reply;
use crate::wire::papay::{DeductAmount, ScheduledDeductSign, SignDeductSchedule};
use crate::wire::pay::{Order, OrderAmount, TradeType};

/// The partner papay routes, matched like the direct ones.
pub(super) fn routes() -> Vec<Route> {
    const PRE_SIGN: &str = "v3/papay/scheduled-deduct-sign/partner/contracts/pre-entrust-sign";
    const CONTRACT: &str =
        "v3/papay/sign/partner/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}";
    vec![
        post(
            joined(PRE_SIGN, "/app"),
            |shared, _, body: PartnerPreSign, _| pre_sign(shared, body, Scene::App),
        ),
        post(joined(PRE_SIGN, "/h5"), |shared, _, body, _| {
            pre_sign(shared, body, Scene::Redirect)
        }),
        post(joined(PRE_SIGN, "/jsapi"), |shared, _, body, _| {
            pre_sign(shared, body, Scene::Redirect)
        }),
        post(joined(PRE_SIGN, "/mini-program"), |shared, _, body, _| {
            pre_sign(shared, body, Scene::MiniProgram)
        }),
        get(CONTRACT, |shared, params, sub_mchid| {
            business::query_contract_in(shared, params, scope(sub_mchid, None))
        }),
        post(
            joined(CONTRACT, "/terminate"),
            |shared, params, body: TerminateBody, _| {
                business::terminate_contract_in(
                    shared,
                    params,
                    body.contract_termination_remark,
                    scope(&body.sub_mchid, None),
                )
            },
        ),
        post(
            "v3/papay/pay/partner/schedules/contract-id/{contract_id}/schedule",
            |shared, params, body: ScheduleBody, _| {
                business::schedule_deduction_in(
                    shared,
                    param(params, "contract_id"),
                    &body.sp_appid,
                    &body.schedule_amount,
                    scope(&body.sub_mchid, body.sub_appid.as_deref()),
                )
            },
        ),
        get(
            "v3/papay/pay/partner/schedules/contract-id/{contract_id}",
            |shared, params, sub_mchid| {
                business::query_deduction_schedule_in(
                    shared,
                    param(params, "contract_id"),
                    scope(sub_mchid, None),
                )
            },
        ),
        post("v3/papay/pay/partner/transactions/apply", apply_deduction),
        post(
            "v3/partner-papay/contracts/{contract_id}/notify",
            |shared, params, body: PreDeductionBody, _| {
                if let Err(reply) = business::positive(
                    body.estimated_amount.amount,
                    &["estimated_amount", "amount"],
                ) {
                    return reply;
                }
                notice(shared, params, &body.notice)
            },
        ),
        post(
            "v3/partner-papay/contracts/{contract_id}/fail-notify",
            |shared, params, body: NoticeBody, _| notice(shared, params, &body),
        ),
        post(
            "v3/pay/partner/transactions/jsapi-with-contract",
            jsapi_prepay_with_contract,
        ),
        post(
            "v3/pay/partner/transactions/app-with-contract",
            app_prepay_with_contract,
        ),
        Route::new(
            Method::GET,
            "v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
            Box::new(|shared, parts, params, _body| {
                query_order(
                    shared,
                    parts.uri.query().unwrap_or(""),
                    "out_trade_no",
                    param(params, "out_trade_no"),
                )
            }),
        ),
        Route::new(
            Method::GET,
            "v3/pay/partner/transactions/id/{transaction_id}",
            Box::new(|shared, parts, params, _body| {
                query_order(
                    shared,
                    parts.uri.query().unwrap_or(""),
                    "transaction_id",
                    param(params, "transaction_id"),
                )
            }),
        ),
    ]
}

/// `GET v3/pay/partner/transactions/{out-trade-no,id}/…?sp_mchid=…&sub_mchid=…`: a provider's
/// order for one sub-merchant, in the partner shape; another sub-merchant's order, or a direct
/// merchant's, is `404 ORDER_NOT_EXIST`.
fn query_order(shared: &Shared, query: &str, field: &str, value: &str) -> Reply {
    let sub_mchid = match sub_mchid_query(query) {
        Ok(sub_mchid) => sub_mchid,
        Err(reply) => return reply,
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    match pairs.iter().find(|(key, _)| key == "sp_mchid") {
        None => {
            return param_error_at("query", &["sp_mchid".to_owned()], "此字段为必填项", true);
        }
        Some((_, sp_mchid)) if *sp_mchid != shared.keys.mchid => {
            return param_error_at(
                "query",
                &["sp_mchid".to_owned()],
                "sp_mchid与请求头中的商户号不一致",
                false,
            );
        }
        Some(_) => {}
    }
    let ledger = shared.ledger();
    let out_trade_no = if field == "transaction_id" {
        ledger.transaction_ids.get(value).map(String::as_str)
    } else {
        Some(value)
    };
    let order = out_trade_no
        .and_then(|out_trade_no| ledger.orders.get(out_trade_no))
        .filter(|order| {
            order
                .partner
                .as_ref()
                .is_some_and(|partner| partner.sub_mchid == sub_mchid)
        });
    match order {
        Some(order) => Reply::ok(order.to_json(&shared.keys.mchid)),
        None => business::order_not_found(field, value),
    }
}

/// `prefix` followed by `suffix`, leaked once: route templates live as long as the process.
fn joined(prefix: &str, suffix: &str) -> &'static str {
    Box::leak(format!("{prefix}{suffix}").into_boxed_str())
}

/// A POST route whose JSON body must decode as `B` before `answer` runs.
fn post<B: DeserializeOwned + 'static>(
    template: &'static str,
    answer: fn(&Shared, &Params, B, &[u8]) -> Reply,
) -> Route {
    Route::new(
        Method::POST,
        template,
        Box::new(
            move |shared, _parts, params, body| match decode::<B>(body) {
                Ok(request) => answer(shared, params, request, body),
                Err(reply) => reply,
            },
        ),
    )
}

/// A GET route whose query must name the sub-merchant (`?sub_mchid=…`).
fn get(template: &'static str, answer: fn(&Shared, &Params, &str) -> Reply) -> Route {
    Route::new(
        Method::GET,
        template,
        Box::new(move |shared, parts, params, _body| {
            match sub_mchid_query(parts.uri.query().unwrap_or("")) {
                Ok(sub_mchid) => answer(shared, params, &sub_mchid),
                Err(reply) => reply,
            }
        }),
    )
}

/// The `sub_mchid` of a query string, or `400 PARAM_ERROR` naming it.
fn sub_mchid_query(query: &str) -> Result<String, Reply> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| param_error_at("query", &[], &e.to_string(), false))?;
    match pairs.into_iter().find(|(key, _)| key == "sub_mchid") {
        Some((_, value)) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(value)
        }
        Some((_, value)) => Err(param_error_at(
            "query",
            &["sub_mchid".to_owned()],
            &format!("`{value}` is not a merchant id: digits only"),
            false,
        )),
        None => Err(param_error_at(
            "query",
            &["sub_mchid".to_owned()],
            "此字段为必填项",
            true,
        )),
    }
}

fn scope<'a>(sub_mchid: &'a str, sub_appid: Option<&'a str>) -> Scope<'a> {
    Scope::Partner {
        sub_mchid,
        sub_appid,
    }
}

/// `sp_mchid` in a body must be the merchant that signed the request.
fn check_sp_mchid(shared: &Shared, sp_mchid: &str, pointer: &[&str]) -> Result<(), Reply> {
    if sp_mchid == shared.keys.mchid {
        Ok(())
    } else {
        Err(bad_field(pointer, "sp_mchid与请求头中的商户号不一致"))
    }
}

/// The user's OpenID under the sub-merchant's app needs that app.
fn check_sub_openid(
    sub_appid: Option<&String>,
    sub_openid: Option<&String>,
    pointer: &[&str],
) -> Result<(), Reply> {
    if sub_openid.is_some() && sub_appid.is_none() {
        return Err(bad_field(pointer, "传入sub_openid时须同时传入sub_appid"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pre-sign.

/// The body of the four partner scheduled-deduction pre-signs.
#[derive(Deserialize)]
struct PartnerPreSign {
    sp_appid: String,
    #[serde(default)]
    sp_openid: Option<String>,
    sub_mchid: String,
    #[serde(default)]
    sub_appid: Option<String>,
    #[serde(default)]
    sub_openid: Option<String>,
    plan_id: u64,
    out_contract_code: String,
    contract_display_account: String,
    contract_notify_url: String,
    #[serde(default)]
    out_user_code: Option<String>,
    #[serde(default)]
    deduct_schedule: Option<SignDeductSchedule>,
}

/// `POST v3/papay/scheduled-deduct-sign/partner/contracts/pre-entrust-sign/{scene}`: remembers
/// the pre-sign for the user's confirmation, as the direct pre-signs do.
fn pre_sign(shared: &Shared, body: PartnerPreSign, scene: Scene) -> Reply {
    if let Err(reply) = check_sub_openid(
        body.sub_appid.as_ref(),
        body.sub_openid.as_ref(),
        &["sub_openid"],
    ) {
        return reply;
    }
    let partner = Partner {
        sub_mchid: body.sub_mchid,
        sub_appid: body.sub_appid,
        sub_openid: body.sub_openid,
    };
    let sign = ScheduledDeductSign {
        appid: body.sp_appid,
        openid: body.sp_openid,
        plan_id: body.plan_id,
        out_contract_code: body.out_contract_code,
        contract_display_account: body.contract_display_account,
        contract_notify_url: body.contract_notify_url,
        out_user_code: body.out_user_code,
        deduct_schedule: body.deduct_schedule,
    };
    business::scheduled_pre_sign_answer_for(shared, sign, Some(partner), scene)
}

// ---------------------------------------------------------------------------------------------
// Contracts, bookings, notices.

/// The body of a partner terminate request.
#[derive(Deserialize)]
struct TerminateBody {
    sub_mchid: String,
    contract_termination_remark: String,
}

/// The body of a partner schedule request.
#[derive(Deserialize)]
struct ScheduleBody {
    sp_appid: String,
    sub_mchid: String,
    #[serde(default)]
    sub_appid: Option<String>,
    schedule_amount: DeductAmount,
}

/// The body of a partner retry notice, and the part every partner notice has.
#[derive(Deserialize)]
struct NoticeBody {
    sp_mchid: String,
    sp_appid: String,
    sub_mchid: String,
    #[serde(default)]
    sub_appid: Option<String>,
}

/// The body of a partner pre-deduction notice.
#[derive(Deserialize)]
struct PreDeductionBody {
    #[serde(flatten)]
    notice: NoticeBody,
    estimated_amount: EstimatedAmount,
}

#[derive(Deserialize)]
struct EstimatedAmount {
    amount: u64,
}

/// `POST v3/partner-papay/contracts/{contract_id}/notify` and `…/fail-notify`: `204`.
fn notice(shared: &Shared, params: &Params, body: &NoticeBody) -> Reply {
    if let Err(reply) = check_sp_mchid(shared, &body.sp_mchid, &["sp_mchid"]) {
        return reply;
    }
    business::notice_allowed_in(
        shared,
        param(params, "contract_id"),
        &body.sp_appid,
        scope(&body.sub_mchid, body.sub_appid.as_deref()),
    )
    .unwrap_or_else(Reply::no_content)
}

// ---------------------------------------------------------------------------------------------
// Deductions.

/// The body of a partner deduction.
#[derive(Deserialize)]
struct ApplyBody {
    sp_appid: String,
    sub_mchid: String,
    #[serde(default)]
    sub_appid: Option<String>,
    out_trade_no: String,
    #[allow(dead_code)] // required by WeChat Pay; the sandbox's orders do not show it
    description: String,
    transaction_notify_url: String,
    contract_id: String,
    amount: DeductAmount,
    #[serde(default)]
    attach: Option<String>,
}

/// `POST v3/papay/pay/partner/transactions/apply`: as the direct deduction, for a contract of
/// the sub-merchant named; the payment callback goes out in the partner shape.
fn apply_deduction(shared: &Shared, _: &Params, body: ApplyBody, raw: &[u8]) -> Reply {
    business::deduct(
        shared,
        raw,
        &Deduction {
            appid: &body.sp_appid,
            out_trade_no: &body.out_trade_no,
            notify_url: &body.transaction_notify_url,
            contract_id: &body.contract_id,
            amount: &body.amount,
            attach: body.attach.as_ref(),
            partner: Some(Partner {
                sub_mchid: body.sub_mchid,
                sub_appid: body.sub_appid,
                sub_openid: None,
            }),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Pay and sign.

/// What the two partner pay-and-sign bodies share.
#[derive(Deserialize)]
struct PartnerOrder {
    sp_appid: String,
    sp_mchid: String,
    #[serde(default)]
    sub_appid: Option<String>,
    sub_mchid: String,
    description: String,
    out_trade_no: String,
    #[serde(default)]
    time_expire: Option<String>,
    #[serde(default)]
    attach: Option<String>,
    notify_url: String,
    #[serde(default)]
    goods_tag: Option<String>,
    amount: OrderAmount,
}

impl PartnerOrder {
    /// The order as the provider's (`mchid` = `sp_mchid`), after checking `sp_mchid`.
    fn order(&self, shared: &Shared) -> Result<Order, Reply> {
        check_sp_mchid(shared, &self.sp_mchid, &["sp_mchid"])?;
        Ok(Order {
            appid: self.sp_appid.clone(),
            mchid: self.sp_mchid.clone(),
            description: self.description.clone(),
            out_trade_no: self.out_trade_no.clone(),
            time_expire: self.time_expire.clone(),
            attach: self.attach.clone(),
            notify_url: self.notify_url.clone(),
            goods_tag: self.goods_tag.clone(),
            limit_pay: None,
            support_fapiao: None,
            amount: self.amount.clone(),
            detail: None,
            settle_info: None,
        })
    }

    /// The contract a pay-and-sign order asks for: signed for the sub-merchant under the
    /// provider's app, by the merchant and app named in `contract_info` (the provider's or the
    /// sub-merchant's).
    fn contract(
        &self,
        info: &ContractInfo,
        sub_openid: Option<String>,
    ) -> Result<Option<PreSign>, Reply> {
        let (Some(plan_id), Some(code)) = (&info.plan_id, &info.contract_code) else {
            return Ok(None);
        };
        let Ok(plan_id) = plan_id.parse::<u64>() else {
            return Err(bad_field(&["contract_info", "plan_id"], "plan_id 应为数字"));
        };
        if let Some(mchid) = &info.contract_mchid
            && *mchid != self.sp_mchid
            && *mchid != self.sub_mchid
        {
            return Err(bad_field(
                &["contract_info", "contract_mchid"],
                "contract_mchid须为服务商商户号或子商户号",
            ));
        }
        if let Some(appid) = &info.contract_appid
            && *appid != self.sp_appid
            && Some(appid) != self.sub_appid.as_ref()
        {
            return Err(bad_field(
                &["contract_info", "contract_appid"],
                "contract_appid须为sp_appid或sub_appid",
            ));
        }
        let notify_url = info.contract_notify_url.clone().unwrap_or_default();
        if !notify_url.is_empty() {
            callback_url(&notify_url, &["contract_info", "contract_notify_url"])?;
        }
        Ok(Some(PreSign {
            appid: self.sp_appid.clone(),
            openid: None,
            plan_id,
            out_contract_code: code.clone(),
            contract_display_account: info.contract_display_account.clone().unwrap_or_default(),
            contract_notify_url: notify_url,
            out_user_code: None,
            estimated: None,
            partner: Some(self.partner(sub_openid)),
        }))
    }

    fn partner(&self, sub_openid: Option<String>) -> Partner {
        Partner {
            sub_mchid: self.sub_mchid.clone(),
            sub_appid: self.sub_appid.clone(),
            sub_openid,
        }
    }
}

/// 签约授权信息 of a partner pay-and-sign order (all optional for JSAPI, which may name an
/// existing authorisation instead).
#[derive(Deserialize)]
struct ContractInfo {
    #[serde(default)]
    plan_id: Option<String>,
    #[serde(default)]
    contract_mchid: Option<String>,
    #[serde(default)]
    contract_appid: Option<String>,
    #[serde(default)]
    contract_code: Option<String>,
    #[serde(default)]
    contract_display_account: Option<String>,
    #[serde(default)]
    contract_notify_url: Option<String>,
}

/// The body of `v3/pay/partner/transactions/jsapi-with-contract`.
#[derive(Deserialize)]
struct JsapiWithContract {
    #[serde(flatten)]
    order: PartnerOrder,
    payer: PartnerPayer,
    contract_info: ContractInfo,
}

/// 支付者 of a partner JSAPI order: the user under the provider's or the sub-merchant's app.
#[derive(Deserialize)]
struct PartnerPayer {
    #[serde(default)]
    sp_openid: Option<String>,
    #[serde(default)]
    sub_openid: Option<String>,
}

/// The body of `v3/pay/partner/transactions/app-with-contract`.
#[derive(Deserialize)]
struct AppWithContract {
    #[serde(flatten)]
    order: PartnerOrder,
    contract_info: AppContractInfo,
}

/// 签约授权信息 of a partner APP pay-and-sign order: every contract field is required.
#[derive(Deserialize)]
struct AppContractInfo {
    plan_id: String,
    contract_mchid: String,
    contract_appid: String,
    contract_code: String,
    #[allow(dead_code)] // required by WeChat Pay; only the v2 flow orders by it
    request_serial: String,
    contract_display_account: String,
    #[serde(default)]
    contract_notify_url: Option<String>,
}

/// `POST v3/pay/partner/transactions/jsapi-with-contract`: an order waiting for the user; paying
/// it (the control route or [`Sandbox::pay_transaction`](super::Sandbox::pay_transaction)) signs
/// the sub-merchant's contract.
fn jsapi_prepay_with_contract(
    shared: &Shared,
    _: &Params,
    body: JsapiWithContract,
    raw: &[u8],
) -> Reply {
    let payer = &body.payer;
    if payer.sp_openid.is_none() && payer.sub_openid.is_none() {
        return bad_field(
            &["payer", "sp_openid"],
            "sp_openid和sub_openid须至少传入一个",
        );
    }
    if let Err(reply) = check_sub_openid(
        body.order.sub_appid.as_ref(),
        payer.sub_openid.as_ref(),
        &["payer", "sub_openid"],
    ) {
        return reply;
    }
    prepay(
        shared,
        raw,
        &body.order,
        TradeType::Jsapi,
        payer.sp_openid.as_deref(),
        payer.sub_openid.clone(),
        &body.contract_info,
    )
}

/// `POST v3/pay/partner/transactions/app-with-contract`.
fn app_prepay_with_contract(
    shared: &Shared,
    _: &Params,
    body: AppWithContract,
    raw: &[u8],
) -> Reply {
    let info = body.contract_info;
    let info = ContractInfo {
        plan_id: Some(info.plan_id),
        contract_mchid: Some(info.contract_mchid),
        contract_appid: Some(info.contract_appid),
        contract_code: Some(info.contract_code),
        contract_display_account: Some(info.contract_display_account),
        contract_notify_url: info.contract_notify_url,
    };
    prepay(shared, raw, &body.order, TradeType::App, None, None, &info)
}

fn prepay(
    shared: &Shared,
    raw: &[u8],
    body: &PartnerOrder,
    trade_type: TradeType,
    sp_openid: Option<&str>,
    sub_openid: Option<String>,
    info: &ContractInfo,
) -> Reply {
    let order = match body.order(shared) {
        Ok(order) => order,
        Err(reply) => return reply,
    };
    let sign = match body.contract(info, sub_openid.clone()) {
        Ok(sign) => sign,
        Err(reply) => return reply,
    };
    let buyer = Buyer {
        openid: sp_openid,
        partner: Some(body.partner(sub_openid)),
    };
    business::prepay_for(
        shared,
        raw,
        &order,
        trade_type,
        buyer,
        sign,
        prepay_id_answer,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn the_sub_merchant_query_is_required_and_digits() {
        assert_eq!(
            sub_mchid_query("a=1&sub_mchid=1900000109").ok().as_deref(),
            Some("1900000109")
        );
        for query in ["", "sub_mchid=", "sub_mchid=abc"] {
            let refused = sub_mchid_query(query).err().map(|reply| reply.status);
            assert_eq!(refused, Some(StatusCode::BAD_REQUEST), "{query}");
        }
    }
}
