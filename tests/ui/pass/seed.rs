// The seed endpoint: a POST whose body nests a struct and enums, with `Option` fields left out when `None`,
// on a struct that also derives serde's traits itself (its `#[serde]` attributes stay serde's).
use serde::{Deserialize, Serialize};
use serde_json::json;
use wechatpay::Endpoint;
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[derive(Debug, Deserialize)]
pub struct PreEntrustSignResponse {
    pub pre_entrustweb_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignScene {
    #[serde(rename = "SIGN_SCENE_APP")]
    App,
    #[serde(rename = "SIGN_SCENE_QRCODE")]
    Qrcode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DaysSinceFirstLogin {
    Within30Days,
    #[serde(rename = "MORE_THEN_180_DAYS")]
    MoreThen180Days,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_type: String,
    pub device_running_as_root: bool,
    pub days_since_first_login: DaysSinceFirstLogin,
}

/// 代扣预签约.
#[endpoint(POST, "v3/papay/sign/contracts/pre-entrust-sign", response = PreEntrustSignResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreEntrustSign {
    pub sign_scene: SignScene,
    pub appid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    pub plan_id: u64,
    pub out_contract_code: String,
    pub return_url: Option<String>,
    pub device_info: DeviceInfo,
}

fn main() {
    let request = PreEntrustSign {
        sign_scene: SignScene::App,
        appid: "wxd678efh567hg6787".into(),
        openid: None,
        plan_id: 12535,
        out_contract_code: "wxwtdk20200910100000".into(),
        return_url: Some("https://yourapp.com/return".into()),
        device_info: DeviceInfo {
            device_type: "DEVICE_TYPE_PHONE".into(),
            device_running_as_root: false,
            days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
        },
    };
    assert_eq!(
        PreEntrustSign::PATH,
        "v3/papay/sign/contracts/pre-entrust-sign"
    );
    assert_eq!(PreEntrustSign::METHOD, http::Method::POST);
    const { assert!(!PreEntrustSign::HAS_QUERY) };

    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/papay/sign/contracts/pre-entrust-sign"
    );
    let body: serde_json::Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "sign_scene": "SIGN_SCENE_APP",
            "appid": "wxd678efh567hg6787",
            "plan_id": 12535,
            "out_contract_code": "wxwtdk20200910100000",
            "return_url": "https://yourapp.com/return",
            "device_info": {
                "device_type": "DEVICE_TYPE_PHONE",
                "device_running_as_root": false,
                "days_since_first_login": "MORE_THEN_180_DAYS",
            },
        })
    );

    // The struct's own serde derive still works, and round-trips.
    let own = serde_json::to_string(&request).unwrap();
    assert_eq!(
        serde_json::from_str::<PreEntrustSign>(&own).unwrap(),
        request
    );
}
