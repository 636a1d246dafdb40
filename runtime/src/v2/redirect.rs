//! Signed URLs of the papay v2 sign pages, which are opened by the user's browser rather than
//! called: `papay/entrustweb` (official accounts) and `papay/h5entrustweb` (mobile web).
//!
//! The URL's query holds the fields sorted by name, each value percent-encoded, and `sign`
//! computed over the values as they are (not encoded), like any v2 signature.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{ApiV2Key, Fields, SignType, pairs, sign, xml::is_field_name};
use crate::Client;
use crate::error::Error;

/// Everything but the RFC 3986 unreserved characters is percent-encoded in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// 公众号纯签约 (`papay/entrustweb`): the page an official-account user signs a contract on.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter3_1.shtml>.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrustWeb {
    /// 模板id.
    pub plan_id: u64,
    /// 签约协议号: the merchant's contract number.
    pub contract_code: String,
    /// 请求序列号: unique per merchant, increasing.
    pub request_serial: u64,
    /// 用户账户展示名称.
    pub contract_display_account: String,
    /// 回调通知url: where the contract notification goes.
    pub notify_url: String,
    /// 时间戳: Unix seconds (WeChat Pay refuses stale ones).
    pub timestamp: i64,
    /// 返回web: `1` to return to the merchant's page after signing.
    pub return_web: Option<u8>,
}

/// H5纯签约 (`papay/h5entrustweb`): the page a mobile-browser user signs a contract on.
///
/// Official documentation: <https://pay.weixin.qq.com/wiki/doc/api/wxpay_v2/papay/chapter3_2.shtml>.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H5EntrustWeb {
    /// 模板id.
    pub plan_id: u64,
    /// 签约协议号.
    pub contract_code: String,
    /// 请求序列号.
    pub request_serial: u64,
    /// 用户账户展示名称.
    pub contract_display_account: String,
    /// 回调通知url.
    pub notify_url: String,
    /// 时间戳: Unix seconds.
    pub timestamp: i64,
    /// 客户端 IP: the user's IP.
    pub clientip: String,
    /// 回调应用appid.
    pub return_appid: Option<String>,
}

impl EntrustWeb {
    /// The signed URL on the client's host, with its `appid`, merchant id and APIv2 key (MD5).
    ///
    /// # Errors
    /// [`Error::Config`] when the client has no APIv2 key or no `appid`.
    pub fn signed_url(&self, client: &Client) -> Result<String, Error> {
        let (base, appid, key) = client_parts(client)?;
        Ok(self.signed_url_with(&base, appid, client.mchid(), key, SignType::Md5))
    }

    /// The signed URL for explicit settings: `base` such as `https://api.mch.weixin.qq.com/`.
    pub fn signed_url_with(
        &self,
        base: &str,
        appid: &str,
        mch_id: &str,
        key: &ApiV2Key,
        sign_type: SignType,
    ) -> String {
        let mut fields = common(
            appid,
            mch_id,
            self.plan_id,
            &self.contract_code,
            self.request_serial,
            &self.contract_display_account,
            &self.notify_url,
            self.timestamp,
        );
        if let Some(return_web) = self.return_web {
            fields.push(("return_web".into(), return_web.to_string()));
        }
        signed_url(base, "papay/entrustweb", fields, key, sign_type)
    }
}

impl H5EntrustWeb {
    /// The signed URL on the client's host, with its `appid`, merchant id and APIv2 key
    /// (HMAC-SHA256, which the H5 page asks for).
    ///
    /// # Errors
    /// [`Error::Config`] when the client has no APIv2 key or no `appid`.
    pub fn signed_url(&self, client: &Client) -> Result<String, Error> {
        let (base, appid, key) = client_parts(client)?;
        Ok(self.signed_url_with(&base, appid, client.mchid(), key, SignType::HmacSha256))
    }

    /// The signed URL for explicit settings.
    pub fn signed_url_with(
        &self,
        base: &str,
        appid: &str,
        mch_id: &str,
        key: &ApiV2Key,
        sign_type: SignType,
    ) -> String {
        let mut fields = common(
            appid,
            mch_id,
            self.plan_id,
            &self.contract_code,
            self.request_serial,
            &self.contract_display_account,
            &self.notify_url,
            self.timestamp,
        );
        fields.push(("clientip".into(), self.clientip.clone()));
        if let Some(return_appid) = &self.return_appid {
            fields.push(("return_appid".into(), return_appid.clone()));
        }
        if sign_type != SignType::Md5 {
            fields.push(("sign_type".into(), sign_type.as_str().into()));
        }
        signed_url(base, "papay/h5entrustweb", fields, key, sign_type)
    }
}

fn client_parts(client: &Client) -> Result<(String, &str, &ApiV2Key), Error> {
    let key = client.apiv2_key().ok_or_else(|| {
        Error::Config(
            "sign-page URLs are signed with the APIv2 key: call .apiv2_key(…) or set WECHATPAY_APIV2_KEY".into(),
        )
    })?;
    let appid = client.appid().ok_or_else(|| {
        Error::Config(
            "sign-page URLs carry the appid: call .appid(…) or set WECHATPAY_APPID".into(),
        )
    })?;
    Ok((client.base_url(), appid, key))
}

#[allow(clippy::too_many_arguments)]
fn common(
    appid: &str,
    mch_id: &str,
    plan_id: u64,
    contract_code: &str,
    request_serial: u64,
    contract_display_account: &str,
    notify_url: &str,
    timestamp: i64,
) -> Fields {
    vec![
        ("appid".into(), appid.into()),
        ("mch_id".into(), mch_id.into()),
        ("plan_id".into(), plan_id.to_string()),
        ("contract_code".into(), contract_code.into()),
        ("request_serial".into(), request_serial.to_string()),
        (
            "contract_display_account".into(),
            contract_display_account.into(),
        ),
        ("notify_url".into(), notify_url.into()),
        ("version".into(), "1.0".into()),
        ("timestamp".into(), timestamp.to_string()),
    ]
}

/// `base` + `path` + `?` + the fields sorted by name, percent-encoded, then `sign`.
fn signed_url(
    base: &str,
    path: &str,
    mut fields: Fields,
    key: &ApiV2Key,
    sign_type: SignType,
) -> String {
    fields.retain(|(name, value)| is_field_name(name) && !value.is_empty());
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let signature = sign(pairs(&fields), key, sign_type);
    let mut url = format!("{}/{path}?", base.trim_end_matches('/'));
    for (name, value) in &fields {
        url.push_str(name);
        url.push('=');
        url.extend(utf8_percent_encode(value, QUERY_VALUE));
        url.push('&');
    }
    url.push_str("sign=");
    url.push_str(&signature);
    url
}
