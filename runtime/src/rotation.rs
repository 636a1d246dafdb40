//! Platform certificate rotation: download, decrypt and install the current certificates, on a
//! schedule and whenever an answer names a serial the client does not hold yet.
//!
//! WeChat Pay rotates platform certificates and lists the new one before it signs with it; the
//! old one stays valid until it expires. The client therefore keeps every certificate until its
//! own expiry, refreshes in the background every 12 hours by default, and on an unknown
//! `Wechatpay-Serial` refreshes once (one download shared by every request that needs it) before
//! failing. A merchant that verifies with a WeChat Pay public key only never calls
//! `v3/certificates`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::auth::{KeyStore, unix_now};
use crate::client::{Answer, Client};
use crate::endpoint::RenderedRequest;
use crate::error::Error;
use crate::keys::PlatformCertificate;

/// `GET v3/certificates`, the one call rotation makes, declared here rather than taken from the
/// catalog ([`crate::v3::certificates::DownloadCertificates`] is the same operation for users):
/// the call loop's certificate handling does not depend on the catalog.
#[crate::endpoint(GET, "v3/certificates", response = CertificateList)]
#[derive(Debug, Default, serde::Serialize)]
struct DownloadCertificates {}

/// The answer of `v3/certificates`: the certificates, each encrypted with the APIv3 key.
#[derive(serde::Deserialize)]
struct CertificateList {
    #[serde(default)]
    data: Vec<EncryptedCertificate>,
}

/// One listed certificate.
#[derive(serde::Deserialize)]
struct EncryptedCertificate {
    serial_no: String,
    effective_time: String,
    expire_time: String,
    encrypt_certificate: EncryptCertificate,
}

/// The encrypted certificate (AEAD_AES_256_GCM under the APIv3 key).
#[derive(serde::Deserialize)]
struct EncryptCertificate {
    algorithm: String,
    nonce: String,
    associated_data: String,
    ciphertext: String,
}

/// The path template of `GET v3/certificates`.
pub(crate) const CERTIFICATES_PATH: &str = "v3/certificates";

/// The code WeChat Pay answers `GET v3/certificates` with for a merchant that has no platform
/// certificate (`404`, `无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。…`).
pub(crate) const NO_CERTIFICATES_CODE: &str = "RESOURCE_NOT_EXISTS";

/// The default interval between background certificate downloads.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(12 * 60 * 60);

/// The least time between two downloads forced by an unknown serial: a flood of forged
/// callbacks naming made-up serials must not become a flood of signed downloads.
pub(crate) const FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The wait after a failed download before the next, doubling with each failure up to
/// [`MAX_FAILURE_BACKOFF`].
const FIRST_FAILURE_BACKOFF: Duration = Duration::from_secs(5);
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// The state of certificate management of one client.
#[derive(Debug)]
pub(crate) struct Rotation {
    interval: Duration,
    state: Mutex<RefreshState>,
    in_flight: AtomicBool,
    /// One download at a time; requests that find an unknown serial wait for it.
    download: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct RefreshState {
    /// The last download that succeeded.
    last_refresh: Option<Instant>,
    /// The last download forced by an unknown serial, successful or not.
    last_forced: Option<Instant>,
    /// Failures in a row, and when the next download may start after them.
    failures: u32,
    retry_after: Option<Instant>,
    /// The last download failed because WeChat Pay has no certificates for the merchant: while
    /// failed downloads back off, requests that need a certificate get the same explanation.
    no_certificates: Option<NoCertificates>,
}

/// What [`Error::NoPlatformCertificates`] said, kept to say it again.
#[derive(Debug, Clone)]
struct NoCertificates {
    status: http::StatusCode,
    code: String,
    message: String,
    request_id: Option<String>,
    verified: bool,
}

impl NoCertificates {
    fn of(error: &Error) -> Option<Self> {
        match error {
            Error::NoPlatformCertificates {
                status,
                code,
                message,
                request_id,
                verified,
                ..
            } => Some(Self {
                status: *status,
                code: code.clone(),
                message: message.clone(),
                request_id: request_id.clone(),
                verified: *verified,
            }),
            _ => None,
        }
    }

