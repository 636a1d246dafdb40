//! The sandbox's stateful routes, over HTTP on loopback, decoded with the generated answer types
//! of `wechatpay::v3`: orders (JSAPI, Native, App
//! and H5 prepay, query by id and by `out_trade_no`, close), refunds (create, query), papay direct
//! and partner (pre-sign, contract query, booking, deduction and the query of its order), in the
//! states where WeChat Pay leaves fields out (an unpaid order has no `payer`, no
//! `success_time`, no `transaction_id`).
//!
//! Each request is sent with `Client::request` under its generated type's method, to a path of
//! its generated template; each answer is checked twice: as JSON, for what the sandbox answers
//! (what WeChat Pay's own SDK models hold in that state, and nothing of the request it does not
//! send back, such as `description` or `notify_url`), and decoded as the generated
//! `Endpoint::Response`, whose decoded values are asserted. Every answer that does not decode is
//! listed at the end of each flow, with the field that fails: those are facts to fix (a field the
//! description calls required that WeChat Pay leaves out in that state), not assertions to relax.
#![cfg(all(
    feature = "pay",
    feature = "refund",
    feature = "papay",
    feature = "partner-papay",
    feature = "partner"
))]

use std::convert::Infallible;
use std::fmt::Debug;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use wechatpay::v3::fund_app::{CancelTransfer, GetTransferBillByOutNo, TransferToUser};
use wechatpay::v3::papay::{
    ApplyDeduction, PartnerApplyDeduction, PartnerQueryContract, PartnerQueryDeductionSchedule,
    PartnerScheduleDeduction, PartnerScheduledDeductPreSignApp, PreEntrustSign, QueryContract,
    QueryDeductionSchedule, ScheduleDeduction, ScheduledDeductPreSignApp, TerminateContract,
};
use wechatpay::v3::pay::{
    AppPrepay, CloseOrder, H5Prepay, JsapiPrepay, NativePrepay, PartnerQueryOrderById,
    PartnerQueryOrderByOutTradeNo, QueryOrderById, QueryOrderByOutTradeNo,
};
use wechatpay::v3::refund::{CreateRefund, QueryByOutRefundNo};
use wechatpay::{Client, Endpoint};
use wechatpay_sandbox::Sandbox;

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const SUB_MCHID: &str = "1900000109";
const SUB_APPID: &str = "wx8888888888888888";
const PLAN_ID: i64 = 12535;

/// A decoded field, required (`T`) or optional (`Option<T>`) in the generated type: the
/// assertions hold whichever the description makes it.
trait Field<T> {
    fn present(&self) -> Option<&T>;
}

impl<T> Field<T> for Option<T> {
    fn present(&self) -> Option<&T> {
        self.as_ref()
    }
}

impl Field<String> for String {
    fn present(&self) -> Option<&String> {
        Some(self)
    }
}

impl Field<i64> for i64 {
    fn present(&self) -> Option<&i64> {
        Some(self)
    }
}

/// The text of a decoded field, required or optional.
fn text<F: Field<String>>(field: &F) -> Option<&str> {
    field.present().map(String::as_str)
}

