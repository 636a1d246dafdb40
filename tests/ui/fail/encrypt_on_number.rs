// `#[wechatpay(encrypt)]` on a field that is not text is reported on the field's type.
use wechatpay::endpoint;

#[endpoint(POST, "v3/profitsharing/receivers/add", response = ())]
pub struct AddReceiver {
    pub appid: String,
    #[wechatpay(encrypt)]
    pub id_number: u64,
}

fn main() {}
