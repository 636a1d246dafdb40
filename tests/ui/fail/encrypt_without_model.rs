// `#[wechatpay(encrypt)]` on a nested struct without `#[wechatpay::model]` does not compile, so a
// sensitive field is never silently sent in clear text.
#[derive(serde::Serialize)]
pub struct Contact {
    #[wechatpay(encrypt)]
    pub contact_name: String,
}

fn main() {}
