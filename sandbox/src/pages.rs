//! The user's side as pages a browser opens: the papay signing page, the H5 cashier, the Native
//! code, a JSAPI / mini-program cashier stand-in and the merchant-transfer confirmation.
//!
//! WeChat Pay's answers send the user to pages on WeChat's hosts; the sandbox's answers send them
//! here instead, with the same query parameters, so that a merchant's own front end and redirect
//! handling are exercised:
//!
//! | Page | Reached from | Agreeing does | Then |
//! |---|---|---|---|
//! | `sandbox/papay/entrustweb?pre_entrustweb_id=…` | a pre-sign's `redirect_url` | [`Sandbox::sign_contract`](super::Sandbox::sign_contract) | `303` to the pre-sign's `return_url`, else to the referring page with `from_wxpay=1` (when the referrer has a path), else a result page |
//! | `sandbox/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=…&package=…` | an H5 order's `h5_url` (`&redirect_url=…` appended by the merchant) | [`Sandbox::pay_transaction`](super::Sandbox::pay_transaction) | `303` to `redirect_url` unchanged (WeChat Pay appends nothing), else a result page |
//! | `sandbox/wxpay/bizpayurl?pr=…` | a Native order's `code_url` (the page shows it as a QR code) | [`Sandbox::pay_transaction`](super::Sandbox::pay_transaction) | a result page |
//! | `sandbox/jsapi/requestPayment?appId=…&timeStamp=…&nonceStr=…&package=…&signType=RSA&paySign=…&return=…` | what `Client::jsapi_pay_params` makes | checks `paySign` as the WeChat client does, then pays | `303` to `return` with `errMsg=requestPayment:ok` (or `requestPayment:fail cancel`, `requestPayment:fail …`), else a result page |
//! | `sandbox/mch-transfer/requestMerchantTransfer?mchId=…&appId=…&package=…&return=…` | a transfer bill's `package_info` | the bill becomes `SUCCESS`, `MCHTRANSFER.BILL.FINISHED` is sent | `303` to `return` with `errMsg=requestMerchantTransfer:ok` (or `…:fail cancel`, `…:fail …`) |
//!
//! Refusing changes nothing, as in WeChat (the pre-sign, the order and the bill stay open until
//! they expire), and returns the same way. A page for an unknown, expired or used id answers
//! `404`, `410` or `409` with a page saying so, and changes nothing. Pages are plain HTML in
//! Chinese, or English with `lang=en` (or an `Accept-Language` preferring English); their
//! buttons are forms POSTing back to the same address; they load nothing from elsewhere.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;

use super::Shared;
use super::ledger::OrderRecord;
use super::server::SandboxBody;
use super::transfers;
use crate::wire::pay::{TradeState, TradeType};

/// The path prefix of the pages.
const PREFIX: &str = "/sandbox/";
const SIGN_PATH: &str = "sandbox/papay/entrustweb";
const H5_PATH: &str = "sandbox/cgi-bin/mmpayweb-bin/checkmweb";
const NATIVE_PATH: &str = "sandbox/wxpay/bizpayurl";
const JSAPI_PATH: &str = "sandbox/jsapi/requestPayment";
const TRANSFER_PATH: &str = "sandbox/mch-transfer/requestMerchantTransfer";

/// A pre-sign session lasts 10 minutes, an `h5_url` 5 minutes, a `code_url` as long as its
/// `prepay_id`: 2 hours.
const PRE_SIGN_TTL: Duration = Duration::from_secs(10 * 60);
const H5_TTL: Duration = Duration::from_secs(5 * 60);
const NATIVE_TTL: Duration = Duration::from_secs(2 * 3600);

/// The largest form a page reads.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The pages' own state: where they are served, and what the answers that led to them said.
pub(crate) struct Pages {
    base_url: OnceLock<String>,
    merchant_name: Option<String>,
    books: Mutex<Books>,
    /// Merchant transfers waiting for the user (`v3/fund-app/mch-transfer/transfer-bills`).
    pub(crate) transfers: Mutex<transfers::Bills>,
}

#[derive(Default)]
struct Books {
    /// When the URL of a pre-sign (`pre_entrustweb_id`) or an order (`prepay_id`) was made.
    issued: HashMap<String, Instant>,
    /// The `return_url` of a pre-sign.
    return_urls: HashMap<String, String>,
    /// The page that sent the user to a pre-sign's signing page (its `Referer`).
    referrers: HashMap<String, String>,
    /// Pre-signs signed through their page: the `contract_id` they became.
    signed: HashMap<String, String>,
    /// The `package` of each `h5_url`, by `prepay_id`.
    h5_packages: HashMap<String, String>,
}

impl Pages {
    pub(crate) fn new(merchant_name: Option<String>) -> Self {
        Self {
            base_url: OnceLock::new(),
            merchant_name,
            books: Mutex::default(),
            transfers: Mutex::default(),
        }
    }

    /// Sets where the pages are served (once, when the sandbox starts).
    pub(crate) fn set_base_url(&self, url: String) {
        let _ = self.base_url.set(url);
    }

