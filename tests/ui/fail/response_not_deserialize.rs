// A response type that cannot be deserialized is reported where `response = …` names it.
use wechatpay::endpoint;

pub struct Transaction {
    pub transaction_id: String,
}

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = Transaction)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
