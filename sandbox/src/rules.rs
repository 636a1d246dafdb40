//! What WeChat Pay refuses in any request body, checked after the body decodes: empty strings,
//! zero ids, values longer than documented, malformed `appid`, `mchid` and URLs. Each is answered
//! `400 PARAM_ERROR` naming the field, as WeChat Pay does, so that a test that passes here does not
//! fail in production.

use serde_json::Value;

use crate::server::Reply;

/// Documented maximum lengths, in characters, of fields that appear in several APIs.
const MAX_CHARS: &[(&str, usize)] = &[
    ("out_trade_no", 32),
    ("out_contract_code", 32),
    ("out_user_code", 32),
    ("contract_display_account", 32),
    ("out_refund_no", 64),
    ("description", 127),
    ("attach", 128),
    ("notify_url", 256),
    ("contract_notify_url", 256),
    ("return_url", 256),
];

/// Checks every field of a decoded JSON body; the first problem found is the answer.
pub(crate) fn check_body(body: &Value) -> Result<(), Reply> {
    let mut path = Vec::new();
    walk(body, &mut path)
}

fn walk(value: &Value, path: &mut Vec<String>) -> Result<(), Reply> {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                path.push(key.clone());
                check_field(key, field, path)?;
                walk(field, path)?;
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                walk(item, path)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_field(key: &str, value: &Value, path: &[String]) -> Result<(), Reply> {
    let refuse = |issue: String| Err(crate::routes::param_error(path, &issue, false));
    match value {
        Value::String(text) if text.trim().is_empty() => refuse(format!(
            "`{key}` is empty; WeChat Pay requires a value (leave the field out if it is optional)"
        )),
        Value::String(text) => {
            let chars = text.chars().count();
            if let Some((_, max)) = MAX_CHARS.iter().find(|(name, _)| *name == key)
                && chars > *max
            {
                return refuse(format!(
                    "`{key}` is {chars} characters long; WeChat Pay allows at most {max}"
                ));
            }
            if matches!(key, "appid" | "sp_appid" | "sub_appid") && !is_appid(text) {
                return refuse(format!(
                    "`{key}` `{text}` is not an AppID: `wx` and 16 letters or digits, like wxd678efh567hg6787"
                ));
            }
            if matches!(key, "mchid" | "sp_mchid" | "sub_mchid")
                && !(text.len() <= 32 && text.bytes().all(|b| b.is_ascii_digit()))
            {
                return refuse(format!(
                    "`{key}` `{text}` is not a merchant id: digits only"
                ));
            }
            if key.ends_with("_url") && !is_url(text, key.ends_with("notify_url")) {
                let scheme = if key.ends_with("notify_url") {
                    "https://"
                } else {
                    "http:// or https://"
                };
                return refuse(format!(
                    "`{key}` `{text}` is not a URL WeChat Pay accepts: {scheme}, a host, no spaces"
                ));
            }
            Ok(())
        }
        Value::Number(number) if key.ends_with("_id") && number.as_u64() == Some(0) => refuse(
            format!("`{key}` is 0, which names nothing; WeChat Pay ids start at 1"),
        ),
        _ => Ok(()),
    }
}

fn is_appid(text: &str) -> bool {
    text.len() == 18 && text.starts_with("wx") && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A URL with a host and no blanks; a callback URL is `https://`, except on a loopback host,
/// where the sandbox delivers callbacks to the tests' own receivers.
fn is_url(text: &str, https_only: bool) -> bool {
    let (rest, plain) = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
        (Some(rest), _) => (rest, false),
        (None, Some(rest)) => (rest, true),
        _ => return false,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let scheme_allowed = !https_only || !plain || loopback;
    !host.is_empty() && !text.chars().any(char::is_whitespace) && scheme_allowed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn refused(body: Value) -> Option<String> {
        check_body(&body)
            .err()
            .map(|reply| reply.body.map(|body| body.to_string()).unwrap_or_default())
    }

    #[test]
    fn what_wechat_pay_refuses_is_refused_by_name() {
        for (body, field) in [
            (json!({"appid": ""}), "appid"),
            (json!({"plan_id": 0}), "plan_id"),
            (json!({"appid": "wx1"}), "appid"),
            (json!({"mchid": "19x"}), "mchid"),
            (
                json!({"out_contract_code": "x".repeat(33)}),
                "out_contract_code",
            ),
            (
                json!({"contract_notify_url": "http://yourapp.com/notify"}),
                "contract_notify_url",
            ),
            (json!({"return_url": "yourapp.com"}), "return_url"),
            (json!({"notify_url": "https:// /x"}), "notify_url"),
            (json!({"device_info": {"device_id": " "}}), "device_id"),
        ] {
            let reply = refused(body.clone()).unwrap_or_else(|| panic!("{body} accepted"));
            assert!(reply.contains(field), "{body}: {reply}");
        }
        assert!(
            refused(json!({
                "appid": "wxd678efh567hg6787",
                "mchid": "1900000001",
                "plan_id": 12535,
                "out_contract_code": "x".repeat(32),
                "contract_notify_url": "https://yourapp.com/notify",
                "return_url": "http://yourapp.com/back",
                "notify_url": "http://127.0.0.1:8081/notify",
                "amount": {"total": 0},
            }))
            .is_none()
        );
    }
}
