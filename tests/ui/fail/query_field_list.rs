// A list in the query string without `comma_separated` is reported on its type, with the
// attribute to add.
use wechatpay::endpoint;

#[endpoint(GET, "v3/new-tax-control-fapiao/merchant/inviteurl", response = serde_json::Value)]
pub struct InviteUrl {
    pub operation_type: String,
    pub fapiao_ability_type_list: Vec<String>,
}

fn main() {}
