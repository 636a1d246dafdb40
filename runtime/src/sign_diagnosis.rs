//! `401 SIGN_ERROR`, explained: what WeChat Pay checked (`detail.sign_information`) compared with
//! what this client signed, and the cause named with what to fix.
//!
//! WeChat Pay answers a request whose signature does not hold with `401 SIGN_ERROR` and, in
//! `detail.sign_information`, the message it verified: `method`, `url`, `sign_message_length`
//! (bytes) and `truncated_sign_message` (the message with its body cut short). The client keeps
//! what it signed on the refused attempt ([`SignedRequest`]: method, target, timestamp, nonce,
//! the start and length of the body, the answer's `Date`; never the key or the signature; the
//! last 32 such attempts, by the answer's `Request-ID`), so that
//! [`Error::sign_error_diagnosis`] can tell the causes apart:
//!
//! | WeChat Pay shows | cause |
//! |---|---|
//! | "商户证书序列号有误", or another serial | [`SignErrorCause::WrongSerial`] |
//! | the timestamp rule, or a `Date` far from the signed timestamp | [`SignErrorCause::Clock`] |
//! | another method or URL | [`SignErrorCause::RequestLineChanged`] (re-encoded, case, prefix) |
//! | another length or body start | [`SignErrorCause::BodyChanged`] (a proxy re-serialised the JSON) |
//! | the very message signed | [`SignErrorCause::KeyMismatch`] (the key is not the serial's) |
//!
//! ```no_run
//! # async fn run(client: wechatpay::Client, request: wechatpay::v3::security::SecurityEcho) {
//! if let Err(error) = client.send(&request).await {
//!     if let Some(diagnosis) = error.sign_error_diagnosis() {
//!         eprintln!("{diagnosis}"); // the cause, what to fix, and both messages side by side
//!     }
//! }
//! # }
//! ```

use std::fmt;

use http::{HeaderMap, HeaderValue};

use crate::auth::{self, Authorization};
use crate::endpoint::RenderedRequest;
use crate::error::Error;

/// How many bytes of the signed body are kept for the comparison (WeChat Pay shows far fewer).
const BODY_KEPT: usize = 1024;

/// How far apart the signed timestamp and WeChat Pay's clock may be: WeChat Pay refuses requests
/// more than five minutes off.
const CLOCK_LIMIT_SECS: u64 = auth::MAX_SKEW_SECS;

/// What this client signed on the attempt WeChat Pay refused with `401 SIGN_ERROR`: the parts of
/// the signing message `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n` and the serial it named, with
/// only the start of the body kept. Neither the key nor the signature is kept.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    method: String,
    target: String,
    timestamp: i64,
    nonce: String,
    mchid: String,
    serial: String,
    body_start: Vec<u8>,
    body_length: usize,
    server_time: Option<i64>,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("body_length", &self.body_length)
            .field("server_time", &self.server_time)
            .finish_non_exhaustive()
    }
}

impl SignedRequest {
    /// The record of one signed attempt: the rendered request, the `Authorization` header it
    /// was sent with, and the time the answer's `Date` (or `Wechatpay-Timestamp`) gave.
    pub(crate) fn of_attempt(
        rendered: &RenderedRequest,
        authorization: &HeaderValue,
        server_time: Option<i64>,
    ) -> Option<Self> {
        let authorization = Authorization::parse(authorization.to_str().ok()?).ok()?;
        let body = rendered.signed_body().unwrap_or_default();
        Some(Self {
            method: rendered.method().as_str().to_owned(),
            target: rendered.target().to_owned(),
            timestamp: authorization.timestamp.parse().ok()?,
            nonce: authorization.nonce_str,
            mchid: authorization.mchid,
            serial: authorization.serial_no,
            body_start: body[..body.len().min(BODY_KEPT)].to_vec(),
            body_length: body.len(),
            server_time,
        })
    }

