//! The standalone sandbox answers every described operation it has no logic for: the
//! `wechatpay-sandbox` binary runs as a process of its own, and a client in another process,
//! configured only from the `export` lines it prints, sends each operation's example request over
//! HTTP and gets a verified answer equal to the example answer (or `204`), in both shapes: full
//! by default, minimal with `Wechatpay-Sandbox-Shape: minimal` or after the control route sets
//! it; the same request without one of its required fields gets `400 PARAM_ERROR` naming that
//! field.

mod common;

use http::Method;
use serde_json::Value;
use wechatpay::__catalog::{example, minimal};
use wechatpay_sandbox::__examples::{example_request, send};
use wechatpay_sandbox::{AnswerShape, SHAPE_HEADER};

fn facts() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/facts/catalog.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("sandbox/facts/catalog.json"))
        .expect("facts")
}

#[test]
fn the_standalone_sandbox_answers_every_described_operation_and_checks_its_required_fields() {
    if common::is_client_process() {
        return; // the client process runs `every_operation_from_a_separate_client` only
    }
    let (_sandbox, exports) = common::start_sandbox(&common::keys_dir("catalog"));
    let stdout = common::client_process("every_operation_from_a_separate_client", &exports);
    assert!(stdout.contains("catalog checked"), "{stdout}");
    let summary = stdout.lines().find(|line| line.contains("catalog checked"));
    println!("{}", summary.unwrap_or_default());
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
    let mut smaller = 0;
    let mut minimal_probe = None;
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
        // Without the shape header the answer is full (the default); with it, as named.
        let shapes = [
            (None, AnswerShape::Full),
            (Some("minimal"), AnswerShape::Minimal),
            (Some("full"), AnswerShape::Full),
        ];
        let mut sent = true;
        for (header, shape) in shapes {
            let headers: Vec<(&str, &str)> = header
                .map(|name| (SHAPE_HEADER, name))
                .into_iter()
                .collect();
            match send(&client, &method, &request, &headers).await {
                Ok(got) => {
                    let expected = match (answer["kind"].as_str(), shape) {
                        (Some("json"), AnswerShape::Full) => example(&answer["schema"]),
                        (Some("json"), _) => minimal(&answer["schema"]),
                        _ => Value::Null,
                    };
                    let body: Value = if got.body().is_empty() {
                        Value::Null
                    } else {
                        got.json().expect("JSON")
                    };
                    if body != expected {
                        failures.push(format!(
                            "{key} ({}): answered {body}, expected {expected}",
                            shape.as_str()
                        ));
                    }
                    if shape == AnswerShape::Minimal
                        && body != Value::Null
                        && body != example(&answer["schema"])
                    {
                        smaller += 1;
                    }
                }
                Err(error) => {
                    failures.push(format!("{key} ({}): {error}", shape.as_str()));
                    sent = false;
                }
            }
        }
        if !sent {
            continue;
        }
        answered += 1;
        if request.upload.is_some() {
            uploads += 1;
        }
        if minimal_probe.is_none()
            && answer["kind"] == "json"
            && minimal(&answer["schema"]) != example(&answer["schema"])
        {
            minimal_probe = Some((method.clone(), request.clone(), answer["schema"].clone()));
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
        match send(&client, &method, &without, &[]).await {
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
    // Most minimal answers leave fields out.
    assert!(
        smaller > 500,
        "only {smaller} minimal answers differ from the full ones"
    );
    let (method, request, schema) = minimal_probe.expect("an operation with optional fields");
    shape_control(&client, &method, &request, &schema).await;
    println!("catalog checked: {answered} answered in both shapes, {refused} refused");
}

/// The control route sets the default shape; the header still chooses per request; a shape
/// that is neither is refused, naming the header.
async fn shape_control(
    client: &wechatpay::Client,
    method: &Method,
    request: &wechatpay_sandbox::__examples::ExampleRequest,
    schema: &Value,
) {
    let shape_now = || async {
        let answer = client
            .request(Method::GET, "v3/sandbox/answer-shape")
            .send()
            .await
            .expect("the control route answers");
        answer.json::<Value>().expect("JSON")["shape"].clone()
    };
    let body = |answer: wechatpay::Answer| answer.json::<Value>().expect("JSON");
    assert_eq!(shape_now().await, "full", "the default shape");
    let set = client
        .request(Method::PUT, "v3/sandbox/answer-shape")
        .json(&serde_json::json!({ "shape": "minimal" }))
        .send()
        .await
        .expect("the control route sets the shape");
    assert_eq!(body(set)["shape"], "minimal");
    assert_eq!(shape_now().await, "minimal");
    let answer = send(client, method, request, &[]).await.expect("answered");
    assert_eq!(body(answer), minimal(schema), "the default is now minimal");
    let answer = send(client, method, request, &[(SHAPE_HEADER, "FULL")])
        .await
        .expect("answered");
    assert_eq!(
        body(answer),
        example(schema),
        "the header overrides the default"
    );
    match send(client, method, request, &[(SHAPE_HEADER, "tiny")]).await {
        Err(wechatpay::Error::Api {
            status,
            code,
            detail: Some(detail),
            ..
        }) => {
            assert_eq!(status, 400);
            assert_eq!(code, "INVALID_REQUEST");
            assert_eq!(detail["field"], SHAPE_HEADER);
        }
        other => panic!("an unknown shape is refused: {other:?}"),
    }
    match client
        .request(Method::PUT, "v3/sandbox/answer-shape")
        .json(&serde_json::json!({ "shape": "tiny" }))
        .send()
        .await
    {
        Err(wechatpay::Error::Api { status, code, .. }) => {
            assert_eq!(status, 400);
            assert_eq!(code, "PARAM_ERROR");
        }
        other => panic!("an unknown default shape is refused: {other:?}"),
    }
    client
        .request(Method::PUT, "v3/sandbox/answer-shape")
        .json(&serde_json::json!({ "shape": "full" }))
        .send()
        .await
        .expect("the control route sets the shape back");
    let answer = send(client, method, request, &[]).await.expect("answered");
    assert_eq!(body(answer), example(schema), "full again");
}
