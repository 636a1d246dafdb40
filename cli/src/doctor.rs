//! `wechatpay doctor`: the configured keys and clock checked one by one, in words, then one signed
//! call whose answer must verify.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use wechatpay::v3::security::SecurityEcho;
use wechatpay::{
    ApiV3Key, ClientBuilder, Error, MerchantKey, PlatformCertificate, PublicKey,
    WechatpayPublicKey, WechatpaySerial,
};

use crate::{Failure, exit};

/// Clock offsets beyond this are reported as a problem: WeChat Pay refuses requests, and this
/// SDK refuses answers, more than 300 s away; a minute leaves room for the network.
const CLOCK_WARNING: Duration = Duration::from_secs(60);

/// The arguments of `wechatpay doctor`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The merchant API certificate (apiclient_cert.pem), to check that it belongs to the private
    /// key and that its serial is WECHATPAY_MERCHANT_SERIAL. Default: WECHATPAY_MERCHANT_CERTIFICATE.
    #[arg(long, value_name = "FILE")]
    merchant_certificate: Option<PathBuf>,
    /// Skip the network: check the keys only.
    #[arg(long)]
    offline: bool,
}

/// The findings so far; the first failure decides the exit code.
#[derive(Default)]
struct Report {
    failure: Option<u8>,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        println!("ok    {what}: {}", detail.as_ref());
    }

    fn warn(&mut self, what: &str, detail: impl AsRef<str>) {
        println!("warn  {what}: {}", detail.as_ref());
    }

    fn fail(&mut self, what: &str, detail: impl AsRef<str>) {
        self.fail_with(exit::FAILURE, what, detail);
    }

    fn fail_with(&mut self, code: u8, what: &str, detail: impl AsRef<str>) {
        println!("FAIL  {what}: {}", detail.as_ref());
        self.failure.get_or_insert(code);
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let mut report = Report::default();
    check_mchid(&mut report);
    let serial = check_serial(&mut report);
    let merchant_key = check_merchant_key(&mut report);
    let certificate = args
        .merchant_certificate
        .or_else(|| var("WECHATPAY_MERCHANT_CERTIFICATE").map(PathBuf::from));
    if let Some(path) = certificate {
        check_merchant_certificate(&mut report, &path, merchant_key.as_ref(), serial.as_deref());
    }
    check_wechatpay_keys(&mut report);
    let mode = check_key_mode(&mut report);
    check_apiv3_key(&mut report);
    if !args.offline {
        let base = var("WECHATPAY_BASE_URL")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| wechatpay::DEFAULT_BASE_URL.to_owned());
        check_clock(&mut report, &base).await;
        if report.failure.is_none()
            && let Some(mode) = &mode
        {
            check_platform_certificates(&mut report, mode).await;
        }
        if report.failure.is_none() {
            check_signed_call(&mut report).await;
        } else {
            report.warn(
                "signed call",
                "skipped: fix the problems above first (or run with --offline)",
            );
        }
    }
    match report.failure {
        None => {
            println!("all checks passed");
            Ok(())
        }
        Some(code) => Err(Failure::new(code, "some checks failed (see above)")),
    }
}

fn check_mchid(report: &mut Report) {
    const WHAT: &str = "WECHATPAY_MCHID";
    match var(WHAT) {
        None => report.fail(WHAT, "not set: set it to the merchant id (商户号)"),
        Some(v) if v.trim().is_empty() => {
            report.fail(WHAT, "empty: set it to the merchant id (商户号)");
        }
        Some(v) if !v.bytes().all(|b| b.is_ascii_digit()) => report.fail(
            WHAT,
            format!("`{v}` is not a merchant id: a merchant id is digits only"),
        ),
        Some(v) => report.ok(WHAT, v),
    }
}

fn check_serial(report: &mut Report) -> Option<String> {
    const WHAT: &str = "WECHATPAY_MERCHANT_SERIAL";
    match var(WHAT) {
        None => report.fail(
            WHAT,
            "not set: set it to the serial of the merchant API certificate (商户API证书序列号)",
        ),
        Some(v) if v.trim().is_empty() => report.fail(WHAT, "empty"),
        Some(v) if !v.bytes().all(|b| b.is_ascii_hexdigit()) => report.fail(
            WHAT,
            format!(
                "`{v}` is not hexadecimal: copy the serial from the merchant portal, or run `openssl x509 -noout -serial -in apiclient_cert.pem`"
            ),
        ),
        Some(v) => {
            if v.len() == 40 {
                report.ok(WHAT, &v);
            } else {
                report.warn(
                    WHAT,
                    format!("{v} has {} hex digits; merchant serials usually have 40", v.len()),
                );
            }
            return Some(v);
        }
    }
    None
}

