//! 基础支付 (payments): placing JSAPI, APP, H5 and Native orders, querying and closing them.
//!
//! Placing an order returns what the front end needs to start paying: a `prepay_id` (JSAPI, APP;
//! sign it with `paysign`), an `h5_url` (H5) or a `code_url` to show as a QR code
//! (Native). The result arrives as a `TRANSACTION.SUCCESS` callback; [`QueryTransactionById`] and
//! [`QueryTransactionByOutTradeNo`] ask for it directly.

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;

/// What every order carries, shared by [`JsapiPrepay`], [`AppPrepay`], [`H5Prepay`],
/// [`NativePrepay`] and the pay-and-sign requests (sent flattened into the body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// 应用ID: the AppID (official account, mini program, app) the order belongs to.
    pub appid: String,
    /// 直连商户号.
    pub mchid: String,
    /// 商品描述 (at most 127 characters).
    pub description: String,
    /// 商户订单号: 6–32 characters of digits, letters and `_-|*`, unique per merchant.
    pub out_trade_no: String,
    /// 交易结束时间, RFC 3339 (`2018-06-08T10:34:56+08:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<String>,
    /// 附加数据, returned unchanged in queries and callbacks (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// 通知地址: where the `TRANSACTION.SUCCESS` callback goes; HTTPS, without query parameters.
    pub notify_url: String,
    /// 订单优惠标记.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_tag: Option<String>,
    /// 指定支付方式: `[LimitPay::NoCredit]` keeps the payer from paying by credit card.
    /// Described for JSAPI, APP, H5 and Native orders (not for the pay-and-sign orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_pay: Option<Vec<LimitPay>>,
    /// 电子发票入口开放标识.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_fapiao: Option<bool>,
    /// 订单金额.
    pub amount: OrderAmount,
    /// 优惠功能: goods details for single-item discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<OrderDetail>,
    /// 结算信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_info: Option<SettleInfo>,
}

/// 订单金额 of an order request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAmount {
    /// 总金额, in fen (分).
    pub total: u64,
    /// 货币类型: `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

wechatpay::__open_enum! {
    /// 指定支付方式: a payment method an order allows or forbids.
    pub enum LimitPay {
        /// `no_balance`: not from the WeChat balance (零钱).
        NoBalance = "no_balance",
        /// `no_credit`: not by credit card.
        NoCredit = "no_credit",
        /// `no_debit`: not by debit card.
        NoDebit = "no_debit",
        /// `balance_only`: only from the WeChat balance.
        BalanceOnly = "balance_only",
    }
}

/// 支付者 of a JSAPI order (and of a transaction in an answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// 用户标识: the payer's OpenID under `appid`.
    pub openid: String,
    /// 实名支付: pay only if the payer is this person (a permission WeChat Pay grants on
    /// request). `None` is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<PayerIdentity>,
}

/// 实名支付: the identity the payer must have for a real-name payment.
///
/// Sent as written, not encrypted: the official page of real-name orders says the V3 order
/// calls take these fields in clear text ("以明文形式传入即可,无需加密",
/// <https://pay.weixin.qq.com/doc/v3/partner/4013991553>), although the API description calls
/// them 加密后的证件号 / 加密后的姓名. TLS still protects them on the wire, and `Debug` never shows
/// the number or the name.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerIdentity {
    /// 证件类型.
    #[serde(rename = "type")]
    pub kind: IdentityType,
    /// 证件号: the ID number (a letter `X` at the end in upper case).
    pub number: String,
    /// 姓名: the name on the document.
    pub name: String,
}

impl std::fmt::Debug for PayerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayerIdentity")
            .field("kind", &self.kind)
            .field("number", &format_args!("<sensitive>"))
            .field("name", &format_args!("<sensitive>"))
            .finish()
    }
}

wechatpay::__open_enum! {
    /// 证件类型 of a real-name payment.
    pub enum IdentityType {
        /// `IDCARD`: 身份证.
        IdCard = "IDCARD",
        /// `HONGKONG_MACAO`: 港澳回乡证.
        HongkongMacao = "HONGKONG_MACAO",
        /// `HONGKONG_MACAO_RESIDENT`: 港澳居住证.
        HongkongMacaoResident = "HONGKONG_MACAO_RESIDENT",
        /// `TAIWAN_RESIDENT`: 台湾居住证.
        TaiwanResident = "TAIWAN_RESIDENT",
        /// `FOREIGN_RESIDENT`: 外国人永居证.
        ForeignResident = "FOREIGN_RESIDENT",
        /// `OVERSEA_PASSPORT`: 护照.
        OverseaPassport = "OVERSEA_PASSPORT",
        /// `PHONE_NUMBER`: a phone number (listed by the API description only).
        PhoneNumber = "PHONE_NUMBER",
    }
}

