//! The sandbox's own reading of the requests it serves statefully, and of the answers it builds:
//! WeChat Pay's wire shapes declared by hand, independent of the client's generated catalog, so
//! that a difference between the two shows up as a failing test instead of agreeing with itself.

pub mod bill;
pub mod certificates;
pub mod papay;
pub mod pay;
pub mod profitsharing;
pub mod refund;
pub mod security;
