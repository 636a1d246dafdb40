//! 委托代扣 API v2 (papay v2): contracts signed on the v2 pages, deductions, queries, termination.
//!
//! The flow: the user signs on WeChat Pay's page ([`super::redirect::EntrustWeb`] for a signed URL,
//! or [`PreEntrustWeb`] for an app), WeChat Pay calls `notify_url` with the contract
//! ([`super::notify::ContractNotification`]), the merchant deducts with [`PapPayApply`], WeChat Pay
//! calls the deduction's `notify_url` ([`super::notify::PaymentNotification`]); [`PapOrderQuery`]
//! and [`QueryContract`] read the state, [`DeleteContract`] ends the contract.
//!
//! `appid`, `mch_id`, `nonce_str`, `sign_type` and `sign` are filled by the client.

use serde::{Deserialize, Serialize};

use crate::endpoint;

/// 查询签约关系 (query a contract) by `contract_id`, or by `plan_id` + `contract_code`.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter3_7.shtml>.
#[endpoint(POST, "papay/querycontract", response = Contract, protocol = v2)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryContract {
    /// 委托代扣协议id: the contract id WeChat Pay gave; or give `plan_id` and `contract_code`.
    pub contract_id: Option<String>,
    /// 模板id: the deduction plan (template), with `contract_code`.
    pub plan_id: Option<u64>,
    /// 签约协议号: the merchant's contract number, with `plan_id`.
    pub contract_code: Option<String>,
    /// 版本号: `1.0`.
    pub version: String,
}

/// A papay v2 contract as [`QueryContract`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Contract {
    /// 委托代扣协议id.
    pub contract_id: String,
    /// 模板id.
    pub plan_id: u64,
    /// 请求序列号: the `request_serial` of the signing.
    #[serde(default)]
    pub request_serial: Option<u64>,
    /// 签约协议号.
    pub contract_code: String,
    /// 用户账户展示名称.
    #[serde(default)]
    pub contract_display_account: Option<String>,
    /// 协议状态: `0` signed, `1` terminated.
    pub contract_state: u8,
    /// 协议签署时间, `yyyy-MM-dd HH:mm:ss` Beijing time.
    #[serde(default)]
    pub contract_signed_time: Option<String>,
    /// 协议到期时间.
    #[serde(default)]
    pub contract_expired_time: Option<String>,
    /// 协议解约时间.
    #[serde(default)]
    pub contract_terminated_time: Option<String>,
    /// 协议解约方式: `0` not terminated, `1` expired, `2` by the user, `3` by the merchant's API,
    /// `4` in the merchant portal, `5` account closed.
    #[serde(default)]
    pub contract_termination_mode: Option<u8>,
    /// 解约备注.
    #[serde(default)]
    pub contract_termination_remark: Option<String>,
    /// 用户标识: the user's OpenID under the `appid`.
    #[serde(default)]
    pub openid: Option<String>,
}

impl Contract {
    /// Whether the contract is in force (`contract_state` is `0`).
    pub fn is_signed(&self) -> bool {
        self.contract_state == 0
    }
}

/// 申请解约 (terminate a contract) by `contract_id`, or by `plan_id` + `contract_code`.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter3_9.shtml>.
#[endpoint(POST, "papay/deletecontract", response = DeletedContract, protocol = v2)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeleteContract {
    /// 委托代扣协议id; or give `plan_id` and `contract_code`.
    pub contract_id: Option<String>,
    /// 模板id, with `contract_code`.
    pub plan_id: Option<u64>,
    /// 签约协议号, with `plan_id`.
    pub contract_code: Option<String>,
    /// 解约备注: why the merchant ends the contract (shown to the user; at most 256 characters).
    pub contract_termination_remark: String,
    /// 版本号: `1.0`.
    pub version: String,
}

/// The answer of [`DeleteContract`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeletedContract {
    /// 委托代扣协议id.
    pub contract_id: String,
    /// 模板id.
    #[serde(default)]
    pub plan_id: Option<u64>,
    /// 签约协议号.
    #[serde(default)]
    pub contract_code: Option<String>,
}

