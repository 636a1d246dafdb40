//! Loading keys and certificates from PEM, and signatures held to `openssl dgst -sha256 -sign`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use wechatpay::{Error, MerchantKey, PlatformCertificate, PublicKey, WechatpayPublicKey};

mod common;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn key_problem(result: Result<impl std::fmt::Debug, Error>) -> (Option<PathBuf>, String) {
    match result {
        Err(Error::Key {
            source_name,
            problem,
        }) => (source_name, problem),
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[test]
fn pkcs8_and_pkcs1_keys_load_and_sign_identically() {
    let pkcs8 = MerchantKey::from_pem_file(fixture("merchant_key.pem")).unwrap();
    let pkcs1 = MerchantKey::from_pem_file(fixture("merchant_key_pkcs1.pem")).unwrap();
    assert_eq!(pkcs8.bits(), 2048);
    let message = read("message_post.txt");
    assert_eq!(
        pkcs8.sign(message.as_bytes()),
        pkcs1.sign(message.as_bytes())
    );
}

#[test]
fn signatures_match_openssl_fixtures() {
    let key = MerchantKey::from_pem_file(fixture("merchant_key.pem")).unwrap();
    for name in ["get", "post"] {
        let message = std::fs::read(fixture(&format!("message_{name}.txt"))).unwrap();
        let expected = read(&format!("message_{name}.sig.b64"));
        assert_eq!(
            BASE64.encode(key.sign(&message)),
            expected.trim(),
            "message_{name}"
        );
    }
}

#[cfg(feature = "rust-crypto")]
#[test]
fn both_backends_sign_byte_identically_and_match_openssl() {
    use wechatpay::Backend;
    let aws = MerchantKey::from_pem_file(fixture("merchant_key.pem")).unwrap();
    let rust = MerchantKey::from_pem_file(fixture("merchant_key.pem"))
        .unwrap()
        .with_backend(Backend::RustCrypto)
        .unwrap();
    assert_eq!(rust.backend(), Backend::RustCrypto);
    for name in ["get", "post"] {
        let message = std::fs::read(fixture(&format!("message_{name}.txt"))).unwrap();
        let expected = read(&format!("message_{name}.sig.b64"));
        let by_aws = aws.sign(&message);
        let by_rust = rust.sign(&message);
        assert_eq!(by_aws, by_rust, "message_{name}");
        assert_eq!(BASE64.encode(&by_rust), expected.trim());
        assert!(rust.public_key().verify(&message, &by_aws));
    }
}

/// Found by the `pem_keys` fuzz target: the `rsa` crate's key decoder stops at 4096 bits, so the
/// rust-crypto backend refused larger WeChat Pay keys that aws-lc-rs accepts (up to 8192), and
/// `MerchantKey::public_key` panicked for such a merchant key.
#[cfg(feature = "rust-crypto")]
#[test]
fn keys_over_4096_bits_work_on_both_backends() {
    use wechatpay::{Backend, Client};
    let aws = MerchantKey::from_pem_file(fixture("rsa4608_key.pem")).unwrap();
    assert_eq!(aws.bits(), 4608);
    let rust = MerchantKey::from_pem_file(fixture("rsa4608_key.pem"))
        .unwrap()
        .with_backend(Backend::RustCrypto)
        .unwrap();
    let message = std::fs::read(fixture("message_post.txt")).unwrap();
    let signature = aws.sign(&message);
    assert_eq!(rust.sign(&message), signature);
    assert!(rust.public_key().verify(&message, &signature));
    assert!(!rust.public_key().verify(b"another message", &signature));
    let client = Client::builder()
        .mchid("1900009191")
        .merchant_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            MerchantKey::from_pem_file(fixture("merchant_key.pem")).unwrap(),
        )
        .wechatpay_public_key(
            WechatpayPublicKey::from_public_key(
                "PUB_KEY_ID_0114232134912410000000000000",
                aws.public_key(),
            )
            .unwrap(),
        )
        .backend(Backend::RustCrypto)
        .build();
    assert!(client.is_ok(), "{client:?}");
}

#[test]
fn public_key_verifies_openssl_signature_and_rejects_altered_message() {
    let key = PublicKey::from_pem(&read("merchant_public_key.pem")).unwrap();
    let message = std::fs::read(fixture("message_get.txt")).unwrap();
    let signature = BASE64.decode(read("message_get.sig.b64").trim()).unwrap();
    assert!(key.verify(&message, &signature));
    let mut altered = message.clone();
    altered[0] = b'P';
    assert!(!key.verify(&altered, &signature));
}

#[test]
fn a_certificate_where_a_private_key_belongs_is_named() {
    let (path, problem) = key_problem(MerchantKey::from_pem_file(fixture(
        "platform_certificate.pem",
    )));
    assert_eq!(path.unwrap(), fixture("platform_certificate.pem"));
    assert!(problem.contains("expected an RSA private key"), "{problem}");
    assert!(problem.contains("CERTIFICATE"), "{problem}");
}

#[test]
fn a_public_key_cannot_be_the_merchant_key() {
    let (_, problem) = key_problem(MerchantKey::from_pem(&read("merchant_public_key.pem")));
    assert!(
        problem.contains("PUBLIC KEY") && problem.contains("cannot sign"),
        "{problem}"
    );
}

#[test]
fn garbage_and_empty_files_are_reported() {
    let (_, problem) = key_problem(MerchantKey::from_pem("not a key at all"));
    assert!(problem.contains("found none"), "{problem}");
    let (_, problem) = key_problem(MerchantKey::from_pem(
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ));
    assert!(problem.contains("malformed"), "{problem}");
    let missing = fixture("no_such_key.pem");
    let (path, problem) = key_problem(MerchantKey::from_pem_file(&missing));
    assert_eq!(path.unwrap(), missing);
    assert!(problem.contains("cannot read"), "{problem}");
}

#[test]
fn short_and_non_rsa_keys_are_rejected() {
    let (_, problem) = key_problem(MerchantKey::from_pem_file(fixture("rsa1024_key.pem")));
    assert!(
        problem.contains("1024 bits") && problem.contains("2048"),
        "{problem}"
    );
    let (_, problem) = key_problem(MerchantKey::from_pem_file(fixture("ec_key.pem")));
    assert!(problem.contains("not an RSA key"), "{problem}");
}

#[test]
fn debug_output_shows_no_key_material() {
    let key = MerchantKey::from_pem_file(fixture("merchant_key.pem")).unwrap();
    let pem = read("merchant_key.pem");
    let body_line = pem.lines().nth(1).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("bits: 2048"), "{debug}");
    assert!(!debug.contains(&body_line[..16]), "{debug}");
}

