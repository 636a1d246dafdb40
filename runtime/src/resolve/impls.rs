//! [`Resolve`] for the catalog's money-moving requests, each behind the features its request and
//! query types need.
//!
//! Every catalog type name of the resolvable calls appears in this file only, each once per
//! `impl`: a rename of the generated types is a replacement here.
//!
//! The "no record" codes, by query, and where they are documented:
//! - an order by `out_trade_no` (`v3/pay/transactions/out-trade-no/…`, and the service
//!   provider's `v3/pay/partner/…`): `404 ORDER_NOT_EXIST` (WeChat Pay's order query pages; the
//!   common codes of the v3 protocol);
//! - a refund by `out_refund_no`: `404 RESOURCE_NOT_EXISTS` (WeChat Pay's Go SDK,
//!   `services/refunddomestic/api_refunds.go`, "退款单查询失败");
//! - a merchant transfer bill by `out_bill_no`: `404 NOT_FOUND` ("记录不存在", the 商家转账 query
//!   page); the service provider's bill query is taken to answer the same;
//! - a profit-sharing order by `out_order_no`: `404 RESOURCE_NOT_EXISTS` (the Go SDK,
//!   `services/profitsharing/api_orders.go`, "分账单不存在").
//!
//! A "no record" code missing from a list only turns that answer into
//! [`Error::Unresolved`](crate::Error::Unresolved), the safe side; a code is listed only where it
//! cannot mean anything else.

#[allow(unused_imports)] // with no catalog feature, nothing here is implemented
use super::Resolve;

/// `404` codes of an order query that mean "no order under this `out_trade_no`".
#[allow(dead_code)]
const ORDER_ABSENT: &[&str] = &["ORDER_NOT_EXIST"];
/// `404` codes of a refund query that mean "no refund under this `out_refund_no`".
#[allow(dead_code)]
const REFUND_ABSENT: &[&str] = &["RESOURCE_NOT_EXISTS"];
/// `404` codes of a transfer bill query that mean "no bill under this `out_bill_no`".
#[allow(dead_code)]
const BILL_ABSENT: &[&str] = &["NOT_FOUND"];
/// `404` codes of a profit-sharing query that mean "no order under this `out_order_no`".
#[allow(dead_code)]
const PROFIT_SHARING_ABSENT: &[&str] = &["RESOURCE_NOT_EXISTS"];

/// `impl Resolve for $request`: queried with `$query`, asked by `self.$field`, absent on `$codes`;
/// `|$request_var, $mchid_var| $build` makes the query.
#[allow(unused_macros)] // with no catalog feature, nothing here is implemented
macro_rules! resolve {
    ($request:ty => $query:ty, by $field:ident, absent $codes:expr, |$this:ident, $mchid:pat_param| $build:expr) => {
        impl Resolve for $request {
            type Query = $query;
            const ABSENT_CODES: &'static [&'static str] = $codes;
            fn query(&self, mchid: &str) -> $query {
                let $this = self;
                let $mchid = mchid;
                $build
            }
            fn merchant_number(&self) -> (&'static str, &str) {
                (stringify!($field), &self.$field)
            }
        }
    };
}

/// Orders a direct merchant places (`mchid` in the request): queried under that `mchid`.
#[cfg(feature = "pay")]
mod orders {
    use super::{ORDER_ABSENT, Resolve};
    use crate::v3::pay;

    macro_rules! direct_order {
        ($($request:ident),* $(,)?) => {$(
            resolve!(pay::$request => pay::QueryOrderByOutTradeNo,
                by out_trade_no, absent ORDER_ABSENT,
                |request, _| pay::QueryOrderByOutTradeNo {
                    out_trade_no: request.out_trade_no.clone(),
                    mchid: request.mchid.clone(),
                });
        )*};
    }

    direct_order!(
        JsapiPrepay,
        NativePrepay,
        AppPrepay,
        H5Prepay,
        CodePay,
        JsapiPrepayWithContract,
        AppPrepayWithContract,
    );

    /// A service provider's orders for a sub-merchant: queried under `sp_mchid` and `sub_mchid`.
    #[cfg(feature = "partner")]
    mod partner {
        use super::super::{ORDER_ABSENT, Resolve};
        use crate::v3::pay;

        macro_rules! partner_order {
            ($($request:ident),* $(,)?) => {$(
                resolve!(pay::$request => pay::PartnerQueryOrderByOutTradeNo,
                    by out_trade_no, absent ORDER_ABSENT,
                    |request, _| pay::PartnerQueryOrderByOutTradeNo {
                        out_trade_no: request.out_trade_no.clone(),
                        sp_mchid: request.sp_mchid.clone(),
                        sub_mchid: request.sub_mchid.clone(),
                    });
            )*};
        }

