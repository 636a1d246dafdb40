// A placeholder named twice is rejected: one field fills one placeholder.
use wechatpay::endpoint;

#[endpoint(GET, "v3/refund/{out_refund_no}/again/{out_refund_no}", response = serde_json::Value)]
pub struct QueryRefund {
    pub out_refund_no: String,
}

fn main() {}
