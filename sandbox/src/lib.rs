//! The embedded WeChat Pay server: a real HTTP server on loopback that checks requests and signs answers.
//!
//! It checks the `Authorization` header as WeChat Pay does and answers `401 SIGN_ERROR` with the
//! message it computed when the signature does not hold; it decodes request bodies into the
//! declared request types and answers `400 PARAM_ERROR` naming the field when they do not fit or
//! hold what WeChat Pay refuses (an empty string, an id of 0, a value over its documented length, a
//! malformed `appid`, `mchid` or URL); it signs every answer with its platform key. A path it does
//! not serve is `404 SANDBOX_NO_ROUTE`, which no one can take for an answer of WeChat Pay. Faults can be injected for tests: tampered bodies,
//! foreign or probe signatures, skewed timestamps, missing headers, unknown serials, `5xx` answers,
//! dropped connections, and work that is done while its answer is lost ([`Fault::LoseAnswer`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wechatpay::Error> {
//! use wechatpay_sandbox::Sandbox;
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client()?;
//! assert_eq!(client.mchid(), sandbox.mchid());
//! # Ok(()) }
//! ```
//!
//! ## State, and the user's side of the story
//!
//! The sandbox remembers pre-signs, contracts, deduction bookings, orders, refunds and the money
//! that moved, in memory; a service provider's (partner papay) contracts and orders are kept in
//! the same books, each with its sub-merchant. What the user does in WeChat has no API; the sandbox plays it through
//! [`Sandbox::sign_contract`], [`Sandbox::terminate_contract_as_user`],
//! [`Sandbox::pay_transaction`] and [`Sandbox::fail_deductions`], or, for a sandbox in another
//! process, through these HTTP routes (no signature needed; answers are signed):
//!
//! | Request | Does |
//! |---|---|
//! | `POST /v3/sandbox/contracts/sign` `{"pre_entrustweb_id":"…"}` | signs → `{"contract_id":"…"}` |
//! | `POST /v3/sandbox/contracts/{contract_id}/terminate` | the user terminates → `{"contract_id":"…"}` |
//! | `POST /v3/sandbox/contracts/{contract_id}/fail-deductions` `{"reason":"…"}` | deductions fail → `204` |
//! | `DELETE /v3/sandbox/contracts/{contract_id}/fail-deductions` | deductions succeed again → `204` |
//! | `POST /v3/sandbox/transactions/{out_trade_no}/pay` | the user pays → `{"transaction_id":"…"}` |
//! | `GET /v3/sandbox/charges` | [`Sandbox::charges`] → `{"data":[…]}` |
//! | `PUT /v3/sandbox/sign-check` `{"clock_offset_secs":3600,"merchant_public_key_pem":"…","truncate_like_wechatpay":true}` | how signatures are checked, to play each cause of `401 SIGN_ERROR` ([`Sandbox::set_clock_offset`], [`Sandbox::register_merchant_public_key`], [`Sandbox::truncate_sign_messages_like_wechatpay`]) → `204` |
//! | `PUT /v3/sandbox/answer-shape` `{"shape":"minimal"}` | [`Sandbox::set_answer_shape`]: the default [`AnswerShape`] → `{"shape":"minimal"}` |
//! | `GET /v3/sandbox/answer-shape` | the default [`AnswerShape`] → `{"shape":"full"}` |
//!
//! ## Answers from the description, in two shapes
//!
//! Every catalogued operation the sandbox keeps no state for is answered from its description
//! (`sandbox/facts/catalog.json`) with a signed example answer, in one of two shapes
//! ([`AnswerShape`]): `full` (the default), every described field with its example value; or
//! `minimal`, only the fields the description marks required, at every depth (a required object
//! holds only its required fields, a required array one minimal item). A minimal answer is what
//! WeChat Pay may send at the least: a client that decodes it does not count on an optional
//! field. A request chooses with the header [`SHAPE_HEADER`] (`Wechatpay-Sandbox-Shape: minimal`
//! or `full`; any other value is `400 INVALID_REQUEST` naming the header); without it, the
//! sandbox's default applies, set with [`Sandbox::set_answer_shape`] or
//! `PUT /v3/sandbox/answer-shape`. The stateful routes (orders, refunds, papay …) answer from
//! their state, as WeChat Pay does, whatever the header says.
//!
//! ## The user's side
//!
//! In a browser the user acts on pages the sandbox serves at the addresses its answers return
//! (plain HTML forms, Chinese or `?lang=en`); agreeing does what the control calls do and sends
//! the browser back as WeChat Pay does:
//!
//! | Page | From | Back to |
//! |---|---|---|
//! | `sandbox/papay/entrustweb?pre_entrustweb_id=…` | a pre-sign's `redirect_url` | its `return_url`, else the referrer with `from_wxpay=1` |
//! | `sandbox/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=…&package=…` | an `h5_url` | its `redirect_url`, unchanged |
//! | `sandbox/wxpay/bizpayurl?pr=…` | a `code_url` | (a result page) |
//! | `sandbox/jsapi/requestPayment?appId=…&timeStamp=…&nonceStr=…&package=…&signType=RSA&paySign=…` | JSAPI pay-sign parameters | `return` with `errMsg=requestPayment:ok` / `:fail cancel` / `:fail …` |
//! | `sandbox/mch-transfer/requestMerchantTransfer?mchId=…&appId=…&package=…` | a transfer's `package_info` | `return` with `errMsg=requestMerchantTransfer:ok` / `:fail …` |
//!
//! [`SandboxBuilder::pages_base_url`] names the address a browser reaches them at, and
//! [`SandboxBuilder::merchant_name`] the merchant they show.

#[doc(hidden)]
#[path = "examples.rs"]
pub mod __examples;
mod bills;
mod business;
mod callbacks;
mod catalog;
mod catalog_v2;
mod control;
mod files;
mod handlers;
mod ledger;
mod media;
mod pages;
mod partner;
mod routes;
mod rules;
mod server;
mod sign_check;
mod transfers;
mod v2;
pub mod wire;

pub use callbacks::{
    Attempt, Callback, CallbackDelivery, CallbackKind, DeliveryRecord, RETRY_SCHEDULE,
    callback_kinds,
};
pub use catalog::described_operations;
pub use catalog_v2::described_v2_operations;
pub use handlers::ApiError;
pub use ledger::{Charge, Outcome};
pub use media::UploadedMedia;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use zeroize::Zeroizing;

use wechatpay::error::Error;
use wechatpay::{ApiV3Key, MerchantKey, PublicKey, WechatpayPublicKey};
use wechatpay::{Client, ClientBuilder};