/// The wire value of a decoded enum or text field, required or optional, without naming its
/// generated type: `SUCCESS` from `Success`, `NO_SCHEDULED` from `NoScheduled`, a text as is.
fn wire<T: Debug>(value: &T) -> String {
    let mut shown = format!("{value:?}");
    for wrapper in ["Some(", "Unknown("] {
        if let Some(inner) = shown
            .strip_prefix(wrapper)
            .and_then(|rest| rest.strip_suffix(')'))
        {
            shown = inner.to_owned();
        }
    }
    if let Some(text) = shown
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        return text.to_owned();
    }
    let mut out = String::new();
    for (index, c) in shown.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The fields `schema` (the description's answer) marks required that `value` leaves out, at
/// every depth, as JSON pointers.
fn missing_required(schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for field in schema["props"].as_array().into_iter().flatten() {
                let name = field["n"].as_str().unwrap_or_default();
                let pointer = format!("{at}/{name}");
                match object.get(name) {
                    None | Some(Value::Null) if field["req"] == true => out.push(pointer),
                    None | Some(Value::Null) => {}
                    Some(item) => missing_required(field, item, &pointer, out),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                missing_required(&schema["items"], item, &format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// Whether `path` is an instance of the template `template` (`v3/a/{x}/b`).
fn fits(template: &str, path: &str) -> bool {
    let (want, got): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(want, got)| want == got || (want.starts_with('{') && !got.is_empty()))
}

/// A sandbox, a client for it, a callback endpoint that accepts everything, and the answers
/// that did not decode as their generated types.
struct Flow {
    sandbox: Sandbox,
    client: Client,
    notify_url: String,
    failures: Vec<String>,
}

async fn flow() -> Flow {
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
    Flow {
        sandbox,
        client,
        notify_url,
        failures: Vec::new(),
    }
}

impl Flow {
    /// Sends `E`'s method to `path` (an instance of `E::PATH`) with `query` and `body`; returns
    /// the answer as JSON (`null` for `204`) and decoded as `E::Response`, or `None` when it does
    /// not decode (recorded, with the field).
    async fn call<E: Endpoint>(
        &mut self,
        what: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> (Value, Option<E::Response>) {
        assert!(fits(E::PATH, path), "{path} is not a path of {}", E::PATH);
        let mut request = self.client.request(E::METHOD, path);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let answer = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{what}: {} {path}: {error}", E::METHOD));
        let raw: Value = if answer.body().is_empty() {
            Value::Null
        } else {
            answer.json().expect("a JSON answer")
        };
        match answer.json::<E::Response>() {
            Ok(decoded) => (raw, Some(decoded)),
            Err(error) => {
                let text = serde_json::to_vec(&raw).unwrap();
                let mut deserializer = serde_json::Deserializer::from_slice(&text);
                let at = serde_path_to_error::deserialize::<_, E::Response>(&mut deserializer)
                    .err()
                    .map(|located| format!(" at `{}`", located.path()))
                    .unwrap_or_default();
                let mut missing = Vec::new();
                if let Some(facts) = wechatpay_sandbox::__examples::operation(&E::METHOD, E::PATH) {
                    missing_required(&facts["answer"]["schema"], &raw, "", &mut missing);
                }
                self.failures.push(format!(
                    "{what} ({} {}): {error}{at}; required by the description, not in the answer: [{}]; the answer: {raw}",
                    E::METHOD,
                    E::PATH,
                    missing.join(", ")
                ));
                (raw, None)
            }
        }
    }

    /// Fails listing every answer that did not decode as its generated type.
    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} answers do not decode as their generated types:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }

    fn order(&self, out_trade_no: &str, total: i64) -> Value {
        json!({
            "appid": APPID,
            "mchid": self.sandbox.mchid(),
            "description": "Image形象店-深圳腾大-QQ公仔",
            "out_trade_no": out_trade_no,
            "attach": "自定义数据",
            "notify_url": self.notify_url,
            "amount": { "total": total, "currency": "CNY" },
        })
    }

    async fn query_by_out_trade_no(
        &mut self,
        what: &str,
        out_trade_no: &str,
    ) -> (
        Value,
        Option<<QueryOrderByOutTradeNo as Endpoint>::Response>,
    ) {
        let mchid = self.sandbox.mchid().to_owned();
        self.call::<QueryOrderByOutTradeNo>(
            what,
            &format!("v3/pay/transactions/out-trade-no/{out_trade_no}"),
            &[("mchid", &mchid)],
            None,
        )
        .await
    }

    /// A JSAPI order the user paid; returns its `transaction_id`.
    async fn paid_order(&mut self, out_trade_no: &str, total: i64) -> String {
        let mut body = self.order(out_trade_no, total);
        body["payer"] = json!({ "openid": OPENID });
        self.call::<JsapiPrepay>("JSAPI prepay", "v3/pay/transactions/jsapi", &[], Some(body))
            .await;
        self.sandbox
            .pay_transaction(out_trade_no)
            .expect("the user pays")
            .id
    }

    /// Signs `pre_entrustweb_id` as the user; returns the contract id.
    fn sign(&self, pre_entrustweb_id: &str) -> String {
        self.sandbox
            .sign_contract(pre_entrustweb_id)
            .expect("the user signs")
            .id
    }
}

/// The fields of a query answer WeChat Pay's `Transaction` model (wechatpay-go
/// `services/payments`) does not have: the request's, which the query does not send back.
fn assert_no_request_fields(what: &str, raw: &Value) {
    for field in [
        "description",
        "notify_url",
        "time_expire",
        "goods_tag",
        "detail",
        "scene_info",
    ] {
        assert!(raw.get(field).is_none(), "{what}: `{field}` in {raw}");
    }
}

#[tokio::test]
async fn orders_prepay_query_pay_and_close_decode_as_the_generated_types() {
    let mut flow = flow().await;
    let mchid = flow.sandbox.mchid().to_owned();

    // The four prepays.
    let mut jsapi = flow.order("G-jsapi", 100);
    jsapi["payer"] = json!({ "openid": OPENID });
    let (raw, decoded) = flow
        .call::<JsapiPrepay>(
            "JSAPI prepay",
            "v3/pay/transactions/jsapi",
            &[],
            Some(jsapi),
        )
        .await;
    assert!(
        raw["prepay_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("wx")),
        "{raw}"
    );
    if let Some(decoded) = decoded {
        assert_eq!(text(&decoded.prepay_id), raw["prepay_id"].as_str());
    }
    let (raw, decoded) = flow
        .call::<NativePrepay>(
            "Native prepay",
            "v3/pay/transactions/native",
            &[],
            Some(flow.order("G-native", 200)),
        )
        .await;
    assert!(
        raw["code_url"]
            .as_str()
            // WeChat Pay's `weixin://wxpay/bizpayurl?pr=…`; the sandbox's opens its own page.
            .is_some_and(|url| url.contains("wxpay/bizpayurl?pr=")),
        "{raw}"
    );
    if let Some(decoded) = decoded {
        assert_eq!(text(&decoded.code_url), raw["code_url"].as_str());
    }
    let (raw, decoded) = flow
        .call::<AppPrepay>(
            "App prepay",
            "v3/pay/transactions/app",
            &[],
            Some(flow.order("G-app", 300)),
        )
        .await;
    assert!(
        raw["prepay_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("wx")),
        "{raw}"
    );
    if let Some(decoded) = decoded {
        assert_eq!(text(&decoded.prepay_id), raw["prepay_id"].as_str());
    }
    let mut h5 = flow.order("G-h5", 400);
    h5["scene_info"] = json!({ "payer_client_ip": "203.0.113.7", "h5_info": { "type": "Wap" } });
    let (raw, decoded) = flow
        .call::<H5Prepay>("H5 prepay", "v3/pay/transactions/h5", &[], Some(h5))
        .await;
    assert!(
        raw["h5_url"]
            .as_str()
            // WeChat Pay's cashier on wx.tenpay.com; the sandbox's on its own address.
            .is_some_and(|url| url.contains("/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=")),
        "{raw}"
    );
    if let Some(decoded) = decoded {
        assert_eq!(text(&decoded.h5_url), raw["h5_url"].as_str());
    }

    // Unpaid: no payer, no success time, no transaction id, nothing of the request.
    let (raw, decoded) = flow
        .query_by_out_trade_no("query of an unpaid order", "G-jsapi")
        .await;
    assert_eq!(raw["trade_state"], "NOTPAY", "{raw}");
    assert_eq!(raw["amount"]["total"], 100, "{raw}");
    assert_eq!(raw["amount"]["currency"], "CNY", "{raw}");
    for absent in ["payer", "success_time", "transaction_id", "bank_type"] {
        assert!(
            raw.get(absent).is_none(),
            "an unpaid order has no `{absent}`: {raw}"
        );
    }
    assert!(raw["amount"].get("payer_total").is_none(), "{raw}");
    assert_no_request_fields("unpaid order", &raw);
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "NOTPAY");
        assert_eq!(text(&order.out_trade_no), Some("G-jsapi"));
        assert_eq!(text(&order.mchid), Some(mchid.as_str()));
        assert_eq!(text(&order.appid), Some(APPID));
        assert!(order.payer.is_none());
        assert!(order.success_time.is_none());
        assert!(order.transaction_id.is_none());
    }

    // The user pays: SUCCESS, by id and by out_trade_no.
    let transaction_id = flow
        .sandbox
        .pay_transaction("G-jsapi")
        .expect("the user pays")
        .id;
    let (raw, decoded) = flow
        .call::<QueryOrderById>(
            "query of a paid order by id",
            &format!("v3/pay/transactions/id/{transaction_id}"),
            &[("mchid", &mchid)],
            None,
        )
        .await;
    assert_eq!(raw["trade_state"], "SUCCESS", "{raw}");
    assert_eq!(raw["trade_type"], "JSAPI", "{raw}");
    assert_eq!(raw["amount"]["total"], 100, "{raw}");
    assert_eq!(raw["amount"]["payer_total"], 100, "{raw}");
    assert_eq!(raw["payer"]["openid"], OPENID, "{raw}");
    assert!(raw["success_time"].is_string(), "{raw}");
    assert_no_request_fields("paid order", &raw);
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "SUCCESS");
        assert_eq!(wire(&order.trade_type), "JSAPI");
        assert_eq!(text(&order.transaction_id), Some(transaction_id.as_str()));
        // This generated answer's amount has `total` and `currency`, and it has no `payer`
        // (the description's by-id answer differs from its by-out-trade-no one): asserted on
        // the JSON above.
        assert_eq!(
            order.amount.as_ref().and_then(|a| a.total.present()),
            Some(&100)
        );
        assert!(order.success_time.is_some());
        assert_eq!(text(&order.attach), Some("自定义数据"));
    }
    let (raw, decoded) = flow
        .query_by_out_trade_no("query of a paid order by out_trade_no", "G-jsapi")
        .await;
    assert_eq!(raw["transaction_id"], transaction_id.as_str(), "{raw}");
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "SUCCESS");
        assert_eq!(
            order.amount.as_ref().and_then(|a| a.payer_total.present()),
            Some(&100)
        );
        assert!(order.payer.is_some());
        assert!(order.success_time.is_some());
    }

    // Close the unpaid Native order: 204, then CLOSED, still without payer or success time.
    let (raw, decoded) = flow
        .call::<CloseOrder>(
            "close",
            "v3/pay/transactions/out-trade-no/G-native/close",
            &[],
            Some(json!({ "mchid": mchid })),
        )
        .await;
    assert_eq!(raw, Value::Null);
    assert!(decoded.is_some(), "a close answers 204, decoded as ()");
    let (raw, decoded) = flow
        .query_by_out_trade_no("query of a closed order", "G-native")
        .await;
    assert_eq!(raw["trade_state"], "CLOSED", "{raw}");
    assert!(
        raw.get("payer").is_none() && raw.get("success_time").is_none(),
        "{raw}"
    );
    assert_no_request_fields("closed order", &raw);
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "CLOSED");
        assert!(order.payer.is_none());
        assert!(order.success_time.is_none());
    }
    flow.finish();
}

