//! The `Endpoint` trait that `#[endpoint]` implements, and the rendering of a request from it.
//!
//! The macro generates only what is specific to one struct: the method, the path template, how the
//! path placeholders are filled, and which fields go to the query string and which to the JSON body.
//! Everything else (rendering the target once, signing it, sending, verifying, decoding) is ordinary
//! generic code in [`crate::Client`].
//!
//! This module and the attribute share the name `endpoint`, as serde's `Serialize` trait and derive
//! do: they live in different namespaces, so `use wechatpay::endpoint;` brings both, and
//! `#[endpoint(…)]` and `endpoint::RenderedRequest` then both resolve. In rustdoc links, write
//! `macro@wechatpay::endpoint` for the attribute and `mod@wechatpay::endpoint` for this module.

use http::Method;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use std::fmt::{Display, Write as _};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;

/// A WeChat Pay API v3 endpoint: a request type that knows its method, path, query, body and answer.
///
/// Implemented by [`#[endpoint]`](macro@crate::endpoint); write the attribute, not the impl.
///
/// ```
/// use wechatpay::{Endpoint, endpoint};
///
/// #[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
/// pub struct QueryById {
///     pub transaction_id: String,
///     pub mchid: String,
/// }
///
/// let request = QueryById { transaction_id: "4200 01/ab".into(), mchid: "1230000109".into() };
/// let rendered = wechatpay::endpoint::RenderedRequest::new(&request).unwrap();
/// assert_eq!(QueryById::PATH, "v3/pay/transactions/id/{transaction_id}");
/// assert_eq!(rendered.target(), "/v3/pay/transactions/id/4200%2001%2Fab?mchid=1230000109");
/// assert!(rendered.body().is_none());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a WeChat Pay endpoint",
    label = "this request type was not declared as an endpoint",
    note = "declare it with `#[wechatpay::endpoint(POST, \"v3/...\", response = Answer)]` on the struct"
)]
pub trait Endpoint {
    /// The decoded answer; `()` for endpoints that answer `204 No Content`.
    type Response: DeserializeOwned;

    /// The HTTP method.
    const METHOD: Method;

    /// The path template as declared, without the leading `/` (`v3/papay/…/{plan_id}`).
    const PATH: &'static str;

    /// Whether the answer is signed by WeChat Pay (`unsigned_response` in the declaration makes
    /// it `false`). Unsigned are the v3 downloads, and the v2 operations WeChat Pay answers
    /// without `sign` (企业付款 `mmpaymkttransfers/promotion/transfers`, its query, red packets …),
    /// whose answers are read as they come over TLS from WeChat Pay's host.
    const SIGNED_RESPONSE: bool = true;

    /// Which protocol the endpoint speaks: API v3 (JSON, RSA) unless declared `protocol = v2`.
    const PROTOCOL: Protocol = Protocol::V3;

    /// Whether WeChat Pay requires the client certificate (mutual TLS) for this endpoint
    /// (`client_certificate` in the declaration).
    const CLIENT_CERTIFICATE: bool = false;

    /// Writes the request path (leading `/`, placeholders percent-encoded) to `out`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when a path parameter renders empty, `.` or `..`.
    fn write_path(&self, out: &mut String) -> Result<(), Error>;

    /// Serializes the query-string fields as one struct (nothing when the endpoint has none).
    ///
    /// # Errors
    /// Whatever the serializer reports.
    fn serialize_query<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit_struct("NoQuery")
    }

    /// Whether this endpoint has query-string fields.
    const HAS_QUERY: bool = false;

    /// Whether some fields are sensitive (`#[wechatpay(encrypt)]`): they are sent RSA-OAEP
    /// encrypted under a WeChat Pay key, and the request names that key in `Wechatpay-Serial`.
    const ENCRYPTS: bool = false;

    /// Serializes the JSON body fields as one object. Only called for methods that carry a body
    /// (POST, PUT, PATCH, and a DELETE with [`Endpoint::BODY_ON_DELETE`]). In a multipart upload
    /// these fields are the `meta` JSON, which the signature covers.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    fn serialize_body<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit_struct("NoBody")
    }

    /// Whether this `DELETE` carries a JSON body (fields marked `#[wechatpay(body)]`), which the
    /// signature covers like any other body.
    const BODY_ON_DELETE: bool = false;

    /// For a multipart upload (a field marked `#[wechatpay(file)]`): the name of the file part and
    /// the file. The request is then `multipart/form-data`: the `meta` part (the JSON of the
    /// body fields, which the signature covers), the text parts of [`Endpoint::serialize_form`],
    /// and the file.
    fn upload_file(&self) -> Option<(&'static str, &crate::multipart::UploadFile)> {
        None
    }

    /// Whether the upload has text parts beside `meta` (fields marked `#[wechatpay(form)]`).
    const HAS_FORM: bool = false;

    /// Serializes the text parts of an upload as one struct.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    fn serialize_form<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit_struct("NoForm")
    }
}

