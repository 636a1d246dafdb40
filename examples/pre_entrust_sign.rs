//! Pre-signs a papay contract (the request from the official documentation) and prints the verified answer.
//!
//! With no `WECHATPAY_*` variables set, it starts the embedded sandbox and talks to it over HTTP on
//! loopback. With the variables set (see `Client::from_env`), it sends the same request to the
//! configured WeChat Pay host. Exits non-zero on any error.
//!
//! ```text
//! cargo run --example pre_entrust_sign
//! ```

use std::process::ExitCode;

use wechatpay::Client;
use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};
use wechatpay_sandbox::Sandbox;

fn request() -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: SignScene::App,
        appid: "wxd678efh567hg6787".into(),
        openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
        plan_id: 12535,
        out_contract_code: "wxwtdk20200910100000".into(),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
        out_user_code: "用户A".into(),
        return_url: Some("https://yourapp.com/notify".into()),
        device_info: DeviceInfo {
            device_type: DeviceType::Unknow,
            device_os: "example_device_os".into(),
            device_id: "example_device_id".into(),
            device_running_as_root: true,
            device_ip: "example_device_ip".into(),
            weixin_installed: true,
            weixin_version: "example_weixin_version".into(),
            days_since_first_login: DaysSinceFirstLogin::Unknow,
        },
    }
}

/// Whether any of the variables `Client::from_env` reads is set.
fn configured_from_env() -> bool {
    [
        "WECHATPAY_BASE_URL",
        "WECHATPAY_MCHID",
        "WECHATPAY_MERCHANT_SERIAL",
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        "WECHATPAY_PUBLIC_KEY",
        "WECHATPAY_PUBLIC_KEY_ID",
        "WECHATPAY_PLATFORM_CERTIFICATE",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some())
}

async fn run() -> Result<(), wechatpay::Error> {
    // Keeps the sandbox alive for the whole run when one is used.
    let (client, _sandbox) = if configured_from_env() {
        (Client::from_env()?, None)
    } else {
        let sandbox = Sandbox::start().await?;
        eprintln!(
            "no WECHATPAY_* variables set: using the embedded sandbox at {}",
            sandbox.base_url()
        );
        (sandbox.client()?, Some(sandbox))
    };
    let answer = client.send(&request()).await?;
    println!("verified answer: {answer:#?}");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
