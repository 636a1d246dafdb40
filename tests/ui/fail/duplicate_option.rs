// An option given twice is reported on the second one.
use wechatpay::endpoint;

#[derive(serde::Deserialize)]
pub struct Transaction {
    pub transaction_id: String,
}

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = Transaction, response = Transaction)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
