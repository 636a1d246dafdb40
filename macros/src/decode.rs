//! `#[derive(Decode)]`: a `serde::Deserialize` impl for the structs of the generated catalog, with
//! less code than serde's own derive for the same decoding.
//!
//! The catalog declares thousands of answer structs, and the compiler's time on them is almost all
//! spent checking the bodies serde's derive writes: a field enum with its own `Deserialize`
//! impl and three visitor methods, a sequence visitor, a map visitor. A JSON answer is always an
//! object, so this derive writes the map visitor alone, looks the key up in a shared table
//! (`__private::decode::FieldIndex`), and fills each field through a shared generic function.
//!
//! What it decodes is what `#[derive(Deserialize)]` decodes for the same struct: fields by their
//! wire name (`#[serde(rename = "…")]`), unknown fields ignored, an `Option` field absent or `null`
//! read as `None`, any other field absent an error naming it, a field given twice an error;
//! `default`, `default = "path"` and `skip_deserializing` as serde reads them. It takes no other
//! serde option that changes decoding (`flatten`, `alias`, `deserialize_with`, …): each is a compile
//! error pointing at it, so that nothing is silently decoded differently.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, LitStr, Type};

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    match syn::parse2(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

/// The named fields of a struct that `derive` (`Decode` or `Encode`) takes: no generic
/// parameters and no container `#[serde(...)]` option; otherwise an error that says to derive
/// serde's `instead`.
pub(crate) fn plain_struct_fields<'a>(
    input: &'a DeriveInput,
    derive: &str,
    instead: &str,
) -> syn::Result<&'a Punctuated<syn::Field, syn::Token![,]>> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            format!(
                "`{derive}` is for the catalog's plain structs: no generic parameters; derive `{instead}` instead"
            ),
        ));
    }
    if let Some(attr) = input
        .attrs
        .iter()
        .find(|attr| attr.path().is_ident("serde"))
    {
        return Err(syn::Error::new(
            attr.span(),
            format!(
                "`{derive}` takes no container `#[serde(...)]` option; derive `{instead}` for this struct instead"
            ),
        ));
    }
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Ok(&named.named),
            _ => Err(syn::Error::new(
                data.fields.span(),
                format!("`{derive}` is for structs with named fields"),
            )),
        },
        _ => Err(syn::Error::new(
            Span::call_site(),
            format!("`{derive}` is for structs with named fields"),
        )),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let fields = plain_struct_fields(input, "Decode", "serde::Deserialize")?;

    let mut wires = Vec::new();
    let mut slots = Vec::new();
    let mut arms = Vec::new();
    let mut inits = Vec::new();
    // The slots of fields that must be present, and their wire names.
    let mut required = Vec::new();
    for field in fields {
        let name = field.ident.as_ref().expect("named field");
        let options = options(field)?;
        let default = match &options.default {
            Some(Some(path)) => quote!(#path),
            // `skip_deserializing` alone reads as `Default`, as in serde.
            _ => quote!(::core::default::Default::default),
        };
        if options.skip {
            // Never read from the input: always the default.
            inits.push(quote!(#name: #default(),));
            continue;
        }
        let index = wires.len();
        let slot = syn::Ident::new(&format!("__f{index}"), Span::mixed_site());
        let ty = &field.ty;
        let wire = options.wire;
        slots.push(
            quote!(let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;),
        );
        arms.push(quote!(#index => __decode::fill(&mut __map, &mut #slot, #wire),));
        inits.push(if options.default.is_some() {
            quote!(#name: ::core::option::Option::unwrap_or_else(#slot, #default),)
        } else if is_option(ty) {
            quote!(#name: ::core::option::Option::flatten(#slot),)
        } else {
            required.push((slot.clone(), wire.clone()));
            quote!(#name: #slot,)
        });
        wires.push(wire);
    }
    // The value, once every required field is known to be there: one match on all their slots,
    // rather than a `?` per field, each with its own early return.
    let build = quote!(::core::result::Result::Ok(#ident { #(#inits)* }));
    let finish = if required.is_empty() {
        build
    } else {
        let (slots, wires): (Vec<_>, Vec<_>) = required.into_iter().unzip();
        quote! {
            match (#(#slots,)*) {
                (#(::core::option::Option::Some(#slots),)*) => #build,
                (#(#slots,)*) => ::core::result::Result::Err(__decode::missing(&[
                    #((::core::option::Option::is_none(&#slots), #wires)),*
                ])),
            }
        }
    };
    let expecting = format!("struct {ident}");
    let struct_name = ident.to_string();
    Ok(quote! {
        #[automatically_derived]
        impl<'de> ::wechatpay::__private::serde::Deserialize<'de> for #ident {
            fn deserialize<__D: ::wechatpay::__private::serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                use ::wechatpay::__private::decode as __decode;
                const FIELDS: &[&str] = &[#(#wires),*];
                struct __Visitor;
                impl<'de> __decode::Visitor<'de> for __Visitor {
                    type Value = #ident;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<__A: __decode::MapAccess<'de>>(
                        self,
                        mut __map: __A,
                    ) -> ::core::result::Result<#ident, __A::Error> {
                        #(#slots)*
                        while let ::core::option::Option::Some(__key) =
                            __map.next_key_seed(__decode::FieldIndex(FIELDS))?
                        {
                            match __key {
                                #(#arms)*
                                _ => __decode::skip(&mut __map),
                            }?;
                        }
                        #finish
                    }
                }
                __deserializer.deserialize_struct(#struct_name, FIELDS, __Visitor)
            }
        }
    })
}

/// How a field is decoded, from its `#[serde(...)]` options.
struct FieldOptions {
    /// Its wire name: `rename = "…"`, or its own name.
    wire: LitStr,
    /// `default` (`Some(None)`) or `default = "path"`: the value when the field is absent.
    default: Option<Option<syn::Path>>,
    /// `skip_deserializing`: never read, always the default.
    skip: bool,
}

/// The field's decoding options. Serde options that only serialization reads are let through;
/// any other option is an error.
fn options(field: &syn::Field) -> syn::Result<FieldOptions> {
    let ident = field.ident.as_ref().expect("named field");
    let mut wire = None;
    let mut default = None;
    let mut skip = false;
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: LitStr = meta.value()?.parse()?;
                wire = Some(value);
                Ok(())
            } else if meta.path.is_ident("default") {
                default = Some(if meta.input.peek(syn::Token![=]) {
                    let path: LitStr = meta.value()?.parse()?;
                    Some(path.parse::<syn::Path>()?)
                } else {
                    None
                });
                Ok(())
            } else if meta.path.is_ident("skip_deserializing") {
                skip = true;
                Ok(())
            } else if meta.path.is_ident("skip_serializing_if")
                || meta.path.is_ident("serialize_with")
            {
                // Serialization only; the value is read and ignored.
                let _: syn::Expr = meta.value()?.parse()?;
                Ok(())
            } else {
                Err(meta.error(
                    "`Decode` takes only `rename`, `default`, `skip_deserializing`, `skip_serializing_if` and `serialize_with`; derive `serde::Deserialize` for this struct instead",
                ))
            }
        })?;
    }
    let wire = wire.unwrap_or_else(|| {
        let text = ident.to_string();
        LitStr::new(text.strip_prefix("r#").unwrap_or(&text), ident.span())
    });
    Ok(FieldOptions {
        wire,
        default,
        skip,
    })
}

/// Whether the field is written `Option<…>`: absent or `null` then reads as `None`.
fn is_option(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option")
}
