// `#[endpoint]` on an enum is reported on the `enum` keyword.
use wechatpay::endpoint;

#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = serde_json::Value)]
pub enum Query {
    ById { transaction_id: String },
    ByOutTradeNo { out_trade_no: String },
}

fn main() {}
