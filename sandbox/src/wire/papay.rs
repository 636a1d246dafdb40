//! 委托代扣 (papay): recurring-deduction contracts.
//!
//! The flow: the merchant pre-signs a contract ([`PreEntrustSign`]), the user confirms it in WeChat,
//! WeChat Pay notifies the merchant (`ENTRUST.SIGN`), and the merchant then deducts against the
//! contract on schedule.

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;

/// 代扣预签约 (pre-sign a contract): fixes the contract details and returns what the app or page
/// needs to send the user to WeChat Pay's signing page.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4012978414>.
///
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

// ---------------------------------------------------------------------------------------------
// Contracts: query and terminate.

/// 通过商户协议号查询委托代扣签约协议 (query a contract by the merchant's contract number).
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-get-contract-by-code.html>.
/// No query parameters are documented for direct merchants.
#[endpoint(GET, "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}", response = Contract)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryContract {
    /// 委托代扣模板ID: the deduction plan (template).
    pub plan_id: u64,
    /// 商户签约协议号: the merchant's own contract number (at most 32 characters).
    pub out_contract_code: String,
}

/// 通过商户协议号解除委托代扣签约协议 (terminate a contract by the merchant's contract number).
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-terminate-contract-by-code.html>.
///
/// The answer is `Option<Contract>`. Unconfirmed: the SDK docs (wechatpay-openapi) document
/// `200` with the contract, while comparable endpoints (combined-payment and Hong Kong papay
/// terminate) answer `204 No Content`; both decode, the latter as `None`.
#[endpoint(POST, "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}/terminate", response = Option<Contract>)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminateContract {
    /// 委托代扣模板ID.
    pub plan_id: u64,
    /// 商户签约协议号.
    pub out_contract_code: String,
    /// 解约备注: why the contract ends (e.g. `用户解约`). Unconfirmed: its maximum length (256
    /// characters on sibling endpoints).
    pub contract_termination_remark: String,
}

/// 委托代扣签约协议: a contract, as [`QueryContract`] and [`TerminateContract`] answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contract {
    /// 商户号.
    pub mchid: String,
    /// 委托代扣协议ID: WeChat Pay's id of the contract; deductions name it.
    pub contract_id: String,
    /// 商户AppID.
    pub appid: String,
    /// 委托代扣模板ID.
    pub plan_id: u64,
    /// 商户签约协议号.
    pub out_contract_code: String,
    /// 用户账户展示名称 (at most 64 characters in answers).
    pub contract_display_account: String,
    /// 委托代扣协议状态.
    pub contract_state: ContractState,
    /// 协议签署时间, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_signed_time: Option<String>,
    /// 协议到期时间, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<String>,
    /// 用户OpenID.
    pub openid: String,
    /// 协议解约信息: present once the contract is terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminate_info: Option<ContractTerminateInfo>,
    /// 商户侧用户标识.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_user_code: Option<String>,
    /// 预约扣费场景的预约信息: only for scheduled-deduction (预约扣费) plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_schedule: Option<ContractDeductSchedule>,
}

wechatpay::__open_enum! {
    /// 委托代扣协议状态.
    ///
    /// The list is the one documented for the HarmonyOS query; unconfirmed whether the ordinary query
    /// returns all four.
    pub enum ContractState {
        /// `SIGNED`: 签约生效中.
        Signed = "SIGNED",
        /// `TERMINATED`: 生效的签约协议已被解约.
        Terminated = "TERMINATED",
        /// `SIGN_FAILED`: the user agreed but business rules made the signing fail.
        SignFailed = "SIGN_FAILED",
        /// `TO_BE_RENEWED`: a renewable plan waiting for the merchant's renewal.
        ToBeRenewed = "TO_BE_RENEWED",
    }
}

/// 协议解约信息.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractTerminateInfo {
    /// 协议解约方式.
    pub contract_termination_mode: ContractTerminationMode,
    /// 协议解约时间, RFC 3339.
    pub contract_terminated_time: String,
    /// 解约备注.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_remark: Option<String>,
}

