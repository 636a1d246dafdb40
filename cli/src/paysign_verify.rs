//! `wechatpay pay-sign verify`: a front-end parameter set that fails, checked, and what is wrong
//! with it said exactly.

use std::path::Path;

use wechatpay::paysign::check::{Expected, ParamsKind, check};
use wechatpay::{ApiV2Key, MerchantKey, PlatformCertificate, PublicKey};

use crate::{Failure, exit};

/// The arguments of `wechatpay pay-sign verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The parameter set as the front end got it: JSON, or `@FILE`.
    #[arg(long, value_name = "JSON|@FILE")]
    params: String,
    /// The call it is for: jsapi, mini-program, app, payscore-confirm, payscore-detail,
    /// merchant-transfer. Default: guessed from its keys.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    kind: Option<ParamsKind>,
    /// The AppID the order was made for (a mini program's set has none, but its signature covers
    /// it). Default: WECHATPAY_APPID.
    #[arg(long)]
    appid: Option<String>,
    /// The merchant's certificate (apiclient_cert.pem) or public key, to check RSA signatures
    /// without the private key. Default: the key of WECHATPAY_MERCHANT_PRIVATE_KEY.
    #[arg(long, value_name = "FILE")]
    merchant_public_key: Option<std::path::PathBuf>,
}

fn parse_kind(name: &str) -> Result<ParamsKind, String> {
    ParamsKind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = ParamsKind::ALL.iter().map(|k| k.name()).collect();
        format!("`{name}` is not one of {}", names.join(", "))
    })
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The merchant's public key: from `--merchant-public-key` (a certificate or a public key), else
/// from the private key WECHATPAY_MERCHANT_PRIVATE_KEY names.
fn merchant_key(path: Option<&Path>) -> Result<Option<PublicKey>, Failure> {
    let unreadable = |path: &Path, e: &dyn std::fmt::Display| {
        Failure::new(exit::FAILURE, format!("{}: {e}", path.display()))
    };
    if let Some(path) = path {
        let pem = std::fs::read_to_string(path).map_err(|e| unreadable(path, &e))?;
        if pem.contains("CERTIFICATE") {
            return PlatformCertificate::from_pem(&pem)
                .and_then(|certificate| PublicKey::from_pem(&certificate.key().to_pem()))
                .map(Some)
                .map_err(|e| unreadable(path, &e));
        }
        return PublicKey::from_pem(&pem)
            .map(Some)
            .map_err(|e| unreadable(path, &e));
    }
    match var("WECHATPAY_MERCHANT_PRIVATE_KEY") {
        Some(path) => MerchantKey::from_pem_file(&path)
            .map(|key| Some(key.public_key()))
            .map_err(|e| unreadable(Path::new(&path), &e)),
        None => Ok(None),
    }
}

pub fn verify(args: &Args) -> Result<(), Failure> {
    let text = match args.params.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            Failure::new(
                exit::FAILURE,
                format!("--params @{path}: cannot read the file ({e})"),
            )
        })?,
        None => args.params.clone(),
    };
    let params: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::new(exit::USAGE, format!("--params is not JSON: {e}")))?;
    let kind = match args.kind.or_else(|| ParamsKind::detect(&params)) {
        Some(kind) => kind,
        None => {
            return Err(Failure::new(
                exit::USAGE,
                "cannot tell which call these parameters are for: give --kind (jsapi, mini-program, app, payscore-confirm, payscore-detail, merchant-transfer)",
            ));
        }
    };
    let appid = args.appid.clone().or_else(|| var("WECHATPAY_APPID"));
    let mchid = var("WECHATPAY_MCHID");
    let merchant_key = merchant_key(args.merchant_public_key.as_deref())?;
    let apiv2_key = var("WECHATPAY_APIV2_KEY").and_then(|key| ApiV2Key::new(key.trim()).ok());
    let expected = Expected {
        appid: appid.as_deref(),
        mchid: mchid.as_deref(),
        merchant_key: merchant_key.as_ref(),
        apiv2_key: apiv2_key.as_ref(),
    };
    let problems = check(&params, kind, &expected);
    if problems.is_empty() {
        println!(
            "ok: the {kind} parameters hold (keys, values{}{} and signature)",
            appid
                .as_deref()
                .map(|a| format!(", AppID {a}"))
                .unwrap_or_default(),
            mchid
                .as_deref()
                .map(|m| format!(", merchant {m}"))
                .unwrap_or_default()
        );
        return Ok(());
    }
    println!("{kind} parameters: {} problem(s)", problems.len());
    for problem in &problems {
        println!("problem: {problem}");
    }
    Err(Failure::new(
        exit::FAILURE,
        format!("the {kind} parameters are wrong (see above)"),
    ))
}
