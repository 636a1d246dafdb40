//! Every catalogued operation the sandbox has no logic for, answered from its description
//! (`sandbox/facts/catalog.json`, written by `wechatpay-codegen emit` and compiled in): the request is checked as WeChat Pay checks it (path
//! placeholders, query and body fields: required at any depth, types, listed values) and refused
//! with `400 PARAM_ERROR` naming the field, else answered with a signed example answer (or `204`).
//! A sensitive request value, at any depth, must be encrypted under the sandbox's WeChat Pay key,
//! which the request names in `Wechatpay-Serial`, as WeChat Pay requires.
//!
//! The example answer comes in the [`AnswerShape`] the request names in [`SHAPE_HEADER`], else the
//! sandbox's default: every described field (`full`), or only the required ones (`minimal`).
//!
//! The stateful routes of [`crate::routes`] are matched first; this is the fallback before `404`.

use std::sync::OnceLock;

use http::Method;
use serde_json::Value;
use wechatpay::__catalog::{example, minimal};

use super::bills::{BillKind, BillSpec};
use super::routes::param_error_at;
use super::server::Reply;
use super::{AnswerShape, PlatformSigner, SHAPE_HEADER, Shared};

/// The facts the catalog follows, compiled in from this package.
pub(crate) const FACTS: &str = include_str!("../facts/catalog.json");

/// One described operation.
struct Operation {
    method: Method,
    template: Vec<String>,
    facts: Value,
}

fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let facts: Value = serde_json::from_str(FACTS).unwrap_or(Value::Null);
        let mut operations: Vec<Operation> = Vec::new();
        let all = facts["operations"].as_array().cloned().unwrap_or_default();
        // The main host's operations first: a cross-border host's operation at the same path
        // is reached on that host, not here.
        let (main, others): (Vec<Value>, Vec<Value>) = all
            .into_iter()
            .partition(|operation| operation["host"] == "api");
        for operation in main.into_iter().chain(others) {
            let Ok(method) = operation["method"]
                .as_str()
                .unwrap_or_default()
                .parse::<Method>()
            else {
                continue;
            };
            let path = operation["path"].as_str().unwrap_or_default().to_owned();
            if operations
                .iter()
                .any(|known| known.method == method && known.template.join("/") == path)
            {
                continue;
            }
            operations.push(Operation {
                method,
                template: path.split('/').map(str::to_owned).collect(),
                facts: operation,
            });
        }
        operations
    })
}

/// The operations answered from their description (every described operation the stateful
/// routes do not handle), as `(method, path template)`: for tests that walk the catalog.
#[must_use]
pub fn described_operations() -> Vec<(Method, String)> {
    operations()
        .iter()
        .map(|operation| (operation.method.clone(), operation.template.join("/")))
        .filter(|(method, template)| !super::routes::handles(method, template))
        .collect()
}

/// Answers a request for a described operation, or `None` when no operation has this path.
pub(crate) fn answer(shared: &Shared, parts: &http::request::Parts, body: &[u8]) -> Option<Reply> {
    let path = parts.uri.path().strip_prefix('/')?;
    let segments: Vec<&str> = path.split('/').collect();
    let operation = operations().iter().find(|operation| {
        operation.method == parts.method
            && operation.template.len() == segments.len()
            && operation
                .template
                .iter()
                .zip(&segments)
                .all(|(want, got)| want == got || (want.starts_with('{') && !got.is_empty()))
    })?;
    let shape = match parts.headers.get(SHAPE_HEADER) {
        None => shared.answer_shape(),
        Some(value) => match value.to_str().ok().and_then(AnswerShape::from_name) {
            Some(shape) => shape,
            None => {
                return Some(Reply::error(
                    http::StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    &format!(
                        "{SHAPE_HEADER} must be `full` or `minimal`, not `{}`",
                        String::from_utf8_lossy(value.as_bytes())
                    ),
                    Some(serde_json::json!({ "location": "header", "field": SHAPE_HEADER })),
                ));
            }
        },
    };
    let serial = parts
        .headers
        .get(wechatpay::auth::header::SERIAL)
        .and_then(|value| value.to_str().ok());
    // In migration mode either key, as the request names it.
    let platform = shared.signer_for(serial);
    let sensitive = Sensitive {
        platform: &platform,
        serial,
    };
    Some(respond(
        operation,
        &segments,
        parts.uri.query().unwrap_or_default(),
        &parts.headers,
        body,
        &sensitive,
        shape,
    ))
}

