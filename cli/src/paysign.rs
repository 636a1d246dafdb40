//! `wechatpay pay-sign jsapi|app`: the front-end parameter sets, signed with the merchant key.

use wechatpay::Client;

use crate::Failure;

/// The arguments of `wechatpay pay-sign jsapi` and `app`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The appid the prepay id was created for.
    #[arg(long)]
    appid: String,
    /// The prepay id (预支付交易会话标识) from the JSAPI or APP order.
    #[arg(long)]
    prepay_id: String,
}

pub fn jsapi(client: &Client, args: &Args) -> Result<(), Failure> {
    print(&client.jsapi_pay_params(&args.appid, &args.prepay_id)?)
}

pub fn app(client: &Client, args: &Args) -> Result<(), Failure> {
    print(&client.app_pay_params(&args.appid, &args.prepay_id)?)
}

fn print(params: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(params)
        .map_err(|e| Failure::new(crate::exit::FAILURE, e.to_string()))?;
    println!("{text}");
    Ok(())
}
