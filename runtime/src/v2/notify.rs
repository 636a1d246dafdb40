//! API v2 callbacks: XML POSTs verified by their `sign` before any field is used, decoded into
//! typed events, answered with [`SUCCESS_ANSWER`]. Refund callbacks carry no `sign`: their
//! `req_info` is decrypted instead, which is weaker (see [`V2Notifications::refund`]).
//!
//! ```
//! # fn handle(client: &wechatpay::Client, body: &[u8]) -> Result<&'static str, wechatpay::Error> {
//! use wechatpay::v2::notify::{SUCCESS_ANSWER, V2Event};
//! match client.v2_notifications()?.parse(body)? {
//!     V2Event::Contract(contract) => println!("{} {}", contract.contract_id, contract.change_type),
//!     V2Event::Payment(payment) => println!("{} {}", payment.out_trade_no, payment.result_code),
//!     V2Event::Refund(refund) => println!("{} {}", refund.out_refund_no, refund.refund_status),
//!     _ => {}
//! }
//! Ok(SUCCESS_ANSWER) // the body to answer with, `200 OK`
//! # }
//! ```

use aws_lc_rs::cipher::{AES_256, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest as _, Md5};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{ApiV2Key, Fields, SignType, V2Error, decode_fields, field, verify_signed, xml};
use crate::client::Client;
use crate::error::Error;

/// The body that acknowledges a v2 callback (with `200 OK`); anything else makes WeChat Pay send
/// it again later.
pub const SUCCESS_ANSWER: &str = "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>";

/// The body that refuses a v2 callback (WeChat Pay will send it again), with a reason.
pub fn fail_answer(reason: &str) -> String {
    xml::encode([("return_code", "FAIL"), ("return_msg", reason)])
}

/// What a v2 callback said, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum V2Event {
    /// 签约/解约结果通知: a papay contract was signed (`ADD`) or terminated (`DELETE`).
    Contract(ContractNotification),
    /// 扣款结果通知 / 支付结果通知: a deduction or payment succeeded or failed.
    Payment(PaymentNotification),
    /// 退款结果通知, decrypted from `req_info`.
    Refund(RefundNotification),
    /// A signed callback of another kind: its verified fields.
    Other(Fields),
}

/// 签约、解约结果通知 (papay v2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ContractNotification {
    /// 变更类型: `ADD` (signed) or `DELETE` (terminated), kept as sent.
    pub change_type: String,
    /// 委托代扣协议id.
    pub contract_id: String,
    /// 模板id.
    pub plan_id: u64,
    /// 签约协议号.
    pub contract_code: String,
    /// 用户标识.
    #[serde(default)]
    pub openid: Option<String>,
    /// 操作时间, `yyyy-MM-dd HH:mm:ss`.
    #[serde(default)]
    pub operate_time: Option<String>,
    /// 请求序列号.
    #[serde(default)]
    pub request_serial: Option<u64>,
    /// 协议到期时间.
    #[serde(default)]
    pub contract_expired_time: Option<String>,
    /// 协议解约方式 (for `DELETE`).
    #[serde(default)]
    pub contract_termination_mode: Option<u8>,
}

impl ContractNotification {
    /// Whether the contract was signed (`change_type=ADD`).
    pub fn is_signed(&self) -> bool {
        self.change_type == "ADD"
    }
}

/// 扣款结果通知 / 支付结果通知.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PaymentNotification {
    /// 业务结果: `SUCCESS`, or `FAIL` with `err_code`.
    pub result_code: String,
    /// 错误代码 of a failed deduction.
    #[serde(default)]
    pub err_code: Option<String>,
    /// 错误代码描述.
    #[serde(default)]
    pub err_code_des: Option<String>,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// 委托代扣协议id (deductions).
    #[serde(default)]
    pub contract_id: Option<String>,
    /// 交易状态 (deductions): `SUCCESS`, `PAYERROR`, … kept as sent.
    #[serde(default)]
    pub trade_state: Option<String>,
    /// 订单金额, in fen.
    pub total_fee: u64,
    /// 现金支付金额, in fen.
    #[serde(default)]
    pub cash_fee: Option<u64>,
    /// 货币种类.
    #[serde(default)]
    pub fee_type: Option<String>,
    /// 用户标识.
    #[serde(default)]
    pub openid: Option<String>,
    /// 支付完成时间, `yyyyMMddHHmmss`.
    #[serde(default)]
    pub time_end: Option<String>,
    /// 商家数据包.
    #[serde(default)]
    pub attach: Option<String>,
}

