//! The endpoints the sandbox answers, matched by the same method and path templates the catalog declares.

use std::collections::HashMap;
use std::sync::OnceLock;

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::bills::{BillKind, BillSpec};
use super::business::Scene;
use super::server::Reply;
use super::{Shared, business};
use crate::wire::bill::{DownloadBillFile, FundFlowBill, TarType, TradeBill};
use crate::wire::certificates::DownloadCertificates;
#[allow(deprecated)] // the sandbox answers the deprecated alias too
use crate::wire::papay::LegacyPreEntrustSign;
use crate::wire::papay::{self, PreEntrustSign};
use crate::wire::profitsharing::AddReceiver;
use crate::wire::security::SecurityEcho;
use crate::wire::{pay, refund};
use wechatpay::Endpoint;

/// Path parameters, percent-decoded, by placeholder name.
pub(crate) type Params = HashMap<&'static str, String>;

pub(super) type Handler =
    Box<dyn Fn(&Shared, &http::request::Parts, &Params, &[u8]) -> Reply + Send + Sync>;

pub(super) struct Route {
    method: Method,
    template: &'static str,
    handler: Handler,
}

impl Route {
    /// A route answering `method` on the path template `template`.
    pub(super) fn new(method: Method, template: &'static str, handler: Handler) -> Self {
        Self {
            method,
            template,
            handler,
        }
    }
}

/// A route whose JSON body must decode as `B` (the declared request type) before `answer` runs.
fn with_body<E: Endpoint, B: DeserializeOwned + 'static>(
    answer: fn(&Shared, &Params, B) -> Reply,
) -> Route {
    Route {
        method: E::METHOD,
        template: E::PATH,
        handler: Box::new(
            move |shared, _parts, params, body| match decode::<B>(body) {
                Ok(request) => answer(shared, params, request),
                Err(reply) => reply,
            },
        ),
    }
}

/// A route whose body must decode as `B`, and whose answer also sees the raw body (to tell a
/// retry from a different request under the same merchant id).
fn with_raw_body<E: Endpoint, B: DeserializeOwned + 'static>(
    answer: fn(&Shared, &Params, B, &[u8]) -> Reply,
) -> Route {
    Route {
        method: E::METHOD,
        template: E::PATH,
        handler: Box::new(
            move |shared, _parts, params, body| match decode::<B>(body) {
                Ok(request) => answer(shared, params, request, body),
                Err(reply) => reply,
            },
        ),
    }
}

/// A route whose body must decode as `B`, and whose answer also sees the request headers.
fn with_headers_and_body<E: Endpoint, B: DeserializeOwned + 'static>(
    answer: fn(&Shared, &http::HeaderMap, &Params, B) -> Reply,
) -> Route {
    Route {
        method: E::METHOD,
        template: E::PATH,
        handler: Box::new(move |shared, parts, params, body| match decode::<B>(body) {
            Ok(request) => answer(shared, &parts.headers, params, request),
            Err(reply) => reply,
        }),
    }
}

/// A route for a body that is not JSON (a multipart upload): `answer` sees the request head and
/// the raw body bytes.
fn raw(
    method: Method,
    template: &'static str,
    answer: fn(&Shared, &http::request::Parts, &[u8]) -> Reply,
) -> Route {
    Route {
        method,
        template,
        handler: Box::new(move |shared, parts, _params, body| answer(shared, parts, body)),
    }
}

/// A route without a body (GET, DELETE); `answer` sees the path parameters and the raw query.
fn without_body<E: Endpoint>(answer: fn(&Shared, &Params, &str) -> Reply) -> Route {
    Route {
        method: E::METHOD,
        template: E::PATH,
        handler: Box::new(move |shared, parts, params, _body| {
            answer(shared, params, parts.uri.query().unwrap_or(""))
        }),
    }
}