    fn error(self) -> Error {
        Error::NoPlatformCertificates {
            status: self.status,
            code: self.code,
            message: self.message,
            request_id: self.request_id,
            verified: self.verified,
            attempts: crate::error::Attempts::default(),
        }
    }
}

impl Rotation {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::default(),
            in_flight: AtomicBool::new(false),
            download: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RefreshState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a failed download asks to wait still.
    fn backing_off(state: &RefreshState) -> bool {
        state
            .retry_after
            .is_some_and(|after| Instant::now() < after)
    }

    /// How long failed downloads still ask to wait, if they do.
    fn backoff_left(&self) -> Option<Duration> {
        let state = self.state();
        state
            .retry_after
            .and_then(|after| after.checked_duration_since(Instant::now()))
    }

    fn due(&self) -> bool {
        let state = self.state();
        !Self::backing_off(&state)
            && state
                .last_refresh
                .is_none_or(|last| last.elapsed() >= self.interval)
    }

    /// Whether a download forced by an unknown serial may start now: not while failed
    /// downloads back off, and for a callback (which anyone can post) not within a minute of
    /// the last forced one. If so, it counts as the minute's one.
    fn take_forced(&self, by_callback: bool) -> bool {
        let mut state = self.state();
        if Self::backing_off(&state)
            || by_callback
                && state
                    .last_forced
                    .is_some_and(|last| last.elapsed() < FORCED_REFRESH_INTERVAL)
        {
            return false;
        }
        state.last_forced = Some(Instant::now());
        true
    }

    fn mark_refreshed(&self) {
        let mut state = self.state();
        state.last_refresh = Some(Instant::now());
        state.failures = 0;
        state.retry_after = None;
        state.no_certificates = None;
    }

    fn mark_failed(&self, error: &Error) {
        let mut state = self.state();
        state.no_certificates = NoCertificates::of(error);
        state.failures = state.failures.saturating_add(1);
        let backoff = FIRST_FAILURE_BACKOFF
            .saturating_mul(1 << (state.failures - 1).min(16))
            .min(MAX_FAILURE_BACKOFF);
        state.retry_after = Some(Instant::now() + backoff);
    }
}

/// Whether `serial` can name a platform certificate: an X.509 serial in hex, as WeChat Pay
/// writes them (40 digits today; at most 20 bytes by RFC 5280). Anything else cannot be fetched
/// from `v3/certificates`, so it triggers no download.
pub(crate) fn is_certificate_serial(serial: &str) -> bool {
    (8..=40).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A platform certificate as [`Client::download_certificates`] returns it: decrypted with the
/// APIv3 key and vouched for by the verified answer that listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedCertificate {
    /// The serial in upper-case hex, as answers name it in `Wechatpay-Serial`.
    pub serial: String,
    /// 生效时间, as WeChat Pay listed it (RFC 3339).
    pub effective_time: String,
    /// 过期时间, as WeChat Pay listed it (RFC 3339).
    pub expire_time: String,
    /// The certificate, PEM (`-----BEGIN CERTIFICATE-----`), as decrypted.
    pub pem: String,
}

impl Client {
    /// Downloads the platform certificates (`GET v3/certificates`), decrypts them with the APIv3
    /// key, checks the answer's signature with them (or a key already held), and installs them
    /// in place of the certificates the client holds (a certificate WeChat Pay no longer lists
    /// is no longer trusted; public keys stay); expired ones are left out. Returns the serials
    /// held afterwards.
    ///
    /// Nothing changes when any step fails: the client keeps verifying with the keys it had.
    ///
    /// # Errors
    /// As [`Client::download_certificates`].
    pub async fn refresh_certificates(&self) -> Result<Vec<String>, Error> {
        let fetched = self.fetch_certificates().await;
        if let Some(rotation) = self.rotation() {
            match &fetched {
                Ok(_) => rotation.mark_refreshed(),
                Err(error) => rotation.mark_failed(error),
            }
        }
        let (_, store) = fetched?;
        let serials = store.serials();
        self.install_keys(store);
        tracing::info!(serials = ?serials, "platform certificates refreshed");
        Ok(serials)
    }

    /// Downloads the platform certificates (`GET v3/certificates`), decrypts them with the APIv3
    /// key and checks the answer's signature with them (or a key already held), without installing
    /// them: what the official `CertificateDownloader` tools do. Expired certificates are left out.
    ///
    /// # Errors
    /// [`Error::Config`] without an APIv3 key; [`Error::NoPlatformCertificates`] for a merchant
    /// that has no platform certificates (WeChat Pay answers `404 RESOURCE_NOT_EXISTS`: it gave
    /// the merchant a WeChat Pay public key instead); [`Error::Api`] for other error answers;
    /// [`Error::Decrypt`] with a wrong APIv3 key; a
    /// verification error when the answer is not signed by one of the listed certificates or a
    /// key already held.
    pub async fn download_certificates(&self) -> Result<Vec<DownloadedCertificate>, Error> {
        Ok(self.fetch_certificates().await?.0)
    }

