//! Checks a front-end parameter set that a page or an app reports as failing ("支付验证签名失败",
//! "调用支付JSAPI缺少参数", a payscore page that does not open) and says exactly what is wrong: key
//! spelling, a missing or non-string value, `signType`, `package`, the timestamp's unit, the
//! AppID and merchant id pairing, and the signature against the merchant key (RSA) or the APIv2
//! key (payscore, HMAC-SHA256).
//!
//! ```
//! use wechatpay::paysign::check::{Expected, ParamsKind, Problem, check};
//! let params = serde_json::json!({
//!     "appid": "wxd678efh567hg6787", "timeStamp": "1414561699", "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
//!     "package": "prepay_id=wx201410272009395522657a690389285100", "signType": "MD5", "paySign": "…",
//! });
//! let problems = check(&params, ParamsKind::Jsapi, &Expected::default());
//! assert!(problems.iter().any(|p| matches!(p, Problem::KeyCase { expected: "appId", .. })));
//! assert!(problems.iter().any(|p| matches!(p, Problem::WrongSignType { .. })));
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use crate::ApiV2Key;
use crate::keys::PublicKey;

/// Which front-end call a parameter set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamsKind {
    /// `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` (JSAPI, official-account pages).
    Jsapi,
    /// `wx.requestPayment(…)` (mini programs; no `appId`).
    MiniProgram,
    /// The open SDK's `PayReq` (apps).
    App,
    /// The payscore order confirmation page (`wxpayScoreUse`).
    PayscoreConfirm,
    /// The payscore order detail page (`wxpayScoreDetail`).
    PayscoreDetail,
    /// `requestMerchantTransfer` (the merchant transfer confirmation).
    MerchantTransfer,
}

impl ParamsKind {
    /// Every kind, in the order of their names.
    pub const ALL: [ParamsKind; 6] = [
        ParamsKind::Jsapi,
        ParamsKind::MiniProgram,
        ParamsKind::App,
        ParamsKind::PayscoreConfirm,
        ParamsKind::PayscoreDetail,
        ParamsKind::MerchantTransfer,
    ];

    /// The name used on the command line: `jsapi`, `mini-program`, `app`, `payscore-confirm`,
    /// `payscore-detail`, `merchant-transfer`.
    pub fn name(self) -> &'static str {
        match self {
            ParamsKind::Jsapi => "jsapi",
            ParamsKind::MiniProgram => "mini-program",
            ParamsKind::App => "app",
            ParamsKind::PayscoreConfirm => "payscore-confirm",
            ParamsKind::PayscoreDetail => "payscore-detail",
            ParamsKind::MerchantTransfer => "merchant-transfer",
        }
    }

    /// The kind of a name given by [`ParamsKind::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The keys the front end requires, spelled as it requires them.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            ParamsKind::Jsapi => &[
                "appId",
                "timeStamp",
                "nonceStr",
                "package",
                "signType",
                "paySign",
            ],
            ParamsKind::MiniProgram => &["timeStamp", "nonceStr", "package", "signType", "paySign"],
            ParamsKind::App => &[
                "appid",
                "partnerid",
                "prepayid",
                "package",
                "noncestr",
                "timestamp",
                "sign",
            ],
            ParamsKind::PayscoreConfirm => &[
                "mch_id",
                "package",
                "timestamp",
                "nonce_str",
                "sign_type",
                "sign",
            ],
            ParamsKind::PayscoreDetail => &[
                "mch_id",
                "service_id",
                "out_order_no",
                "timestamp",
                "nonce_str",
                "sign_type",
                "sign",
            ],
            ParamsKind::MerchantTransfer => &["mchId", "appId", "package"],
        }
    }

    /// The kind a parameter set looks like, from its keys (in any letter case).
    pub fn detect(params: &Value) -> Option<Self> {
        let object = params.as_object()?;
        let has = |key: &str| object.keys().any(|k| k.eq_ignore_ascii_case(key));
        if has("paySign") {
            Some(if has("appId") {
                ParamsKind::Jsapi
            } else {
                ParamsKind::MiniProgram
            })
        } else if has("partnerid") || has("prepayid") {
            Some(ParamsKind::App)
        } else if has("service_id") && has("out_order_no") {
            Some(ParamsKind::PayscoreDetail)
        } else if has("mch_id") && has("sign") {
            Some(ParamsKind::PayscoreConfirm)
        } else if has("mchId") && has("package") {
            Some(ParamsKind::MerchantTransfer)
        } else {
            None
        }
    }

    /// Whether the front end takes these keys in exactly this spelling (the app SDKs take the
    /// server's values under their own field names, so any spelling is fine there).
    fn case_sensitive(self) -> bool {
        !matches!(self, ParamsKind::App)
    }
}