    /// The HTTP method signed.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target signed (path and `?query`, as sent).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The timestamp signed (Unix seconds).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The nonce signed.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The merchant id the `Authorization` header named.
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The merchant certificate serial the `Authorization` header named.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The length of the body signed, in bytes.
    pub fn body_length(&self) -> usize {
        self.body_length
    }

    /// The length of the whole signing message, in bytes: what WeChat Pay's
    /// `sign_message_length` should be.
    pub fn message_length(&self) -> usize {
        self.method.len()
            + self.target.len()
            + self.timestamp.to_string().len()
            + self.nonce.len()
            + self.body_length
            + 5
    }

    /// WeChat Pay's clock when it answered (the answer's `Date`, else its `Wechatpay-Timestamp`),
    /// Unix seconds.
    pub fn server_time(&self) -> Option<i64> {
        self.server_time
    }

    /// The signing message as WeChat Pay shows it: newlines as `\n`, the body cut after
    /// `body_chars` characters.
    pub fn message_preview(&self, body_chars: usize) -> String {
        let body = String::from_utf8_lossy(&self.body_start);
        let mut shown: String = body.chars().take(body_chars).collect();
        if shown.len() < self.body_length {
            shown.push('…');
        }
        escape(&format!(
            "{}\n{}\n{}\n{}\n{shown}\n",
            self.method, self.target, self.timestamp, self.nonce
        ))
    }
}

/// `detail.sign_information` of a `401 SIGN_ERROR`: what WeChat Pay verified. Every field is
/// optional (WeChat Pay leaves it out when it refused before computing the message).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInformation {
    /// The HTTP method WeChat Pay received.
    pub method: Option<String>,
    /// The request target (path and query) WeChat Pay received.
    pub url: Option<String>,
    /// The message WeChat Pay verified, its body cut short (newlines as real newlines).
    pub truncated_sign_message: Option<String>,
    /// The length of the message WeChat Pay verified, in bytes.
    pub sign_message_length: Option<u64>,
    /// The merchant certificate serial WeChat Pay used, when it says (`serial_no`, `cert_serial`).
    pub serial_no: Option<String>,
}

impl SignInformation {
    /// Reads `sign_information` from an error's `detail` (numbers may come as strings, and the
    /// message with its newlines escaped as `\n`).
    pub fn from_detail(detail: &serde_json::Value) -> Option<Self> {
        let info = detail.get("sign_information")?;
        let text = |names: &[&str]| {
            names.iter().find_map(|name| match info.get(*name)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        Some(Self {
            method: text(&["method"]),
            url: text(&["url"]),
            truncated_sign_message: text(&["truncated_sign_message"]).map(|m| unescape(&m)),
            sign_message_length: text(&["sign_message_length"]).and_then(|n| n.trim().parse().ok()),
            serial_no: text(&["serial_no", "cert_serial", "serial", "mch_serial_no"]),
        })
    }

    /// The truncated message's lines: method, target, timestamp, nonce, and the start of the body.
    fn parts(&self) -> Option<[&str; 5]> {
        let message = self.truncated_sign_message.as_deref()?;
        let mut parts = message.splitn(5, '\n');
        let mut next = || parts.next();
        let parsed = [next()?, next()?, next()?, next()?, next().unwrap_or("")];
        // The message ends with the body's `\n`; what is left is the start of the body.
        let mut parsed = parsed;
        parsed[4] = parsed[4].strip_suffix('\n').unwrap_or(parsed[4]);
        Some(parsed)
    }
}

/// Why WeChat Pay refused the request's signature, and so what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignErrorCause {
    /// WeChat Pay does not accept the merchant certificate serial the request named (or used
    /// another one): the serial is not the one of this merchant's current API certificate.
    WrongSerial {
        /// The serial this client named.
        ours: String,
        /// The serial WeChat Pay says it used, when it says.
        theirs: Option<String>,
    },
    /// WeChat Pay verified exactly the message this client signed, and the signature failed: the
    /// private key is not the key of the certificate `serial`.
    KeyMismatch {
        /// The serial this client named.
        serial: String,
    },
    /// WeChat Pay received another method or target than the one signed: something on the way
    /// re-encoded the path or query, changed its case, or added or stripped a prefix.
    RequestLineChanged {
        /// `METHOD target` as signed.
        ours: String,
        /// `METHOD target` as WeChat Pay received it.
        theirs: String,
        /// How they differ, in words.
        how: String,
    },
    /// WeChat Pay received another body than the one signed: a proxy or middleware re-serialised
    /// or re-encoded the JSON.
    BodyChanged {
        /// The length of the message signed, in bytes.
        ours_length: usize,
        /// The length of the message WeChat Pay verified, when it says.
        theirs_length: Option<u64>,
        /// The start of the body signed.
        ours_start: String,
        /// The start of the body WeChat Pay received.
        theirs_start: Option<String>,
    },
    /// The request's timestamp is too far from WeChat Pay's clock: this machine's clock is wrong.
    Clock {
        /// The timestamp signed (Unix seconds).
        signed_at: i64,
        /// WeChat Pay's clock (the answer's `Date`), when known.
        server_time: Option<i64>,
    },
    /// The answer does not say enough to tell the cause.
    Undetermined {
        /// What is known, and what to check.
        reason: String,
    },
}

/// A `401 SIGN_ERROR` explained: the cause, and both sides of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignDiagnosis {
    cause: SignErrorCause,
    signed: Option<SignedRequest>,
    checked: Option<SignInformation>,
    message: String,
}

