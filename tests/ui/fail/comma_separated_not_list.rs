// `#[wechatpay(comma_separated)]` on a field that is not a list of query values is reported on its type.
use wechatpay::endpoint;

#[endpoint(GET, "v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl", response = ())]
pub struct InviteUrl {
    #[wechatpay(comma_separated)]
    pub fapiao_mode: String,
}

fn main() {}
