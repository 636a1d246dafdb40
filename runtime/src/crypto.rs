//! RSA-SHA256 signing and verification behind two interchangeable backends, and the CSPRNG.
//!
//! RSASSA-PKCS1-v1_5 is deterministic, so both backends produce byte-identical signatures for the
//! same key and message; a test holds them to that and to signatures made by `openssl dgst`.

use aws_lc_rs::signature::{self as lc_signature, KeyPair as _};
use zeroize::Zeroizing;

use crate::error::Error;

/// Which implementation of RSA does the arithmetic.
///
/// Both sign and verify the same bytes identically; they differ only in speed and in what they are
/// built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Backend {
    /// aws-lc-rs (AWS-LC, the library rustls already uses here): the default, and the fastest.
    #[default]
    AwsLc,
    /// The pure-Rust `rsa` crate (cargo feature `rust-crypto`).
    #[cfg(feature = "rust-crypto")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rust-crypto")))]
    RustCrypto,
}

/// An RSA private key ready to sign with one backend. The key material is freed and wiped on drop
/// by the backend (AWS-LC cleanses freed memory; the `rsa` crate zeroizes its key on drop).
pub(crate) enum SigningKey {
    AwsLc(lc_signature::RsaKeyPair),
    #[cfg(feature = "rust-crypto")]
    RustCrypto(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
}

impl SigningKey {
    /// Builds a key from PKCS#1 `RSAPrivateKey` DER.
    pub(crate) fn from_pkcs1_der(der: &[u8], backend: Backend) -> Result<Self, String> {
        match backend {
            Backend::AwsLc => lc_signature::RsaKeyPair::from_der(der)
                .map(SigningKey::AwsLc)
                .map_err(|e| format!("the RSA key is not valid ({e})")),
            #[cfg(feature = "rust-crypto")]
            Backend::RustCrypto => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                rsa::RsaPrivateKey::from_pkcs1_der(der)
                    .map(|k| SigningKey::RustCrypto(Box::new(rsa::pkcs1v15::SigningKey::new(k))))
                    .map_err(|e| format!("the RSA key is not valid ({e})"))
            }
        }
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 over SHA-256.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.sign_sha256(&sha256_lines(&[message], false))
    }

    /// Signs the message `PART\n` for each of `parts`, in order, without assembling it: the
    /// signing messages of requests and answers are lines that each end in `\n`.
    pub(crate) fn sign_lines(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.sign_sha256(&sha256_lines(parts, true))
    }

    /// Signs a SHA-256 digest (RSASSA-PKCS1-v1_5).
    fn sign_sha256(&self, digest: &[u8; 32]) -> Vec<u8> {
        match self {
            SigningKey::AwsLc(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                // Signing a SHA-256 digest with a validated key into a buffer of the modulus
                // length cannot fail; AWS-LC reports only allocation failure here.
                key.sign_digest(
                    &lc_signature::RSA_PKCS1_SHA256,
                    &lc_digest(digest),
                    &mut signature,
                )
                .expect("RSA signing with a validated key");
                signature
            }
            #[cfg(feature = "rust-crypto")]
            SigningKey::RustCrypto(key) => {
                use rsa::signature::SignatureEncoding as _;
                use rsa::signature::hazmat::PrehashSigner as _;
                key.sign_prehash(digest)
                    .expect("RSA signing of a SHA-256 digest with a validated key")
                    .to_vec()
            }
        }
    }

    /// The public half as SubjectPublicKeyInfo DER.
    pub(crate) fn public_key_spki_der(&self) -> Vec<u8> {
        match self {
            SigningKey::AwsLc(key) => {
                use aws_lc_rs::encoding::AsDer as _;
                key.public_key()
                    .as_der()
                    .map(|d| d.as_ref().to_vec())
                    .expect("encoding a validated public key")
            }
            #[cfg(feature = "rust-crypto")]
            SigningKey::RustCrypto(key) => {
                use rsa::pkcs8::EncodePublicKey as _;
                let private: &rsa::RsaPrivateKey = (**key).as_ref();
                private
                    .to_public_key()
                    .to_public_key_der()
                    .map(|d| d.as_bytes().to_vec())
                    .expect("encoding a validated public key")
            }
        }
    }
}

/// An RSA public key ready to verify with one backend.
pub(crate) enum VerifyingKey {
    AwsLc(lc_signature::ParsedPublicKey),
    #[cfg(feature = "rust-crypto")]
    RustCrypto(Box<rsa::pkcs1v15::VerifyingKey<sha2::Sha256>>),
}