#[tokio::test]
async fn refunds_decode_as_the_generated_types() {
    let mut flow = flow().await;
    let transaction_id = flow.paid_order("G-refund", 500).await;
    let body = json!({
        "transaction_id": transaction_id,
        "out_refund_no": "R-1",
        "reason": "商品已售完",
        "notify_url": flow.notify_url,
        "amount": { "refund": 200, "total": 500, "currency": "CNY" },
    });
    let (raw, decoded) = flow
        .call::<CreateRefund>("refund", "v3/refund/domestic/refunds", &[], Some(body))
        .await;
    assert_eq!(raw["status"], "PROCESSING", "{raw}");
    assert!(raw.get("success_time").is_none(), "{raw}");
    if let Some(refund) = decoded {
        assert_eq!(wire(&refund.status), "PROCESSING");
        assert_eq!(text(&refund.out_refund_no), Some("R-1"));
        assert_eq!(text(&refund.out_trade_no), Some("G-refund"));
        assert_eq!(text(&refund.transaction_id), Some(transaction_id.as_str()));
        assert_eq!(refund.amount.refund.present(), Some(&200));
        assert_eq!(refund.amount.total.present(), Some(&500));
        assert!(refund.success_time.is_none());
    }
    let (raw, decoded) = flow
        .call::<QueryByOutRefundNo>("refund query", "v3/refund/domestic/refunds/R-1", &[], None)
        .await;
    assert_eq!(raw["status"], "SUCCESS", "{raw}");
    assert!(raw["success_time"].is_string(), "{raw}");
    if let Some(refund) = decoded {
        assert_eq!(wire(&refund.status), "SUCCESS");
        assert_eq!(refund.amount.refund.present(), Some(&200));
        assert_eq!(refund.amount.payer_refund.present(), Some(&200));
        assert!(refund.success_time.is_some());
    }
    // The order is now REFUND.
    let (raw, decoded) = flow
        .query_by_out_trade_no("query of a refunded order", "G-refund")
        .await;
    assert_eq!(raw["trade_state"], "REFUND", "{raw}");
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "REFUND");
    }
    flow.finish();
}

