//! Which WeChat Pay key a request names in `Wechatpay-Serial`: the platform certificate, the
//! WeChat Pay public key, or a share of requests moving from one to the other while a merchant
//! migrates.
//!
//! During the move from platform certificates to the WeChat Pay public key, WeChat Pay signs
//! each answer with the key the request named (a platform certificate serial or `PUB_KEY_ID_…`)
//! and switches its callbacks over gradually. A client that holds both keys verifies either;
//! [`WechatpaySerial`] decides which one its requests ask for, so that a merchant can move its
//! traffic over step by step (10 %, 50 %, 100 %) and back if something breaks.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;

/// Which WeChat Pay key every request names in its `Wechatpay-Serial` header, and so which key
/// WeChat Pay signs its answer with (and, for requests with sensitive fields, which key encrypts
/// them). Set with [`ClientBuilder::wechatpay_serial`](crate::ClientBuilder::wechatpay_serial)
/// or `WECHATPAY_PUBLIC_KEY_SHARE`.
///
/// Answers are verified with whichever key signed them, as long as the client holds it: a client
/// that holds both keys accepts answers and callbacks signed by either, whatever it asked for.
///
/// The default is [`WechatpaySerial::PublicKey`] when a WeChat Pay public key is configured,
/// otherwise [`WechatpaySerial::PlatformCertificate`].
///
/// ```no_run
/// use wechatpay::{Client, MerchantKey, PlatformCertificate, WechatpayPublicKey, WechatpaySerial};
/// // Day 3 of a migration: 30 % of requests ask for answers signed with the public key.
/// let client = Client::builder()
///     .mchid("1900000001")
///     .merchant_key("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", MerchantKey::from_pem_file("apiclient_key.pem")?)
///     .platform_certificate(PlatformCertificate::from_pem_file("wechatpay_platform.pem")?)
///     .wechatpay_public_key(WechatpayPublicKey::from_pem_file("PUB_KEY_ID_0114232134912410000000000000", "pub_key.pem")?)
///     .wechatpay_serial(WechatpaySerial::PublicKeyShare(30))
///     .build()?;
/// # Ok::<(), wechatpay::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WechatpaySerial {
    /// Every request names the newest platform certificate the client holds (as certificate
    /// merchants always have). While the client holds no certificate yet (one managed with
    /// [`ClientBuilder::platform_certificates_from_api`](crate::ClientBuilder::platform_certificates_from_api)
    /// before its first download), requests name none.
    PlatformCertificate,
    /// Every request names the WeChat Pay public key (`PUB_KEY_ID_…`).
    PublicKey,
    /// This percentage of requests (0 to 100) names the WeChat Pay public key, the others the
    /// platform certificate (as [`WechatpaySerial::PlatformCertificate`]).
    ///
    /// The requests are spread evenly by a counter shared by the client and its clones, not
    /// drawn at random: of any 100 consecutive requests exactly this many name the public key
    /// (30 % sends the 4th, 7th, 10th … to the public key), so the share holds from the first
    /// requests on and a test can count it. Every request counts once, retries included in it.
    PublicKeyShare(u8),
}

impl WechatpaySerial {
    /// The mode a percentage of requests naming the public key stands for: `0` is
    /// [`WechatpaySerial::PlatformCertificate`], `100` [`WechatpaySerial::PublicKey`], anything
    /// between [`WechatpaySerial::PublicKeyShare`].
    ///
    /// # Errors
    /// [`Error::Config`] above 100.
    pub fn from_percent(percent: u8) -> Result<Self, Error> {
        match percent {
            0 => Ok(Self::PlatformCertificate),
            100 => Ok(Self::PublicKey),
            1..=99 => Ok(Self::PublicKeyShare(percent)),
            _ => Err(Error::Config(format!(
                "the share of requests naming the WeChat Pay public key is a percentage from 0 to 100, not {percent}"
            ))),
        }
    }

    /// The percentage of requests that name the WeChat Pay public key: 0, 100 or the share.
    pub fn public_key_percent(self) -> u8 {
        match self {
            Self::PlatformCertificate => 0,
            Self::PublicKey => 100,
            Self::PublicKeyShare(percent) => percent.min(100),
        }
    }

    /// Parses the value of `WECHATPAY_PUBLIC_KEY_SHARE`: a whole percentage, `30` or `30%`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable and the value.
    pub(crate) fn parse_share(variable: &str, text: &str) -> Result<Self, Error> {
        let digits = text.trim().trim_end_matches('%').trim();
        let percent: u8 = digits
            .parse()
            .ok()
            .filter(|percent| *percent <= 100)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{variable} is `{text}`: it must be the percentage of requests that name the WeChat Pay public key, a whole number from 0 (platform certificates) to 100 (public key)"
                ))
            })?;
        Self::from_percent(percent)
    }
}

