//! The endpoint catalog: WeChat Pay API v3 endpoints declared with `#[endpoint]`, one file per product family.
//!
//! Each request type is an ordinary struct: fill it and pass it to [`Client::send`](crate::Client::send).
//! Wire names and spellings are kept exactly as WeChat Pay writes them, typos included.

pub mod bill;
pub mod certificates;
pub mod papay;
pub mod pay;
pub mod profitsharing;
pub mod refund;
pub mod security;
