//! WeChat Pay API v3 for Rust: declare an endpoint with one attribute; every request is signed and
//! every answer verified before you see it.
//!
//! # The shortest program
//!
//! ```no_run
//! use wechatpay::v3::papay::{DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), wechatpay::Error> {
//!     let client = wechatpay::Client::from_env()?; // WECHATPAY_MCHID, keys, … (see Client::from_env)
//!     let answer = client
//!         .send(&PreEntrustSign {
//!             sign_scene: SignScene::App,
//!             appid: "wxd678efh567hg6787".into(),
//!             openid: None,
//!             plan_id: 12535,
//!             out_contract_code: "wxwtdk20200910100000".into(),
//!             contract_display_account: "微信代扣用户A".into(),
//!             contract_notify_url: "https://yourapp.com/notify".into(),
//!             out_user_code: "user-1001".into(),
//!             return_url: None,
//!             device_info: DeviceInfo {
//!                 device_type: DeviceType::Phone,
//!                 device_os: "iOS 18.1".into(),
//!                 device_id: "5B7E2A31-9C4D".into(),
//!                 device_running_as_root: false,
//!                 device_ip: "203.0.113.7".into(),
//!                 weixin_installed: true,
//!                 weixin_version: "8.0.54".into(),
//!                 days_since_first_login: DaysSinceFirstLogin::Within30Days,
//!             },
//!         })
//!         .await?;
//!     println!("{:?}", answer.pre_entrustweb_id);
//!     Ok(())
//! }
//! ```
//!
//! # Declaring an endpoint
//!
//! ```
//! use wechatpay::endpoint;
//!
//! /// The answer type: any `DeserializeOwned`.
//! #[derive(serde::Deserialize)]
//! pub struct Contract {
//!     pub contract_id: String,
//!     pub contract_state: String,
//! }
//!
//! #[endpoint(GET, "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}", response = Contract)]
//! pub struct QueryContract {
//!     pub plan_id: u64,              // fills {plan_id}, percent-encoded
//!     pub out_contract_code: String, // fills {out_contract_code}
//!     pub sub_mchid: Option<String>, // the rest of a GET goes to the query string
//! }
//! ```
//!
//! A field named as `{placeholder}` fills it; on `GET`/`DELETE` the other fields form the query
//! string, on `POST`/`PUT`/`PATCH` the JSON body (`#[wechatpay(query)]` moves a field to the query
//! on any method). `Option` fields that are `None` are left out: WeChat Pay rejects `null`.
//! `#[serde(...)]` field attributes apply as usual. Mistakes in a declaration are compile errors.
//!
//! # How a request flows
//!
//! 1. `#[endpoint]` implements [`Endpoint`]: the method, the path template, and small functions that
//!    fill the path and serialize the query and body. Nothing else is generated.
//! 2. [`Client::send`] renders the request **once** ([`endpoint::RenderedRequest`]): the exact target
//!    (`/v3/…?…`) and body bytes. It signs exactly those bytes ([`auth`]:
//!    `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`, RSA-SHA256 with the merchant key, a 32-character
//!    nonce from the CSPRNG) and sends them over a pooled hyper + rustls connection.
//! 3. The answer is read whole (bounded by a size limit) and verified over its **raw bytes** before
//!    anything is decoded ([`auth::KeyStore::verify`]): the key is chosen by `Wechatpay-Serial`, the
//!    timestamp must be within 300 s, `WECHATPAY/SIGNTEST/` probes are rejected with their own error.
//!    A `2xx` without a valid signature is an error and yields no data.
//! 4. A verified `2xx` body is decoded into `E::Response`; an error answer becomes [`Error::Api`]
//!    with `code`, `message`, `detail` and the `Request-ID`.
//!
//! # Modules
//!
//! - [`v3`]: the catalog of every API v3 operation, one module per product family, named by
//!   meaning (`v3::pay::JsapiPrepay`, `v3::refund::CreateRefund`, `v3::papay::PreEntrustSign`).
//! - [`auth`]: signing messages, the `Authorization` header, answer verification and the key store.
//! - [`media`]: image and video uploads ([`Client::upload_image`], [`Client::upload_video`]),
//!   signed over their `meta` JSON.
//! - [`notify`]: callbacks (notifications): verified over the raw body, decrypted with the APIv3
//!   key, decoded into typed events (an axum extractor with the `axum` feature).
//! - [`v2`]: API v2, the XML protocol signed with the APIv2 key: requests, verified answers,
//!   callbacks, signed sign-page URLs; its catalog is `v2::catalog`.
//! - [`crypto`]: the RSA backends (aws-lc-rs by default; the pure-Rust `rsa` crate with the
//!   `rust-crypto` feature); both give byte-identical signatures.
//!
//! The WeChat Pay sandbox (an offline server that checks signatures as WeChat Pay does) is the
//! separate crate `wechatpay-sandbox`, used as a dev-dependency: this crate is the client only.
//!
//! # Cargo features
//!
//! `merchant-catalog` is on by default.
//!
//! | feature | adds |
//! |---|---|
//! | `merchant-catalog` (default) | the generated [`v3`] families a direct merchant uses: payments, refunds, bills, papay, certificates, media, profit sharing, transfers, the security echo. |
//! | `partner` | the operations of those default families that only a service provider calls (`v3/pay/partner/…`, partner papay, sub-merchant bills …). |
//! | `full` | every generated [`v3`] family, `partner` and the v2 catalog. |
//! | one per family (`marketing`, `payscore`, `fund-app` …) | that family's generated module, `v3::<family>`: see the README's table. |
//! | `rust-crypto` | `Backend::RustCrypto`: the pure-Rust `rsa` crate as the RSA backend, selectable per client beside aws-lc-rs. |
//! | `axum` | `notify::axum`: an axum extractor that verifies, decrypts and decodes callbacks inside a handler. |
//!
//! # Minimum supported Rust version
//!
//! Rust 1.88 (the `rust-version` of the package; clippy's `incompatible_msrv` keeps the code to it).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's programs, compiled as doctests (`cargo test --doc`): what it shows, builds.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub mod auth;
#[cfg(test)]
mod catalog_check;
mod catalog_ext;
mod client;
pub mod crypto;
mod download;
pub mod endpoint;
pub mod error;
pub mod files;
mod key_mode;
mod keys;
pub mod media;
mod multipart;
pub mod notify;
#[doc(hidden)]
pub mod open_enum;
pub mod paysign;
mod resolve;
mod response;
mod rotation;
pub mod sign_diagnosis;
mod transport;
pub mod v2;
pub mod v3;

