// A leading `/` is rejected, and the help shows the path without it.
use wechatpay::endpoint;

#[endpoint(GET, "/v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
