//! `#[derive(Encode)]`: a `serde::Serialize` impl for the request structs of the generated catalog,
//! written as `#[endpoint]` writes an endpoint's body.
//!
//! Serde's derive returns early with `?` after each field; every such return is code the compiler
//! checks and lowers, once per field of thousands of structs. This derive writes each field
//! through one shared function that keeps the first error (`__private::write_field`), and reports
//! it at the end; what is written is what `#[derive(Serialize)]` writes for the same struct: the
//! fields in order under their wire names (`#[serde(rename = "…")]`), a field left out when its
//! `skip_serializing_if` holds. It takes no other serde option (`flatten`, `serialize_with`, …):
//! each is a compile error pointing at it, so that nothing is silently encoded differently.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::{DeriveInput, LitStr};

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    match syn::parse2(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let fields = crate::decode::plain_struct_fields(input, "Encode", "serde::Serialize")?;
    let state = syn::Ident::new("__state", Span::mixed_site());
    let failed = syn::Ident::new("__failed", Span::mixed_site());
    let mut fixed = 0usize;
    let mut counted = Vec::new();
    let mut writes = Vec::new();
    for field in fields {
        let name = field.ident.as_ref().expect("named field");
        let (wire, skip_if) = options(field)?;
        let wire = wire.unwrap_or_else(|| LitStr::new(&name.unraw().to_string(), name.span()));
        let skip = match skip_if {
            Some(path) => {
                counted.push(quote!(let __len = __len + !#path(&self.#name) as usize;));
                quote!(#path(&self.#name))
            }
            None => {
                fixed += 1;
                quote!(false)
            }
        };
        writes.push(quote! {
            ::wechatpay::__private::write_field(&mut #state, &mut #failed, #wire, &self.#name, #skip);
        });
    }
    let text = ident.to_string();
    let body = if writes.is_empty() {
        quote! {
            let #state = ::wechatpay::__private::serde::Serializer::serialize_struct(__serializer, #text, 0)?;
            ::wechatpay::__private::SerializeStruct::end(#state)
        }
    } else {
        quote! {
            let __len: usize = #fixed;
            #(#counted)*
            let mut #state = ::wechatpay::__private::serde::Serializer::serialize_struct(__serializer, #text, __len)?;
            let mut #failed = ::core::option::Option::None;
            #(#writes)*
            ::wechatpay::__private::end_fields(#state, #failed)
        }
    };
    Ok(quote! {
        #[automatically_derived]
        impl ::wechatpay::__private::serde::Serialize for #ident {
            fn serialize<__S: ::wechatpay::__private::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #body
            }
        }
    })
}

/// The field's wire name (`rename = "…"`) and `skip_serializing_if` path. Serde options that only
/// decoding reads are let through; any other option is an error.
fn options(field: &syn::Field) -> syn::Result<(Option<LitStr>, Option<syn::ExprPath>)> {
    let mut wire = None;
    let mut skip_if = None;
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                wire = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else if meta.path.is_ident("skip_serializing_if") {
                skip_if = Some(meta.value()?.parse::<LitStr>()?.parse::<syn::ExprPath>()?);
                Ok(())
            } else if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    let _: LitStr = meta.value()?.parse()?;
                }
                Ok(())
            } else if meta.path.is_ident("skip_deserializing") {
                Ok(())
            } else {
                Err(meta.error(
                    "`Encode` takes only `rename`, `skip_serializing_if`, `default` and `skip_deserializing`; derive `serde::Serialize` for this struct instead",
                ))
            }
        })?;
    }
    Ok((wire, skip_if))
}
