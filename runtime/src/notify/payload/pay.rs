//! The decrypted resources of payment callbacks (`TRANSACTION.*`), papay deductions included, a direct
//! merchant's and a service provider's: what [`crate::notify::Event`] decodes them
//! into, beside the enums of this family they use. Also public as `wechatpay::notify::{PartnerPayer, PartnerTransactionNotice, Payer, TransactionAmount, TransactionNotice}`.

use serde::{Deserialize, Serialize};

/// 支付成功通知 of a service provider's order (`TRANSACTION.*`): partner payments and partner
/// papay deductions. Fields WeChat Pay may leave out are `Option`.
///
/// Official documentation (普通服务商委托代扣扣款结果通知):
/// <https://pay.weixin.qq.com/doc/v3/partner/4012160323>.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartnerTransactionNotice {
    /// 服务商应用ID.
    pub sp_appid: String,
    /// 服务商商户号.
    pub sp_mchid: String,
    /// 子商户应用ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// 子商户号.
    pub sub_mchid: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号.
    pub transaction_id: String,
    /// 交易类型: `JSAPI`, `APP`, `PAP` (papay) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<TradeType>,
    /// 交易状态: `SUCCESS`, `PAYERROR` … (a value added later is kept in `Other`).
    pub trade_state: TradeState,
    /// 交易状态描述.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// 银行类型.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// 附加数据, as given when ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// 支付完成时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// 委托代扣协议ID: the contract a papay deduction was made against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// 支付者.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<PartnerPayer>,
    /// 订单金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
}

/// 支付者 of a [`PartnerTransactionNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartnerPayer {
    /// 用户在服务商应用下的OpenID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// 用户在子商户应用下的OpenID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

/// 支付成功通知 (`TRANSACTION.*`): a payment's outcome, papay deductions included. Fields WeChat
/// Pay may leave out are `Option`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionNotice {
    /// 应用ID.
    pub appid: String,
    /// 商户号.
    pub mchid: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号.
    pub transaction_id: String,
    /// 交易类型: `JSAPI`, `NATIVE`, `APP`, `MWEB`, `PAP` (papay) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// 交易状态: `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `PAYERROR` …
    pub trade_state: String,
    /// 交易状态描述.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// 银行类型, such as `CMC` or `OTHERS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// 附加数据, as given when ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// 支付完成时间 (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// 委托代扣协议ID: the contract a papay deduction was made against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// 支付者.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// 订单金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
}

/// 支付者 of a [`TransactionNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Payer {
    /// 用户标识: the payer's OpenID under the order's `appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
}

/// 订单金额 of a [`TransactionNotice`], in fen (分).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionAmount {
    /// 总金额.
    pub total: u64,
    /// 用户支付金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<u64>,
    /// 货币类型, `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// 用户支付币种.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}
crate::open_enum::open_enum! {
    /// 交易类型.
    pub enum TradeType {
        /// `JSAPI`: 公众号支付, 小程序支付.
        Jsapi = "JSAPI",
        /// `NATIVE`: 扫码支付.
        Native = "NATIVE",
        /// `APP`: APP支付.
        App = "APP",
        /// `MICROPAY`: 付款码支付.
        Micropay = "MICROPAY",
        /// `MWEB`: H5支付.
        Mweb = "MWEB",
        /// `FACEPAY`: 刷脸支付.
        Facepay = "FACEPAY",
        /// `PAP`: 委托代扣, a deduction against a papay contract.
        Pap = "PAP",
    }
}

crate::open_enum::open_enum! {
    /// 交易状态.
    pub enum TradeState {
        /// `SUCCESS`: 支付成功.
        Success = "SUCCESS",
        /// `REFUND`: 转入退款.
        Refund = "REFUND",
        /// `NOTPAY`: 未支付.
        NotPay = "NOTPAY",
        /// `CLOSED`: 已关闭.
        Closed = "CLOSED",
        /// `REVOKED`: 已撤销 (付款码支付).
        Revoked = "REVOKED",
        /// `USERPAYING`: 用户支付中 (付款码支付).
        UserPaying = "USERPAYING",
        /// `PAYERROR`: 支付失败.
        PayError = "PAYERROR",
        /// `ACCEPT`: 已接收，等待扣款 — a papay deduction accepted and not yet charged.
        Accept = "ACCEPT",
    }
}