impl SignDiagnosis {
    /// The cause named.
    pub fn cause(&self) -> &SignErrorCause {
        &self.cause
    }

    /// What this client signed on the refused attempt, when it was kept.
    pub fn signed(&self) -> Option<&SignedRequest> {
        self.signed.as_ref()
    }

    /// What WeChat Pay says it verified, when it said.
    pub fn checked(&self) -> Option<&SignInformation> {
        self.checked.as_ref()
    }

    /// The message WeChat Pay answered with.
    pub fn wechatpay_message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SignErrorCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignErrorCause::WrongSerial { ours, theirs } => {
                write!(
                    f,
                    "wrong merchant serial: WeChat Pay does not accept the merchant certificate serial `{ours}`"
                )?;
                if let Some(theirs) = theirs.as_deref().filter(|t| !t.eq_ignore_ascii_case(ours)) {
                    write!(f, " (it used `{theirs}`)")?;
                }
                write!(
                    f,
                    "; set WECHATPAY_MERCHANT_SERIAL (ClientBuilder::merchant_key) to the serial of the API certificate the private key belongs to (`openssl x509 -in apiclient_cert.pem -noout -serial`), and check in the merchant portal that this certificate was not replaced or revoked"
                )
            }
            SignErrorCause::KeyMismatch { serial } => write!(
                f,
                "the private key does not match the serial: WeChat Pay verified exactly the message this client signed, and the signature did not hold with certificate `{serial}`; use the apiclient_key.pem issued with that certificate (`openssl x509 -noout -modulus -in apiclient_cert.pem` and `openssl rsa -noout -modulus -in apiclient_key.pem` must print the same), or the serial of the certificate this key belongs to"
            ),
            SignErrorCause::RequestLineChanged { ours, theirs, how } => write!(
                f,
                "the request line changed on the way: this client signed `{ours}` but WeChat Pay received `{theirs}` ({how}); let the proxy or gateway forward the path and query byte for byte, or sign the target exactly as it is sent"
            ),
            SignErrorCause::BodyChanged {
                ours_length,
                theirs_length,
                ours_start,
                theirs_start,
            } => {
                write!(f, "the body changed on the way: ")?;
                match theirs_length {
                    Some(theirs) if *theirs != *ours_length as u64 => write!(
                        f,
                        "this client signed a {ours_length}-byte message, WeChat Pay verified a {theirs}-byte one"
                    )?,
                    _ => write!(
                        f,
                        "the message WeChat Pay verified differs from the one signed"
                    )?,
                }
                if let Some(theirs_start) = theirs_start {
                    write!(
                        f,
                        " (the body starts `{}` signed, `{}` received)",
                        escape(ours_start),
                        escape(theirs_start)
                    )?;
                }
                write!(
                    f,
                    "; a proxy, API gateway or middleware re-serialised or re-encoded the JSON (key order, spaces, escapes, charset): forward the body byte for byte, and sign the bytes that are sent"
                )
            }
            SignErrorCause::Clock {
                signed_at,
                server_time,
            } => {
                write!(f, "the clock: the request was signed at {signed_at}")?;
                if let Some(server) = server_time {
                    write!(
                        f,
                        ", {} s {} WeChat Pay's clock ({server})",
                        signed_at.abs_diff(*server),
                        if signed_at > server {
                            "ahead of"
                        } else {
                            "behind"
                        }
                    )?;
                }
                write!(
                    f,
                    "; WeChat Pay refuses requests more than 5 minutes off: synchronise this machine's clock (NTP)"
                )
            }
            SignErrorCause::Undetermined { reason } => f.write_str(reason),
        }
    }
}

