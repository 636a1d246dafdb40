// `#[wechatpay(query)]` on a field that fills a placeholder is reported on the attribute.
use wechatpay::endpoint;

#[endpoint(POST, "v3/papay/contracts/{contract_id}/terminate", response = ())]
pub struct TerminateContract {
    #[wechatpay(query)]
    pub contract_id: String,
    pub contract_termination_remark: String,
}

fn main() {}