impl PaymentNotification {
    /// Whether the money moved (`result_code=SUCCESS`).
    pub fn is_success(&self) -> bool {
        self.result_code == "SUCCESS"
    }
}

/// 退款结果通知, from its decrypted `req_info`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundNotification {
    /// 微信订单号.
    pub transaction_id: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信退款单号.
    pub refund_id: String,
    /// 商户退款单号.
    pub out_refund_no: String,
    /// 订单金额, in fen.
    pub total_fee: u64,
    /// 申请退款金额, in fen.
    pub refund_fee: u64,
    /// 退款金额 after coupons, in fen.
    #[serde(default)]
    pub settlement_refund_fee: Option<u64>,
    /// 应结订单金额, in fen.
    #[serde(default)]
    pub settlement_total_fee: Option<u64>,
    /// 退款状态: `SUCCESS`, `CHANGE`, `REFUNDCLOSE`, kept as sent.
    pub refund_status: String,
    /// 退款成功时间.
    #[serde(default)]
    pub success_time: Option<String>,
    /// 退款入账账户 (WeChat Pay spells it `refund_recv_accout`).
    #[serde(default)]
    pub refund_recv_accout: Option<String>,
    /// 退款资金来源.
    #[serde(default)]
    pub refund_account: Option<String>,
    /// 退款发起来源.
    #[serde(default)]
    pub refund_request_source: Option<String>,
}

/// Verifies and decodes v2 callbacks with the APIv2 key; from
/// [`Client::v2_notifications`](crate::Client::v2_notifications) (with the client's sign type)
/// or [`V2Notifications::new`].
#[derive(Debug, Clone)]
pub struct V2Notifications {
    key: ApiV2Key,
    sign_type: SignType,
}

const CALLBACK: &str = "callback";

impl Client {
    /// Verifies and decodes API v2 callbacks with this client's APIv2 key; see [`crate::v2::notify`].
    ///
    /// # Errors
    /// [`Error::Config`] when the client has no APIv2 key.
    pub fn v2_notifications(&self) -> Result<V2Notifications, Error> {
        let key = self.apiv2_key().cloned().ok_or_else(|| {
            Error::Config(
                "v2 callbacks are verified with the APIv2 key: call .apiv2_key(…) or set WECHATPAY_APIV2_KEY".into(),
            )
        })?;
        Ok(V2Notifications::new(key).sign_type(self.v2_sign_type()))
    }
}

impl V2Notifications {
    /// Callbacks verified with `key`, signed with MD5 (v2's default); see
    /// [`V2Notifications::sign_type`].
    pub fn new(key: ApiV2Key) -> Self {
        Self {
            key,
            sign_type: SignType::Md5,
        }
    }

    /// The sign type callbacks must carry: the one the merchant signs its requests with (WeChat
    /// Pay signs a callback like the request that caused it).
    ///
    /// It is never taken from the callback itself: a callback that says `sign_type=MD5` to a
    /// merchant on HMAC-SHA256 would otherwise be checked with the weaker MD5.
    #[must_use]
    pub fn sign_type(mut self, sign_type: SignType) -> Self {
        self.sign_type = sign_type;
        self
    }

    /// The fields of a signed callback, after its `return_code` and `sign` hold. The `sign` must
    /// be of the configured [sign type](V2Notifications::sign_type); a callback that names or
    /// carries another is refused.
    ///
    /// # Errors
    /// [`Error::V2`]: [`V2Error::Malformed`], [`V2Error::Refused`] (`return_code` not
    /// `SUCCESS`), [`V2Error::Unsigned`], [`V2Error::WrongSignType`] (a `sign_type` or `sign`
    /// of another algorithm), [`V2Error::BadSignature`].
    pub fn verify(&self, body: &[u8]) -> Result<Fields, Error> {
        let fields = self.envelope(body)?;
        verify_signed(&fields, &self.key, self.sign_type, CALLBACK)?;
        Ok(fields)
    }

    /// Verifies a callback and says what it is: a contract change (it has `change_type`), a
    /// payment (`out_trade_no`), a refund (`req_info`, decrypted; see
    /// [`V2Notifications::refund`] for what that does and does not prove), or other.
    ///
    /// # Errors
    /// As [`V2Notifications::verify`] and [`V2Notifications::refund`]; [`Error::Decode`] when a
    /// verified callback lacks a field its kind requires.
    pub fn parse(&self, body: &[u8]) -> Result<V2Event, Error> {
        let fields = self.envelope(body)?;
        if field(&fields, "req_info").is_some() {
            return self.refund_fields(&fields).map(V2Event::Refund);
        }
        let fields = self.verify(body)?;
        if field(&fields, "change_type").is_some() {
            decode_fields(&fields, CALLBACK).map(V2Event::Contract)
        } else if field(&fields, "out_trade_no").is_some() {
            decode_fields(&fields, CALLBACK).map(V2Event::Payment)
        } else {
            Ok(V2Event::Other(fields))
        }
    }

