//! 分账 (profit sharing): receivers. Adding a receiver sends the receiver's name as a sensitive
//! field, RSA-OAEP encrypted under the WeChat Pay key, which the client does on its own.

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;

/// 添加分账接收方: registers who may receive shares of this merchant's payments.
///
/// `name` is encrypted by `Client::send` with the WeChat Pay public key (or
/// the newest platform certificate), and the request names that key in `Wechatpay-Serial`.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4012525207>.
#[endpoint(POST, "v3/profitsharing/receivers/add", response = AddReceiverResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddReceiver {
    /// 应用ID.
    pub appid: String,
    /// 分账接收方类型.
    #[serde(rename = "type")]
    pub receiver_type: ReceiverType,
    /// 分账接收方账号: a merchant id or an OpenID, as `receiver_type` says.
    pub account: String,
    /// 分账个人接收方姓名 / 商户全称: required for `MERCHANT_ID`; sent encrypted.
    #[wechatpay(encrypt)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 与分账方的关系类型.
    pub relation_type: RelationType,
    /// 自定义的分账关系: required when `relation_type` is `CUSTOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_relation: Option<String>,
}

/// The answer to [`AddReceiver`]. `name`, when present, is encrypted to the merchant key:
/// read it with `Client::decrypt_sensitive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddReceiverResponse {
    /// 分账接收方类型.
    #[serde(rename = "type")]
    pub receiver_type: ReceiverType,
    /// 分账接收方账号.
    pub account: String,
    /// 分账接收方全称, encrypted to the merchant key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 与分账方的关系类型.
    pub relation_type: RelationType,
    /// 自定义的分账关系.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_relation: Option<String>,
}

wechatpay::__open_enum! {
    /// 分账接收方类型.
    pub enum ReceiverType {
        /// `MERCHANT_ID`: a merchant.
        MerchantId = "MERCHANT_ID",
        /// `PERSONAL_OPENID`: a person, by OpenID under `appid`.
        PersonalOpenid = "PERSONAL_OPENID",
    }
}

wechatpay::__open_enum! {
    /// 与分账方的关系类型.
    #[allow(missing_docs)] // each variant is its wire name, documented by WeChat Pay
    pub enum RelationType {
        ServiceProvider = "SERVICE_PROVIDER",
        Store = "STORE",
        Staff = "STAFF",
        StoreOwner = "STORE_OWNER",
        Partner = "PARTNER",
        Headquarter = "HEADQUARTER",
        Brand = "BRAND",
        Distributor = "DISTRIBUTOR",
        User = "USER",
        Supplier = "SUPPLIER",
        Custom = "CUSTOM",
    }
}