/// The PEM block's label, in words: which format the file is in.
fn pem_format(path: &Path) -> Result<&'static str, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {} ({e})", path.display()))?;
    let block =
        pem::parse(&text).map_err(|e| format!("{} is not a PEM file ({e})", path.display()))?;
    Ok(match block.tag() {
        "PRIVATE KEY" => "PKCS#8",
        "RSA PRIVATE KEY" => "PKCS#1",
        "ENCRYPTED PRIVATE KEY" => "encrypted PKCS#8",
        "CERTIFICATE" => "certificate",
        "PUBLIC KEY" => "public key",
        "RSA PUBLIC KEY" => "PKCS#1 public key",
        _ => "unknown",
    })
}

fn check_merchant_key(report: &mut Report) -> Option<MerchantKey> {
    const WHAT: &str = "WECHATPAY_MERCHANT_PRIVATE_KEY";
    let Some(path) = var(WHAT).filter(|v| !v.trim().is_empty()) else {
        report.fail(
            WHAT,
            "not set (or empty): set it to the path of the merchant private key, apiclient_key.pem",
        );
        return None;
    };
    let path = PathBuf::from(path);
    match pem_format(&path) {
        Err(problem) => {
            report.fail(WHAT, problem);
            return None;
        }
        Ok("certificate") => {
            report.fail(
                WHAT,
                format!(
                    "{} is a certificate, not the private key: use apiclient_key.pem",
                    path.display()
                ),
            );
            return None;
        }
        Ok("encrypted PKCS#8") => {
            report.fail(
                WHAT,
                format!(
                    "{} is encrypted with a password: decrypt it with `openssl pkcs8 -in {} -out apiclient_key.pem`",
                    path.display(),
                    path.display()
                ),
            );
            return None;
        }
        Ok(_) => {}
    }
    match MerchantKey::from_pem_file(&path) {
        Ok(key) => {
            let format = pem_format(&path).unwrap_or("unknown");
            report.ok(
                WHAT,
                format!("RSA-{}, {format}, {}", key.bits(), path.display()),
            );
            Some(key)
        }
        Err(error) => {
            report.fail(WHAT, error.to_string());
            None
        }
    }
}

fn check_merchant_certificate(
    report: &mut Report,
    path: &Path,
    key: Option<&MerchantKey>,
    serial: Option<&str>,
) {
    const WHAT: &str = "merchant certificate";
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            report.fail(WHAT, format!("cannot read {} ({e})", path.display()));
            return;
        }
    };
    let certificate = match PlatformCertificate::from_pem(&text) {
        Ok(certificate) => certificate,
        Err(error) => {
            report.fail(WHAT, format!("{}: {error}", path.display()));
            return;
        }
    };
    let mut fine = true;
    if let Some(serial) = serial
        && !certificate.serial().eq_ignore_ascii_case(serial)
    {
        fine = false;
        report.fail(
            WHAT,
            format!(
                "its serial is {}, but WECHATPAY_MERCHANT_SERIAL is {serial}: requests name the wrong certificate",
                certificate.serial()
            ),
        );
    }
    if let Some(key) = key
        && key.public_key().to_pem() != certificate.key().to_pem()
    {
        fine = false;
        report.fail(
            WHAT,
            format!(
                "{} does not belong to the merchant private key: WeChat Pay will answer 401 SIGN_ERROR; use the apiclient_key.pem issued with this certificate",
                path.display()
            ),
        );
    }
    if fine {
        report.ok(
            WHAT,
            format!(
                "serial {}, matches the private key, {}",
                certificate.serial(),
                path.display()
            ),
        );
    }
}

