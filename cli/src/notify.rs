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
}

pub async fn verify(client: &Client, args: Args) -> Result<(), Failure> {
    let headers = read_headers(&args.headers)?;
    let body = std::fs::read(&args.body).map_err(|e| {
        Failure::new(
            exit::FAILURE,
            format!("--body {}: cannot read the file ({e})", args.body.display()),
        )
    })?;
    let notification = client
        .notifications()
        .verify::<serde_json::Value>(&headers, &body)
        .map_err(|error| {
            let mut failure = Failure::from(error);
            failure.message = format!("the callback is refused: {}", failure.message);
            failure
        })?;
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