#[tokio::test]
async fn direct_papay_decodes_as_the_generated_types() {
    let mut flow = flow().await;
    let mchid = flow.sandbox.mchid().to_owned();

    // Pre-sign (the pre-entrust-sign of papay), the user signs, the contract is queried.
    let body = json!({
        "sign_scene": "SIGN_SCENE_APP",
        "appid": APPID,
        "openid": OPENID,
        "plan_id": PLAN_ID,
        "out_contract_code": "GC-1",
        "contract_display_account": "会员 1001",
        "contract_notify_url": flow.notify_url,
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
    });
    let (raw, decoded) = flow
        .call::<PreEntrustSign>(
            "pre-sign",
            "v3/papay/sign/contracts/pre-entrust-sign",
            &[],
            Some(body),
        )
        .await;
    let pre_entrustweb_id = raw["pre_entrustweb_id"].as_str().expect("an id").to_owned();
    if let Some(answer) = decoded {
        assert_eq!(
            text(&answer.pre_entrustweb_id),
            Some(pre_entrustweb_id.as_str())
        );
    }
    let contract_id = flow.sign(&pre_entrustweb_id);
    let contract_path = format!("v3/papay/sign/contracts/plan-id/{PLAN_ID}/out-contract-code/GC-1");
    let (raw, decoded) = flow
        .call::<QueryContract>("contract query", &contract_path, &[], None)
        .await;
    assert_eq!(raw["contract_state"], "SIGNED", "{raw}");
    assert!(raw.get("contract_terminate_info").is_none(), "{raw}");
    if let Some(contract) = decoded {
        assert_eq!(wire(&contract.contract_state), "SIGNED");
        assert_eq!(text(&contract.contract_id), Some(contract_id.as_str()));
        assert_eq!(text(&contract.mchid), Some(mchid.as_str()));
        assert_eq!(text(&contract.openid), Some(OPENID));
        assert!(contract.contract_terminate_info.is_none());
    }

    // A deduction, and the query of its order.
    let body = json!({
        "appid": APPID,
        "out_trade_no": "GT-1",
        "description": "会员月费",
        "transaction_notify_url": flow.notify_url,
        "contract_id": contract_id,
        "amount": { "total": 900, "currency": "CNY" },
        "attach": "member=1001",
    });
    let (raw, decoded) = flow
        .call::<ApplyDeduction>(
            "deduction",
            "v3/papay/pay/transactions/apply",
            &[],
            Some(body),
        )
        .await;
    assert_eq!(raw["out_trade_no"], "GT-1", "{raw}");
    if let Some(accepted) = decoded {
        assert_eq!(text(&accepted.out_trade_no), Some("GT-1"));
        assert_eq!(
            accepted.amount.as_ref().and_then(|a| a.total.present()),
            Some(&900)
        );
    }
    let (raw, decoded) = flow
        .query_by_out_trade_no("query of a deduction", "GT-1")
        .await;
    assert_eq!(raw["trade_state"], "SUCCESS", "{raw}");
    assert_eq!(raw["trade_type"], "PAP", "{raw}");
    assert_eq!(raw["amount"]["total"], 900, "{raw}");
    assert_eq!(raw["payer"]["openid"], OPENID, "{raw}");
    assert_no_request_fields("deduction", &raw);
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "SUCCESS");
        assert_eq!(wire(&order.trade_type), "PAP");
        assert_eq!(
            order.amount.as_ref().and_then(|a| a.payer_total.present()),
            Some(&900)
        );
        assert_eq!(text(&order.attach), Some("member=1001"));
    }

    // Terminated: the contract says how and when.
    let (raw, decoded) = flow
        .call::<TerminateContract>(
            "terminate",
            &format!("{contract_path}/terminate"),
            &[],
            Some(json!({ "contract_termination_remark": "用户退订" })),
        )
        .await;
    assert_eq!(raw["contract_id"], contract_id.as_str(), "{raw}");
    if let Some(terminated) = decoded {
        assert_eq!(text(&terminated.contract_id), Some(contract_id.as_str()));
    }
    let (raw, decoded) = flow
        .call::<QueryContract>("query of a terminated contract", &contract_path, &[], None)
        .await;
    assert_eq!(raw["contract_state"], "TERMINATED", "{raw}");
    assert!(
        raw["contract_terminate_info"]["contract_terminated_time"].is_string(),
        "{raw}"
    );
    if let Some(contract) = decoded {
        assert_eq!(wire(&contract.contract_state), "TERMINATED");
        assert!(contract.contract_terminate_info.is_some());
    }
    flow.finish();
}

