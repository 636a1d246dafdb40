//! Front-end pay-sign: the parameter sets a JSAPI page, a mini program or an app needs to open the
//! WeChat Pay cashier for a `prepay_id`, signed with the merchant key.
//!
//! The signed messages are newline-terminated lines, like every APIv3 signature:
//! JSAPI and mini programs sign `appId\ntimeStamp\nnonceStr\npackage\n`; apps sign
//! `appid\ntimestamp\nnoncestr\nprepayid\n`.

use serde::{Deserialize, Serialize};

use crate::Client;
use crate::auth::unix_now;

/// The parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` and `wx.requestPayment(…)`,
/// serialized with the front ends' own key spellings (`appId`, `timeStamp`, `paySign`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsapiPayParams {
    /// The AppID the order was placed under.
    pub app_id: String,
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// A 32-character random string.
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// Always `RSA`.
    pub sign_type: String,
    /// Base64 RSA-SHA256 signature of `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub pay_sign: String,
}

/// The parameters of the app SDK's `PayReq` (`OpenSDK`), with its key spellings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPayParams {
    /// The mobile app's AppID.
    pub appid: String,
    /// The merchant id.
    pub partnerid: String,
    /// The `prepay_id` of the order.
    pub prepayid: String,
    /// Always `Sign=WXPay`.
    pub package: String,
    /// A 32-character random string.
    pub noncestr: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// Base64 RSA-SHA256 signature of `appid\ntimestamp\nnoncestr\nprepayid\n`.
    pub sign: String,
}

/// Joins `lines`, each ending in `\n`.
fn message(lines: &[&str]) -> Vec<u8> {
    let mut message = Vec::new();
    for line in lines {
        message.extend_from_slice(line.as_bytes());
        message.push(b'\n');
    }
    message
}

impl Client {
    /// Signs the parameters a JSAPI page or a mini program passes to WeChat to pay `prepay_id`
    /// (from `v3/pay/transactions/jsapi`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wechatpay::Error> {
    /// # let sandbox = wechatpay_sandbox::Sandbox::start().await?;
    /// # let client = sandbox.client()?;
    /// let params = client.jsapi_pay_params("wxd678efh567hg6787", "wx201410272009395522657a690389285100")?;
    /// assert_eq!(params.package, "prepay_id=wx201410272009395522657a690389285100");
    /// assert_eq!(params.sign_type, "RSA");
    /// let json = serde_json::to_value(&params).unwrap();
    /// assert!(json.get("paySign").is_some() && json.get("timeStamp").is_some());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when the system random number generator fails.
    pub fn jsapi_pay_params(
        &self,
        appid: &str,
        prepay_id: &str,
    ) -> Result<JsapiPayParams, crate::Error> {
        let nonce = crate::crypto::try_nonce()?;
        Ok(self.jsapi_pay_params_at(appid, prepay_id, unix_now(), &nonce))
    }

