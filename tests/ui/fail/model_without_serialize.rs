// `#[wechatpay::model]` marks fields for serde's derive: without `#[derive(Serialize)]` after it,
// the marks would mean nothing, so it is an error.
#[wechatpay::model]
#[derive(Debug, Clone)]
pub struct Contact {
    #[wechatpay(encrypt)]
    pub contact_name: String,
}

fn main() {}