/// What a sensitive request value is checked with: the sandbox's WeChat Pay key, and the
/// `Wechatpay-Serial` the request named.
struct Sensitive<'a> {
    platform: &'a PlatformSigner,
    serial: Option<&'a str>,
}

impl Sensitive<'_> {
    /// A sensitive value must be Base64 of RSA-OAEP ciphertext under the key the request named,
    /// and that key must be the sandbox's current one.
    fn check(&self, value: &str) -> Result<(), (String, bool)> {
        if self.serial != Some(self.platform.serial.as_str()) {
            return Err((
                format!(
                    "敏感字段须以微信支付公钥或平台证书加密，并在Wechatpay-Serial中指明：请求的Wechatpay-Serial为“{}”，应为“{}”",
                    self.serial.unwrap_or(""),
                    self.platform.serial
                ),
                false,
            ));
        }
        self.platform
            .key
            .decrypt(value)
            .map(drop)
            .map_err(|_| ("敏感字段解密失败：请使用Wechatpay-Serial所指的微信支付公钥或平台证书加密（RSA-OAEP）".to_owned(), false))
    }
}

fn respond(
    operation: &Operation,
    segments: &[&str],
    query: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    sensitive: &Sensitive<'_>,
    shape: AnswerShape,
) -> Reply {
    let facts = &operation.facts;
    let empty = Vec::new();
    let params = facts["params"].as_array().unwrap_or(&empty);
    for (want, got) in operation.template.iter().zip(segments) {
        let Some(name) = want
            .strip_prefix('{')
            .and_then(|want| want.strip_suffix('}'))
        else {
            continue;
        };
        let value = percent_encoding::percent_decode_str(got).decode_utf8_lossy();
        if let Some(field) = params.iter().find(|field| field["n"] == name)
            && let Err(issue) = check_text(field, &value)
        {
            return param_error_at("path", &[name.to_owned()], &issue, false);
        }
    }
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query) {
        Ok(pairs) => pairs,
        Err(error) => return param_error_at("query", &[], &error.to_string(), false),
    };
    for field in params.iter().filter(|field| field["loc"] == "query") {
        let name = field["n"].as_str().unwrap_or_default();
        match pairs.iter().find(|(key, _)| key == name) {
            None if field["req"] == true => {
                return param_error_at("query", &[name.to_owned()], "必填", true);
            }
            None => {}
            Some((_, value)) => {
                if let Err(issue) = check_text(field, value) {
                    return param_error_at("query", &[name.to_owned()], &issue, false);
                }
            }
        }
    }
    if params.iter().any(|field| field["loc"] == "form")
        && let Err(reply) = check_upload(params, headers, body, sensitive)
    {
        return reply;
    }
    if let Some(fields) = facts["body"].as_array() {
        let value: Value = if body.is_empty() {
            Value::Object(serde_json::Map::new())
        } else {
            match serde_json::from_slice(body) {
                Ok(value) => value,
                Err(error) => return param_error_at("body", &[], &error.to_string(), false),
            }
        };
        let schema = serde_json::json!({ "t": "object", "props": fields });
        let mut at = Vec::new();
        if let Err((issue, missing)) = check(&schema, &value, &mut at, sensitive) {
            return param_error_at("body", &at, &issue, missing);
        }
    }
    let answer = &facts["answer"];
    match answer["kind"].as_str() {
        Some("json") => Reply::ok(match shape {
            AnswerShape::Full => example(&answer["schema"]),
            AnswerShape::Minimal => minimal(&answer["schema"]),
        }),
        Some("download") => Reply::download(
            BillSpec {
                kind: BillKind::Trade,
                bill_date: "2026-01-01".into(),
                rows: 3,
                gzip: false,
                tamper: false,
                bomb: None,
            }
            .body(),
        ),
        _ => Reply::no_content(),
    }
}