    /// As [`Client::jsapi_pay_params`], with the timestamp and nonce given (for tests and replays).
    pub fn jsapi_pay_params_at(
        &self,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> JsapiPayParams {
        let time_stamp = timestamp.to_string();
        let package = format!("prepay_id={prepay_id}");
        let pay_sign = self.sign_base64(&message(&[appid, &time_stamp, nonce, &package]));
        JsapiPayParams {
            app_id: appid.to_owned(),
            time_stamp,
            nonce_str: nonce.to_owned(),
            package,
            sign_type: "RSA".to_owned(),
            pay_sign,
        }
    }

    /// Signs the parameters an app passes to the WeChat SDK to pay `prepay_id`
    /// (from `v3/pay/transactions/app`).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when the system random number generator fails.
    pub fn app_pay_params(
        &self,
        appid: &str,
        prepay_id: &str,
    ) -> Result<AppPayParams, crate::Error> {
        let nonce = crate::crypto::try_nonce()?;
        Ok(self.app_pay_params_at(appid, prepay_id, unix_now(), &nonce))
    }

    /// As [`Client::app_pay_params`], with the timestamp and nonce given (for tests and replays).
    pub fn app_pay_params_at(
        &self,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> AppPayParams {
        let timestamp = timestamp.to_string();
        let sign = self.sign_base64(&message(&[appid, &timestamp, nonce, prepay_id]));
        AppPayParams {
            appid: appid.to_owned(),
            partnerid: self.mchid().to_owned(),
            prepayid: prepay_id.to_owned(),
            package: "Sign=WXPay".to_owned(),
            noncestr: nonce.to_owned(),
            timestamp,
            sign,
        }
    }
}

#[path = "paysign_check.rs"]
pub mod check;

/// The parameters of a mini program's `wx.requestPayment(…)`: the JSAPI set without `appId`
/// (the mini program's own AppID is implied), signed over the same four lines
/// `appId\ntimeStamp\nnonceStr\npackage\n`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MiniProgramPayParams {
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// A 32-character random string.
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// Always `RSA`.
    pub sign_type: String,
    /// Base64 RSA-SHA256 signature of `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub pay_sign: String,
}

impl From<JsapiPayParams> for MiniProgramPayParams {
    fn from(params: JsapiPayParams) -> Self {
        Self {
            time_stamp: params.time_stamp,
            nonce_str: params.nonce_str,
            package: params.package,
            sign_type: params.sign_type,
            pay_sign: params.pay_sign,
        }
    }
}

/// The payscore mini program's `businessType` for the order confirmation page (确认订单页).
pub const PAYSCORE_CONFIRM_BUSINESS_TYPE: &str = "wxpayScoreUse";
/// The payscore mini program's `businessType` for the order detail page (订单详情页).
pub const PAYSCORE_DETAIL_BUSINESS_TYPE: &str = "wxpayScoreDetail";
/// The `businessType` of the merchant transfer confirmation (商家转账用户确认) in the app SDKs.
pub const MERCHANT_TRANSFER_BUSINESS_TYPE: &str = "requestMerchantTransfer";

/// The `extraData` of the payscore order confirmation page (`businessType: wxpayScoreUse`),
/// after `POST v3/payscore/serviceorder` (创建支付分订单) answered a `package`.
///
/// Signed like an API v2 message: the fields but `sign`, sorted, `k=v&…&key=<APIv2 key>`,
/// HMAC-SHA256 in upper-case hex (`sign_type` is always `HMAC-SHA256`). A mini program passes
/// it as `extraData` to `wx.openBusinessView`; a JSAPI page as `queryString` to
/// `WeixinJSBridge.invoke('openBusinessView', …)`; an app as the `query` of
/// `WXOpenBusinessView` ([`PayscoreConfirmParams::query_string`] for both).
///
/// ```
/// use wechatpay::ApiV2Key;
/// use wechatpay::paysign::PayscoreConfirmParams;
/// let key = ApiV2Key::new("0123456789abcdef0123456789abcdef")?;
/// let params = PayscoreConfirmParams::signed_with("1230000109", "XXXXXXXX", &key, 1530097563, "zyx53Nkey8o4bHpxTQvd8m7e92nG5mG2");
/// assert_eq!(params.sign_type, "HMAC-SHA256");
/// assert_eq!(params.sign.len(), 64);
/// assert!(params.query_string().starts_with("mch_id=1230000109&package=XXXXXXXX&timestamp=1530097563&"));
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayscoreConfirmParams {
    /// 商户号.
    pub mch_id: String,
    /// The `package` of the service order's answer.
    pub package: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// A random string of at most 32 letters and digits.
    pub nonce_str: String,
    /// Always `HMAC-SHA256`.
    pub sign_type: String,
    /// HMAC-SHA256 (APIv2 key) of the other fields, upper-case hex.
    pub sign: String,
}

impl PayscoreConfirmParams {
    /// The set for `package`, signed with an explicit merchant id and APIv2 key.
    pub fn signed_with(
        mch_id: &str,
        package: &str,
        key: &crate::ApiV2Key,
        timestamp: i64,
        nonce: &str,
    ) -> Self {
        let timestamp = timestamp.to_string();
        let sign = payscore_sign(
            &[
                ("mch_id", mch_id),
                ("package", package),
                ("timestamp", &timestamp),
                ("nonce_str", nonce),
            ],
            key,
        );
        Self {
            mch_id: mch_id.to_owned(),
            package: package.to_owned(),
            timestamp,
            nonce_str: nonce.to_owned(),
            sign_type: crate::v2::SignType::HmacSha256.as_str().to_owned(),
            sign,
        }
    }