impl fmt::Display for ParamsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the parameter set must agree with; what is `None` is not checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected<'a> {
    /// The AppID the order (or bill) was made for. A mini program's set has no `appId`, but its
    /// signature covers it: without this the signature cannot be checked.
    pub appid: Option<&'a str>,
    /// The merchant id.
    pub mchid: Option<&'a str>,
    /// The merchant's public key (of `apiclient_key.pem`, or from `apiclient_cert.pem`), to
    /// check `paySign` / `sign` of JSAPI, mini-program and app sets.
    pub merchant_key: Option<&'a PublicKey>,
    /// The APIv2 key, to check the payscore sets' `sign`.
    pub apiv2_key: Option<&'a ApiV2Key>,
}

/// One thing wrong with a parameter set, worded to be fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The set is not a JSON object.
    NotAnObject,
    /// A key is spelled with other letter case than the front end requires.
    KeyCase {
        /// The key as given.
        found: String,
        /// The key as required.
        expected: &'static str,
    },
    /// A required key is missing.
    Missing {
        /// The key.
        key: &'static str,
    },
    /// A value is not a string (a number timestamp, say).
    NotAString {
        /// The key.
        key: &'static str,
    },
    /// `signType` / `sign_type` is not the one this set is signed with.
    WrongSignType {
        /// The value given.
        found: String,
        /// The value required.
        expected: &'static str,
    },
    /// `package` is not shaped as required.
    WrongPackage {
        /// The value given.
        found: String,
        /// What it must be.
        expected: String,
    },
    /// The timestamp is not Unix seconds (milliseconds, or not a number).
    TimestampNotSeconds {
        /// The value given.
        found: String,
    },
    /// The nonce is longer than 32 characters.
    NonceTooLong {
        /// Its length.
        length: usize,
    },
    /// The AppID is not the one the order was made for.
    AppidMismatch {
        /// The key it was found under.
        key: &'static str,
        /// The value given.
        found: String,
        /// The AppID expected.
        expected: String,
    },
    /// The merchant id is not this merchant's.
    MchidMismatch {
        /// The key it was found under.
        key: &'static str,
        /// The value given.
        found: String,
        /// The merchant id expected.
        expected: String,
    },
    /// The signature is not Base64 (an RSA signature is) or not hex (an HMAC-SHA256 one is).
    MalformedSignature {
        /// The key.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The signature does not verify over the message built from the set's own values.
    BadSignature {
        /// The key.
        key: &'static str,
        /// The message it must sign, newlines shown as `\n` (the APIv2 key left out).
        message: String,
        /// What signs it.
        signer: &'static str,
    },
    /// The signature could not be checked: what is missing to check it.
    SignatureNotChecked {
        /// What to give.
        missing: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotAnObject => f.write_str("the parameters are not a JSON object"),
            Problem::KeyCase { found, expected } => write!(
                f,
                "key `{found}` must be spelled `{expected}` (the front end's names are case-sensitive)"
            ),
            Problem::Missing { key } => write!(f, "`{key}` is missing"),
            Problem::NotAString { key } => write!(
                f,
                "`{key}` must be a string (as \"1414561699\"), not a number or another JSON type"
            ),
            Problem::WrongSignType { found, expected } => {
                write!(f, "the sign type is `{found}`, must be `{expected}`")?;
                if *expected == "RSA" {
                    f.write_str(": an API v3 prepay_id is signed with RSA and the merchant private key, not with the APIv2 key (MD5/HMAC-SHA256 are API v2's)")
                } else {
                    f.write_str(
                        ": the payscore pages are signed with HMAC-SHA256 and the APIv2 key",
                    )
                }
            }
            Problem::WrongPackage { found, expected } => {
                write!(f, "`package` is `{found}`, must be {expected}")
            }
            Problem::TimestampNotSeconds { found } => {
                write!(f, "the timestamp `{found}` is not Unix seconds")?;
                if found.len() == 13 && found.bytes().all(|b| b.is_ascii_digit()) {
                    f.write_str(" (it is milliseconds: divide by 1000)")?;
                }
                Ok(())
            }
            Problem::NonceTooLong { length } => {
                write!(
                    f,
                    "the nonce has {length} characters; at most 32 are allowed"
                )
            }
            Problem::AppidMismatch {
                key,
                found,
                expected,
            } => write!(
                f,
                "`{key}` is `{found}`, but the order was made for AppID `{expected}`: use the AppID of the prepay (and of this page, mini program or app), bound to this merchant"
            ),
            Problem::MchidMismatch {
                key,
                found,
                expected,
            } => write!(
                f,
                "`{key}` is `{found}`, not this merchant's id `{expected}`"
            ),
            Problem::MalformedSignature { key, problem } => write!(f, "`{key}` {problem}"),
            Problem::BadSignature {
                key,
                message,
                signer,
            } => write!(
                f,
                "`{key}` does not verify with {signer} over `{message}`: it was signed with another key, or over other values than these (another timestamp, nonce, package or AppID than sent)"
            ),
            Problem::SignatureNotChecked { missing } => {
                write!(f, "the signature was not checked: {missing}")
            }
        }
    }
}