/// 申请扣款 (request a deduction) against a signed contract. The answer only says WeChat Pay
/// accepted it; the outcome arrives at `notify_url` ([`super::notify::PaymentNotification`]) or
/// from [`PapOrderQuery`].
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter3_8.shtml>.
#[endpoint(POST, "pay/pappayapply", response = DeductionAccepted, protocol = v2)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PapPayApply {
    /// 商品描述 (at most 128 characters).
    pub body: String,
    /// 商品详情.
    pub detail: Option<String>,
    /// 附加数据, returned as given.
    pub attach: Option<String>,
    /// 商户订单号: the merchant's order number, unique per merchant.
    pub out_trade_no: String,
    /// 总金额, in fen (分).
    pub total_fee: u64,
    /// 货币类型: `CNY` when absent.
    pub fee_type: Option<String>,
    /// 终端IP: the merchant server's IP.
    pub spbill_create_ip: String,
    /// 商品标记 (coupons).
    pub goods_tag: Option<String>,
    /// 回调通知url: where WeChat Pay sends the deduction's result.
    pub notify_url: String,
    /// 交易类型: `PAP`.
    pub trade_type: String,
    /// 委托代扣协议id.
    pub contract_id: String,
    /// 电子发票入口开放标识: `Y` to offer an invoice.
    pub receipt: Option<String>,
}

/// The answer of [`PapPayApply`]: accepted (the verified answer has `result_code=SUCCESS`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeductionAccepted {
    /// 业务结果: `SUCCESS`.
    pub result_code: String,
}

/// 查询订单 (query a deduction) by `transaction_id` or `out_trade_no`.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/pap.php?chapter=18_10&index=14>.
#[endpoint(POST, "pay/paporderquery", response = Deduction, protocol = v2)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PapOrderQuery {
    /// 微信订单号; or give `out_trade_no`.
    pub transaction_id: Option<String>,
    /// 商户订单号.
    pub out_trade_no: Option<String>,
}

/// A deduction as [`PapOrderQuery`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Deduction {
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信订单号 (absent before WeChat Pay took the order).
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// 交易状态: `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `ACCEPT`, `PAY_FAIL`, … kept as sent.
    pub trade_state: String,
    /// 交易状态描述.
    #[serde(default)]
    pub trade_state_desc: Option<String>,
    /// 委托代扣协议id.
    #[serde(default)]
    pub contract_id: Option<String>,
    /// 用户标识.
    #[serde(default)]
    pub openid: Option<String>,
    /// 总金额, in fen.
    #[serde(default)]
    pub total_fee: Option<u64>,
    /// 现金支付金额, in fen.
    #[serde(default)]
    pub cash_fee: Option<u64>,
    /// 货币种类.
    #[serde(default)]
    pub fee_type: Option<String>,
    /// 付款银行.
    #[serde(default)]
    pub bank_type: Option<String>,
    /// 交易类型: `PAP`.
    #[serde(default)]
    pub trade_type: Option<String>,
    /// 设备号.
    #[serde(default)]
    pub device_info: Option<String>,
    /// 是否关注公众账号: `Y` or `N`.
    #[serde(default)]
    pub is_subscribe: Option<String>,
    /// 现金支付货币类型.
    #[serde(default)]
    pub cash_fee_type: Option<String>,
    /// 代金券金额, in fen.
    #[serde(default)]
    pub coupon_fee: Option<u64>,
    /// 代金券使用数量 (the coupons themselves are the indexed `coupon_id_$n`, `coupon_fee_$n`).
    #[serde(default)]
    pub coupon_count: Option<u64>,
    /// 支付完成时间, `yyyyMMddHHmmss`.
    #[serde(default)]
    pub time_end: Option<String>,
    /// 附加数据.
    #[serde(default)]
    pub attach: Option<String>,
}

/// APP纯签约 (pre-sign for an app): returns the `pre_entrustweb_id` the app opens WeChat with.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter5_2.shtml>.
#[endpoint(POST, "papay/preentrustweb", response = PreEntrustWebAnswer, protocol = v2)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreEntrustWeb {
    /// 模板id.
    pub plan_id: u64,
    /// 签约协议号: the merchant's contract number, unique per merchant.
    pub contract_code: String,
    /// 请求序列号: unique per merchant, increasing.
    pub request_serial: u64,
    /// 用户账户展示名称.
    pub contract_display_account: String,
    /// 回调通知url: where the contract notification goes.
    pub notify_url: String,
    /// 版本号: `1.0`.
    pub version: String,
    /// 时间戳: Unix seconds, as text.
    pub timestamp: String,
    /// 返回app: `Y` to return to the app after signing.
    pub return_app: Option<String>,
}