fn check_wechatpay_keys(report: &mut Report) {
    let key = var("WECHATPAY_PUBLIC_KEY").filter(|v| !v.trim().is_empty());
    let id = var("WECHATPAY_PUBLIC_KEY_ID").filter(|v| !v.trim().is_empty());
    let certificate = var("WECHATPAY_PLATFORM_CERTIFICATE").filter(|v| !v.trim().is_empty());
    if key.is_none() && id.is_none() && certificate.is_none() {
        report.fail(
            "WeChat Pay key",
            "none configured: set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID (the public key from the merchant portal), or WECHATPAY_PLATFORM_CERTIFICATE",
        );
    }
    if let Some(id) = &id {
        let digits = id.strip_prefix("PUB_KEY_ID_");
        match digits {
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                report.ok("WECHATPAY_PUBLIC_KEY_ID", id);
            }
            _ => report.fail(
                "WECHATPAY_PUBLIC_KEY_ID",
                format!(
                    "`{id}` is not a public key id: it looks like PUB_KEY_ID_ followed by digits, as shown in the merchant portal"
                ),
            ),
        }
    }
    match (&key, &id) {
        (Some(path), _) => {
            let loaded = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {path} ({e})"))
                .and_then(|text| PublicKey::from_pem(&text).map_err(|e| e.to_string()));
            match loaded {
                Ok(key) => {
                    if id.is_some() {
                        report.ok(
                            "WECHATPAY_PUBLIC_KEY",
                            format!("RSA-{}, {path}", key.bits()),
                        );
                    } else {
                        report.fail(
                            "WECHATPAY_PUBLIC_KEY",
                            "set, but WECHATPAY_PUBLIC_KEY_ID is not: set it to the key's PUB_KEY_ID_…",
                        );
                    }
                    if let Some(id) = &id {
                        let _ = WechatpayPublicKey::from_public_key(id.clone(), key);
                    }
                }
                Err(problem) => report.fail("WECHATPAY_PUBLIC_KEY", problem),
            }
        }
        (None, Some(_)) => report.fail(
            "WECHATPAY_PUBLIC_KEY",
            "not set, but WECHATPAY_PUBLIC_KEY_ID is: set it to the path of the public key PEM",
        ),
        (None, None) => {}
    }
    if let Some(path) = certificate {
        match PlatformCertificate::from_pem_file(&path) {
            Ok(certificate) => report.ok(
                "WECHATPAY_PLATFORM_CERTIFICATE",
                format!("serial {}, {path}", certificate.serial()),
            ),
            Err(error) => report.fail("WECHATPAY_PLATFORM_CERTIFICATE", error.to_string()),
        }
    }
}

/// Which WeChat Pay keys are configured, and which one requests name.
struct KeyMode {
    /// The public key id, when the public key is configured.
    public_key_id: Option<String>,
    /// The configured platform certificate's serial.
    certificate: Option<String>,
}

/// The key mode: platform certificates only, the public key only, or migrating (both, with the
/// share of requests that name the public key). `None` when the keys themselves are unusable
/// (reported above) or the share contradicts them.
fn check_key_mode(report: &mut Report) -> Option<KeyMode> {
    const WHAT: &str = "key mode";
    const SHARE: &str = "WECHATPAY_PUBLIC_KEY_SHARE";
    let public_key_id = var("WECHATPAY_PUBLIC_KEY_ID")
        .filter(|v| !v.trim().is_empty())
        .filter(|_| var("WECHATPAY_PUBLIC_KEY").is_some_and(|v| !v.trim().is_empty()));
    let certificate = var("WECHATPAY_PLATFORM_CERTIFICATE")
        .filter(|v| !v.trim().is_empty())
        .and_then(|path| PlatformCertificate::from_pem_file(&path).ok())
        .map(|certificate| certificate.serial().to_owned());
    let share = match var(SHARE).filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(text) => {
            let percent = text.trim().trim_end_matches('%').trim().parse::<u8>().ok();
            match percent.and_then(|p| WechatpaySerial::from_percent(p).ok()) {
                Some(mode) => Some(mode),
                None => {
                    report.fail(
                        SHARE,
                        format!(
                            "`{text}` is not a percentage: set it to the share of requests that name the WeChat Pay public key, 0 (platform certificates) to 100 (public key)"
                        ),
                    );
                    return None;
                }
            }
        }
    };
    let mode = KeyMode {
        public_key_id,
        certificate,
    };
    match (&mode.public_key_id, &mode.certificate) {
        (None, None) => return None,
        (Some(id), None) => {
            if let Some(share) = share.filter(|s| s.public_key_percent() < 100) {
                report.fail(
                    SHARE,
                    format!(
                        "{share}, but no platform certificate is configured: set WECHATPAY_PLATFORM_CERTIFICATE, or unset {SHARE} (a public-key merchant names its key in every request)"
                    ),
                );
                return None;
            }
            report.ok(
                WHAT,
                format!(
                    "public key only: every request names {id}, and answers and callbacks verify with it (one signed by a platform certificate would be refused)"
                ),
            );
        }
        (None, Some(serial)) => {
            if let Some(share) = share.filter(|s| s.public_key_percent() > 0) {
                report.fail(
                    SHARE,
                    format!(
                        "{share}, but no WeChat Pay public key is configured: set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID, or unset {SHARE}"
                    ),
                );
                return None;
            }
            report.ok(
                WHAT,
                format!(
                    "platform certificates only: every request names the certificate {serial}, and answers and callbacks verify with it"
                ),
            );
        }
        (Some(id), Some(serial)) => {
            let share = share.unwrap_or(WechatpaySerial::PublicKey);
            let set = if var(SHARE).is_some_and(|v| !v.trim().is_empty()) {
                format!("{SHARE}={}", share.public_key_percent())
            } else {
                format!("the default; set {SHARE} to move requests over gradually")
            };
            report.ok(
                WHAT,
                format!(
                    "migrating from platform certificates to the WeChat Pay public key: both are configured ({id} and certificate {serial}); {share} ({set}); answers and callbacks signed by either verify"
                ),
            );
        }
    }
    Some(mode)
}

