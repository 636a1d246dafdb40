//! 委托代扣 (papay): recurring-deduction contracts.
//!
//! The flow: the merchant pre-signs a contract ([`PreEntrustSign`]), the user confirms it in WeChat,
//! WeChat Pay notifies the merchant (`ENTRUST.SIGN`), and the merchant then deducts against the
//! contract on schedule.

use serde::{Deserialize, Serialize};

use crate::endpoint;

/// 代扣预签约 (pre-sign a contract): fixes the contract details and returns what the app or page
/// needs to send the user to WeChat Pay's signing page.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4012978414>.
///
/// ```
/// use wechatpay::api::papay::{DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene};
///
/// let request = PreEntrustSign {
///     sign_scene: SignScene::App,
///     appid: "wxd678efh567hg6787".into(),
///     openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
///     plan_id: 12535,
///     out_contract_code: "wxwtdk20200910100000".into(),
///     contract_display_account: "微信代扣用户A".into(),
///     contract_notify_url: "https://yourapp.com/notify".into(),
///     out_user_code: "user-1001".into(),
///     return_url: None,
///     device_info: DeviceInfo {
///         device_type: DeviceType::Phone,
///         device_os: "iOS 18.1".into(),
///         device_id: "5B7E2A31-9C4D".into(),
///         device_running_as_root: false,
///         device_ip: "203.0.113.7".into(),
///         weixin_installed: true,
///         weixin_version: "8.0.54".into(),
///         days_since_first_login: DaysSinceFirstLogin::Within30Days,
///     },
/// };
/// let rendered = wechatpay::endpoint::RenderedRequest::new(&request)?;
/// assert_eq!(rendered.target(), "/v3/papay/sign/contracts/pre-entrust-sign");
/// let body: serde_json::Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
/// assert_eq!(body["device_info"]["device_type"], "DEVICE_TYPE_PHONE");
/// assert!(body.get("return_url").is_none(), "None fields are left out, never null");
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[endpoint(POST, "v3/papay/sign/contracts/pre-entrust-sign", response = PreEntrustSignResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreEntrustSign {
    /// 签约场景: where the user signs.
    pub sign_scene: SignScene,
    /// 应用ID: the AppID (app, official account or mini program) the contract is signed under
    /// (at most 32 characters).
    pub appid: String,
    /// 用户在直连商户应用下的用户标示: the user's OpenID under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// 委托代扣模板ID: the deduction plan (template) configured in the merchant portal.
    pub plan_id: u64,
    /// 商户签约协议号: the merchant's own contract number, unique per merchant; digits and letters
    /// only, at most 32 characters.
    pub out_contract_code: String,
    /// 用户账户展示名称: the account name shown to the user on the signing page.
    pub contract_display_account: String,
    /// 签约结果通知地址: where WeChat Pay sends the `ENTRUST.SIGN` callback; HTTPS, without query
    /// parameters, at most 256 characters.
    pub contract_notify_url: String,
    /// 商户侧用户标识: the merchant's own id of the user (at most 64 characters).
    pub out_user_code: String,
    /// 回跳地址的url: where the user returns after signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// 发起预签约的用户,其设备信息: the user's device, for WeChat Pay's risk control.
    pub device_info: DeviceInfo,
}

/// The same pre-sign request at the path WeChat Pay documented first
/// (`v3/papay/entrust-sign/contracts/pre-entrust-sign`), kept for merchants whose contracts were
/// set up against it. The body is identical to [`PreEntrustSign`].
#[deprecated(
    since = "0.1.0",
    note = "WeChat Pay moved this endpoint to v3/papay/sign/contracts/pre-entrust-sign: send `PreEntrustSign`"
)]
#[endpoint(POST, "v3/papay/entrust-sign/contracts/pre-entrust-sign", response = PreEntrustSignResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyPreEntrustSign {
    /// The request, sent unchanged.
    #[serde(flatten)]
    pub request: PreEntrustSign,
}

