// A DELETE with a signed JSON body, a documented path ending with `/`, and a comma-separated
// list in the query string.
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[endpoint(DELETE, "v3/webizpay/avail-mch-ranges/{range_id}/merchant-identifiers/{id}", response = ())]
pub struct DeleteIdentifier {
    pub range_id: String,
    pub id: String,
    pub sub_mchid: Option<String>,
    #[wechatpay(body)]
    pub sp_mchid: String,
}

#[endpoint(POST, "v3/ecommerce/applyments/", response = serde_json::Value)]
pub struct SubmitApplyment {
    pub out_request_no: String,
}

#[derive(serde::Serialize)]
pub enum Ability {
    #[serde(rename = "BASE_ABILITY")]
    Base,
    #[serde(rename = "REAL_ESTATE_ABILITY")]
    RealEstate,
}
impl wechatpay::endpoint::QueryValue for Ability {}

#[endpoint(GET, "v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl", response = serde_json::Value)]
pub struct InviteUrl {
    #[wechatpay(comma_separated)]
    pub fapiao_ability_type_list: Option<Vec<Ability>>,
    #[wechatpay(comma_separated)]
    pub codes: Vec<u32>,
}

fn main() {
    let rendered = RenderedRequest::new(&DeleteIdentifier {
        range_id: "r1".into(),
        id: "i 1".into(),
        sub_mchid: Some("1900000109".into()),
        sp_mchid: "12341234".into(),
    })
    .unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/webizpay/avail-mch-ranges/r1/merchant-identifiers/i%201?sub_mchid=1900000109"
    );
    assert_eq!(rendered.body().unwrap(), br#"{"sp_mchid":"12341234"}"#);
    assert_eq!(rendered.content_type(), Some("application/json"));

    let rendered = RenderedRequest::new(&SubmitApplyment { out_request_no: "A1".into() }).unwrap();
    assert_eq!(rendered.target(), "/v3/ecommerce/applyments/");

    let rendered = RenderedRequest::new(&InviteUrl {
        fapiao_ability_type_list: Some(vec![Ability::Base, Ability::RealEstate]),
        codes: vec![],
    })
    .unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl?fapiao_ability_type_list=BASE_ABILITY%2CREAL_ESTATE_ABILITY"
    );
}