/// The protocol of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// API v3: JSON, signed with the merchant RSA key, answers verified with WeChat Pay's key.
    V3,
    /// API v2: flat XML signed with the APIv2 key, answers verified with it (see [`crate::v2`]).
    V2,
}

/// A type that can be one value of a query string: text, a number, a boolean, or an enum of unit
/// variants (which serde writes as its wire name). `Option` of such a type is left out when `None`.
///
/// `#[endpoint]` checks every query field against this trait at compile time, so a nested struct
/// in a `GET` is an error where it was declared, not a failed request. Implement it for your own
/// unit-variant enums:
///
/// ```
/// #[derive(serde::Serialize)]
/// pub enum BillType {
///     #[serde(rename = "ALL")]
///     All,
///     #[serde(rename = "SUCCESS")]
///     Success,
/// }
/// impl wechatpay::endpoint::QueryValue for BillType {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a query-string value",
    label = "query values are text, numbers, booleans or unit-variant enums",
    note = "a nested struct or a list cannot form a query string (join a list into one `String` as the API documents); for an enum of unit variants declared in your crate, add `impl wechatpay::endpoint::QueryValue for {Self} {{}}`"
)]
pub trait QueryValue {}

macro_rules! query_values {
    ($($ty:ty),* $(,)?) => { $(impl QueryValue for $ty {})* };
}
query_values!(
    str, String, bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32,
    f64
);
impl<T: QueryValue + ?Sized> QueryValue for &T {}
impl<T: QueryValue> QueryValue for Option<T> {}
impl<T: QueryValue + ?Sized> QueryValue for Box<T> {}
impl QueryValue for std::borrow::Cow<'_, str> {}

/// The path of a request target, without its leading `/` and its query.
fn path_of(target: &str) -> std::borrow::Cow<'static, str> {
    let path = target.split('?').next().unwrap_or_default();
    std::borrow::Cow::Owned(path.trim_start_matches('/').to_owned())
}

/// Whether requests with this method carry a JSON body.
pub(crate) fn method_has_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

/// The text parts of an upload, in declaration order: text as it is, numbers and booleans as
/// their JSON text; `None` left out.
fn form_fields(
    form: &impl Serialize,
    endpoint: &'static str,
) -> Result<Vec<(String, String)>, Error> {
    let invalid = |problem: String| Error::InvalidRequest { endpoint, problem };
    let value = serde_json::to_value(form)
        .map_err(|e| invalid(format!("the form fields cannot be encoded: {e}")))?;
    let serde_json::Value::Object(fields) = value else {
        return Ok(Vec::new());
    };
    let mut parts = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => value.to_string(),
            other => {
                return Err(invalid(format!(
                    "the form field `{name}` is {other}, but a form part is text or a number"
                )));
            }
        };
        parts.push((name, text));
    }
    Ok(parts)
}