    /// The verified download, and the key store it makes with the keys already held.
    async fn fetch_certificates(&self) -> Result<(Vec<DownloadedCertificate>, KeyStore), Error> {
        let apiv3_key = self.apiv3_key().ok_or_else(|| {
            Error::Config(
                "downloading platform certificates needs the APIv3 key: call .apiv3_key(…) or set WECHATPAY_APIV3_KEY".into(),
            )
        })?;
        let rendered = RenderedRequest::new(&DownloadCertificates::default())?;
        // The answer is checked below, once the certificates it lists are known: the documented
        // bootstrap, sound because only WeChat Pay and this merchant hold the APIv3 key that
        // authenticates each certificate.
        let raw = self.send_raw(&rendered).await?;
        if !raw.status.is_success() {
            return Err(self.certificates_error(raw.status, &raw.headers, &raw.body));
        }
        let request_id = crate::auth::request_id(&raw.headers);
        let answer = Answer::new(
            raw.status,
            raw.headers,
            raw.body,
            request_id,
            rendered.call(),
        );
        let list: CertificateList = answer.json()?;
        let now = SystemTime::now();
        // The list replaces the certificates held: one WeChat Pay no longer lists is no longer
        // trusted. Public keys stay.
        let mut store: KeyStore = self.keys().without_certificates();
        let mut downloaded = Vec::with_capacity(list.data.len());
        for entry in list.data {
            let encrypted = &entry.encrypt_certificate;
            if encrypted.algorithm != "AEAD_AES_256_GCM" {
                return Err(Error::Decrypt {
                    what: format!("platform certificate {}", entry.serial_no),
                    problem: format!("the algorithm `{}` is not supported", encrypted.algorithm),
                });
            }
            if encrypted.associated_data != "certificate" {
                return Err(Error::Decrypt {
                    what: format!("platform certificate {}", entry.serial_no),
                    problem: format!(
                        "its associated_data is `{}`, not `certificate` as WeChat Pay sends it",
                        encrypted.associated_data
                    ),
                });
            }
            let pem = apiv3_key.decrypt(
                &encrypted.nonce,
                &encrypted.associated_data,
                &encrypted.ciphertext,
            )?;
            let certificate = PlatformCertificate::parse_unchecked(&pem)?;
            if !certificate.serial().eq_ignore_ascii_case(&entry.serial_no) {
                return Err(Error::Decrypt {
                    what: format!("platform certificate {}", entry.serial_no),
                    problem: format!(
                        "the decrypted certificate has serial {}, not the one listed",
                        certificate.serial()
                    ),
                });
            }
            if certificate.not_after() > now {
                downloaded.push(DownloadedCertificate {
                    serial: certificate.serial().to_owned(),
                    effective_time: entry.effective_time,
                    expire_time: entry.expire_time,
                    pem: String::from_utf8_lossy(&pem).into_owned(),
                });
                store.add_certificate(certificate);
            }
        }
        let store = store.with_backend(self.backend())?;
        store.verify(answer.headers(), answer.body(), unix_now())?;
        Ok((downloaded, store))
    }

