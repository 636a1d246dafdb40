//! Every generated v3 operation's answer, over HTTP, decoded with its generated answer type, in
//! both of the sandbox's answer shapes: the full example answer and the minimal one (only the
//! fields the description marks required).
//!
//! The operations are those the generated catalog declares (`__catalog::visit_v3`, every family
//! with `--all-features`); each is sent to the sandbox on loopback as its example request (built
//! from the facts, sent with `Client::request` and the `Wechatpay-Sandbox-Shape` header), and
//! the verified answer's body must decode as the operation's `Endpoint::Response`, as
//! `Client::send` decodes it. The operations the sandbox answers from its state have their own
//! tests (`stateful_generated.rs`); downloads are unsigned and not sent here.

use http::Method;
use wechatpay::__catalog::{CatalogRequest, Check};
use wechatpay::{Answer, Endpoint};
use wechatpay_sandbox::__examples::{example_request, operation, send};
use wechatpay_sandbox::{AnswerShape, SHAPE_HEADER, Sandbox};

/// Decodes an answer as an operation's generated answer type; the error names the field.
type Decode = fn(&Answer) -> Result<(), String>;

fn decode<E: Endpoint>(answer: &Answer) -> Result<(), String> {
    match answer.json::<E::Response>() {
        Ok(_) => Ok(()),
        Err(error) => {
            // The same decode again, for the path of the field that fails.
            let body: &[u8] = if answer.body().is_empty() {
                b"null"
            } else {
                answer.body()
            };
            let mut deserializer = serde_json::Deserializer::from_slice(body);
            let at = match serde_path_to_error::deserialize::<_, E::Response>(&mut deserializer) {
                Err(located) => format!(" at `{}`", located.path()),
                Ok(_) => String::new(),
            };
            Err(format!("{error}{at}"))
        }
    }
}

/// The generated operations, by `METHOD path` (`host:METHOD path` for another host).
#[derive(Default)]
struct Operations(Vec<(String, Decode)>);

impl Check for Operations {
    fn operation<E: Endpoint + CatalogRequest>(&mut self, key: &str) {
        self.0.push((key.to_owned(), decode::<E>));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_generated_answer_type_decodes_the_sandboxs_answers_in_both_shapes() {
    let sandbox = Sandbox::start().await.expect("the sandbox starts");
    let client = sandbox.client().expect("a client for the sandbox");
    let wechatpay_key = wechatpay::PublicKey::from_pem(&sandbox.platform_public_key_pem())
        .expect("the sandbox's WeChat Pay public key");
    let described = wechatpay_sandbox::described_operations();
    let mut operations = Operations::default();
    wechatpay::__catalog::visit_v3(&mut operations);

    let (mut stateful, mut other_host, mut downloads) = (0, 0, 0);
    let mut sent = Vec::new();
    for (key, decode) in &operations.0 {
        let (host, call) = key.split_once(':').unwrap_or(("api", key));
        let (method, template) = call.split_once(' ').expect("`METHOD path`");
        let method: Method = method.parse().expect("a method");
        let facts = operation(&method, template).expect("a generated operation is described");
        if facts["host"] != host {
            // Another host's operation at a path of the main host: reached on that host only.
            other_host += 1;
            continue;
        }
        if !described
            .iter()
            .any(|(known, path)| *known == method && path == template)
        {
            stateful += 1;
            continue;
        }
        if facts["answer"]["kind"] == "download" {
            downloads += 1;
            continue;
        }
        sent.push((key.as_str(), method, facts, *decode));
    }

    let mut report = Vec::new();
    let mut failed = 0;
    for shape in [AnswerShape::Full, AnswerShape::Minimal] {
        let mut failures = Vec::new();
        for (key, method, facts, decode) in &sent {
            let request = example_request(facts, &wechatpay_key);
            let headers = [(SHAPE_HEADER, shape.as_str())];
            match send(&client, method, &request, &headers).await {
                Ok(answer) => {
                    if let Err(error) = decode(&answer) {
                        failures.push(format!("{key}: {error}"));
                    }
                }
                Err(error) => failures.push(format!("{key}: not answered: {error}")),
            }
        }
        failed += failures.len();
        report.push(format!(
            "{} shape: {} of {} answers do not decode as the generated type{}{}",
            shape.as_str(),
            failures.len(),
            sent.len(),
            if failures.is_empty() { "" } else { ":\n  " },
            failures.join("\n  ")
        ));
    }
    let report = report.join("\n");
    println!(
        "{} generated operations: {} sent in both shapes, {stateful} answered from the sandbox's state (stateful_generated.rs), {other_host} of another host at a main-host path, {downloads} downloads\n{report}",
        operations.0.len(),
        sent.len(),
    );
    assert!(failed == 0, "{report}");
    if cfg!(feature = "full") {
        assert!(sent.len() > 900, "only {} operations sent", sent.len());
    } else {
        assert!(!sent.is_empty(), "no operation sent");
    }
}
