// A placeholder that is never closed is rejected on the path literal.
use wechatpay::endpoint;

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