impl fmt::Display for SignDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "401 SIGN_ERROR ({}): {}", self.message, self.cause)?;
        if let Some(signed) = &self.signed {
            write!(
                f,
                "\n  signed:   {} ({} bytes)",
                signed.message_preview(16),
                signed.message_length()
            )?;
        }
        if let Some(checked) = &self.checked
            && let Some(message) = &checked.truncated_sign_message
        {
            write!(f, "\n  verified: {}", escape(message))?;
            if let Some(length) = checked.sign_message_length {
                write!(f, " ({length} bytes)")?;
            }
        }
        Ok(())
    }
}

/// Newlines as `\n`, as WeChat Pay shows a signing message.
fn escape(text: &str) -> String {
    text.replace('\n', "\\n")
}

/// A message whose newlines came escaped (`\n` as two characters) with real newlines.
fn unescape(text: &str) -> String {
    if text.contains('\n') || !text.contains("\\n") {
        text.to_owned()
    } else {
        text.replace("\\n", "\n")
    }
}

/// How two request targets differ, in words.
fn target_difference(ours: &str, theirs: &str) -> String {
    let decoded = |t: &str| {
        percent_encoding::percent_decode_str(t)
            .decode_utf8_lossy()
            .into_owned()
    };
    let path = |t: &str| t.split('?').next().unwrap_or_default().to_owned();
    if ours.eq_ignore_ascii_case(theirs) {
        "they differ only in letter case, such as a percent-escape `%2f` written `%2F`".into()
    } else if decoded(ours) == decoded(theirs) {
        "they differ only in percent-encoding: something re-encoded the path or query".into()
    } else if path(ours) == path(theirs) {
        "the query differs: parameters re-ordered, re-encoded, added or removed".into()
    } else if theirs.ends_with(ours) || ours.ends_with(theirs) {
        "one has a path prefix the other lacks: a gateway adds or strips it; sign only the WeChat Pay path".into()
    } else {
        "the paths differ".into()
    }
}

/// Names the cause of a `SIGN_ERROR` from WeChat Pay's message and `detail`, and what this
/// client signed.
pub(crate) fn diagnose(
    message: &str,
    detail: Option<&serde_json::Value>,
    signed: Option<&SignedRequest>,
) -> SignDiagnosis {
    let checked = detail.and_then(SignInformation::from_detail);
    let cause = cause(message, checked.as_ref(), signed);
    SignDiagnosis {
        cause,
        signed: signed.cloned(),
        checked,
        message: message.to_owned(),
    }
}

