//! `wechatpay`: the WeChat Pay API v3 from the command line, configured by the same
//! `WECHATPAY_*` variables as `wechatpay::Client::from_env()`.

mod call;
mod certificates;
mod doctor;
mod notify;
mod paysign;
mod paysign_verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What a failed command exits with, so scripts can tell the failures apart.
pub(crate) mod exit {
    /// Anything else: configuration, keys, files, the network.
    pub const FAILURE: u8 = 1;
    /// The command line is wrong (clap's own code for usage errors).
    pub const USAGE: u8 = 2;
    /// WeChat Pay answered with an error (`PARAM_ERROR`, `SIGN_ERROR`, …).
    pub const API_ERROR: u8 = 3;
    /// An answer or a callback failed verification: it may be forged, and nothing of it was used.
    pub const VERIFICATION: u8 = 4;
}

/// The WeChat Pay API v3 from the command line: every request signed, every answer verified.
///
/// Configured by the same variables as `Client::from_env()`: WECHATPAY_MCHID,
/// WECHATPAY_MERCHANT_SERIAL, WECHATPAY_MERCHANT_PRIVATE_KEY, WECHATPAY_PUBLIC_KEY and
/// WECHATPAY_PUBLIC_KEY_ID (or WECHATPAY_PLATFORM_CERTIFICATE), WECHATPAY_APIV3_KEY,
/// WECHATPAY_BASE_URL, WECHATPAY_PUBLIC_KEY_SHARE. No secret is ever printed.
///
/// Exit codes: 0 success, 1 other failure, 2 usage, 3 WeChat Pay answered an error,
/// 4 an answer or callback failed verification.
#[derive(Parser, Debug)]
#[command(name = "wechatpay", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// One signed call: the verified answer as pretty JSON on stdout, status and Request-ID on stderr.
    ///
    /// Examples:
    ///
    ///   wechatpay call GET v3/pay/transactions/out-trade-no/1217752501201407033233368018 --query mchid=1900000001
    ///   wechatpay call POST v3/refund/domestic/refunds --json @refund.json
    ///   wechatpay call POST v3/security/echo --json '{"echo_message":"hello"}'
    #[command(verbatim_doc_comment)]
    Call(call::Args),
    /// Platform certificates (平台证书).
    #[command(subcommand)]
    Certificates(CertificatesCommand),
    /// Callbacks (回调通知).
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Checks the configured keys and clock, and makes one signed call, saying what is wrong in words.
    ///
    /// Also reports the key mode: platform certificates only, WeChat Pay public key only, or
    /// migrating (both configured; WECHATPAY_PUBLIC_KEY_SHARE is the percentage of requests that
    /// name the public key), and, with WECHATPAY_APIV3_KEY, which platform certificates WeChat Pay
    /// lists (a 404 means the merchant has none: it uses the public key).
    ///
    /// Example:
    ///
    ///   wechatpay doctor
    ///   wechatpay doctor --merchant-certificate apiclient_cert.pem
    #[command(verbatim_doc_comment)]
    Doctor(doctor::Args),
    /// The signed parameter sets a front end passes to WeChat to pay a prepay id.
    #[command(subcommand)]
    PaySign(PaySignCommand),
}