thread_local! {
    /// The key sensitive fields are encrypted with while one request is rendered.
    static ENCRYPTOR: std::cell::RefCell<Option<std::rc::Rc<crate::crypto::OaepEncryptor>>> =
        const { std::cell::RefCell::new(None) };
    /// Set when a sensitive value was met while no key was set: the rendering failed, and the
    /// request needs a key (a `#[wechatpay(encrypt)]` field of a nested `#[wechatpay::model]`).
    static SENSITIVE_WITHOUT_KEY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Encrypts one sensitive value with the key of the request being rendered.
///
/// Without a key the value is refused, so that the whole rendering fails: a request is either
/// rendered with every sensitive value encrypted or not at all, never in clear text.
pub(crate) fn encrypt_sensitive(plaintext: &str) -> Result<String, String> {
    ENCRYPTOR.with(|slot| match slot.borrow().as_deref() {
        Some(encryptor) => encryptor.encrypt(plaintext.as_bytes()),
        None => {
            SENSITIVE_WITHOUT_KEY.with(|seen| seen.set(true));
            Err(
                "a sensitive field (`#[wechatpay(encrypt)]`) needs a WeChat Pay key to be encrypted with: render it with `RenderedRequest::with_encryption(&request, serial, &key)`, or send it with `Client::send`, which encrypts it".into(),
            )
        }
    })
}

/// Holds the key of one rendering in [`ENCRYPTOR`] and puts the previous one back when dropped,
/// even when a `Serialize` impl panics, so that no key outlives its request on this thread.
struct EncryptorScope {
    previous: Option<std::rc::Rc<crate::crypto::OaepEncryptor>>,
}

impl EncryptorScope {
    fn set(encryptor: Option<std::rc::Rc<crate::crypto::OaepEncryptor>>) -> Self {
        SENSITIVE_WITHOUT_KEY.with(|seen| seen.set(false));
        Self {
            previous: ENCRYPTOR.with(|slot| slot.replace(encryptor)),
        }
    }
}

impl Drop for EncryptorScope {
    fn drop(&mut self) {
        ENCRYPTOR.with(|slot| slot.replace(self.previous.take()));
    }
}

struct QueryOf<'a, E>(&'a E);

impl<E: Endpoint> Serialize for QueryOf<'_, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_query(serializer)
    }
}

struct FormOf<'a, E>(&'a E);

impl<E: Endpoint> Serialize for FormOf<'_, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_form(serializer)
    }
}

struct BodyOf<'a, E>(&'a E);

impl<E: Endpoint> Serialize for BodyOf<'_, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_body(serializer)
    }
}

/// A request rendered once: the exact target and body bytes that are signed and sent.
///
/// [`Client::send`](crate::Client::send) renders each request exactly once and never re-serializes
/// it, so the signature always covers the bytes on the wire.
#[derive(Debug, Clone)]
pub struct RenderedRequest {
    method: Method,
    target: String,
    body: Option<bytes::Bytes>,
    wechatpay_serial: Option<String>,
    /// What the signature covers when it is not the body: media uploads send a multipart body
    /// but sign only its `meta` JSON.
    signed_body: Option<bytes::Bytes>,
    /// The body's `Content-Type` when it is not `application/json`.
    content_type: Option<String>,
    /// The path template (`v3/papay/…/{plan_id}`), or the path itself for a request no endpoint
    /// declares: what errors and traces name the call by.
    template: std::borrow::Cow<'static, str>,
    /// Headers the escape hatch adds (`RequestBuilder::header`).
    extra_headers: http::HeaderMap,
}

impl RenderedRequest {
    /// Renders `request`: path, query string and JSON body.
    ///
    /// An endpoint with sensitive fields (`#[wechatpay(encrypt)]`) is rendered with
    /// [`RenderedRequest::with_encryption`] instead ([`Client::send`](crate::Client::send) does it).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when a path parameter is empty, `.` or `..`, or a field cannot be encoded
    /// (a nested struct in a query string, a map with non-string keys in the body), or a sensitive
    /// field holds a value, at any depth, which needs a key to be encrypted with.
    pub fn new<E: Endpoint>(request: &E) -> Result<Self, Error> {
        Self::render(request)
    }

    /// Renders a request whose sensitive fields are encrypted with `key`, the WeChat Pay key
    /// named `serial`; the request then carries `Wechatpay-Serial: serial`.
    ///
    /// # Errors
    /// As [`RenderedRequest::new`], and when a sensitive value is too long to encrypt.
    pub fn with_encryption<E: Endpoint>(
        request: &E,
        serial: &str,
        key: &crate::PublicKey,
    ) -> Result<Self, Error> {
        let encryptor =
            std::rc::Rc::new(crate::crypto::OaepEncryptor::from_spki_der(key.spki_der())?);
        let rendered = {
            let _scope = EncryptorScope::set(Some(encryptor));
            Self::render(request)
        };
        let mut rendered = rendered?;
        rendered.wechatpay_serial = Some(serial.to_owned());
        Ok(rendered)
    }