#[tokio::test]
async fn scheduled_papay_decodes_as_the_generated_types() {
    let mut flow = flow().await;
    let body = json!({
        "appid": APPID,
        "plan_id": PLAN_ID,
        "out_contract_code": "GS-1",
        "contract_display_account": "会员 1001",
        "contract_notify_url": flow.notify_url,
        "out_user_code": "user-1001",
        "deduct_schedule": {
            "estimated_deduct_date": "2026-12-01",
            "estimated_deduct_amount": { "total": 800, "currency": "CNY" },
            "description": "会员月费",
        },
    });
    let (raw, decoded) = flow
        .call::<ScheduledDeductPreSignApp>(
            "scheduled pre-sign",
            "v3/papay/scheduled-deduct-sign/contracts/pre-entrust-sign/app",
            &[],
            Some(body),
        )
        .await;
    let pre_entrustweb_id = raw["pre_entrustweb_id"].as_str().expect("an id").to_owned();
    if let Some(answer) = decoded {
        assert_eq!(
            text(&answer.pre_entrustweb_id),
            Some(pre_entrustweb_id.as_str())
        );
    }
    let contract_id = flow.sign(&pre_entrustweb_id);
    let schedule_path = format!("v3/papay/pay/schedules/contract-id/{contract_id}");

    // Not booked yet: no amounts.
    let (raw, decoded) = flow
        .call::<QueryDeductionSchedule>("schedule query", &schedule_path, &[], None)
        .await;
    assert_eq!(raw["schedule_state"], "NO_SCHEDULED", "{raw}");
    assert!(
        raw.get("deduct_amount").is_none() && raw.get("scheduled_amount").is_none(),
        "{raw}"
    );
    if let Some(schedule) = decoded {
        assert_eq!(wire(&schedule.schedule_state), "NO_SCHEDULED");
        assert!(schedule.deduct_amount.is_none());
    }

    // Booked, then deducted: PAID with the amount.
    let (raw, decoded) = flow
        .call::<ScheduleDeduction>(
            "booking",
            &format!("{schedule_path}/schedule"),
            &[],
            Some(json!({ "appid": APPID, "schedule_amount": { "total": 800, "currency": "CNY" } })),
        )
        .await;
    assert_eq!(raw["schedule_state"], "SCHEDULED", "{raw}");
    if let Some(schedule) = decoded {
        assert_eq!(wire(&schedule.schedule_state), "SCHEDULED");
    }
    let body = json!({
        "appid": APPID,
        "out_trade_no": "GST-1",
        "description": "会员月费",
        "transaction_notify_url": flow.notify_url,
        "contract_id": contract_id,
        "amount": { "total": 800, "currency": "CNY" },
    });
    flow.call::<ApplyDeduction>(
        "scheduled deduction",
        "v3/papay/pay/transactions/apply",
        &[],
        Some(body),
    )
    .await;
    let (raw, decoded) = flow
        .call::<QueryDeductionSchedule>("query of a paid schedule", &schedule_path, &[], None)
        .await;
    assert_eq!(raw["schedule_state"], "PAID", "{raw}");
    assert_eq!(raw["deduct_amount"]["total"], 800, "{raw}");
    if let Some(schedule) = decoded {
        assert_eq!(wire(&schedule.schedule_state), "PAID");
        assert_eq!(
            schedule
                .deduct_amount
                .as_ref()
                .and_then(|amount| amount.total.present()),
            Some(&800)
        );
        assert!(schedule.deduct_date.is_some());
    }
    flow.finish();
}

