// A query string written into the path is rejected; query parameters are fields.
use wechatpay::endpoint;

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}?mchid=1230000109", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
