//! Fuzz logic for loading keys: `MerchantKey::from_pem`, `PublicKey::from_pem`,
//! `WechatpayPublicKey::from_pem`/`from_public_key`, `PlatformCertificate::from_pem`,
//! `ApiV3Key::new` and the RSA-OAEP decryption of sensitive fields.
//!
//! Every failure is an `Err`, never a panic; whatever loads is usable and round-trips.
//!
//! Modes (the first byte, modulo 8; seeds start with `'0'`..`'7'`):
//! - `0`: arbitrary text, given to every loader.
//! - `1`..`4`: arbitrary DER wrapped in a PEM block tagged `PRIVATE KEY`, `RSA PRIVATE KEY`,
//!   `PUBLIC KEY`, `CERTIFICATE` (so the DER decoders see mutated DER, not broken Base64).
//! - `5`: a first line naming the PEM tag, then DER: every loader.
//! - `6`: an arbitrary `PUB_KEY_ID_…` for a valid key: accepted exactly when it is
//!   `PUB_KEY_ID_` and ASCII letters or digits.
//! - `7`: arbitrary text as an APIv3 key (accepted exactly at 32 bytes) and as an encrypted
//!   sensitive field (never decrypts); text that fits RSA-OAEP encrypts and decrypts back.

use std::sync::OnceLock;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use wechatpay::{
    ApiV3Key, Error, MIN_RSA_BITS, MerchantKey, PlatformCertificate, PublicKey, WechatpayPublicKey,
};

#[path = "common.rs"]
mod common;
use common::Input;

const MERCHANT_KEY: &str = include_str!("../../tests/fixtures/merchant_key.pem");
const PUBLIC_KEY: &str = include_str!("../../tests/fixtures/merchant_public_key.pem");

fn merchant_key() -> &'static MerchantKey {
    static KEY: OnceLock<MerchantKey> = OnceLock::new();
    KEY.get_or_init(|| MerchantKey::from_pem(MERCHANT_KEY).expect("the test key"))
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.mode(8) {
        0 => every_loader(&common::text(input.rest())),
        1 => merchant(MerchantKey::from_pem(&armor("PRIVATE KEY", input.rest()))),
        2 => merchant(MerchantKey::from_pem(&armor(
            "RSA PRIVATE KEY",
            input.rest(),
        ))),
        3 => public(&armor("PUBLIC KEY", input.rest())),
        4 => certificate(PlatformCertificate::from_pem(&armor(
            "CERTIFICATE",
            input.rest(),
        ))),
        5 => {
            let tag = input.text_line();
            every_loader(&armor(&tag, input.rest()));
        }
        6 => key_id(&common::text(input.rest())),
        _ => secrets(&common::text(input.rest())),
    }
}

/// `der` in a PEM block (Base64 in 64-character lines).
fn armor(tag: &str, der: &[u8]) -> String {
    let base64 = BASE64.encode(der);
    let mut pem = format!("-----BEGIN {tag}-----\n");
    for line in base64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {tag}-----\n"));
    pem
}

fn every_loader(text: &str) {
    merchant(MerchantKey::from_pem(text));
    public(text);
    certificate(PlatformCertificate::from_pem(text));
}

fn assert_key_error(error: &Error) {
    assert!(matches!(error, Error::Key { .. }), "{error:?}");
    assert!(!error.to_string().is_empty());
}