#[doc(hidden)]
#[path = "catalog_example.rs"]
pub mod __catalog;
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Internals that the `wechatpay-sandbox` and `wechatpay-cli` crates share with this one, so that
/// each is written once. Not part of the public API: no stability promise.
#[doc(hidden)]
pub mod __support {
    use crate::Error;

    /// Fills `buf` from the operating system's CSPRNG.
    pub fn fill_random(buf: &mut [u8]) -> Result<(), Error> {
        crate::crypto::fill_random(buf)
    }

    /// A 32-character alphanumeric nonce from the CSPRNG, as requests carry.
    pub fn nonce() -> String {
        crate::crypto::nonce()
    }

    /// Now, in Unix seconds (the clock answers are signed and checked with).
    pub fn unix_now() -> i64 {
        crate::auth::unix_now()
    }

    /// The accepted extensions of an upload kind, for a message: `.jpg, .bmp, .png`.
    pub fn extension_list(kind: crate::media::MediaKind) -> String {
        kind.extension_list()
    }

    /// An error and its sources, joined with `: ` (`client error (Connect): tcp connect error:
    /// Connection refused (os error 111)`), for messages that must show the root cause.
    pub fn error_chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// Upper-case hex of a DER integer's bytes, without the sign-padding zero byte.
    pub fn serial_hex(bytes: &[u8]) -> String {
        crate::keys::serial_hex(bytes)
    }

