// A file on a GET is reported on its attribute: a GET has no body to carry it.
use wechatpay::endpoint;
use wechatpay::media::UploadFile;

#[endpoint(GET, "v3/merchant-service/images/upload", response = serde_json::Value)]
pub struct Upload {
    #[wechatpay(file)]
    pub file: UploadFile,
}

fn main() {}