/// The set's value under `key`, found in any letter case (a mis-cased key is reported).
fn lookup<'v>(
    object: &'v Map<String, Value>,
    key: &'static str,
    case_sensitive: bool,
    problems: &mut Vec<Problem>,
) -> Option<&'v str> {
    let value = match object.get(key) {
        Some(value) => value,
        None => match object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some((found, value)) => {
                if case_sensitive {
                    problems.push(Problem::KeyCase {
                        found: found.clone(),
                        expected: key,
                    });
                }
                value
            }
            None => {
                problems.push(Problem::Missing { key });
                return None;
            }
        },
    };
    match value {
        Value::String(text) => Some(text),
        _ => {
            problems.push(Problem::NotAString { key });
            None
        }
    }
}

/// Checks `params` as the front end call `kind` needs them, against `expected`; an empty list
/// means nothing is wrong that can be seen from here.
pub fn check(params: &Value, kind: ParamsKind, expected: &Expected<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(object) = params.as_object() else {
        return vec![Problem::NotAnObject];
    };
    let case_sensitive = kind.case_sensitive();
    let mut get = |key: &'static str| lookup(object, key, case_sensitive, &mut problems);
    let values: Vec<Option<&str>> = kind.keys().iter().map(|key| get(key)).collect();
    let value = |key: &str| {
        kind.keys()
            .iter()
            .position(|k| *k == key)
            .and_then(|i| values[i])
    };
    let seconds = |key: &'static str, problems: &mut Vec<Problem>| {
        if let Some(found) = value(key)
            && (found.len() > 11 || found.is_empty() || !found.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.push(Problem::TimestampNotSeconds {
                found: found.to_owned(),
            });
        }
    };
    let nonce_key = match kind {
        ParamsKind::Jsapi | ParamsKind::MiniProgram => Some(("timeStamp", "nonceStr")),
        ParamsKind::App => Some(("timestamp", "noncestr")),
        ParamsKind::PayscoreConfirm | ParamsKind::PayscoreDetail => {
            Some(("timestamp", "nonce_str"))
        }
        ParamsKind::MerchantTransfer => None,
    };
    if let Some((timestamp, nonce)) = nonce_key {
        seconds(timestamp, &mut problems);
        if let Some(nonce) = value(nonce)
            && nonce.chars().count() > 32
        {
            problems.push(Problem::NonceTooLong {
                length: nonce.chars().count(),
            });
        }
    }
    let appid_is = |key: &'static str, problems: &mut Vec<Problem>| {
        if let (Some(found), Some(appid)) = (value(key), expected.appid)
            && found != appid
        {
            problems.push(Problem::AppidMismatch {
                key,
                found: found.to_owned(),
                expected: appid.to_owned(),
            });
        }
    };
    let mchid_is = |key: &'static str, problems: &mut Vec<Problem>| {
        if let (Some(found), Some(mchid)) = (value(key), expected.mchid)
            && found != mchid
        {
            problems.push(Problem::MchidMismatch {
                key,
                found: found.to_owned(),
                expected: mchid.to_owned(),
            });
        }
    };
    match kind {
        ParamsKind::Jsapi | ParamsKind::MiniProgram => {
            if kind == ParamsKind::Jsapi {
                appid_is("appId", &mut problems);
            }
            if let Some(found) = value("signType")
                && found != "RSA"
            {
                problems.push(Problem::WrongSignType {
                    found: found.to_owned(),
                    expected: "RSA",
                });
            }
            if let Some(found) = value("package")
                && (!found.starts_with("prepay_id=") || found.len() == "prepay_id=".len())
            {
                problems.push(Problem::WrongPackage {
                    found: found.to_owned(),
                    expected: "`prepay_id=<the prepay_id of the order>`".into(),
                });
            }
            let appid = match kind {
                ParamsKind::Jsapi => value("appId"),
                _ => expected.appid,
            };
            match appid {
                Some(appid) => rsa_check(
                    "paySign",
                    &[
                        appid,
                        value("timeStamp").unwrap_or_default(),
                        value("nonceStr").unwrap_or_default(),
                        value("package").unwrap_or_default(),
                    ],
                    value("paySign"),
                    expected.merchant_key,
                    &mut problems,
                ),
                None => problems.push(Problem::SignatureNotChecked {
                    missing: "a mini program's paySign covers its AppID, which wx.requestPayment does not take: give the AppID (--appid)",
                }),
            }
        }
        ParamsKind::App => {
            appid_is("appid", &mut problems);
            mchid_is("partnerid", &mut problems);
            if let Some(found) = value("package")
                && found != "Sign=WXPay"
            {
                problems.push(Problem::WrongPackage {
                    found: found.to_owned(),
                    expected: "`Sign=WXPay` (the prepay_id goes in `prepayid`)".into(),
                });
            }
            rsa_check(
                "sign",
                &[
                    value("appid").unwrap_or_default(),
                    value("timestamp").unwrap_or_default(),
                    value("noncestr").unwrap_or_default(),
                    value("prepayid").unwrap_or_default(),
                ],
                value("sign"),
                expected.merchant_key,
                &mut problems,
            );
        }
        ParamsKind::PayscoreConfirm | ParamsKind::PayscoreDetail => {
            mchid_is("mch_id", &mut problems);
            if let Some(found) = value("sign_type")
                && found != "HMAC-SHA256"
            {
                problems.push(Problem::WrongSignType {
                    found: found.to_owned(),
                    expected: "HMAC-SHA256",
                });
            }
            let signed: Vec<(&str, &str)> = kind
                .keys()
                .iter()
                .filter(|k| !matches!(**k, "sign" | "sign_type"))
                .map(|k| (*k, value(k).unwrap_or_default()))
                .collect();
            hmac_check(&signed, value("sign"), expected.apiv2_key, &mut problems);
        }
        ParamsKind::MerchantTransfer => {
            mchid_is("mchId", &mut problems);
            appid_is("appId", &mut problems);
            if value("package").is_some_and(str::is_empty) {
                problems.push(Problem::WrongPackage {
                    found: String::new(),
                    expected: "the `package_info` of the transfer bill's answer".into(),
                });
            }
        }
    }
    problems
}

