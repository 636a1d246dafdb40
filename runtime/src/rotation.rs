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

use crate::api::certificates::{CertificateList, DownloadCertificates};
use crate::auth::{KeyStore, unix_now};
use crate::endpoint::RenderedRequest;
use crate::error::Error;
use crate::keys::PlatformCertificate;
use crate::{Answer, Client};

/// The default interval between background certificate downloads.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(12 * 60 * 60);

/// The state of certificate management of one client.
#[derive(Debug)]
pub(crate) struct Rotation {
    interval: Duration,
    last_refresh: Mutex<Option<Instant>>,
    in_flight: AtomicBool,
    /// One download at a time; requests that find an unknown serial wait for it.
    download: tokio::sync::Mutex<()>,
}

impl Rotation {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_refresh: Mutex::new(None),
            in_flight: AtomicBool::new(false),
            download: tokio::sync::Mutex::new(()),
        }
    }

    fn due(&self) -> bool {
        self.last_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none_or(|last| last.elapsed() >= self.interval)
    }

    fn mark_refreshed(&self) {
        *self
            .last_refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }
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
    /// beside the keys the client holds; certificates that have expired are dropped. Returns the
    /// serials held afterwards.
    ///
    /// Nothing changes when any step fails: the client keeps verifying with the keys it had.
    ///
    /// # Errors
    /// As [`Client::download_certificates`].
    pub async fn refresh_certificates(&self) -> Result<Vec<String>, Error> {
        let (_, store) = self.fetch_certificates().await?;
        let serials = store.serials();
        self.install_keys(store);
        if let Some(rotation) = self.rotation() {
            rotation.mark_refreshed();
        }
        tracing::info!(serials = ?serials, "platform certificates refreshed");
        Ok(serials)
    }

    /// Downloads the platform certificates (`GET v3/certificates`), decrypts them with the APIv3
    /// key and checks the answer's signature with them (or a key already held), without installing
    /// them: what the official `CertificateDownloader` tools do. Expired certificates are left out.
    ///
    /// # Errors
    /// [`Error::Config`] without an APIv3 key; [`Error::Api`] (`404 RESOURCE_NOT_EXISTS` for a
    /// merchant that uses a WeChat Pay public key); [`Error::Decrypt`] with a wrong APIv3 key; a
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
            return Err(self.error_answer(raw.status, &raw.headers, &raw.body));
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
        let mut store: KeyStore = self.keys().without_expired(now);
        let mut downloaded = Vec::with_capacity(list.data.len());
        for entry in list.data {
            let encrypted = &entry.encrypt_certificate;
            if encrypted.algorithm != "AEAD_AES_256_GCM" {
                return Err(Error::Decrypt {
                    what: format!("platform certificate {}", entry.serial_no),
                    problem: format!("the algorithm `{}` is not supported", encrypted.algorithm),
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

    /// Starts a background download when certificates are managed and the interval has passed.
    pub(crate) fn refresh_in_background_if_due(&self) {
        self.refresh_in_background(false);
    }

    /// Starts a background download now when certificates are managed: a callback named a
    /// serial the client does not hold, and WeChat Pay will send it again shortly.
    pub(crate) fn refresh_soon(&self) {
        self.refresh_in_background(true);
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
    /// brought it. Returns whether a key for `serial` is held afterwards.
    pub(crate) async fn refresh_for_unknown_serial(&self, serial: &str) -> Result<bool, Error> {
        let Some(rotation) = self.rotation() else {
            return Ok(false);
        };
        let _download = rotation.download.lock().await;
        if self.keys().contains(serial) {
            return Ok(true);
        }
        self.refresh_certificates().await?;
        Ok(self.keys().contains(serial))
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