    /// Renders a request without a key; `Ok(None)` when a sensitive value was met on the way
    /// (inside a nested [`#[wechatpay::model]`](macro@crate::model)), so that it must be rendered
    /// again with [`RenderedRequest::with_encryption`]. Nothing of the first attempt is kept.
    pub(crate) fn without_sensitive_values<E: Endpoint>(
        request: &E,
    ) -> Result<Option<Self>, Error> {
        let (rendered, sensitive) = {
            let _scope = EncryptorScope::set(None);
            let rendered = Self::render(request);
            (rendered, SENSITIVE_WITHOUT_KEY.with(std::cell::Cell::get))
        };
        if sensitive {
            return Ok(None);
        }
        rendered.map(Some)
    }

    fn render<E: Endpoint>(request: &E) -> Result<Self, Error> {
        let mut target = String::with_capacity(E::PATH.len() + 32);
        request.write_path(&mut target)?;
        if E::HAS_QUERY {
            let query = serde_urlencoded::to_string(QueryOf(request)).map_err(|e| {
                Error::InvalidRequest {
                    endpoint: E::PATH,
                    problem: format!("the query string cannot be encoded: {e}"),
                }
            })?;
            if !query.is_empty() {
                target.push('?');
                target.push_str(&query);
            }
        }
        let body = if method_has_body(&E::METHOD) || E::BODY_ON_DELETE {
            let json = serde_json::to_vec(&BodyOf(request)).map_err(|e| Error::InvalidRequest {
                endpoint: E::PATH,
                problem: format!("the JSON body cannot be encoded: {e}"),
            })?;
            Some(bytes::Bytes::from(json))
        } else {
            None
        };
        if let Some((part, file)) = request.upload_file() {
            // The body fields are the `meta` JSON: signed as they appear in the multipart body.
            let meta = body.unwrap_or_else(|| bytes::Bytes::from_static(b"{}"));
            let fields = if E::HAS_FORM {
                form_fields(&FormOf(request), E::PATH)?
            } else {
                Vec::new()
            };
            let form = crate::multipart::UploadForm::encode(E::PATH, meta, &fields, part, file)?;
            let mut rendered = form.rendered(E::METHOD, target);
            rendered.template = std::borrow::Cow::Borrowed(E::PATH);
            return Ok(rendered);
        }
        Ok(Self {
            method: E::METHOD,
            target,
            body,
            wechatpay_serial: None,
            signed_body: None,
            content_type: None,
            template: std::borrow::Cow::Borrowed(E::PATH),
            extra_headers: http::HeaderMap::new(),
        })
    }

    /// Builds a rendered request from parts already encoded (the escape hatch uses this).
    pub(crate) fn from_parts(method: Method, target: String, body: Option<bytes::Bytes>) -> Self {
        let template = path_of(&target);
        Self {
            method,
            target,
            body,
            wechatpay_serial: None,
            signed_body: None,
            content_type: None,
            template,
            extra_headers: http::HeaderMap::new(),
        }
    }

