// `#[wechatpay(body)]` on a GET is reported: a GET carries no body.
use wechatpay::endpoint;

#[endpoint(GET, "v3/brand/partner/store/brandstores/{store_id}", response = ())]
pub struct QueryStore {
    pub store_id: String,
    #[wechatpay(body)]
    pub brand_id: String,
}

fn main() {}
