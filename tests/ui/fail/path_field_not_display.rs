// A path field whose type cannot be written into a path is reported on that type.
use wechatpay::endpoint;

#[endpoint(GET, "v3/contracts/{contract_ids}", response = ())]
pub struct QueryContracts {
    pub contract_ids: Vec<String>,
}

fn main() {}