    /// A request whose body is not JSON and is not what the signature covers: a media upload
    /// sends `body` (multipart) with `content_type` and signs `signed_body` (the `meta` JSON).
    pub(crate) fn with_signed_body(
        method: Method,
        target: String,
        body: bytes::Bytes,
        signed_body: bytes::Bytes,
        content_type: String,
    ) -> Self {
        let template = path_of(&target);
        Self {
            method,
            target,
            body: Some(body),
            wechatpay_serial: None,
            signed_body: Some(signed_body),
            content_type: Some(content_type),
            template,
            extra_headers: http::HeaderMap::new(),
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request target as sent and signed: `/v3/…` plus `?query` when there is one.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The exact body bytes, for methods that carry one (JSON, or multipart for media uploads).
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The bytes the signature covers in its `BODY` line: the body, except for media uploads,
    /// which sign their `meta` JSON exactly as it appears in the multipart body.
    pub fn signed_body(&self) -> Option<&[u8]> {
        self.signed_body.as_deref().or(self.body.as_deref())
    }

    /// The `Content-Type` of the body: `application/json`, or `multipart/form-data; boundary=…`
    /// for media uploads; `None` without a body.
    pub fn content_type(&self) -> Option<&str> {
        match (&self.content_type, &self.body) {
            (Some(content_type), _) => Some(content_type),
            (None, Some(_)) => Some("application/json"),
            (None, None) => None,
        }
    }

    /// The same request with `headers` added to those the client sends.
    pub(crate) fn with_headers(mut self, headers: http::HeaderMap) -> Self {
        self.extra_headers = headers;
        self
    }

    /// The headers added to those the client sends.
    pub(crate) fn extra_headers(&self) -> &http::HeaderMap {
        &self.extra_headers
    }

    /// The path template the request was rendered from, without the leading `/`
    /// (`v3/papay/sign/contracts/plan-id/{plan_id}/…`); for a request sent with
    /// [`Client::request`](crate::Client::request), its path without the query.
    pub fn path_template(&self) -> &str {
        &self.template
    }

    /// The call as errors and traces name it: the method and the path template,
    /// `POST v3/papay/contracts/{contract_id}/notify`.
    pub(crate) fn call(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// The WeChat Pay key sensitive fields were encrypted with, sent as `Wechatpay-Serial`.
    pub fn wechatpay_serial(&self) -> Option<&str> {
        self.wechatpay_serial.as_deref()
    }

    /// Whether sending this request again cannot act twice: a `GET`, or a request that names
    /// the operation by the merchant's own id, in its path (a segment such as `out-trade-no`,
    /// `out-contract-code`) or as a top-level JSON field (`out_trade_no`, `out_refund_no` …),
    /// which WeChat Pay keys the operation by.
    pub fn is_keyed_by_merchant_id(&self) -> bool {
        if matches!(self.method, Method::GET | Method::HEAD) {
            return true;
        }
        let path = self.target.split('?').next().unwrap_or_default();
        if path.split('/').any(|segment| segment.starts_with("out-")) {
            return true;
        }
        let Some(body) = self.body.as_deref().filter(|_| self.content_type.is_none()) else {
            return false;
        };
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).is_ok_and(
            |fields| {
                fields.iter().any(|(name, value)| {
                    name.starts_with("out_") && value.as_str().is_some_and(|id| !id.is_empty())
                })
            },
        )
    }

    pub(crate) fn body_bytes(&self) -> Option<bytes::Bytes> {
        self.body.clone()
    }
}

// What `#[endpoint]` checks field types against, and the functions the generated code calls: here
// rather than in `__private`, so that a compiler note names a documented place.

/// Everything but the RFC 3986 unreserved characters is percent-encoded in a path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value that can fill a `{placeholder}` of an endpoint path: anything that implements
/// `Display`, written percent-encoded. `#[endpoint]` checks path fields against it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot fill a path placeholder",
    label = "a path parameter must implement `Display`",
    note = "use a `String`, an integer, or a type that implements `Display` for fields named in the path"
)]
pub trait PathParam {
    /// Writes the value, unencoded.
    fn write_raw(&self, out: &mut String);
}