impl VerifyingKey {
    /// Builds a key from SubjectPublicKeyInfo DER.
    pub(crate) fn from_spki_der(der: &[u8], backend: Backend) -> Result<Self, String> {
        match backend {
            Backend::AwsLc => {
                lc_signature::ParsedPublicKey::new(&lc_signature::RSA_PKCS1_2048_8192_SHA256, der)
                    .map(VerifyingKey::AwsLc)
                    .map_err(|e| format!("the RSA public key is not valid ({e})"))
            }
            #[cfg(feature = "rust-crypto")]
            Backend::RustCrypto => rust_crypto_public_key(der)
                .map(|k| VerifyingKey::RustCrypto(Box::new(rsa::pkcs1v15::VerifyingKey::new(k))))
                .map_err(|e| format!("the RSA public key is not valid ({e})")),
        }
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_sha256(&sha256_lines(&[message], false), signature)
    }

    /// Like [`VerifyingKey::verify`], over the message `PART\n` for each of `parts`, without
    /// assembling it.
    pub(crate) fn verify_lines(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        self.verify_sha256(&sha256_lines(parts, true), signature)
    }

    fn verify_sha256(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        match self {
            VerifyingKey::AwsLc(key) => {
                key.verify_digest_sig(&lc_digest(digest), signature).is_ok()
            }
            #[cfg(feature = "rust-crypto")]
            VerifyingKey::RustCrypto(key) => {
                use rsa::signature::hazmat::PrehashVerifier as _;
                match rsa::pkcs1v15::Signature::try_from(signature) {
                    Ok(signature) => key.verify_prehash(digest, &signature).is_ok(),
                    Err(_) => false,
                }
            }
        }
    }
}

/// SHA-256 of `parts` concatenated, each followed by `\n` when `lines` is set.
fn sha256_lines(parts: &[&[u8]], lines: bool) -> [u8; 32] {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for part in parts {
        context.update(part);
        if lines {
            context.update(b"\n");
        }
    }
    let mut digest = [0; 32];
    digest.copy_from_slice(context.finish().as_ref());
    digest
}

/// A SHA-256 digest as aws-lc-rs takes it for signing and verifying.
fn lc_digest(digest: &[u8; 32]) -> aws_lc_rs::digest::Digest {
    aws_lc_rs::digest::Digest::import_less_safe(digest, &aws_lc_rs::digest::SHA256)
        .expect("a SHA-256 digest is 32 bytes")
}

/// The largest RSA modulus verified, in bits: aws-lc-rs's `RSA_PKCS1_2048_8192_SHA256` bound.
#[cfg(feature = "rust-crypto")]
const MAX_RSA_BITS: usize = 8192;

/// An RSA public key for the `rsa` crate from SubjectPublicKeyInfo DER, accepting moduli up to
/// [`MAX_RSA_BITS`] as aws-lc-rs does: the `rsa` crate's own decoder stops at 4096 bits, which
/// failed keys the default backend accepted (and made `MerchantKey::public_key` panic).
#[cfg(feature = "rust-crypto")]
fn rust_crypto_public_key(der: &[u8]) -> Result<rsa::RsaPublicKey, String> {
    let spki = rsa::pkcs8::SubjectPublicKeyInfoRef::try_from(der).map_err(|e| e.to_string())?;
    if spki.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
        return Err(format!("algorithm {} is not RSA", spki.algorithm.oid));
    }
    let bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or("the key is not a whole number of bytes")?;
    let key = rsa::pkcs1::RsaPublicKey::try_from(bytes).map_err(|e| e.to_string())?;
    rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(key.modulus.as_bytes()),
        rsa::BigUint::from_bytes_be(key.public_exponent.as_bytes()),
        MAX_RSA_BITS,
    )
    .map_err(|e| e.to_string())
}

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), Error> {
    aws_lc_rs::rand::fill(buf)
        .map_err(|_| Error::Config("the system random number generator failed".into()))
}

/// A 32-character alphanumeric nonce from the CSPRNG, for the sandbox and tests (it panics when
/// the system random generator fails; library code uses [`try_nonce`]).
pub(crate) fn nonce() -> String {
    try_nonce().expect("the system random number generator is available")
}

