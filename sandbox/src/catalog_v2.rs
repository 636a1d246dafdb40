//! Every described API v2 operation the sandbox has no logic for, answered from its description
//! (`sandbox/facts/catalog_v2.json`, written by `wechatpay-codegen emit` and compiled in), after [`super::v2::handle`] checked the `sign`: the
//! request's XML fields are checked as WeChat Pay checks them (required fields, whole numbers,
//! listed values) and a wrong one gets `result_code=FAIL`, `err_code=PARAM_ERROR` naming it;
//! otherwise the answer is the description's example answer (the fields the request gave too
//! echoed), signed, or without `sign` for the operations WeChat Pay answers so
//! ([`answered_unsigned`]).

use std::sync::OnceLock;

use serde_json::Value;
use wechatpay::__catalog::example;
use wechatpay::v2::Fields;

/// The v2 facts the catalog follows, compiled in from this package.
const FACTS: &str = include_str!("../facts/catalog_v2.json");

/// The fields the sandbox fills in every v2 answer itself, or checks before this responder.
const FILLED: [&str; 10] = [
    "return_code",
    "return_msg",
    "result_code",
    "err_code",
    "err_code_des",
    "appid",
    "mch_id",
    "nonce_str",
    "sign",
    "sign_type",
];

fn operations() -> &'static [Value] {
    static OPERATIONS: OnceLock<Vec<Value>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let facts: Value = serde_json::from_str(FACTS).unwrap_or(Value::Null);
        facts["operations"]
            .as_array()
            .into_iter()
            .flatten()
            // Only signed XML calls: pages, uploads and file answers are not XML requests.
            .filter(|operation| {
                operation["method"] == "POST"
                    && operation["kind"] == "xml"
                    && operation["answer"]["kind"] == "xml"
            })
            .cloned()
            .collect()
    })
}

/// The described v2 operation at `path` (without the leading `/`), if any.
pub(crate) fn find(path: &str) -> Option<&'static Value> {
    operations()
        .iter()
        .find(|operation| operation["path"] == path)
}

/// Whether WeChat Pay answers the described operation without `sign`: its answer lists fields
/// but no `sign` (企业付款 `mmpaymkttransfers/promotion/transfers`, its query, red packets …),
/// the rule `wechatpay-codegen` declares `unsigned_response` by.
pub(crate) fn answered_unsigned(operation: &Value) -> bool {
    let fields = operation["answer"]["fields"].as_array();
    fields.is_some_and(|fields| {
        !fields.is_empty() && !fields.iter().any(|field| field["n"] == "sign")
    })
}

/// Whether WeChat Pay requires the client certificate (mutual TLS) for the v2 operation at
/// `path`, as the description marks it.
pub(crate) fn needs_certificate(path: &str) -> bool {
    static ALL: OnceLock<Vec<Value>> = OnceLock::new();
    ALL.get_or_init(|| {
        let facts: Value = serde_json::from_str(FACTS).unwrap_or(Value::Null);
        facts["operations"].as_array().cloned().unwrap_or_default()
    })
    .iter()
    .any(|operation| operation["path"] == path && operation["cert"] == true)
}

/// The paths of the described v2 operations the sandbox answers from their description: for
/// tests that walk the catalog.
#[must_use]
pub fn described_v2_operations() -> Vec<String> {
    operations()
        .iter()
        .filter_map(|operation| operation["path"].as_str())
        .filter(|path| !super::v2::PATHS.contains(&super::v2::operation(path).as_str()))
        .map(str::to_owned)
        .collect()
}

/// The business outcome of a described operation: its example answer's fields, or
/// `PARAM_ERROR` naming the first wrong field.
pub(crate) fn outcome(
    operation: &Value,
    request: &Fields,
) -> Result<Vec<(String, String)>, (&'static str, String)> {
    let get = |name: &str| {
        request
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    };
    for field in operation["request"].as_array().into_iter().flatten() {
        let name = field["n"].as_str().unwrap_or_default();
        if !field["loc"].as_str().unwrap_or_default().is_empty()
            || name.contains('$')
            || matches!(name, "sign" | "nonce_str")
        {
            continue;
        }
        match get(name) {
            None if field["req"] == true => {
                return Err(("PARAM_ERROR", format!("缺少参数{name}")));
            }
            None => {}
            Some(value) => {
                if let Err(issue) = check(field, value) {
                    return Err(("PARAM_ERROR", format!("{name}参数格式错误: {issue}")));
                }
            }
        }
    }
    let mut answer = Vec::new();
    for field in operation["answer"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = field["n"].as_str().unwrap_or_default();
        if FILLED.contains(&name) {
            continue;
        }
        // Indexed fields (`coupon_id_$n`) are answered as their first one.
        let name = name.replace("$n", "0").replace("$m", "0");
        // A field the request gave too (`partner_trade_no`, `out_trade_no` …) is echoed.
        let value = match (get(&name), example(field)) {
            (Some(given), _) => given.to_owned(),
            (None, Value::String(text)) => text,
            (None, other) => other.to_string(),
        };
        answer.push((name, value));
    }
    Ok(answer)
}

/// Whether `value` fits the described field: a whole number where one is described, one of the
/// listed values where they are listed.
fn check(field: &Value, value: &str) -> Result<(), String> {
    match field["t"].as_str().unwrap_or_default() {
        "integer" if value.parse::<i64>().is_err() && value.parse::<u64>().is_err() => {
            return Err(format!("`{value}` is not a whole number"));
        }
        "object" | "array" if serde_json::from_str::<Value>(value).is_err() => {
            return Err("not JSON text".into());
        }
        _ => {}
    }
    if let Some(allowed) = field["en"].as_array().filter(|allowed| !allowed.is_empty()) {
        let listed = allowed.iter().any(|allowed| match allowed {
            Value::String(text) => text == value,
            other => serde_json::from_str::<Value>(value).is_ok_and(|given| given == *other),
        });
        if !listed {
            let names: Vec<String> = allowed
                .iter()
                .map(|allowed| match allowed {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect();
            return Err(format!("`{value}` is not one of {}", names.join(", ")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_missing_or_malformed_field_is_a_param_error_naming_it() {
        let operation = find("pay/micropay").expect("pay/micropay is described");
        // What the client fills in every request.
        let filled = [
            ("appid", "wx8888888888888888"),
            ("mch_id", "1900000109"),
            ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
            ("sign", "C380BEC2BFD727A4B6845133519F3AD6"),
        ];
        let (code, description) = outcome(operation, &fields(&[])).unwrap_err();
        assert_eq!(code, "PARAM_ERROR");
        assert!(description.contains("appid"), "{description}");
        let (code, description) = outcome(operation, &fields(&filled)).unwrap_err();
        assert_eq!(code, "PARAM_ERROR");
        assert!(description.contains("body"), "{description}");
        let request = fields(&[
            filled[0],
            filled[1],
            filled[2],
            filled[3],
            ("body", "x"),
            ("out_trade_no", "1"),
            ("total_fee", "one"),
            ("spbill_create_ip", "127.0.0.1"),
            ("auth_code", "1"),
        ]);
        let (_, description) = outcome(operation, &request).unwrap_err();
        assert!(description.contains("total_fee"), "{description}");
        assert!(needs_certificate("secapi/pay/refund"));
        assert!(!needs_certificate("pay/micropay"));
    }
}
