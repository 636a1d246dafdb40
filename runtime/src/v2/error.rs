//! What a v2 answer or callback can fail with ([`V2Error`]), and the sign types ([`SignType`]):
//! at the bottom of the layers, so that [`crate::Error`] can carry a v2 error without depending
//! on the v2 protocol.

use std::fmt;

use super::xml::{Fields, XmlError, field};
use crate::error::{Attempts, attempts_suffix, request_id_suffix};

/// How a v2 message is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignType {
    /// `MD5`: the default of every v2 operation, and the only one some accept (papay contract
    /// query and deletion).
    #[default]
    Md5,
    /// `HMAC-SHA256`, keyed with the APIv2 key; sent as `sign_type=HMAC-SHA256`.
    HmacSha256,
}

impl SignType {
    /// The wire name: `MD5` or `HMAC-SHA256`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Md5 => "MD5",
            SignType::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// The sign type a wire name stands for.
    pub fn from_wire(name: &str) -> Option<Self> {
        match name {
            "MD5" => Some(SignType::Md5),
            "HMAC-SHA256" => Some(SignType::HmacSha256),
            _ => None,
        }
    }

    /// The length of a signature in hex.
    pub(crate) fn hex_len(self) -> usize {
        match self {
            SignType::Md5 => 32,
            SignType::HmacSha256 => 64,
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `err_code`s WeChat Pay's v2 pages document as "the outcome is not known yet": the
/// operation may have been done, or may still be done. Query by your own id (or send the very
/// same request again, same `out_trade_no` / `partner_trade_no` / `mch_billno`) before anything
/// else; never issue it again under a new id.
///
/// - `SYSTEMERROR`: every money-moving v2 operation (企业付款 `mmpaymkttransfers/promotion/transfers`
///   "请使用原单号以及原请求参数重试", 付款到银行卡, 红包 "请求已受理，请稍后使用原单号查询发放结果",
///   `secapi/pay/refund` "请用相同参数再次调用API", `pay/micropay` "请立即调用被扫订单结果查询API",
///   `pay/unifiedorder`, `pay/pappayapply`, `secapi/pay/reverse`);
/// - `USERPAYING` (`pay/micropay`: the user is entering the password, "等待5秒，然后调用被扫订单结果查询API");
/// - `BANKERROR` (`pay/micropay`: "银行系统异常 … 请立即调用被扫订单结果查询API");
/// - `BIZERR_NEED_RETRY` (`secapi/pay/refund`: "请用相同参数再次调用");
/// - `PROCESSING` (red packets: "请求已受理，请稍后使用原单号查询发放结果").
///
/// Besides these, a transfer's `SEND_FAILED` ("付款错误: 请查单确认付款结果，以查单结果为准") is
/// unknown for the transfer operations ([`outcome_unknown_code`]).
pub const OUTCOME_UNKNOWN_CODES: [&str; 5] = [
    "SYSTEMERROR",
    "USERPAYING",
    "BANKERROR",
    "BIZERR_NEED_RETRY",
    "PROCESSING",
];

/// The transfer operations whose `SEND_FAILED` means "query the transfer before deciding".
const TRANSFERS: [&str; 2] = [
    "mmpaymkttransfers/promotion/transfers",
    "mmpaymkttransfers/promotion/paywwsptrans2pocket",
];

/// Whether WeChat Pay documents `err_code` of the v2 operation `endpoint` as an outcome not known
/// yet (see [`OUTCOME_UNKNOWN_CODES`]).
pub fn outcome_unknown_code(endpoint: &str, err_code: &str) -> bool {
    OUTCOME_UNKNOWN_CODES.contains(&err_code)
        || (err_code == "SEND_FAILED" && TRANSFERS.contains(&endpoint))
}

fn unknown_hint(endpoint: &str, err_code: &str) -> &'static str {
    if outcome_unknown_code(endpoint, err_code) {
        " (WeChat Pay documents this code as an outcome not known yet: query by your own id, or send the very same request again, before anything else)"
    } else {
        ""
    }
}

fn err_code_suffix(err: Option<&ErrCode>) -> String {
    match err {
        Some(ErrCode {
            err_code,
            err_code_des,
        }) if err_code_des.is_empty() => format!(" (err_code {err_code})"),
        Some(ErrCode {
            err_code,
            err_code_des,
        }) => format!(" (err_code {err_code}: {err_code_des})"),
        None => String::new(),
    }
}

/// The `err_code` and `err_code_des` a v2 refusal ([`V2Error::Refused`]) carries besides its
/// `return_msg`, when it has an `err_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrCode {
    /// `err_code`, such as `SYSTEMERROR`.
    pub err_code: String,
    /// `err_code_des` (empty when the answer has none).
    pub err_code_des: String,
}

/// What went wrong with a v2 answer or callback. Each case names the operation (`papay/querycontract`,
/// or the callback); the cases about an answer carry its `Request-ID` (when it had one) and the
/// call's [`Attempts`] (see [`crate::Error::outcome_unknown`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum V2Error {
    /// `return_code` is not `SUCCESS`: WeChat Pay refused the request itself (a wrong signature,
    /// a malformed request, a merchant without the permission). Of the answer only `return_msg`,
    /// and `err_code`/`err_code_des` when it has them, are used.
    #[error(
        "WeChat Pay refused the v2 request `{endpoint}`: return_code {return_code}: {return_msg}{}{}{}{}",
        err_code_suffix(err.as_deref()),
        err.as_deref().map_or("", |err| unknown_hint(endpoint, &err.err_code)),
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    #[non_exhaustive]
    Refused {
        /// The operation.
        endpoint: String,
        /// `return_code` (`FAIL`).
        return_code: String,
        /// `return_msg`, such as `签名错误` (wrong signature: check the APIv2 key and sign type).
        return_msg: String,
        /// `err_code` and `err_code_des`, when the refusal carries an `err_code` (some
        /// operations send `SYSTEMERROR` here); also read by [`V2Error::err_code`] and
        /// [`V2Error::err_code_des`].
        err: Option<Box<ErrCode>>,
        /// The `Request-ID` header of the answer, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it.
        attempts: Attempts,
    },
    /// The answer has `result_code=FAIL`: the business operation failed, or (for the codes of
    /// [`OUTCOME_UNKNOWN_CODES`]) its outcome is not known yet.
    #[error(
        "v2 `{endpoint}` failed: {err_code}: {err_code_des}{}{}{}",
        unknown_hint(endpoint, err_code),
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    #[non_exhaustive]
    Business {
        /// The operation.
        endpoint: String,
        /// `err_code`, such as `CONTRACT_NOT_EXIST`, `ORDERPAID`, `SYSTEMERROR`.
        err_code: String,
        /// `err_code_des`, the description WeChat Pay gave.
        err_code_des: String,
        /// The `Request-ID` header of the answer, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it.
        attempts: Attempts,
    },
    /// The answer of an operation WeChat Pay signs has no `sign`: it was discarded as possibly
    /// forged.
    #[error(
        "the v2 answer of `{endpoint}` carries no `sign`; it was discarded as possibly forged{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    #[non_exhaustive]
    Unsigned {
        /// The operation.
        endpoint: String,
        /// The `Request-ID` header of the answer, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it.
        attempts: Attempts,
    },
    /// The answer's `sign` does not verify with the APIv2 key: altered, or signed with another
    /// key. It was discarded.
    #[error(
        "the v2 answer of `{endpoint}` has a `sign` that does not verify with the APIv2 key: it was altered or signed with another key, and was discarded{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    #[non_exhaustive]
    BadSignature {
        /// The operation.
        endpoint: String,
        /// The `Request-ID` header of the answer, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it.
        attempts: Attempts,
    },
    /// The answer is signed with another sign type than the request's. It was discarded.
    #[error(
        "the v2 answer of `{endpoint}` is signed as {found}, but the request was signed {expected}; it was discarded{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    #[non_exhaustive]
    WrongSignType {
        /// The operation.
        endpoint: String,
        /// The request's sign type.
        expected: SignType,
        /// What the answer showed (its `sign_type`, or the length of its `sign`).
        found: String,
        /// The `Request-ID` header of the answer, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it.
        attempts: Attempts,
    },
    /// The body is not the flat XML WeChat Pay sends.
    #[error(
        "the v2 answer of `{endpoint}` is not WeChat Pay XML: {error}{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    #[non_exhaustive]
    Malformed {
        /// The operation.
        endpoint: String,
        /// What is wrong, and where.
        #[source]
        error: XmlError,
        /// The `Request-ID` header of the answer, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it.
        attempts: Attempts,
    },
    /// The operation needs the client certificate (mutual TLS) and the client has none.
    #[error(
        "v2 `{endpoint}` needs the merchant API certificate for mutual TLS: configure it with ClientBuilder::client_certificate (apiclient_cert.pem and apiclient_key.pem) or WECHATPAY_MERCHANT_CERTIFICATE"
    )]
    ClientCertificateRequired {
        /// The operation.
        endpoint: String,
    },
}