wechatpay::__open_enum! {
    /// 协议解约方式: who ended the contract.
    pub enum ContractTerminationMode {
        /// `USER_TERMINATE`: 用户发起的解约.
        User = "USER_TERMINATE",
        /// `MCH_API_TERMINATE`: 商户通过API发起的解约.
        MerchantApi = "MCH_API_TERMINATE",
        /// `API`: listed only in the callback documentation (unconfirmed in query answers).
        Api = "API",
        /// `WEPAY_WEB_TERMINATE`: 商户在商户平台发起的解约.
        MerchantPortal = "WEPAY_WEB_TERMINATE",
        /// `CUSTOMER_SERVICE_TERMINATE`: 用户联系微信支付客服发起的解约.
        CustomerService = "CUSTOMER_SERVICE_TERMINATE",
        /// `SYSTEM_TERMINATE`: 微信支付系统主动发起的解约.
        System = "SYSTEM_TERMINATE",
    }
}

/// 预约扣费场景的预约信息, as a contract reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractDeductSchedule {
    /// 预计扣费的日期, `yyyy-MM-dd`.
    pub estimated_deduct_date: String,
    /// 预计的扣费金额.
    pub estimated_deduct_amount: DeductAmount,
    /// 扣费预约状态.
    pub schedule_state: ScheduleState,
    /// 已预约的扣费金额信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_amount: Option<DeductAmount>,
    /// 实际扣费金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_amount: Option<DeductAmount>,
    /// 实际扣费的日期, `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_date: Option<String>,
}

/// An amount in papay API bodies and answers: `{"total": …, "currency": …}`.
///
/// Pre-deduction notices name the figure `amount` instead: they use [`EstimatedAmount`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductAmount {
    /// 金额, in fen (分).
    pub total: u64,
    /// 货币类型: `CNY` (the only documented value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

wechatpay::__open_enum! {
    /// 扣费预约状态.
    pub enum ScheduleState {
        /// `NO_SCHEDULED`: 未预约.
        NoScheduled = "NO_SCHEDULED",
        /// `SCHEDULED`: 已预约.
        Scheduled = "SCHEDULED",
        /// `PAID`: 已扣费.
        Paid = "PAID",
        /// `EXPIRED`: 已过期.
        Expired = "EXPIRED",
    }
}

// ---------------------------------------------------------------------------------------------
// HarmonyOS papay.

/// 通过商户协议号查询委托代扣签约协议 (HarmonyOS plans).
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4013844122>.
#[endpoint(GET, "v3/papay/sign/contracts/harmony-plan-id/{plan_id}/out-contract-code/{out_contract_code}", response = HarmonyContract)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryHarmonyContract {
    /// 委托代扣模板ID (a HarmonyOS plan).
    pub plan_id: u64,
    /// 商户签约协议号 (at most 32 characters).
    pub out_contract_code: String,
}

/// A HarmonyOS contract, as [`QueryHarmonyContract`] answers it: the fields of [`Contract`]
/// without `deduct_schedule`, plus `mask_wxid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HarmonyContract {
    /// 商户号.
    pub mchid: String,
    /// 委托代扣协议ID.
    pub contract_id: String,
    /// 商户AppID.
    pub appid: String,
    /// 委托代扣模板ID.
    pub plan_id: u64,
    /// 商户签约协议号.
    pub out_contract_code: String,
    /// 用户账户展示名称.
    pub contract_display_account: String,
    /// 委托代扣协议状态.
    pub contract_state: ContractState,
    /// 协议签署时间, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_signed_time: Option<String>,
    /// 协议到期时间, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<String>,
    /// 用户OpenID.
    pub openid: String,
    /// 协议解约信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminate_info: Option<ContractTerminateInfo>,
    /// 商户侧用户标识.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_user_code: Option<String>,
    /// 鸿蒙代扣场景的用户微信号掩码: the user's masked WeChat id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask_wxid: Option<String>,
}