/// A 32-character alphanumeric nonce from the CSPRNG.
///
/// # Errors
/// [`Error::Config`] when the system random number generator fails.
pub(crate) fn try_nonce() -> Result<String, Error> {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut nonce = String::with_capacity(32);
    let mut random = [0u8; 64];
    while nonce.len() < 32 {
        fill_random(&mut random)?;
        // Rejection sampling keeps the distribution uniform: 248 = 4 × 62.
        for &byte in random.iter().filter(|&&b| b < 248) {
            if nonce.len() == 32 {
                break;
            }
            nonce.push(ALPHABET[usize::from(byte % 62)] as char);
        }
    }
    Ok(nonce)
}

/// Generates a fresh RSA-2048 key and returns it as PKCS#8 DER (wiped on drop).
pub(crate) fn generate_rsa_2048_pkcs8() -> Result<Zeroizing<Vec<u8>>, Error> {
    use aws_lc_rs::encoding::AsDer as _;
    let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| Error::Config("RSA key generation failed".into()))?;
    let der = key
        .as_der()
        .map_err(|_| Error::Config("RSA key encoding failed".into()))?;
    Ok(Zeroizing::new(der.as_ref().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_32_alphanumerics_and_do_not_repeat() {
        let nonces: std::collections::HashSet<String> = (0..1000).map(|_| nonce()).collect();
        assert_eq!(nonces.len(), 1000);
        for nonce in &nonces {
            assert_eq!(nonce.len(), 32);
            assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
        }
        let distinct: std::collections::HashSet<char> =
            nonces.iter().flat_map(|n| n.chars()).collect();
        assert_eq!(
            distinct.len(),
            62,
            "every character of the alphabet appears"
        );
    }
}

fn aes_key(
    key: &[u8; 32],
    nonce: &str,
) -> Result<(aws_lc_rs::aead::LessSafeKey, aws_lc_rs::aead::Nonce), Error> {
    Ok((aes_256_gcm_key(key), aes_nonce(nonce)?))
}

/// An AES-256-GCM key ready to use (the key schedule is computed here, once; AWS-LC wipes it
/// when it is freed).
pub(crate) fn aes_256_gcm_key(key: &[u8; 32]) -> aws_lc_rs::aead::LessSafeKey {
    use aws_lc_rs::aead;
    aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_256_GCM, key).expect("a 32-byte AES-256 key"),
    )
}

fn aes_nonce(nonce: &str) -> Result<aws_lc_rs::aead::Nonce, Error> {
    aws_lc_rs::aead::Nonce::try_assume_unique_for_key(nonce.as_bytes()).map_err(|_| {
        Error::Decrypt {
            what: "AEAD_AES_256_GCM resource".into(),
            problem: format!("the nonce must be 12 bytes, but it has {}", nonce.len()),
        }
    })
}

/// Opens `AEAD_AES_256_GCM` data as WeChat Pay sends it: Base64(ciphertext ‖ tag), given as the
/// bytes of the Base64 text.
pub(crate) fn aes_256_gcm_open(
    key: &aws_lc_rs::aead::LessSafeKey,
    nonce: &str,
    associated_data: &str,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use base64::Engine as _;
    let nonce = aes_nonce(nonce)?;
    let mut data = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(ciphertext)
            .map_err(|e| Error::Decrypt {
                what: "AEAD_AES_256_GCM resource".into(),
                problem: format!("the ciphertext is not Base64 ({e})"),
            })?,
    );
    let len = key
        .open_in_place(
            nonce,
            aws_lc_rs::aead::Aad::from(associated_data.as_bytes()),
            &mut data,
        )
        .map_err(|_| Error::Decrypt {
            what: "AEAD_AES_256_GCM resource".into(),
            problem:
                "the authentication tag does not verify: a wrong APIv3 key, or the data was altered"
                    .into(),
        })?
        .len();
    data.truncate(len);
    Ok(data)
}