    /// A contract notification, verified.
    ///
    /// # Errors
    /// As [`V2Notifications::verify`]; [`Error::Decode`] when it is not a contract notification.
    pub fn contract(&self, body: &[u8]) -> Result<ContractNotification, Error> {
        decode_fields(&self.verify(body)?, CALLBACK)
    }

    /// A payment or deduction notification, verified.
    ///
    /// # Errors
    /// As [`V2Notifications::verify`]; [`Error::Decode`] when it is not a payment notification.
    pub fn payment(&self, body: &[u8]) -> Result<PaymentNotification, Error> {
        decode_fields(&self.verify(body)?, CALLBACK)
    }

    /// A refund notification: `req_info` decrypted with AES-256-ECB under the lower-case hex MD5
    /// of the APIv2 key.
    ///
    /// **This is not an authenticated message.** Refund callbacks carry no `sign` and no
    /// timestamp, and ECB encrypts each 16-byte block on its own:
    /// - *replayable*: a `req_info` once seen (a log, a proxy) can be sent again at any time,
    ///   and decrypts as well as the first time;
    /// - *malleable*: blocks of genuine `req_info`s can be cut, reordered and spliced into a new
    ///   one that still decrypts and parses (only the padding block is checked), so a field may
    ///   hold a value from another refund.
    ///
    /// Treat the notification as a hint that something changed: before acting on it (marking an
    /// order refunded, releasing goods), confirm the refund with a signed refund query
    /// (`pay/refundquery` in v2, or `v3/refund/domestic/refunds/{out_refund_no}`) and use the
    /// query's answer; process it idempotently by `out_refund_no`.
    ///
    /// # Errors
    /// [`Error::V2`] for a malformed or refused envelope; [`Error::Decrypt`] when `req_info` is
    /// missing, not Base64, or does not decrypt under this key; [`Error::Decode`].
    pub fn refund(&self, body: &[u8]) -> Result<RefundNotification, Error> {
        let fields = self.envelope(body)?;
        self.refund_fields(&fields)
    }

    fn refund_fields(&self, fields: &Fields) -> Result<RefundNotification, Error> {
        let req_info = field(fields, "req_info").ok_or_else(|| Error::Decrypt {
            what: "refund callback".into(),
            problem: "it has no `req_info`".into(),
        })?;
        let plain = decrypt_req_info(&self.key, req_info)?;
        let inner = xml::decode_element(&plain, "root").map_err(|error| Error::Decrypt {
            what: "refund callback's req_info".into(),
            problem: format!("the decrypted text is not the expected XML: {error}"),
        })?;
        decode_fields(&inner, "refund callback")
    }

    /// The XML with `return_code=SUCCESS`; nothing else is read yet.
    fn envelope(&self, body: &[u8]) -> Result<Fields, Error> {
        let fields = xml::decode(body).map_err(|error| V2Error::malformed(CALLBACK, error))?;
        let return_code = field(&fields, "return_code").unwrap_or_default();
        if return_code != "SUCCESS" {
            return Err(V2Error::refused(CALLBACK, &fields).into());
        }
        Ok(fields)
    }
}

