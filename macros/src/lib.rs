//! The `#[endpoint]` attribute of the `wechatpay` crate; use it as `wechatpay::endpoint`.

// One module per stage: `attr` reads what the user wrote, `valid` checks it into a model, `expand`
// emits code from that model only, and `fallback` emits a stub when the declaration has errors, so
// that they do not cascade to every call site.

mod attr;
mod decode;
mod encode;
mod errors;
mod expand;
mod fallback;
mod model;
mod path_template;
mod valid;

use proc_macro::TokenStream;

/// `#[endpoint(METHOD, "v3/…", response = Answer)]` on a struct with named fields implements
/// `wechatpay::Endpoint` for it, so that `client.send(&request)` signs the request, sends it,
/// verifies the answer and decodes it as `Answer`.
///
/// This is the complete reference of the attribute; the `wechatpay` crate re-exports it as
/// `wechatpay::endpoint`, where its documentation also carries compiled examples.
///
/// # Grammar
///
/// ```text
/// #[endpoint(METHOD, "PATH", response = TYPE [, unsigned_response] [, protocol = v2 [, client_certificate]] [, crate = PATH])]
/// struct Name { field: Type, … }
///
/// METHOD   GET | POST | PUT | PATCH | DELETE            (upper case)
/// "PATH"   v3/segment/{field}/segment…                  (no leading `/`, no `?query`, no `#`; a trailing `/` is kept)
/// ```
///
/// The method and the path come first, in that order; the options follow in any order.
///
/// # The path
///
/// The path is written as in WeChat Pay's documentation, without the host and without the
/// leading `/`: `"v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}"`.
/// Each `{placeholder}` names a field of the struct (a raw identifier `r#type` fills `{type}`);
/// the field's value is written with `Display` and percent-encoded, and a value that renders
/// empty, `.` or `..` is refused before anything is sent. A placeholder appears once.
///
/// # Options
///
/// | option | meaning |
/// |---|---|
/// | `response = Type` | **Required.** The type the JSON answer decodes into (any `serde::de::DeserializeOwned`, such as a struct of yours, `serde_json::Value` or `Vec<T>`). `response = ()` for an endpoint that answers `204 No Content`. Leaving it out is an error: a `200` answer with a body must not be read as a failure. |
/// | `unsigned_response` | WeChat Pay does not sign this endpoint's answer (v3 file downloads, checked by their digest instead; v2 operations answered without `sign`, such as `mmpaymkttransfers/promotion/transfers`, read as they come over TLS from WeChat Pay's host, a `sign` that is present still verified). Every other answer must carry a valid WeChat Pay signature. |
/// | `protocol = v2` | An API v2 operation: `POST`, a path without `v3/` and without placeholders (`"papay/querycontract"`), every field an XML field (`None` left out). The client fills `appid`, `mch_id`, `nonce_str`, `sign_type` and `sign`, so declaring one of them is an error; the answer is decoded only after its `sign` verifies with the APIv2 key. `protocol = v3` is the default. |
/// | `client_certificate` | With `protocol = v2`: WeChat Pay requires the client certificate (mutual TLS) for this operation (`secapi/…`, refunds); sending it from a client without one is an error before anything is sent. |
/// | `crate = path` | Where the `wechatpay` crate is, for a crate that re-exports it under another name: `crate = ::my_sdk::wechatpay` (serde's string form `crate = "::my_sdk::wechatpay"` is accepted too). Default `::wechatpay`. |
///
/// # Fields
///
/// - A field named by a `{placeholder}` fills it.
/// - On `GET` and `DELETE` every other field goes to the query string.
/// - On `POST`, `PUT` and `PATCH` every other field goes to the JSON body; the body is `{}` when
///   no field goes in it.
/// - `Option` fields that are `None` are left out of the query and of the body (WeChat Pay
///   refuses `null`), unless the field has its own `skip_serializing_if`.
/// - `#[serde(...)]` attributes on the struct and its fields apply as usual (`rename`,
///   `rename_all`, `flatten`, `skip_serializing_if`, `serialize_with` …). The struct need not
///   derive `Serialize` itself; it may, and then its own derive sees the same attributes.
///
/// Field attributes:
///
/// | attribute | meaning |
/// |---|---|
/// | `#[wechatpay(query)]` | Sends the field in the query string on any method (`sub_mchid` on a `POST`). Not on a path field. |
/// | `#[wechatpay(encrypt)]` | A sensitive value (a name, an ID number, a phone number): sent RSA-OAEP encrypted under the WeChat Pay key, which the request then names in `Wechatpay-Serial`. The field is `String` or `Option<String>`. Not on a path field, and not with `serialize_with`/`with`. |
/// | `#[wechatpay(file)]` | The file of a multipart upload, a `wechatpay::media::UploadFile`; the part is named after the field (`file`, `due_diligence_file` …). The request is then `multipart/form-data`: the `meta` part holds the JSON of the body fields and is what the signature covers, exactly as sent. One per struct, on `POST`/`PUT`/`PATCH`. |
/// | `#[wechatpay(form)]` | A text part of an upload beside `meta` and the file (`item_id`); text, a number or a unit-variant enum. Only with a `file` field. |
/// | `#[wechatpay(body)]` | Sends the field in the JSON body of a `DELETE` (the signature covers the body). Not on `GET`; on `POST`/`PUT`/`PATCH` body fields are the default. |
/// | `#[wechatpay(comma_separated)]` | A list (`Vec<T>`, `Option<Vec<T>>`) sent in the query string as one value, its items joined with `,` (`a=X%2CY`); an empty list or `None` is left out. Only on query fields. |
///
/// # What is checked at compile time
///
/// Each mistake is one error, on the token to change, with a `help:` line:
///
/// - the method is one of the five, in upper case; the method and the path are present and in order;
/// - the path starts with `v3/`, has no leading `/`, no `?`, no `#`, no empty segment, no
///   unbalanced or empty `{}`, no placeholder twice (a trailing `/`, as in
///   `v3/applyment4sub/applyment/`, is WeChat Pay's own and is sent and signed as written);
/// - every placeholder has a field of that name (a near name is suggested);
/// - `response = …` is given, and is a type that implements `DeserializeOwned`;
/// - options and field attributes are known ones (a misspelt one gets the nearest name) and given once;
/// - the attribute is on a struct with named fields (not a tuple or unit struct, an enum, a union);
/// - path fields implement `Display`; query fields are text, numbers, booleans or unit-variant
///   enums (`wechatpay::endpoint::QueryValue`), not lists unless `comma_separated`; body fields
///   implement `Serialize`; `encrypt` fields are `String` or `Option<String>`; a `file` field is
///   an `UploadFile`;
/// - `file`, `form`, `body` and `comma_separated` are where they make sense: one file, on a method
///   with a body; form parts beside a file; `body` on a `DELETE`; `comma_separated` on a query
///   field; none on a path field.
///
/// A declaration with errors still defines the struct and a stub `Endpoint` impl, so that the
/// mistake is reported once and not again at every call site.
///
/// # What is generated
///
/// `impl wechatpay::Endpoint for Name` with the method, the path template, `type Response`, and
/// small functions that fill the path and serialize the query and the body. The struct itself is
/// emitted unchanged (less the `#[wechatpay]` attributes), and its documentation gains a last line
/// with the request line and the answer type.
///
/// # Two declarations side by side
///
/// ```ignore
/// use wechatpay::endpoint;
///
/// #[derive(serde::Deserialize)]
/// pub struct Contract {
///     pub contract_id: String,
/// }
///
/// /// 查询签约协议.
/// #[endpoint(
///     GET,
///     "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}",
///     response = Contract
/// )]
/// pub struct QueryContract {
///     pub plan_id: u64,              // fills {plan_id}
///     pub out_contract_code: String, // fills {out_contract_code}
///     pub sub_mchid: Option<String>, // a GET sends the others as the query string
/// }
///
/// /// 解除签约, answered with `204 No Content`.
/// #[endpoint(POST, "v3/papay/contracts/{contract_id}/terminate", response = ())]
/// pub struct TerminateContract {
///     pub contract_id: String,
///     #[wechatpay(query)]
///     pub sub_mchid: String,              // query string, although this is a POST
///     pub contract_termination_remark: String, // JSON body
/// }
/// ```
#[proc_macro_attribute]
pub fn endpoint(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::endpoint(attr.into(), item.into()).into()
}