#[tokio::test]
async fn partner_papay_and_its_orders_decode_as_the_generated_types() {
    let mut flow = flow().await;
    let mchid = flow.sandbox.mchid().to_owned();
    let body = json!({
        "sp_appid": APPID,
        "sub_mchid": SUB_MCHID,
        "sub_appid": SUB_APPID,
        "plan_id": PLAN_ID,
        "out_contract_code": "GP-1",
        "contract_display_account": "微信代扣用户A",
        "contract_notify_url": flow.notify_url,
        "out_user_code": "user-a",
        "deduct_schedule": {
            "estimated_deduct_date": "2026-12-01",
            "estimated_deduct_amount": { "total": 700, "currency": "CNY" },
            "description": "会员月费",
        },
    });
    let (raw, decoded) = flow
        .call::<PartnerScheduledDeductPreSignApp>(
            "partner pre-sign",
            "v3/papay/scheduled-deduct-sign/partner/contracts/pre-entrust-sign/app",
            &[],
            Some(body),
        )
        .await;
    let pre_entrustweb_id = raw["pre_entrustweb_id"].as_str().expect("an id").to_owned();
    if let Some(answer) = decoded {
        assert_eq!(
            text(&answer.pre_entrustweb_id),
            Some(pre_entrustweb_id.as_str())
        );
    }
    let contract_id = flow.sign(&pre_entrustweb_id);
    let (raw, decoded) = flow
        .call::<PartnerQueryContract>(
            "partner contract query",
            &format!("v3/papay/sign/partner/contracts/plan-id/{PLAN_ID}/out-contract-code/GP-1"),
            &[("sub_mchid", SUB_MCHID)],
            None,
        )
        .await;
    assert_eq!(raw["contract_state"], "SIGNED", "{raw}");
    assert_eq!(raw["sp_mchid"], mchid.as_str(), "{raw}");
    assert!(
        raw.get("mchid").is_none() && raw.get("openid").is_none(),
        "{raw}"
    );
    if let Some(contract) = decoded {
        assert_eq!(wire(&contract.contract_state), "SIGNED");
        assert_eq!(text(&contract.contract_id), Some(contract_id.as_str()));
        assert_eq!(text(&contract.sp_mchid), Some(mchid.as_str()));
        assert_eq!(text(&contract.sub_mchid), Some(SUB_MCHID));
    }

    // Booking, deduction, and the provider's queries of the deduction's order.
    let schedule_path = format!("v3/papay/pay/partner/schedules/contract-id/{contract_id}");
    let (raw, decoded) = flow
        .call::<PartnerScheduleDeduction>(
            "partner booking",
            &format!("{schedule_path}/schedule"),
            &[],
            Some(json!({
                "sp_appid": APPID,
                "sub_mchid": SUB_MCHID,
                "sub_appid": SUB_APPID,
                "schedule_amount": { "total": 700, "currency": "CNY" },
            })),
        )
        .await;
    assert_eq!(raw["schedule_state"], "SCHEDULED", "{raw}");
    if let Some(schedule) = decoded {
        assert_eq!(wire(&schedule.schedule_state), "SCHEDULED");
    }
    let body = json!({
        "sp_appid": APPID,
        "sub_mchid": SUB_MCHID,
        "sub_appid": SUB_APPID,
        "out_trade_no": "GPT-1",
        "description": "会员月费",
        "transaction_notify_url": flow.notify_url,
        "contract_id": contract_id,
        "amount": { "total": 700, "currency": "CNY" },
        "attach": "partner",
    });
    let (raw, decoded) = flow
        .call::<PartnerApplyDeduction>(
            "partner deduction",
            "v3/papay/pay/partner/transactions/apply",
            &[],
            Some(body),
        )
        .await;
    assert_eq!(raw["out_trade_no"], "GPT-1", "{raw}");
    if let Some(accepted) = decoded {
        assert_eq!(
            accepted.amount.as_ref().and_then(|a| a.total.present()),
            Some(&700)
        );
    }
    let (raw, decoded) = flow
        .call::<PartnerQueryDeductionSchedule>(
            "partner schedule query",
            &schedule_path,
            &[("sub_mchid", SUB_MCHID)],
            None,
        )
        .await;
    assert_eq!(raw["schedule_state"], "PAID", "{raw}");
    if let Some(schedule) = decoded {
        assert_eq!(wire(&schedule.schedule_state), "PAID");
    }
    let (raw, decoded) = flow
        .call::<PartnerQueryOrderByOutTradeNo>(
            "partner order query by out_trade_no",
            "v3/pay/partner/transactions/out-trade-no/GPT-1",
            &[("sp_mchid", &mchid), ("sub_mchid", SUB_MCHID)],
            None,
        )
        .await;
    assert_eq!(raw["trade_state"], "SUCCESS", "{raw}");
    assert_eq!(raw["trade_type"], "PAP", "{raw}");
    assert_eq!(raw["sp_mchid"], mchid.as_str(), "{raw}");
    assert_eq!(raw["sub_mchid"], SUB_MCHID, "{raw}");
    assert_eq!(raw["amount"]["total"], 700, "{raw}");
    assert!(raw["payer"]["sp_openid"].is_string(), "{raw}");
    assert!(
        raw.get("mchid").is_none() && raw.get("appid").is_none(),
        "{raw}"
    );
    assert_no_request_fields("partner deduction", &raw);
    let transaction_id = raw["transaction_id"].as_str().expect("paid").to_owned();
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "SUCCESS");
        assert_eq!(text(&order.sp_mchid), Some(mchid.as_str()));
        assert_eq!(text(&order.sub_mchid), Some(SUB_MCHID));
        assert_eq!(text(&order.sub_appid), Some(SUB_APPID));
        assert_eq!(
            order.amount.as_ref().and_then(|a| a.payer_total.present()),
            Some(&700)
        );
        assert!(order.payer.is_some());
    }
    let (raw, decoded) = flow
        .call::<PartnerQueryOrderById>(
            "partner order query by id",
            &format!("v3/pay/partner/transactions/id/{transaction_id}"),
            &[("sp_mchid", &mchid), ("sub_mchid", SUB_MCHID)],
            None,
        )
        .await;
    assert_eq!(raw["out_trade_no"], "GPT-1", "{raw}");
    if let Some(order) = decoded {
        assert_eq!(wire(&order.trade_state), "SUCCESS");
        assert_eq!(text(&order.transaction_id), Some(transaction_id.as_str()));
    }

    // Another sub-merchant does not see the order; the direct query does not either.
    let other = flow
        .client
        .request(
            Method::GET,
            "v3/pay/partner/transactions/out-trade-no/GPT-1",
        )
        .query(&[("sp_mchid", mchid.as_str()), ("sub_mchid", "1900000110")])
        .send()
        .await;
    assert!(
        matches!(&other, Err(wechatpay::Error::Api { status, code, .. }) if *status == 404 && code == "ORDER_NOT_EXIST"),
        "{other:?}"
    );
    let direct = flow
        .client
        .request(Method::GET, "v3/pay/transactions/out-trade-no/GPT-1")
        .query(&[("mchid", mchid.as_str())])
        .send()
        .await;
    assert!(
        matches!(&direct, Err(wechatpay::Error::Api { status, code, .. }) if *status == 404 && code == "ORDER_NOT_EXIST"),
        "{direct:?}"
    );
    flow.finish();
}