/// 贴息信息 (微信分付): who bears the interest of an instalment payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyInfo {
    /// 贴息详情列表.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsidy_detail: Option<Vec<SubsidyDetail>>,
}

/// One 贴息详情.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyDetail {
    /// 贴息方案类型.
    pub subsidy_period_type: SubsidyPeriodType,
    /// 贴息方案列表.
    pub subsidy_plan: Vec<SubsidyPlan>,
}

wechatpay::__open_enum! {
    /// 贴息方案类型.
    pub enum SubsidyPeriodType {
        /// `DAILY`: 随时还, repaid at any time.
        Daily = "DAILY",
        /// `PERIOD`: 分期还, repaid in instalments.
        Period = "PERIOD",
    }
}

/// One 贴息方案.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyPlan {
    /// 贴息期数: 3, 6 or 12 instalments.
    pub subsidy_installment_num: u32,
    /// 贴息比例: the merchant's share of the interest, in percent (0 or 100).
    pub subsidy_percent: u32,
}

/// 优惠功能 of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    /// 订单原价, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_price: Option<u64>,
    /// 商品小票ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// 单品列表.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<GoodsDetail>>,
}

/// One item of 单品列表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsDetail {
    /// 商户侧商品编码.
    pub merchant_goods_id: String,
    /// 微信支付商品编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_goods_id: Option<String>,
    /// 商品名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_name: Option<String>,
    /// 商品数量.
    pub quantity: u32,
    /// 商品单价, in fen.
    pub unit_price: u64,
}

/// 场景信息 of a JSAPI, APP or Native order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneInfo {
    /// 用户终端IP (IPv4 or IPv6).
    pub payer_client_ip: String,
    /// 商户端设备号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// 商户门店信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_info: Option<StoreInfo>,
}

/// 商户门店信息.
///
/// Every field is optional here. Unconfirmed which are required: the SDK docs disagree
/// (wechatpay-openapi requires `name`, `area_code`, `address`; other SDK models require `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    /// 门店编号: required whenever the store is named (WeChat Pay's own order models require it).
    pub id: String,
    /// 门店名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 地区编码 (行政区划码).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_code: Option<String>,
    /// 详细地址.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// 结算信息.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettleInfo {
    /// 是否指定分账: whether the order will be profit-shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profit_sharing: Option<bool>,
}

/// JSAPI下单: an order paid inside WeChat (official account pages, mini programs).
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/jsapi-payment/direct-jsons/jsapi-prepay.html>.
#[endpoint(POST, "v3/pay/transactions/jsapi", response = PrepayResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsapiPrepay {
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// 支付者.
    pub payer: Payer,
    /// 场景信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<SceneInfo>,
    /// 贴息信息 (微信分付).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsidy_info: Option<SubsidyInfo>,
}

/// APP下单: an order paid from the merchant's app through the WeChat SDK.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/in-app-payment/direct-jsons/app-prepay.html>.
#[endpoint(POST, "v3/pay/transactions/app", response = PrepayResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPrepay {
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// 场景信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<SceneInfo>,
    /// 贴息信息 (微信分付).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsidy_info: Option<SubsidyInfo>,
}

/// The answer to [`JsapiPrepay`], [`AppPrepay`] and the pay-and-sign orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrepayResponse {
    /// 预支付交易会话标识: valid for 2 hours; the front end pays with it.
    pub prepay_id: String,
}

/// H5下单: an order paid from a mobile browser outside WeChat.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/h5-payment/direct-jsons/h5-prepay.html>.
#[endpoint(POST, "v3/pay/transactions/h5", response = H5PrepayResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct H5Prepay {
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// 场景信息, with the H5 details.
    pub scene_info: H5SceneInfo,
}

/// 场景信息 of an H5 order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct H5SceneInfo {
    /// 用户终端IP.
    pub payer_client_ip: String,
    /// 商户端设备号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// 商户门店信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_info: Option<StoreInfo>,
    /// H5场景信息.
    pub h5_info: H5Info,
}

/// H5场景信息.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct H5Info {
    /// 场景类型: `iOS`, `Android` or `Wap`.
    #[serde(rename = "type")]
    pub kind: String,
    /// 应用名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    /// 网站URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    /// iOS平台BundleID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Android平台PackageName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
}