/// 代扣受理扣款 (HarmonyOS): asks WeChat Pay to deduct against a HarmonyOS contract. The result
/// arrives later as a payment callback at `transaction_notify_url`.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4013388429>.
#[endpoint(POST, "v3/papay/pay/harmony/transactions/apply", response = ApplyDeductionResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyHarmonyDeduction {
    /// 应用ID (at most 32 characters).
    pub appid: String,
    /// 商户订单号: digits, letters, `_-*`; unique per merchant (at most 32 characters).
    pub out_trade_no: String,
    /// 商品描述 (at most 127 characters).
    pub description: String,
    /// 通知地址: where the payment result is sent; HTTPS (at most 256 characters).
    pub transaction_notify_url: String,
    /// 委托代扣协议ID.
    pub contract_id: String,
    /// 扣费金额信息.
    pub amount: DeductAmount,
    /// 订单优惠标记 (at most 32 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_tag: Option<String>,
    /// 附加数据, returned unchanged in queries and callbacks (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// 鸿蒙账户id: the user's HarmonyOS account (at most 64 characters).
    pub harmony_account_id: String,
    /// 商户类别码 (MCC, 4 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcc: Option<String>,
}

/// The answer to [`ApplyDeduction`] and [`ApplyHarmonyDeduction`]: the request was accepted; the
/// deduction itself happens asynchronously.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApplyDeductionResponse {
    /// 商户订单号.
    pub out_trade_no: String,
    /// 扣费金额信息.
    pub amount: DeductAmount,
}

// ---------------------------------------------------------------------------------------------
// Scheduled-deduction (预约扣费) contracts: pre-sign in four scenes.

/// The body shared by the four scheduled-deduction pre-sign requests
/// ([`ScheduledDeductPreSignApp`], [`ScheduledDeductPreSignH5`], [`ScheduledDeductPreSignJsapi`],
/// [`ScheduledDeductPreSignMiniProgram`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDeductSign {
    /// 应用ID.
    pub appid: String,
    /// 用户在直连商户应用下的用户标示: the user's OpenID under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// 委托代扣模板ID.
    pub plan_id: u64,
    /// 商户签约协议号.
    pub out_contract_code: String,
    /// 用户账户展示名称.
    pub contract_display_account: String,
    /// 签约结果通知地址: where the `ENTRUST.SIGN` callback goes.
    pub contract_notify_url: String,
    /// 商户侧用户标识 (at most 32 characters on the APP page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_user_code: Option<String>,
    /// 用于预约扣费的预约信息: the first scheduled deduction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_schedule: Option<SignDeductSchedule>,
}

/// 用于预约扣费的预约信息, given at pre-sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignDeductSchedule {
    /// 预计扣费的日期, `yyyy-MM-dd`.
    pub estimated_deduct_date: String,
    /// 预计的扣费金额.
    pub estimated_deduct_amount: DeductAmount,
    /// 商品描述.
    pub description: String,
}

/// App场景预约扣费类型签约的预签约: pre-sign a scheduled-deduction contract from an app; the app then
/// opens the signing mini program with the returned id. The session lasts 10 minutes.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-app-scheduled-deduct-pre-sign.html>.
#[endpoint(POST, "v3/papay/scheduled-deduct-sign/contracts/pre-entrust-sign/app", response = ScheduledDeductAppSignResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDeductPreSignApp {
    /// The contract to sign.
    #[serde(flatten)]
    pub sign: ScheduledDeductSign,
}

/// The answer to [`ScheduledDeductPreSignApp`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScheduledDeductAppSignResponse {
    /// 预签约ID.
    pub pre_entrustweb_id: String,
    /// 跳转签约小程序的username (spelled `miniprogram_…` here, unlike [`PreEntrustSignResponse`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram_username: Option<String>,
    /// 跳转签约小程序的path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram_path: Option<String>,
}

/// H5场景预约扣费类型签约的预签约: pre-sign from a mobile browser outside WeChat; send the user to
/// the returned URL.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-h5-scheduled-deduct-pre-sign.html>.
#[endpoint(POST, "v3/papay/scheduled-deduct-sign/contracts/pre-entrust-sign/h5", response = ScheduledDeductRedirect)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDeductPreSignH5 {
    /// The contract to sign.
    #[serde(flatten)]
    pub sign: ScheduledDeductSign,
    /// 跳转控制信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jump_control: Option<JumpControl>,
}

/// 跳转控制信息 of an H5 pre-sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JumpControl {
    /// 跳转的应用AppID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jump_appid: Option<String>,
}