    /// The extension of a file name (after the last `.`), when there is a name before it.
    pub fn extension_of(filename: &str) -> Option<&str> {
        crate::multipart::extension_of(filename)
    }

    /// The first position of `needle` in `haystack`.
    pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        crate::multipart::find(haystack, needle)
    }

    /// The lower-case hex SHA-256 of `bytes`.
    pub fn sha256_hex(bytes: &[u8]) -> String {
        crate::multipart::sha256_hex(bytes)
    }
}

pub use client::{
    ALTERNATE_BASE_URL, Answer, BACKUP_BASE_URL, CallOptions, Client, ClientBuilder,
    DEFAULT_BASE_URL, RequestBuilder,
};
pub use crypto::Backend;
pub use download::{BillFile, BillLink};
pub use endpoint::Endpoint;
pub use error::{Attempts, Error, Result};
pub use key_mode::WechatpaySerial;
pub use keys::ClientCertificate;
pub use keys::{
    ApiV3Key, MIN_RSA_BITS, MerchantKey, PlatformCertificate, PublicKey, WechatpayPublicKey,
};
pub use resolve::{Absence, Resolution, Resolve, ResolveOptions};
pub use response::Response;
pub use rotation::DownloadedCertificate;
pub use v2::ApiV2Key;
/// Declares a WeChat Pay API v3 endpoint on a struct with named fields:
/// `#[endpoint(METHOD, "v3/…", response = Answer)]`. The examples come first; the reference (grammar,
/// options, field attributes, compile-time checks) follows them.
///
/// # Examples
///
/// A `GET` whose path fields fill the placeholders and whose other fields form the query string:
///
/// ```
/// use wechatpay::endpoint;
/// use wechatpay::endpoint::RenderedRequest;
///
/// #[derive(serde::Deserialize)]
/// pub struct Contract {
///     pub contract_id: String,
/// }
///
/// #[endpoint(
///     GET,
///     "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}",
///     response = Contract
/// )]
/// pub struct QueryContract {
///     pub plan_id: u64,
///     pub out_contract_code: String,
///     pub sub_mchid: Option<String>,
/// }
///
/// let request = QueryContract {
///     plan_id: 12535,
///     out_contract_code: "wx 2020/09".into(),
///     sub_mchid: None,
/// };
/// let rendered = RenderedRequest::new(&request)?;
/// assert_eq!(
///     rendered.target(),
///     "/v3/papay/sign/contracts/plan-id/12535/out-contract-code/wx%202020%2F09"
/// );
/// # Ok::<(), wechatpay::Error>(())
/// ```
///
/// A `POST` answered with `204 No Content`, one field moved to the query string, and a
/// sensitive field encrypted under the WeChat Pay key when it is sent:
///
/// ```
/// use wechatpay::endpoint;
/// use wechatpay::endpoint::RenderedRequest;
///
/// #[endpoint(POST, "v3/papay/contracts/{contract_id}/terminate", response = ())]
/// pub struct TerminateContract {
///     pub contract_id: String,
///     #[wechatpay(query)]
///     pub sub_mchid: String,
///     #[serde(rename = "contract_termination_remark")]
///     pub remark: String,
///     #[wechatpay(encrypt)]
///     pub user_name: Option<String>,
/// }
///
/// let request = TerminateContract {
///     contract_id: "C1".into(),
///     sub_mchid: "1900000109".into(),
///     remark: "用户退订".into(),
///     user_name: None,
/// };
/// let rendered = RenderedRequest::new(&request)?;
/// assert_eq!(rendered.target(), "/v3/papay/contracts/C1/terminate?sub_mchid=1900000109");
/// assert_eq!(
///     rendered.body().unwrap(),
///     r#"{"contract_termination_remark":"用户退订"}"#.as_bytes()
/// );
/// # Ok::<(), wechatpay::Error>(())
/// ```
///
/// A multipart upload: the field marked `#[wechatpay(file)]` is the file part (named after the
/// field), `#[wechatpay(form)]` fields are text parts, and the other body fields are the `meta`
/// JSON, which the signature covers exactly as it appears in the body (the file is covered by
/// the digest `meta` names):
///
/// ```
/// use wechatpay::endpoint;
/// use wechatpay::endpoint::RenderedRequest;
/// use wechatpay::media::UploadFile;
///
/// #[derive(serde::Deserialize)]
/// pub struct Uploaded {
///     pub file_id: String,
/// }
///
/// #[endpoint(POST, "v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", response = Uploaded)]
/// pub struct UploadSubmissionFile {
///     pub sub_mchid: String,
///     #[wechatpay(file)]
///     pub submission_file: UploadFile,
///     #[wechatpay(form)]
///     pub item_id: i64,
///     #[wechatpay(form)]
///     pub manage_record_id: String,
///     pub file_name: String,   // `meta`
///     pub file_digest: String, // `meta`
/// }
///
/// let file = UploadFile::new("licence.png", &b"\x89PNG"[..]);
/// let request = UploadSubmissionFile {
///     sub_mchid: "123000110".into(),
///     file_name: file.filename().into(),
///     file_digest: file.sha256_upper(),
///     submission_file: file,
///     item_id: 56,
///     manage_record_id: "56".into(),
/// };
/// let rendered = RenderedRequest::new(&request)?;
/// assert_eq!(rendered.target(), "/v3/mch-manage/submission-files/sub-mchid/123000110/upload");
/// let meta = std::str::from_utf8(rendered.signed_body().unwrap()).unwrap();
/// assert!(meta.starts_with(r#"{"file_name":"licence.png","file_digest":""#));
/// assert!(rendered.content_type().unwrap().starts_with("multipart/form-data; boundary="));
/// # Ok::<(), wechatpay::Error>(())
/// ```
///
/// A `DELETE` whose fields marked `#[wechatpay(body)]` form a signed JSON body, a path written
/// with its trailing `/` as WeChat Pay documents it, and a list sent in the query string as one
/// comma-separated value:
///
/// ```
/// use wechatpay::endpoint;
/// use wechatpay::endpoint::RenderedRequest;
///
/// #[endpoint(DELETE, "v3/brand/partner/store/brandstores/{store_id}", response = ())]
/// pub struct DeleteStore {
///     pub store_id: String,
///     #[wechatpay(body)]
///     pub brand_id: String,
/// }
/// let rendered = RenderedRequest::new(&DeleteStore { store_id: "20488000".into(), brand_id: "1".into() })?;
/// assert_eq!(rendered.body().unwrap(), br#"{"brand_id":"1"}"#);
///
/// #[endpoint(POST, "v3/applyment4sub/applyment/", response = serde_json::Value)]
/// pub struct SubmitApplyment {
///     pub business_code: String,
/// }
/// let rendered = RenderedRequest::new(&SubmitApplyment { business_code: "A1".into() })?;
/// assert_eq!(rendered.target(), "/v3/applyment4sub/applyment/");
///
/// #[endpoint(GET, "v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl", response = serde_json::Value)]
/// pub struct GetInviteUrl {
///     pub invite_code: String,
///     #[wechatpay(comma_separated)]
///     pub fapiao_ability_type_list: Option<Vec<String>>,
/// }
/// let request = GetInviteUrl {
///     invite_code: "c1".into(),
///     fapiao_ability_type_list: Some(vec!["BASE_ABILITY".into(), "REAL_ESTATE_ABILITY".into()]),
/// };
/// assert_eq!(
///     RenderedRequest::new(&request)?.target(),
///     "/v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl?invite_code=c1&fapiao_ability_type_list=BASE_ABILITY%2CREAL_ESTATE_ABILITY"
/// );
/// # Ok::<(), wechatpay::Error>(())
/// ```
///
/// A forgotten answer type does not compile:
///
/// ```compile_fail
/// #[wechatpay::endpoint(POST, "v3/papay/pay/transactions/apply")]
/// pub struct Deduct {
///     pub out_trade_no: String,
/// }
/// ```
pub use wechatpay_macros::endpoint;

