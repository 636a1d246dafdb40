//! Loading the merchant private key, WeChat Pay public keys and platform certificates from PEM.
//!
//! Every loader says what it expected, what it found, and which file it read, because a wrong PEM
//! is the first thing a merchant hits: a certificate where a key belongs, a PKCS#1 key in a PKCS#8
//! wrapper, a 1024-bit test key, a platform certificate that expired last week.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::{Decode as _, Encode as _};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use zeroize::Zeroizing;

use crate::crypto::{Backend, SigningKey, VerifyingKey};
use crate::error::Error;

/// `rsaEncryption` (1.2.840.113549.1.1.1), the only key algorithm WeChat Pay APIv3 uses.
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The smallest RSA modulus accepted, as WeChat Pay requires (`WECHATPAY2-SHA256-RSA2048`).
pub const MIN_RSA_BITS: usize = 2048;

/// The merchant API private key (商户API私钥, `apiclient_key.pem`) that signs every request.
///
/// Accepts PKCS#8 (`-----BEGIN PRIVATE KEY-----`, what the WeChat Pay certificate tool writes) and
/// PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`). The key material is wiped from memory on drop and never
/// shown by `Debug`.
///
/// ```no_run
/// let key = wechatpay::MerchantKey::from_pem_file("/etc/wechatpay/apiclient_key.pem")?;
/// # Ok::<(), wechatpay::Error>(())
/// ```
pub struct MerchantKey {
    signer: SigningKey,
    pkcs1_der: Zeroizing<Vec<u8>>,
    bits: usize,
    backend: Backend,
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantKey")
            .field("bits", &self.bits)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl MerchantKey {
    /// Loads a private key from PEM text.
    ///
    /// # Errors
    /// [`Error::Key`] when the text is not PEM, holds something other than an RSA private key,
    /// or the key is shorter than 2048 bits.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::parse(pem.as_bytes(), None)
    }