/// The request header that chooses the [`AnswerShape`] of an answer from the description.
pub const SHAPE_HEADER: &str = "Wechatpay-Sandbox-Shape";

/// Which example answer the sandbox gives an operation it answers from its description (see the
/// [crate docs](crate#answers-from-the-description-in-two-shapes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswerShape {
    /// Every described field, with its example value.
    #[default]
    Full,
    /// Only the fields the description marks required, at every depth.
    Minimal,
}

impl AnswerShape {
    /// The shape's name in [`SHAPE_HEADER`] and the control route: `full` or `minimal`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Minimal => "minimal",
        }
    }

    /// The shape named `full` or `minimal` (any ASCII case); `None` for another name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("full") {
            Some(Self::Full)
        } else if name.eq_ignore_ascii_case("minimal") {
            Some(Self::Minimal)
        } else {
            None
        }
    }
}

/// Rows of a sandbox bill unless [`Sandbox::set_bill_rows`] says otherwise.
pub const DEFAULT_BILL_ROWS: u64 = 1000;

/// The merchant id the sandbox uses when none is configured.
pub const DEFAULT_MCHID: &str = "1900000001";
/// The `appid` the sandbox's clients put in v2 requests.
pub const DEFAULT_APPID: &str = "wxd678efh567hg6787";
/// The merchant certificate serial the sandbox uses when none is configured.
pub const DEFAULT_MERCHANT_SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
/// The WeChat Pay public key id the sandbox uses when none is configured.
pub const DEFAULT_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012025112700000000000001";

/// A deliberate misbehaviour of the sandbox's next answer, to prove a client never accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Change the body after signing it (a man in the middle).
    TamperBody,
    /// Sign with a key that is not the platform key, under the platform key's serial.
    ForeignSignature,
    /// Send a `WECHATPAY/SIGNTEST/` probe instead of a signature.
    ProbeSignature,
    /// Sign with a timestamp this many seconds away from now.
    SkewTimestamp(i64),
    /// Leave out the `Wechatpay-*` signature headers.
    StripSignature,
    /// Sign correctly but name a serial the client does not know.
    UnknownSerial,
    /// Answer `500 SYSTEM_ERROR` without doing anything.
    ServerError,
    /// Answer `429 RATELIMIT_EXCEEDED` without doing anything.
    RateLimited,
    /// Wait this long before handling the request.
    Delay(Duration),
    /// Close the connection without answering, before the request is handled: nothing was done.
    DropConnection,
    /// Handle the request fully (an order is placed, a refund or a transfer taken, a deduction
    /// booked), then close the connection without answering: the work is done and its answer is
    /// lost on the way back, the case a client can only settle by querying.
    LoseAnswer,
    /// API v2: sign the answer with the other sign type than the request's (MD5 for
    /// HMAC-SHA256, and the reverse).
    WrongSignType,
    /// API v2: answer the (valid) request with `result_code=FAIL` and this `err_code`, such as
    /// `SYSTEMERROR`, `USERPAYING` or `BANKERROR`, with WeChat Pay's description, without doing
    /// anything; signed as the operation's answers are.
    V2ErrCode(String),
    /// Sign the answer (or callback) with this key of the sandbox's, whatever the request's
    /// `Wechatpay-Serial` names: a migration in which WeChat Pay does not (yet) honour the key a
    /// request asks for. Outside migration mode ([`SandboxBuilder::migrating`]) the sandbox has
    /// one key, which signs either way.
    SignWith(SigningKey),
}

/// One of the two keys WeChat Pay signs with while a merchant moves from platform certificates to
/// the WeChat Pay public key ([`SandboxBuilder::migrating`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningKey {
    /// The current platform certificate's key, named by its serial.
    PlatformCertificate,
    /// The WeChat Pay public key, named by its `PUB_KEY_ID_…`.
    PublicKey,
}

/// The keys of one sandbox: the merchant's (to check requests) and WeChat Pay's (to sign answers).
pub(crate) struct SandboxKeys {
    pub(crate) mchid: String,
    pub(crate) merchant_serial: String,
    pub(crate) merchant_public: PublicKey,
    /// Present when the sandbox made or was given the merchant private key, so it can hand out clients.
    pub(crate) merchant_private_pem: Option<Zeroizing<String>>,
    /// The WeChat Pay public key id answers are named with in public-key mode.
    pub(crate) public_key_id: String,
    pub(crate) foreign: MerchantKey,
    /// The APIv3 key callbacks and certificate downloads are encrypted with.
    pub(crate) apiv3_key: String,
    /// The APIv2 key v2 requests, answers and callbacks are signed with.
    pub(crate) apiv2_key: String,
}

/// The key that signs the sandbox's answers now, and the serial they name it by: the public key
/// id, or in certificate mode the serial of its platform certificate.
pub(crate) struct PlatformSigner {
    pub(crate) key: MerchantKey,
    pub(crate) serial: String,
}

/// A platform certificate the sandbox issued for one of its keys (certificate mode).
pub(crate) struct IssuedCertificate {
    pub(crate) serial: String,
    pub(crate) pem: String,
    pub(crate) not_before: SystemTime,
    pub(crate) not_after: SystemTime,
}