/// Checks an RSA signature over newline-terminated `lines` with the merchant key.
fn rsa_check(
    key: &'static str,
    lines: &[&str],
    signature: Option<&str>,
    merchant_key: Option<&PublicKey>,
    problems: &mut Vec<Problem>,
) {
    let Some(signature) = signature else {
        return;
    };
    let raw = match BASE64.decode(signature.trim()) {
        Ok(raw) => raw,
        Err(e) => {
            problems.push(Problem::MalformedSignature {
                key,
                problem: format!("is not Base64 ({e}); an RSA signature is Base64"),
            });
            return;
        }
    };
    let Some(merchant_key) = merchant_key else {
        problems.push(Problem::SignatureNotChecked {
            missing: "no merchant key: give the merchant private key (WECHATPAY_MERCHANT_PRIVATE_KEY) or its certificate or public key (--merchant-public-key)",
        });
        return;
    };
    let mut message = String::new();
    for line in lines {
        message.push_str(line);
        message.push('\n');
    }
    if !merchant_key.verify(message.as_bytes(), &raw) {
        problems.push(Problem::BadSignature {
            key,
            message: message.replace('\n', "\\n"),
            signer: "the merchant key (RSA-SHA256)",
        });
    }
}

/// Checks a payscore `sign`: HMAC-SHA256 with the APIv2 key over the fields and `sign_type`.
fn hmac_check(
    fields: &[(&str, &str)],
    sign: Option<&str>,
    apiv2_key: Option<&ApiV2Key>,
    problems: &mut Vec<Problem>,
) {
    let Some(sign) = sign else {
        return;
    };
    if sign.len() != 64 || !sign.bytes().all(|b| b.is_ascii_hexdigit()) {
        problems.push(Problem::MalformedSignature {
            key: "sign",
            problem: format!(
                "is {} characters long, not the 64 hex digits of HMAC-SHA256",
                sign.len()
            ),
        });
        return;
    }
    let Some(apiv2_key) = apiv2_key else {
        problems.push(Problem::SignatureNotChecked {
            missing: "no APIv2 key: the payscore pages are signed with it (WECHATPAY_APIV2_KEY)",
        });
        return;
    };
    let expected = super::payscore_sign(fields, apiv2_key);
    if !expected.eq_ignore_ascii_case(sign) {
        let mut sorted: Vec<(&str, &str)> = fields
            .iter()
            .copied()
            .chain([("sign_type", "HMAC-SHA256")])
            .filter(|(_, v)| !v.is_empty())
            .collect();
        sorted.sort_unstable();
        let message = sorted
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        problems.push(Problem::BadSignature {
            key: "sign",
            message: format!("{message}&key=<APIv2 key>"),
            signer: "HMAC-SHA256 and the APIv2 key (not the APIv3 key, not the merchant private key)",
        });
    }
}