fn cause(
    message: &str,
    checked: Option<&SignInformation>,
    signed: Option<&SignedRequest>,
) -> SignErrorCause {
    let lower = message.to_ascii_lowercase();
    let our_serial = signed.map(|s| s.serial.clone()).unwrap_or_default();
    // What WeChat Pay says outright comes first: its serial and its clock rules.
    if message.contains("序列号") || lower.contains("serial") {
        return SignErrorCause::WrongSerial {
            ours: our_serial,
            theirs: checked.and_then(|c| c.serial_no.clone()),
        };
    }
    if let (Some(theirs), Some(signed)) = (checked.and_then(|c| c.serial_no.as_deref()), signed)
        && !theirs.eq_ignore_ascii_case(&signed.serial)
    {
        return SignErrorCause::WrongSerial {
            ours: our_serial,
            theirs: Some(theirs.to_owned()),
        };
    }
    let clock_said = lower.contains("timestamp") || message.contains("时间");
    let clock_off = signed.is_some_and(|s| {
        s.server_time
            .is_some_and(|server| server.abs_diff(s.timestamp) > CLOCK_LIMIT_SECS)
    });
    if clock_said || clock_off {
        return SignErrorCause::Clock {
            signed_at: signed.map_or(0, |s| s.timestamp),
            server_time: signed.and_then(|s| s.server_time),
        };
    }
    let Some(checked) = checked else {
        return SignErrorCause::Undetermined {
            reason: format!(
                "WeChat Pay gave no sign_information (\"{message}\"): check that the Authorization header reaches it unchanged and names this merchant's mchid and certificate serial{}",
                signed
                    .map(|s| format!(" (`{}`, `{}`)", s.mchid, s.serial))
                    .unwrap_or_default()
            ),
        };
    };
    let Some(signed) = signed else {
        return SignErrorCause::Undetermined {
            reason: format!(
                "WeChat Pay verified `{}`, but what this client signed was not kept (the request was not sent through Client::send or Client::request)",
                escape(
                    checked
                        .truncated_sign_message
                        .as_deref()
                        .unwrap_or_default()
                )
            ),
        };
    };
    let parts = checked.parts();
    let their_method = checked
        .method
        .as_deref()
        .or(parts.map(|p| p[0]))
        .unwrap_or(&signed.method);
    let their_target = checked
        .url
        .as_deref()
        .or(parts.map(|p| p[1]))
        .unwrap_or(&signed.target);
    if their_method != signed.method || their_target != signed.target {
        let how = if their_target == signed.target {
            "the method differs".to_owned()
        } else {
            target_difference(&signed.target, their_target)
        };
        return SignErrorCause::RequestLineChanged {
            ours: format!("{} {}", signed.method, signed.target),
            theirs: format!("{their_method} {their_target}"),
            how,
        };
    }
    if let Some([_, _, timestamp, nonce, _]) = parts
        && (timestamp != signed.timestamp.to_string() || nonce != signed.nonce)
    {
        return SignErrorCause::Undetermined {
            reason: format!(
                "WeChat Pay verified timestamp {timestamp} and nonce {nonce}, but this client signed {} and {}: the Authorization header was changed on the way, or this answer is not to the attempt kept",
                signed.timestamp, signed.nonce
            ),
        };
    }
    let their_body = parts.map(|p| p[4]);
    let length_differs = checked
        .sign_message_length
        .is_some_and(|length| length != signed.message_length() as u64);
    // A cut in the middle of a multi-byte character shows as U+FFFD: compare what is whole.
    let start_differs = their_body.is_some_and(|body| {
        !signed
            .body_start
            .starts_with(body.trim_end_matches('\u{FFFD}').as_bytes())
    });
    if length_differs || start_differs {
        let shown = their_body.map_or(16, |b| b.chars().count().max(16));
        return SignErrorCause::BodyChanged {
            ours_length: signed.message_length(),
            theirs_length: checked.sign_message_length,
            ours_start: String::from_utf8_lossy(&signed.body_start)
                .chars()
                .take(shown)
                .collect(),
            theirs_start: their_body.map(str::to_owned),
        };
    }
    SignErrorCause::KeyMismatch {
        serial: signed.serial.clone(),
    }
}

/// WeChat Pay's clock from an answer: its `Date` (IMF-fixdate), else its `Wechatpay-Timestamp`.
pub(crate) fn answer_time(headers: &HeaderMap) -> Option<i64> {
    headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .or_else(|| {
            headers
                .get(auth::header::TIMESTAMP)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        })
}