fn merchant(loaded: Result<MerchantKey, Error>) {
    let key = match loaded {
        Ok(key) => key,
        Err(error) => return assert_key_error(&error),
    };
    assert!(key.bits() >= MIN_RSA_BITS, "{key:?}");
    let message = b"1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{\"fuzz\":1}\n";
    let signature = key.sign(message);
    assert!(
        key.public_key().verify(message, &signature),
        "a loaded key's signature does not verify with its public half"
    );
    let reloaded = MerchantKey::from_pem(&key.to_pkcs8_pem()).expect("a loaded key reloads");
    assert_eq!(reloaded.bits(), key.bits());
    assert_eq!(
        reloaded.sign(message),
        signature,
        "RSASSA-PKCS1-v1_5 is deterministic"
    );
    #[cfg(feature = "rust-crypto")]
    {
        // Documented: the other backend accepts every key the default accepted, and both give
        // byte-identical signatures.
        let other = reloaded
            .with_backend(wechatpay::Backend::RustCrypto)
            .expect("the rust-crypto backend accepts a key aws-lc-rs accepted");
        assert_eq!(
            other.sign(message),
            signature,
            "the backends disagree on a signature"
        );
        assert!(other.public_key().verify(message, &signature));
    }
}

fn public(text: &str) {
    match PublicKey::from_pem(text) {
        Ok(key) => {
            assert!(key.bits() >= MIN_RSA_BITS, "{key:?}");
            let pem = key.to_pem();
            let reloaded = PublicKey::from_pem(&pem).expect("a loaded key reloads");
            assert_eq!(reloaded.bits(), key.bits());
            assert_eq!(reloaded.to_pem(), pem);
            // Nothing here holds its private half: an arbitrary signature never verifies.
            assert!(!key.verify(b"message", text.as_bytes()));
        }
        Err(error) => assert_key_error(&error),
    }
    match WechatpayPublicKey::from_pem("PUB_KEY_ID_0114232134912410000000000000", text) {
        Ok(key) => assert!(key.key().bits() >= MIN_RSA_BITS),
        Err(error) => assert_key_error(&error),
    }
}

fn certificate(loaded: Result<PlatformCertificate, Error>) {
    let certificate = match loaded {
        Ok(certificate) => certificate,
        Err(error) => return assert_key_error(&error),
    };
    let serial = certificate.serial();
    assert!(
        !serial.is_empty()
            && serial
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
        "the serial is not upper-case hex: {serial:?}"
    );
    let now = SystemTime::now();
    assert!(certificate.not_before() <= now && now <= certificate.not_after());
    assert!(certificate.key().bits() >= MIN_RSA_BITS);
    PublicKey::from_pem(&certificate.key().to_pem()).expect("a certificate's key reloads");
}

fn key_id(id: &str) {
    let key = PublicKey::from_pem(PUBLIC_KEY).expect("the test key");
    let valid = id.strip_prefix("PUB_KEY_ID_").is_some_and(|suffix| {
        !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    match WechatpayPublicKey::from_public_key(id, key) {
        Ok(key) => {
            assert!(valid, "accepted the key id {id:?}");
            assert_eq!(key.id(), id);
        }
        Err(error) => {
            assert!(!valid, "refused the key id {id:?}: {error}");
            assert_key_error(&error);
        }
    }
    match WechatpayPublicKey::from_pem(id, PUBLIC_KEY) {
        Ok(_) => assert!(valid, "accepted the key id {id:?}"),
        Err(error) => assert!(!valid, "refused the key id {id:?}: {error}"),
    }
}

fn secrets(text: &str) {
    match ApiV3Key::new(text) {
        Ok(_) => assert_eq!(text.len(), 32),
        Err(error) => {
            assert_ne!(text.len(), 32);
            assert!(matches!(error, Error::Config(_)), "{error:?}");
        }
    }
    let key = merchant_key();
    match key.decrypt(text) {
        Ok(plaintext) => panic!("arbitrary text decrypted to {:?}", plaintext.as_str()),
        Err(error) => assert!(matches!(error, Error::Decrypt { .. }), "{error:?}"),
    }
    match key.public_key().encrypt(text) {
        Ok(ciphertext) => {
            let plaintext = key
                .decrypt(&ciphertext)
                .expect("what was encrypted decrypts");
            assert_eq!(&**plaintext, text);
        }
        Err(error) => {
            assert!(text.len() > 214, "{} bytes: {error:?}", text.len());
            assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
        }
    }
}
