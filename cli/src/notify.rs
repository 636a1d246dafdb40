//! `wechatpay notify verify`: a captured callback, verified and decrypted as the client would.

use std::path::{Path, PathBuf};

use http::{HeaderMap, HeaderName, HeaderValue};
use wechatpay::Client;

use crate::{Failure, exit};

/// The arguments of `wechatpay notify verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A file of the callback's headers, one `Name: value` a line, as received.
    #[arg(long, value_name = "FILE")]
    headers: PathBuf,
    /// A file of the callback's raw body, exactly as received.
    #[arg(long, value_name = "FILE")]
    body: PathBuf,
    /// Accept a callback whose timestamp is up to DURATION away from the check's time instead of
    /// 300 s: for a callback captured earlier (from a log). `90s`, `30m`, `2h`, `7d`, or seconds.
    /// The output says that the age check was relaxed.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    max_age: Option<u64>,
    /// Check as of TIMESTAMP instead of now (when the callback was received): Unix seconds, or an
    /// HTTP date such as `Sun, 06 Dec 2026 21:00:00 GMT`.
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_time)]
    at: Option<i64>,
}

/// The check's rule for a callback's age, by default the one a live notify URL applies.
const DEFAULT_MAX_AGE: u64 = wechatpay::auth::MAX_SKEW_SECS;

/// `90s`, `30m`, `2h`, `7d` or plain seconds, as seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        other => {
            return Err(format!(
                "`{other}` is not a unit: use s, m, h or d (such as 90s, 30m, 2h, 7d)"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is not a duration such as 90s, 30m, 2h or 7d"))
}

/// Unix seconds, or an HTTP date, as Unix seconds.
fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    let time = httpdate::parse_http_date(text).map_err(|_| {
        format!("`{text}` is neither Unix seconds nor an HTTP date such as `Sun, 06 Dec 2026 21:00:00 GMT`")
    })?;
    time.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| format!("`{text}` is before 1970"))
}

/// Now, in Unix seconds.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

/// What a relaxed check says about itself: when it was made, and the age it allowed.
fn relaxed_note(at: Option<i64>, max_age: Option<u64>, timestamp: Option<i64>) -> Option<String> {
    if at.is_none() && max_age.is_none() {
        return None;
    }
    let now = at.unwrap_or_else(unix_now);
    let allowed = max_age.unwrap_or(DEFAULT_MAX_AGE);
    let mut note = String::from("note: the age check was relaxed: ");
    match at {
        Some(at) => note.push_str(&format!("checked as of {at} (--at) instead of now")),
        None => note.push_str("checked as of now"),
    }
    note.push_str(&format!(
        ", allowing the callback's timestamp to be up to {allowed} s away"
    ));
    if max_age.is_some() {
        note.push_str(&format!(" (--max-age) instead of {DEFAULT_MAX_AGE} s"));
    }
    if let Some(timestamp) = timestamp {
        note.push_str(&format!(
            "; its Wechatpay-Timestamp {timestamp} is {} s away",
            now.abs_diff(timestamp)
        ));
    }
    note.push_str(
        ". A live notify URL must keep the 300 s rule; this only re-checks a captured callback.",
    );
    Some(note)
}

pub async fn verify(client: &Client, args: Args) -> Result<(), Failure> {
    let headers = read_headers(&args.headers)?;
    let body = std::fs::read(&args.body).map_err(|e| {
        Failure::new(
            exit::FAILURE,
            format!("--body {}: cannot read the file ({e})", args.body.display()),
        )
    })?;
    let timestamp = headers
        .get(wechatpay::auth::header::TIMESTAMP)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let note = relaxed_note(args.at, args.max_age, timestamp);
    let verified = if note.is_some() {
        client.notifications().verify_captured::<serde_json::Value>(
            &headers,
            &body,
            args.at.unwrap_or_else(unix_now),
            std::time::Duration::from_secs(args.max_age.unwrap_or(DEFAULT_MAX_AGE)),
        )
    } else {
        client
            .notifications()
            .verify::<serde_json::Value>(&headers, &body)
    };
    let notification = verified.map_err(|error| {
        let stale = matches!(error, wechatpay::Error::StaleTimestamp { .. });
        let mut failure = Failure::from(error);
        failure.message = format!("the callback is refused: {}", failure.message);
        if stale {
            failure.message.push_str(&format!(
                "\n(allowed: {} s{}; a callback captured earlier can be re-checked with --max-age DURATION, such as --max-age 2h, or --at <the time it was received>)",
                args.max_age.unwrap_or(DEFAULT_MAX_AGE),
                args.at.map(|at| format!(" as of {at}")).unwrap_or_default()
            ));
        }
        if let Some(note) = &note {
            failure.message.push('\n');
            failure.message.push_str(note);
        }
        failure
    })?;
    if let Some(note) = &note {
        eprintln!("{note}");
    }
    let event = serde_json::json!({
        "id": notification.id,
        "create_time": notification.create_time,
        "event_type": notification.event_type,
        "summary": notification.summary,
        "resource_type": notification.resource_type,
        "original_type": notification.original_type,
        "resource": notification.resource,
    });
    eprintln!(
        "verified: signature, timestamp and decryption hold (Request-ID {})",
        notification.request_id.as_deref().unwrap_or("(none)")
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&event).unwrap_or_default()
    );
    Ok(())
}

/// `Name: value` lines into a header map; a request line and blank lines are skipped.
fn read_headers(path: &Path) -> Result<HeaderMap, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            exit::FAILURE,
            format!("--headers {}: cannot read the file ({e})", path.display()),
        )
    })?;
    let mut headers = HeaderMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || (number == 0 && line.contains(" HTTP/")) {
            continue;
        }
        let bad = |what: &str| {
            Failure::new(
                exit::USAGE,
                format!(
                    "--headers {} line {}: {what}; expected `Name: value`",
                    path.display(),
                    number + 1
                ),
            )
        };
        let (name, value) = line.split_once(':').ok_or_else(|| bad("no `:`"))?;
        let name =
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad("not a header name"))?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| bad("not a header value"))?;
        headers.append(name, value);
    }
    Ok(headers)
}
