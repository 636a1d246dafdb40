// A `#[wechatpay(file)]` field that is not an `UploadFile` is reported on its type.
use wechatpay::endpoint;

#[endpoint(POST, "v3/merchant-service/images/upload", response = serde_json::Value)]
pub struct Upload {
    #[wechatpay(file)]
    pub file: Vec<u8>,
    pub filename: String,
    pub sha256: String,
}

fn main() {}