    /// Loads a private key from a PEM file.
    ///
    /// # Errors
    /// As [`MerchantKey::from_pem`], and when the file cannot be read; the error names the file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = Zeroizing::new(read_file(path)?);
        Self::parse(&text, Some(path))
    }

    fn parse(text: &[u8], source: Option<&Path>) -> Result<Self, Error> {
        let block = parse_pem(text, source, "an RSA private key")?;
        // The parsed PEM holds the key's DER: wiped on drop, like every copy of it.
        let tag = block.tag().to_owned();
        let contents = Zeroizing::new(block.into_contents());
        let pkcs1_der = match tag.as_str() {
            "PRIVATE KEY" => {
                let info = pkcs8::PrivateKeyInfo::try_from(contents.as_slice()).map_err(|e| {
                    Error::key(source, format!("the PKCS#8 private key is malformed ({e})"))
                })?;
                if info.algorithm.oid != RSA_ENCRYPTION {
                    return Err(Error::key(
                        source,
                        format!(
                            "the private key is not an RSA key (algorithm {}); WeChat Pay APIv3 merchant keys are RSA-2048",
                            info.algorithm.oid
                        ),
                    ));
                }
                Zeroizing::new(info.private_key.to_vec())
            }
            "RSA PRIVATE KEY" => contents,
            "ENCRYPTED PRIVATE KEY" => {
                return Err(Error::key(
                    source,
                    "the private key is encrypted; decrypt it first (openssl pkcs8 -in key.pem -out apiclient_key.pem)",
                ));
            }
            other => {
                return Err(wrong_kind(
                    source,
                    other,
                    "an RSA private key (BEGIN PRIVATE KEY)",
                ));
            }
        };
        let bits = {
            let key = pkcs1::RsaPrivateKey::try_from(pkcs1_der.as_slice()).map_err(|e| {
                Error::key(source, format!("the RSA private key is malformed ({e})"))
            })?;
            uint_bits(key.modulus.as_bytes())
        };
        check_bits(source, bits)?;
        Self::from_pkcs1(pkcs1_der, bits, Backend::default(), source)
    }

    fn from_pkcs1(
        pkcs1_der: Zeroizing<Vec<u8>>,
        bits: usize,
        backend: Backend,
        source: Option<&Path>,
    ) -> Result<Self, Error> {
        let signer = SigningKey::from_pkcs1_der(&pkcs1_der, backend)
            .map_err(|problem| Error::key(source, problem))?;
        Ok(Self {
            signer,
            pkcs1_der,
            bits,
            backend,
        })
    }

    /// The same key, computed by another [`Backend`].
    ///
    /// # Errors
    /// [`Error::Key`] if the backend rejects the key (it does not for a key the default accepted).
    pub fn with_backend(self, backend: Backend) -> Result<Self, Error> {
        if backend == self.backend {
            return Ok(self);
        }
        Self::from_pkcs1(self.pkcs1_der, self.bits, backend, None)
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The backend that computes signatures.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 / SHA-256 and returns the raw signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signer.sign(message)
    }

    /// Signs the message `PART\n` for each of `parts`, without assembling it.
    pub(crate) fn sign_lines(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.signer.sign_lines(parts)
    }

    /// The matching public key, as WeChat Pay would hold it (to check signatures or build a sandbox).
    pub fn public_key(&self) -> PublicKey {
        let spki = self.signer.public_key_spki_der();
        PublicKey::from_spki_der(&spki, self.backend, None)
            .expect("the public half of a valid private key is valid")
    }

    /// Generates a fresh RSA-2048 key (for the sandbox and tests).
    ///
    /// # Errors
    /// [`Error::Config`] when the system cannot generate a key.
    pub fn generate() -> Result<Self, Error> {
        let pkcs8 = crate::crypto::generate_rsa_2048_pkcs8()?;
        Self::from_pem(&private_key_pem(&pkcs8))
    }

    /// Decrypts a sensitive field WeChat Pay encrypted to this key (RSA-OAEP, SHA-1, MGF1-SHA-1),
    /// given as Base64 in an answer. The plaintext is wiped on drop.
    ///
    /// # Errors
    /// [`Error::Decrypt`] when the value is not Base64, was encrypted for another key, or was altered.
    pub fn decrypt(&self, ciphertext: &str) -> Result<Zeroizing<String>, Error> {
        let plaintext = crate::crypto::oaep_decrypt(&self.to_pkcs8_der(), ciphertext)?;
        let text = std::str::from_utf8(&plaintext).map_err(|_| Error::Decrypt {
            what: "sensitive field".into(),
            problem: "the decrypted value is not UTF-8 text".into(),
        })?;
        Ok(Zeroizing::new(text.to_owned()))
    }

    fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let info = pkcs8::PrivateKeyInfo::new(
            pkcs8::AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            &self.pkcs1_der,
        );
        Zeroizing::new(info.to_der().expect("encoding a PKCS#8 structure"))
    }

    /// The key as PKCS#8 PEM, for writing a generated key to a file. The returned text is wiped on drop.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        private_key_pem(&self.to_pkcs8_der())
    }
}

/// PKCS#8 DER as PEM text; the copy of the DER the encoder needs is wiped with the text.
fn private_key_pem(pkcs8_der: &[u8]) -> Zeroizing<String> {
    let block = pem::Pem::new("PRIVATE KEY", pkcs8_der.to_vec());
    let text = Zeroizing::new(pem::encode(&block));
    drop(Zeroizing::new(block.into_contents()));
    text
}

