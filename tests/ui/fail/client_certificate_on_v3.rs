// `client_certificate` (mutual TLS) without `protocol = v2` is rejected: API v3 does not use it.
use wechatpay::endpoint;

#[endpoint(POST, "v3/refund/domestic/refunds", response = serde_json::Value, client_certificate)]
pub struct Refund {
    pub out_refund_no: String,
}

fn main() {}