/// JSAPI场景预约扣费类型签约的预签约: pre-sign inside WeChat (official account pages); send the
/// user to the returned URL.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/jsapi-scheduled-deduct-pre-sign.html>.
#[endpoint(POST, "v3/papay/scheduled-deduct-sign/contracts/pre-entrust-sign/jsapi", response = ScheduledDeductRedirect)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDeductPreSignJsapi {
    /// The contract to sign.
    #[serde(flatten)]
    pub sign: ScheduledDeductSign,
}

/// The answer to [`ScheduledDeductPreSignH5`] and [`ScheduledDeductPreSignJsapi`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScheduledDeductRedirect {
    /// 跳转签约流程的URL: where to send the user.
    pub redirect_url: String,
}

/// 小程序场景预约扣费类型签约的预签约: pre-sign from a mini program, which then navigates to the
/// signing mini program (`navigateToMiniProgram`).
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/mini-program-scheduled-deduct-pre-sign.html>.
#[endpoint(POST, "v3/papay/scheduled-deduct-sign/contracts/pre-entrust-sign/mini-program", response = ScheduledDeductMiniProgramSignResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDeductPreSignMiniProgram {
    /// The contract to sign.
    #[serde(flatten)]
    pub sign: ScheduledDeductSign,
}

/// The answer to [`ScheduledDeductPreSignMiniProgram`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScheduledDeductMiniProgramSignResponse {
    /// 预签约ID.
    pub pre_entrustweb_id: String,
    /// 跳转签约小程序的AppID.
    pub redirect_appid: String,
    /// 跳转签约小程序的路径.
    pub redirect_path: String,
}

// ---------------------------------------------------------------------------------------------
// Scheduling and deducting.

/// 预约扣费: books the next deduction against a scheduled-deduction contract; deductions are only
/// possible within the booked window.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-schedule-deduction.html>.
#[endpoint(POST, "v3/papay/pay/schedules/contract-id/{contract_id}/schedule", response = DeductionSchedule)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDeduction {
    /// 委托代扣协议ID.
    pub contract_id: String,
    /// 应用ID.
    pub appid: String,
    /// 预约的金额信息.
    pub schedule_amount: DeductAmount,
}

/// 查询扣费预约: the booking of a contract, when [`ScheduleDeduction`] left it unclear.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-query-deduct-schedule.html>.
#[endpoint(GET, "v3/papay/pay/schedules/contract-id/{contract_id}", response = DeductionSchedule)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryDeductionSchedule {
    /// 委托代扣协议ID.
    pub contract_id: String,
}

/// A deduction booking, as [`ScheduleDeduction`] and [`QueryDeductionSchedule`] answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeductionSchedule {
    /// 扣费预约的状态.
    pub schedule_state: ScheduleState,
    /// 可扣费开始日期, `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_start_date: Option<String>,
    /// 可扣费结束日期, `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_end_date: Option<String>,
    /// 已预约的扣费金额信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_amount: Option<DeductAmount>,
    /// 实际扣费金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_amount: Option<DeductAmount>,
    /// 实际扣费的日期, `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_date: Option<String>,
}

/// 受理扣款: asks WeChat Pay to deduct against a contract. The answer only says the request was
/// accepted; the result arrives as a payment callback at `transaction_notify_url`.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/normal/normal-create-transaction.html>.
/// Field lengths are those of the HarmonyOS and partner pages (unconfirmed for this page).
#[endpoint(POST, "v3/papay/pay/transactions/apply", response = ApplyDeductionResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyDeduction {
    /// 应用ID (at most 32 characters).
    pub appid: String,
    /// 商户订单号: digits, letters, `_-*`; unique per merchant (at most 32 characters).
    pub out_trade_no: String,
    /// 商品描述 (at most 127 characters).
    pub description: String,
    /// 通知地址: where the payment result is sent; HTTPS (at most 256 characters).
    pub transaction_notify_url: String,
    /// 委托代扣协议ID.
    pub contract_id: String,
    /// 扣费金额信息: must equal the booked amount for scheduled-deduction plans.
    pub amount: DeductAmount,
    /// 订单优惠标记 (at most 32 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_tag: Option<String>,
    /// 附加数据 (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Notices to the user.

