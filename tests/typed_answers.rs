//! What a typed call gives besides its answer, over HTTP against the sandbox: the `Request-ID`,
//! status and headers of a success (`send_with_meta`), and the call named in a decode error.

mod common;

use http::StatusCode;
use serde_json::{Map, Value};
use wechatpay::{Endpoint as _, Error, endpoint};
use wechatpay_sandbox::Sandbox;

#[tokio::test]
async fn send_with_meta_gives_the_request_id_status_and_headers_of_a_success() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .send_with_meta(&common::pre_entrust_sign("meta-1"))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let request_id = answer
        .request_id()
        .expect("the sandbox sends a Request-ID")
        .to_owned();
    assert!(!request_id.is_empty());
    assert_eq!(answer.headers()["request-id"].to_str().unwrap(), request_id);
    assert!(answer.headers().contains_key("wechatpay-signature"));
    // The answer reads through `Deref`, and `into_inner` gives the bare typed answer.
    assert!(
        answer
            .pre_entrustweb_id
            .as_deref()
            .expect("the answer has a pre_entrustweb_id")
            .starts_with("PRE")
    );
    let id = answer.get().pre_entrustweb_id.clone();
    let bare: wechatpay::v3::papay::PreEntrustSignResponse = answer.into_inner();
    assert_eq!(bare.pre_entrustweb_id, id);

    // Each call has its own Request-ID.
    let other = client
        .send_with_meta(&common::pre_entrust_sign("meta-2"))
        .await
        .unwrap();
    assert_ne!(other.request_id(), Some(request_id.as_str()));
}

/// The JSON body of the seed pre-sign with its own `out_contract_code`.
fn pre_sign_body(out_contract_code: &str) -> Map<String, Value> {
    match common::pre_entrust_sign(out_contract_code)
        .serialize_body(serde_json::value::Serializer)
        .unwrap()
    {
        Value::Object(body) => body,
        other => panic!("the pre-sign body is not an object: {other}"),
    }
}

/// The pre-sign, declared by a user who forgot that it answers a body: `response = ()`.
#[endpoint(POST, "v3/papay/sign/contracts/pre-entrust-sign", response = ())]
struct PreSignExpectingNothing {
    #[serde(flatten)]
    request: Map<String, Value>,
}

#[tokio::test]
async fn a_decode_error_names_the_method_and_path_of_the_call() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .send(&PreSignExpectingNothing {
            request: pre_sign_body("decode-1"),
        })
        .await
        .unwrap_err();
    let Error::Decode {
        endpoint,
        request_id,
        ..
    } = &error
    else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(endpoint, "POST v3/papay/sign/contracts/pre-entrust-sign");
    assert!(request_id.is_some(), "{error}");
    assert!(
        error
            .to_string()
            .contains("`POST v3/papay/sign/contracts/pre-entrust-sign`"),
        "{error}"
    );
}

#[tokio::test]
async fn a_decode_error_of_the_escape_hatch_names_its_method_and_path() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .request(
            http::Method::POST,
            "v3/papay/sign/contracts/pre-entrust-sign",
        )
        .json(&pre_sign_body("decode-2"))
        .send()
        .await
        .unwrap();
    let error = answer.json::<Vec<u8>>().unwrap_err();
    assert!(
        matches!(&error, Error::Decode { endpoint, .. } if endpoint == "POST v3/papay/sign/contracts/pre-entrust-sign"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_answer_is_called_an_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(wechatpay_sandbox::Fault::TamperBody);
    let error = client
        .send(&common::pre_entrust_sign("refused-1"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("the answer's signature"),
        "{error}"
    );
}

/// The sandbox's stand-in for the terminate call, answering `204 No Content` (`response = ()`).
#[endpoint(
    POST,
    "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}/terminate",
    response = ()
)]
#[derive(serde::Deserialize)]
struct TerminateAnsweredEmpty {
    plan_id: i64,
    out_contract_code: String,
}

#[tokio::test]
async fn an_empty_204_reads_as_an_answer_without_fields_where_every_field_is_optional() {
    use wechatpay::v3::papay::{TerminateContract, TerminateContractResponse};
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.handle(|request: TerminateAnsweredEmpty| {
        assert_eq!(
            (request.plan_id, request.out_contract_code.as_str()),
            (12535, "c-204")
        );
        Ok(())
    });
    let client = sandbox.client().unwrap();
    let answer = client
        .send_with_meta(&TerminateContract {
            plan_id: 12535,
            out_contract_code: "c-204".into(),
            contract_termination_remark: "用户解约".into(),
        })
        .await
        .expect("a 204 to a terminate is its success, not a decode error");
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    let answer: TerminateContractResponse = answer.into_inner();
    assert!(answer.contract_id.is_none() && answer.plan_id.is_none());
}