/// An RSA public key that verifies WeChat Pay signatures.
pub struct PublicKey {
    verifier: VerifyingKey,
    spki_der: Vec<u8>,
    bits: usize,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Loads an RSA public key from SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    ///
    /// # Errors
    /// [`Error::Key`] when the text is not such a key or the key is shorter than 2048 bits.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::parse(pem.as_bytes(), None)
    }

    fn parse(text: &[u8], source: Option<&Path>) -> Result<Self, Error> {
        let block = parse_pem(text, source, "an RSA public key")?;
        match block.tag() {
            "PUBLIC KEY" => Self::from_spki_der(block.contents(), Backend::default(), source),
            "CERTIFICATE" => Err(Error::key(
                source,
                "this is an X.509 certificate, not a public key: load it with PlatformCertificate (WECHATPAY_PLATFORM_CERTIFICATE)",
            )),
            other => Err(wrong_kind(source, other, "a public key (BEGIN PUBLIC KEY)")),
        }
    }

    pub(crate) fn from_spki_der(
        der: &[u8],
        backend: Backend,
        source: Option<&Path>,
    ) -> Result<Self, Error> {
        let spki = spki::SubjectPublicKeyInfoRef::try_from(der)
            .map_err(|e| Error::key(source, format!("the public key is malformed ({e})")))?;
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(Error::key(
                source,
                format!(
                    "the public key is not an RSA key (algorithm {}); WeChat Pay signs with RSA-2048",
                    spki.algorithm.oid
                ),
            ));
        }
        let rsa = pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
            .map_err(|e| Error::key(source, format!("the RSA public key is malformed ({e})")))?;
        let bits = uint_bits(rsa.modulus.as_bytes());
        check_bits(source, bits)?;
        let verifier =
            VerifyingKey::from_spki_der(der, backend).map_err(|p| Error::key(source, p))?;
        Ok(Self {
            verifier,
            spki_der: der.to_vec(),
            bits,
        })
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `message` by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify(message, signature)
    }

    /// Like [`PublicKey::verify`], over the message `PART\n` for each of `parts`, without
    /// assembling it.
    pub(crate) fn verify_lines(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        self.verifier.verify_lines(parts, signature)
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The key as SubjectPublicKeyInfo PEM.
    pub fn to_pem(&self) -> String {
        pem::encode(&pem::Pem::new("PUBLIC KEY", self.spki_der.clone()))
    }

    pub(crate) fn with_backend(&self, backend: Backend) -> Result<Self, Error> {
        Self::from_spki_der(&self.spki_der, backend, None)
    }

    /// Encrypts `plaintext` for the holder of the private key (RSA-OAEP, SHA-1, MGF1-SHA-1) and
    /// returns it Base64-encoded, as sensitive fields travel.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the value is longer than RSA-OAEP allows (214 bytes for RSA-2048).
    pub fn encrypt(&self, plaintext: &str) -> Result<String, Error> {
        crate::crypto::OaepEncryptor::from_spki_der(&self.spki_der)?
            .encrypt(plaintext.as_bytes())
            .map_err(|problem| Error::InvalidRequest {
                endpoint: "sensitive field",
                problem,
            })
    }

    pub(crate) fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }
}

/// A WeChat Pay public key (微信支付公钥) with its id (`PUB_KEY_ID_…`), as downloaded from the
/// merchant portal. Merchants onboarded since late 2024 verify with this instead of platform
/// certificates; answers signed with it carry `Wechatpay-Serial: PUB_KEY_ID_…`.
///
/// ```no_run
/// let key = wechatpay::WechatpayPublicKey::from_pem_file(
///     "PUB_KEY_ID_0114232134912410000000000000",
///     "/etc/wechatpay/pub_key.pem",
/// )?;
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug)]
pub struct WechatpayPublicKey {
    id: String,
    key: PublicKey,
}

impl WechatpayPublicKey {
    /// Loads the key from PEM text; `id` is its `PUB_KEY_ID_…`.
    ///
    /// # Errors
    /// [`Error::Key`] when the id is not a `PUB_KEY_ID_…` or the PEM is not an RSA-2048 public key.
    pub fn from_pem(id: impl Into<String>, pem: &str) -> Result<Self, Error> {
        Self::new(id.into(), PublicKey::parse(pem.as_bytes(), None)?, None)
    }

    /// Loads the key from a PEM file; `id` is its `PUB_KEY_ID_…`.
    ///
    /// # Errors
    /// As [`WechatpayPublicKey::from_pem`], and when the file cannot be read; the error names the file.
    pub fn from_pem_file(id: impl Into<String>, path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = read_file(path)?;
        Self::new(id.into(), PublicKey::parse(&text, Some(path))?, Some(path))
    }

