//! The decrypted resources of refund callbacks (`REFUND.*`): what [`crate::notify::Event`] decodes them
//! into, beside the enums of this family they use. Also public as `wechatpay::notify::{RefundAmount, RefundNotice}`.

use serde::{Deserialize, Serialize};

/// 退款结果通知 (`REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundNotice {
    /// 商户号.
    pub mchid: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号.
    pub transaction_id: String,
    /// 商户退款单号.
    pub out_refund_no: String,
    /// 微信支付退款单号.
    pub refund_id: String,
    /// 退款状态: `SUCCESS`, `CLOSED` or `ABNORMAL`.
    pub refund_status: String,
    /// 退款成功时间 (RFC 3339): only when the refund succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// 退款入账账户, such as `招商银行信用卡0403` or `支付用户零钱`.
    pub user_received_account: String,
    /// 金额信息.
    pub amount: RefundAmount,
}

/// 金额信息 of a [`RefundNotice`], in fen (分).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundAmount {
    /// 订单金额.
    pub total: u64,
    /// 退款金额.
    pub refund: u64,
    /// 用户支付金额.
    pub payer_total: u64,
    /// 用户退款金额.
    pub payer_refund: u64,
}
