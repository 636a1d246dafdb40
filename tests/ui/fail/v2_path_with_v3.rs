// A v2 operation whose path starts with `v3/` is rejected on the path literal.
use wechatpay::endpoint;

#[endpoint(POST, "v3/papay/querycontract", response = serde_json::Value, protocol = v2)]
pub struct QueryContract {
    pub contract_id: String,
}

fn main() {}
