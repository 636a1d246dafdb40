// A v2 operation: POST to a path without `v3/`, marked `protocol = v2`, optionally needing the
// client certificate or answered without `sign`; the endpoint carries these facts for the client.
use wechatpay::endpoint::Protocol;
use wechatpay::{Endpoint, endpoint};

#[derive(serde::Deserialize)]
pub struct Contract {
    pub contract_id: String,
}

#[endpoint(POST, "papay/querycontract", response = Contract, protocol = v2)]
pub struct QueryContract {
    pub contract_id: Option<String>,
    pub version: String,
}

#[endpoint(POST, "secapi/pay/refund", response = Contract, protocol = v2, client_certificate)]
pub struct Refund {
    pub out_refund_no: String,
    pub refund_fee: u64,
}

#[endpoint(POST, "mmpaymkttransfers/promotion/transfers", response = Contract, unsigned_response, protocol = v2, client_certificate)]
pub struct Transfer {
    pub partner_trade_no: String,
    pub amount: u64,
}

fn main() {
    assert!(!Transfer::SIGNED_RESPONSE);
    assert!(QueryContract::SIGNED_RESPONSE);
    assert_eq!(QueryContract::PROTOCOL, Protocol::V2);
    assert!(!QueryContract::CLIENT_CERTIFICATE);
    assert_eq!(QueryContract::PATH, "papay/querycontract");
    assert!(Refund::CLIENT_CERTIFICATE);
}
