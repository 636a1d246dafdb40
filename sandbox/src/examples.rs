//! The example request of a described operation, built from the facts the sandbox answers from,
//! and sent with the raw [`wechatpay::Client::request`] API: what the catalog tests of this
//! package and of `wechatpay` send. Not part of the public API: no stability promise.

use std::sync::OnceLock;

use http::Method;
use serde_json::{Map, Value};
use wechatpay::__catalog::example;

/// The facts the sandbox answers from (`sandbox/facts/catalog.json`, compiled in).
#[must_use]
pub fn facts() -> &'static Value {
    static FACTS: OnceLock<Value> = OnceLock::new();
    FACTS.get_or_init(|| serde_json::from_str(super::catalog::FACTS).unwrap_or(Value::Null))
}

/// The described operation with this method and path template (the main host's first).
#[must_use]
pub fn operation(method: &Method, template: &str) -> Option<&'static Value> {
    let operations = facts()["operations"].as_array()?;
    let matches = |operation: &&Value| {
        operation["method"] == method.as_str() && operation["path"] == template
    };
    operations
        .iter()
        .filter(|operation| operation["host"] == "api")
        .find(matches)
        .or_else(|| operations.iter().find(matches))
}

/// One example request: the path, the query pairs and the body (for methods that carry one).
#[derive(Debug, Clone)]
pub struct ExampleRequest {
    /// The path, placeholders filled in, without the leading `/`.
    pub path: String,
    /// The query pairs.
    pub query: Vec<(String, String)>,
    /// The JSON body, or an upload's `meta`.
    pub body: Option<Map<String, Value>>,
    /// The multipart parts other than `meta`, for an upload.
    pub upload: Option<Upload>,
}

/// A multipart upload: the `meta` JSON (`body` of [`ExampleRequest`] holds its fields), the text
/// parts and the file part's name.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The text parts.
    pub fields: Vec<(String, String)>,
    /// The name of the file part.
    pub file_part: String,
}

/// A path value that needs no percent-encoding.
fn path_value(field: &Value) -> String {
    let text = match example(field) {
        Value::String(text) => text,
        other => other.to_string(),
    };
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        text
    } else {
        "example".into()
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        // A list in a query string: one value, its items joined with `,`.
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// `value` with each sensitive string (`sens`, at any depth of `schema`) encrypted under `key`,
/// as a client must send it.
fn encrypted(schema: &Value, value: Value, key: &wechatpay::PublicKey) -> Value {
    match value {
        Value::String(text) if schema["sens"] == true => Value::String(
            key.encrypt(&text)
                // An example longer than RSA-OAEP takes is sent as is: the sandbox refuses it,
                // naming the field.
                .unwrap_or(text),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| encrypted(&schema["items"], item, key))
                .collect(),
        ),
        Value::Object(object) => {
            let empty = Vec::new();
            let props = schema["props"].as_array().unwrap_or(&empty);
            Value::Object(
                object
                    .into_iter()
                    .map(|(name, item)| {
                        let field = props
                            .iter()
                            .find(|field| field["n"] == name.as_str())
                            .cloned()
                            .unwrap_or(Value::Null);
                        let item = encrypted(&field, item, key);
                        (name, item)
                    })
                    .collect(),
            )
        }
        other => other,
    }
}

/// The example request of `operation` (one operation of [`facts`]), its sensitive values
/// encrypted under `key` (the sandbox's WeChat Pay public key).
#[must_use]
pub fn example_request(operation: &Value, key: &wechatpay::PublicKey) -> ExampleRequest {
    let mut path = operation["path"].as_str().unwrap_or_default().to_owned();
    let mut query = Vec::new();
    let mut upload: Option<Upload> = None;
    let mut meta = None;
    let empty = Vec::new();
    for field in operation["params"].as_array().unwrap_or(&empty) {
        let name = field["n"].as_str().unwrap_or_default();
        match field["loc"].as_str() {
            Some("path") => path = path.replace(&format!("{{{name}}}"), &path_value(field)),
            Some("query") => query.push((name.to_owned(), text(&example(field)))),
            Some("form") if field["t"] == "file" => {
                upload
                    .get_or_insert_with(|| Upload {
                        fields: Vec::new(),
                        file_part: String::new(),
                    })
                    .file_part = name.to_owned();
            }
            Some("form") if name == "meta" => meta = field["props"].as_array(),
            Some("form") => upload
                .get_or_insert_with(|| Upload {
                    fields: Vec::new(),
                    file_part: String::new(),
                })
                .fields
                .push((name.to_owned(), text(&example(field)))),
            _ => {}
        }
    }
    let mut body = operation["body"].as_array().or(meta).map(|fields| {
        fields
            .iter()
            .map(|field| {
                (
                    field["n"].as_str().unwrap_or_default().to_owned(),
                    encrypted(field, example(field), key),
                )
            })
            .collect::<Map<String, Value>>()
    });
    // The digests an upload's `meta` names are those of the file sent.
    if let (Some(_), Some(meta)) = (&upload, body.as_mut()) {
        let file = wechatpay::__catalog::example_file();
        for (key, value) in meta.iter_mut() {
            if matches!(key.as_str(), "sha256" | "file_digest" | "digest") {
                *value = Value::String(file.sha256().to_owned());
            }
            if matches!(key.as_str(), "digest_alogrithm" | "digest_algorithm") {
                *value = Value::String("SHA256".to_owned());
            }
        }
    }
    ExampleRequest {
        path,
        query,
        body,
        upload,
    }
}

/// Sends `request` with `client.request(method, …)`, with the extra `headers`, and returns the
/// verified answer.
///
/// # Errors
/// What [`wechatpay::RequestBuilder::send`] reports, or an upload form that cannot be built.
pub async fn send(
    client: &wechatpay::Client,
    method: &Method,
    request: &ExampleRequest,
    headers: &[(&str, &str)],
) -> Result<wechatpay::Answer, wechatpay::Error> {
    let mut builder = client.request(method.clone(), &request.path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if !request.query.is_empty() {
        builder = builder.query(&request.query);
    }
    match (&request.upload, &request.body) {
        (Some(upload), meta) => {
            let fields: Vec<(&str, &str)> = upload
                .fields
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str()))
                .collect();
            let meta = meta.clone().unwrap_or_default();
            let form = wechatpay::media::UploadForm::new(
                &meta,
                &fields,
                &upload.file_part,
                &wechatpay::__catalog::example_file(),
            )?;
            builder = builder.multipart(form);
        }
        (None, Some(body)) => builder = builder.json(body),
        (None, None) => {}
    }
    builder.send().await
}