/// State shared by the server tasks and the [`Sandbox`] handle.
pub(crate) struct Shared {
    pub(crate) keys: SandboxKeys,
    platform: RwLock<Arc<PlatformSigner>>,
    /// `Some` in migration mode: the WeChat Pay public key, beside the platform certificate's
    /// key, and named by [`SandboxKeys::public_key_id`].
    pub(crate) public_key: Option<Arc<PlatformSigner>>,
    /// Requests received per `Wechatpay-Serial` they named (`""` for none).
    pub(crate) serials_named: Mutex<std::collections::HashMap<String, u64>>,
    /// `Some` in certificate mode: every certificate issued, oldest first; `v3/certificates` lists
    /// those that have not expired.
    pub(crate) certificates: Option<Mutex<Vec<IssuedCertificate>>>,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    /// Faults drawn at random for answers no queued fault claims, with their probabilities.
    pub(crate) fault_rates: Mutex<Vec<(Fault, f64)>>,
    /// Every fault applied so far, in order.
    pub(crate) fault_log: Mutex<Vec<Fault>>,
    pub(crate) requests: AtomicU64,
    /// TCP connections accepted.
    pub(crate) connections: AtomicU64,
    /// Bill download tokens handed out by `v3/bill/*`.
    pub(crate) bills: Mutex<std::collections::HashMap<String, bills::BillSpec>>,
    /// Rows of the bills the sandbox generates.
    pub(crate) bill_rows: AtomicU64,
    /// When not 0, gzip bills are gzip bombs of this many unpacked bytes.
    pub(crate) gzip_bomb_bytes: AtomicU64,
    /// Requests received per path (without the leading `/`).
    pub(crate) requests_by_path: Mutex<std::collections::HashMap<String, u64>>,
    /// The callbacks sent, and how to send more.
    pub(crate) callbacks: callbacks::Deliveries,
    /// Files accepted by the media upload routes, by `media_id`.
    pub(crate) media: Mutex<std::collections::HashMap<String, UploadedMedia>>,
    /// Files served unsigned: uploaded images' bytes, e-receipts, fapiao files.
    pub(crate) files: Mutex<files::Files>,
    /// The pause before each chunk of a file ([`Sandbox::serve_files_slowly`]); 0: none.
    pub(crate) file_pause_ms: AtomicU64,
    /// Contracts, schedules, orders, refunds and charges.
    pub(crate) ledger: Mutex<ledger::Ledger>,
    /// How long an accepted deduction stays `ACCEPT` before it settles (`None`: at once).
    pub(crate) settle_deductions_after: Option<Duration>,
    /// Handlers for endpoints the user declared ([`Sandbox::handle`]).
    pub(crate) user_routes: handlers::UserRoutes,
    /// How request signatures are checked beyond the defaults (clock, key, truncation).
    pub(crate) sign_check: sign_check::SignCheck,
    /// The default shape of answers from the description: `true` for [`AnswerShape::Minimal`].
    pub(crate) minimal_answers: AtomicBool,
    /// The pages the user acts on (signing, cashier, transfer confirmation), and their state.
    pub(crate) pages: pages::Pages,
}

impl Shared {
    /// The current platform key and serial.
    pub(crate) fn platform(&self) -> Arc<PlatformSigner> {
        Arc::clone(&self.platform.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The default shape of answers from the description.
    pub(crate) fn answer_shape(&self) -> AnswerShape {
        if self.minimal_answers.load(Ordering::Relaxed) {
            AnswerShape::Minimal
        } else {
            AnswerShape::Full
        }
    }

    /// Sets the default shape of answers from the description.
    pub(crate) fn set_answer_shape(&self, shape: AnswerShape) {
        self.minimal_answers
            .store(shape == AnswerShape::Minimal, Ordering::Relaxed);
    }

    /// The APIv2 key (checked at start).
    pub(crate) fn apiv2_key(&self) -> wechatpay::ApiV2Key {
        wechatpay::ApiV2Key::new(&self.keys.apiv2_key)
            .unwrap_or_else(|_| unreachable!("the APIv2 key is checked when the sandbox starts"))
    }

    /// The key that signs an answer to a request that named `named` in `Wechatpay-Serial` (and
    /// decrypts its sensitive fields): in migration mode the public key when `named` is its id,
    /// otherwise (a certificate serial, or none) the current platform certificate's key; in the
    /// other modes the sandbox's one key.
    pub(crate) fn signer_for(&self, named: Option<&str>) -> Arc<PlatformSigner> {
        match &self.public_key {
            Some(public) if named == Some(public.serial.as_str()) => Arc::clone(public),
            _ => self.platform(),
        }
    }

    /// The signer of `key` (in migration mode; otherwise the sandbox's one key).
    pub(crate) fn signer_of(&self, key: SigningKey) -> Arc<PlatformSigner> {
        match (key, &self.public_key) {
            (SigningKey::PublicKey, Some(public)) => Arc::clone(public),
            _ => self.platform(),
        }
    }

    /// Base64 of the signature of an answer or callback by `signer`, and the serial it names.
    pub(crate) fn sign(
        signer: &PlatformSigner,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
    ) -> (String, String) {
        let signature = BASE64.encode(
            signer
                .key
                .sign(&wechatpay::auth::answer_message(timestamp, nonce, body)),
        );
        (signature, signer.serial.clone())
    }

    /// The fault for the request that just arrived: the next queued one, else one drawn from
    /// the rates; recorded in the fault log.
    pub(crate) fn next_fault(&self) -> Option<Fault> {
        let queued = self
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        let fault = queued.or_else(|| {
            let rates = self
                .fault_rates
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if rates.is_empty() {
                return None;
            }
            let mut bytes = [0u8; 8];
            wechatpay::__support::fill_random(&mut bytes).ok()?;
            // 53 random bits: a uniform draw in [0, 1).
            #[allow(clippy::cast_precision_loss)]
            let mut draw = (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64;
            for (fault, rate) in rates.iter() {
                if draw < *rate {
                    return Some(fault.clone());
                }
                draw -= rate;
            }
            None
        })?;
        self.fault_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fault.clone());
        Some(fault)
    }
}

/// A running sandbox. It stops when dropped.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls: bool,
    extra_root: Option<Vec<u8>>,
    /// The CA that issues client certificates for mutual TLS (with TLS only).
    client_ca: Option<ClientCa>,
    server: tokio::task::JoinHandle<()>,
}

/// The sandbox's own CA for client certificates: its certificate and key.
struct ClientCa {
    certificate: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl ClientCa {
    fn new() -> Result<Self, Error> {
        let failed =
            |e: rcgen::Error| Error::Config(format!("the sandbox cannot make its client CA: {e}"));
        let key = rcgen::KeyPair::generate().map_err(failed)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "wechatpay-sandbox client CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let certificate = params.self_signed(&key).map_err(failed)?;
        Ok(Self { certificate, key })
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .field("mchid", &self.shared.keys.mchid)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1` (a free port) with fresh keys.
    ///
    /// # Errors
    /// [`Error::Io`] when no port can be bound; [`Error::Config`] when keys cannot be generated.
    pub async fn start() -> Result<Self, Error> {
        SandboxBuilder::default().start().await
    }

    /// Configures a sandbox before starting it.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to point a client at (`http://127.0.0.1:PORT/`, or `https://localhost:PORT/` with TLS).
    pub fn base_url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}/", self.addr.port())
        } else {
            format!("http://{}/", self.addr)
        }
    }

    /// The merchant id the sandbox accepts.
    pub fn mchid(&self) -> &str {
        &self.shared.keys.mchid
    }

    /// The merchant certificate serial the sandbox accepts.
    pub fn merchant_serial(&self) -> &str {
        &self.shared.keys.merchant_serial
    }