/// `#[wechatpay::model]` on a struct used inside a request body lets its fields be marked
/// `#[wechatpay(encrypt)]`, as on an endpoint's own fields; the `wechatpay` crate re-exports it as
/// `wechatpay::model`, where its documentation carries a compiled example.
///
/// Put it above `#[derive(Serialize)]`. It rewrites each marked field so that serde writes it
/// RSA-OAEP encrypted under the WeChat Pay key `Client::send` chose for the request (which then
/// names it in `Wechatpay-Serial`), at any depth: in a field, an `Option`, a `Vec`. An `Option`
/// that is `None` is left out of the JSON (WeChat Pay refuses `null`), unless the field has its
/// own `skip_serializing_if`. When the struct derives `Debug`, the derive is replaced by one
/// that prints each sensitive value as `<sensitive>`.
///
/// Checked at compile time: the item is a struct with named fields followed by
/// `#[derive(Serialize)]`; the only field option is `encrypt`, given once, not with
/// `serialize_with`/`with`/`skip`/`flatten`; a marked field is text (`String`,
/// `Option<String>`). `#[wechatpay::model(crate = ::my_sdk::wechatpay)]` names the crate for a
/// re-exporter.
#[proc_macro_attribute]
pub fn model(attr: TokenStream, item: TokenStream) -> TokenStream {
    model::model(attr.into(), item.into()).into()
}

/// `#[derive(Decode)]` writes `serde::Deserialize` for a struct with named fields, decoding what
/// serde's own derive decodes for it (wire names from `#[serde(rename = "…")]`, unknown fields
/// ignored, `Option` fields absent or `null` as `None`, other absent fields an error) with a map
/// visitor alone, so that the generated catalog's thousands of answer types cost the compiler less.
/// Any other serde option that changes decoding is a compile error. Used by the generated catalog
/// through `wechatpay::__private::Decode`; not public API.
#[doc(hidden)]
#[proc_macro_derive(Decode, attributes(serde))]
pub fn decode(item: TokenStream) -> TokenStream {
    decode::derive(item.into()).into()
}

/// `#[derive(Encode)]` writes `serde::Serialize` for a struct with named fields, writing what
/// serde's own derive writes for it (wire names from `#[serde(rename = "…")]`, a field left out
/// when its `skip_serializing_if` holds) with one shared call per field and no early return per
/// field, so that the generated catalog's request types cost the compiler less. Any other serde
/// option that changes encoding is a compile error. Used by the generated catalog through
/// `wechatpay::__private::Encode`; not public API.
#[doc(hidden)]
#[proc_macro_derive(Encode, attributes(serde))]
pub fn encode(item: TokenStream) -> TokenStream {
    encode::derive(item.into()).into()
}
