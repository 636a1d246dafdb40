// A v2 operation declared with another method than POST is rejected on the method.
use wechatpay::endpoint;

#[endpoint(GET, "pay/paporderquery", response = serde_json::Value, protocol = v2)]
pub struct PapOrderQuery {
    pub out_trade_no: String,
}

fn main() {}
