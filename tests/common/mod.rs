//! What several test files share: a valid pre-sign request for tests that need one to send but
//! do not look at its fields.

use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};

/// The seed pre-sign (QR-code scene) with its own `out_contract_code`.
#[allow(dead_code)] // not every test file sends one
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

/// A self-signed platform certificate (PEM) for `key`, with a 40-hex serial, valid from a day ago
/// until `not_after`.
#[allow(dead_code)] // not every test file issues certificates
pub fn platform_certificate_pem(
    key: &wechatpay::MerchantKey,
    not_after: std::time::SystemTime,
) -> String {
    let key_pair =
        rcgen::KeyPair::from_pem_and_sign_algo(&key.to_pkcs8_pem(), &rcgen::PKCS_RSA_SHA256)
            .unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x51; 20]));
    params.not_before =
        (std::time::SystemTime::now() - std::time::Duration::from_secs(86_400)).into();
    params.not_after = not_after.into();
    params.self_signed(&key_pair).unwrap().pem()
}
