// A list in the query string is reported on its type, with what to write instead (an `impl` for
// `Vec<String>` is not possible outside this crate).
use wechatpay::endpoint;

#[endpoint(GET, "v3/new-tax-control-fapiao/merchant/inviteurl", response = serde_json::Value)]
pub struct InviteUrl {
    pub operation_type: String,
    pub fapiao_ability_type_list: Vec<String>,
}

fn main() {}