#[allow(deprecated)] // the sandbox answers the deprecated alias too
fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut routes = vec![
            with_body::<PreEntrustSign, PreEntrustSign>(business::pre_entrust_sign),
            with_body::<LegacyPreEntrustSign, PreEntrustSign>(business::pre_entrust_sign),
            with_body::<papay::ScheduledDeductPreSignApp, papay::ScheduledDeductPreSignApp>(
                |shared, _, request| {
                    business::scheduled_pre_sign_answer(shared, request.sign, Scene::App)
                },
            ),
            with_body::<papay::ScheduledDeductPreSignH5, papay::ScheduledDeductPreSignH5>(
                |shared, _, request| {
                    business::scheduled_pre_sign_answer(shared, request.sign, Scene::Redirect)
                },
            ),
            with_body::<papay::ScheduledDeductPreSignJsapi, papay::ScheduledDeductPreSignJsapi>(
                |shared, _, request| {
                    business::scheduled_pre_sign_answer(shared, request.sign, Scene::Redirect)
                },
            ),
            with_body::<
                papay::ScheduledDeductPreSignMiniProgram,
                papay::ScheduledDeductPreSignMiniProgram,
            >(|shared, _, request| {
                business::scheduled_pre_sign_answer(shared, request.sign, Scene::MiniProgram)
            }),
            without_body::<papay::QueryContract>(business::query_contract),
            without_body::<papay::QueryHarmonyContract>(business::query_harmony_contract),
            with_body::<papay::TerminateContract, _>(business::terminate_contract),
            with_body::<papay::ScheduleDeduction, _>(business::schedule_deduction),
            without_body::<papay::QueryDeductionSchedule>(business::query_deduction_schedule),
            with_raw_body::<papay::ApplyDeduction, _>(business::apply_deduction),
            with_raw_body::<papay::ApplyHarmonyDeduction, _>(business::apply_harmony_deduction),
            with_body::<papay::NotifyPreDeduction, _>(business::notify_pre_deduction),
            with_body::<papay::NotifyDeductionRetry, _>(business::notify_deduction_retry),
            with_raw_body::<papay::JsapiPrepayWithContract, _>(
                business::jsapi_prepay_with_contract,
            ),
            with_raw_body::<papay::AppPrepayWithContract, _>(business::app_prepay_with_contract),
            with_raw_body::<pay::JsapiPrepay, _>(business::jsapi_prepay),
            with_raw_body::<pay::AppPrepay, _>(business::app_prepay),
            with_raw_body::<pay::H5Prepay, _>(business::h5_prepay),
            with_raw_body::<pay::NativePrepay, _>(business::native_prepay),
            without_body::<pay::QueryTransactionById>(business::query_transaction_by_id),
            without_body::<pay::QueryTransactionByOutTradeNo>(
                business::query_transaction_by_out_trade_no,
            ),
            with_body::<pay::CloseTransaction, _>(business::close_transaction),
            with_raw_body::<refund::CreateRefund, _>(business::create_refund),
            without_body::<refund::QueryRefund>(business::query_refund),
            without_body::<DownloadCertificates>(certificates),
            without_body::<TradeBill>(|shared, _, query| {
                bill_answer::<TradeBill>(shared, query, BillKind::Trade, |bill| bill.tar_type)
            }),
            without_body::<FundFlowBill>(|shared, _, query| {
                bill_answer::<FundFlowBill>(shared, query, BillKind::FundFlow, |bill| bill.tar_type)
            }),
            raw(Method::GET, DownloadBillFile::PATH, download_bill),
            with_headers_and_body::<AddReceiver, AddReceiver>(add_receiver),
            with_body::<SecurityEcho, SecurityEcho>(super::callbacks::security_echo),
            raw(
                Method::POST,
                wechatpay::media::IMAGE_UPLOAD_PATH,
                super::media::upload_image,
            ),
            raw(
                Method::POST,
                wechatpay::media::VIDEO_UPLOAD_PATH,
                super::media::upload_video,
            ),
        ];
        routes.extend(super::partner::routes());
        routes.extend(super::transfers::routes());
        routes.extend(super::files::routes());
        routes
    })
}

/// Finds the route for a request and runs it; `404` when nothing matches.
pub(crate) fn dispatch(shared: &Shared, parts: &http::request::Parts, body: &[u8]) -> Reply {
    if let Some(reply) = super::handlers::user_answer(shared, parts, body) {
        return reply;
    }
    let path = parts.uri.path();
    let mut method_mismatch = false;
    for route in routes() {
        if let Some(params) = match_template(route.template, path) {
            if route.method == parts.method {
                return (route.handler)(shared, parts, &params, body);
            }
            method_mismatch = true;
        }
    }
    // Every other described operation is answered from its description.
    if let Some(reply) = super::catalog::answer(shared, parts, body) {
        return reply;
    }
    if method_mismatch {
        return Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            &format!("{} is not allowed on {path}", parts.method),
            None,
        );
    }
    // Unmistakably the sandbox's own answer, not one WeChat Pay would give.
    Reply::error(
        StatusCode::NOT_FOUND,
        "SANDBOX_NO_ROUTE",
        &format!(
            "the wechatpay sandbox has no handler for {} {path}: it answers the endpoints of the wechatpay catalog, its own /v3/sandbox/ routes and the endpoints given a handler with Sandbox::handle; this is not an answer from WeChat Pay",
            parts.method
        ),
        Some(json!({ "method": parts.method.as_str(), "path": path })),
    )
}

