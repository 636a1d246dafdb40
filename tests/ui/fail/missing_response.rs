// An endpoint without `response = …` is refused: a `200` answer with a body would otherwise fail to
// decode as `()`, and a deduction that succeeded would look like a failure. The error is on the
// method and path, after which the option goes, and says what to write for both kinds of answer.
use wechatpay::endpoint;

#[endpoint(POST, "v3/papay/pay/transactions/apply")]
pub struct Deduct {
    pub appid: String,
    pub out_trade_no: String,
    pub contract_id: String,
}

fn main() {}