    /// The id of the WeChat Pay public key the sandbox signs with (`PUB_KEY_ID_…`).
    pub fn public_key_id(&self) -> &str {
        &self.shared.keys.public_key_id
    }

    /// The WeChat Pay public key the sandbox signs answers with now, as PEM (in migration mode,
    /// the platform certificate's key: see [`Sandbox::public_key_pem`] for the public key's).
    pub fn platform_public_key_pem(&self) -> String {
        self.shared.platform().key.public_key().to_pem()
    }

    /// The WeChat Pay public key named by [`Sandbox::public_key_id`], as PEM: in migration mode
    /// the public key beside the platform certificate, otherwise the sandbox's one key.
    pub fn public_key_pem(&self) -> String {
        self.shared
            .signer_of(SigningKey::PublicKey)
            .key
            .public_key()
            .to_pem()
    }

    /// The WeChat Pay public key named by [`Sandbox::public_key_id`], ready for
    /// `ClientBuilder::wechatpay_public_key`.
    ///
    /// # Errors
    /// [`Error::Key`] when the id is not a `PUB_KEY_ID_…` (it was checked at start).
    pub fn wechatpay_public_key(&self) -> Result<WechatpayPublicKey, Error> {
        WechatpayPublicKey::from_public_key(
            self.shared.keys.public_key_id.clone(),
            self.shared
                .signer_of(SigningKey::PublicKey)
                .key
                .public_key(),
        )
    }

    /// The current platform certificate as PEM, in certificate and migration mode; `None` for a
    /// sandbox that signs with a public key only (its `v3/certificates` answers `404`).
    pub fn platform_certificate_pem(&self) -> Option<String> {
        let certificates = self.shared.certificates.as_ref()?;
        let issued = certificates.lock().unwrap_or_else(PoisonError::into_inner);
        let serial = self.shared.platform().serial.clone();
        issued
            .iter()
            .find(|certificate| certificate.serial == serial)
            .map(|certificate| certificate.pem.clone())
    }

    /// How many requests named `serial` in `Wechatpay-Serial` (`""`: how many named none).
    pub fn requests_naming(&self, serial: &str) -> u64 {
        self.shared
            .serials_named
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(serial)
            .copied()
            .unwrap_or(0)
    }

    /// The serial answers are signed under now: the public key id, or in certificate mode the
    /// serial of the current platform certificate.
    pub fn platform_serial(&self) -> String {
        self.shared.platform().serial.clone()
    }

    /// Certificate mode: makes a new platform key and certificate and signs every later answer
    /// with them, as WeChat Pay does when it rotates certificates. The old certificate stays listed
    /// by `v3/certificates` until it expires. Returns the new serial.
    ///
    /// # Errors
    /// [`Error::Config`] in public-key mode (a public key does not rotate this way), or when a key
    /// or certificate cannot be made.
    pub fn rotate_platform_certificate(&self) -> Result<String, Error> {
        let Some(certificates) = &self.shared.certificates else {
            return Err(Error::Config(
                "this sandbox signs with a WeChat Pay public key; start it with SandboxBuilder::platform_certificates() to rotate certificates".into(),
            ));
        };
        let key = MerchantKey::generate()?;
        let mut issued = certificates.lock().unwrap_or_else(PoisonError::into_inner);
        // Each new certificate outlives the previous one, so "the newest" is never a tie.
        let outlive = issued.last().map(|previous| previous.not_after);
        let certificate = issue_certificate(&key, outlive)?;
        let serial = certificate.serial.clone();
        issued.push(certificate);
        drop(issued);
        *self
            .shared
            .platform
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(PlatformSigner {
            key,
            serial: serial.clone(),
        });
        Ok(serial)
    }

    /// The APIv3 key the sandbox encrypts callbacks with.
    pub fn apiv3_key(&self) -> &str {
        &self.shared.keys.apiv3_key
    }

    /// The APIv2 key v2 requests, answers and callbacks are signed with.
    pub fn apiv2_key(&self) -> &str {
        &self.shared.keys.apiv2_key
    }

    /// A client builder configured for this sandbox (mchid, merchant key, public key, APIv3 and
    /// APIv2 keys, the `appid` of v2 requests ([`DEFAULT_APPID`]), base URL),
    /// to adjust before building.
    ///
    /// # Errors
    /// [`Error::Config`] when the sandbox was started with only the merchant's public key.
    pub fn client_builder(&self) -> Result<ClientBuilder, Error> {
        let keys = &self.shared.keys;
        let pem = keys.merchant_private_pem.as_ref().ok_or_else(|| {
            Error::Config(
                "this sandbox was given only the merchant public key; build the client from your own private key".into(),
            )
        })?;
        let mut builder = Client::builder()
            .mchid(keys.mchid.clone())
            .merchant_key(keys.merchant_serial.clone(), MerchantKey::from_pem(pem)?)
            .apiv3_key(ApiV3Key::new(&keys.apiv3_key)?)
            .apiv2_key(wechatpay::ApiV2Key::new(&keys.apiv2_key)?)
            .appid(DEFAULT_APPID)
            .base_url(self.base_url());
        builder = if self.shared.public_key.is_some() {
            // As a merchant migrating starts: the public key from the portal, and certificates
            // downloaded as before; requests name the public key (the client's default).
            builder
                .platform_certificates_from_api()
                .wechatpay_public_key(self.wechatpay_public_key()?)
        } else if self.shared.certificates.is_some() {
            // As a certificate merchant starts: with the APIv3 key, downloading certificates.
            builder.platform_certificates_from_api()
        } else {
            builder.wechatpay_public_key(WechatpayPublicKey::from_public_key(
                keys.public_key_id.clone(),
                self.shared.platform().key.public_key(),
            )?)
        };
        if let Some(root) = &self.extra_root {
            builder = builder.add_root_certificate(root.clone());
        }
        Ok(builder)
    }

