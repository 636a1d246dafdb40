// A form part without a file is reported: only a multipart upload has parts.
use wechatpay::endpoint;

#[endpoint(POST, "v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", response = ())]
pub struct Upload {
    pub sub_mchid: String,
    #[wechatpay(form)]
    pub item_id: i64,
}

fn main() {}