impl<T: Display + ?Sized> PathParam for T {
    fn write_raw(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

/// Appends one path parameter, percent-encoded (case kept), to `out`.
///
/// # Errors
/// [`Error::InvalidRequest`] when the value renders empty, `.` or `..` (the request would address
/// another resource).
#[doc(hidden)]
pub fn push_path_param<T: PathParam + ?Sized>(
    out: &mut String,
    value: &T,
    endpoint: &'static str,
    field: &'static str,
) -> Result<(), Error> {
    let mut raw = String::new();
    value.write_raw(&mut raw);
    if raw.is_empty() {
        return Err(Error::InvalidRequest {
            endpoint,
            problem: format!("the path parameter `{field}` is empty; it must name a resource"),
        });
    }
    // `.` and `..` are left unencoded (unreserved), and a server or proxy that normalizes the path
    // would resolve them to another resource; encoding them as `%2E` does not help, since URL
    // parsers treat `%2E%2E` as `..` too.
    if raw == "." || raw == ".." {
        return Err(Error::InvalidRequest {
            endpoint,
            problem: format!(
                "the path parameter `{field}` is `{raw}`, a dot segment; it would address another resource"
            ),
        });
    }
    out.extend(percent_encoding::utf8_percent_encode(&raw, PATH_SEGMENT));
    Ok(())
}

/// Compile-time check that a query field's type can be a query-string value.
#[doc(hidden)]
pub fn assert_query_value<T: QueryValue + ?Sized>() {}

/// A list that `#[wechatpay(comma_separated)]` can send in the query string as one value, its
/// items joined with `,`: a `Vec`, a slice or an array of query values, or an `Option` of one.
///
/// WeChat Pay documents lists in a query string as `array[string]`
/// (`fapiao_ability_type_list` of `GET v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl`);
/// they are sent as one parameter, `fapiao_ability_type_list=BASE_ABILITY%2CREAL_ESTATE_ABILITY`,
/// as the maintained Java SDK (WxJava) sends them. An empty list or `None` leaves the parameter
/// out; an item that itself contains `,` is refused, since it could not be told apart.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a comma-separated list",
    label = "`#[wechatpay(comma_separated)]` needs a list of query values here",
    note = "use `Vec<T>` or `Option<Vec<T>>` where `T` is text, a number or a unit-variant enum that implements `wechatpay::endpoint::QueryValue`"
)]
pub trait CommaSeparated {
    /// The items, or `None` when the list is absent.
    #[doc(hidden)]
    fn items(&self) -> Option<Vec<&dyn erased::Item>>;
}

#[doc(hidden)]
pub mod erased {
    //! Object-safe access to list items, for [`super::CommaSeparated`].

    /// One item of a comma-separated list: anything serializable as a query value.
    pub trait Item {
        /// The item as JSON, from which its query text is taken.
        fn to_json(&self) -> Result<serde_json::Value, serde_json::Error>;
    }

    impl<T: serde::Serialize + super::QueryValue> Item for T {
        fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
            serde_json::to_value(self)
        }
    }
}

impl<T: Serialize + QueryValue> CommaSeparated for [T] {
    fn items(&self) -> Option<Vec<&dyn erased::Item>> {
        Some(self.iter().map(|item| item as &dyn erased::Item).collect())
    }
}
impl<T: Serialize + QueryValue> CommaSeparated for Vec<T> {
    fn items(&self) -> Option<Vec<&dyn erased::Item>> {
        self.as_slice().items()
    }
}
impl<T: Serialize + QueryValue, const N: usize> CommaSeparated for [T; N] {
    fn items(&self) -> Option<Vec<&dyn erased::Item>> {
        self.as_slice().items()
    }
}
impl<L: CommaSeparated + ?Sized> CommaSeparated for &L {
    fn items(&self) -> Option<Vec<&dyn erased::Item>> {
        (**self).items()
    }
}
impl<L: CommaSeparated> CommaSeparated for Option<L> {
    fn items(&self) -> Option<Vec<&dyn erased::Item>> {
        self.as_ref().and_then(CommaSeparated::items)
    }
}

/// Compile-time check that a `#[wechatpay(comma_separated)]` field is a list of query values.
#[doc(hidden)]
pub fn assert_comma_separated<T: CommaSeparated + ?Sized>() {}

/// The `serialize_with` of `#[wechatpay(comma_separated)]` fields: the items joined with `,`,
/// nothing for an empty or absent list.
#[doc(hidden)]
pub fn comma_separated<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: CommaSeparated + ?Sized,
    S: Serializer,
{
    let items = value.items().unwrap_or_default();
    if items.is_empty() {
        return serializer.serialize_none();
    }
    let mut joined = String::new();
    for (index, item) in items.iter().enumerate() {
        let text = match item.to_json().map_err(serde::ser::Error::custom)? {
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(number) => number.to_string(),
            serde_json::Value::Bool(flag) => flag.to_string(),
            other => {
                return Err(serde::ser::Error::custom(format!(
                    "a list item is {other}, not a query value"
                )));
            }
        };
        if text.contains(',') {
            return Err(serde::ser::Error::custom(format!(
                "the list item {text:?} contains `,`, which separates the items"
            )));
        }
        if index > 0 {
            joined.push(',');
        }
        joined.push_str(&text);
    }
    serializer.serialize_str(&joined)
}

