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
