// A method in lower case is rejected with the upper-case spelling to write instead.
use wechatpay::endpoint;

#[endpoint(get, "v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
