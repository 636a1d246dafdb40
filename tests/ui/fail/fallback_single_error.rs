// A broken declaration is reported once: using the struct as an endpoint adds no second error.
use wechatpay::endpoint;

#[derive(serde::Deserialize)]
pub struct Contract {
    pub contract_id: String,
}

#[endpoint(GET, "v3/papay/sign/contracts/{contract}", response = Contract)]
pub struct QueryContract {
    pub contract_id: String,
}

fn needs<E: wechatpay::Endpoint>(request: &E) -> Option<E::Response> {
    let _ = request;
    None
}

fn main() {
    let answer: Option<Contract> = needs(&QueryContract {
        contract_id: "1".into(),
    });
    let _ = answer.map(|contract| contract.contract_id);
}
