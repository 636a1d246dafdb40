// A body field whose type cannot be serialized is reported on that field's type.
use wechatpay::endpoint;

pub struct Amount {
    pub total: u64,
}

#[endpoint(POST, "v3/pay/transactions/native", response = ())]
pub struct CreateNative {
    pub out_trade_no: String,
    pub amount: Amount,
}

fn main() {}
