//! Answers for the endpoints a user declares: [`Sandbox::handle`] registers a handler for an
//! `#[endpoint]` type; the sandbox decodes each matching request into that type, calls the
//! handler, and signs what it returns like every other answer.

use std::sync::{Arc, PoisonError, RwLock};

use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use wechatpay::Endpoint;

use super::routes::{Params, match_template};
use super::server::Reply;
use super::{Sandbox, Shared};

/// A WeChat Pay error answer from a handler: `{"code": …, "message": …}` with its status.
///
/// ```
/// use wechatpay_sandbox::ApiError;
/// let refused = ApiError::new(400, "PARAM_ERROR", "amount.total must be positive");
/// assert_eq!(refused.status(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    /// An error answer; a status that is not a valid 4xx/5xx code becomes `500`.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The WeChat Pay error code, such as `PARAM_ERROR` or `ORDER_NOT_EXIST`.
    pub fn code(&self) -> &str {
        &self.code
    }
}

type UserHandler = Arc<dyn Fn(&Params, &str, &[u8]) -> Reply + Send + Sync>;

/// One registered endpoint: its method, path template and handler.
pub(crate) struct UserRoute {
    method: http::Method,
    template: &'static str,
    handler: UserHandler,
}

/// The user's routes, looked at before the sandbox's own.
#[derive(Default)]
pub(crate) struct UserRoutes(RwLock<Vec<UserRoute>>);

impl UserRoutes {
    /// The answer of a registered handler for this request, when one matches it.
    pub(crate) fn dispatch(&self, parts: &http::request::Parts, body: &[u8]) -> Option<Reply> {
        let routes = self.0.read().unwrap_or_else(PoisonError::into_inner);
        let path = parts.uri.path();
        routes.iter().find_map(|route| {
            let params = match_template(route.template, path)?;
            (route.method == parts.method)
                .then(|| (route.handler)(&params, parts.uri.query().unwrap_or(""), body))
        })
    }
}

impl Sandbox {
    /// Answers the endpoint `E` with `handler` from now on: each request to `E`'s method and path
    /// is decoded into `E` (path placeholders, query string and JSON body, as `#[endpoint]`
    /// rendered them), handed to `handler`, and its `Ok` answer is sent signed (`200` with the
    /// JSON of the answer, or `204` when it serializes to `null`, as `()` does); an `Err` is sent
    /// as that WeChat Pay error. A request that does not decode into `E` gets `400 PARAM_ERROR`.
    /// A handler registered later for the same endpoint wins; handlers come before the sandbox's
    /// own routes, so a test can also replace a built-in answer.
    ///
    /// `E` must also implement `Deserialize` (add `serde::Deserialize` to its derives in tests),
    /// and its answer type `Serialize`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wechatpay::Error> {
    /// use serde::{Deserialize, Serialize};
    /// use wechatpay_sandbox::{ApiError, Sandbox};
    ///
    /// #[derive(Debug, Serialize, Deserialize, PartialEq)]
    /// pub struct Balance { pub available_amount: u64 }
    ///
    /// #[wechatpay::endpoint(GET, "v3/merchant/fund/balance/{account_type}", response = Balance)]
    /// #[derive(Deserialize)]
    /// pub struct QueryBalance { pub account_type: String }
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.handle(|request: QueryBalance| match request.account_type.as_str() {
    ///     "BASIC" => Ok(Balance { available_amount: 100_000 }),
    ///     _ => Err(ApiError::new(400, "PARAM_ERROR", "account_type is not known")),
    /// });
    /// let client = sandbox.client()?;
    /// let balance = client.send(&QueryBalance { account_type: "BASIC".into() }).await?;
    /// assert_eq!(balance.available_amount, 100_000);
    /// # Ok(()) }
    /// ```
    pub fn handle<E, F>(&self, handler: F)
    where
        E: Endpoint + DeserializeOwned + 'static,
        E::Response: Serialize,
        F: Fn(E) -> Result<E::Response, ApiError> + Send + Sync + 'static,
    {
        let handler: UserHandler =
            Arc::new(
                move |params, query, body| match decode_request::<E>(params, query, body) {
                    Ok(request) => match handler(request) {
                        Ok(answer) => match serde_json::to_value(&answer) {
                            Ok(Value::Null) => Reply::no_content(),
                            Ok(value) => Reply::ok(value),
                            Err(e) => Reply::error(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                "SANDBOX_HANDLER_ERROR",
                                &format!(
                                    "the handler's answer for {} {} does not serialize: {e}",
                                    E::METHOD,
                                    E::PATH
                                ),
                                None,
                            ),
                        },
                        Err(error) => Reply::error(error.status, &error.code, &error.message, None),
                    },
                    Err(reply) => reply,
                },
            );
        let mut routes = self
            .shared
            .user_routes
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        routes.retain(|route| !(route.method == E::METHOD && route.template == E::PATH));
        routes.insert(
            0,
            UserRoute {
                method: E::METHOD,
                template: E::PATH,
                handler,
            },
        );
    }
}

/// The request as `E`: the JSON body's fields, the query's, and the path placeholders.
///
/// Query and path values arrive as text; a value that is all digits is tried as a number when
/// the text does not fit the field (a `u64` placeholder such as `{plan_id}`).
fn decode_request<E: DeserializeOwned>(
    params: &Params,
    query: &str,
    body: &[u8],
) -> Result<E, Reply> {
    let mut object = if body.is_empty() {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(param_error("the body is not a JSON object", "body", "")),
            Err(e) => {
                return Err(param_error(
                    &format!("the body is not JSON: {e}"),
                    "body",
                    "",
                ));
            }
        }
    };
    let mut texts: Vec<(String, String, &'static str)> = Vec::new();
    for (name, value) in form_urlencoded(query) {
        texts.push((name, value, "query"));
    }
    for (name, value) in params {
        texts.push(((*name).to_owned(), value.clone(), "path"));
    }
    for (name, value, _) in &texts {
        object.insert(name.clone(), Value::String(value.clone()));
    }
    match serde_json::from_value::<E>(Value::Object(object.clone())) {
        Ok(request) => Ok(request),
        Err(first) => {
            for (name, value, _) in &texts {
                if let Ok(number) = value.parse::<u64>() {
                    object.insert(name.clone(), json!(number));
                }
            }
            serde_json::from_value::<E>(Value::Object(object)).map_err(|_| {
                param_error(
                    &format!("the request does not decode as the declared type: {first}"),
                    "body",
                    "",
                )
            })
        }
    }
}

fn form_urlencoded(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

fn param_error(message: &str, location: &str, field: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "PARAM_ERROR",
        message,
        Some(json!({ "location": location, "field": field })),
    )
}

/// The sandbox state's user routes, for dispatch.
pub(crate) fn user_answer(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Option<Reply> {
    shared.user_routes.dispatch(parts, body)
}