    fn base(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1/", String::as_str)
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `redirect_url` of a pre-sign: its signing page.
    pub(crate) fn signing_url(&self, pre_entrustweb_id: &str) -> String {
        self.books()
            .issued
            .entry(pre_entrustweb_id.to_owned())
            .or_insert_with(Instant::now);
        format!(
            "{}{SIGN_PATH}?pre_entrustweb_id={}",
            self.base(),
            encode(pre_entrustweb_id)
        )
    }

    /// Remembers where the user returns after signing a pre-sign.
    pub(crate) fn remember_return_url(&self, pre_entrustweb_id: &str, url: Option<String>) {
        if let Some(url) = url.filter(|url| absolute_url(url)) {
            self.books()
                .return_urls
                .insert(pre_entrustweb_id.to_owned(), url);
        }
    }

    /// The `h5_url` of an H5 order: its cashier, with a `package` of its own.
    pub(crate) fn h5_url(&self, prepay_id: &str) -> String {
        let mut bytes = [0u8; 8];
        let _ = wechatpay::__support::fill_random(&mut bytes);
        let package = 1_000_000_000 + u64::from_le_bytes(bytes) % 9_000_000_000;
        let mut books = self.books();
        books.issued.insert(prepay_id.to_owned(), Instant::now());
        books
            .h5_packages
            .insert(prepay_id.to_owned(), package.to_string());
        format!(
            "{}{H5_PATH}?prepay_id={}&package={package}",
            self.base(),
            encode(prepay_id)
        )
    }

    /// The `code_url` of a Native order: the page a scan opens.
    pub(crate) fn code_url(&self, prepay_id: &str) -> String {
        self.books()
            .issued
            .insert(prepay_id.to_owned(), Instant::now());
        format!("{}{NATIVE_PATH}?pr={}", self.base(), encode(pr(prepay_id)))
    }

    /// Whether the URL made for `id` is older than `ttl` (never, for an id no URL was made for).
    fn expired(&self, id: &str, ttl: Duration) -> bool {
        self.books()
            .issued
            .get(id)
            .is_some_and(|issued| issued.elapsed() > ttl)
    }

    fn merchant(&self, shared: &Shared, lang: Lang) -> String {
        match &self.merchant_name {
            Some(name) => name.clone(),
            None => format!("{} {}", lang.pick("商户", "Merchant"), shared.keys.mchid),
        }
    }

    /// Makes a page look older than it is (for the expiry tests).
    #[cfg(test)]
    fn age(&self, id: &str, by: Duration) {
        if let Some(issued) = self.books().issued.get_mut(id) {
            *issued = issued.checked_sub(by).unwrap_or(*issued);
        }
    }
}

/// The short code of a `code_url`: the `prepay_id` without its `wx` and date prefix.
fn pr(prepay_id: &str) -> &str {
    prepay_id.get(6..).unwrap_or(prepay_id)
}

/// The default base URL of the pages: the sandbox's own, with a reachable host when it listens
/// on all addresses.
pub(crate) fn base_url(addr: SocketAddr, tls: bool) -> String {
    if tls {
        return format!("https://localhost:{}/", addr.port());
    }
    let host = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    format!("http://{host}/")
}

/// Whether a request is for a page.
pub(crate) fn is_page(path: &str) -> bool {
    path.starts_with(PREFIX)
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// The language of a page: Chinese unless asked for English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `lang=en|zh` first, else the first language of `Accept-Language`.
    fn of(form: &Form, headers: &http::HeaderMap) -> Self {
        let english = |tag: &str| tag.trim().to_ascii_lowercase().starts_with("en");
        match form.get("lang") {
            Some(lang) if english(lang) => Lang::En,
            Some(lang) if lang.trim().to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => {
                let first = headers
                    .get(http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .unwrap_or("");
                if english(first) { Lang::En } else { Lang::Zh }
            }
        }
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn code(self) -> &'static str {
        self.pick("zh", "en")
    }
}

/// The parameters of a page request: the form body (POST) first, then the query.
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A parameter that must be present and not empty.
    fn required(&self, name: &str, lang: Lang) -> Result<&str, View> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            View::problem(
                StatusCode::BAD_REQUEST,
                lang.pick("参数缺失", "Missing parameter"),
                &format!(
                    "{} `{name}`",
                    lang.pick("链接缺少参数", "The link lacks the parameter")
                ),
            )
        })
    }
}

/// What a page request answers: HTML, or a redirect.
enum View {
    Html {
        status: StatusCode,
        title: String,
        body: String,
    },
    Redirect(String),
}

impl View {
    fn page(status: StatusCode, title: &str, body: String) -> Self {
        View::Html {
            status,
            title: title.to_owned(),
            body,
        }
    }

    /// A page saying why nothing happened.
    fn problem(status: StatusCode, title: &str, message: &str) -> Self {
        View::page(
            status,
            title,
            format!(
                "<h1>{}</h1><p class=\"error\" id=\"problem\">{}</p>",
                esc(title),
                esc(message)
            ),
        )
    }

    /// A page saying what happened.
    fn done(title: &str, message: &str, result: &str) -> Self {
        View::page(
            StatusCode::OK,
            title,
            format!(
                "<h1>{}</h1><p id=\"result\" data-result=\"{}\">{}</p>",
                esc(title),
                esc(result),
                esc(message)
            ),
        )
    }
}

/// Answers one page request.
pub(crate) async fn serve(
    shared: &Shared,
    parts: &http::request::Parts,
    body: Incoming,
) -> Response<SandboxBody> {
    let mut pairs = Vec::new();
    let post = parts.method == Method::POST;
    if post {
        match Limited::new(body, MAX_FORM_BYTES).collect().await {
            Ok(body) => {
                match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body.to_bytes()) {
                    Ok(form) => pairs = form,
                    Err(e) => {
                        return render(
                            Lang::of(&Form(Vec::new()), &parts.headers),
                            View::problem(
                                StatusCode::BAD_REQUEST,
                                "Bad form",
                                &format!("the form is not application/x-www-form-urlencoded: {e}"),
                            ),
                        );
                    }
                }
            }
            Err(_) => {
                return render(
                    Lang::Zh,
                    View::problem(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Form too large",
                        &format!("a page form holds at most {MAX_FORM_BYTES} bytes"),
                    ),
                );
            }
        }
    }
    let query = parts.uri.query().unwrap_or("");
    match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
        Ok(query) => pairs.extend(query),
        Err(e) => {
            return render(
                Lang::Zh,
                View::problem(
                    StatusCode::BAD_REQUEST,
                    "Bad query",
                    &format!("the query string cannot be decoded: {e}"),
                ),
            );
        }
    }
    let form = Form(pairs);
    let lang = Lang::of(&form, &parts.headers);
    if parts.method != Method::GET && parts.method != Method::HEAD && !post {
        return render(
            lang,
            View::problem(
                StatusCode::METHOD_NOT_ALLOWED,
                lang.pick("不支持的请求方法", "Method not allowed"),
                &format!("{} {}", parts.method, parts.uri.path()),
            ),
        );
    }
    let page = Page {
        shared,
        form: &form,
        lang,
        post,
        headers: &parts.headers,
    };
    let view = match parts.uri.path().trim_start_matches('/') {
        SIGN_PATH => page.sign(),
        H5_PATH => page.h5(),
        NATIVE_PATH => page.native(),
        JSAPI_PATH => page.jsapi(),
        TRANSFER_PATH => page.transfer(),
        _ => Ok(View::problem(
            StatusCode::NOT_FOUND,
            lang.pick("页面不存在", "No such page"),
            &format!(
                "{} {}",
                lang.pick("沙箱没有这个页面：", "The sandbox has no page at"),
                parts.uri.path()
            ),
        )),
    };
    render(lang, view.unwrap_or_else(|view| view))
}

/// One page request being answered.
struct Page<'a> {
    shared: &'a Shared,
    form: &'a Form,
    lang: Lang,
    post: bool,
    headers: &'a http::HeaderMap,
}

/// What an order page shows and acts on.
struct OrderView {
    out_trade_no: String,
    appid: String,
    total: u64,
    currency: String,
    description: String,
    state: TradeState,
}