    /// Wraps a public key already loaded.
    ///
    /// # Errors
    /// [`Error::Key`] when the id does not start with `PUB_KEY_ID_`.
    pub fn from_public_key(id: impl Into<String>, key: PublicKey) -> Result<Self, Error> {
        Self::new(id.into(), key, None)
    }

    fn new(id: String, key: PublicKey, source: Option<&Path>) -> Result<Self, Error> {
        let suffix = id.strip_prefix("PUB_KEY_ID_").unwrap_or_default();
        if suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::key(
                source,
                format!(
                    "`{id}` is not a WeChat Pay public key id: it looks like PUB_KEY_ID_0114232134912410000000000000 (shown beside the key in the merchant portal)"
                ),
            ));
        }
        Ok(Self { id, key })
    }

    /// The key id (`PUB_KEY_ID_…`), as answers name it in `Wechatpay-Serial`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    pub(crate) fn into_key(self) -> PublicKey {
        self.key
    }
}

/// A WeChat Pay platform certificate (平台证书): an X.509 certificate whose serial names it in
/// `Wechatpay-Serial` and whose key verifies answers. Certificates rotate; see `GET /v3/certificates`.
#[derive(Debug)]
pub struct PlatformCertificate {
    serial: String,
    not_before: SystemTime,
    not_after: SystemTime,
    key: PublicKey,
}

impl PlatformCertificate {
    /// Loads a certificate from PEM text and checks that it is valid now.
    ///
    /// # Errors
    /// [`Error::Key`] when the PEM is not an X.509 certificate with an RSA-2048 key, or the
    /// certificate has expired or is not yet valid.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::parse(pem.as_bytes(), None, SystemTime::now())
    }

    /// Loads a certificate from a PEM file and checks that it is valid now.
    ///
    /// # Errors
    /// As [`PlatformCertificate::from_pem`], and when the file cannot be read; the error names the file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = read_file(path)?;
        Self::parse(&text, Some(path), SystemTime::now())
    }

    pub(crate) fn parse(
        text: &[u8],
        source: Option<&Path>,
        now: SystemTime,
    ) -> Result<Self, Error> {
        let block = parse_pem(text, source, "an X.509 certificate")?;
        if block.tag() != "CERTIFICATE" {
            return Err(wrong_kind(
                source,
                block.tag(),
                "a certificate (BEGIN CERTIFICATE)",
            ));
        }
        Self::from_der(block.contents(), source, now)
    }

    pub(crate) fn from_der(
        der: &[u8],
        source: Option<&Path>,
        now: SystemTime,
    ) -> Result<Self, Error> {
        let certificate = Self::from_der_unchecked(der, source)?;
        certificate.check_validity(source, now)?;
        Ok(certificate)
    }

    /// Parses a certificate without checking its validity period.
    pub(crate) fn from_der_unchecked(der: &[u8], source: Option<&Path>) -> Result<Self, Error> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| Error::key(source, format!("the X.509 certificate is malformed ({e})")))?;
        let tbs = &cert.tbs_certificate;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::key(source, format!("the certificate's key is malformed ({e})")))?;
        Ok(Self {
            serial: serial_hex(tbs.serial_number.as_bytes()),
            not_before: tbs.validity.not_before.to_system_time(),
            not_after: tbs.validity.not_after.to_system_time(),
            key: PublicKey::from_spki_der(&spki, Backend::default(), source)?,
        })
    }

    /// Checks that the certificate is valid at `now`.
    pub(crate) fn check_validity(
        &self,
        source: Option<&Path>,
        now: SystemTime,
    ) -> Result<(), Error> {
        let serial = &self.serial;
        if now > self.not_after {
            return Err(Error::key(
                source,
                format!(
                    "platform certificate {serial} expired at {} (Unix time); download the current ones (GET /v3/certificates) or switch to the WeChat Pay public key",
                    unix_seconds(self.not_after)
                ),
            ));
        }
        if now < self.not_before {
            return Err(Error::key(
                source,
                format!(
                    "platform certificate {serial} is not valid before {} (Unix time); check this machine's clock",
                    unix_seconds(self.not_before)
                ),
            ));
        }
        Ok(())
    }

    /// The certificate serial in upper-case hex, as answers name it in `Wechatpay-Serial`.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The start of the validity period.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The end of the validity period.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// The certificate's public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    pub(crate) fn into_key(self) -> PublicKey {
        self.key
    }
}