    /// A merchant API certificate for mutual TLS, issued for the sandbox's merchant by the
    /// sandbox's client CA: give it to `ClientBuilder::client_certificate` to call the v2
    /// operations WeChat Pay serves only over mutual TLS (`secapi/…`, transfers, red packets …);
    /// without one the sandbox refuses them with `return_code=FAIL`.
    ///
    /// # Errors
    /// [`Error::Config`] when the sandbox serves plain HTTP (mutual TLS needs
    /// [`SandboxBuilder::tls`]) or the certificate cannot be issued.
    pub fn client_certificate(&self) -> Result<wechatpay::ClientCertificate, Error> {
        let ca = self.client_ca.as_ref().ok_or_else(|| {
            Error::Config(
                "this sandbox serves plain HTTP: mutual TLS needs HTTPS; start it with Sandbox::builder().tls(…)".into(),
            )
        })?;
        let failed = |e: rcgen::Error| {
            Error::Config(format!(
                "the sandbox cannot issue a client certificate: {e}"
            ))
        };
        let key = rcgen::KeyPair::generate().map_err(failed)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, self.shared.keys.mchid.clone());
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let certificate = params
            .signed_by(&key, &ca.certificate, &ca.key)
            .map_err(failed)?;
        let key_pem = Zeroizing::new(key.serialize_pem());
        wechatpay::ClientCertificate::from_pem(certificate.pem().as_bytes(), key_pem.as_bytes())
    }

    /// A client configured for this sandbox.
    ///
    /// # Errors
    /// As [`Sandbox::client_builder`].
    pub fn client(&self) -> Result<Client, Error> {
        self.client_builder()?.build()
    }

    /// Makes the next answer misbehave; several faults apply to successive answers, in order.
    pub fn inject(&self, fault: Fault) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(fault);
    }

    /// Makes answers misbehave at random: each request that no [`Sandbox::inject`]ed fault claims
    /// gets `fault` with probability `rate` (the rates add up to at most 1; the rest are answered
    /// normally). An empty list turns random faults off. For load tests under faults:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wechatpay::Error> {
    /// use std::time::Duration;
    /// use wechatpay_sandbox::{Fault, Sandbox};
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.set_fault_rates(vec![
    ///     (Fault::TamperBody, 0.1),
    ///     (Fault::ServerError, 0.1),
    ///     (Fault::Delay(Duration::from_millis(500)), 0.1),
    /// ])?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when a rate is negative or not finite, or the rates add up to more than 1.
    pub fn set_fault_rates(&self, rates: Vec<(Fault, f64)>) -> Result<(), Error> {
        let total: f64 = rates.iter().map(|(_, rate)| rate).sum();
        if rates
            .iter()
            .any(|(_, rate)| !rate.is_finite() || *rate < 0.0)
            || total > 1.0 + 1e-9
        {
            return Err(Error::Config(format!(
                "fault rates must be between 0 and 1 and add up to at most 1 (they add up to {total})"
            )));
        }
        *self
            .shared
            .fault_rates
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = rates;
        Ok(())
    }

    /// Every fault the sandbox has applied so far (injected or drawn at random), in order.
    pub fn faults_applied(&self) -> Vec<Fault> {
        self.shared
            .fault_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests the sandbox has received.
    pub fn requests_received(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// How many TCP connections the sandbox has accepted: with a pooling client, far fewer than
    /// requests.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// The file an image or video upload answered `media_id` for: its name, SHA-256 and size as
    /// the sandbox received them; `None` when no upload answered that id.
    pub fn uploaded_media(&self, media_id: &str) -> Option<UploadedMedia> {
        self.shared
            .media
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(media_id)
            .cloned()
    }

    /// Sets the shape of answers from the description for requests that do not choose one with
    /// [`SHAPE_HEADER`] (default [`AnswerShape::Full`]).
    pub fn set_answer_shape(&self, shape: AnswerShape) {
        self.shared.set_answer_shape(shape);
    }

    /// The shape of answers from the description for requests that do not choose one.
    #[must_use]
    pub fn answer_shape(&self) -> AnswerShape {
        self.shared.answer_shape()
    }

    /// Makes the unsigned files served from now on (complaint images, e-receipts, fapiao files)
    /// arrive slowly: 512 bytes at a time, `pause` before each chunk. `Duration::ZERO` turns
    /// it off.
    pub fn serve_files_slowly(&self, pause: Duration) {
        self.shared.file_pause_ms.store(
            u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Stores a fapiao file, served unsigned at `GET v3/new-tax-control-fapiao/download?fapiao_id=…`
    /// as `application/pdf`.
    pub fn store_fapiao_file(&self, fapiao_id: &str, bytes: impl Into<bytes::Bytes>) {
        files::keep_fapiao(&self.shared, fapiao_id, bytes.into());
    }

    /// The user confirms receipt of the transfer bill `out_bill_no` (as on the confirmation
    /// page): the bill becomes `SUCCESS`.
    ///
    /// # Errors
    /// What is wrong, when no such bill waits for the user.
    pub fn confirm_transfer(&self, out_bill_no: &str) -> Result<(), String> {
        transfers::confirm(&self.shared, out_bill_no)
    }

    /// The e-receipt file the sandbox serves for the transfer bill `out_bill_no`, once applied
    /// for (`POST v3/fund-app/mch-transfer/elecsign/out-bill-no`).
    #[must_use]
    pub fn transfer_receipt_file(&self, out_bill_no: &str) -> Vec<u8> {
        files::receipt_file(out_bill_no).to_vec()
    }

    /// Sets how many rows the bills of `v3/bill/tradebill` and `v3/bill/fundflowbill` have from
    /// now on (default 1000, about 200 bytes each): large bills test that downloads stream.
    pub fn set_bill_rows(&self, rows: u64) {
        self.shared.bill_rows.store(rows, Ordering::Relaxed);
    }

    /// Makes the gzip bills handed out from now on (`tar_type=GZIP`) gzip bombs: `inflated`
    /// bytes of zeros packed about a thousandfold (1 GiB is about 1 MiB on the wire), with a
    /// valid CRC and the digest the bill answer gives, to test that a client stops unpacking at
    /// its limit with bounded memory. `0` turns it off.
    pub fn serve_gzip_bombs(&self, inflated: u64) {
        self.shared
            .gzip_bomb_bytes
            .store(inflated, Ordering::Relaxed);
    }

    /// How many requests the sandbox has received for `path` (`v3/certificates`; no leading `/`,
    /// no query).
    pub fn requests_to(&self, path: &str) -> u64 {
        self.shared
            .requests_by_path
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path.trim_start_matches('/'))
            .copied()
            .unwrap_or(0)
    }

    /// Writes the keys into `dir` and returns the environment to set: everything a client in
    /// another process needs (base URL, mchid, serial, the merchant private key when the sandbox
    /// holds it, the WeChat Pay public key and its id, the APIv3 key that decrypts callbacks) and
    /// `WECHATPAY_PLATFORM_PRIVATE_KEY`, with which [`SandboxBuilder::from_env`] starts an
    /// identical sandbox again. The same lines are written to `dir`/[`ENV_FILE`]. Private key
    /// files and that file are readable by their owner only.
    ///
    /// # Errors
    /// [`Error::Io`] when a file cannot be written.
    pub fn write_env(&self, dir: &Path) -> Result<Vec<(String, String)>, Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            what: format!("creating {}", dir.display()),
            source,
        })?;
        let keys = &self.shared.keys;
        let mut env = vec![
            ("WECHATPAY_BASE_URL".to_owned(), self.base_url()),
            ("WECHATPAY_MCHID".to_owned(), keys.mchid.clone()),
            (
                "WECHATPAY_MERCHANT_SERIAL".to_owned(),
                keys.merchant_serial.clone(),
            ),
        ];
        if let Some(pem) = &keys.merchant_private_pem {
            let path = dir.join("merchant_private_key.pem");
            write_file(&path, pem.as_bytes())?;
            restrict_to_owner(&path)?;
            env.push((
                "WECHATPAY_MERCHANT_PRIVATE_KEY".to_owned(),
                path.display().to_string(),
            ));
        }
        let path = dir.join("wechatpay_public_key.pem");
        write_file(&path, self.public_key_pem().as_bytes())?;
        env.push((
            "WECHATPAY_PUBLIC_KEY".to_owned(),
            path.display().to_string(),
        ));
        env.push((
            "WECHATPAY_PUBLIC_KEY_ID".to_owned(),
            keys.public_key_id.clone(),
        ));
        if self.shared.public_key.is_some()
            && let Some(pem) = self.platform_certificate_pem()
        {
            let path = dir.join("wechatpay_platform_certificate.pem");
            write_file(&path, pem.as_bytes())?;
            env.push((
                "WECHATPAY_PLATFORM_CERTIFICATE".to_owned(),
                path.display().to_string(),
            ));
        }
        let path = dir.join("platform_private_key.pem");
        write_file(&path, self.shared.platform().key.to_pkcs8_pem().as_bytes())?;
        restrict_to_owner(&path)?;
        env.push((
            "WECHATPAY_PLATFORM_PRIVATE_KEY".to_owned(),
            path.display().to_string(),
        ));
        // The APIv3 key stays last: scripts wait for its line before sourcing the others.
        env.push(("WECHATPAY_APIV2_KEY".to_owned(), keys.apiv2_key.clone()));
        env.push(("WECHATPAY_APPID".to_owned(), DEFAULT_APPID.to_owned()));
        env.push(("WECHATPAY_APIV3_KEY".to_owned(), keys.apiv3_key.clone()));
        let path = dir.join(ENV_FILE);
        let text: String = env
            .iter()
            .map(|(name, value)| format!("export {name}={value}\n"))
            .collect();
        write_file(&path, text.as_bytes())?;
        restrict_to_owner(&path)?;
        Ok(env)
    }
}

/// The file [`Sandbox::write_env`] leaves in the keys directory: the `export` lines it returns,
/// which [`SandboxBuilder::from_env_and_dir`] reads back (and a shell can source).
pub const ENV_FILE: &str = "sandbox.env";

/// A key file that could not be loaded, named by its path.
fn key_error(path: &str, problem: String) -> Error {
    Error::Key {
        source_name: Some(PathBuf::from(path)),
        problem,
    }
}

/// `NAME=value` pairs of `export NAME=value` (or `NAME=value`) lines; other lines are skipped.
fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (name, value) = line.split_once('=')?;
            name.starts_with("WECHATPAY_")
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// A private key file is readable by its owner only.
fn restrict_to_owner(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| Error::Io {
                what: format!("restricting {} to its owner", path.display()),
                source,
            },
        )?;
    }
    let _ = path;
    Ok(())
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(|source| Error::Io {
        what: format!("writing {}", path.display()),
        source,
    })
}