/// Which platform certificates WeChat Pay lists for the merchant (`GET v3/certificates`, with
/// the APIv3 key): a `404` means it has none and uses the WeChat Pay public key, which is fine
/// when that is what is configured, and the cause of every verification failure when it is not.
async fn check_platform_certificates(report: &mut Report, mode: &KeyMode) {
    const WHAT: &str = "platform certificates";
    if var("WECHATPAY_APIV3_KEY").is_none_or(|v| v.is_empty()) {
        return;
    }
    let client = match ClientBuilder::from_env()
        .and_then(|builder| builder.platform_certificates_from_api().build())
    {
        Ok(client) => client,
        Err(error) => {
            report.warn(WHAT, format!("not checked: {error}"));
            return;
        }
    };
    match client.download_certificates().await {
        Ok(certificates) => {
            let serials: Vec<&str> = certificates
                .iter()
                .map(|certificate| certificate.serial.as_str())
                .collect();
            let listed = format!(
                "WeChat Pay lists {} ({})",
                serials.len(),
                serials.join(", ")
            );
            match &mode.certificate {
                Some(serial) if !serials.iter().any(|s| s.eq_ignore_ascii_case(serial)) => {
                    report.warn(
                        WHAT,
                        format!(
                            "{listed}, not the configured {serial}: fetch the current ones with `wechatpay certificates download`"
                        ),
                    );
                }
                Some(_) => report.ok(WHAT, format!("{listed}, the configured one among them")),
                None => report.ok(
                    WHAT,
                    format!(
                        "{listed}: this merchant still has platform certificates besides the public key (to verify answers signed with them during a migration, also set WECHATPAY_PLATFORM_CERTIFICATE)"
                    ),
                ),
            }
        }
        Err(error @ Error::NoPlatformCertificates { .. }) => {
            let answer = format!(
                "WeChat Pay answered {} {}: {}",
                http::StatusCode::NOT_FOUND,
                error.code().unwrap_or_default(),
                match &error {
                    Error::NoPlatformCertificates { message, .. } => message.as_str(),
                    _ => "",
                }
            );
            if mode.certificate.is_none() && mode.public_key_id.is_some() {
                report.ok(
                    WHAT,
                    format!(
                        "none: {answer}. This merchant has no platform certificates and verifies with the WeChat Pay public key only, as configured"
                    ),
                );
            } else {
                report.fail_with(
                    crate::code_of(&error),
                    WHAT,
                    format!(
                        "none ({answer}): a platform certificate is configured, but this merchant has none; WeChat Pay signs with its public key. Set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID (the public key and its PUB_KEY_ID_… from the merchant portal, 账户中心 > API安全 > 微信支付公钥) and unset WECHATPAY_PLATFORM_CERTIFICATE"
                    ),
                );
            }
        }
        Err(error) => report.warn(WHAT, format!("not checked: {error}")),
    }
}

