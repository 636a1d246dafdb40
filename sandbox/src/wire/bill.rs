//! 账单 (bills): the daily trade and fund-flow bills, as a signed download address and a digest.
//!
//! Asking for a bill ([`TradeBill`], [`FundFlowBill`]) returns a [`BillDownloadUrl`]: where to
//! download the file, and its SHA-1. The download itself is signed like every request, but its
//! answer is not: the file is checked against the digest instead.
//! `Client::download_bill` streams it to any `AsyncWrite` with
//! bounded memory, unpacks gzip, and fails unless the digest matches.

use serde::{Deserialize, Serialize};

use wechatpay::endpoint;
use wechatpay::endpoint::QueryValue;

/// 申请交易账单: the address of one day's trade bill.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4013071238>.
#[endpoint(GET, "v3/bill/tradebill", response = BillDownloadUrl)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeBill {
    /// 账单日期, `yyyy-MM-dd`; bills of the last three months are available.
    pub bill_date: String,
    /// 账单类型 (default `ALL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_type: Option<TradeBillType>,
    /// 压缩类型: `GZIP` for a compressed file; plain text when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tar_type: Option<TarType>,
}

/// 申请资金账单: the address of one day's fund-flow bill.
///
/// Official documentation: <https://pay.weixin.qq.com/doc/v3/merchant/4013071270>.
#[endpoint(GET, "v3/bill/fundflowbill", response = BillDownloadUrl)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundFlowBill {
    /// 账单日期, `yyyy-MM-dd`.
    pub bill_date: String,
    /// 资金账户类型 (default `BASIC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// 压缩类型: `GZIP` for a compressed file; plain text when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tar_type: Option<TarType>,
}

/// 下载账单: the file at a [`BillDownloadUrl`]. Signed request, unsigned answer; use
/// `Client::download_bill`, which checks the digest.
#[endpoint(GET, "v3/billdownload/file", response = (), unsigned_response)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadBillFile {
    /// The token of the download address.
    pub token: String,
}

/// Where to download a bill, and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillDownloadUrl {
    /// 哈希类型: `SHA1`.
    pub hash_type: String,
    /// 哈希值: the file's SHA-1, hex.
    pub hash_value: String,
    /// 账单下载地址: valid for 5 minutes.
    pub download_url: String,
}

/// 账单类型 of a trade bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TradeBillType {
    /// `ALL`: every order of the day.
    #[serde(rename = "ALL")]
    All,
    /// `SUCCESS`: paid orders.
    #[serde(rename = "SUCCESS")]
    Success,
    /// `REFUND`: refunded orders.
    #[serde(rename = "REFUND")]
    Refund,
    /// `RECHARGE_REFUND`: refunds of recharge (充值) orders.
    #[serde(rename = "RECHARGE_REFUND")]
    RechargeRefund,
    /// `ALL_SPECIAL`: every order of the day, in the special (personalised) bill format.
    #[serde(rename = "ALL_SPECIAL")]
    AllSpecial,
    /// `SUC_SPECIAL`: paid orders, in the special bill format.
    #[serde(rename = "SUC_SPECIAL")]
    SucSpecial,
    /// `REF_SPECIAL`: refunded orders, in the special bill format.
    #[serde(rename = "REF_SPECIAL")]
    RefSpecial,
}

impl QueryValue for TradeBillType {}

/// 资金账户类型 of a fund-flow bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccountType {
    /// `BASIC`: 基本账户.
    #[serde(rename = "BASIC")]
    Basic,
    /// `OPERATION`: 运营账户.
    #[serde(rename = "OPERATION")]
    Operation,
    /// `FEES`: 手续费账户.
    #[serde(rename = "FEES")]
    Fees,
}

impl QueryValue for AccountType {}

/// 压缩类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TarType {
    /// `GZIP`.
    #[serde(rename = "GZIP")]
    Gzip,
}

impl QueryValue for TarType {}