/// Configures a [`Sandbox`]; from [`Sandbox::builder`].
#[derive(Default)]
#[must_use]
pub struct SandboxBuilder {
    listen: Option<SocketAddr>,
    mchid: Option<String>,
    merchant_serial: Option<String>,
    merchant_private: Option<MerchantKey>,
    merchant_public: Option<PublicKey>,
    platform_private: Option<MerchantKey>,
    public_key_id: Option<String>,
    apiv3_key: Option<String>,
    apiv2_key: Option<String>,
    certificate_mode: bool,
    migrating: bool,
    tls: Option<(Vec<u8>, Zeroizing<Vec<u8>>)>,
    callback_retry_delays: Option<Vec<Duration>>,
    settle_deductions_after: Option<Duration>,
    merchant_name: Option<String>,
    pages_base_url: Option<String>,
}

impl std::fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("listen", &self.listen)
            .field("mchid", &self.mchid)
            .finish_non_exhaustive()
    }
}

impl SandboxBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = Some(addr);
        self
    }

    /// The merchant id to accept.
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = Some(mchid.into());
        self
    }

    /// The merchant certificate serial to accept.
    pub fn merchant_serial(mut self, serial: impl Into<String>) -> Self {
        self.merchant_serial = Some(serial.into());
        self
    }

    /// The merchant private key: the sandbox checks requests with its public half and can hand
    /// out clients that sign with it.
    pub fn merchant_private_key(mut self, key: MerchantKey) -> Self {
        self.merchant_private = Some(key);
        self
    }

    /// Only the merchant public key: requests are checked with it; [`Sandbox::client`] is then unavailable.
    pub fn merchant_public_key(mut self, key: PublicKey) -> Self {
        self.merchant_public = Some(key);
        self
    }

    /// The key the sandbox signs answers with, as WeChat Pay's platform key.
    pub fn platform_private_key(mut self, key: MerchantKey) -> Self {
        self.platform_private = Some(key);
        self
    }

    /// The `PUB_KEY_ID_…` the sandbox names its answers with.
    pub fn public_key_id(mut self, id: impl Into<String>) -> Self {
        self.public_key_id = Some(id.into());
        self
    }

    /// The APIv3 key callbacks are encrypted with (32 bytes; generated when not set).
    pub fn apiv3_key(mut self, key: impl Into<String>) -> Self {
        self.apiv3_key = Some(key.into());
        self
    }

    /// The APIv2 key v2 requests are checked with (32 bytes; generated when not set).
    pub fn apiv2_key(mut self, key: impl Into<String>) -> Self {
        self.apiv2_key = Some(key.into());
        self
    }

    /// Certificate mode: the sandbox issues a platform certificate for its key, names answers by
    /// the certificate serial, serves `v3/certificates`, and can rotate
    /// ([`Sandbox::rotate_platform_certificate`]). Without it the sandbox signs as a WeChat Pay
    /// public key (`PUB_KEY_ID_…`) and answers `v3/certificates` with `404 RESOURCE_NOT_EXISTS`,
    /// as WeChat Pay does for merchants onboarded since late 2024.
    pub fn platform_certificates(mut self) -> Self {
        self.certificate_mode = true;
        self
    }

    /// Migration mode: the merchant is moving from platform certificates to the WeChat Pay public
    /// key, and WeChat Pay holds both. The sandbox issues a platform certificate (as in
    /// [`SandboxBuilder::platform_certificates`], served by `v3/certificates`) and has a second,
    /// different key as the WeChat Pay public key ([`Sandbox::public_key_id`],
    /// [`Sandbox::public_key_pem`]). Each answer is signed with the key the request names in
    /// `Wechatpay-Serial`: `PUB_KEY_ID_…` → the public key, a certificate serial (or none) → the
    /// platform certificate ([`Sandbox::requests_naming`] counts what requests named).
    /// Callbacks are signed with the platform certificate unless
    /// [`Callback::signed_with`](crate::Callback::signed_with) says otherwise;
    /// [`Fault::SignWith`] signs an answer with a key the request did not name. Clients from
    /// [`Sandbox::client`] hold both keys and name the public key.
    ///
    /// [`Sandbox::write_env`] then also writes `WECHATPAY_PLATFORM_CERTIFICATE`, and
    /// `WECHATPAY_PUBLIC_KEY` is the public key's; the public key's private half is not written,
    /// so [`SandboxBuilder::from_env`] restarts a migrating sandbox with a new public key.
    pub fn migrating(mut self) -> Self {
        self.certificate_mode = true;
        self.migrating = true;
        self
    }

    /// Serves HTTPS with this certificate chain (DER of the leaf) and PKCS#8 private key (DER).
    /// Clients from [`Sandbox::client`] then trust the certificate.
    pub fn tls(mut self, certificate_der: Vec<u8>, private_key_der: Vec<u8>) -> Self {
        self.tls = Some((certificate_der, Zeroizing::new(private_key_der)));
        self
    }

    /// Keeps each accepted papay deduction `ACCEPT` (已接收，等待扣款) for `delay` before it
    /// settles and its `TRANSACTION.*` callback is sent, as WeChat Pay deducts asynchronously;
    /// by default deductions settle at once. Use it to test the handling of `ACCEPT` in order
    /// queries.
    pub fn settle_deductions_after(mut self, delay: Duration) -> Self {
        self.settle_deductions_after = Some(delay);
        self
    }

    /// The merchant name the user's pages show (signing page, cashier, transfer confirmation);
    /// by default `商户 {mchid}`.
    pub fn merchant_name(mut self, name: impl Into<String>) -> Self {
        self.merchant_name = Some(name.into());
        self
    }

    /// The base URL the user's pages are reached at, as answers write them (`redirect_url`,
    /// `h5_url`, `code_url`): for a sandbox a browser reaches under another name than the one it
    /// listens on (a container, a proxy). By default the sandbox's own base URL
    /// ([`Sandbox::base_url`]; `127.0.0.1` when it listens on all addresses).
    pub fn pages_base_url(mut self, url: impl Into<String>) -> Self {
        let mut url = url.into();
        if !url.ends_with('/') {
            url.push('/');
        }
        self.pages_base_url = Some(url);
        self
    }

    /// Takes keys and ids from the environment (the names of [`Client::from_env`] plus
    /// `WECHATPAY_MERCHANT_PUBLIC_KEY` and `WECHATPAY_PLATFORM_PRIVATE_KEY`, all PEM paths);
    /// whatever is unset is generated when the sandbox starts.
    ///
    /// # Errors
    /// [`Error::Key`] naming a file that cannot be loaded.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`SandboxBuilder::from_env`], and for what the environment leaves unset, the values
    /// an earlier [`Sandbox::write_env`] left in `dir` (its [`ENV_FILE`]), so that a sandbox
    /// restarted with the same keys directory keeps its keys and ids.
    ///
    /// # Errors
    /// [`Error::Io`] when the file exists but cannot be read; [`Error::Key`] naming a key file
    /// that cannot be loaded.
    pub fn from_env_and_dir(dir: &Path) -> Result<Self, Error> {
        let path = dir.join(ENV_FILE);
        let saved = match std::fs::read_to_string(&path) {
            Ok(text) => parse_env_file(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(Error::Io {
                    what: format!("reading {}", path.display()),
                    source,
                });
            }
        };
        Self::from_lookup(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .or_else(|| {
                    saved
                        .iter()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.clone())
                })
        })
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut builder = Self::default();
        if let Some(mchid) = var("WECHATPAY_MCHID") {
            builder = builder.mchid(mchid);
        }
        if let Some(serial) = var("WECHATPAY_MERCHANT_SERIAL") {
            builder = builder.merchant_serial(serial);
        }
        if let Some(path) = var("WECHATPAY_MERCHANT_PRIVATE_KEY") {
            builder =
                builder.merchant_private_key(MerchantKey::from_pem_file(PathBuf::from(path))?);
        }
        if let Some(path) = var("WECHATPAY_MERCHANT_PUBLIC_KEY") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| key_error(&path, format!("cannot read the file ({e})")))?;
            builder =
                builder.merchant_public_key(PublicKey::from_pem(&text).map_err(|e| match e {
                    Error::Key { problem, .. } => key_error(&path, problem),
                    other => other,
                })?);
        }
        if let Some(path) = var("WECHATPAY_PLATFORM_PRIVATE_KEY") {
            builder =
                builder.platform_private_key(MerchantKey::from_pem_file(PathBuf::from(path))?);
        }
        if let Some(id) = var("WECHATPAY_PUBLIC_KEY_ID") {
            builder = builder.public_key_id(id);
        }
        if let Some(key) = var("WECHATPAY_APIV3_KEY") {
            builder = builder.apiv3_key(key);
        }
        if let Some(key) = var("WECHATPAY_APIV2_KEY") {
            builder = builder.apiv2_key(key);
        }
        Ok(builder)
    }

    /// Starts the server.
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound; [`Error::Config`] for unusable settings.
    pub async fn start(self) -> Result<Sandbox, Error> {
        let (merchant_public, merchant_private_pem) =
            match (self.merchant_private, self.merchant_public) {
                (Some(private), _) => (private.public_key(), Some(private.to_pkcs8_pem())),
                (None, Some(public)) => (public, None),
                (None, None) => {
                    let private = MerchantKey::generate()?;
                    (private.public_key(), Some(private.to_pkcs8_pem()))
                }
            };
        let platform = match self.platform_private {
            Some(key) => key,
            None => MerchantKey::generate()?,
        };
        let public_key_id = self
            .public_key_id
            .unwrap_or_else(|| DEFAULT_PUBLIC_KEY_ID.to_owned());
        // Validates the id and the APIv3 key the same way clients will.
        WechatpayPublicKey::from_public_key(public_key_id.clone(), platform.public_key())?;
        let apiv3_key = match self.apiv3_key {
            Some(key) => key,
            None => wechatpay::__support::nonce(),
        };
        ApiV3Key::new(&apiv3_key)?;
        let apiv2_key = match self.apiv2_key {
            Some(key) => key,
            None => wechatpay::__support::nonce(),
        };
        wechatpay::ApiV2Key::new(&apiv2_key)?;
        let keys = SandboxKeys {
            mchid: self.mchid.unwrap_or_else(|| DEFAULT_MCHID.to_owned()),
            merchant_serial: self
                .merchant_serial
                .unwrap_or_else(|| DEFAULT_MERCHANT_SERIAL.to_owned())
                .to_ascii_uppercase(),
            merchant_public,
            merchant_private_pem,
            public_key_id,
            foreign: MerchantKey::generate()?,
            apiv3_key,
            apiv2_key,
        };
        let (signer, certificates) = if self.certificate_mode {
            let certificate = issue_certificate(&platform, None)?;
            let signer = PlatformSigner {
                key: platform,
                serial: certificate.serial.clone(),
            };
            (signer, Some(Mutex::new(vec![certificate])))
        } else {
            let signer = PlatformSigner {
                key: platform,
                serial: keys.public_key_id.clone(),
            };
            (signer, None)
        };
        let public_key = if self.migrating {
            Some(Arc::new(PlatformSigner {
                key: MerchantKey::generate()?,
                serial: keys.public_key_id.clone(),
            }))
        } else {
            None
        };
        let callbacks = callbacks::Deliveries::new(self.callback_retry_delays)?;
        let shared = Arc::new_cyclic(|owner| Shared {
            keys,
            platform: RwLock::new(Arc::new(signer)),
            public_key,
            serials_named: Mutex::default(),
            certificates,
            faults: Mutex::new(VecDeque::new()),
            fault_rates: Mutex::default(),
            fault_log: Mutex::default(),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            requests_by_path: Mutex::default(),
            bills: Mutex::default(),
            bill_rows: AtomicU64::new(DEFAULT_BILL_ROWS),
            gzip_bomb_bytes: AtomicU64::new(0),
            callbacks: callbacks.owned_by(owner.clone()),
            media: Mutex::default(),
            files: Mutex::default(),
            file_pause_ms: AtomicU64::new(0),
            ledger: Mutex::default(),
            settle_deductions_after: self.settle_deductions_after,
            user_routes: handlers::UserRoutes::default(),
            sign_check: sign_check::SignCheck::default(),
            minimal_answers: AtomicBool::new(false),
            pages: pages::Pages::new(self.merchant_name),
        });
        let listen = self
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| Error::Io {
                what: format!("binding the sandbox to {listen}"),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            what: "reading the sandbox address".into(),
            source,
        })?;
        let (acceptor, extra_root, client_ca) = match self.tls {
            Some((cert, key)) => {
                let client_ca = ClientCa::new()?;
                let acceptor = server::tls_acceptor(
                    cert.clone(),
                    key.to_vec(),
                    client_ca.certificate.der().to_vec(),
                )?;
                (Some(acceptor), Some(cert), Some(client_ca))
            }
            None => (None, None, None),
        };
        let tls = acceptor.is_some();
        shared.pages.set_base_url(
            self.pages_base_url
                .unwrap_or_else(|| pages::base_url(addr, tls)),
        );
        let server = tokio::spawn(server::serve(listener, acceptor, Arc::clone(&shared)));
        Ok(Sandbox {
            shared,
            addr,
            tls,
            extra_root,
            client_ca,
            server,
        })
    }
}