fn check_apiv3_key(report: &mut Report) {
    const WHAT: &str = "WECHATPAY_APIV3_KEY";
    match var(WHAT) {
        None => report.warn(
            WHAT,
            "not set: callbacks cannot be decrypted and platform certificates cannot be downloaded",
        ),
        Some(v) if v.is_empty() => report.fail(WHAT, "empty"),
        Some(v) => match ApiV3Key::new(&v) {
            Ok(_) => report.ok(WHAT, "32 bytes (not shown)"),
            Err(error) => report.fail(WHAT, error.to_string()),
        },
    }
}

/// The offset of this machine's clock from the server's `Date`, from one unsigned request.
async fn check_clock(report: &mut Report, base: &str) {
    const WHAT: &str = "clock";
    let url = format!("{}/v3/certificates", base.trim_end_matches('/'));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Empty<Bytes>>(connector);
    let uri: http::Uri = match url.parse() {
        Ok(uri) => uri,
        Err(e) => {
            report.fail(WHAT, format!("the base URL `{base}` is not a URL ({e})"));
            return;
        }
    };
    let answer = tokio::time::timeout(Duration::from_secs(10), client.get(uri)).await;
    let answer = match answer {
        Err(_) => {
            report.fail(WHAT, format!("{base} did not answer within 10 s"));
            return;
        }
        Ok(Err(e)) => {
            report.fail(
                WHAT,
                format!(
                    "cannot reach {base}: {}",
                    wechatpay::__support::error_chain(&e)
                ),
            );
            return;
        }
        Ok(Ok(answer)) => answer,
    };
    let date = answer
        .headers()
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let _ = answer.into_body().collect().await;
    let Some(server) = date else {
        report.warn(WHAT, format!("{base} sent no Date header to compare with"));
        return;
    };
    // `Date` has whole seconds: the offset is good to about one second.
    let offset = match SystemTime::now().duration_since(server) {
        Ok(ahead) => ahead.as_secs_f64(),
        Err(behind) => -behind.duration().as_secs_f64(),
    };
    let rounded = offset.round();
    if offset.abs() > CLOCK_WARNING.as_secs_f64() {
        report.fail(
            WHAT,
            format!(
                "this machine is {rounded:+} s off the server's clock (Date: {}); WeChat Pay refuses requests more than 300 s away. Synchronise the clock (NTP)",
                httpdate::fmt_http_date(server)
            ),
        );
    } else {
        report.ok(WHAT, format!("{rounded:+} s from the server's Date"));
    }
}

/// One signed call that moves no money (`POST v3/security/echo`): the request's signature must
/// be accepted, and the answer's must verify.
async fn check_signed_call(report: &mut Report) {
    const WHAT: &str = "signed call";
    let client = match wechatpay::Client::from_env() {
        Ok(client) => client,
        Err(error) => {
            report.fail(WHAT, format!("no client: {error}"));
            return;
        }
    };
    let echo = SecurityEcho {
        echo_message: "wechatpay doctor".into(),
        notify_url: None,
        encrypted_echo_message: None,
    };
    match client.send(&echo).await {
        Ok(answer) if answer.echo_message.as_deref() == Some(echo.echo_message.as_str()) => report.ok(
            WHAT,
            "POST v3/security/echo: the request's signature was accepted and the answer verified",
        ),
        Ok(answer) => report.fail(
            WHAT,
            format!(
                "the verified answer echoed {} instead of `{}`",
                answer
                    .echo_message
                    .as_deref()
                    .map_or_else(|| "nothing".to_owned(), |m| format!("`{m}`")),
                echo.echo_message
            ),
        ),
        Err(error) if error.is_verification_failure() => report.fail_with(
            exit::VERIFICATION,
            WHAT,
            format!(
                "the answer did not verify ({error}): the WeChat Pay public key or platform certificate configured is not the one WeChat Pay signs with"
            ),
        ),
        Err(error) if error.code() == Some("SIGN_ERROR") => report.fail_with(
            exit::API_ERROR,
            WHAT,
            match error.sign_error_diagnosis() {
                // The cause named from what WeChat Pay verified and what was signed.
                Some(diagnosis) => format!(
                    "WeChat Pay refused the request's signature{}: {diagnosis}",
                    error
                        .request_id()
                        .map(|id| format!(" (Request-ID {id})"))
                        .unwrap_or_default()
                ),
                None => format!(
                    "WeChat Pay refused the request's signature ({error}): the merchant private key and WECHATPAY_MERCHANT_SERIAL do not belong to WECHATPAY_MCHID, or the clock is off"
                ),
            },
        ),
        Err(error) => report.fail_with(crate::code_of(&error), WHAT, error.to_string()),
    }
}
