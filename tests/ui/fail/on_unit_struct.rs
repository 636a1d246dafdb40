// `#[endpoint]` on a unit struct is reported on the `struct` keyword, with the `{}` form to write.
use wechatpay::endpoint;

#[endpoint(GET, "v3/certificates", response = serde_json::Value)]
pub struct Certificates;

fn main() {}
