// `#[wechatpay(comma_separated)]` on a body field is reported: a body list is a JSON array.
use wechatpay::endpoint;

#[endpoint(POST, "v3/new-tax-control-fapiao/fapiao-applications", response = ())]
pub struct Apply {
    #[wechatpay(comma_separated)]
    pub kinds: Vec<String>,
}

fn main() {}