/// A value that can be the file of an upload (`#[wechatpay(file)]`):
/// [`UploadFile`](crate::multipart::UploadFile), or a reference or box of one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the file of an upload",
    label = "`#[wechatpay(file)]` needs a `wechatpay::media::UploadFile` here",
    note = "build the file with `wechatpay::media::UploadFile::new(filename, bytes)`"
)]
pub trait FilePart {
    /// The file.
    fn upload_file(&self) -> &crate::multipart::UploadFile;
}

impl FilePart for crate::multipart::UploadFile {
    fn upload_file(&self) -> &crate::multipart::UploadFile {
        self
    }
}
impl<T: FilePart + ?Sized> FilePart for &T {
    fn upload_file(&self) -> &crate::multipart::UploadFile {
        (**self).upload_file()
    }
}
impl<T: FilePart + ?Sized> FilePart for Box<T> {
    fn upload_file(&self) -> &crate::multipart::UploadFile {
        (**self).upload_file()
    }
}

/// The file of a `#[wechatpay(file)]` field.
#[doc(hidden)]
pub fn file_part<T: FilePart + ?Sized>(value: &T) -> &crate::multipart::UploadFile {
    value.upload_file()
}

/// A value `#[wechatpay(encrypt)]` can encrypt: text (`String`, `&str`, `Cow<str>`, `Box<str>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be encrypted as a sensitive field",
    label = "`#[wechatpay(encrypt)]` needs text here",
    note = "sensitive fields (names, ID numbers, phone numbers) are `String` or `Option<String>`"
)]
pub trait SensitiveField {
    /// The text to encrypt.
    fn text(&self) -> &str;
}

impl SensitiveField for str {
    fn text(&self) -> &str {
        self
    }
}
impl SensitiveField for String {
    fn text(&self) -> &str {
        self
    }
}
impl SensitiveField for std::borrow::Cow<'_, str> {
    fn text(&self) -> &str {
        self
    }
}
impl<T: SensitiveField + ?Sized> SensitiveField for &T {
    fn text(&self) -> &str {
        (**self).text()
    }
}
impl<T: SensitiveField + ?Sized> SensitiveField for Box<T> {
    fn text(&self) -> &str {
        (**self).text()
    }
}

/// Text, or an `Option` of text (a `None` is left out and never encrypted).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be encrypted as a sensitive field",
    label = "`#[wechatpay(encrypt)]` needs `String` or `Option<String>` here",
    note = "sensitive fields (names, ID numbers, phone numbers) are text"
)]
pub trait SensitiveFieldOrOption {}
impl<T: SensitiveField + ?Sized> SensitiveFieldOrOption for T {}
impl<T: SensitiveField> SensitiveFieldOrOption for Option<T> {}

/// The `serialize_with` of `#[wechatpay(encrypt)]` fields: writes the value RSA-OAEP encrypted
/// with the key [`crate::Client::send`] chose for this request, Base64-encoded.
#[doc(hidden)]
pub fn encrypt_field<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: SensitiveFieldOrOption + EncryptAs + ?Sized,
    S: serde::Serializer,
{
    match value.plaintext() {
        Some(text) => {
            let ciphertext = encrypt_sensitive(text).map_err(serde::ser::Error::custom)?;
            serializer.serialize_str(&ciphertext)
        }
        None => serializer.serialize_none(),
    }
}

/// How a sensitive field yields its plaintext (`None` for an absent optional value); implemented
/// for every [`SensitiveField`] and `Option` of one.
pub trait EncryptAs {
    /// The text to encrypt, if any.
    fn plaintext(&self) -> Option<&str>;
}
impl<T: SensitiveField + ?Sized> EncryptAs for T {
    fn plaintext(&self) -> Option<&str> {
        Some(self.text())
    }
}
impl<T: SensitiveField> EncryptAs for Option<T> {
    fn plaintext(&self) -> Option<&str> {
        self.as_ref().map(SensitiveField::text)
    }
}

/// How the `Debug` that `#[endpoint]` and `#[wechatpay::model]` write shows a sensitive value:
/// `<sensitive>` when there is one, `None` when an optional one is absent; never the text.
#[doc(hidden)]
pub struct Redacted<'a, T: ?Sized>(pub &'a T);

