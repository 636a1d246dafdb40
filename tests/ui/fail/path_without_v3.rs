// A path that does not start with `v3/` is rejected on the path literal.
use wechatpay::endpoint;

#[endpoint(GET, "pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