impl OrderView {
    fn of(order: &OrderRecord) -> Self {
        Self {
            out_trade_no: order.out_trade_no.clone(),
            appid: order.appid.clone(),
            total: order.total,
            currency: order.currency.clone(),
            description: order.fingerprint["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            state: order.state.clone(),
        }
    }
}

impl Page<'_> {
    fn pick<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        self.lang.pick(zh, en)
    }

    fn pages(&self) -> &Pages {
        &self.shared.pages
    }

    /// The first order matching `matches`.
    fn order(&self, matches: impl Fn(&OrderRecord) -> bool) -> Option<OrderView> {
        self.shared
            .ledger()
            .orders
            .values()
            .find(|order| matches(order))
            .map(OrderView::of)
    }

    /// `Err` with a page when an order cannot be paid now.
    fn payable(&self, order: &OrderView) -> Result<(), View> {
        match order.state {
            TradeState::NotPay => Ok(()),
            TradeState::Success | TradeState::Refund => Err(View::problem(
                StatusCode::CONFLICT,
                self.pick("订单已支付", "Already paid"),
                self.pick(
                    "该订单已支付，请勿重复支付。",
                    "This order has been paid already.",
                ),
            )),
            TradeState::Closed => Err(View::problem(
                StatusCode::CONFLICT,
                self.pick("订单已关闭", "Order closed"),
                self.pick(
                    "商户已关闭该订单，无法支付。",
                    "The merchant closed this order; it cannot be paid.",
                ),
            )),
            _ => Err(View::problem(
                StatusCode::CONFLICT,
                self.pick("订单状态不允许支付", "Order cannot be paid"),
                &format!("trade_state {:?}", order.state),
            )),
        }
    }

    /// A URL to send the browser back to, from the parameter `name`: absent is `None`, one that
    /// is not an absolute http(s) URL is a page saying so.
    fn return_url(&self, name: &str) -> Result<Option<String>, View> {
        match self.form.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(url) if absolute_url(url) && HeaderValue::from_str(url).is_ok() => {
                Ok(Some(url.to_owned()))
            }
            Some(url) => Err(View::problem(
                StatusCode::BAD_REQUEST,
                self.pick("回跳地址无效", "Invalid return address"),
                &format!(
                    "{} `{name}`: {url}",
                    self.pick(
                        "应为 http:// 或 https:// 开头的完整地址（URL编码后拼接）",
                        "must be an absolute http:// or https:// URL (percent-encoded in the link)"
                    )
                ),
            )),
        }
    }

    /// The merchant, amount and description rows of an order.
    fn order_rows(&self, order: &OrderView) -> String {
        rows(&[
            (
                self.pick("商户", "Merchant"),
                &self.pages().merchant(self.shared, self.lang),
            ),
            (self.pick("商品", "Item"), &order.description),
            (self.pick("商户订单号", "Order"), &order.out_trade_no),
        ])
    }

    fn amount(order_total: u64, currency: &str) -> String {
        let symbol = if currency == "CNY" { "¥" } else { "" };
        format!(
            "<p class=\"amount\" id=\"amount\">{symbol}{}</p>",
            esc(&yuan(order_total))
        )
    }

    /// A form POSTing back here with `hidden` fields and two buttons.
    fn form(&self, hidden: &[(&str, &str)], agree: (&str, &str), refuse: (&str, &str)) -> String {
        let mut html = String::from("<form method=\"post\">");
        for (name, value) in hidden
            .iter()
            .chain(std::iter::once(&("lang", self.lang.code())))
        {
            let _ = write!(
                html,
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(name),
                esc(value)
            );
        }
        let _ = write!(
            html,
            "<button class=\"agree\" id=\"agree\" name=\"action\" value=\"{}\">{}</button>\
             <button class=\"refuse\" id=\"refuse\" name=\"action\" value=\"{}\">{}</button></form>",
            esc(agree.0),
            esc(agree.1),
            esc(refuse.0),
            esc(refuse.1)
        );
        html
    }

    // -----------------------------------------------------------------------------------------
    // Papay signing.

    fn sign(&self) -> Result<View, View> {
        let id = self.form.required("pre_entrustweb_id", self.lang)?;
        let pre_sign = self.shared.ledger().pre_signs.get(id).cloned();
        let Some(pre_sign) = pre_sign else {
            let signed = self.pages().books().signed.get(id).cloned();
            return Err(match signed {
                Some(contract_id) => View::problem(
                    StatusCode::CONFLICT,
                    self.pick("已签约", "Already signed"),
                    &format!(
                        "{} {contract_id}",
                        self.pick(
                            "该签约链接已使用，协议已签约：",
                            "This signing link was used; the contract is signed:"
                        )
                    ),
                ),
                None => View::problem(
                    StatusCode::NOT_FOUND,
                    self.pick("签约链接无效", "Unknown signing link"),
                    &format!(
                        "{} {id}",
                        self.pick(
                            "没有待签约的预签约：",
                            "No pre-sign is waiting for the user under"
                        )
                    ),
                ),
            });
        };
        if self.pages().expired(id, PRE_SIGN_TTL) {
            return Err(View::problem(
                StatusCode::GONE,
                self.pick("签约会话已过期", "Signing session expired"),
                self.pick(
                    "预签约会话有效期为10分钟，请返回商户重新发起签约。",
                    "A pre-sign session lasts 10 minutes; go back to the merchant and start again.",
                ),
            ));
        }
        if !self.post {
            self.remember_referrer(id);
            let mut details = vec![
                (
                    self.pick("商户", "Merchant"),
                    self.pages().merchant(self.shared, self.lang),
                ),
                (
                    self.pick("扣费服务", "Service"),
                    format!(
                        "{} {}",
                        self.pick("委托代扣模板", "Deduction plan"),
                        pre_sign.plan_id
                    ),
                ),
                (
                    self.pick("账户", "Account"),
                    pre_sign.contract_display_account.clone(),
                ),
            ];
            if let Some((date, amount)) = &pre_sign.estimated
                && amount.total > 0
            {
                details.push((
                    self.pick("预计扣费", "Next deduction"),
                    format!("¥{} ({date})", yuan(amount.total)),
                ));
            }
            let details: Vec<(&str, &str)> =
                details.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let title = self.pick("开通扣费服务", "Enable automatic deduction");
            return Ok(View::page(
                StatusCode::OK,
                title,
                format!(
                    "<h1>{}</h1>{}<p class=\"note\">{}</p>{}",
                    esc(title),
                    rows(&details),
                    esc(self.pick(
                        "开通后，商户将按约定从你的微信支付账户扣费。",
                        "Once enabled, the merchant deducts from your WeChat Pay account as agreed."
                    )),
                    self.form(
                        &[("pre_entrustweb_id", id)],
                        ("agree", self.pick("同意并开通", "Agree and enable")),
                        ("refuse", self.pick("暂不开通", "Not now")),
                    )
                ),
            ));
        }
        match self.form.get("action") {
            Some("agree") => match self.shared.sign_contract(id) {
                Ok(outcome) => {
                    self.pages()
                        .books()
                        .signed
                        .insert(id.to_owned(), outcome.id.clone());
                    Ok(self.after_sign(id).unwrap_or_else(|| {
                        View::done(
                            self.pick("签约成功", "Signed"),
                            &format!(
                                "{} {}",
                                self.pick("扣费服务已开通，协议号", "Deduction enabled; contract"),
                                outcome.id
                            ),
                            "SIGNED",
                        )
                    }))
                }
                Err(error) => Err(View::problem(
                    StatusCode::CONFLICT,
                    self.pick("签约失败", "Signing failed"),
                    &error.to_string(),
                )),
            },
            Some("refuse") => Ok(self.after_sign(id).unwrap_or_else(|| {
                View::done(
                    self.pick("未开通", "Not enabled"),
                    self.pick(
                        "你已取消开通扣费服务。",
                        "You did not enable the deduction.",
                    ),
                    "CANCELLED",
                )
            })),
            _ => Err(self.bad_action()),
        }
    }

    /// Remembers the page that sent the user here (not the sandbox's own pages, under whichever
    /// name the browser reached them).
    fn remember_referrer(&self, id: &str) {
        let host = self
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok());
        let own = |referrer: &str| {
            referrer.starts_with(self.pages().base())
                || referrer.parse::<http::Uri>().is_ok_and(|uri| {
                    uri.authority()
                        .zip(host)
                        .is_some_and(|(a, host)| a.as_str().eq_ignore_ascii_case(host))
                })
        };
        let Some(referrer) = self
            .headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .filter(|r| absolute_url(r) && !own(r))
        else {
            return;
        };
        self.pages()
            .books()
            .referrers
            .entry(id.to_owned())
            .or_insert_with(|| referrer.to_owned());
    }

    /// Where the user goes after the signing page: the pre-sign's `return_url`, else the
    /// referring page with `from_wxpay=1` when its address has a path (as WeChat Pay does; with
    /// only a host it goes back in history, which a result page stands for here).
    fn after_sign(&self, id: &str) -> Option<View> {
        let books = self.pages().books();
        if let Some(url) = books.return_urls.get(id) {
            return Some(View::Redirect(url.clone()));
        }
        let referrer = books.referrers.get(id)?;
        let has_path = referrer
            .parse::<http::Uri>()
            .is_ok_and(|uri| uri.path().len() > 1 || uri.query().is_some());
        has_path.then(|| View::Redirect(append_query(referrer, &[("from_wxpay", "1")])))
    }

    fn bad_action(&self) -> View {
        View::problem(
            StatusCode::BAD_REQUEST,
            self.pick("无效操作", "Unknown action"),
            self.pick("请使用页面上的按钮。", "Use the buttons on the page."),
        )
    }

    // -----------------------------------------------------------------------------------------
    // H5 cashier.

    fn h5(&self) -> Result<View, View> {
        let prepay_id = self.form.required("prepay_id", self.lang)?;
        let package = self.form.required("package", self.lang)?;
        let redirect = self.return_url("redirect_url")?;
        let known = self.pages().books().h5_packages.get(prepay_id).cloned();
        let order = self
            .order(|order| {
                order.trade_type == TradeType::Mweb
                    && order.answer["h5_url"].as_str().is_some_and(|url| {
                        query_param(url, "prepay_id").as_deref() == Some(prepay_id)
                    })
            })
            .filter(|_| known.as_deref() == Some(package))
            .ok_or_else(|| {
                View::problem(
                    StatusCode::NOT_FOUND,
                    self.pick("支付链接无效", "Unknown payment link"),
                    self.pick(
                        "没有与该 prepay_id 和 package 对应的H5订单。",
                        "No H5 order has this prepay_id and package.",
                    ),
                )
            })?;
        self.payable(&order)?;
        if self.pages().expired(prepay_id, H5_TTL) {
            return Err(View::problem(
                StatusCode::GONE,
                self.pick("支付链接已过期", "Payment link expired"),
                self.pick(
                    "h5_url 有效期为5分钟，请返回商户重新下单。",
                    "An h5_url lasts 5 minutes; go back to the merchant and order again.",
                ),
            ));
        }
        let back = |done: View| redirect.clone().map_or(done, View::Redirect);
        if !self.post {
            let title = self.pick("确认付款", "Confirm payment");
            let mut hidden = vec![("prepay_id", prepay_id), ("package", package)];
            if let Some(url) = &redirect {
                hidden.push(("redirect_url", url));
            }
            return Ok(View::page(
                StatusCode::OK,
                title,
                format!(
                    "<h1>{}</h1>{}{}{}",
                    esc(title),
                    Self::amount(order.total, &order.currency),
                    self.order_rows(&order),
                    self.form(
                        &hidden,
                        ("pay", self.pick("立即支付", "Pay")),
                        ("cancel", self.pick("取消支付", "Cancel")),
                    )
                ),
            ));
        }
        match self.form.get("action") {
            Some("pay") => self.pay(&order).map(back),
            Some("cancel") => Ok(back(self.cancelled())),
            _ => Err(self.bad_action()),
        }
    }

    /// Pays an order as the user does; the page after it.
    fn pay(&self, order: &OrderView) -> Result<View, View> {
        match self.shared.pay_transaction(&order.out_trade_no) {
            Ok(outcome) => Ok(View::done(
                self.pick("支付成功", "Paid"),
                &format!(
                    "{} {}",
                    self.pick("微信支付单号", "Transaction"),
                    outcome.id
                ),
                "SUCCESS",
            )),
            Err(error) => Err(View::problem(
                StatusCode::CONFLICT,
                self.pick("支付失败", "Payment failed"),
                &error.to_string(),
            )),
        }
    }

    fn cancelled(&self) -> View {
        View::done(
            self.pick("已取消支付", "Payment cancelled"),
            self.pick(
                "你已取消支付，订单仍待支付。",
                "You cancelled; the order is still unpaid.",
            ),
            "CANCELLED",
        )
    }

    // -----------------------------------------------------------------------------------------
    // Native code.

    fn native(&self) -> Result<View, View> {
        let code = self.form.required("pr", self.lang)?;
        let (prepay_id, order) = self
            .shared
            .ledger()
            .orders
            .values()
            .find(|order| {
                order.trade_type == TradeType::Native
                    && order.answer["code_url"]
                        .as_str()
                        .is_some_and(|url| query_param(url, "pr").as_deref() == Some(code))
            })
            .map(|order| {
                let url = order.answer["code_url"].as_str().unwrap_or_default();
                (url.to_owned(), OrderView::of(order))
            })
            .ok_or_else(|| {
                View::problem(
                    StatusCode::NOT_FOUND,
                    self.pick("二维码无效", "Unknown code"),
                    self.pick(
                        "没有与该二维码对应的订单。",
                        "No Native order has this code.",
                    ),
                )
            })?;
        let code_url = prepay_id;
        self.payable(&order)?;
        let issued_id = self
            .pages()
            .books()
            .issued
            .keys()
            .find(|id| pr(id) == code)
            .cloned();
        if issued_id.is_some_and(|id| self.pages().expired(&id, NATIVE_TTL)) {
            return Err(View::problem(
                StatusCode::GONE,
                self.pick("二维码已过期", "Code expired"),
                self.pick(
                    "二维码有效期为2小时，请商户重新下单。",
                    "A code_url lasts 2 hours; the merchant must order again.",
                ),
            ));
        }
        if !self.post {
            let title = self.pick("扫码支付", "Scan to pay");
            return Ok(View::page(
                StatusCode::OK,
                title,
                format!(
                    "<h1>{}</h1>{}<figure class=\"code\">{}<figcaption id=\"code_url\">{}</figcaption></figure>{}{}",
                    esc(title),
                    Self::amount(order.total, &order.currency),
                    qr_svg(&code_url),
                    esc(&code_url),
                    self.order_rows(&order),
                    self.form(
                        &[("pr", code)],
                        ("pay", self.pick("立即支付", "Pay")),
                        ("cancel", self.pick("取消支付", "Cancel")),
                    )
                ),
            ));
        }
        match self.form.get("action") {
            Some("pay") => self.pay(&order),
            Some("cancel") => Ok(self.cancelled()),
            _ => Err(self.bad_action()),
        }
    }

    // -----------------------------------------------------------------------------------------
    // JSAPI / mini-program cashier stand-in.

    fn jsapi(&self) -> Result<View, View> {
        let back = self.return_url("return")?;
        let result = |err_msg: String| match &back {
            Some(url) => View::Redirect(append_query(url, &[("errMsg", &err_msg)])),
            None => View::done(&err_msg, &err_msg, &err_msg),
        };
        let order = match self.check_pay_sign() {
            Ok(order) => order,
            Err((status, reason, explanation)) => {
                let err_msg = format!("requestPayment:fail {reason}");
                if self.post && self.form.get("action") == Some("close") {
                    return Ok(result(err_msg));
                }
                return Err(self.refusal(status, &err_msg, &explanation, back.as_deref()));
            }
        };
        if !self.post || self.form.get("action").is_none() {
            let title = self.pick("确认付款", "Confirm payment");
            return Ok(View::page(
                StatusCode::OK,
                title,
                format!(
                    "<h1>{}</h1>{}{}{}",
                    esc(title),
                    Self::amount(order.total, &order.currency),
                    self.order_rows(&order),
                    self.form(
                        &self.jsapi_fields(back.as_deref()),
                        ("pay", self.pick("立即支付", "Pay")),
                        ("cancel", self.pick("取消", "Cancel")),
                    )
                ),
            ));
        }
        match self.form.get("action") {
            Some("pay") => match self.shared.pay_transaction(&order.out_trade_no) {
                Ok(_) => Ok(result("requestPayment:ok".to_owned())),
                Err(error) => Err(self.refusal(
                    StatusCode::CONFLICT,
                    "requestPayment:fail order not payable",
                    &error.to_string(),
                    back.as_deref(),
                )),
            },
            Some("cancel" | "close") => Ok(result("requestPayment:fail cancel".to_owned())),
            _ => Err(self.bad_action()),
        }
    }

    /// The JSAPI parameters as they came, to carry through the page's form.
    fn jsapi_fields<'f>(&'f self, back: Option<&'f str>) -> Vec<(&'f str, &'f str)> {
        let mut fields: Vec<(&str, &str)> = [
            "appId",
            "timeStamp",
            "nonceStr",
            "package",
            "signType",
            "paySign",
        ]
        .into_iter()
        .map(|name| (name, self.form.get(name).unwrap_or("")))
        .collect();
        if let Some(url) = back {
            fields.push(("return", url));
        }
        fields
    }

    /// Checks the JSAPI parameters as the WeChat client does: all present, `signType=RSA`, the
    /// `paySign` an RSA-SHA256 signature of `appId\ntimeStamp\nnonceStr\npackage\n` under the
    /// merchant's key, `package` naming a JSAPI order of that `appId` that can be paid. `Err`:
    /// the status, the `errMsg` reason and what the page explains.
    fn check_pay_sign(&self) -> Result<OrderView, (StatusCode, String, String)> {
        let bad = |reason: &str, explanation: String| {
            (StatusCode::BAD_REQUEST, reason.to_owned(), explanation)
        };
        let mut values = Vec::new();
        for name in [
            "appId",
            "timeStamp",
            "nonceStr",
            "package",
            "signType",
            "paySign",
        ] {
            match self.form.get(name).filter(|v| !v.is_empty()) {
                Some(value) => values.push(value),
                None => {
                    return Err(bad(
                        &format!("missing {name}"),
                        format!(
                            "{} `{name}`",
                            self.pick("调用支付缺少参数", "Missing parameter")
                        ),
                    ));
                }
            }
        }
        let [app_id, time_stamp, nonce_str, package, sign_type, pay_sign] = values[..] else {
            return Err(bad("missing parameters", String::new()));
        };
        if sign_type != "RSA" {
            return Err(bad(
                "invalid signType",
                format!(
                    "signType `{sign_type}`: {}",
                    self.pick("应为 RSA", "must be RSA")
                ),
            ));
        }
        if time_stamp.is_empty() || !time_stamp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "invalid timeStamp",
                format!(
                    "timeStamp `{time_stamp}`: {}",
                    self.pick("应为秒级时间戳", "must be Unix seconds")
                ),
            ));
        }
        let message = format!("{app_id}\n{time_stamp}\n{nonce_str}\n{package}\n");
        let verified = BASE64.decode(pay_sign).is_ok_and(|signature| {
            self.shared
                .keys
                .merchant_public
                .verify(message.as_bytes(), &signature)
        });
        if !verified {
            return Err(bad(
                "invalid paySign",
                self.pick(
                    "支付验证签名失败：paySign 不是商户私钥对 appId、timeStamp、nonceStr、package 的签名。",
                    "Signature check failed: paySign is not the merchant key's signature of appId, timeStamp, nonceStr and package.",
                )
                .to_owned(),
            ));
        }
        let Some(prepay_id) = package.strip_prefix("prepay_id=") else {
            return Err(bad(
                "invalid package",
                format!(
                    "package `{package}`: {}",
                    self.pick("应为 prepay_id=…", "must be prepay_id=…")
                ),
            ));
        };
        let order = self
            .order(|order| {
                order.trade_type == TradeType::Jsapi
                    && order.answer["prepay_id"].as_str() == Some(prepay_id)
            })
            .ok_or_else(|| {
                (
                    StatusCode::NOT_FOUND,
                    "invalid prepay_id".to_owned(),
                    format!(
                        "{} {prepay_id}",
                        self.pick(
                            "没有该 prepay_id 的JSAPI订单：",
                            "No JSAPI order has the prepay_id"
                        )
                    ),
                )
            })?;
        if order.appid != app_id {
            return Err(bad(
                "appId mismatch",
                format!(
                    "{} appId `{app_id}` ≠ `{}`",
                    self.pick(
                        "appId 与下单时的 appid 不一致：",
                        "appId is not the order's appid:"
                    ),
                    order.appid
                ),
            ));
        }
        match order.state {
            TradeState::NotPay => Ok(order),
            TradeState::Closed => Err((
                StatusCode::CONFLICT,
                "order closed".to_owned(),
                self.pick("订单已关闭", "The order is closed").to_owned(),
            )),
            _ => Err((
                StatusCode::CONFLICT,
                "order paid".to_owned(),
                self.pick("订单已支付", "The order is paid already")
                    .to_owned(),
            )),
        }
    }

    /// A page refusing a client call (`errMsg` shown), with a button back to the caller.
    fn refusal(
        &self,
        status: StatusCode,
        err_msg: &str,
        explanation: &str,
        back: Option<&str>,
    ) -> View {
        let title = self.pick("无法完成", "Cannot proceed");
        // Each parameter once (a form POSTs to its page's address, query included), as read.
        let mut hidden: Vec<(&str, &str)> = Vec::new();
        for (name, value) in &self.form.0 {
            if name != "action" && name != "lang" && !hidden.iter().any(|(seen, _)| seen == name) {
                hidden.push((name.as_str(), value.as_str()));
            }
        }
        let mut html = format!(
            "<h1>{}</h1><p class=\"error\" id=\"problem\">{}</p><p><code id=\"errMsg\">{}</code></p>",
            esc(title),
            esc(explanation),
            esc(err_msg)
        );
        if back.is_some() {
            html.push_str("<form method=\"post\">");
            for (name, value) in hidden
                .iter()
                .chain(std::iter::once(&("lang", self.lang.code())))
            {
                let _ = write!(
                    html,
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                    esc(name),
                    esc(value)
                );
            }
            let _ = write!(
                html,
                "<button class=\"refuse\" id=\"close\" name=\"action\" value=\"close\">{}</button></form>",
                esc(self.pick("返回商户", "Back to the merchant"))
            );
        }
        View::page(status, title, html)
    }

    // -----------------------------------------------------------------------------------------
    // Merchant transfer confirmation.

    fn transfer(&self) -> Result<View, View> {
        let back = self.return_url("return")?;
        let result = |err_msg: String| match &back {
            Some(url) => View::Redirect(append_query(url, &[("errMsg", &err_msg)])),
            None => View::done(&err_msg, &err_msg, &err_msg),
        };
        let bill = match self.check_transfer() {
            Ok(bill) => bill,
            Err((status, reason, explanation)) => {
                let err_msg = format!("requestMerchantTransfer:fail {reason}");
                if self.post && self.form.get("action") == Some("close") {
                    return Ok(result(err_msg));
                }
                return Err(self.refusal(status, &err_msg, &explanation, back.as_deref()));
            }
        };
        if !self.post || self.form.get("action").is_none() {
            let title = self.pick("确认收款", "Confirm receipt");
            let mut hidden = vec![
                ("mchId", self.form.get("mchId").unwrap_or("")),
                ("appId", self.form.get("appId").unwrap_or("")),
                ("package", self.form.get("package").unwrap_or("")),
            ];
            if let Some(url) = &back {
                hidden.push(("return", url));
            }
            let reason = bill
                .user_recv_perception
                .clone()
                .unwrap_or_else(|| bill.transfer_remark.clone());
            return Ok(View::page(
                StatusCode::OK,
                title,
                format!(
                    "<h1>{}</h1>{}{}{}",
                    esc(title),
                    Self::amount(bill.transfer_amount, "CNY"),
                    rows(&[
                        (
                            self.pick("付款商户", "From"),
                            &self.pages().merchant(self.shared, self.lang)
                        ),
                        (self.pick("收款原因", "For"), &reason),
                        (self.pick("备注", "Remark"), &bill.transfer_remark),
                    ]),
                    self.form(
                        &hidden,
                        ("confirm", self.pick("确认收款", "Confirm receipt")),
                        ("cancel", self.pick("取消", "Cancel")),
                    )
                ),
            ));
        }
        match self.form.get("action") {
            Some("confirm") => match transfers::confirm(self.shared, &bill.out_bill_no) {
                Ok(()) => Ok(result("requestMerchantTransfer:ok".to_owned())),
                Err(message) => Err(self.refusal(
                    StatusCode::CONFLICT,
                    "requestMerchantTransfer:fail bill not confirmable",
                    &message,
                    back.as_deref(),
                )),
            },
            Some("cancel" | "close") => {
                Ok(result("requestMerchantTransfer:fail cancel".to_owned()))
            }
            _ => Err(self.bad_action()),
        }
    }

    /// Checks `mchId`, `appId` and `package` as `wx.requestMerchantTransfer` does: the package
    /// names a bill of this merchant and app that waits for the user.
    fn check_transfer(&self) -> Result<transfers::Bill, (StatusCode, String, String)> {
        let bad = |status, reason: &str, explanation: String| {
            Err((status, reason.to_owned(), explanation))
        };
        let mut values = Vec::new();
        for name in ["mchId", "appId", "package"] {
            match self.form.get(name).filter(|v| !v.is_empty()) {
                Some(value) => values.push(value),
                None => {
                    return bad(
                        StatusCode::BAD_REQUEST,
                        &format!("missing {name}"),
                        format!("{} `{name}`", self.pick("缺少参数", "Missing parameter")),
                    );
                }
            }
        }
        let [mch_id, app_id, package] = values[..] else {
            return bad(StatusCode::BAD_REQUEST, "missing parameters", String::new());
        };
        if mch_id != self.shared.keys.mchid {
            return bad(
                StatusCode::BAD_REQUEST,
                "mchId mismatch",
                format!(
                    "mchId `{mch_id}`: {}",
                    self.pick(
                        "不是发起转账的商户号",
                        "is not the merchant of the transfer"
                    )
                ),
            );
        }
        let Some(bill) = transfers::by_package(self.shared, package) else {
            return bad(
                StatusCode::NOT_FOUND,
                "invalid package",
                self.pick(
                    "package 无效：没有与之对应的转账单（package_info 须原样传入）。",
                    "Unknown package: no transfer bill has this package_info (pass it unchanged).",
                )
                .to_owned(),
            );
        };
        if bill.appid != app_id {
            return bad(
                StatusCode::BAD_REQUEST,
                "appId mismatch",
                format!(
                    "appId `{app_id}` ≠ `{}`: {}",
                    bill.appid,
                    self.pick(
                        "应为发起转账时的 appid",
                        "must be the appid of the transfer"
                    )
                ),
            );
        }
        match bill.state {
            transfers::State::WaitUserConfirm => Ok(bill),
            transfers::State::Success => bad(
                StatusCode::CONFLICT,
                "already received",
                self.pick(
                    "该笔转账已确认收款。",
                    "This transfer was received already.",
                )
                .to_owned(),
            ),
            transfers::State::Cancelled => bad(
                StatusCode::GONE,
                "transfer cancelled",
                self.pick(
                    "商户已撤销该笔转账。",
                    "The merchant cancelled this transfer.",
                )
                .to_owned(),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTML.

/// The page skeleton: inline style only, nothing loaded from elsewhere.
const STYLE: &str = "body{margin:0;background:#ededed;color:#111;font:16px/1.5 -apple-system,'PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif}\
main{max-width:420px;margin:0 auto;padding:16px}\
.banner{margin:0 0 12px;font-size:12px;color:#888;text-align:center}\
.card{background:#fff;border-radius:10px;padding:20px 20px 24px}\
h1{margin:0 0 12px;font-size:18px;text-align:center}\
.amount{margin:8px 0 16px;font-size:36px;font-weight:600;text-align:center}\
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:0 0 16px}\
dt{color:#888}dd{margin:0;word-break:break-all}\
.note{font-size:13px;color:#888}.error{color:#fa5151}\
.code{margin:0 auto 16px;text-align:center}.code svg{width:200px;height:200px}\
.code figcaption{font-size:12px;color:#888;word-break:break-all}\
button{display:block;width:100%;margin-top:12px;padding:12px;border:0;border-radius:8px;font-size:16px}\
.agree{background:#07c160;color:#fff}.refuse{background:#f2f2f2;color:#07c160}";

fn render(lang: Lang, view: View) -> Response<SandboxBody> {
    let (status, html, location) = match view {
        View::Html {
            status,
            title,
            body,
        } => (
            status,
            format!(
                "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
                 <title>{} · {}</title><style>{STYLE}</style></head><body><main>\
                 <p class=\"banner\">{}</p><div class=\"card\">{body}</div></main></body></html>\n",
                lang.pick("zh-CN", "en"),
                esc(&title),
                esc(lang.pick("微信支付沙箱", "WeChat Pay sandbox")),
                esc(lang.pick(
                    "微信支付沙箱 · 不会真实扣款",
                    "WeChat Pay sandbox · no real money moves"
                )),
            ),
            None,
        ),
        View::Redirect(url) => (StatusCode::SEE_OTHER, String::new(), Some(url)),
    };
    let mut response = Response::new(http_body_util::Either::Left(Full::new(Bytes::from(html))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    if let Some(url) = location {
        match HeaderValue::from_str(&url) {
            Ok(value) => {
                headers.insert(http::header::LOCATION, value);
            }
            Err(_) => {
                return render(
                    lang,
                    View::problem(
                        StatusCode::BAD_REQUEST,
                        "Invalid return address",
                        &format!("cannot redirect to {url}"),
                    ),
                );
            }
        }
    } else {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(
            http::header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        );
        headers.insert(
            http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    response
}

/// `<dl>` of label and value rows, escaped.
fn rows(rows: &[(&str, &str)]) -> String {
    let mut html = String::from("<dl>");
    for (label, value) in rows {
        let _ = write!(html, "<dt>{}</dt><dd>{}</dd>", esc(label), esc(value));
    }
    html.push_str("</dl>");
    html
}

/// Escapes text for HTML content and double- or single-quoted attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fen as yuan: `1234` → `12.34`.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A QR code of `text` as inline SVG (made here, nothing fetched); empty when it does not fit.
fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium) else {
        return String::new();
    };
    let size = code.size();
    let border = 2;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + border, y + border);
            }
        }
    }
    let view = size + 2 * border;
    format!(
        "<svg id=\"qr\" viewBox=\"0 0 {view} {view}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

// ---------------------------------------------------------------------------------------------
// URLs.

/// What a query value keeps as it is: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, UNRESERVED).to_string()
}

/// An absolute `http://` or `https://` URL with a host.
fn absolute_url(url: &str) -> bool {
    url.parse::<http::Uri>()
        .is_ok_and(|uri| matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some())
}

/// The first value of a query parameter of `url`.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// `url` with `pairs` added to its query, before any fragment.
fn append_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let mut out = base.to_owned();
    for (name, value) in pairs {
        out.push(if out.contains('?') { '&' } else { '?' });
        let _ = write!(out, "{}={}", encode(name), encode(value));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            esc(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(esc("会员 1001"), "会员 1001");
        let html = rows(&[("<b>", "\"onmouseover=\"x")]);
        assert!(
            !html.contains("<b>") && !html.contains("\"onmouseover"),
            "{html}"
        );
    }

    #[test]
    fn return_parameters_go_before_the_fragment() {
        assert_eq!(
            append_query(
                "https://m.example.com/pay?o=1#/done",
                &[("errMsg", "requestPayment:fail cancel")]
            ),
            "https://m.example.com/pay?o=1&errMsg=requestPayment%3Afail%20cancel#/done"
        );
        assert_eq!(
            append_query("http://127.0.0.1:9/back", &[("from_wxpay", "1")]),
            "http://127.0.0.1:9/back?from_wxpay=1"
        );
        assert_eq!(
            query_param("http://h/p?prepay_id=wx1&package=2#x", "package").as_deref(),
            Some("2")
        );
        assert!(query_param("http://h/p", "package").is_none());
    }

    #[test]
    fn only_absolute_http_urls_are_return_addresses() {
        assert!(absolute_url("https://m.example.com/back?x=1"));
        assert!(absolute_url("http://127.0.0.1:8080/"));
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "//host/x",
            "weixin://wxpay",
            "",
            "http://",
        ] {
            assert!(!absolute_url(bad), "{bad}");
        }
    }

    #[test]
    fn amounts_are_yuan_with_two_decimals() {
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(123_456), "1234.56");
        assert_eq!(yuan(u64::MAX), "184467440737095516.15");
    }

    #[test]
    fn the_language_comes_from_the_parameter_then_the_header() {
        let mut headers = http::HeaderMap::new();
        let form = |pairs: &[(&str, &str)]| {
            Form(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        };
        assert_eq!(Lang::of(&form(&[]), &headers), Lang::Zh);
        headers.insert(
            http::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9,zh;q=0.5"),
        );
        assert_eq!(Lang::of(&form(&[]), &headers), Lang::En);
        assert_eq!(Lang::of(&form(&[("lang", "zh_CN")]), &headers), Lang::Zh);
        headers.remove(http::header::ACCEPT_LANGUAGE);
        assert_eq!(Lang::of(&form(&[("lang", "en")]), &headers), Lang::En);
    }

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = qr_svg("http://127.0.0.1:1/sandbox/wxpay/bizpayurl?pr=1234");
        assert!(
            svg.starts_with("<svg") && svg.contains("<path d=\"M"),
            "{svg}"
        );
        assert!(!svg.contains("http"), "no reference to anything outside");
    }

    #[tokio::test]
    async fn expired_h5_and_native_links_are_refused_and_change_nothing() {
        use crate::wire::pay::{H5Info, H5Prepay, H5SceneInfo, NativePrepay, Order, OrderAmount};
        let sandbox = crate::Sandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let shared = &sandbox.shared;
        let order = |out_trade_no: &str| Order {
            appid: "wxd678efh567hg6787".into(),
            mchid: shared.keys.mchid.clone(),
            description: "expiry".into(),
            out_trade_no: out_trade_no.into(),
            time_expire: None,
            attach: None,
            notify_url: "http://127.0.0.1:9/notify".into(),
            goods_tag: None,
            limit_pay: None,
            support_fapiao: None,
            amount: OrderAmount {
                total: 1,
                currency: Some("CNY".into()),
            },
            detail: None,
            settle_info: None,
        };
        let h5_url = client
            .send(&H5Prepay {
                order: order("O-h5-expired"),
                scene_info: H5SceneInfo {
                    payer_client_ip: "203.0.113.7".into(),
                    device_id: None,
                    store_info: None,
                    h5_info: H5Info {
                        kind: "Wap".into(),
                        app_name: None,
                        app_url: None,
                        bundle_id: None,
                        package_name: None,
                    },
                },
            })
            .await
            .unwrap()
            .h5_url;
        let code_url = client
            .send(&NativePrepay {
                order: order("O-native-expired"),
                scene_info: None,
            })
            .await
            .unwrap()
            .code_url;
        let headers = http::HeaderMap::new();
        let pay = |pairs: &[(&str, String)]| {
            let mut form: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            form.push(("action".into(), "pay".into()));
            Form(form)
        };

        let prepay_id = query_param(&h5_url, "prepay_id").unwrap();
        shared
            .pages
            .age(&prepay_id, H5_TTL + Duration::from_secs(1));
        let form = pay(&[
            ("prepay_id", prepay_id.clone()),
            ("package", query_param(&h5_url, "package").unwrap()),
        ]);
        let page = Page {
            shared,
            form: &form,
            lang: Lang::En,
            post: true,
            headers: &headers,
        };
        let Err(View::Html { status, body, .. }) = page.h5() else {
            panic!("an expired h5_url must be refused: {h5_url}");
        };
        assert_eq!(status, StatusCode::GONE);
        assert!(body.contains("5 minutes"), "{body}");

        let native_prepay_id = shared
            .ledger()
            .orders
            .values()
            .find(|order| order.out_trade_no == "O-native-expired")
            .and_then(|order| order.answer["code_url"].as_str().map(str::to_owned))
            .and_then(|url| query_param(&url, "pr"))
            .and_then(|code| {
                shared
                    .pages
                    .books()
                    .issued
                    .keys()
                    .find(|id| pr(id) == code)
                    .cloned()
            })
            .unwrap();
        shared
            .pages
            .age(&native_prepay_id, NATIVE_TTL + Duration::from_secs(1));
        let form = pay(&[("pr", query_param(&code_url, "pr").unwrap())]);
        let page = Page {
            shared,
            form: &form,
            lang: Lang::En,
            post: true,
            headers: &headers,
        };
        let Err(View::Html { status, body, .. }) = page.native() else {
            panic!("an expired code_url must be refused: {code_url}");
        };
        assert_eq!(status, StatusCode::GONE);
        assert!(body.contains("2 hours"), "{body}");

        for order in shared.ledger().orders.values() {
            assert_eq!(order.state, TradeState::NotPay, "{}", order.out_trade_no);
        }
        assert!(sandbox.charges().is_empty(), "nothing was paid");
    }

    #[tokio::test]
    async fn an_expired_signing_link_is_refused_and_changes_nothing() {
        let sandbox = crate::Sandbox::start().await.unwrap();
        let shared = &sandbox.shared;
        let id = "PREexpired";
        shared.ledger().pre_signs.insert(
            id.to_owned(),
            crate::ledger::PreSign {
                appid: "wxd678efh567hg6787".into(),
                openid: None,
                plan_id: 1,
                out_contract_code: "C-expired".into(),
                contract_display_account: "a".into(),
                contract_notify_url: "http://127.0.0.1:9/notify".into(),
                out_user_code: None,
                estimated: None,
                partner: None,
            },
        );
        let url = shared.pages.signing_url(id);
        shared.pages.age(id, PRE_SIGN_TTL + Duration::from_secs(1));
        let form = Form(vec![
            ("pre_entrustweb_id".into(), id.into()),
            ("action".into(), "agree".into()),
        ]);
        let headers = http::HeaderMap::new();
        let page = Page {
            shared,
            form: &form,
            lang: Lang::En,
            post: true,
            headers: &headers,
        };
        let Err(View::Html { status, body, .. }) = page.sign() else {
            panic!("an expired link must be refused: {url}");
        };
        assert_eq!(status, StatusCode::GONE);
        assert!(body.contains("10 minutes"), "{body}");
        assert!(
            shared.ledger().pre_signs.contains_key(id),
            "the pre-sign is untouched"
        );
        assert!(shared.ledger().contracts.is_empty(), "nothing was signed");
    }
}
