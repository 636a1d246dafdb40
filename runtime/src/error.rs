//! The one error type of the crate: what failed, the `Request-ID` when there is one, what to check.

use std::path::PathBuf;

use http::StatusCode;

/// Everything that can go wrong between building a request and holding its verified, decoded answer.
///
/// Verification failures are errors in their own right and never yield data: a `2xx` answer that is
/// unsigned, signed with the wrong key, tampered with, stale, or a signature probe, is reported here and
/// its body is discarded.
///
/// Every variant that concerns an answer carries the `Request-ID` WeChat Pay gave it (when it gave
/// one); quote it to WeChat Pay support.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// WeChat Pay answered with an error (`4xx`/`5xx` with `{code, message, detail}`).
    #[error(
        "{} {status} {code}: {message}{}{}",
        if *verified { "WeChat Pay answered" } else { "an unsigned (unverified) answer said" },
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The error code, such as `PARAM_ERROR`, `SIGN_ERROR`, `ORDER_NOT_EXIST`.
        code: String,
        /// The human-readable message WeChat Pay gave (often Chinese).
        message: String,
        /// The `detail` object as WeChat Pay sent it (no fixed shape; `SIGN_ERROR` nests
        /// `sign_information` with the message the server computed).
        detail: Option<serde_json::Value>,
        /// The `Request-ID` header of the answer.
        request_id: Option<String>,
        /// Whether the error answer carried a WeChat Pay signature that verified. An unsigned
        /// error answer may come from a proxy or gateway on the way, or be forged: its code and
        /// message are kept only in part (at most 64 and 200 characters, `detail` at most 1 KiB).
        /// [`ClientBuilder::require_signed_errors`](crate::ClientBuilder::require_signed_errors)
        /// refuses such answers instead.
        verified: bool,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// WeChat Pay has no platform certificates for this merchant: `GET v3/certificates` answered
    /// `404 RESOURCE_NOT_EXISTS` (`无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥`), as it
    /// does for merchants onboarded since late 2024 and for those whose move to the WeChat Pay
    /// public key is complete. Such a merchant verifies answers and callbacks with the WeChat Pay
    /// public key: download it and its id (`PUB_KEY_ID_…`) from the merchant portal (账户中心 →
    /// API安全 → 微信支付公钥) and configure them with
    /// [`ClientBuilder::wechatpay_public_key`](crate::ClientBuilder::wechatpay_public_key), or
    /// `WECHATPAY_PUBLIC_KEY` and `WECHATPAY_PUBLIC_KEY_ID` for
    /// [`Client::from_env`](crate::Client::from_env). Nothing was downloaded and nothing changed.
    #[error(
        "WeChat Pay has no platform certificates for this merchant ({status} {code}: {message}{}): it signs with a WeChat Pay public key instead. Download that key and its id (PUB_KEY_ID_…) from the merchant portal (账户中心 > API安全 > 微信支付公钥) and configure them with ClientBuilder::wechatpay_public_key(WechatpayPublicKey::from_pem_file(id, path)), or set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID; such a client needs neither platform_certificates_from_api() nor WECHATPAY_PLATFORM_CERTIFICATE{}{}",
        if *verified { "" } else { "; an answer this client could not verify, as it holds none of the keys WeChat Pay signs with" },
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    NoPlatformCertificates {
        /// The HTTP status (`404`).
        status: StatusCode,
        /// The error code WeChat Pay gave (`RESOURCE_NOT_EXISTS`).
        code: String,
        /// The message WeChat Pay gave (`无可用的平台证书，…`).
        message: String,
        /// The `Request-ID` header of the answer.
        request_id: Option<String>,
        /// Whether the answer carried a WeChat Pay signature that verified with a key this client
        /// holds. A client without the public key cannot verify it, and is told what it lacks.
        verified: bool,
        /// How many attempts the call made (see [`Error::attempts`]).
        attempts: Attempts,
    },

    /// A successful (`2xx`) answer, or a callback, came without the `Wechatpay-*` signature
    /// headers. It is treated as forged and its body is discarded.
    #[error(
        "the {subject} has no WeChat Pay signature (missing header `{missing}`); it was discarded as possibly forged{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    Unsigned {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The first missing header.
        missing: &'static str,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// The signature of an answer or callback does not verify with the key its `Wechatpay-Serial`
    /// names: the body was altered in transit or signed with another key. The body was discarded.
    #[error(
        "the {subject}'s signature does not verify with the WeChat Pay key `{serial}`: the body was altered or signed by another key; it was discarded{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    BadSignature {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The key the answer named.
        serial: String,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// WeChat Pay sent a deliberately invalid signature (`WECHATPAY/SIGNTEST/…`) to check that this
    /// merchant verifies answers. Rejecting it is the correct behaviour; nothing needs fixing.
    #[error(
        "the {subject} carries a WeChat Pay signature probe (`WECHATPAY/SIGNTEST/`) and was rejected as it must be{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    SignatureProbe {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// The `Wechatpay-Timestamp` of an answer or callback is more than 300 seconds away from this
    /// machine's clock: a replay, or a wrong clock here (check NTP).
    #[error(
        "the {subject}'s timestamp {timestamp} is {skew} s away from this machine's clock {now} (at most 300 s are allowed): a replay, or check this machine's clock{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    StaleTimestamp {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The `Wechatpay-Timestamp` of the answer (Unix seconds).
        timestamp: i64,
        /// This machine's clock (Unix seconds).
        now: i64,
        /// `|now - timestamp|` in seconds.
        skew: u64,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// An answer or callback names a key (`Wechatpay-Serial`) this client does not hold.
    #[error(
        "the {subject} is signed with WeChat Pay key `{serial}`, which this client does not know (it knows {known}); {}{}{}",
        unknown_serial_hint(serial),
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    UnknownSerial {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The serial the answer named.
        serial: String,
        /// The serials this client holds, comma-separated.
        known: String,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// A signature header is present but malformed (not Base64, a timestamp that is not a number).
    #[error(
        "the {subject}'s header `{header}` is malformed: {problem}{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    MalformedHeader {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The header name.
        header: &'static str,
        /// What is wrong with it.
        problem: String,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// WeChat Pay answered `429 RATELIMIT_EXCEEDED`. Not retried: slow down (spread bulk jobs such
    /// as monthly deductions over time) and send again later.
    #[error(
        "WeChat Pay rate limit exceeded: {message}; slow down and retry later{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    RateLimited {
        /// The message WeChat Pay gave.
        message: String,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// The verified answer could not be decoded into the declared response type.
    #[error(
        "the verified answer of `{endpoint}` does not decode as the declared response type: {source}{}{}",
        attempts_suffix(attempts),
        request_id_suffix(request_id)
    )]
    Decode {
        /// The call: its method and path template, as declared (`POST v3/papay/contracts/{contract_id}/notify`);
        /// for a request sent with [`Client::request`](crate::Client::request), its method and path.
        endpoint: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// The request could not be rendered (an empty path parameter, a field that cannot be encoded).
    #[error("the request for `{endpoint}` cannot be sent: {problem}")]
    InvalidRequest {
        /// The endpoint path template.
        endpoint: &'static str,
        /// What is wrong.
        problem: String,
    },

    /// The client is configured wrongly (a missing setting, a non-HTTPS base URL, an unreadable key file).
    #[error("configuration: {0}")]
    Config(String),

    /// A key or certificate could not be loaded.
    #[error("{}: {problem}", source_name.as_deref().map_or_else(|| "key".into(), |p| p.display().to_string()))]
    Key {
        /// The file the key came from, when it came from a file.
        source_name: Option<PathBuf>,
        /// What is wrong and what to do.
        problem: String,
    },

    /// No answer arrived within the configured timeout. The request may or may not have been
    /// processed: query before repeating it with new parameters.
    #[error(
        "no answer from {url} within {timeout_ms} ms{}",
        attempts_suffix(attempts)
    )]
    Timeout {
        /// The URL called.
        url: String,
        /// The timeout that expired.
        timeout_ms: u64,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// The connection failed or broke (refused, reset, TLS failure, truncated answer).
    #[error("transport error calling {url}: {}{}", CauseChain(&**source), attempts_suffix(attempts))]
    Transport {
        /// The URL called.
        url: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// The answer body exceeded the configured size limit; it was discarded.
    #[error(
        "the answer from {url} exceeds the limit of {limit} bytes and was discarded{}",
        attempts_suffix(attempts)
    )]
    BodyTooLarge {
        /// The URL called.
        url: String,
        /// The limit in bytes.
        limit: usize,
        /// How many attempts the call made, and whether WeChat Pay may have acted on it
        /// (see [`Error::outcome_unknown`]).
        attempts: Attempts,
    },

    /// Encrypted data could not be decrypted (a wrong APIv3 key, altered data, a malformed field).
    #[error("cannot decrypt the {what}: {problem}")]
    Decrypt {
        /// What was being decrypted.
        what: String,
        /// What went wrong and what to check.
        problem: String,
    },

    /// A callback passed signature verification but cannot be used: the envelope is not the JSON
    /// WeChat Pay documents, the resource uses an unsupported algorithm, or the decrypted resource
    /// does not decode as the expected type. No data was returned.
    #[error(
        "the callback cannot be used: {problem}{}",
        request_id_suffix(request_id)
    )]
    Notification {
        /// What is wrong and what to check.
        problem: String,
        /// The `Request-ID` header of the callback, when present.
        request_id: Option<String>,
    },

    /// A downloaded file does not match the digest its signed bill answer gave: it was altered or
    /// cut short. Whatever was written of it is not the bill.
    #[error(
        "the file downloaded from {url} has SHA-1 {actual}, not the {expected} its bill answer gave: it was altered or incomplete; discard it and download again"
    )]
    DigestMismatch {
        /// The digest from the signed bill answer.
        expected: String,
        /// The digest of what arrived.
        actual: String,
        /// The download URL.
        url: String,
    },

    /// A file WeChat Pay does not sign ([`Client::download`](crate::Client::download)) does not
    /// match the digest an earlier, signed answer gave for it: it was altered or cut short.
    /// Whatever was written of it is not the file.
    #[error(
        "the file downloaded from {url} has {algorithm} {actual}, not the {expected} its signed answer gave: it was altered or incomplete; discard it and download again"
    )]
    FileDigestMismatch {
        /// The algorithm: `SHA1` or `SHA256`.
        algorithm: &'static str,
        /// The digest given, lower-case hex.
        expected: String,
        /// The digest of what arrived, lower-case hex.
        actual: String,
        /// The download URL, without its query.
        url: String,
    },

    /// An API v2 answer or callback failed: refused, unsigned, forged, malformed, or a business
    /// failure with its `err_code` (see [`crate::v2::error::V2Error`]). The cases about an answer carry
    /// the call's attempts and `Request-ID`, like the v3 variants.
    #[error(transparent)]
    V2(#[from] crate::v2::error::V2Error),

    /// [`Client::resolve`](crate::Client::resolve) could not learn what became of a call whose
    /// outcome was unknown: its queries kept failing until the attempts or the time allowed ran
    /// out, or failed in a way a retry cannot mend, or could not be sent. The outcome is STILL unknown
    /// ([`Error::outcome_unknown`] is `true`): do not issue the operation under a new merchant
    /// number; resolve again later, or send the very same request again.
    #[error(
        "the outcome of the call for {subject} is still unknown: {queries} queries in {elapsed_ms} ms did not settle it ({gave_up}); the last one failed: {last}"
    )]
    Unresolved {
        /// The call whose outcome is unknown, by its path template, and the merchant number it
        /// was queried by: `v3/pay/transactions/jsapi (out_trade_no 1217752501201407033233368018)`.
        subject: String,
        /// How many queries were sent.
        queries: u32,
        /// How long resolving took, in milliseconds.
        elapsed_ms: u64,
        /// Why it stopped: the attempts or the time ran out, or an error a retry cannot mend.
        gave_up: String,
        /// The last query's error.
        #[source]
        last: Box<Error>,
    },

    /// A local I/O failure (the sandbox binding its port, writing a key file).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// What a verification error refused: an answer to a call, or a callback WeChat Pay sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subject {
    /// The answer to a call this client made.
    Answer,
    /// A callback (notification) WeChat Pay sent to the merchant.
    Callback,
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Subject::Answer => "answer",
            Subject::Callback => "callback",
        })
    }
}

