//! API v2 on the sandbox's port: XML requests at WeChat Pay's v2 paths, checked by `sign` (MD5 or
//! HMAC-SHA256 with the APIv2 key) and refused as WeChat Pay refuses them; signed XML answers;
//! papay v2 (pre-sign, deduction, query, termination) on the same ledger as v3 papay, with XML
//! callbacks; every other described v2 operation answered from its description
//! ([`super::catalog_v2`]).

use std::time::SystemTime;

use crate::wire::papay::{ContractState, ContractTerminationMode};
use crate::wire::pay::{TradeState, TradeType};
use bytes::Bytes;
use wechatpay::ApiV2Key;
use wechatpay::v2::{self, Fields, SignType};

use super::callbacks::CallbackDelivery;
use super::ledger::{ContractRecord, OrderRecord, PreSign};
use super::{Fault, Shared, rfc3339_beijing};
use wechatpay::error::Error;

/// The v2 operations the sandbox answers.
pub(crate) const PATHS: [&str; 5] = [
    "papay/querycontract",
    "papay/deletecontract",
    "papay/preentrustweb",
    "pay/pappayapply",
    "pay/paporderquery",
];

/// The operation a path names: a service-provider path (`papay/partner/querycontract`) is the
/// merchant operation for its `sub_mch_id`, kept on the same ledger.
pub(crate) fn operation(path: &str) -> String {
    path.replacen("/partner/", "/", 1)
}

/// Whether a request path (without the leading `/`) is a v2 call.
pub(crate) fn is_v2(path: &str) -> bool {
    PATHS.contains(&operation(path).as_str()) || super::catalog_v2::find(path).is_some()
}

/// `<xml>` with `return_code=FAIL` and the message, unsigned, as WeChat Pay refuses a request.
fn refuse(message: &str) -> Bytes {
    Bytes::from(v2::xml::encode([
        ("return_code", "FAIL"),
        ("return_msg", message),
    ]))
}

/// A business outcome: the fields of a success, or `err_code` and `err_code_des`.
type Outcome = Result<Vec<(String, String)>, (&'static str, String)>;

/// Answers one v2 request: the XML answer body.
pub(crate) fn handle(
    shared: &Shared,
    path: &str,
    body: &[u8],
    fault: Option<&Fault>,
    client_certificate: bool,
) -> Bytes {
    if !client_certificate && super::catalog_v2::needs_certificate(path) {
        // WeChat Pay serves these only over mutual TLS with the merchant API certificate.
        return refuse(
            "证书错误: this operation requires the merchant API certificate (mutual TLS); configure the client certificate (the sandbox issues one: Sandbox::client_certificate)",
        );
    }
    let Ok(request) = v2::xml::decode(body) else {
        return refuse("XML格式错误");
    };
    let sign_type = match v2::field(&request, "sign_type") {
        None | Some("" | "MD5") => SignType::Md5,
        Some("HMAC-SHA256") => SignType::HmacSha256,
        Some(_) => return refuse("sign_type参数格式错误"),
    };
    let key = shared.apiv2_key();
    match v2::field(&request, "sign") {
        None | Some("") => return refuse("缺少参数sign"),
        Some(sign) if !v2::verify_sign(&request, sign, &key, sign_type) => {
            return refuse("签名错误");
        }
        Some(_) => {}
    }
    if v2::field(&request, "mch_id") != Some(shared.keys.mchid.as_str()) {
        return refuse("mch_id参数错误");
    }
    let get = |name: &str| v2::field(&request, name).filter(|v| !v.is_empty());
    let described = super::catalog_v2::find(path);
    let outcome: Result<Vec<(String, String)>, (String, String)> = match fault {
        // WeChat Pay's "query before retrying" answers, for a request that was valid.
        Some(Fault::V2ErrCode(code)) => Err((code.clone(), describe(code).to_owned())),
        _ => match operation(path).as_str() {
            "papay/querycontract" => query_contract(shared, &get),
            "papay/deletecontract" => delete_contract(shared, &get),
            "papay/preentrustweb" => pre_entrust_web(shared, &get),
            "pay/pappayapply" => pap_pay_apply(shared, &get),
            "pay/paporderquery" => pap_order_query(shared, &get),
            _ => match described {
                Some(described) => super::catalog_v2::outcome(described, &request),
                None => return refuse("URL地址错误"),
            },
        }
        .map_err(|(code, description)| (code.to_owned(), description)),
    };
    let mut answer: Fields = vec![
        ("return_code".into(), "SUCCESS".into()),
        ("return_msg".into(), "OK".into()),
        ("appid".into(), get("appid").unwrap_or_default().to_owned()),
        ("mch_id".into(), shared.keys.mchid.clone()),
        ("nonce_str".into(), wechatpay::__support::nonce()),
    ];
    match outcome {
        Ok(fields) => {
            answer.push(("result_code".into(), "SUCCESS".into()));
            answer.extend(fields);
        }
        Err((code, description)) => {
            answer.push(("result_code".into(), "FAIL".into()));
            answer.push(("err_code".into(), code));
            answer.push(("err_code_des".into(), description));
        }
    }
    if described.is_some_and(super::catalog_v2::answered_unsigned) {
        return Bytes::from(unsigned(answer, &key, sign_type, fault));
    }
    Bytes::from(signed(answer, &key, sign_type, fault))
}

/// WeChat Pay's description of the `err_code`s a test makes the sandbox answer
/// ([`Fault::V2ErrCode`]).
fn describe(code: &str) -> &'static str {
    match code {
        "SYSTEMERROR" => "系统繁忙，请稍后再试",
        "USERPAYING" => "需要用户输入支付密码",
        "BANKERROR" => "银行系统异常",
        "BIZERR_NEED_RETRY" => "退款业务流程错误，需要商户触发重试来解决",
        "PROCESSING" => "请求已受理，请稍后使用原单号查询发放结果",
        _ => "错误",
    }
}

