//! 安全 (security): checks that a merchant signs, verifies and decrypts correctly.

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;

/// 商户签名验签／加解密测试 (security echo): WeChat Pay verifies the request's signature, answers
/// the message back signed, and, when `notify_url` is given, sends a `SECURITY_ECHO.SUCCESS`
/// callback there, so a merchant can test request signing, answer verification and its callback
/// endpoint in one call without touching money.
///
/// WeChat Pay answers `200` with the echoed message (not `204`). The optional
/// `encrypted_echo_message` request field (RSA-OAEP with the WeChat Pay key) is not declared:
/// sensitive-field encryption is not supported by `#[endpoint]` yet; send it through
/// `Client::request` when needed.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4014551946>.
///
#[endpoint(POST, "v3/security/echo", response = SecurityEchoResponse)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEcho {
    /// 回显信息: returned unchanged.
    pub echo_message: String,
    /// 商户回调地址: where to send the `SECURITY_ECHO.SUCCESS` callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
}

/// The answer to [`SecurityEcho`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecurityEchoResponse {
    /// 回显信息, as sent.
    pub echo_message: String,
    /// 加密测试字段: encrypted with the merchant's public key, when the request carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_echo_message: Option<String>,
}
