//! `/v3/sandbox/…`: the user's side of the story over HTTP, for a sandbox running in another process
//! (the `wechatpay-sandbox` binary). These routes need no signature; they answer JSON signed like
//! every other answer.
//!
//! The routes are listed in the [module docs](super).

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::server::Reply;
use super::{AnswerShape, Shared};
use wechatpay::error::Error;

/// The path prefix of the control routes.
pub(crate) const PREFIX: &str = "/v3/sandbox/";

#[derive(Deserialize)]
struct SignBody {
    pre_entrustweb_id: String,
}

#[derive(Deserialize)]
struct ShapeBody {
    shape: String,
}

#[derive(Deserialize)]
struct FailBody {
    reason: String,
}

fn refused(error: &Error) -> Reply {
    let message = match error {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    };
    Reply::error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", &message, None)
}

fn body<T: for<'de> Deserialize<'de>>(bytes: &[u8], example: &str) -> Result<T, Reply> {
    serde_json::from_slice(bytes).map_err(|e| {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!("the body must be JSON like {example}: {e}"),
            None,
        )
    })
}

/// Answers one control request.
pub(crate) fn dispatch(shared: &Shared, parts: &http::request::Parts, bytes: &[u8]) -> Reply {
    let path = parts.uri.path().trim_start_matches(PREFIX);
    let segments: Vec<String> = path
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = &parts.method;
    let result = match (method, segments.as_slice()) {
        (&Method::POST, ["contracts", "sign"]) => {
            match body::<SignBody>(bytes, r#"{"pre_entrustweb_id":"…"}"#) {
                Ok(request) => shared
                    .sign_contract(&request.pre_entrustweb_id)
                    .map(|outcome| Reply::ok(json!({ "contract_id": outcome.id }))),
                Err(reply) => return reply,
            }
        }
        (&Method::POST, ["contracts", id, "terminate"]) => shared
            .terminate_contract_as_user(id)
            .map(|outcome| Reply::ok(json!({ "contract_id": outcome.id }))),
        (&Method::POST, ["contracts", id, "fail-deductions"]) => {
            match body::<FailBody>(bytes, r#"{"reason":"余额不足"}"#) {
                Ok(request) => shared
                    .set_failing(id, Some(request.reason))
                    .map(|()| Reply::no_content()),
                Err(reply) => return reply,
            }
        }
        (&Method::DELETE, ["contracts", id, "fail-deductions"]) => {
            shared.set_failing(id, None).map(|()| Reply::no_content())
        }
        (&Method::POST, ["transactions", out_trade_no, "pay"]) => shared
            .pay_transaction(out_trade_no)
            .map(|outcome| Reply::ok(json!({ "transaction_id": outcome.id }))),
        (&Method::PUT, ["sign-check"]) => return super::sign_check::control(shared, bytes),
        (&Method::GET, ["answer-shape"]) => Ok(Reply::ok(
            json!({ "shape": shared.answer_shape().as_str() }),
        )),
        (&Method::PUT, ["answer-shape"]) => {
            let request = match body::<ShapeBody>(bytes, r#"{"shape":"minimal"}"#) {
                Ok(request) => request,
                Err(reply) => return reply,
            };
            let Some(shape) = AnswerShape::from_name(&request.shape) else {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "PARAM_ERROR",
                    &format!(
                        "unknown answer shape `{}`: `full` or `minimal`",
                        request.shape
                    ),
                    Some(json!({ "field": "/shape", "location": "body" })),
                );
            };
            shared.set_answer_shape(shape);
            Ok(Reply::ok(json!({ "shape": shape.as_str() })))
        }
        (&Method::GET, ["charges"]) => {
            let data: Vec<_> = shared
                .charges()
                .into_iter()
                .map(|charge| {
                    json!({
                        "out_trade_no": charge.out_trade_no,
                        "transaction_id": charge.transaction_id,
                        "total": charge.total,
                        "contract_id": charge.contract_id,
                    })
                })
                .collect();
            Ok(Reply::ok(json!({ "data": data })))
        }
        _ => {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!(
                    "no sandbox control at {method} {}: see the wechatpay_sandbox docs for the /v3/sandbox/ routes",
                    parts.uri.path()
                ),
                None,
            );
        }
    };
    result.unwrap_or_else(|error| refused(&error))
}