/// Writes the answer of an operation WeChat Pay answers without `sign` (企业付款, red packets
/// …): the fields as they are. A fault that forges a signature adds a `sign` that does not
/// verify (with another key, or of the other sign type), which a client must refuse.
fn unsigned(fields: Fields, key: &ApiV2Key, sign_type: SignType, fault: Option<&Fault>) -> String {
    match fault {
        Some(Fault::ForeignSignature | Fault::WrongSignType | Fault::TamperBody) => {
            signed(fields, key, sign_type, fault)
        }
        _ => v2::xml::encode(v2::pairs(&fields)),
    }
}

/// Signs fields (answer or callback) and writes them, misbehaving as `fault` says.
pub(crate) fn signed(
    mut fields: Fields,
    key: &ApiV2Key,
    sign_type: SignType,
    fault: Option<&Fault>,
) -> String {
    let signature = match fault {
        Some(Fault::ForeignSignature) => {
            let other =
                ApiV2Key::new(&wechatpay::__support::nonce()).unwrap_or_else(|_| key.clone());
            v2::sign(v2::pairs(&fields), &other, sign_type)
        }
        Some(Fault::WrongSignType) => {
            let other = match sign_type {
                SignType::Md5 => SignType::HmacSha256,
                SignType::HmacSha256 => SignType::Md5,
            };
            v2::sign(v2::pairs(&fields), key, other)
        }
        _ => v2::sign(v2::pairs(&fields), key, sign_type),
    };
    if !matches!(fault, Some(Fault::StripSignature)) {
        fields.push(("sign".into(), signature));
    }
    if matches!(fault, Some(Fault::TamperBody))
        && let Some((_, value)) = fields.iter_mut().find(|(name, _)| name == "nonce_str")
    {
        value.push('0');
    }
    v2::xml::encode(v2::pairs(&fields))
}