#[allow(deprecated)]
impl From<PreEntrustSign> for LegacyPreEntrustSign {
    fn from(request: PreEntrustSign) -> Self {
        Self { request }
    }
}

/// The answer to [`PreEntrustSign`]: the pre-sign id and where to send the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PreEntrustSignResponse {
    /// 预签约ID: valid for a limited time; pass it to the signing page.
    pub pre_entrustweb_id: String,
    /// 跳转签约小程序的username: the signing mini program (APP scene).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mini_program_username: Option<String>,
    /// 跳转签约小程序的path: the page of the signing mini program (APP scene).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mini_program_path: Option<String>,
    /// 展示扫码签约的二维码的URL: the URL to show as a QR code (QR code scene).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// 签约场景: where the user signs the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignScene {
    /// `SIGN_SCENE_APP`: from the merchant's app, through the signing mini program.
    #[serde(rename = "SIGN_SCENE_APP")]
    App,
    /// `SIGN_SCENE_QRCODE`: the user scans a QR code.
    #[serde(rename = "SIGN_SCENE_QRCODE")]
    Qrcode,
}

/// 发起预签约的用户,其设备信息: the device the user signs from, for WeChat Pay's risk control.
/// Every field is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// 设备类型.
    pub device_type: DeviceType,
    /// 设备的OS版本.
    pub device_os: String,
    /// 设备ID.
    pub device_id: String,
    /// 设备是否以root身份运行.
    pub device_running_as_root: bool,
    /// 设备的IP.
    pub device_ip: String,
    /// 设备上是否安装微信.
    pub weixin_installed: bool,
    /// 设备上微信的版本.
    pub weixin_version: String,
    /// 发起预签约的用户首次登录该设备的时间.
    pub days_since_first_login: DaysSinceFirstLogin,
}

/// 设备类型. The wire spelling `DEVICE_TYPE_UNKNOW` is WeChat Pay's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceType {
    /// `DEVICE_TYPE_UNKNOW`.
    #[serde(rename = "DEVICE_TYPE_UNKNOW")]
    Unknown,
    /// `DEVICE_TYPE_PHONE`.
    #[serde(rename = "DEVICE_TYPE_PHONE")]
    Phone,
    /// `DEVICE_TYPE_PAD`.
    #[serde(rename = "DEVICE_TYPE_PAD")]
    Pad,
    /// `DEVICE_TYPE_TV`.
    #[serde(rename = "DEVICE_TYPE_TV")]
    Tv,
    /// `DEVICE_TYPE_WATCH`.
    #[serde(rename = "DEVICE_TYPE_WATCH")]
    Watch,
}

/// 发起预签约的用户首次登录该设备的时间. The wire spellings `…_UNKNOW` and `…_MORE_THEN_180_DAYS`
/// are WeChat Pay's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DaysSinceFirstLogin {
    /// `DAYS_SINCE_FIRST_LOGIN_UNKNOW`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_UNKNOW")]
    Unknown,
    /// `DAYS_SINCE_FIRST_LOGIN_WITHIN_1_DAY`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_WITHIN_1_DAY")]
    Within1Day,
    /// `DAYS_SINCE_FIRST_LOGIN_WITHIN_7_DAYS`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_WITHIN_7_DAYS")]
    Within7Days,
    /// `DAYS_SINCE_FIRST_LOGIN_WITHIN_30_DAYS`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_WITHIN_30_DAYS")]
    Within30Days,
    /// `DAYS_SINCE_FIRST_LOGIN_WITHIN_90_DAYS`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_WITHIN_90_DAYS")]
    Within90Days,
    /// `DAYS_SINCE_FIRST_LOGIN_WITHIN_180_DAYS`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_WITHIN_180_DAYS")]
    Within180Days,
    /// `DAYS_SINCE_FIRST_LOGIN_MORE_THEN_180_DAYS`.
    #[serde(rename = "DAYS_SINCE_FIRST_LOGIN_MORE_THEN_180_DAYS")]
    MoreThen180Days,
}