/// The answer to [`H5Prepay`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct H5PrepayResponse {
    /// 支付跳转链接: open it in the browser to start paying (valid for 5 minutes).
    pub h5_url: String,
}

/// Native下单: an order paid by scanning a QR code.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/native-payment/direct-jsons/native-prepay.html>.
#[endpoint(POST, "v3/pay/transactions/native", response = NativePrepayResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativePrepay {
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// 场景信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<SceneInfo>,
}

/// The answer to [`NativePrepay`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NativePrepayResponse {
    /// 二维码链接: show it as a QR code.
    pub code_url: String,
}

/// 微信支付订单号查询订单: an order by WeChat Pay's transaction id.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/jsapi-payment/query-by-wx-trade-no.html>.
#[endpoint(GET, "v3/pay/transactions/id/{transaction_id}", response = Transaction)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryTransactionById {
    /// 微信支付订单号.
    pub transaction_id: String,
    /// 直连商户号 (query string).
    pub mchid: String,
}

/// 商户订单号查询订单: an order by the merchant's order number.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/jsapi-payment/query-by-out-trade-no.html>.
#[endpoint(GET, "v3/pay/transactions/out-trade-no/{out_trade_no}", response = Transaction)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryTransactionByOutTradeNo {
    /// 商户订单号.
    pub out_trade_no: String,
    /// 直连商户号 (query string).
    pub mchid: String,
}

/// 关闭订单: closes an unpaid order. Answers `204 No Content`.
///
/// Official documentation:
/// <https://pay.weixin.qq.com/docs/merchant/apis/jsapi-payment/close-order.html>.
#[endpoint(POST, "v3/pay/transactions/out-trade-no/{out_trade_no}/close", response = ())]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseTransaction {
    /// 商户订单号.
    pub out_trade_no: String,
    /// 直连商户号 (body).
    pub mchid: String,
}

/// An order, as the order queries answer it (and as the `TRANSACTION.SUCCESS` callback carries it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// 应用ID.
    pub appid: String,
    /// 直连商户号.
    pub mchid: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号: absent until paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// 交易类型: absent until paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<TradeType>,
    /// 交易状态.
    pub trade_state: TradeState,
    /// 交易状态描述.
    pub trade_state_desc: String,
    /// 付款银行 (bank type code, `OTHERS` for balance and others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// 附加数据, as sent with the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// 支付完成时间, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// 支付者.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// 订单金额.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
    /// 场景信息.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<TransactionSceneInfo>,
    /// 优惠功能: the discounts applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
}

wechatpay::__open_enum! {
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

wechatpay::__open_enum! {
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

/// 订单金额 of a queried order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionAmount {
    /// 总金额, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// 用户支付金额, in fen: absent until paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<u64>,
    /// 货币类型.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// 用户支付币种.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// 场景信息 of a queried order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionSceneInfo {
    /// 商户端设备号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// One discount applied to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PromotionDetail {
    /// 券ID (WeChat Pay's own models make it optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_id: Option<String>,
    /// 优惠名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 优惠范围.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<PromotionScope>,
    /// 优惠类型.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<PromotionType>,
    /// 优惠券面额, in fen (WeChat Pay's own models make it optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// 活动ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_id: Option<String>,
    /// 微信出资, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_contribute: Option<u64>,
    /// 商户出资, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_contribute: Option<u64>,
    /// 其他出资, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_contribute: Option<u64>,
    /// 优惠币种.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// 单品列表.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<PromotionGoodsDetail>>,
}

wechatpay::__open_enum! {
    /// 优惠范围.
    pub enum PromotionScope {
        /// `GLOBAL`: 全场代金券.
        Global = "GLOBAL",
        /// `SINGLE`: 单品优惠.
        Single = "SINGLE",
    }
}

wechatpay::__open_enum! {
    /// 优惠类型 of an order's discount.
    pub enum PromotionType {
        /// `CASH`: 充值.
        Cash = "CASH",
        /// `NOCASH`: 预充值 (免充值).
        NoCash = "NOCASH",
    }
}

/// One item a discount applied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PromotionGoodsDetail {
    /// 商品编码.
    pub goods_id: String,
    /// 商品数量.
    pub quantity: u32,
    /// 商品单价, in fen.
    pub unit_price: u64,
    /// 商品优惠金额, in fen.
    pub discount_amount: u64,
    /// 商品备注.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_remark: Option<String>,
}