/// Upper-case hex of a DER integer's bytes, without the sign-padding zero byte.
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    let bytes = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => bytes,
    };
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

fn uint_bits(bytes: &[u8]) -> usize {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    bytes.len() * 8 - bytes[0].leading_zeros() as usize
}

fn check_bits(source: Option<&Path>, bits: usize) -> Result<(), Error> {
    if bits < MIN_RSA_BITS {
        return Err(Error::key(
            source,
            format!(
                "the RSA key has {bits} bits; WeChat Pay requires at least {MIN_RSA_BITS} (use the key from the WeChat Pay certificate tool)"
            ),
        ));
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::key(Some(path), format!("cannot read the file ({e})")))
}

fn parse_pem(text: &[u8], source: Option<&Path>, expected: &str) -> Result<pem::Pem, Error> {
    let mut blocks = pem::parse_many(text).map_err(|e| {
        Error::key(
            source,
            format!("expected PEM text holding {expected}, but it does not parse as PEM ({e})"),
        )
    })?;
    match blocks.len() {
        0 => Err(Error::key(
            source,
            format!("expected PEM text holding {expected} (-----BEGIN …-----), but found none"),
        )),
        1 => Ok(blocks.remove(0)),
        n => Err(Error::key(
            source,
            format!("expected one PEM block holding {expected}, but found {n}; keep one per file"),
        )),
    }
}

fn wrong_kind(source: Option<&Path>, found: &str, expected: &str) -> Error {
    let hint = match found {
        "CERTIFICATE" => {
            " (a certificate: the merchant certificate apiclient_cert.pem is not needed; use apiclient_key.pem)"
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" => " (a public key cannot sign)",
        _ => "",
    };
    Error::key(
        source,
        format!("expected {expected}, but the PEM holds `{found}`{hint}"),
    )
}

/// The APIv3 key (APIv3密钥): 32 bytes set in the merchant portal. It decrypts callbacks and
/// downloaded platform certificates (AEAD_AES_256_GCM). Wiped on drop; `Debug` shows nothing of it.
#[derive(Clone, zeroize::ZeroizeOnDrop)]
pub struct ApiV3Key {
    bytes: [u8; 32],
    /// The AES-256-GCM key, built once rather than per callback (AWS-LC wipes it when freed).
    #[zeroize(skip)]
    aead: std::sync::Arc<aws_lc_rs::aead::LessSafeKey>,
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(..)")
    }
}

impl ApiV3Key {
    /// Takes the key as set in the merchant portal (32 ASCII characters).
    ///
    /// # Errors
    /// [`Error::Config`] when the key is not 32 bytes long.
    pub fn new(key: &str) -> Result<Self, Error> {
        let bytes: [u8; 32] = key.as_bytes().try_into().map_err(|_| {
            Error::Config(format!(
                "the APIv3 key must be exactly 32 bytes, but it has {}; copy it from the merchant portal (账户中心 → API安全)",
                key.len()
            ))
        })?;
        Ok(Self {
            aead: std::sync::Arc::new(crate::crypto::aes_256_gcm_key(&bytes)),
            bytes,
        })
    }

