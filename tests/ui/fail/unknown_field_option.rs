// A misspelt `#[wechatpay(...)]` field option is reported on it, with the option it probably meant.
use wechatpay::endpoint;

#[endpoint(POST, "v3/refund/domestic/refunds", response = ())]
pub struct CreateRefund {
    #[wechatpay(querry)]
    pub sub_mchid: String,
    pub out_refund_no: String,
}

fn main() {}