/// Matches `/v3/a/{x}/b` against a template `v3/a/{x}/b`, returning the decoded parameters.
pub(crate) fn match_template(template: &'static str, path: &str) -> Option<Params> {
    let path = path.strip_prefix('/')?;
    let mut params = Params::new();
    let mut want = template.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    let value = percent_encoding::percent_decode_str(g).decode_utf8().ok()?;
                    if value.is_empty() {
                        return None;
                    }
                    params.insert(name, value.into_owned());
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Decodes a JSON body as the declared type, or answers `400 PARAM_ERROR` naming the field.
pub(super) fn decode<B: DeserializeOwned>(body: &[u8]) -> Result<B, Reply> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let issue = error.inner().to_string();
        let mut field: Vec<String> = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                _ => None,
            })
            .collect();
        let missing = issue
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        if let Some(missing) = missing {
            field.push(missing.to_owned());
        }
        param_error(&field, &issue, missing.is_some())
    })?;
    deserializer
        .end()
        .map_err(|e| param_error(&[], &e.to_string(), false))?;
    // What decodes may still be what WeChat Pay refuses: empty strings, zero ids, long values.
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| param_error(&[], &e.to_string(), false))?;
    crate::rules::check_body(&json)?;
    Ok(value)
}

/// `400 PARAM_ERROR` naming the body field as a JSON pointer (`/device_info/device_type`), as
/// WeChat Pay does; an empty path names the body as a whole.
pub(super) fn param_error(path: &[String], issue: &str, missing: bool) -> Reply {
    param_error_at("body", path, issue, missing)
}

/// `400 PARAM_ERROR` naming a field of the `body`, the `query` or the `path` as a JSON pointer.
pub(super) fn param_error_at(location: &str, path: &[String], issue: &str, missing: bool) -> Reply {
    let pointer: String = path.iter().map(|segment| format!("/{segment}")).collect();
    let name = path.last().map_or(location, String::as_str);
    let message = if missing {
        format!("输入源“/{location}{pointer}”映射到字段“{name}”必填性规则校验失败，此字段为必填项")
    } else {
        format!("输入源“/{location}{pointer}”映射到字段“{name}”失败：{issue}")
    };
    Reply::error(
        StatusCode::BAD_REQUEST,
        "PARAM_ERROR",
        &message,
        Some(json!({ "field": pointer, "location": location, "issue": issue })),
    )
}

/// Whether a stateful route answers `method` on the path template `template`.
pub(super) fn handles(method: &Method, template: &str) -> bool {
    let path = format!("/{template}");
    routes()
        .iter()
        .any(|route| route.method == *method && match_template(route.template, &path).is_some())
}

/// `GET v3/certificates`: the platform certificates that have not expired, each encrypted with the
/// APIv3 key; `404 RESOURCE_NOT_EXISTS` in public-key mode, as for merchants onboarded since 2024.
fn certificates(shared: &Shared, _params: &Params, _query: &str) -> Reply {
    let Some(certificates) = &shared.certificates else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html",
            None,
        );
    };
    let key = match wechatpay::ApiV3Key::new(&shared.keys.apiv3_key) {
        Ok(key) => key,
        Err(e) => {
            return Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                &e.to_string(),
                None,
            );
        }
    };
    let now = std::time::SystemTime::now();
    let mut data = Vec::new();
    for certificate in certificates
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|c| c.not_after > now)
    {
        let nonce: String = wechatpay::__support::nonce().chars().take(12).collect();
        let ciphertext = match key.encrypt(&nonce, "certificate", certificate.pem.as_bytes()) {
            Ok(ciphertext) => ciphertext,
            Err(e) => {
                return Reply::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    &e.to_string(),
                    None,
                );
            }
        };
        data.push(json!({
            "serial_no": certificate.serial,
            "effective_time": super::rfc3339_beijing(certificate.not_before),
            "expire_time": super::rfc3339_beijing(certificate.not_after),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            },
        }));
    }
    Reply::ok(json!({ "data": data }))
}