/// The AES-256 key of refund callbacks: the lower-case hex MD5 of the APIv2 key, as 32 bytes.
fn req_info_key(key: &ApiV2Key) -> Zeroizing<[u8; 32]> {
    let digest = Md5::digest(key.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(byte >> 4)];
        out[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

/// Decrypts a refund callback's `req_info`: Base64, AES-256-ECB, PKCS#7 padding.
///
/// # Errors
/// [`Error::Decrypt`] when it is not Base64 or does not decrypt under this key.
pub fn decrypt_req_info(key: &ApiV2Key, req_info: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    let fail = |problem: &str| Error::Decrypt {
        what: "refund callback's req_info".into(),
        problem: problem.into(),
    };
    let mut data = Zeroizing::new(
        BASE64
            .decode(req_info.trim())
            .map_err(|_| fail("it is not Base64"))?,
    );
    if data.is_empty() || data.len() % 16 != 0 {
        return Err(fail(
            "its length is not a whole number of AES blocks: it was cut or altered",
        ));
    }
    let aes = UnboundCipherKey::new(&AES_256, &*req_info_key(key))
        .and_then(PaddedBlockDecryptingKey::ecb_pkcs7)
        .map_err(|_| fail("the AES key cannot be set up"))?;
    let plain = aes
        .decrypt(&mut data, DecryptionContext::None)
        .map_err(|_| {
            fail("it does not decrypt under this APIv2 key (a wrong key, or altered data)")
        })?
        .to_vec();
    Ok(Zeroizing::new(plain))
}

/// An axum extractor for v2 callbacks (feature `axum`): the body read (at most
/// [`xml::MAX_XML_BYTES`], within
/// [`BODY_READ_TIMEOUT`](crate::notify::axum::BODY_READ_TIMEOUT)), verified and decoded with the APIv2 key of the `Client` in the
/// router's state. A callback that fails is answered `400` with a v2 `FAIL` body and never
/// reaches the handler; the handler answers [`SUCCESS_ANSWER`] (see [`axum::success`]).
///
/// ```no_run
/// use axum::routing::post;
/// use wechatpay::v2::notify::V2Event;
/// use wechatpay::v2::notify::axum::{VerifiedV2Event, success};
///
/// async fn notify(VerifiedV2Event(event): VerifiedV2Event) -> axum::response::Response {
///     if let V2Event::Payment(payment) = event {
///         println!("{} {}", payment.out_trade_no, payment.result_code);
///     }
///     success()
/// }
/// # fn app(client: wechatpay::Client) -> axum::Router {
/// axum::Router::new().route("/wechatpay/v2/notify", post(notify)).with_state(client)
/// # }
/// ```
#[cfg(feature = "axum")]
pub mod axum {
    use ::axum::extract::{FromRef, FromRequest, Request};
    use ::axum::response::{IntoResponse, Response};
    use http::header::CONTENT_TYPE;
    use http::{HeaderValue, StatusCode};

    use super::{SUCCESS_ANSWER, V2Event, fail_answer, xml};
    use crate::client::Client;
    use crate::error::Error;

    /// A v2 callback, verified and typed.
    #[derive(Debug, Clone)]
    pub struct VerifiedV2Event(pub V2Event);

    /// Why a v2 callback was refused; answered `400` (`500` when the client has no APIv2 key)
    /// with `<xml><return_code>FAIL</return_code>…</xml>`, so WeChat Pay sends it again.
    #[derive(Debug)]
    pub struct V2Rejection(pub Error);

    /// The throttle of API v2 callback rejections.
    static REJECTION_LOG: crate::notify::verify::RejectionThrottle =
        crate::notify::verify::RejectionThrottle::new();

    impl IntoResponse for V2Rejection {
        fn into_response(self) -> Response {
            // The error may quote the sender's `return_msg`: bounded and escaped, and throttled
            // (one warning per 10 s, the rest at debug level) against floods of forged callbacks.
            let error = crate::notify::verify::loggable(&self.0.to_string());
            match REJECTION_LOG.admit() {
                Some(held_back) => tracing::warn!(
                    %error,
                    held_back,
                    "v2 callback rejected ({held_back} more rejected since the previous warning)"
                ),
                None => tracing::debug!(%error, "v2 callback rejected"),
            }
            let (status, reason) = match &self.0 {
                Error::Config(_) => (StatusCode::INTERNAL_SERVER_ERROR, "商户配置错误"),
                error if error.is_verification_failure() => (StatusCode::BAD_REQUEST, "签名失败"),
                _ => (StatusCode::BAD_REQUEST, "报文格式错误"),
            };
            xml_response(status, fail_answer(reason))
        }
    }

    fn xml_response(status: StatusCode, body: String) -> Response {
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        );
        response
    }

    /// `200` with [`SUCCESS_ANSWER`]: the callback was handled.
    pub fn success() -> Response {
        xml_response(StatusCode::OK, SUCCESS_ANSWER.to_owned())
    }

    impl<S> FromRequest<S> for VerifiedV2Event
    where
        Client: FromRef<S>,
        S: Send + Sync,
    {
        type Rejection = V2Rejection;

        async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
            let client = Client::from_ref(state);
            let notifications = client.v2_notifications().map_err(V2Rejection)?;
            let body = crate::notify::verify::axum::read_body(
                request.into_body(),
                xml::MAX_XML_BYTES,
                None,
            )
            .await
            .map_err(V2Rejection)?;
            notifications.parse(&body).map(Self).map_err(V2Rejection)
        }
    }
}