        partner_order!(
            PartnerJsapiPrepay,
            PartnerNativePrepay,
            PartnerAppPrepay,
            PartnerH5Prepay,
            PartnerMiniProgramPrepay,
            PartnerCodePay,
            PartnerScannedPosPrepay,
            PartnerJsapiPrepayWithContract,
            PartnerAppPrepayWithContract,
        );
    }
}

/// Papay deductions: the deduction is an order, queried by its `out_trade_no` under the client's
/// merchant number (the request does not carry it).
#[cfg(all(feature = "papay", feature = "pay"))]
mod deductions {
    use super::{ORDER_ABSENT, Resolve};
    use crate::v3::{papay, pay};

    resolve!(papay::ApplyDeduction => pay::QueryOrderByOutTradeNo,
    by out_trade_no, absent ORDER_ABSENT,
    |request, mchid| pay::QueryOrderByOutTradeNo {
        out_trade_no: request.out_trade_no.clone(),
        mchid: mchid.to_owned(),
    });

    resolve!(papay::ApplyHarmonyDeduction => pay::QueryOrderByOutTradeNo,
    by out_trade_no, absent ORDER_ABSENT,
    |request, mchid| pay::QueryOrderByOutTradeNo {
        out_trade_no: request.out_trade_no.clone(),
        mchid: mchid.to_owned(),
    });

    // A service provider's deduction for a sub-merchant: the provider's order query.
    #[cfg(feature = "partner")]
    resolve!(papay::PartnerApplyDeduction => pay::PartnerQueryOrderByOutTradeNo,
    by out_trade_no, absent ORDER_ABSENT,
    |request, mchid| pay::PartnerQueryOrderByOutTradeNo {
        out_trade_no: request.out_trade_no.clone(),
        sp_mchid: mchid.to_owned(),
        sub_mchid: request.sub_mchid.clone(),
    });
}

/// Refunds: queried by `out_refund_no` (and the `sub_mchid` a service provider's refund names).
#[cfg(feature = "refund")]
mod refunds {
    use super::{REFUND_ABSENT, Resolve};
    use crate::v3::refund;

    resolve!(refund::CreateRefund => refund::QueryByOutRefundNo,
    by out_refund_no, absent REFUND_ABSENT,
    |request, _| refund::QueryByOutRefundNo {
        out_refund_no: request.out_refund_no.clone(),
        sub_mchid: request.sub_mchid.clone(),
    });
}

/// Merchant transfer bills (商家转账): queried by `out_bill_no`.
#[cfg(feature = "fund-app")]
mod transfer_bills {
    use super::{BILL_ABSENT, Resolve};
    use crate::v3::fund_app;

    resolve!(fund_app::TransferToUser => fund_app::GetTransferBillByOutNo,
    by out_bill_no, absent BILL_ABSENT,
    |request, _| fund_app::GetTransferBillByOutNo {
        out_bill_no: request.out_bill_no.clone(),
    });

    // A service provider's transfer for a sub-merchant.
    #[cfg(feature = "partner")]
    resolve!(fund_app::PartnerTransferToUser => fund_app::PartnerGetTransferBillByOutNo,
    by out_bill_no, absent BILL_ABSENT,
    |request, _| fund_app::PartnerGetTransferBillByOutNo {
        out_bill_no: request.out_bill_no.clone(),
        sub_mchid: request.sub_mchid.clone(),
    });
}

/// Profit sharing: the order (and the unfreeze, which is an order too) queried by `out_order_no`
/// and `transaction_id`.
#[cfg(feature = "profitsharing")]
mod profit_sharing {
    use super::{PROFIT_SHARING_ABSENT, Resolve};
    use crate::v3::profitsharing;

    resolve!(profitsharing::CreateOrder => profitsharing::QueryOrder,
    by out_order_no, absent PROFIT_SHARING_ABSENT,
    |request, _| profitsharing::QueryOrder {
        sub_mchid: request.sub_mchid.clone(),
        transaction_id: request.transaction_id.clone(),
        out_order_no: request.out_order_no.clone(),
    });

    resolve!(profitsharing::UnfreezeOrder => profitsharing::QueryOrder,
    by out_order_no, absent PROFIT_SHARING_ABSENT,
    |request, _| profitsharing::QueryOrder {
        sub_mchid: request.sub_mchid.clone(),
        transaction_id: request.transaction_id.clone(),
        out_order_no: request.out_order_no.clone(),
    });
}