impl V2Error {
    /// Whether the answer failed verification (it may be forged) and was discarded.
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            V2Error::Unsigned { .. } | V2Error::BadSignature { .. } | V2Error::WrongSignType { .. }
        )
    }

    /// `err_code` of a business failure or of a refusal that carries one, else `return_code` of
    /// a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            V2Error::Business { err_code, .. } => Some(err_code),
            V2Error::Refused {
                err, return_code, ..
            } => Some(err.as_deref().map_or(return_code, |err| &err.err_code)),
            _ => None,
        }
    }

    /// `err_code` of a business failure, or of a refusal that carries one.
    pub fn err_code(&self) -> Option<&str> {
        match self {
            V2Error::Business { err_code, .. } => Some(err_code),
            V2Error::Refused { err, .. } => err.as_deref().map(|err| err.err_code.as_str()),
            _ => None,
        }
    }

    /// `err_code_des` of a business failure, or of a refusal that carries one.
    pub fn err_code_des(&self) -> Option<&str> {
        match self {
            V2Error::Business { err_code_des, .. } => Some(err_code_des),
            V2Error::Refused { err, .. } => err.as_deref().map(|err| err.err_code_des.as_str()),
            _ => None,
        }
    }

    /// Whether what the answer says leaves the outcome unknown although it was read: an
    /// `err_code` WeChat Pay documents so ([`outcome_unknown_code`]), or a body that is not
    /// WeChat Pay XML. (Verification failures count too; see [`V2Error::is_verification_failure`].)
    pub(crate) fn answer_leaves_outcome_unknown(&self) -> bool {
        match self {
            V2Error::Malformed { .. } => true,
            V2Error::Business {
                endpoint, err_code, ..
            } => outcome_unknown_code(endpoint, err_code),
            V2Error::Refused {
                endpoint,
                err: Some(err),
                ..
            } => outcome_unknown_code(endpoint, &err.err_code),
            _ => false,
        }
    }

    /// The `Request-ID` of the answer this error concerns, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            V2Error::Refused { request_id, .. }
            | V2Error::Business { request_id, .. }
            | V2Error::Unsigned { request_id, .. }
            | V2Error::BadSignature { request_id, .. }
            | V2Error::WrongSignType { request_id, .. }
            | V2Error::Malformed { request_id, .. } => request_id.as_deref(),
            V2Error::ClientCertificateRequired { .. } => None,
        }
    }

    /// The same error with the `Request-ID` of the answer it concerns.
    pub(crate) fn with_request_id(mut self, id: Option<String>) -> Self {
        match &mut self {
            V2Error::Refused { request_id, .. }
            | V2Error::Business { request_id, .. }
            | V2Error::Unsigned { request_id, .. }
            | V2Error::BadSignature { request_id, .. }
            | V2Error::WrongSignType { request_id, .. }
            | V2Error::Malformed { request_id, .. } => *request_id = id,
            V2Error::ClientCertificateRequired { .. } => {}
        }
        self
    }

    pub(crate) fn unsigned(endpoint: &str) -> Self {
        V2Error::Unsigned {
            endpoint: endpoint.to_owned(),
            request_id: None,
            attempts: Attempts::default(),
        }
    }

    pub(crate) fn bad_signature(endpoint: &str) -> Self {
        V2Error::BadSignature {
            endpoint: endpoint.to_owned(),
            request_id: None,
            attempts: Attempts::default(),
        }
    }

    pub(crate) fn wrong_sign_type(endpoint: &str, expected: SignType, found: String) -> Self {
        V2Error::WrongSignType {
            endpoint: endpoint.to_owned(),
            expected,
            found,
            request_id: None,
            attempts: Attempts::default(),
        }
    }

    pub(crate) fn malformed(endpoint: &str, error: XmlError) -> Self {
        V2Error::Malformed {
            endpoint: endpoint.to_owned(),
            error,
            request_id: None,
            attempts: Attempts::default(),
        }
    }

    /// A refusal (`return_code` not `SUCCESS`) with what it says.
    pub(crate) fn refused(endpoint: &str, fields: &Fields) -> Self {
        let return_code = field(fields, "return_code").unwrap_or_default();
        V2Error::Refused {
            endpoint: endpoint.to_owned(),
            return_code: if return_code.is_empty() {
                "(none)".into()
            } else {
                return_code.to_owned()
            },
            return_msg: field(fields, "return_msg").unwrap_or_default().to_owned(),
            err: field(fields, "err_code")
                .filter(|code| !code.is_empty())
                .map(|code| {
                    Box::new(ErrCode {
                        err_code: code.to_owned(),
                        err_code_des: field(fields, "err_code_des").unwrap_or_default().to_owned(),
                    })
                }),
            request_id: None,
            attempts: Attempts::default(),
        }
    }
}
