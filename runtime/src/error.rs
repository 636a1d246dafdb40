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
        "WeChat Pay answered {status} {code}: {message}{}",
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
    },

    /// A successful (`2xx`) answer, or a callback, came without the `Wechatpay-*` signature
    /// headers. It is treated as forged and its body is discarded.
    #[error(
        "the {subject} has no WeChat Pay signature (missing header `{missing}`); it was discarded as possibly forged{}",
        request_id_suffix(request_id)
    )]
    Unsigned {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The first missing header.
        missing: &'static str,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
    },

    /// The signature of an answer or callback does not verify with the key its `Wechatpay-Serial`
    /// names: the body was altered in transit or signed with another key. The body was discarded.
    #[error(
        "the {subject}'s signature does not verify with the WeChat Pay key `{serial}`: the body was altered or signed by another key; it was discarded{}",
        request_id_suffix(request_id)
    )]
    BadSignature {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The key the answer named.
        serial: String,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
    },

    /// WeChat Pay sent a deliberately invalid signature (`WECHATPAY/SIGNTEST/…`) to check that this
    /// merchant verifies answers. Rejecting it is the correct behaviour; nothing needs fixing.
    #[error(
        "the {subject} carries a WeChat Pay signature probe (`WECHATPAY/SIGNTEST/`) and was rejected as it must be{}",
        request_id_suffix(request_id)
    )]
    SignatureProbe {
        /// What was refused: an answer or a callback.
        subject: Subject,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
    },

    /// The `Wechatpay-Timestamp` of an answer or callback is more than 300 seconds away from this
    /// machine's clock: a replay, or a wrong clock here (check NTP).
    #[error(
        "the {subject}'s timestamp {timestamp} is {skew} s away from this machine's clock {now} (at most 300 s are allowed): a replay, or check this machine's clock{}",
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
    },

    /// An answer or callback names a key (`Wechatpay-Serial`) this client does not hold.
    #[error(
        "the {subject} is signed with WeChat Pay key `{serial}`, which this client does not know (it knows {known}); configure that public key or platform certificate{}",
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
    },

    /// A signature header is present but malformed (not Base64, a timestamp that is not a number).
    #[error(
        "the {subject}'s header `{header}` is malformed: {problem}{}",
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
    },

    /// WeChat Pay answered `429 RATELIMIT_EXCEEDED`. Not retried: slow down (spread bulk jobs such
    /// as monthly deductions over time) and send again later.
    #[error(
        "WeChat Pay rate limit exceeded: {message}; slow down and retry later{}",
        request_id_suffix(request_id)
    )]
    RateLimited {
        /// The message WeChat Pay gave.
        message: String,
        /// The `Request-ID` header, when present.
        request_id: Option<String>,
    },

    /// The verified answer could not be decoded into the declared response type.
    #[error(
        "the verified answer of `{endpoint}` does not decode as the declared response type: {source}{}",
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
    #[error("no answer from {url} within {timeout_ms} ms")]
    Timeout {
        /// The URL called.
        url: String,
        /// The timeout that expired.
        timeout_ms: u64,
    },

    /// The connection failed or broke (refused, reset, TLS failure, truncated answer).
    #[error("transport error calling {url}: {source}")]
    Transport {
        /// The URL called.
        url: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The answer body exceeded the configured size limit; it was discarded.
    #[error("the answer from {url} exceeds the limit of {limit} bytes and was discarded")]
    BodyTooLarge {
        /// The URL called.
        url: String,
        /// The limit in bytes.
        limit: usize,
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

    /// An API v2 answer or callback failed: refused, unsigned, forged, malformed, or a business
    /// failure with its `err_code` (see [`crate::v2::V2Error`]).
    #[error(transparent)]
    V2(#[from] crate::v2::V2Error),

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

fn request_id_suffix(request_id: &Option<String>) -> String {
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
            | Error::RateLimited { request_id, .. }
            | Error::Unsigned { request_id, .. }
            | Error::BadSignature { request_id, .. }
            | Error::SignatureProbe { request_id, .. }
            | Error::StaleTimestamp { request_id, .. }
            | Error::UnknownSerial { request_id, .. }
            | Error::MalformedHeader { request_id, .. }
            | Error::Decode { request_id, .. }
            | Error::Notification { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The WeChat Pay error code (`PARAM_ERROR`, `SIGN_ERROR`, …) for [`Error::Api`]; `err_code`
    /// (or `return_code`) for [`Error::V2`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
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

    pub(crate) fn key(source_name: Option<&std::path::Path>, problem: impl Into<String>) -> Self {
        Error::Key {
            source_name: source_name.map(std::path::Path::to_path_buf),
            problem: problem.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
