//! The decrypted resources of the callbacks [`crate::notify::Event`] decodes: payments, refunds and
//! papay contracts, with the state enums they carry.

pub mod papay;
pub mod pay;
pub mod refund;
