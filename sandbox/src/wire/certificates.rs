//! 下载平台证书 (`GET v3/certificates`): the platform certificates currently valid for the merchant.
//!
//! Merchants that verify with platform certificates download them here; each certificate arrives
//! encrypted with the APIv3 key. `Client::refresh_certificates`
//! downloads, decrypts and installs them, and the client does so on its own on a schedule and on
//! an unknown `Wechatpay-Serial`. Merchants that use a WeChat Pay public key (`PUB_KEY_ID_…`) never
//! call this endpoint: for them it answers `404 RESOURCE_NOT_EXISTS`.

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;

/// 下载平台证书: lists the platform certificates, encrypted with the APIv3 key.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4012551764>.
#[endpoint(GET, "v3/certificates", response = CertificateList)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadCertificates {
    /// 证书算法类型: `RSA` (the default when absent) or `SM2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm_type: Option<String>,
}

/// The answer to [`DownloadCertificates`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateList {
    /// 平台证书列表 (empty when WeChat Pay leaves it out: its own SDK models make it optional).
    #[serde(default)]
    pub data: Vec<EncryptedCertificate>,
}

/// One platform certificate as listed, still encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedCertificate {
    /// 证书序列号 (hex).
    pub serial_no: String,
    /// 证书启用时间 (RFC 3339).
    pub effective_time: String,
    /// 证书弃用时间 (RFC 3339).
    pub expire_time: String,
    /// 证书信息: the certificate PEM, encrypted.
    pub encrypt_certificate: EncryptCertificate,
}

/// An `AEAD_AES_256_GCM`-encrypted certificate; decrypt with `ApiV3Key::decrypt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptCertificate {
    /// 加密证书的算法: `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// 加密证书的随机串.
    pub nonce: String,
    /// 加密证书的附加数据: `certificate`.
    pub associated_data: String,
    /// 加密后的证书内容: Base64 of ciphertext ‖ tag.
    pub ciphertext: String,
}
