// Borrowed fields: an endpoint with a lifetime fills its path and query from `&'a str`.
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[derive(serde::Deserialize)]
pub struct Contract {
    pub contract_id: String,
}

#[endpoint(GET, "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}", response = Contract)]
pub struct QueryContract<'a> {
    pub plan_id: u64,
    pub out_contract_code: &'a str,
    pub appid: &'a str,
    pub sub_appid: Option<&'a str>,
}

fn render(out_contract_code: &str) -> String {
    let request = QueryContract {
        plan_id: 12535,
        out_contract_code,
        appid: "wxd678efh567hg6787",
        sub_appid: None,
    };
    RenderedRequest::new(&request).unwrap().target().to_owned()
}

fn main() {
    assert_eq!(
        render("wxwtdk20200910100000"),
        "/v3/papay/sign/contracts/plan-id/12535/out-contract-code/wxwtdk20200910100000?appid=wxd678efh567hg6787"
    );
}