/// The answer of [`PreEntrustWeb`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PreEntrustWebAnswer {
    /// 预签约ID: what the app passes to WeChat (valid for two hours).
    pub pre_entrustweb_id: String,
    /// 小程序跳转路径, when the contract is signed in a mini program.
    #[serde(default)]
    pub miniprogram_path: Option<String>,
    /// 小程序原始ID, with `miniprogram_path`.
    #[serde(default)]
    pub miniprogram_username: Option<String>,
}

/// `version` of the papay v2 operations: `1.0`.
pub const VERSION: &str = "1.0";

/// The service-provider (服务商) variants: the same operations for a sub-merchant, at
/// `…/partner/…` paths. `appid` and `mch_id` are the service provider's (filled by the client);
/// `sub_mch_id` and `sub_appid` name the sub-merchant.
pub mod partner {
    use super::{Contract, Deduction, DeductionAccepted, DeletedContract, PreEntrustWebAnswer};
    use crate::endpoint;

    /// 查询签约关系 (服务商).
    ///
    /// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter5_7.shtml>.
    #[endpoint(POST, "papay/partner/querycontract", response = Contract, protocol = v2)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct QueryContract {
        /// 子商户号.
        pub sub_mch_id: String,
        /// 子商户应用ID.
        pub sub_appid: Option<String>,
        /// The operation's own fields.
        #[serde(flatten)]
        pub query: super::QueryContract,
    }

    /// 申请解约 (服务商): the fields of [`super::DeleteContract`] for a sub-merchant.
    #[endpoint(POST, "papay/partner/deletecontract", response = DeletedContract, protocol = v2)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DeleteContract {
        /// 子商户号.
        pub sub_mch_id: String,
        /// 子商户应用ID.
        pub sub_appid: Option<String>,
        /// The operation's own fields.
        #[serde(flatten)]
        pub delete: super::DeleteContract,
    }

    /// 申请扣款 (服务商).
    ///
    /// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter5_8.shtml>.
    #[endpoint(POST, "pay/partner/pappayapply", response = DeductionAccepted, protocol = v2)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PapPayApply {
        /// 子商户号.
        pub sub_mch_id: String,
        /// 子商户应用ID.
        pub sub_appid: Option<String>,
        /// The operation's own fields.
        #[serde(flatten)]
        pub deduction: super::PapPayApply,
    }

    /// 查询订单 (服务商).
    ///
    /// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/pap.php?chapter=18_10&index=14>.
    #[endpoint(POST, "pay/partner/paporderquery", response = Deduction, protocol = v2)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PapOrderQuery {
        /// 子商户号.
        pub sub_mch_id: String,
        /// 子商户应用ID.
        pub sub_appid: Option<String>,
        /// The operation's own fields.
        #[serde(flatten)]
        pub query: super::PapOrderQuery,
    }

    /// APP纯签约 (服务商).
    ///
    /// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter5_2.shtml>.
    #[endpoint(POST, "papay/partner/preentrustweb", response = PreEntrustWebAnswer, protocol = v2)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PreEntrustWeb {
        /// 子商户号.
        pub sub_mch_id: String,
        /// 子商户应用ID.
        pub sub_appid: Option<String>,
        /// The operation's own fields.
        #[serde(flatten)]
        pub pre_sign: super::PreEntrustWeb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_request_carries_the_sub_merchant_and_the_flattened_fields() {
        let request = partner::QueryContract {
            sub_mch_id: "1900000109".into(),
            sub_appid: None,
            query: QueryContract {
                contract_id: Some("100005698".into()),
                plan_id: None,
                contract_code: None,
                version: VERSION.into(),
            },
        };
        let fields = crate::v2::request_fields(&request).unwrap();
        let mut names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["contract_id", "sub_mch_id", "version"]);
    }
}