impl std::fmt::Display for WechatpaySerial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PlatformCertificate => {
                f.write_str("every request names the platform certificate")
            }
            Self::PublicKey => f.write_str("every request names the WeChat Pay public key"),
            Self::PublicKeyShare(percent) => write!(
                f,
                "{percent}% of requests name the WeChat Pay public key, {}% the platform certificate",
                100 - u16::from((*percent).min(100))
            ),
        }
    }
}

/// Which of the two kinds of key one request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A platform certificate (hex serial).
    Certificate,
    /// The WeChat Pay public key (`PUB_KEY_ID_…`).
    PublicKey,
}

/// Picks the key of each request as a [`WechatpaySerial`] says.
#[derive(Debug)]
pub(crate) struct SerialChoice {
    mode: WechatpaySerial,
    /// Requests picked for so far.
    picked: AtomicU64,
}

impl SerialChoice {
    pub(crate) fn new(mode: WechatpaySerial) -> Self {
        Self {
            mode,
            picked: AtomicU64::new(0),
        }
    }

    pub(crate) fn mode(&self) -> WechatpaySerial {
        self.mode
    }

    /// The kind of key the next request names. For a share of `p` %, request `n` (from 0) names
    /// the public key when `⌊(n+1)·p/100⌋ > ⌊n·p/100⌋`: exactly `p` of any 100 in a row, evenly
    /// spread.
    pub(crate) fn next(&self) -> KeyKind {
        match self.mode {
            WechatpaySerial::PlatformCertificate => KeyKind::Certificate,
            WechatpaySerial::PublicKey => KeyKind::PublicKey,
            WechatpaySerial::PublicKeyShare(percent) => {
                let p = u64::from(percent.min(100));
                let n = self.picked.fetch_add(1, Ordering::Relaxed) % 100;
                if (n + 1) * p / 100 > n * p / 100 {
                    KeyKind::PublicKey
                } else {
                    KeyKind::Certificate
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_public(mode: WechatpaySerial, requests: usize) -> usize {
        let choice = SerialChoice::new(mode);
        (0..requests)
            .filter(|_| choice.next() == KeyKind::PublicKey)
            .count()
    }

    #[test]
    fn a_share_names_the_public_key_in_exactly_that_many_of_100_requests() {
        for percent in [1u8, 10, 30, 33, 50, 67, 99] {
            let mode = WechatpaySerial::from_percent(percent).unwrap();
            assert_eq!(count_public(mode, 100), usize::from(percent), "{percent}%");
            assert_eq!(
                count_public(mode, 1000),
                10 * usize::from(percent),
                "{percent}%"
            );
        }
        assert_eq!(count_public(WechatpaySerial::PlatformCertificate, 100), 0);
        assert_eq!(count_public(WechatpaySerial::PublicKey, 100), 100);
        // Evenly spread: 50 % alternates.
        let choice = SerialChoice::new(WechatpaySerial::PublicKeyShare(50));
        let kinds: Vec<KeyKind> = (0..4).map(|_| choice.next()).collect();
        assert_eq!(
            kinds,
            [
                KeyKind::Certificate,
                KeyKind::PublicKey,
                KeyKind::Certificate,
                KeyKind::PublicKey
            ]
        );
    }

    #[test]
    fn the_share_variable_takes_whole_percentages_only() {
        let parse = |text| WechatpaySerial::parse_share("WECHATPAY_PUBLIC_KEY_SHARE", text);
        assert_eq!(parse("30").unwrap(), WechatpaySerial::PublicKeyShare(30));
        assert_eq!(parse(" 30% ").unwrap(), WechatpaySerial::PublicKeyShare(30));
        assert_eq!(parse("0").unwrap(), WechatpaySerial::PlatformCertificate);
        assert_eq!(parse("100").unwrap(), WechatpaySerial::PublicKey);
        for bad in ["101", "-1", "0.5", "half", ""] {
            let error = parse(bad).unwrap_err().to_string();
            assert!(
                error.contains("WECHATPAY_PUBLIC_KEY_SHARE")
                    && error.contains("0 (platform certificates) to 100"),
                "{error}"
            );
        }
        assert_eq!(
            WechatpaySerial::PublicKeyShare(30).to_string(),
            "30% of requests name the WeChat Pay public key, 70% the platform certificate"
        );
    }
}