/// Checks a multipart upload as WeChat Pay does: every documented part is there, the `meta`
/// part is JSON of its schema (its signature was checked over its bytes before), text parts are
/// of their type, and the file matches the digest `meta` names: `sha256` and `file_digest`
/// (hex, either case) are SHA-256; `digest` is checked when its algorithm field names SHA-256
/// (an SM3 digest is not checked).
fn check_upload(
    params: &[Value],
    headers: &http::HeaderMap,
    body: &[u8],
    sensitive: &Sensitive<'_>,
) -> Result<(), Reply> {
    let Some(content_type) = super::media::multipart_content_type(headers) else {
        return Err(Reply::error(
            http::StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "上传文件请使用multipart/form-data格式",
            Some(serde_json::json!({ "location": "header", "field": "Content-Type" })),
        ));
    };
    let form = super::media::parse_multipart(content_type, body)
        .map_err(|problem| super::media::malformed(&problem))?;
    let mut file = None;
    let mut meta = None;
    for field in params.iter().filter(|field| field["loc"] == "form") {
        let name = field["n"].as_str().unwrap_or_default();
        let Some(part) = form.iter().find(|part| part.name == name) else {
            if field["req"] == true {
                return Err(param_error_at(
                    "body",
                    &[name.to_owned()],
                    "缺少表单字段",
                    true,
                ));
            }
            continue;
        };
        match field["t"].as_str() {
            Some("file") => {
                if part.filename.is_none() {
                    return Err(param_error_at(
                        "body",
                        &[name.to_owned()],
                        "文件字段缺少filename",
                        false,
                    ));
                }
                file = Some(part.data);
            }
            Some("object") => {
                let value: Value = serde_json::from_slice(part.data).map_err(|error| {
                    param_error_at(
                        "body",
                        &[name.to_owned()],
                        &format!("JSON解析失败：{error}"),
                        false,
                    )
                })?;
                let mut at = vec![name.to_owned()];
                check(field, &value, &mut at, sensitive)
                    .map_err(|(issue, missing)| param_error_at("body", &at, &issue, missing))?;
                meta = Some(value);
            }
            _ => {
                let text = String::from_utf8_lossy(part.data);
                check_text(field, &text)
                    .map_err(|issue| param_error_at("body", &[name.to_owned()], &issue, false))?;
            }
        }
    }
    if let (Some(file), Some(Value::Object(meta))) = (file, meta) {
        let actual = wechatpay::__support::sha256_hex(file);
        let algorithm = ["digest_alogrithm", "digest_algorithm"]
            .iter()
            .find_map(|key| meta.get(*key).and_then(Value::as_str))
            .unwrap_or_default()
            .to_ascii_uppercase();
        for key in ["sha256", "file_digest", "digest"] {
            let Some(claimed) = meta.get(key).and_then(Value::as_str) else {
                continue;
            };
            if key == "digest" && !algorithm.replace('-', "").contains("SHA256") {
                continue;
            }
            if !claimed.eq_ignore_ascii_case(&actual) {
                return Err(param_error_at(
                    "body",
                    &["meta".to_owned(), key.to_owned()],
                    "文件摘要校验失败：meta中的摘要与上传文件不一致",
                    false,
                ));
            }
        }
    }
    Ok(())
}