    /// `key=value&…` with the values URL-encoded: the `queryString` (JSAPI) or `query` (app).
    pub fn query_string(&self) -> String {
        query_string(&[
            ("mch_id", &self.mch_id),
            ("package", &self.package),
            ("timestamp", &self.timestamp),
            ("nonce_str", &self.nonce_str),
            ("sign_type", &self.sign_type),
            ("sign", &self.sign),
        ])
    }
}

/// The `extraData` of the payscore order detail page (`businessType: wxpayScoreDetail`), signed
/// like [`PayscoreConfirmParams`] over `mch_id`, `service_id`, `out_order_no`, `timestamp`,
/// `nonce_str` and `sign_type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayscoreDetailParams {
    /// 商户号.
    pub mch_id: String,
    /// 服务ID.
    pub service_id: String,
    /// 商户服务订单号.
    pub out_order_no: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// A random string of at most 32 letters and digits.
    pub nonce_str: String,
    /// Always `HMAC-SHA256`.
    pub sign_type: String,
    /// HMAC-SHA256 (APIv2 key) of the other fields, upper-case hex.
    pub sign: String,
}

impl PayscoreDetailParams {
    /// The set for one service order, signed with an explicit merchant id and APIv2 key.
    pub fn signed_with(
        mch_id: &str,
        service_id: &str,
        out_order_no: &str,
        key: &crate::ApiV2Key,
        timestamp: i64,
        nonce: &str,
    ) -> Self {
        let timestamp = timestamp.to_string();
        let sign = payscore_sign(
            &[
                ("mch_id", mch_id),
                ("service_id", service_id),
                ("out_order_no", out_order_no),
                ("timestamp", &timestamp),
                ("nonce_str", nonce),
            ],
            key,
        );
        Self {
            mch_id: mch_id.to_owned(),
            service_id: service_id.to_owned(),
            out_order_no: out_order_no.to_owned(),
            timestamp,
            nonce_str: nonce.to_owned(),
            sign_type: crate::v2::SignType::HmacSha256.as_str().to_owned(),
            sign,
        }
    }

    /// `key=value&…` with the values URL-encoded: the `queryString` (JSAPI) or `query` (app).
    pub fn query_string(&self) -> String {
        query_string(&[
            ("mch_id", &self.mch_id),
            ("service_id", &self.service_id),
            ("out_order_no", &self.out_order_no),
            ("timestamp", &self.timestamp),
            ("nonce_str", &self.nonce_str),
            ("sign_type", &self.sign_type),
            ("sign", &self.sign),
        ])
    }
}

/// The payscore `sign`: the fields and `sign_type=HMAC-SHA256`, APIv2 style.
pub(crate) fn payscore_sign(fields: &[(&str, &str)], key: &crate::ApiV2Key) -> String {
    let sign_type = crate::v2::SignType::HmacSha256;
    crate::v2::sign(
        fields
            .iter()
            .copied()
            .chain([("sign_type", sign_type.as_str())]),
        key,
        sign_type,
    )
}