/// A failed call's attempts: how many requests were tried, and whether one of them may have
/// taken effect at WeChat Pay.
///
/// Errors that do not come from sending a request (configuration, keys, callbacks) carry the
/// default: no attempt, nothing unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    pub(crate) count: u32,
    pub(crate) outcome_unknown: bool,
}

impl Attempts {
    /// How many attempts were made: the first request, failovers to a backup host and retries
    /// of `5xx` answers.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether WeChat Pay may have acted on the request; see [`Error::outcome_unknown`].
    pub fn outcome_unknown(&self) -> bool {
        self.outcome_unknown
    }
}

/// An error and its causes, each after a colon: the root cause is what a reader needs
/// ("Connection refused", "certificate not valid for name …").
struct CauseChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for CauseChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut shown = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let text = error.to_string();
            // Some errors repeat their source's message in their own; say it once.
            if !shown.contains(&text) {
                write!(f, ": {text}")?;
                shown = text;
            }
            cause = error.source();
        }
        Ok(())
    }
}

pub(crate) fn attempts_suffix(attempts: &Attempts) -> String {
    match attempts.count {
        0 | 1 => String::new(),
        n => format!(" (after {n} attempts)"),
    }
}

/// Matches the variants that end a call (they carry its [`Attempts`]).
macro_rules! call_attempts {
    ($error:expr, $attempts:ident => $then:expr, _ => $otherwise:expr) => {
        match $error {
            Error::Api { $attempts, .. }
            | Error::NoPlatformCertificates { $attempts, .. }
            | Error::Unsigned { $attempts, .. }
            | Error::BadSignature { $attempts, .. }
            | Error::SignatureProbe { $attempts, .. }
            | Error::StaleTimestamp { $attempts, .. }
            | Error::UnknownSerial { $attempts, .. }
            | Error::MalformedHeader { $attempts, .. }
            | Error::RateLimited { $attempts, .. }
            | Error::Decode { $attempts, .. }
            | Error::Timeout { $attempts, .. }
            | Error::Transport { $attempts, .. }
            | Error::BodyTooLarge { $attempts, .. } => $then,
            Error::V2(
                crate::v2::error::V2Error::Refused { $attempts, .. }
                | crate::v2::error::V2Error::Business { $attempts, .. }
                | crate::v2::error::V2Error::Unsigned { $attempts, .. }
                | crate::v2::error::V2Error::BadSignature { $attempts, .. }
                | crate::v2::error::V2Error::WrongSignType { $attempts, .. }
                | crate::v2::error::V2Error::Malformed { $attempts, .. },
            ) => $then,
            _ => $otherwise,
        }
    };
}