/// Seals data the way WeChat Pay does: Base64(ciphertext ‖ tag).
pub(crate) fn aes_256_gcm_seal(
    key: &[u8; 32],
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, Error> {
    use base64::Engine as _;
    let (key, nonce) = aes_key(key, nonce)?;
    let mut data = plaintext.to_vec();
    key.seal_in_place_append_tag(
        nonce,
        aws_lc_rs::aead::Aad::from(associated_data.as_bytes()),
        &mut data,
    )
    .map_err(|_| Error::Decrypt {
        what: "AEAD_AES_256_GCM resource".into(),
        problem: "sealing failed".into(),
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(data))
}

#[cfg(test)]
mod aead_tests {
    use super::*;

    const KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";

    fn aes_256_gcm_open(
        key: &[u8; 32],
        nonce: &str,
        associated_data: &str,
        ciphertext: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        super::aes_256_gcm_open(
            &aes_256_gcm_key(key),
            nonce,
            associated_data,
            ciphertext.as_bytes(),
        )
    }

    #[test]
    fn sealed_resources_open_with_the_same_key_nonce_and_associated_data() {
        let sealed = aes_256_gcm_seal(KEY, "fdasflkja484", "transaction", b"{\"a\":1}").unwrap();
        let opened = aes_256_gcm_open(KEY, "fdasflkja484", "transaction", &sealed).unwrap();
        assert_eq!(opened.as_slice(), b"{\"a\":1}");
        assert!(aes_256_gcm_open(KEY, "fdasflkja484", "certificate", &sealed).is_err());
        assert!(
            aes_256_gcm_open(
                b"0123456789abcdef0123456789abcdeX",
                "fdasflkja484",
                "transaction",
                &sealed
            )
            .is_err()
        );
        let short = aes_256_gcm_open(KEY, "short", "transaction", &sealed).unwrap_err();
        assert!(short.to_string().contains("12 bytes"), "{short}");
        assert!(aes_256_gcm_open(KEY, "fdasflkja484", "transaction", "%%%").is_err());
    }
}

/// RSA-OAEP (SHA-1, MGF1-SHA-1) encryption of sensitive fields under a WeChat Pay key.
pub(crate) struct OaepEncryptor {
    key: aws_lc_rs::rsa::OaepPublicEncryptingKey,
}

impl OaepEncryptor {
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let key = aws_lc_rs::rsa::PublicEncryptingKey::from_der(der)
            .map_err(|e| Error::Config(format!("the WeChat Pay key cannot encrypt ({e})")))?;
        let key = aws_lc_rs::rsa::OaepPublicEncryptingKey::new(key)
            .map_err(|_| Error::Config("the WeChat Pay key cannot encrypt with RSA-OAEP".into()))?;
        Ok(Self { key })
    }

    /// Base64 of the RSA-OAEP ciphertext of `plaintext`.
    pub(crate) fn encrypt(&self, plaintext: &[u8]) -> Result<String, String> {
        use base64::Engine as _;
        let algorithm = &aws_lc_rs::rsa::OAEP_SHA1_MGF1SHA1;
        let most = self.key.max_plaintext_size(algorithm);
        if plaintext.len() > most {
            return Err(format!(
                "a sensitive value of {} bytes is longer than RSA-OAEP allows ({most} bytes)",
                plaintext.len()
            ));
        }
        let mut ciphertext = vec![0; self.key.ciphertext_size()];
        let written = self
            .key
            .encrypt(algorithm, plaintext, &mut ciphertext, None)
            .map_err(|_| "RSA-OAEP encryption failed".to_owned())?;
        Ok(base64::engine::general_purpose::STANDARD.encode(written))
    }
}

/// RSA-OAEP (SHA-1, MGF1-SHA-1) decryption with a private key in PKCS#8 DER.
pub(crate) fn oaep_decrypt(
    pkcs8_der: &[u8],
    ciphertext_b64: &str,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use base64::Engine as _;
    let failed = |problem: String| Error::Decrypt {
        what: "sensitive field".into(),
        problem,
    };
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(ciphertext_b64)
        .map_err(|e| failed(format!("the value is not Base64 ({e})")))?;
    let key = aws_lc_rs::rsa::PrivateDecryptingKey::from_pkcs8(pkcs8_der)
        .map_err(|e| failed(format!("the merchant key cannot decrypt ({e})")))?;
    let key = aws_lc_rs::rsa::OaepPrivateDecryptingKey::new(key)
        .map_err(|_| failed("the merchant key cannot decrypt with RSA-OAEP".into()))?;
    let mut plaintext = Zeroizing::new(vec![0; ciphertext.len()]);
    let len = key
        .decrypt(
            &aws_lc_rs::rsa::OAEP_SHA1_MGF1SHA1,
            &ciphertext,
            &mut plaintext,
            None,
        )
        .map_err(|_| {
            failed(
                "RSA-OAEP decryption failed: the value was encrypted for another key, or altered"
                    .into(),
            )
        })?
        .len();
    plaintext.truncate(len);
    Ok(plaintext)
}