/// Unix seconds of an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_http_date(text: &str) -> Option<i64> {
    let mut words = text.trim().split_ascii_whitespace();
    let _weekday = words.next()?;
    let day: i64 = words.next()?.parse().ok()?;
    let month = match words.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = words.next()?.parse().ok()?;
    let mut clock = words.next()?.split(':').map(|n| n.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if words.next()? != "GMT" || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60
    {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// How many refused attempts are kept for a diagnosis: `SIGN_ERROR`s are rare, and each record
/// is small (at most about 1.2 KiB).
const KEPT_ATTEMPTS: usize = 32;

/// What was signed on the latest attempts refused with `SIGN_ERROR`, by the answer's
/// `Request-ID` (unique per answer), newest last. Kept beside the error rather than in it, so
/// that every `Result<_, Error>` stays small.
static KEPT: std::sync::Mutex<std::collections::VecDeque<(String, SignedRequest)>> =
    std::sync::Mutex::new(std::collections::VecDeque::new());

/// Keeps what was signed on an attempt refused with `SIGN_ERROR`, for the diagnosis; the result
/// passes through unchanged.
pub(crate) fn keep_signed<T>(
    result: Result<T, Error>,
    rendered: &RenderedRequest,
    authorization: Option<&HeaderValue>,
    server_time: Option<i64>,
) -> Result<T, Error> {
    if let Err(Error::Api {
        code,
        request_id: Some(request_id),
        ..
    }) = &result
        && code == "SIGN_ERROR"
        && let Some(signed) =
            authorization.and_then(|a| SignedRequest::of_attempt(rendered, a, server_time))
    {
        let mut kept = KEPT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= KEPT_ATTEMPTS {
            kept.pop_front();
        }
        kept.push_back((request_id.clone(), signed));
    }
    result
}

/// What was signed on the refused attempt WeChat Pay answered with `request_id`, when kept.
fn kept(request_id: &str) -> Option<SignedRequest> {
    KEPT.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(id, _)| id == request_id)
        .map(|(_, signed)| signed.clone())
}

impl Error {
    /// For a `401 SIGN_ERROR`: why WeChat Pay refused the request's signature, compared from its
    /// `detail.sign_information` and what this client signed on that attempt, with what to fix
    /// (see [`SignErrorCause`]). `None` for every other error.
    ///
    /// The client keeps what it signed on the last 32 attempts refused with `SIGN_ERROR`, by
    /// the answer's `Request-ID`; for an older one (or an answer without `Request-ID`) only what
    /// WeChat Pay said is compared.
    ///
    /// ```no_run
    /// # async fn run(client: wechatpay::Client, request: wechatpay::v3::security::SecurityEcho) {
    /// use wechatpay::sign_diagnosis::SignErrorCause;
    /// match client.send(&request).await {
    ///     Err(error) => match error.sign_error_diagnosis() {
    ///         Some(d) if matches!(d.cause(), SignErrorCause::KeyMismatch { .. }) => {
    ///             eprintln!("wrong apiclient_key.pem: {d}")
    ///         }
    ///         Some(d) => eprintln!("{d}"),
    ///         None => eprintln!("{error}"),
    ///     },
    ///     Ok(_) => {}
    /// }
    /// # }
    /// ```
    pub fn sign_error_diagnosis(&self) -> Option<SignDiagnosis> {
        match self {
            Error::Api {
                code,
                message,
                detail,
                request_id,
                ..
            } if code == "SIGN_ERROR" => Some(diagnose(
                message,
                detail.as_ref(),
                request_id.as_deref().and_then(kept).as_ref(),
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse_as_unix_seconds() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"), None);
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn escaped_messages_are_read_like_real_newlines() {
        let detail = serde_json::json!({"sign_information": {
            "method": "POST",
            "url": "/v3/refund/domestic/refunds",
            "sign_message_length": "363",
            "truncated_sign_message": "POST\\n/v3/refund/domestic/refunds\\n1634317966\\n6420bcb4\\n{\"transa\\n",
        }});
        let info = SignInformation::from_detail(&detail).unwrap();
        assert_eq!(info.sign_message_length, Some(363));
        assert_eq!(
            info.parts().unwrap(),
            [
                "POST",
                "/v3/refund/domestic/refunds",
                "1634317966",
                "6420bcb4",
                "{\"transa"
            ]
        );
    }

    /// What a client signed for WeChat Pay's documented refund example.
    fn refund_signed(body: &str) -> SignedRequest {
        SignedRequest {
            method: "POST".into(),
            target: "/v3/refund/domestic/refunds".into(),
            timestamp: 1_634_317_966,
            nonce: "6420bcb423290faac4feb09233b8dc32".into(),
            mchid: "1900000001".into(),
            serial: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
            body_start: body.as_bytes().to_vec(),
            body_length: body.len(),
            server_time: Some(1_634_317_967),
        }
    }

    /// WeChat Pay's answer for a message of `length` bytes starting `start`, in its own shape.
    fn refund_detail(url: &str, length: usize, start: &str) -> serde_json::Value {
        serde_json::json!({
            "detail": {"issue": "sign not match"},
            "field": "signature",
            "location": "authorization",
            "sign_information": {
                "method": "POST",
                "sign_message_length": length,
                "truncated_sign_message": format!("POST\n{url}\n1634317966\n6420bcb423290faac4feb09233b8dc32\n{start}\n"),
                "url": url,
            },
        })
    }

    #[test]
    fn causes_are_named_from_wechatpays_own_shape() {
        let body = r#"{"transaction_id":"1217752501201407033233368018","out_refund_no":"1217752501201407033233368018","amount":{"refund":888,"total":888,"currency":"CNY"}}"#;
        let signed = refund_signed(body);
        let url = "/v3/refund/domestic/refunds";
        let same = refund_detail(url, signed.message_length(), &body[..8]);
        let cause = |message: &str, detail: &serde_json::Value| {
            diagnose(message, Some(detail), Some(&signed)).cause
        };
        assert_eq!(
            cause("签名错误", &same),
            SignErrorCause::KeyMismatch {
                serial: signed.serial.clone()
            }
        );
        assert!(matches!(
            cause(
                "签名错误",
                &refund_detail(url, signed.message_length() + 7, &body[..8])
            ),
            SignErrorCause::BodyChanged {
                theirs_length: Some(_),
                ..
            }
        ));
        assert!(matches!(
            cause(
                "签名错误",
                &refund_detail(url, signed.message_length(), "{\n  \"tr")
            ),
            SignErrorCause::BodyChanged { .. }
        ));
        assert!(matches!(
            cause(
                "签名错误",
                &refund_detail(
                    "/v3/refund/domestic/refunds/",
                    signed.message_length() + 1,
                    &body[..8]
                )
            ),
            SignErrorCause::RequestLineChanged { .. }
        ));
        assert!(matches!(
            cause(
                "商户证书序列号有误。请使用签名私钥匹配的证书序列号",
                &serde_json::json!({})
            ),
            SignErrorCause::WrongSerial { .. }
        ));
        assert!(matches!(
            cause(
                "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟",
                &serde_json::json!({})
            ),
            SignErrorCause::Clock { .. }
        ));
        assert!(matches!(
            cause("签名错误", &serde_json::json!({"field": "signature"})),
            SignErrorCause::Undetermined { .. }
        ));
        // Without what was signed, only what WeChat Pay says can be told.
        assert!(matches!(
            diagnose("签名错误", Some(&same), None).cause,
            SignErrorCause::Undetermined { .. }
        ));
    }

    #[test]
    fn target_differences_are_named() {
        assert!(target_difference("/v3/a%2Fb", "/v3/a%2fb").contains("letter case"));
        assert!(target_difference("/v3/a%20b", "/v3/a b").contains("percent-encoding"));
        assert!(target_difference("/v3/a?x=1&y=2", "/v3/a?y=2&x=1").contains("query"));
        assert!(target_difference("/v3/a", "/gw/v3/a").contains("prefix"));
    }
}