    /// Decrypts an `AEAD_AES_256_GCM` resource: `ciphertext` is Base64 of ciphertext ‖ 16-byte tag,
    /// `nonce` the IV as text, `associated_data` the AAD (empty when absent).
    ///
    /// # Errors
    /// [`Error::Decrypt`] when the ciphertext is not Base64, the nonce is not 12 bytes, or the tag
    /// does not verify (a wrong APIv3 key, or data altered in transit).
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.decrypt_base64(nonce, associated_data, ciphertext.as_bytes())
    }

    /// [`ApiV3Key::decrypt`] with the Base64 text as bytes, as a callback body holds it.
    pub(crate) fn decrypt_base64(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        crate::crypto::aes_256_gcm_open(&self.aead, nonce, associated_data, ciphertext)
    }

    /// Encrypts like WeChat Pay does (for the sandbox and tests): returns Base64 of ciphertext ‖ tag.
    ///
    /// # Errors
    /// [`Error::Decrypt`] when the nonce is not 12 bytes.
    pub fn encrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        plaintext: &[u8],
    ) -> Result<String, Error> {
        crate::crypto::aes_256_gcm_seal(&self.bytes, nonce, associated_data, plaintext)
    }
}

/// The merchant API certificate and its private key, presented to WeChat Pay for mutual TLS by the
/// operations that require it (refunds, `secapi/…`, transfers, red packets …).
///
/// The key is held only as the TLS signing key made from it; its DER bytes are wiped from
/// memory as soon as that key is made, and never copied.
#[derive(Clone)]
pub struct ClientCertificate {
    certified: Arc<rustls::sign::CertifiedKey>,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("certificates", &self.certified.cert.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// From `apiclient_cert.pem` (one or more `CERTIFICATE` blocks) and `apiclient_key.pem`
    /// (`PRIVATE KEY` or `RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// [`Error::Key`] saying which PEM is unusable and why.
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self, Error> {
        let blocks = pem::parse_many(certificate_pem).map_err(|e| {
            Error::key(
                None,
                format!("the client certificate PEM is malformed: {e}"),
            )
        })?;
        let chain: Vec<CertificateDer<'static>> = blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| CertificateDer::from(b.into_contents()))
            .collect();
        if chain.is_empty() {
            return Err(Error::key(
                None,
                "the client certificate PEM holds no CERTIFICATE block: use apiclient_cert.pem",
            ));
        }
        let block = pem::parse(key_pem)
            .map_err(|e| Error::key(None, format!("the client key PEM is malformed: {e}")))?;
        let pkcs8 = match block.tag() {
            "PRIVATE KEY" => true,
            "RSA PRIVATE KEY" => false,
            other => {
                return Err(Error::key(
                    None,
                    format!(
                        "the client key PEM holds a `{other}` block, not a private key: use apiclient_key.pem"
                    ),
                ));
            }
        };
        // Wiped when this function returns; the signing key below borrows it, never copies it.
        let der = Zeroizing::new(block.into_contents());
        let key = if pkcs8 {
            PrivateKeyDer::Pkcs8(der.as_slice().into())
        } else {
            PrivateKeyDer::Pkcs1(der.as_slice().into())
        };
        let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key)
            .map_err(|e| Error::key(None, format!("the client private key is not usable: {e}")))?;
        let certified = rustls::sign::CertifiedKey::new(chain, signing);
        match certified.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
            Err(e) => {
                return Err(Error::key(
                    None,
                    format!(
                        "the client certificate and its key cannot be used for TLS ({e}): check that apiclient_cert.pem and apiclient_key.pem belong together"
                    ),
                ));
            }
        }
        Ok(Self {
            certified: Arc::new(certified),
        })
    }

    /// [`ClientCertificate::from_pem`] from two files.
    ///
    /// # Errors
    /// [`Error::Key`] naming the file that cannot be read or used.
    pub fn from_pem_files(
        certificate: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<Self, Error> {
        let read = |path: &std::path::Path| {
            std::fs::read(path).map_err(|e| Error::key(Some(path), format!("cannot read it: {e}")))
        };
        let certificate_pem = read(certificate.as_ref())?;
        let key_pem = Zeroizing::new(read(key.as_ref())?);
        Self::from_pem(&certificate_pem, &key_pem)
    }

    /// What TLS presents when a server asks for a client certificate: this chain and key.
    pub(crate) fn resolver(&self) -> Arc<dyn rustls::client::ResolvesClientCert> {
        Arc::new(rustls::sign::SingleCertAndKey::from(Arc::clone(
            &self.certified,
        )))
    }
}