fn field(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

fn contract_fields(
    contract: &ContractRecord,
    request_serial: Option<u64>,
) -> Vec<(String, String)> {
    let mut fields = vec![
        field("contract_id", &contract.contract_id),
        field("plan_id", contract.sign.plan_id.to_string()),
        field("contract_code", &contract.sign.out_contract_code),
        field(
            "contract_display_account",
            &contract.sign.contract_display_account,
        ),
        field(
            "contract_state",
            if contract.state == ContractState::Signed {
                "0"
            } else {
                "1"
            },
        ),
        field("contract_signed_time", v2_time(&contract.signed_time)),
        field("contract_expired_time", v2_time(&contract.expired_time)),
        field("openid", &contract.openid),
    ];
    if let Some(serial) = request_serial {
        fields.push(field("request_serial", serial.to_string()));
    }
    if let Some((mode, time, remark)) = &contract.terminated {
        fields.push(field("contract_terminated_time", v2_time(time)));
        fields.push(field("contract_termination_mode", termination_mode(mode)));
        if let Some(remark) = remark {
            fields.push(field("contract_termination_remark", remark));
        }
    }
    fields
}

/// `2026-11-30T10:00:00+08:00` as v2 writes times: `2026-11-30 10:00:00`.
fn v2_time(rfc3339: &str) -> String {
    rfc3339.get(..19).unwrap_or(rfc3339).replace('T', " ")
}

/// The v2 code of how a contract ended: `2` by the user, `3` by the merchant's API.
fn termination_mode(mode: &ContractTerminationMode) -> &'static str {
    match mode {
        ContractTerminationMode::User => "2",
        ContractTerminationMode::MerchantApi | ContractTerminationMode::Api => "3",
        _ => "4",
    }
}

/// The contract a request names by `contract_id`, or by `plan_id` + `contract_code`.
fn find_contract<'l, 'r>(
    ledger: &'l super::ledger::Ledger,
    get: &dyn Fn(&str) -> Option<&'r str>,
) -> Result<&'l ContractRecord, (&'static str, String)> {
    let id = match (get("contract_id"), get("plan_id"), get("contract_code")) {
        (Some(id), _, _) => Some(id.to_owned()),
        (None, Some(plan_id), Some(code)) => plan_id.parse::<u64>().ok().and_then(|plan_id| {
            ledger
                .contract_codes
                .get(&(plan_id, code.to_owned()))
                .cloned()
        }),
        _ => {
            return Err((
                "PARAM_ERROR",
                "contract_id 或 plan_id+contract_code 必填其一".into(),
            ));
        }
    };
    id.and_then(|id| ledger.contracts.get(&id))
        .ok_or(("CONTRACT_NOT_EXIST", "签约协议不存在".into()))
}

fn query_contract<'a>(shared: &Shared, get: &dyn Fn(&str) -> Option<&'a str>) -> Outcome {
    let ledger = shared.ledger();
    let contract = find_contract(&ledger, get)?;
    let serial = ledger.v2_serials.get(&contract.contract_id).copied();
    Ok(contract_fields(contract, serial))
}

fn delete_contract<'a>(shared: &Shared, get: &dyn Fn(&str) -> Option<&'a str>) -> Outcome {
    let remark = get("contract_termination_remark").ok_or((
        "PARAM_ERROR",
        "缺少参数contract_termination_remark".to_owned(),
    ))?;
    let mut ledger = shared.ledger();
    let id = find_contract(&ledger, get)?.contract_id.clone();
    let contract = ledger
        .terminate(
            &id,
            ContractTerminationMode::MerchantApi,
            Some(remark.to_owned()),
        )
        .cloned()
        .map_err(|_| ("CONTRACT_NOT_EXIST", "签约协议已解约".to_owned()))?;
    let v2_notify = ledger.v2_notify.contains(&id);
    drop(ledger);
    if v2_notify && let Err(error) = contract_callback(shared, &contract, "DELETE") {
        tracing::warn!(%error, "the sandbox cannot send a v2 contract notification");
    }
    Ok(vec![
        field("contract_id", &contract.contract_id),
        field("plan_id", contract.sign.plan_id.to_string()),
        field("contract_code", &contract.sign.out_contract_code),
    ])
}

