//! `wechatpay pay-sign jsapi|app|mini-program|payscore-confirm|payscore-detail|merchant-transfer`:
//! the front-end parameter sets, signed with the merchant key (payscore: the APIv2 key).

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

/// The arguments of `wechatpay pay-sign payscore-confirm`.
#[derive(clap::Args, Debug)]
pub struct PayscoreConfirmArgs {
    /// The `package` of the service order's answer (创建支付分订单).
    #[arg(long)]
    package: String,
}

/// The arguments of `wechatpay pay-sign payscore-detail`.
#[derive(clap::Args, Debug)]
pub struct PayscoreDetailArgs {
    /// 服务ID.
    #[arg(long)]
    service_id: String,
    /// 商户服务订单号.
    #[arg(long)]
    out_order_no: String,
}

/// The arguments of `wechatpay pay-sign merchant-transfer`.
#[derive(clap::Args, Debug)]
pub struct MerchantTransferArgs {
    /// The AppID the transfer bill was made for.
    #[arg(long)]
    appid: String,
    /// The `package_info` of the transfer bill's answer.
    #[arg(long)]
    package_info: String,
}

pub fn mini_program(client: &Client, args: &Args) -> Result<(), Failure> {
    print(&client.mini_program_pay_params(&args.appid, &args.prepay_id)?)
}

pub fn payscore_confirm(client: &Client, args: &PayscoreConfirmArgs) -> Result<(), Failure> {
    let params = client.payscore_confirm_params(&args.package)?;
    print(&serde_json::json!({
        "businessType": wechatpay::paysign::PAYSCORE_CONFIRM_BUSINESS_TYPE,
        "extraData": params,
        "query": params.query_string(),
    }))
}

pub fn payscore_detail(client: &Client, args: &PayscoreDetailArgs) -> Result<(), Failure> {
    let params = client.payscore_detail_params(&args.service_id, &args.out_order_no)?;
    print(&serde_json::json!({
        "businessType": wechatpay::paysign::PAYSCORE_DETAIL_BUSINESS_TYPE,
        "extraData": params,
        "query": params.query_string(),
    }))
}

pub fn merchant_transfer(client: &Client, args: &MerchantTransferArgs) -> Result<(), Failure> {
    let params = client.merchant_transfer_params(&args.appid, &args.package_info);
    print(&serde_json::json!({
        "businessType": wechatpay::paysign::MERCHANT_TRANSFER_BUSINESS_TYPE,
        "params": params,
        "query": params.query_string(),
    }))
}
