// `#[wechatpay(body)]` on a POST is reported as redundant: body fields are the default there.
use wechatpay::endpoint;

#[endpoint(POST, "v3/brand/partner/store/brandstores", response = ())]
pub struct CreateStore {
    #[wechatpay(body)]
    pub brand_id: String,
}

fn main() {}
