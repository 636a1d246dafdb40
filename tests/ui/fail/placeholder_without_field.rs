// A placeholder that names no field is reported on the path, with the nearest field name.
use wechatpay::endpoint;

#[endpoint(
    GET,
    "v3/papay/sign/contracts/plan-id/{plan}/out-contract-code/{out_contract_code}",
    response = serde_json::Value
)]
pub struct QueryContract {
    pub plan_id: u64,
    pub out_contract_code: String,
}

fn main() {}