    /// The error of an error answer to `GET v3/certificates`: for WeChat Pay's
    /// `404 RESOURCE_NOT_EXISTS`, [`Error::NoPlatformCertificates`], which says what to configure
    /// instead. It is given also when the answer's signature names a key the client does not
    /// hold, or the answer is unsigned: a merchant without certificates signs with a public key,
    /// which a client that needs this explanation lacks (an error answer yields no data either
    /// way). A signature that fails otherwise (altered, stale, a probe) is reported as such.
    pub(crate) fn certificates_error(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Error {
        let error = self.error_answer(status, headers, body);
        if status != http::StatusCode::NOT_FOUND {
            return error;
        }
        let verified = match &error {
            Error::Api { verified, .. } => *verified,
            Error::UnknownSerial { .. } | Error::Unsigned { .. } => false,
            _ => return error,
        };
        match crate::client::api_error(status, body, crate::auth::request_id(headers), verified) {
            Error::Api {
                status,
                code,
                message,
                request_id,
                verified,
                ..
            } if code == NO_CERTIFICATES_CODE => Error::NoPlatformCertificates {
                status,
                code,
                message,
                request_id,
                verified,
                attempts: crate::error::Attempts::default(),
            },
            _ => error,
        }
    }

    /// Starts a background download when certificates are managed and the interval has passed.
    pub(crate) fn refresh_in_background_if_due(&self) {
        self.refresh_in_background(false);
    }

    /// Starts a background download now when certificates are managed: a callback named
    /// `serial`, which the client does not hold, and WeChat Pay will send it again shortly. At
    /// most one such download a minute, none while failed downloads back off, and only for a
    /// serial that can name a platform certificate.
    pub(crate) fn refresh_soon(&self, serial: &str) {
        if let Some(rotation) = self.rotation()
            && is_certificate_serial(serial)
            && !rotation.in_flight.load(Ordering::Acquire)
            && rotation.take_forced(true)
        {
            self.refresh_in_background(true);
        }
    }

    fn refresh_in_background(&self, now: bool) {
        let Some(rotation) = self.rotation() else {
            return;
        };
        // Outside a tokio runtime there is nothing to run the download on; the next request,
        // or an unknown serial in an answer, refreshes instead.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if !(now || rotation.due()) || rotation.in_flight.swap(true, Ordering::AcqRel) {
            return;
        }
        let client = self.clone();
        runtime.spawn(async move {
            let Some(rotation) = client.rotation() else {
                return;
            };
            {
                let _download = rotation.download.lock().await;
                if (now || rotation.due())
                    && let Err(error) = client.refresh_certificates().await
                {
                    tracing::warn!(%error, "background platform certificate refresh failed");
                    // Try again at the next request rather than after a whole interval.
                }
            }
            rotation.in_flight.store(false, Ordering::Release);
        });
    }

    /// Called when an answer names `serial`, which no held key matches: downloads the
    /// certificates once (shared with concurrent callers) unless another download already
    /// brought it, or failed downloads back off. (Answers come from the host called, over TLS;
    /// callbacks, which anyone can post, are limited further: see [`Client::refresh_soon`].)
    /// Returns whether a key for `serial` is held afterwards.
    pub(crate) async fn refresh_for_unknown_serial(&self, serial: &str) -> Result<bool, Error> {
        let Some(rotation) = self.rotation() else {
            return Ok(false);
        };
        if !is_certificate_serial(serial) {
            return Ok(false);
        }
        let _download = rotation.download.lock().await;
        if self.keys().contains(serial) {
            return Ok(true);
        }
        if !rotation.take_forced(false) {
            return Ok(false);
        }
        self.refresh_certificates().await?;
        Ok(self.keys().contains(serial))
    }

    /// The key sensitive fields are encrypted with: a client that starts from the APIv3 key
    /// alone downloads the certificates first, once for all the requests that need them.
    pub(crate) async fn ensure_encryption_key(&self) -> Result<(), Error> {
        let Some(rotation) = self.rotation() else {
            return Ok(());
        };
        if self.keys().encryption_key().is_some() {
            return Ok(());
        }
        let _download = rotation.download.lock().await;
        if self.keys().encryption_key().is_some() {
            return Ok(());
        }
        if let Some(wait) = rotation.backoff_left() {
            // WeChat Pay said it has no certificates: say it again rather than "wait".
            if let Some(saved) = rotation.state().no_certificates.clone() {
                return Err(saved.error());
            }
            return Err(Error::Config(format!(
                "no WeChat Pay key to encrypt sensitive fields with yet: the last platform certificate download failed, the next may start in {} s",
                wait.as_secs().max(1)
            )));
        }
        self.refresh_certificates().await?;
        Ok(())
    }
}

impl PlatformCertificate {
    /// Parses a downloaded certificate; its validity period is judged by the caller.
    fn parse_unchecked(pem: &[u8]) -> Result<Self, Error> {
        let block = pem::parse(pem).map_err(|e| Error::Decrypt {
            what: "platform certificate".into(),
            problem: format!("the decrypted text is not a PEM certificate ({e})"),
        })?;
        Self::from_der_unchecked(block.contents(), None)
    }
}

/// Shares a key store between a client and its background refresh.
pub(crate) type SharedKeys = std::sync::RwLock<Arc<KeyStore>>;