#[test]
fn wechatpay_public_key_needs_a_pub_key_id() {
    let pem = read("merchant_public_key.pem");
    let key =
        WechatpayPublicKey::from_pem("PUB_KEY_ID_0114232134912410000000000000", &pem).unwrap();
    assert_eq!(key.id(), "PUB_KEY_ID_0114232134912410000000000000");
    let (_, problem) = key_problem(WechatpayPublicKey::from_pem("5157F09EFDC096DE", &pem));
    assert!(
        problem.contains("not a WeChat Pay public key id"),
        "{problem}"
    );
    let (_, problem) = key_problem(WechatpayPublicKey::from_pem(
        "PUB_KEY_ID_01",
        &read("platform_certificate.pem"),
    ));
    assert!(problem.contains("certificate"), "{problem}");
}

#[test]
fn platform_certificate_serial_and_validity_are_read() {
    let cert = PlatformCertificate::from_pem_file(fixture("platform_certificate.pem")).unwrap();
    assert_eq!(cert.serial(), "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
    assert!(cert.not_after() > SystemTime::now() + Duration::from_secs(365 * 86400));
    let message = std::fs::read(fixture("message_post.txt")).unwrap();
    let signature = BASE64.decode(read("message_post.sig.b64").trim()).unwrap();
    assert!(cert.key().verify(&message, &signature));
}

#[test]
fn an_expired_certificate_is_rejected_with_its_serial() {
    let key =
        rcgen::KeyPair::from_pem_and_sign_algo(&read("merchant_key.pem"), &rcgen::PKCS_RSA_SHA256)
            .unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["wechatpay test".into()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x7A, 0x12, 0x34]));
    let pem = params.self_signed(&key).unwrap().pem();
    let (_, problem) = key_problem(PlatformCertificate::from_pem(&pem));
    assert!(
        problem.contains("7A1234") && problem.contains("expired"),
        "{problem}"
    );
}

#[test]
fn a_private_key_where_a_certificate_belongs_is_named() {
    let (_, problem) = key_problem(PlatformCertificate::from_pem(&read("merchant_key.pem")));
    assert!(problem.contains("expected a certificate"), "{problem}");
}

#[test]
fn an_expired_platform_certificate_no_longer_verifies() {
    let key = MerchantKey::generate().unwrap();
    // Certificates carry whole seconds: valid for the next two.
    let not_after = SystemTime::now() + Duration::from_secs(2);
    let certificate =
        PlatformCertificate::from_pem(&common::platform_certificate_pem(&key, not_after)).unwrap();
    let serial = certificate.serial().to_owned();
    let mut store = wechatpay::auth::KeyStore::new();
    store.add_certificate(certificate);
    let signed = |body: &[u8]| {
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let nonce = "0123456789ABCDEF";
        let signature = BASE64.encode(key.sign(&wechatpay::auth::answer_message(
            &timestamp.to_string(),
            nonce,
            body,
        )));
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("wechatpay-timestamp", timestamp.to_string()),
            ("wechatpay-nonce", nonce.to_owned()),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", serial.clone()),
        ] {
            headers.insert(name, http::HeaderValue::from_str(&value).unwrap());
        }
        (headers, i64::try_from(timestamp).unwrap())
    };
    let (headers, now) = signed(b"{}");
    store
        .verify(&headers, b"{}", now)
        .expect("valid while it is");
    while SystemTime::now() <= not_after {
        std::thread::sleep(Duration::from_millis(100));
    }
    let (headers, now) = signed(b"{}");
    let error = store.verify(&headers, b"{}", now).unwrap_err();
    assert!(
        matches!(error, Error::UnknownSerial { .. }),
        "an expired certificate verified: {error:?}"
    );
}