impl<T: EncryptAs + ?Sized> std::fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.plaintext() {
            Some(_) => formatter.write_str("<sensitive>"),
            None => formatter.write_str("None"),
        }
    }
}

/// A value that can be a field of a JSON body: anything that implements `serde::Serialize`.
/// `#[endpoint]` checks body fields against it, so that a type that is not `Serialize` is reported
/// on the field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent in the JSON body",
    label = "a body field's type must implement `serde::Serialize`",
    note = "add `#[derive(serde::Serialize)]` to `{Self}`, or give the field `#[serde(serialize_with = \"…\")]`"
)]
pub trait BodyValue {
    /// Serializes the value as serde does.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

impl<T: Serialize + ?Sized> BodyValue for T {
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }
}

/// What `#[endpoint]` writes a field of a query string or a form with: the value under its wire
/// name, or a skipped field when its `skip_serializing_if` holds, as serde's derive does. After a
/// field has failed, the rest are not written and the first error is kept for [`end_fields`]:
/// the same outcome as returning at the first error, without an early return per field in every
/// endpoint's code.
#[doc(hidden)]
pub fn write_field<S, T>(
    state: &mut S,
    failed: &mut Option<S::Error>,
    key: &'static str,
    value: &T,
    skip: bool,
) where
    S: serde::ser::SerializeStruct,
    T: Serialize + ?Sized,
{
    if failed.is_some() {
        return;
    }
    let written = if skip {
        state.skip_field(key)
    } else {
        state.serialize_field(key, value)
    };
    if let Err(error) = written {
        *failed = Some(error);
    }
}

/// Ends what [`write_field`] wrote: the first error if a field failed.
#[doc(hidden)]
pub fn end_fields<S: serde::ser::SerializeStruct>(
    state: S,
    failed: Option<S::Error>,
) -> Result<S::Ok, S::Error> {
    match failed {
        Some(error) => Err(error),
        None => state.end(),
    }
}

/// Writes a [`write_field`] twin whose bound names what a kind of field must be, so that
/// `#[endpoint]`, which spans the call on the field's type and names that type, reports a type that
/// does not fit on the field; and the wrapper that serializes such a value.
macro_rules! checked_writer {
    ($(#[$doc:meta])* $name:ident, $wrapper:ident, [$($bound:tt)+], $serialize:path) => {
        $(#[$doc])*
        #[doc(hidden)]
        pub fn $name<S, T>(
            state: &mut S,
            failed: &mut Option<S::Error>,
            key: &'static str,
            value: &T,
            skip: bool,
        ) where
            S: serde::ser::SerializeStruct,
            T: $($bound)+ + ?Sized,
        {
            write_field(state, failed, key, &$wrapper(value), skip);
        }

        struct $wrapper<'a, T: ?Sized>(&'a T);

        impl<T: $($bound)+ + ?Sized> Serialize for $wrapper<'_, T> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $serialize(self.0, serializer)
            }
        }
    };
}

checked_writer!(
    /// [`write_field`] for a JSON body field: any [`BodyValue`].
    write_body_field,
    AsSerialize,
    [BodyValue],
    serialize_body_field
);
checked_writer!(
    /// [`write_field`] for a `#[wechatpay(encrypt)]` field: the value encrypted as
    /// [`encrypt_field`] does.
    write_encrypted_field,
    Encrypted,
    [SensitiveFieldOrOption + EncryptAs],
    encrypt_field
);
checked_writer!(
    /// [`write_field`] for a `#[wechatpay(comma_separated)]` field: the items joined as
    /// [`comma_separated`] does.
    write_joined_field,
    Joined,
    [CommaSeparated],
    comma_separated
);

/// The `serialize_with` `#[endpoint]` gives a body field: serializes it as serde would.
#[doc(hidden)]
pub fn serialize_body_field<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: BodyValue + ?Sized,
    S: Serializer,
{
    value.serialize_value(serializer)
}

impl crate::multipart::UploadForm {
    /// The request to `target`: the multipart body, signed over the `meta` JSON.
    pub(crate) fn rendered(&self, method: Method, target: String) -> RenderedRequest {
        RenderedRequest::with_signed_body(
            method,
            target,
            self.body.clone(),
            self.meta.clone(),
            self.content_type(),
        )
    }
}
