//! The catalog generator: the WeChat Pay API description → a facts file → Rust declarations.
//!
//! Two stages, run by the `wechatpay-codegen` command (see the README):
//!
//! - [`import`] reads the YAML description, resolves `$ref`/`allOf`, applies `overrides.yaml` and
//!   writes `facts.json`;
//! - [`emit`] reads `facts.json` alone and writes the generated modules of `runtime/src/v3/`.

pub mod emit;
pub mod facts;
pub mod import;