/// Issues a self-signed platform certificate for `key`, valid from a day ago for five years (and
/// at least a day longer than `outlive`), with a random 20-byte serial as WeChat Pay's are.
fn issue_certificate(
    key: &MerchantKey,
    outlive: Option<SystemTime>,
) -> Result<IssuedCertificate, Error> {
    let failed =
        |e: rcgen::Error| Error::Config(format!("the sandbox cannot issue a certificate: {e}"));
    let pem = key.to_pkcs8_pem();
    let key_pair =
        rcgen::KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256).map_err(failed)?;
    let mut serial = [0u8; 20];
    wechatpay::__support::fill_random(&mut serial)?;
    serial[0] = (serial[0] & 0x7F).max(1);
    let now = SystemTime::now();
    let not_before = now - Duration::from_secs(86_400);
    let mut not_after = now + Duration::from_secs(5 * 365 * 86_400);
    if let Some(previous) = outlive {
        not_after = not_after.max(previous + Duration::from_secs(86_400));
    }
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Tenpay.com sandbox platform certificate",
    );
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    params.not_before = not_before.into();
    params.not_after = not_after.into();
    let certificate = params.self_signed(&key_pair).map_err(failed)?;
    Ok(IssuedCertificate {
        serial: wechatpay::__support::serial_hex(&serial),
        pem: certificate.pem(),
        not_before,
        not_after,
    })
}

/// The Beijing date of `time` (`2026-11-27`), as WeChat Pay writes dates.
pub(crate) fn beijing_date(time: SystemTime) -> String {
    let mut date = rfc3339_beijing(time);
    date.truncate(10);
    date
}

/// RFC 3339 in Beijing time (`2026-11-27T09:30:00+08:00`), as WeChat Pay writes times.
pub(crate) fn rfc3339_beijing(time: SystemTime) -> String {
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 8 * 3600;
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+08:00",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_beijing_time() {
        let at = |secs: u64| rfc3339_beijing(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(at(1_431_937_775), "2015-05-18T16:29:35+08:00");
        assert_eq!(at(951_782_400), "2000-02-29T08:00:00+08:00");
        assert_eq!(at(1_798_761_599), "2027-01-01T07:59:59+08:00");
        assert_eq!(at(1_432_099_775), "2015-05-20T13:29:35+08:00");
        assert_eq!(at(1_735_660_799), "2024-12-31T23:59:59+08:00");
        assert_eq!(at(1_735_660_800), "2025-01-01T00:00:00+08:00");
        let date = |secs: u64| beijing_date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(date(1_735_660_799), "2024-12-31");
        assert_eq!(date(1_735_660_800), "2025-01-01");
    }
}
