// An upload sends one file part: a second `#[wechatpay(file)]` is reported.
use wechatpay::endpoint;
use wechatpay::media::UploadFile;

#[endpoint(POST, "v3/merchant-service/images/upload", response = serde_json::Value)]
pub struct Upload {
    #[wechatpay(file)]
    pub file: UploadFile,
    #[wechatpay(file)]
    pub other: UploadFile,
}

fn main() {}
