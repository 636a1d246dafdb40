// A GET whose field is a nested struct cannot form a query string: reported on the field's type.
use wechatpay::endpoint;

#[derive(serde::Serialize)]
pub struct Amount {
    pub total: u64,
}

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub struct QueryTransaction {
    pub transaction_id: String,
    pub amount: Amount,
}

fn main() {}
