//! 退款 (refunds): refunding a paid order, in whole or in part, and querying the refund.
//!
//! A refund is asynchronous: [`CreateRefund`] usually answers `PROCESSING`; the result arrives as a
//! `REFUND.*` callback at `notify_url`, or through [`QueryRefund`].

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;

/// 退款申请: refunds (part of) a paid order, within a year of payment.
///
/// Official documentation: <https://pay.weixin.qq.com/docs/merchant/apis/refund/refunds/create.html>.
/// Name the order by `transaction_id` or `out_trade_no` (one of the two).
#[endpoint(POST, "v3/refund/domestic/refunds", response = Refund)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRefund {
    /// 微信支付订单号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// 商户订单号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// 商户退款单号: unique per merchant; the same number refunds only once (at most 64 characters).
    pub out_refund_no: String,
    /// 退款原因, shown to the user (at most 80 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// 退款结果回调url: where the `REFUND.*` callback goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
    /// 退款资金来源: `AVAILABLE` refunds from the available balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_account: Option<RefundFundsSource>,
    /// 金额信息.
    pub amount: RefundRequestAmount,
    /// 退款商品: for refunds of single-item discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<RefundGoodsDetail>>,
}

/// 退款资金来源 of a refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefundFundsSource {
    /// `AVAILABLE`: 可用余额账户.
    #[serde(rename = "AVAILABLE")]
    Available,
}

/// 金额信息 of a refund request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequestAmount {
    /// 退款金额, in fen: at most the order's total.
    pub refund: u64,
    /// 退款出资账户及金额: which accounts fund the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<RefundFrom>>,
    /// 原订单金额, in fen.
    pub total: u64,
    /// 退款币种: `CNY`.
    pub currency: String,
}

/// 退款出资账户及金额: one account funding a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFrom {
    /// 出资账户类型.
    pub account: RefundFromAccount,
    /// 出资金额, in fen.
    pub amount: u64,
}

/// 出资账户类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RefundFromAccount {
    /// `AVAILABLE`: 可用余额.
    #[serde(rename = "AVAILABLE")]
    Available,
    /// `UNAVAILABLE`: 不可用余额.
    #[serde(rename = "UNAVAILABLE")]
    Unavailable,
}

/// 退款商品: one refunded item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundGoodsDetail {
    /// 商户侧商品编码.
    pub merchant_goods_id: String,
    /// 微信侧商品编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_goods_id: Option<String>,
    /// 商品名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_name: Option<String>,
    /// 商品单价, in fen.
    pub unit_price: u64,
    /// 商品退款金额, in fen.
    pub refund_amount: u64,
    /// 商品退货数量.
    pub refund_quantity: u32,
}

/// 查询单笔退款 (通过商户退款单号): a refund by the merchant's refund number. Refunds take a while:
/// query a minute after [`CreateRefund`] at the earliest.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/refund/refunds/query-by-out-refund-no.html>.
#[endpoint(GET, "v3/refund/domestic/refunds/{out_refund_no}", response = Refund)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryRefund {
    /// 商户退款单号.
    pub out_refund_no: String,
}

/// A refund, as [`CreateRefund`] and [`QueryRefund`] answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Refund {
    /// 微信支付退款号.
    pub refund_id: String,
    /// 商户退款单号.
    pub out_refund_no: String,
    /// 微信支付订单号.
    pub transaction_id: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 退款渠道.
    pub channel: RefundChannel,
    /// 退款入账账户 (e.g. `招商银行信用卡0403`, `支付用户零钱`).
    pub user_received_account: String,
    /// 退款成功时间, RFC 3339: present once `status` is `SUCCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// 退款创建时间, RFC 3339.
    pub create_time: String,
    /// 退款状态.
    pub status: RefundStatus,
    /// 资金账户: the account the refund came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_account: Option<FundsAccount>,
    /// 金额信息.
    pub amount: RefundAmount,
    /// 优惠退款信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<RefundPromotionDetail>>,
}

wechatpay::__open_enum! {
    /// 退款渠道.
    pub enum RefundChannel {
        /// `ORIGINAL`: 原路退款.
        Original = "ORIGINAL",
        /// `BALANCE`: 退回到余额.
        Balance = "BALANCE",
        /// `OTHER_BALANCE`: 原账户异常退到其他余额账户.
        OtherBalance = "OTHER_BALANCE",
        /// `OTHER_BANKCARD`: 原银行卡异常退到其他银行卡.
        OtherBankcard = "OTHER_BANKCARD",
    }
}

wechatpay::__open_enum! {
    /// 退款状态.
    pub enum RefundStatus {
        /// `SUCCESS`: 退款成功.
        Success = "SUCCESS",
        /// `CLOSED`: 退款关闭. Unconfirmed: one SDK's enumeration spells it `CLOSE`; both are accepted.
        Closed = "CLOSED" | "CLOSE",
        /// `PROCESSING`: 退款处理中.
        Processing = "PROCESSING",
        /// `ABNORMAL`: 退款异常; handle it in the merchant portal or with
        /// the abnormal-refund API.
        Abnormal = "ABNORMAL",
    }
}

wechatpay::__open_enum! {
    /// 资金账户 a refund came from.
    pub enum FundsAccount {
        /// `UNSETTLED`: 未结算资金.
        Unsettled = "UNSETTLED",
        /// `AVAILABLE`: 可用余额.
        Available = "AVAILABLE",
        /// `UNAVAILABLE`: 不可用余额.
        Unavailable = "UNAVAILABLE",
        /// `OPERATION`: 运营户.
        Operation = "OPERATION",
        /// `BASIC`: 基本账户 (含可用余额和不可用余额).
        Basic = "BASIC",
        /// `ECNY_BASIC`: 数字人民币基本账户.
        EcnyBasic = "ECNY_BASIC",
    }
}

/// 金额信息 of a refund answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundAmount {
    /// 订单金额, in fen.
    pub total: u64,
    /// 退款金额, in fen.
    pub refund: u64,
    /// 退款出资账户及金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<RefundFrom>>,
    /// 用户支付金额, in fen.
    pub payer_total: u64,
    /// 用户退款金额, in fen.
    pub payer_refund: u64,
    /// 应结退款金额, in fen.
    pub settlement_refund: u64,
    /// 应结订单金额, in fen.
    pub settlement_total: u64,
    /// 优惠退款金额, in fen.
    pub discount_refund: u64,
    /// 退款币种.
    pub currency: String,
    /// 手续费退款金额, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_fee: Option<u64>,
}

/// 优惠退款信息: one discount refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundPromotionDetail {
    /// 券ID.
    pub promotion_id: String,
    /// 优惠范围.
    pub scope: RefundPromotionScope,
    /// 优惠类型.
    #[serde(rename = "type")]
    pub kind: RefundPromotionType,
    /// 优惠券面额, in fen.
    pub amount: u64,
    /// 优惠退款金额, in fen.
    pub refund_amount: u64,
    /// 商品列表.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<RefundGoodsDetail>>,
}

wechatpay::__open_enum! {
    /// 优惠范围 of a refunded discount.
    pub enum RefundPromotionScope {
        /// `GLOBAL`: 全场代金券.
        Global = "GLOBAL",
        /// `SINGLE`: 单品优惠.
        Single = "SINGLE",
    }
}

wechatpay::__open_enum! {
    /// 优惠类型 of a refunded discount.
    pub enum RefundPromotionType {
        /// `COUPON`: 代金券, funded in advance by the merchant.
        Coupon = "COUPON",
        /// `DISCOUNT`: 优惠券, not funded in advance.
        Discount = "DISCOUNT",
    }
}