/// Marks the sensitive fields of a struct used inside a request body, at any depth:
/// `#[wechatpay(encrypt)]` on a field of a nested struct, as on an endpoint's own fields.
///
/// WeChat Pay puts sensitive values (names, ID numbers, phone numbers) in nested objects too:
/// the payer of a real-name payment, each detail of a transfer batch, the contacts of an
/// application. The struct that holds them declares them once, with `#[wechatpay::model]` above
/// its `#[derive(Serialize)]`; every request that contains it, in a field, an `Option` or a
/// `Vec`, then sends those values RSA-OAEP encrypted (SHA-1, Base64) under the WeChat Pay key:
///
/// - [`Client::send`] meets them while it renders the body, takes the WeChat Pay public key or
///   the newest platform certificate (downloading the certificates first when the client starts
///   from the APIv3 key alone), renders the whole body again with every value of the request
///   encrypted under that one key, names it in `Wechatpay-Serial`, and only then signs. Without a
///   key it fails with [`Error::Config`] before anything is sent.
/// - Nothing is ever sent, or rendered, in clear text: without a key, serializing the struct
///   fails ([`RenderedRequest::new`](endpoint::RenderedRequest::new) says so), and
///   [`RenderedRequest::with_encryption`](endpoint::RenderedRequest::with_encryption) renders
///   with a key of your choice.
/// - Its derived `Debug` shows `<sensitive>` in place of each value; error messages never carry
///   one.
/// - A `None` is left out of the JSON (WeChat Pay refuses `null`), as in an endpoint's fields.
///
/// A `#[wechatpay(encrypt)]` in a struct without `#[wechatpay::model]` does not compile (the
/// attribute is unknown there), so a mark is never silently ignored; a marked field that is not
/// text (`String`, `Option<String>`) does not compile either.
///
/// ```
/// use serde::Serialize;
/// use wechatpay::endpoint;
/// use wechatpay::endpoint::RenderedRequest;
///
/// /// One transfer of a batch: the account name is sensitive.
/// #[wechatpay::model]
/// #[derive(Debug, Clone, Serialize)]
/// pub struct TransferDetail {
///     pub out_detail_no: String,
///     pub transfer_amount: u64,
///     pub openid: String,
///     #[wechatpay(encrypt)]
///     pub user_name: Option<String>,
/// }
///
/// #[endpoint(POST, "v3/transfer/batches", response = serde_json::Value)]
/// pub struct TransferBatch {
///     pub out_batch_no: String,
///     pub transfer_detail_list: Vec<TransferDetail>,
/// }
///
/// let detail = TransferDetail {
///     out_detail_no: "x23zy545Bd5436".into(),
///     transfer_amount: 200_000,
///     openid: "o-MYE42l80oelYMDE34nYD456Xoy".into(),
///     user_name: Some("张三".into()),
/// };
/// assert!(!format!("{detail:?}").contains("张三"));
/// let request = TransferBatch { out_batch_no: "plfk2020042013".into(), transfer_detail_list: vec![detail] };
///
/// // Without a key the request cannot be rendered at all: nothing goes out in clear text.
/// assert!(RenderedRequest::new(&request).is_err());
///
/// // With the WeChat Pay key (what `Client::send` does on its own):
/// let wechatpay_key = wechatpay::MerchantKey::generate()?; // stands in for WeChat Pay's key pair
/// let rendered = RenderedRequest::with_encryption(&request, "PUB_KEY_ID_01", &wechatpay_key.public_key())?;
/// let body: serde_json::Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
/// let sent = body["transfer_detail_list"][0]["user_name"].as_str().unwrap();
/// assert_eq!(wechatpay_key.decrypt(sent)?.as_str(), "张三");
/// assert_eq!(rendered.wechatpay_serial(), Some("PUB_KEY_ID_01"));
/// # Ok::<(), wechatpay::Error>(())
/// ```
///
/// The complete reference of what is checked is on the attribute in `wechatpay-macros`.
pub use wechatpay_macros::model;

// Lets `#[endpoint]` name this crate as `::wechatpay` inside the crate itself (the catalog).
extern crate self as wechatpay;
