// A v2 request that declares a field the client fills (`appid`, `sign`) is rejected on the field.
use wechatpay::endpoint;

#[derive(serde::Deserialize)]
pub struct Contract {
    pub contract_id: String,
}

#[endpoint(POST, "papay/querycontract", response = Contract, protocol = v2)]
pub struct QueryContract {
    pub appid: String,
    pub contract_id: String,
    pub sign: String,
}

fn main() {}
