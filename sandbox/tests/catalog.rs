//! The standalone sandbox answers every described operation it has no logic for: the
//! `wechatpay-sandbox` binary runs as a process of its own, and a client in another process,
//! configured only from the `export` lines it prints, sends each operation's example request over
//! HTTP and gets a verified answer equal to the example answer (or `204`); the same request
//! without one of its required fields gets `400 PARAM_ERROR` naming that field.

mod common;

use http::Method;
use serde_json::Value;
use wechatpay::__catalog::example;

fn facts() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/facts/catalog.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("sandbox/facts/catalog.json"))
        .expect("facts")
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

/// One example request: the path, the query pairs and the body (for methods that carry one).
struct Example {
    path: String,
    query: Vec<(String, String)>,
    body: Option<serde_json::Map<String, Value>>,
    upload: Option<Upload>,
}

/// A multipart upload: the `meta` JSON (`body` of [`Example`] holds its fields), the text parts
/// and the file part's name.
struct Upload {
    fields: Vec<(String, String)>,
    file_part: String,
}

/// The file every example upload sends; the digests of its `meta` are computed from it.
fn example_file() -> wechatpay::media::UploadFile {
    wechatpay::media::UploadFile::new("example.png", &b"\x89PNG\r\n\x1a\nexample"[..])
}

/// `value` with each sensitive string (`sens`, at any depth of `schema`) encrypted under `key`,
/// as a client must send it.
fn encrypted(schema: &Value, value: Value, key: &wechatpay::PublicKey) -> Value {
    match value {
        Value::String(text) if schema["sens"] == true => {
            Value::String(key.encrypt(&text).expect("an example fits RSA-OAEP"))
        }
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

fn example_request(operation: &Value, key: &wechatpay::PublicKey) -> Example {
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
            .collect::<serde_json::Map<String, Value>>()
    });
    // The digests an upload's `meta` names are those of the file sent.
    if let (Some(_), Some(meta)) = (&upload, body.as_mut()) {
        let file = example_file();
        for (key, value) in meta.iter_mut() {
            if matches!(key.as_str(), "sha256" | "file_digest" | "digest") {
                *value = Value::String(file.sha256().to_owned());
            }
            if matches!(key.as_str(), "digest_alogrithm" | "digest_algorithm") {
                *value = Value::String("SHA256".to_owned());
            }
        }
    }
    Example {
        path,
        query,
        body,
        upload,
    }
}

async fn send(
    client: &wechatpay::Client,
    method: &Method,
    request: &Example,
) -> Result<wechatpay::Answer, wechatpay::Error> {
    let mut builder = client.request(method.clone(), &request.path);
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
                &example_file(),
            )?;
            builder = builder.multipart(form);
        }
        (None, Some(body)) => builder = builder.json(body),
        (None, None) => {}
    }
    builder.send().await
}

#[test]
fn the_standalone_sandbox_answers_every_described_operation_and_checks_its_required_fields() {
    if common::is_client_process() {
        return; // the client process runs `every_operation_from_a_separate_client` only
    }
    let (_sandbox, exports) = common::start_sandbox(&common::keys_dir("catalog"));
    let stdout = common::client_process("every_operation_from_a_separate_client", &exports);
    assert!(stdout.contains("catalog checked"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_from_a_separate_client() {
    if !common::is_client_process() {
        return; // started by the test above, in a process of its own
    }
    let facts = facts();
    let operations = facts["operations"].as_array().expect("operations");
    let client = wechatpay::Client::from_env().expect("the printed exports configure a client");
    // Sensitive values go encrypted under the WeChat Pay public key the exports name.
    let pem = std::fs::read_to_string(
        std::env::var("WECHATPAY_PUBLIC_KEY").expect("the exports name the WeChat Pay public key"),
    )
    .expect("the WeChat Pay public key file");
    let wechatpay_key = wechatpay::PublicKey::from_pem(&pem).expect("key");
    let mut answered = 0;
    let mut refused = 0;
    let mut uploads = 0;
    let mut failures = Vec::new();
    for (method, template) in wechatpay_sandbox::described_operations() {
        let operation = operations
            .iter()
            .find(|operation| {
                operation["method"] == method.as_str() && operation["path"] == template.as_str()
            })
            .expect("a described operation is in the facts");
        let key = format!("{method} {template}");
        let answer = &operation["answer"];
        if answer["kind"] == "download" {
            // Downloads are not signed: `Client::request` refuses them, as it should.
            continue;
        }
        let request = example_request(operation, &wechatpay_key);
        match send(&client, &method, &request).await {
            Ok(got) => {
                let expected = match answer["kind"].as_str() {
                    Some("json") => example(&answer["schema"]),
                    _ => Value::Null,
                };
                let body: Value = if got.body().is_empty() {
                    Value::Null
                } else {
                    got.json().expect("JSON")
                };
                if body != expected {
                    failures.push(format!("{key}: answered {body}, expected {expected}"));
                }
                answered += 1;
                if request.upload.is_some() {
                    uploads += 1;
                }
            }
            Err(error) => {
                failures.push(format!("{key}: {error}"));
                continue;
            }
        }
        // The same request without its first required query or body field.
        let empty = Vec::new();
        let required_query = operation["params"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .find(|field| field["loc"] == "query" && field["req"] == true);
        let meta_fields = operation["params"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .find(|field| field["loc"] == "form" && field["n"] == "meta")
            .and_then(|meta| meta["props"].as_array());
        let required_body = operation["body"]
            .as_array()
            .or(meta_fields)
            .unwrap_or(&empty)
            .iter()
            .find(|field| field["req"] == true);
        let mut without = example_request(operation, &wechatpay_key);
        let (location, name) = if let Some(field) = required_body {
            let name = field["n"].as_str().unwrap_or_default().to_owned();
            if let Some(body) = without.body.as_mut() {
                body.remove(&name);
            }
            ("body", name)
        } else if let Some(field) = required_query {
            let name = field["n"].as_str().unwrap_or_default().to_owned();
            without.query.retain(|(key, _)| *key != name);
            ("query", name)
        } else {
            continue;
        };
        match send(&client, &method, &without).await {
            Err(wechatpay::Error::Api {
                status,
                code,
                detail: Some(detail),
                ..
            }) if status == 400
                && code == "PARAM_ERROR"
                && detail["location"] == location
                && (detail["field"] == format!("/{name}").as_str()
                    || (meta_fields.is_some()
                        && detail["field"] == format!("/meta/{name}").as_str())) =>
            {
                refused += 1;
            }
            other => failures.push(format!("{key} without `{name}`: {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures ({answered} answered):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(answered > 900, "only {answered} operations answered");
    // The twelve described uploads (the two media uploads have their own route) were sent as
    // multipart forms, their `meta` signed and their file checked against its digest.
    assert_eq!(uploads, 12, "uploads sent");
    assert!(
        refused > 700,
        "only {refused} operations refused without a required field"
    );
    println!("catalog checked: {answered} answered, {refused} refused");
}
