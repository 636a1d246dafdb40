// `#[endpoint]` on a tuple struct is reported on the `struct` keyword: fields need names.
use wechatpay::endpoint;

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub struct QueryById(pub String);

fn main() {}
