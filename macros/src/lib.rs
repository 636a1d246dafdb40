//! The `#[endpoint]` attribute of the `wechatpay` crate; use it as `wechatpay::endpoint`.

// One module per stage: `attr` reads what the user wrote, `valid` checks it into a model, `expand`
// emits code from that model only, and `fallback` emits a stub when the declaration has errors, so
// that they do not cascade to every call site.

mod attr;
mod errors;
mod expand;
mod fallback;
mod path_template;
mod valid;

use proc_macro::TokenStream;

/// Declares a WeChat Pay API v3 endpoint: `#[endpoint(METHOD, "v3/…", response = Answer)]` on a
/// struct with named fields implements `wechatpay::Endpoint` for it.
///
/// See the `wechatpay` crate for the full description.
#[proc_macro_attribute]
pub fn endpoint(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::endpoint(attr.into(), item.into()).into()
}
