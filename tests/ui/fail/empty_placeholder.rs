// An empty placeholder `{}` is rejected with an example of a named one.
use wechatpay::endpoint;

#[endpoint(GET, "v3/pay/transactions/id/{}", response = serde_json::Value)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