#[derive(Subcommand, Debug)]
enum CertificatesCommand {
    /// Downloads, decrypts and verifies the platform certificates and writes them as PEM files.
    ///
    /// Needs WECHATPAY_APIV3_KEY. Writes `DIR/wechatpay_<serial>.pem` for each certificate and
    /// prints serial, validity and path. Merchants that verify with a WeChat Pay public key
    /// (PUB_KEY_ID_…) have no platform certificates: WeChat Pay answers 404 RESOURCE_NOT_EXISTS.
    ///
    /// Example:
    ///
    ///   wechatpay certificates download --out ./certs
    #[command(verbatim_doc_comment)]
    Download {
        /// The directory to write the certificates to (created when missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum NotifyCommand {
    /// Verifies and decrypts a callback captured to files, and prints the event, or exactly why it
    /// is refused.
    ///
    /// The headers file holds `Name: value` lines as received (a leading `POST … HTTP/1.1` line
    /// is skipped); the body file the raw body bytes, exactly as received.
    ///
    /// Example:
    ///
    ///   wechatpay notify verify --headers callback.headers --body callback.json
    ///
    /// A callback captured from a log more than five minutes ago fails the 300 s age rule;
    /// re-check it with --max-age (or as of the time it arrived with --at), and the output says
    /// the age check was relaxed:
    ///
    ///   wechatpay notify verify --headers callback.headers --body callback.json --max-age 2h
    #[command(verbatim_doc_comment)]
    Verify(notify::Args),
}

#[derive(Subcommand, Debug)]
enum PaySignCommand {
    /// The parameters for `wx.requestPayment` / `WeixinJSBridge` (JSAPI, mini programs).
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign jsapi --appid wxd678efh567hg6787 --prepay-id wx201410272009395522657a690389285100
    #[command(verbatim_doc_comment)]
    Jsapi(paysign::Args),
    /// The parameters for the WeChat open SDK's `PayReq` (apps).
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign app --appid wxd678efh567hg6787 --prepay-id wx201410272009395522657a690389285100
    #[command(verbatim_doc_comment)]
    App(paysign::Args),
    /// The parameters for a mini program's `wx.requestPayment` (the JSAPI set without appId).
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign mini-program --appid wxd678efh567hg6787 --prepay-id wx201410272009395522657a690389285100
    #[command(verbatim_doc_comment)]
    MiniProgram(paysign::Args),
    /// The payscore order confirmation page's extraData (businessType wxpayScoreUse), signed
    /// with the APIv2 key (WECHATPAY_APIV2_KEY).
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign payscore-confirm --package XXXXXXXX
    #[command(verbatim_doc_comment)]
    PayscoreConfirm(paysign::PayscoreConfirmArgs),
    /// The payscore order detail page's extraData (businessType wxpayScoreDetail), signed with
    /// the APIv2 key (WECHATPAY_APIV2_KEY).
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign payscore-detail --service-id 88888888000011 --out-order-no 1234323JKHDFE1243252
    #[command(verbatim_doc_comment)]
    PayscoreDetail(paysign::PayscoreDetailArgs),
    /// The merchant transfer confirmation's parameters (requestMerchantTransfer) for a transfer
    /// bill's package_info: JSON for JSAPI and mini programs, a query for the app SDKs.
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign merchant-transfer --appid wxd678efh567hg6787 --package-info 'ABBQO+oYAAAB…'
    #[command(verbatim_doc_comment)]
    MerchantTransfer(paysign::MerchantTransferArgs),
    /// Checks a parameter set a front end reports as failing and says exactly what is wrong:
    /// key spelling, missing or non-string values, signType, package, a timestamp in
    /// milliseconds, the AppID and merchant id, and the signature against the merchant key
    /// (WECHATPAY_MERCHANT_PRIVATE_KEY, or --merchant-public-key apiclient_cert.pem) or, for
    /// payscore, the APIv2 key. Exit code 0 when it holds, 1 with the problems listed.
    ///
    /// Example:
    ///
    ///   wechatpay pay-sign verify --params @failing.json --appid wxd678efh567hg6787
    ///   wechatpay pay-sign verify --kind mini-program --params '{"timeStamp":"…",…}' --appid wx…
    #[command(verbatim_doc_comment)]
    Verify(paysign_verify::Args),
}

/// A failure, with the code the process exits with.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The exit code for an error of the library.
pub(crate) fn code_of(error: &wechatpay::Error) -> u8 {
    if error.is_verification_failure() {
        exit::VERIFICATION
    } else if matches!(
        error,
        wechatpay::Error::Api { .. }
            | wechatpay::Error::RateLimited { .. }
            | wechatpay::Error::NoPlatformCertificates { .. }
    ) {
        exit::API_ERROR
    } else {
        exit::FAILURE
    }
}

impl From<wechatpay::Error> for Failure {
    fn from(error: wechatpay::Error) -> Self {
        Self::new(code_of(&error), error.to_string())
    }
}

fn client() -> Result<wechatpay::Client, Failure> {
    wechatpay::Client::from_env().map_err(|e| {
        Failure::new(
            exit::FAILURE,
            format!("{e}\n(the wechatpay command reads the same WECHATPAY_* variables as Client::from_env; see `wechatpay --help`)"),
        )
    })
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Call(args) => call::run(&client()?, args).await,
        Command::Certificates(CertificatesCommand::Download { out }) => {
            certificates::download(out).await
        }
        Command::Notify(NotifyCommand::Verify(args)) => notify::verify(&client()?, args).await,
        Command::Doctor(args) => doctor::run(args).await,
        Command::PaySign(PaySignCommand::Jsapi(args)) => paysign::jsapi(&client()?, &args),
        Command::PaySign(PaySignCommand::App(args)) => paysign::app(&client()?, &args),
        Command::PaySign(PaySignCommand::MiniProgram(args)) => {
            paysign::mini_program(&client()?, &args)
        }
        Command::PaySign(PaySignCommand::PayscoreConfirm(args)) => {
            paysign::payscore_confirm(&client()?, &args)
        }
        Command::PaySign(PaySignCommand::PayscoreDetail(args)) => {
            paysign::payscore_detail(&client()?, &args)
        }
        Command::PaySign(PaySignCommand::MerchantTransfer(args)) => {
            paysign::merchant_transfer(&client()?, &args)
        }
        Command::PaySign(PaySignCommand::Verify(args)) => paysign_verify::verify(&args),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
