//! What several test files share: a valid pre-sign request for tests that need one to send but
//! do not look at its fields.

use wechatpay::api::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};

/// The seed pre-sign (QR-code scene) with its own `out_contract_code`.
pub fn pre_entrust_sign(out_contract_code: &str) -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: SignScene::Qrcode,
        appid: "wxd678efh567hg6787".into(),
        openid: None,
        plan_id: 12535,
        out_contract_code: out_contract_code.into(),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
        out_user_code: "user-1001".into(),
        return_url: None,
        device_info: DeviceInfo {
            device_type: DeviceType::Phone,
            device_os: "Android 15".into(),
            device_id: "device-1".into(),
            device_running_as_root: false,
            device_ip: "203.0.113.7".into(),
            weixin_installed: true,
            weixin_version: "8.0.54".into(),
            days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
        },
    }
}
