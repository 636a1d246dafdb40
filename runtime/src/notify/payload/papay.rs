//! The decrypted resources of papay contract callbacks (`ENTRUST.SIGN`, `ENTRUST.TERMINATE`), a direct merchant's
//! and a service provider's: what [`crate::notify::Event`] decodes them
//! into, beside the enums of this family they use. Also public as `wechatpay::notify::{ContractTerminateInfo, DeductSchedule, EntrustAmount, EntrustNotice, PartnerEntrustNotice}`.

use serde::{Deserialize, Serialize};

/// 签约/解约结果通知 (`ENTRUST.SIGN`, `ENTRUST.TERMINATE`): a papay contract's new state, sent
/// to the `contract_notify_url` given at pre-sign. Fields WeChat Pay may leave out are `Option`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntrustNotice {
    /// 商户号.
    pub mchid: String,
    /// 应用ID.
    pub appid: String,
    /// 委托代扣协议ID: WeChat Pay's id of the contract; deductions name it.
    pub contract_id: String,
    /// 委托代扣模板ID.
    pub plan_id: u64,
    /// 商户签约协议号, as given at pre-sign.
    pub out_contract_code: String,
    /// 用户账户展示名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_display_account: Option<String>,
    /// 协议状态: `SIGNED` or `TERMINATED` (a value added later is kept in `Other`).
    pub contract_state: ContractState,
    /// 协议签署时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_signed_time: Option<String>,
    /// 协议到期时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<String>,
    /// 用户标识: the user's OpenID under `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// 商户侧用户标识, as given at pre-sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_user_code: Option<String>,
    /// 协议解约信息: only when `contract_state` is `TERMINATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminate_info: Option<ContractTerminateInfo>,
    /// 预约扣费信息: only for scheduled-deduction (预约扣费) plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_schedule: Option<DeductSchedule>,
}

/// 签约/解约结果通知 of a service provider's (服务商) contract (`ENTRUST.SIGN`,
/// `ENTRUST.TERMINATE`), sent to the `contract_notify_url` of the partner pre-sign: the contract
/// belongs to the provider (`sp_mchid`) and one sub-merchant (`sub_mchid`). Fields WeChat Pay may
/// leave out are `Option`.
///
/// Official documentation (普通服务商委托代扣签解约通知):
/// <https://pay.weixin.qq.com/docs/partner/apis/entrusted-payment/contract-alter-notify.html>.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartnerEntrustNotice {
    /// 服务商商户号.
    pub sp_mchid: String,
    /// 服务商应用ID.
    pub sp_appid: String,
    /// 子商户号.
    pub sub_mchid: String,
    /// 子商户应用ID, when the contract was signed under the sub-merchant's app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// 委托代扣协议ID.
    pub contract_id: String,
    /// 委托代扣模板ID.
    pub plan_id: u64,
    /// 商户签约协议号, as given at pre-sign.
    pub out_contract_code: String,
    /// 用户账户展示名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_display_account: Option<String>,
    /// 协议状态: `SIGNED` or `TERMINATED` (a value added later is kept in `Other`).
    pub contract_state: ContractState,
    /// 协议签署时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_signed_time: Option<String>,
    /// 协议到期时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<String>,
    /// 用户在服务商应用下的OpenID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// 用户在子商户应用下的OpenID: only with `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// 商户侧用户标识, as given at pre-sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_user_code: Option<String>,
    /// 协议解约信息: only when `contract_state` is `TERMINATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminate_info: Option<ContractTerminateInfo>,
    /// 预约扣费信息: only for scheduled-deduction (预约扣费) plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_schedule: Option<DeductSchedule>,
}

/// 协议解约信息 of an [`EntrustNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractTerminateInfo {
    /// 解约方式: `USER_TERMINATE`, `MCH_API_TERMINATE`, `API`, `WEPAY_WEB_TERMINATE`,
    /// `CUSTOMER_SERVICE_TERMINATE` or `SYSTEM_TERMINATE`.
    pub contract_termination_mode: String,
    /// 解约时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_terminated_time: Option<String>,
    /// 解约备注.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_remark: Option<String>,
}

/// 预约扣费信息 of an [`EntrustNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeductSchedule {
    /// 预计扣费日期 (`yyyy-MM-dd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_deduct_date: Option<String>,
    /// 预计扣费金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_deduct_amount: Option<EntrustAmount>,
    /// 预约状态: `NO_SCHEDULED`, `SCHEDULED`, `PAID` or `EXPIRED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_state: Option<String>,
    /// 预约金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_amount: Option<EntrustAmount>,
    /// 扣费金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_amount: Option<EntrustAmount>,
    /// 扣费日期 (`yyyy-MM-dd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduct_date: Option<String>,
}

/// An amount inside an `ENTRUST.*` callback's deduct schedule.
///
/// The callback documentation names the figure `amount` while the schedule APIs and some
/// published examples name it `total`; both are accepted and it is written back as `amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntrustAmount {
    /// 金额, in fen (分).
    #[serde(alias = "total")]
    pub amount: u64,
    /// 币种, `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}
crate::open_enum::open_enum! {
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