/// Checks a path or query value (text) against its field.
fn check_text(field: &Value, value: &str) -> Result<(), String> {
    if field["t"] == "array" {
        // A list in a query string: one value, its items joined with `,`.
        return value
            .split(',')
            .try_for_each(|item| check_text(&field["items"], item));
    }
    match field["t"].as_str() {
        Some("integer") if value.parse::<i64>().is_err() && value.parse::<u64>().is_err() => {
            Err(format!("“{value}”不是整数"))
        }
        Some("number") if value.parse::<f64>().is_err() => Err(format!("“{value}”不是数字")),
        Some("boolean") if value != "true" && value != "false" => {
            Err(format!("“{value}”不是布尔值"))
        }
        _ => check_listed(field, &Value::String(value.to_owned())),
    }
}

/// A listed value, when the field lists them (sensitive fields travel encrypted: not checked).
fn check_listed(field: &Value, value: &Value) -> Result<(), String> {
    let Some(allowed) = field["en"].as_array().filter(|allowed| !allowed.is_empty()) else {
        return Ok(());
    };
    if field["sens"] == true {
        return Ok(());
    }
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let listed = allowed.iter().any(|allowed| match allowed {
        Value::String(allowed) => *allowed == text,
        // A listed number or boolean matches the value's JSON text.
        other => text == serde_json::to_string(other).unwrap_or_default(),
    });
    if listed {
        Ok(())
    } else {
        Err(format!("“{text}”不在取值范围内"))
    }
}

/// Checks a JSON value against a field's schema; on failure `at` names the field.
fn check(
    schema: &Value,
    value: &Value,
    at: &mut Vec<String>,
    sensitive: &Sensitive<'_>,
) -> Result<(), (String, bool)> {
    let kind = schema["t"].as_str().unwrap_or_default();
    let fits = match kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    if !fits {
        return Err((format!("类型应为{kind}"), false));
    }
    match value {
        Value::String(text) if schema["sens"] == true => sensitive.check(text),
        Value::String(_) => check_listed(schema, value).map_err(|issue| (issue, false)),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                at.push(index.to_string());
                check(&schema["items"], item, at, sensitive)?;
                at.pop();
            }
            Ok(())
        }
        Value::Object(object) => {
            let Some(props) = schema["props"].as_array() else {
                return Ok(());
            };
            for field in props {
                let name = field["n"].as_str().unwrap_or_default();
                at.push(name.to_owned());
                match object.get(name) {
                    None | Some(Value::Null) if field["req"] == true => {
                        return Err(("此字段为必填项".into(), true));
                    }
                    None | Some(Value::Null) => {}
                    Some(item) => check(field, item, at, sensitive)?,
                }
                at.pop();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wechatpay::__catalog::{example, minimal};

    #[test]
    fn a_minimal_answer_holds_only_required_fields_at_every_depth() {
        let schema = json!({ "t": "object", "props": [
            { "n": "id", "t": "string", "req": true, "ex": "4200" },
            { "n": "note", "t": "string", "ex": "optional" },
            { "n": "amount", "t": "object", "req": true, "props": [
                { "n": "total", "t": "integer", "req": true, "ex": 100 },
                { "n": "currency", "t": "string", "ex": "CNY" },
            ] },
            { "n": "payer", "t": "object", "props": [
                { "n": "openid", "t": "string", "req": true },
            ] },
            { "n": "items", "t": "array", "req": true, "items": { "t": "object", "props": [
                { "n": "name", "t": "string", "req": true, "ex": "a" },
                { "n": "extra", "t": "integer" },
            ] } },
            { "n": "tags", "t": "array", "items": { "t": "string" } },
        ] });
        assert_eq!(
            minimal(&schema),
            json!({ "id": "4200", "amount": { "total": 100 }, "items": [{ "name": "a" }] })
        );
        let full = example(&schema);
        assert_eq!(full["note"], "optional");
        assert_eq!(full["payer"]["openid"], "example");
        assert_eq!(full["items"][0]["extra"], 1);
    }
}
