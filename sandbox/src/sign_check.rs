//! How the sandbox checks request signatures beyond the defaults, to play each cause of a
//! `401 SIGN_ERROR`: a clock that runs off, another public key registered for the merchant
//! serial, and `sign_information` cut as short as WeChat Pay cuts it.
//!
//! Set with [`Sandbox::set_clock_offset`], [`Sandbox::register_merchant_public_key`] and
//! [`Sandbox::truncate_sign_messages_like_wechatpay`], or over HTTP with
//! `PUT /v3/sandbox/sign-check` and a JSON body of the settings to change:
//! `{"clock_offset_secs": 3600, "merchant_public_key_pem": "-----BEGIN PUBLIC KEY-----…" (or
//! null for the merchant's own), "truncate_like_wechatpay": true}`.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{PoisonError, RwLock};

use http::StatusCode;
use serde::Deserialize;
use wechatpay::PublicKey;

use super::Sandbox;
use super::server::Reply;

/// How many characters of the body WeChat Pay shows in `truncated_sign_message`.
const WECHATPAY_BODY_CHARS: usize = 8;

/// The sandbox's signature-check settings; the defaults check as WeChat Pay does.
#[derive(Default)]
pub(crate) struct SignCheck {
    /// Seconds added to the sandbox's clock when it judges a request's timestamp and writes an
    /// answer's `Date` (answers stay signed at the true time, so that clients can read them).
    clock_offset: AtomicI64,
    /// A public key that replaces the merchant's own for the merchant serial.
    merchant_public: RwLock<Option<PublicKey>>,
    /// Whether `truncated_sign_message` keeps only the body's first characters, as WeChat Pay's
    /// does (by default the sandbox shows up to 1024 characters of the message).
    truncate_like_wechatpay: AtomicBool,
}

impl SignCheck {
    /// The sandbox's clock for the timestamp rule and `Date`, Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        wechatpay::__support::unix_now().saturating_add(self.clock_offset.load(Ordering::Relaxed))
    }

    /// The `Date` header to send, when the clock runs off (else the server's own is right).
    pub(crate) fn date_header(&self) -> Option<String> {
        (self.clock_offset.load(Ordering::Relaxed) != 0).then(|| http_date(self.now()))
    }

    /// Whether `signature` verifies `message` with the key registered for the merchant serial.
    pub(crate) fn verify(&self, own: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        let registered = self
            .merchant_public
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        registered
            .as_ref()
            .unwrap_or(own)
            .verify(message, signature)
    }

    /// `truncated_sign_message` for the message the sandbox verified.
    pub(crate) fn truncated(&self, message: &[u8]) -> String {
        let text = String::from_utf8_lossy(message);
        if !self.truncate_like_wechatpay.load(Ordering::Relaxed) {
            return text.chars().take(1024).collect();
        }
        // METHOD\nTARGET\nTIMESTAMP\nNONCE\n, then the body's first characters and its `\n`.
        let mut lines = text.splitn(5, '\n');
        let head: Vec<&str> = lines.by_ref().take(4).collect();
        let body = lines.next().unwrap_or_default();
        let body = body.strip_suffix('\n').unwrap_or(body);
        let start: String = body.chars().take(WECHATPAY_BODY_CHARS).collect();
        format!("{}\n{start}\n", head.join("\n"))
    }
}

impl Sandbox {
    /// Runs the sandbox's clock `seconds` off when it judges a request's timestamp (and in its
    /// answers' `Date`), as if this machine's clock were `-seconds` off: requests then get
    /// WeChat Pay's `401 SIGN_ERROR` for the timestamp. `0` puts it right.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared
            .sign_check
            .clock_offset
            .store(seconds, Ordering::Relaxed);
    }

    /// Checks request signatures with `key` instead of the merchant's own public key (`None`
    /// restores it), as WeChat Pay would for a merchant serial whose certificate belongs to
    /// another key: every request then gets `401 SIGN_ERROR` over the very message it signed.
    pub fn register_merchant_public_key(&self, key: Option<PublicKey>) {
        *self
            .shared
            .sign_check
            .merchant_public
            .write()
            .unwrap_or_else(PoisonError::into_inner) = key;
    }

    /// Cuts the body in `truncated_sign_message` to its first 8 characters, as WeChat Pay does
    /// (`true`), or shows up to 1024 characters of the message (`false`, the default).
    pub fn truncate_sign_messages_like_wechatpay(&self, on: bool) {
        self.shared
            .sign_check
            .truncate_like_wechatpay
            .store(on, Ordering::Relaxed);
    }
}

/// The body of `PUT /v3/sandbox/sign-check`: the settings to change.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    clock_offset_secs: Option<i64>,
    /// `Some(None)` (JSON `null`) restores the merchant's own key.
    #[serde(default, with = "double_option")]
    merchant_public_key_pem: Option<Option<String>>,
    #[serde(default)]
    truncate_like_wechatpay: Option<bool>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(deserializer).map(Some)
    }
}

/// `PUT /v3/sandbox/sign-check`.
pub(crate) fn control(shared: &super::Shared, bytes: &[u8]) -> Reply {
    let settings: Settings = match serde_json::from_slice(bytes) {
        Ok(settings) => settings,
        Err(e) => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                &format!(
                    "the body must be JSON like {{\"clock_offset_secs\":3600,\"merchant_public_key_pem\":\"-----BEGIN PUBLIC KEY-----…\",\"truncate_like_wechatpay\":true}}: {e}"
                ),
                None,
            );
        }
    };
    let check = &shared.sign_check;
    if let Some(pem) = settings.merchant_public_key_pem {
        let key = match pem.as_deref().map(PublicKey::from_pem).transpose() {
            Ok(key) => key,
            Err(e) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    &format!("merchant_public_key_pem: {e}"),
                    None,
                );
            }
        };
        *check
            .merchant_public
            .write()
            .unwrap_or_else(PoisonError::into_inner) = key;
    }
    if let Some(offset) = settings.clock_offset_secs {
        check.clock_offset.store(offset, Ordering::Relaxed);
    }
    if let Some(on) = settings.truncate_like_wechatpay {
        check.truncate_like_wechatpay.store(on, Ordering::Relaxed);
    }
    Reply::no_content()
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for Unix seconds.
fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    // The civil date of a day count (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)],
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        seconds / 3_600,
        seconds % 3_600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(
            super::http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(super::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
