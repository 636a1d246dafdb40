// A method WeChat Pay API v3 does not use is rejected on the method, with the list of those it does.
use wechatpay::endpoint;

#[endpoint(FETCH, "v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