/// 预扣费通知: tells the user a deduction is coming. Callable 7:00–22:00 Beijing time; the next
/// calendar day is the waiting period, deductions may follow after it. Answers `204 No Content`.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/entrusted-payment/json/deduct-notify.html>.
#[endpoint(POST, "v3/papay/contracts/{contract_id}/notify", response = ())]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyPreDeduction {
    /// 委托代扣协议ID (at most 32 characters).
    pub contract_id: String,
    /// 直连商户号.
    pub mchid: String,
    /// 应用ID.
    pub appid: String,
    /// 扣费持续时间: how long after the waiting period the deduction may happen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_duration: Option<DeductDuration>,
    /// 预计扣费金额信息.
    pub estimated_amount: EstimatedAmount,
}

/// 扣费持续时间 of a pre-deduction notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductDuration {
    /// 扣费持续时间数: `1`, `2` or `3`.
    pub count: u32,
    /// 单位.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<DurationUnit>,
}

/// 扣费持续时间的单位.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DurationUnit {
    /// `DAY`.
    #[serde(rename = "DAY")]
    Day,
}

/// 预计扣费金额信息 of a pre-deduction notice: the figure is named `amount` here, not `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstimatedAmount {
    /// 预计扣费金额, in fen (分).
    pub amount: u64,
    /// 预计扣费货币类型: `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// 重试扣费通知: after a failed deduction within the deduction window, reminds the user to top up
/// before the next attempt. Answers `204 No Content`.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter3_11.shtml>.
#[endpoint(POST, "v3/papay/contracts/{contract_id}/fail-notify", response = ())]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyDeductionRetry {
    /// 委托代扣协议ID.
    pub contract_id: String,
    /// 直连商户号.
    pub mchid: String,
    /// 应用ID.
    pub appid: String,
}

// ---------------------------------------------------------------------------------------------
// Pay and sign (支付中签约).

/// JSAPI下单并授权/签约: a JSAPI order that also signs (or uses) a papay contract; pay with the
/// returned `prepay_id` as for `JsapiPrepay`.
///
/// Documented in the SDK docs (wechatpay-openapi `jsapi-with-contract`, 2025.12.31); unconfirmed:
/// the official page was not seen.
#[endpoint(POST, "v3/pay/transactions/jsapi-with-contract", response = crate::wire::pay::PrepayResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiPrepayWithContract {
    /// The order.
    #[serde(flatten)]
    pub order: crate::wire::pay::Order,
    /// 支付者.
    pub payer: crate::wire::pay::Payer,
    /// 场景信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<crate::wire::pay::SceneInfo>,
    /// 签约授权信息.
    pub contract_info: JsapiContractInfo,
}

/// 签约授权信息 of [`JsapiPrepayWithContract`]. No field is documented as required: give either a
/// pre-authorisation `token`, a `password_free_contract_id`, or the contract to sign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiContractInfo {
    /// 扣费服务预授权token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// 免密协议ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_free_contract_id: Option<String>,
    /// 模板ID (a string here, unlike the papay endpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// 签约商户号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_mchid: Option<String>,
    /// 签约AppID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_appid: Option<String>,
    /// 签约协议号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_code: Option<String>,
    /// 请求序列号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_serial: Option<String>,
    /// 用户账户展示名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_display_account: Option<String>,
    /// 签约信息通知URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_notify_url: Option<String>,
}

/// APP下单并签约: an APP order whose payment also leads the user through signing a contract.
///
/// Documented in the SDK docs (wechatpay-openapi `app-with-contract`, 2025.12.31); unconfirmed:
/// the official page was not seen.
#[endpoint(POST, "v3/pay/transactions/app-with-contract", response = crate::wire::pay::PrepayResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPrepayWithContract {
    /// The order.
    #[serde(flatten)]
    pub order: crate::wire::pay::Order,
    /// 场景信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<crate::wire::pay::SceneInfo>,
    /// 签约授权信息.
    pub contract_info: AppContractInfo,
}

/// 签约授权信息 of [`AppPrepayWithContract`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppContractInfo {
    /// 模板ID (a string here, unlike the papay endpoints).
    pub plan_id: String,
    /// 签约商户号.
    pub contract_mchid: String,
    /// 签约AppID.
    pub contract_appid: String,
    /// 签约协议号.
    pub contract_code: String,
    /// 请求序列号.
    pub request_serial: String,
    /// 用户账户展示名称.
    pub contract_display_account: String,
    /// 签约信息通知URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_notify_url: Option<String>,
}