/// `key=value&…`, each value URL-encoded (RFC 3986 unreserved characters kept).
fn query_string(pairs: &[(&str, &str)]) -> String {
    const VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{name}={}",
                percent_encoding::utf8_percent_encode(value, VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Where a papay pre-sign answer sends the user to sign, as the front end opens it. The
/// pre-sign id carries the contract; nothing is signed on the front end.
///
/// ```
/// use wechatpay::paysign::PapaySignPage;
/// let page = PapaySignPage::mini_program("wxbd687630cd02ce1d", "pages/index/index", "5778aadY9nltAsZzXixCkFIGYnV2V");
/// let json = serde_json::to_value(&page).unwrap();
/// assert_eq!(json["extraData"]["pre_entrustweb_id"], "5778aadY9nltAsZzXixCkFIGYnV2V");
/// assert_eq!(json["appId"], "wxbd687630cd02ce1d");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PapaySignPage {
    /// A mini program calls `wx.navigateToMiniProgram({appId, path, extraData})` with these
    /// (from the mini-program pre-sign: `redirect_appid`, `redirect_path`, `pre_entrustweb_id`).
    MiniProgram {
        /// The signing mini program's AppID (`redirect_appid`).
        #[serde(rename = "appId")]
        app_id: String,
        /// Its page (`redirect_path`).
        path: String,
        /// `{"pre_entrustweb_id": …}`.
        #[serde(rename = "extraData")]
        extra_data: PreEntrustwebId,
    },
    /// An app opens the signing mini program with the open SDK's `WXLaunchMiniProgram`
    /// (`userName`, `path`, `miniprogramType` 0: the release version), from the app pre-sign's
    /// `mini_program_username`/`miniprogram_username` and `…_path`.
    App {
        /// The signing mini program's username (`gh_…`).
        #[serde(rename = "userName")]
        user_name: String,
        /// Its page, with the pre-sign in the query.
        path: String,
        /// Always `0`.
        #[serde(rename = "miniprogramType")]
        miniprogram_type: u8,
    },
    /// A page (JSAPI or mobile browser) sets `window.location.href` to this URL (not
    /// `location.replace`); the QR-code scene shows it as a QR code.
    Redirect {
        /// `redirect_url` of the pre-sign answer.
        redirect_url: String,
    },
}

/// `{"pre_entrustweb_id": …}`, the `extraData` of the signing mini program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreEntrustwebId {
    /// 预签约ID.
    pub pre_entrustweb_id: String,
}

impl PapaySignPage {
    /// The mini-program page: `redirect_appid`, `redirect_path` and `pre_entrustweb_id`.
    pub fn mini_program(app_id: &str, path: &str, pre_entrustweb_id: &str) -> Self {
        PapaySignPage::MiniProgram {
            app_id: app_id.to_owned(),
            path: path.to_owned(),
            extra_data: PreEntrustwebId {
                pre_entrustweb_id: pre_entrustweb_id.to_owned(),
            },
        }
    }

    /// `WXLaunchMiniProgram` to `user_name` at `path`, release version.
    pub fn app(user_name: &str, path: &str) -> Self {
        PapaySignPage::App {
            user_name: user_name.to_owned(),
            path: path.to_owned(),
            miniprogram_type: 0,
        }
    }

    /// A redirect to `redirect_url` (JSAPI and H5 pre-signs, the QR-code scene).
    pub fn from_redirect_url(redirect_url: &str) -> Self {
        PapaySignPage::Redirect {
            redirect_url: redirect_url.to_owned(),
        }
    }
}

/// The parameters of the merchant transfer confirmation (商家转账, 用户确认收款), after
/// `POST v3/fund-app/mch-transfer/transfer-bills` answered `package_info`. Nothing is signed:
/// `package` carries the bill.
///
/// - JSAPI: `WeixinJSBridge.invoke('requestMerchantTransfer', {mchId, appId, package}, cb)`.
/// - Mini program: `wx.requestMerchantTransfer({mchId, appId, package, success, fail})`.
/// - Android and iOS: the open SDK's `WXOpenBusinessView` with `businessType`
///   [`MERCHANT_TRANSFER_BUSINESS_TYPE`] and `query` [`MerchantTransferParams::query_string`].
///
/// ```
/// use wechatpay::paysign::MerchantTransferParams;
/// let params = MerchantTransferParams::new("1230000109", "wxd678efh567hg6787", "ABBQO+oYAAABAAAAAACx==");
/// let json = serde_json::to_value(&params).unwrap();
/// assert_eq!(json["mchId"], "1230000109");
/// assert_eq!(
///     params.query_string(),
///     "mchId=1230000109&appId=wxd678efh567hg6787&package=ABBQO%2BoYAAABAAAAAACx%3D%3D"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantTransferParams {
    /// 商户号: the merchant that made the transfer bill.
    pub mch_id: String,
    /// The AppID the bill was made for (its `appid`).
    pub app_id: String,
    /// The bill's `package_info`.
    pub package: String,
}

