// A misspelt option is reported on its name, with the option it probably meant.
use wechatpay::endpoint;

#[derive(serde::Deserialize)]
pub struct Transaction {
    pub transaction_id: String,
}

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", respons = Transaction)]
pub struct QueryById {
    pub transaction_id: String,
}

fn main() {}
