//! The catalog generator: the WeChat Pay API description and WeChat Pay's own SDKs → facts files →
//! merged facts → Rust declarations.
//!
//! The stages, run by the `wechatpay-codegen` command (see the README):
//!
//! - [`import`] reads the YAML description, resolves `$ref`/`allOf`, applies `overrides.yaml` and
//!   writes `facts.json` (and [`import_v2`], `facts_v2.json` from the `v2/` folder);
//! - [`import_official`] reads WeChat Pay's own Go and Java SDKs and writes `facts_go.json` and
//!   `facts_java.json` (same format), a second source for the same facts;
//! - [`merge`] merges `facts.json` with the official facts and `settlements.yaml` into the facts
//!   the catalog follows (also written to `sandbox/facts/catalog.json`), with a report
//!   (`wechatpay-codegen check`);
//! - [`emit`] writes the generated modules of `runtime/src/v3/` from the merged facts;
//!   [`emit_v2`] reads `facts_v2.json` alone and writes those of `runtime/src/v2/catalog/`.

pub mod emit;
pub mod emit_v2;
pub mod facts;
pub mod facts_v2;
pub mod import;
pub mod import_official;
pub mod import_v2;
pub mod merge;
pub mod names;
pub mod notices;