#[tokio::test]
async fn merchant_transfer_bills_decode_as_the_generated_types() {
    let mut flow = flow().await;
    let mchid = flow.sandbox.mchid().to_owned();
    let bill = json!({
        "appid": APPID,
        "out_bill_no": "G-T1",
        "openid": OPENID,
        "transfer_amount": 400,
        "transfer_remark": "2026年11月报销",
        "notify_url": flow.notify_url,
        "transfer_scene_id": "1000",
        "transfer_scene_report_infos": [{ "info_type": "活动名称", "info_content": "注册会员有礼" }],
    });
    let (raw, created) = flow
        .call::<TransferToUser>(
            "initiate a transfer",
            "v3/fund-app/mch-transfer/transfer-bills",
            &[],
            Some(bill),
        )
        .await;
    if let Some(created) = created {
        assert_eq!(text(&created.out_bill_no), Some("G-T1"), "{raw}");
        assert_eq!(wire(&created.state), "WAIT_USER_CONFIRM", "{raw}");
        assert!(created.package_info.is_some(), "{raw}");
    }
    let path = "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/G-T1";
    let (raw, waiting) = flow
        .call::<GetTransferBillByOutNo>("query a transfer", path, &[], None)
        .await;
    if let Some(waiting) = waiting {
        assert_eq!(text(&waiting.mch_id), Some(mchid.as_str()), "{raw}");
        assert_eq!(wire(&waiting.state), "WAIT_USER_CONFIRM", "{raw}");
        assert_eq!(waiting.transfer_amount, Some(400), "{raw}");
        assert_eq!(text(&waiting.openid), Some(OPENID), "{raw}");
    }
    let (raw, cancelling) = flow
        .call::<CancelTransfer>(
            "cancel a transfer",
            &format!("{path}/cancel"),
            &[],
            Some(json!({})),
        )
        .await;
    if let Some(cancelling) = cancelling {
        assert_eq!(wire(&cancelling.state), "CANCELING", "{raw}");
    }
    let (raw, cancelled) = flow
        .call::<GetTransferBillByOutNo>("query a cancelled transfer", path, &[], None)
        .await;
    if let Some(cancelled) = cancelled {
        assert_eq!(wire(&cancelled.state), "CANCELLED", "{raw}");
        assert!(cancelled.update_time.is_some(), "{raw}");
    }
    flow.finish();
}
