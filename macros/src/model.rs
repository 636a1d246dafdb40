//! `#[wechatpay::model]`: a struct used inside a request body declares its sensitive fields
//! (`#[wechatpay(encrypt)]`) once, wherever it is nested; and the `Debug` that never shows them.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Attribute, Fields, Ident, Item, ItemStruct, Meta, Path, Token, parse_quote};

use crate::errors::Errors;
use crate::expand::{compact, is_option, mentions, mentions_ident};

/// Expands `#[model(attr)] item`. Never fails: a broken declaration keeps its struct (less our
/// attributes, so that they do not add errors of their own) beside the errors.
pub(crate) fn model(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut item: Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let mut errors = Errors::default();
    let krate = crate_path(attr, &mut errors);
    let Item::Struct(structure) = &mut item else {
        let (span, ident) = match &item {
            Item::Enum(item) => (item.enum_token.span, Some(&item.ident)),
            Item::Union(item) => (item.union_token.span, Some(&item.ident)),
            _ => (Span::call_site(), None),
        };
        let message = match ident {
            Some(ident) => format!(
                "model `{ident}`: `#[wechatpay::model]` goes on a struct with named fields\nhelp: mark sensitive fields of a struct; an enum's variants cannot be encrypted"
            ),
            None => "`#[wechatpay::model]` goes on a struct with named fields".to_owned(),
        };
        let error = syn::Error::new(span, message).to_compile_error();
        return quote!(#item #error);
    };
    let name = structure.ident.clone();
    if !matches!(structure.fields, Fields::Named(_)) {
        errors.push(problem(
            structure.struct_token.span,
            &name,
            "`#[wechatpay::model]` goes on a struct with named fields",
            Some("give the fields names: sensitive fields are named by WeChat Pay's wire names"),
        ));
    }
    for attr in &structure.attrs {
        if attr.path().is_ident("wechatpay") {
            errors.push(problem(
                attr.span(),
                &name,
                "`#[wechatpay(...)]` goes on fields",
                Some("write `#[wechatpay(encrypt)]` on each sensitive field"),
            ));
        }
    }
    let serialized = structure
        .attrs
        .iter()
        .any(|attr| derives(attr, "Serialize"));
    if !serialized {
        errors.push(problem(
            Span::call_site(),
            &name,
            "no `#[derive(Serialize)]` follows `#[wechatpay::model]`",
            Some("put `#[wechatpay::model]` above `#[derive(serde::Serialize)]`: it marks the fields serde then serializes"),
        ));
    }

    let krate_text = compact(&krate);
    let params: Vec<Ident> = structure
        .generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    let mut sensitive = Vec::new();
    for field in &mut structure.fields {
        let mut encrypt = None;
        let mut kept = Vec::new();
        for attr in field.attrs.drain(..) {
            if attr.path().is_ident("wechatpay") {
                if read_encrypt(&attr, &name, &mut errors) {
                    if encrypt.is_some() {
                        errors.push(problem(
                            attr.span(),
                            &name,
                            "`#[wechatpay(encrypt)]` is given twice",
                            Some("keep one"),
                        ));
                    }
                    encrypt = Some(attr);
                }
                continue;
            }
            kept.push(attr);
        }
        field.attrs = kept;
        // Without serde's derive our `#[serde]` attributes would be errors of their own.
        if !serialized {
            continue;
        }
        let serde_attrs: Vec<Attribute> = field
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("serde"))
            .cloned()
            .collect();
        // WeChat Pay refuses `null`: a `None` is left out, as in an endpoint's own fields.
        if is_option(&field.ty)
            && !mentions(
                &serde_attrs,
                &["skip_serializing_if", "skip", "skip_serializing"],
            )
        {
            let is_none = format!("{krate_text}::__private::is_none");
            field
                .attrs
                .push(parse_quote!(#[serde(skip_serializing_if = #is_none)]));
        }
        let Some(attr) = encrypt else {
            continue;
        };
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        if mentions(
            &serde_attrs,
            &[
                "serialize_with",
                "with",
                "skip",
                "skip_serializing",
                "flatten",
            ],
        ) {
            errors.push(problem(
                attr.span(),
                &name,
                format_args!(
                    "`{ident}` is serialized by its own means, so it cannot also be encrypted"
                ),
                Some("remove `serialize_with`/`with`/`skip`/`flatten`, or `#[wechatpay(encrypt)]`"),
            ));
            continue;
        }
        // The type is named in the path when it holds no type parameter, so that a type that is
        // not text is reported on the field; the string carries the span of the type.
        let concrete = !params.iter().any(|param| mentions_ident(&field.ty, param));
        let function = if concrete {
            format!(
                "{krate_text}::__private::encrypt_field::<{}, _>",
                compact(&field.ty)
            )
        } else {
            format!("{krate_text}::__private::encrypt_field")
        };
        let function = syn::LitStr::new(&function, field.ty.span());
        field
            .attrs
            .push(parse_quote!(#[serde(serialize_with = #function)]));
        sensitive.push(ident);
    }

    let debug = redacted_debug(structure, &sensitive, &krate);
    let error = errors.into_error().map(|error| error.to_compile_error());
    quote! {
        #item
        #debug
        #error
    }
}

/// `#[wechatpay::model]` or `#[wechatpay::model(crate = path)]`; the default is `::wechatpay`.
fn crate_path(attr: TokenStream, errors: &mut Errors) -> Path {
    let default: Path = parse_quote!(::wechatpay);
    if attr.is_empty() {
        return default;
    }
    let parser = |input: syn::parse::ParseStream| {
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let path = input.parse::<Path>()?;
        let _ = input.parse::<Option<Token![,]>>()?;
        Ok(path)
    };
    match parser.parse2(attr.clone()) {
        Ok(path) => path,
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[wechatpay::model]` takes no option but `crate = path`\nhelp: write `#[wechatpay::model]`, or `#[wechatpay::model(crate = ::my_sdk::wechatpay)]` in a crate that re-exports it",
            ));
            default
        }
    }
}

/// Whether one `#[wechatpay(...)]` field attribute is `#[wechatpay(encrypt)]`; anything else is
/// reported.
fn read_encrypt(attr: &Attribute, name: &Ident, errors: &mut Errors) -> bool {
    let Meta::List(list) = &attr.meta else {
        errors.push(problem(
            attr.span(),
            name,
            "`#[wechatpay]` needs an option",
            Some("`#[wechatpay(encrypt)]` encrypts a sensitive value"),
        ));
        return false;
    };
    let Ok(options) = Punctuated::<Ident, Token![,]>::parse_terminated.parse2(list.tokens.clone())
    else {
        errors.push(problem(
            list.tokens.span(),
            name,
            "expected `encrypt`",
            Some("`#[wechatpay(encrypt)]` encrypts a sensitive value"),
        ));
        return false;
    };
    let mut encrypt = false;
    for option in &options {
        if option == "encrypt" {
            encrypt = true;
        } else if option == "query" {
            errors.push(problem(
                option.span(),
                name,
                "`#[wechatpay(query)]` goes on an endpoint's own fields; a field of a nested struct is always in the JSON body",
                Some("move the field to the `#[endpoint]` struct, or remove `#[wechatpay(query)]`"),
            ));
        } else {
            errors.push(problem(
                option.span(),
                name,
                format_args!("unknown field option `{option}`"),
                Some("the only option here is `encrypt`: `#[wechatpay(encrypt)]`"),
            ));
        }
    }
    if options.is_empty() {
        errors.push(problem(
            attr.span(),
            name,
            "`#[wechatpay()]` needs an option",
            Some("`#[wechatpay(encrypt)]` encrypts a sensitive value"),
        ));
    }
    encrypt
}

/// When the struct derives `Debug` and has sensitive fields, takes `Debug` out of the derive and
/// returns an impl that prints the same, except that a sensitive value shows as `<sensitive>`.
pub(crate) fn redacted_debug(
    structure: &mut ItemStruct,
    sensitive: &[Ident],
    krate: &Path,
) -> Option<TokenStream> {
    if sensitive.is_empty() {
        return None;
    }
    let mut derived = false;
    let mut kept = Vec::new();
    for attr in structure.attrs.drain(..) {
        if !derives(&attr, "Debug") {
            kept.push(attr);
            continue;
        }
        derived = true;
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            kept.push(attr);
            continue;
        };
        let others: Vec<&Path> = paths
            .iter()
            .filter(|path| {
                path.segments
                    .last()
                    .is_none_or(|last| last.ident != "Debug")
            })
            .collect();
        if !others.is_empty() {
            kept.push(parse_quote!(#[derive(#(#others),*)]));
        }
    }
    structure.attrs = kept;
    if !derived {
        return None;
    }
    let Fields::Named(fields) = &structure.fields else {
        return None;
    };
    let ident = &structure.ident;
    let text = ident.to_string();
    let text = text.strip_prefix("r#").unwrap_or(&text);
    let mut generics = structure.generics.clone();
    let params: Vec<Ident> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    {
        let where_clause = generics.make_where_clause();
        for param in &params {
            where_clause
                .predicates
                .push(parse_quote!(#param: ::core::fmt::Debug));
        }
        for field in &fields.named {
            let (Some(field_ident), ty) = (&field.ident, &field.ty) else {
                continue;
            };
            if sensitive.contains(field_ident) && params.iter().any(|p| mentions_ident(ty, p)) {
                where_clause
                    .predicates
                    .push(parse_quote!(#ty: #krate::__private::EncryptAs));
            }
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let entries = fields.named.iter().filter_map(|field| {
        let field_ident = field.ident.as_ref()?;
        let label = field_ident.to_string();
        let label = label.strip_prefix("r#").unwrap_or(&label).to_owned();
        let cfgs = field
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg"));
        Some(if sensitive.contains(field_ident) {
            quote_spanned! {field_ident.span()=>
                #(#cfgs)*
                __debug.field(#label, &#krate::__private::Redacted(&self.#field_ident));
            }
        } else {
            quote! {
                #(#cfgs)*
                __debug.field(#label, &self.#field_ident);
            }
        })
    });
    Some(quote! {
        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
            fn fmt(&self, __formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let mut __debug = __formatter.debug_struct(#text);
                #(#entries)*
                __debug.finish()
            }
        }
    })
}

/// Whether `attr` is a `#[derive]` that names `wanted` (by any path ending in it).
fn derives(attr: &Attribute, wanted: &str) -> bool {
    if !attr.path().is_ident("derive") {
        return false;
    }
    attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        .is_ok_and(|paths| {
            paths.iter().any(|path| {
                path.segments
                    .last()
                    .is_some_and(|last| last.ident == wanted)
            })
        })
}

/// One problem with the model `name`, in the macros' shared voice.
fn problem(
    span: Span,
    name: &Ident,
    problem: impl std::fmt::Display,
    help: Option<&str>,
) -> syn::Error {
    let name = name.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let message = match help {
        Some(help) => format!("model `{name}`: {problem}\nhelp: {help}"),
        None => format!("model `{name}`: {problem}"),
    };
    syn::Error::new(span, message)
}