/// `POST v3/profitsharing/receivers/add`: the request must name the sandbox's current key (in
/// migration mode either of its keys) in `Wechatpay-Serial` and carry `name` encrypted with it;
/// the answer returns `name` encrypted to the merchant key, as WeChat Pay does with sensitive
/// fields.
fn add_receiver(
    shared: &Shared,
    headers: &http::HeaderMap,
    _params: &Params,
    request: AddReceiver,
) -> Reply {
    let serial = headers
        .get(wechatpay::auth::header::SERIAL)
        .and_then(|v| v.to_str().ok());
    let platform = shared.signer_for(serial);
    if serial != Some(platform.serial.as_str()) {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!(
                "Wechatpay-Serial `{}` does not name the WeChat Pay key `{}` sensitive fields must be encrypted with",
                serial.unwrap_or(""),
                platform.serial
            ),
            Some(json!({ "field": "Wechatpay-Serial", "location": "header" })),
        );
    }
    let name = match &request.name {
        Some(ciphertext) => match platform.key.decrypt(ciphertext) {
            Ok(name) => Some(name),
            Err(e) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    "name 解密失败：请使用微信支付公钥或平台证书加密",
                    Some(json!({ "field": "/name", "location": "body", "issue": e.to_string() })),
                );
            }
        },
        None => None,
    };
    if request.receiver_type == crate::wire::profitsharing::ReceiverType::MerchantId
        && name.is_none()
    {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "分账接收方类型为MERCHANT_ID时，name必填",
            Some(json!({ "field": "/name", "location": "body" })),
        );
    }
    let mut answer = json!({
        "type": request.receiver_type,
        "account": request.account,
        "relation_type": request.relation_type,
    });
    if let Some(name) = name {
        match shared.keys.merchant_public.encrypt(&name) {
            Ok(ciphertext) => answer["name"] = json!(ciphertext),
            Err(e) => {
                return Reply::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    &e.to_string(),
                    None,
                );
            }
        }
    }
    if let Some(custom) = request.custom_relation {
        answer["custom_relation"] = json!(custom);
    }
    Reply::ok(answer)
}

/// Decodes a query string as the declared request type, or answers `400 PARAM_ERROR`.
fn decode_query<Q: DeserializeOwned>(query: &str) -> Result<Q, Reply> {
    serde_urlencoded::from_str(query).map_err(|e| {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!("输入源“/query”映射到值字段失败：{e}"),
            Some(json!({ "location": "query", "issue": e.to_string() })),
        )
    })
}

/// `GET v3/bill/tradebill` and `v3/bill/fundflowbill`: a download address valid for this sandbox
/// and the SHA-1 of the file it serves.
fn bill_answer<Q: DeserializeOwned + HasBillDate>(
    shared: &Shared,
    query: &str,
    kind: BillKind,
    tar_type: fn(&Q) -> Option<TarType>,
) -> Reply {
    let request: Q = match decode_query(query) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let date = request.bill_date();
    let well_formed = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "bill_date 格式错误，应为yyyy-MM-dd",
            Some(json!({ "field": "bill_date", "value": date, "location": "query" })),
        );
    }
    let spec = BillSpec {
        kind,
        bill_date: date.to_owned(),
        rows: shared.bill_rows.load(std::sync::atomic::Ordering::Relaxed),
        gzip: tar_type(&request) == Some(TarType::Gzip),
        tamper: false,
        bomb: match shared
            .gzip_bomb_bytes
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            0 => None,
            inflated => Some(inflated),
        },
    };
    let hash = spec.sha1();
    let token = wechatpay::__support::nonce();
    shared
        .bills
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(token.clone(), spec);
    Reply::ok(json!({
        "hash_type": "SHA1",
        "hash_value": hash,
        // As WeChat Pay writes it: the production host. Clients send the path and token to the
        // host they talk to.
        "download_url": format!("https://api.mch.weixin.qq.com/v3/billdownload/file?token={token}"),
    }))
}

/// The bill date of a bill request.
trait HasBillDate {
    fn bill_date(&self) -> &str;
}

impl HasBillDate for TradeBill {
    fn bill_date(&self) -> &str {
        &self.bill_date
    }
}

impl HasBillDate for FundFlowBill {
    fn bill_date(&self) -> &str {
        &self.bill_date
    }
}

/// `GET v3/billdownload/file?token=…`: the bill, streamed and unsigned.
fn download_bill(shared: &Shared, parts: &http::request::Parts, _body: &[u8]) -> Reply {
    let request: DownloadBillFile = match decode_query(parts.uri.query().unwrap_or("")) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let spec = shared
        .bills
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&request.token)
        .cloned();
    let Some(mut spec) = spec else {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "下载链接已失效或不存在，请重新申请账单",
            Some(json!({ "field": "token", "location": "query" })),
        );
    };
    if parts.extensions.get::<super::Fault>() == Some(&super::Fault::TamperBody) {
        spec.tamper = true;
    }
    Reply::download(spec.body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_and_decode_parameters() {
        let params = match_template(
            "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}",
            "/v3/papay/sign/contracts/plan-id/12535/out-contract-code/wx%2Fa%20b",
        )
        .unwrap();
        assert_eq!(params["plan_id"], "12535");
        assert_eq!(params["out_contract_code"], "wx/a b");
        assert!(match_template("v3/a/{x}", "/v3/a/").is_none());
        assert!(match_template("v3/a/{x}", "/v3/a/1/2").is_none());
        assert!(match_template("v3/a/b", "/v3/a/c").is_none());
    }
}