impl MerchantTransferParams {
    /// The set for one transfer bill.
    pub fn new(mch_id: &str, app_id: &str, package_info: &str) -> Self {
        Self {
            mch_id: mch_id.to_owned(),
            app_id: app_id.to_owned(),
            package: package_info.to_owned(),
        }
    }

    /// `mchId=…&appId=…&package=…`, URL-encoded: the app SDKs' `query`.
    pub fn query_string(&self) -> String {
        query_string(&[
            ("mchId", &self.mch_id),
            ("appId", &self.app_id),
            ("package", &self.package),
        ])
    }
}

impl Client {
    /// Signs the parameters of a mini program's `wx.requestPayment` for `prepay_id` (from
    /// `v3/pay/transactions/jsapi` with the mini program's AppID).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wechatpay::Error> {
    /// # let sandbox = wechatpay_sandbox::Sandbox::start().await?;
    /// # let client = sandbox.client()?;
    /// let params = client.mini_program_pay_params("wxd678efh567hg6787", "wx201410272009395522657a690389285100")?;
    /// let json = serde_json::to_value(&params).unwrap();
    /// assert!(json.get("appId").is_none() && json.get("paySign").is_some());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when the system random number generator fails.
    pub fn mini_program_pay_params(
        &self,
        appid: &str,
        prepay_id: &str,
    ) -> Result<MiniProgramPayParams, crate::Error> {
        self.jsapi_pay_params(appid, prepay_id).map(Into::into)
    }

    /// Signs the payscore order confirmation page's parameters for the `package` of a service
    /// order, with the client's merchant id and APIv2 key.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) without an APIv2 key, or when the random number
    /// generator fails.
    pub fn payscore_confirm_params(
        &self,
        package: &str,
    ) -> Result<PayscoreConfirmParams, crate::Error> {
        let key = self.payscore_key()?;
        let nonce = crate::crypto::try_nonce()?;
        Ok(PayscoreConfirmParams::signed_with(
            self.mchid(),
            package,
            key,
            unix_now(),
            &nonce,
        ))
    }

    /// Signs the payscore order detail page's parameters for one service order, with the
    /// client's merchant id and APIv2 key.
    ///
    /// # Errors
    /// As [`Client::payscore_confirm_params`].
    pub fn payscore_detail_params(
        &self,
        service_id: &str,
        out_order_no: &str,
    ) -> Result<PayscoreDetailParams, crate::Error> {
        let key = self.payscore_key()?;
        let nonce = crate::crypto::try_nonce()?;
        Ok(PayscoreDetailParams::signed_with(
            self.mchid(),
            service_id,
            out_order_no,
            key,
            unix_now(),
            &nonce,
        ))
    }

    /// The merchant transfer confirmation's parameters for a transfer bill's `package_info`,
    /// with the client's merchant id.
    pub fn merchant_transfer_params(
        &self,
        appid: &str,
        package_info: &str,
    ) -> MerchantTransferParams {
        MerchantTransferParams::new(self.mchid(), appid, package_info)
    }

    fn payscore_key(&self) -> Result<&crate::ApiV2Key, crate::Error> {
        self.apiv2_key().ok_or_else(|| {
            crate::Error::Config(
                "the payscore pages are signed with the APIv2 key (HMAC-SHA256): call .apiv2_key(…) on the client builder or set WECHATPAY_APIV2_KEY".into(),
            )
        })
    }
}
