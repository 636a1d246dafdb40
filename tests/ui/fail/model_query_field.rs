// A field of a nested struct is always in the JSON body: `#[wechatpay(query)]` is refused there.
#[wechatpay::model]
#[derive(serde::Serialize)]
pub struct Contact {
    #[wechatpay(query)]
    pub contact_type: String,
    #[wechatpay(encrpyt)]
    pub contact_name: String,
}

fn main() {}