fn pre_entrust_web<'a>(shared: &Shared, get: &dyn Fn(&str) -> Option<&'a str>) -> Outcome {
    let missing = |name: &str| ("PARAM_ERROR", format!("缺少参数{name}"));
    let plan_id = get("plan_id")
        .and_then(|p| p.parse::<u64>().ok())
        .ok_or_else(|| missing("plan_id"))?;
    let contract_code = get("contract_code").ok_or_else(|| missing("contract_code"))?;
    let request_serial = get("request_serial")
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| missing("request_serial"))?;
    let display =
        get("contract_display_account").ok_or_else(|| missing("contract_display_account"))?;
    let notify_url = get("notify_url").ok_or_else(|| missing("notify_url"))?;
    let appid = get("appid").ok_or_else(|| missing("appid"))?;
    let mut ledger = shared.ledger();
    let id = ledger.next_id("v2pre");
    ledger.pre_signs.insert(
        id.clone(),
        PreSign {
            appid: appid.to_owned(),
            openid: None,
            plan_id,
            out_contract_code: contract_code.to_owned(),
            contract_display_account: display.to_owned(),
            contract_notify_url: notify_url.to_owned(),
            out_user_code: None,
            estimated: None,
            partner: None,
        },
    );
    ledger.v2_notify.insert(id.clone());
    ledger.v2_serials.insert(id.clone(), request_serial);
    Ok(vec![field("pre_entrustweb_id", id)])
}

fn pap_pay_apply<'a>(shared: &Shared, get: &dyn Fn(&str) -> Option<&'a str>) -> Outcome {
    let missing = |name: &str| ("PARAM_ERROR", format!("缺少参数{name}"));
    let out_trade_no = get("out_trade_no").ok_or_else(|| missing("out_trade_no"))?;
    let total = get("total_fee")
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|t| *t > 0)
        .ok_or_else(|| missing("total_fee"))?;
    let contract_id = get("contract_id").ok_or_else(|| missing("contract_id"))?;
    let notify_url = get("notify_url").ok_or_else(|| missing("notify_url"))?;
    if get("trade_type") != Some("PAP") {
        return Err(("PARAM_ERROR", "trade_type须为PAP".into()));
    }
    let mut ledger = shared.ledger();
    if ledger.orders.contains_key(out_trade_no) {
        return Err(("ORDERPAID", "商户订单号重复".into()));
    }
    let contract = ledger
        .contracts
        .get(contract_id)
        .ok_or(("CONTRACT_NOT_EXIST", "签约协议不存在".to_owned()))?;
    if contract.state != ContractState::Signed {
        return Err(("CONTRACT_NOT_EXIST", "签约协议已解约".into()));
    }
    let openid = contract.openid.clone();
    let transaction_id = ledger.next_id("4200");
    ledger
        .transaction_ids
        .insert(transaction_id.clone(), out_trade_no.to_owned());
    ledger.orders.insert(
        out_trade_no.to_owned(),
        OrderRecord {
            fingerprint: serde_json::Value::Null,
            answer: serde_json::Value::Null,
            appid: get("appid").unwrap_or_default().to_owned(),
            out_trade_no: out_trade_no.to_owned(),
            transaction_id: Some(transaction_id),
            trade_type: TradeType::Pap,
            state: TradeState::Accept,
            state_desc: "已接收，等待扣款".into(),
            total,
            currency: get("fee_type").unwrap_or("CNY").to_owned(),
            attach: get("attach").map(str::to_owned),
            notify_url: notify_url.to_owned(),
            openid: Some(openid),
            success_time: None,
            contract_id: Some(contract_id.to_owned()),
            sign_on_pay: None,
            refunded: 0,
            partner: None,
        },
    );
    ledger.v2_notify.insert(out_trade_no.to_owned());
    let settled = ledger.settle_deduction(out_trade_no);
    drop(ledger);
    if let Some(order) = settled
        && let Err(error) = payment_callback(shared, &order)
    {
        tracing::warn!(%error, "the sandbox cannot send a v2 payment notification");
    }
    Ok(Vec::new())
}

fn trade_state(state: &TradeState) -> String {
    state.as_str().to_owned()
}