/// What to configure for an unknown `Wechatpay-Serial`: a `PUB_KEY_ID_…` is a WeChat Pay public
/// key (during a migration, or for a merchant without platform certificates), anything else a
/// platform certificate.
fn unknown_serial_hint(serial: &str) -> &'static str {
    if serial.starts_with("PUB_KEY_ID_") {
        "configure that WeChat Pay public key and its id (ClientBuilder::wechatpay_public_key, or WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID)"
    } else {
        "configure that platform certificate (ClientBuilder::platform_certificate, or platform_certificates_from_api() with the APIv3 key to download it)"
    }
}

pub(crate) fn request_id_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(" (Request-ID {id})"),
        None => String::new(),
    }
}

impl Error {
    /// The `Request-ID` of the answer this error concerns, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. }
            | Error::NoPlatformCertificates { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::Unsigned { request_id, .. }
            | Error::BadSignature { request_id, .. }
            | Error::SignatureProbe { request_id, .. }
            | Error::StaleTimestamp { request_id, .. }
            | Error::UnknownSerial { request_id, .. }
            | Error::MalformedHeader { request_id, .. }
            | Error::Decode { request_id, .. }
            | Error::Notification { request_id, .. } => request_id.as_deref(),
            Error::V2(error) => error.request_id(),
            Error::Unresolved { last, .. } => last.request_id(),
            _ => None,
        }
    }

    /// The WeChat Pay error code (`PARAM_ERROR`, `SIGN_ERROR`, …) for [`Error::Api`]; `err_code`
    /// (or `return_code`) for [`Error::V2`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } | Error::NoPlatformCertificates { code, .. } => Some(code),
            Error::V2(error) => error.code(),
            _ => None,
        }
    }

    /// Whether this error means the answer failed verification (it may be forged) and was discarded.
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            Error::Unsigned { .. }
                | Error::BadSignature { .. }
                | Error::SignatureProbe { .. }
                | Error::StaleTimestamp { .. }
                | Error::UnknownSerial { .. }
                | Error::MalformedHeader { .. }
        ) || matches!(self, Error::V2(error) if error.is_verification_failure())
    }

    /// The same verification error, worded for a callback rather than an answer.
    pub(crate) fn for_callback(mut self) -> Self {
        match &mut self {
            Error::Unsigned { subject, .. }
            | Error::BadSignature { subject, .. }
            | Error::SignatureProbe { subject, .. }
            | Error::StaleTimestamp { subject, .. }
            | Error::UnknownSerial { subject, .. }
            | Error::MalformedHeader { subject, .. } => *subject = Subject::Callback,
            _ => {}
        }
        self
    }

    /// How many requests the call made before it failed: the first, failovers to a backup host
    /// and retries of `5xx` answers. `0` for errors that arose before anything was sent
    /// (configuration, rendering, keys) or outside a call (callbacks). For
    /// [`Error::Unresolved`], the queries sent.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Unresolved { queries, .. } => *queries,
            other => call_attempts!(other, attempts => attempts.count, _ => 0),
        }
    }

    /// Whether WeChat Pay may have acted on the request although the call failed: a request was
    /// written and its answer was lost, cut off, timed out, a `5xx`, or failed verification,
    /// or a verified success did not decode; for API v2 also an answer that is not WeChat Pay
    /// XML, and an `err_code` WeChat Pay documents as "query before retrying" (`SYSTEMERROR`,
    /// `USERPAYING`, `BANKERROR` …, see [`crate::v2::OUTCOME_UNKNOWN_CODES`]).
    ///
    /// When this is true, do not issue the operation again under new ids: query it by your own
    /// id (`out_trade_no`, `out_refund_no`, `out_contract_code` …) first, or send the very same
    /// request again (WeChat Pay keys it by that id, so it cannot act twice). When it is false,
    /// the request was not sent or WeChat Pay refused it.
    ///
    /// [`Client::resolve`](crate::Client::resolve) does that query for the money-moving calls
    /// that have one; the example below is what it saves you from writing.
    ///
    /// ```no_run
    /// use wechatpay::v3::papay::ApplyDeduction;
    /// use wechatpay::v3::pay::QueryOrderByOutTradeNo;
    ///
    /// async fn deduct(client: &wechatpay::Client, request: &ApplyDeduction) -> Result<(), wechatpay::Error> {
    ///     match client.send(request).await {
    ///         Ok(_accepted) => Ok(()),
    ///         Err(error) if error.outcome_unknown() => {
    ///             // WeChat Pay may have taken it: ask by our own id before deciding anything.
    ///             let query = QueryOrderByOutTradeNo {
    ///                 out_trade_no: request.out_trade_no.clone(),
    ///                 mchid: client.mchid().to_owned(),
    ///             };
    ///             match client.send(&query).await {
    ///                 Ok(_order) => Ok(()), // it exists: record its trade_state
    ///                 // Not taken: send the same request (same out_trade_no) again.
    ///                 Err(e) if e.code() == Some("ORDER_NOT_EXIST") => Ok(()),
    ///                 Err(e) => Err(e), // still unknown: query later, never a new out_trade_no
    ///             }
    ///         }
    ///         Err(error) => Err(error), // refused, or never sent: correct it and send
    ///     }
    /// }
    /// ```
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Decode { .. } | Error::Unresolved { .. } => true,
            other => call_attempts!(other, attempts => attempts.outcome_unknown, _ => false),
        }
    }

    /// This error as the end of a call that made `call`.
    pub(crate) fn with_attempts(mut self, call: Attempts) -> Self {
        call_attempts!(&mut self, attempts => *attempts = call, _ => ());
        self
    }

    /// Whether an answer that was read leaves the outcome of the call unknown: it failed
    /// verification (it may be forged, and WeChat Pay's real answer was lost), a verified
    /// success did not decode, the v2 body is not WeChat Pay XML, or its `err_code` is one
    /// WeChat Pay documents as "query before retrying" ([`crate::v2::OUTCOME_UNKNOWN_CODES`]).
    /// The call loop sets [`Error::outcome_unknown`] from it for a request that was written.
    pub(crate) fn answer_leaves_outcome_unknown(&self) -> bool {
        self.is_verification_failure()
            || matches!(self, Error::Decode { .. })
            || matches!(self, Error::V2(error) if error.answer_leaves_outcome_unknown())
    }

    pub(crate) fn key(source_name: Option<&std::path::Path>, problem: impl Into<String>) -> Self {
        Error::Key {
            source_name: source_name.map(std::path::Path::to_path_buf),
            problem: problem.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// serde's message `text` with every quoted value replaced by `…`: `"…"` strings (serde writes
/// them with Rust escapes, so an escaped quote does not end one), `` `…` `` numbers and names,
/// and the variant of `unknown variant `…`, expected …` whole, whatever it holds. Field names
/// (`missing field `x``, `unknown field `x``, `field `x`: …`) stay.
pub(crate) fn without_quoted_values(text: &str) -> String {
    const UNKNOWN_VARIANT: &str = "unknown variant `";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['"', '`']) {
        let before = &rest[..start];
        let quote = rest.as_bytes()[start];
        let after = &rest[start + 1..];
        // Where the quoted text ends (the index of its closing quote in `after`).
        let end = if quote == b'`' && format!("{before}`").ends_with(UNKNOWN_VARIANT) {
            // The variant is written as it came, backticks included: it ends at the last
            // "`, expected", or at the last backtick.
            after.rfind("`, expected").or_else(|| after.rfind('`'))
        } else if quote == b'`' {
            after.find('`')
        } else {
            let mut escaped = false;
            after.char_indices().find_map(|(i, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes.then_some(i)
            })
        };
        out.push_str(before);
        let Some(end) = end else {
            // An unterminated quote: nothing after it is shown.
            out.push('…');
            return out;
        };
        let quoted = &after[..end];
        if quote == b'`' && before.ends_with("field ") && !quoted.contains(char::is_whitespace) {
            out.push('`');
            out.push_str(quoted);
            out.push('`');
        } else {
            out.push(char::from(quote));
            out.push('…');
            out.push(char::from(quote));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