fn order_fields(order: &OrderRecord) -> Vec<(String, String)> {
    let mut fields = vec![
        field("out_trade_no", &order.out_trade_no),
        field("trade_state", trade_state(&order.state)),
        field("trade_state_desc", &order.state_desc),
        field("total_fee", order.total.to_string()),
        field("fee_type", &order.currency),
        field("trade_type", "PAP"),
    ];
    let optional = [
        ("transaction_id", order.transaction_id.clone()),
        ("contract_id", order.contract_id.clone()),
        ("openid", order.openid.clone()),
        ("attach", order.attach.clone()),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| field(name, v))),
    );
    if order.state == TradeState::Success {
        fields.push(field("cash_fee", order.total.to_string()));
        fields.push(field("bank_type", "OTHERS"));
        let time = order
            .success_time
            .as_deref()
            .map(v2_time)
            .unwrap_or_default();
        fields.push(field("time_end", time.replace(['-', ' ', ':'], "")));
    }
    fields
}

fn pap_order_query<'a>(shared: &Shared, get: &dyn Fn(&str) -> Option<&'a str>) -> Outcome {
    let ledger = shared.ledger();
    let out_trade_no = match (get("transaction_id"), get("out_trade_no")) {
        (Some(id), _) => ledger.transaction_ids.get(id).cloned(),
        (None, Some(no)) => Some(no.to_owned()),
        (None, None) => {
            return Err((
                "PARAM_ERROR",
                "transaction_id 或 out_trade_no 必填其一".into(),
            ));
        }
    };
    let order = out_trade_no
        .and_then(|no| ledger.orders.get(&no))
        .ok_or(("ORDERNOTEXIST", "此交易订单号不存在".to_owned()))?;
    Ok(order_fields(order))
}

/// Sends the v2 contract notification (`change_type` `ADD` or `DELETE`) to the contract's URL.
pub(crate) fn contract_callback(
    shared: &Shared,
    contract: &ContractRecord,
    change_type: &str,
) -> Result<CallbackDelivery, Error> {
    let mut fields: Fields = vec![
        field("return_code", "SUCCESS"),
        field("return_msg", "OK"),
        field("result_code", "SUCCESS"),
        field("mch_id", &shared.keys.mchid),
        field("appid", &contract.sign.appid),
        field("change_type", change_type),
        field("operate_time", beijing_now()),
    ];
    let serial = shared
        .ledger()
        .v2_serials
        .get(&contract.contract_id)
        .copied();
    fields.extend(
        contract_fields(contract, serial)
            .into_iter()
            .filter(|(name, _)| name != "contract_state" && name != "contract_display_account"),
    );
    deliver(
        shared,
        &contract.sign.contract_notify_url,
        "papay.contract",
        fields,
    )
}

/// Sends the v2 payment notification of a settled deduction to its notify URL.
pub(crate) fn payment_callback(
    shared: &Shared,
    order: &OrderRecord,
) -> Result<CallbackDelivery, Error> {
    let mut fields: Fields = vec![
        field("return_code", "SUCCESS"),
        field("return_msg", "OK"),
        field("appid", &order.appid),
        field("mch_id", &shared.keys.mchid),
        field("nonce_str", wechatpay::__support::nonce()),
        field(
            "result_code",
            if order.state == TradeState::Success {
                "SUCCESS"
            } else {
                "FAIL"
            },
        ),
        field("is_subscribe", "N"),
    ];
    if order.state != TradeState::Success {
        fields.push(field("err_code", "PAYERROR"));
        fields.push(field("err_code_des", &order.state_desc));
    }
    fields.extend(order_fields(order));
    deliver(shared, &order.notify_url, "pay.pap", fields)
}

fn deliver(
    shared: &Shared,
    url: &str,
    event_type: &str,
    fields: Fields,
) -> Result<CallbackDelivery, Error> {
    let body = signed(fields, &shared.apiv2_key(), SignType::Md5, None);
    shared
        .callbacks
        .deliver_xml(url, event_type, Bytes::from(body))
}

fn beijing_now() -> String {
    v2_time(&rfc3339_beijing(SystemTime::now()))
}
