//! What `#[endpoint]` emits, from the checked model only: the struct, and `impl Endpoint` with the
//! serializers of the query string and the JSON body.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, GenericArgument, Ident, Item, Meta, PathArguments, Type, parse_quote};

use crate::attr::{self, Field};
use crate::errors::{Errors, problem};
use crate::fallback;
use crate::valid::{self, Endpoint, PathPiece};

/// Expands `#[endpoint(attr)] item`. Never fails: a broken declaration expands to its errors and
/// a stub impl (see [`fallback`]).
pub(crate) fn endpoint(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let input = match attr::parse_item(item.clone(), &mut errors) {
        Ok(input) => input,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let Some(args) = attr::parse_args(attr, &input.ident, &mut errors) else {
        let error = errors
            .into_error()
            .unwrap_or_else(|| problem(Span::call_site(), &input.ident, "invalid arguments", None));
        return fallback::expand(&input, None, &error);
    };
    match valid::check(&input, &args, errors) {
        Ok(endpoint) => expand(&endpoint),
        Err(error) => fallback::expand(&input, Some(&args), &error),
    }
}

fn expand(endpoint: &Endpoint) -> TokenStream {
    let input = endpoint.input;
    let ident = &input.ident;
    let krate = &endpoint.krate;
    let private = quote!(#krate::__private);
    let mut item = documented(endpoint);
    // A derived `Debug` never shows a sensitive value.
    let sensitive: Vec<Ident> = input
        .fields
        .iter()
        .filter(|field| field.encrypt.is_some())
        .map(|field| field.ident.clone())
        .collect();
    let debug = match &mut item {
        Item::Struct(structure) => crate::model::redacted_debug(structure, &sensitive, krate),
        _ => None,
    };

    let mut generics = input.generics.clone();
    generics
        .make_where_clause()
        .predicates
        .extend(bounds(endpoint));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let method = Ident::new(endpoint.method.as_str(), Span::call_site());
    let template = endpoint.template;
    // The user's tokens, so that a type that is not `DeserializeOwned` is reported where it was named.
    let response = endpoint.response;
    let write_path = write_path(endpoint);
    let unsigned = endpoint.unsigned_response.then(|| {
        quote!(
            const SIGNED_RESPONSE: bool = false;
        )
    });

    let v2 = endpoint.v2.then(|| {
        quote!(
            const PROTOCOL: #private::Protocol = #private::Protocol::V2;
        )
    });
    let client_certificate = endpoint.client_certificate.then(|| {
        quote!(
            const CLIENT_CERTIFICATE: bool = true;
        )
    });

    let query = (!endpoint.query.is_empty()).then(|| {
        let shadow = format_ident!("__Query");
        let (definition, write) = serializer(endpoint, &shadow, &endpoint.query);
        let checks = value_checks(endpoint, &endpoint.query);
        let method = quote! {
            const HAS_QUERY: bool = true;
            fn serialize_query<__S: #private::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> #private::Result<__S::Ok, __S::Error> {
                #(#checks)*
                #write
            }
        };
        (definition, method)
    });
    let body = endpoint.body.as_deref().map(|fields| {
        let shadow = format_ident!("__Body");
        let (definition, write) = serializer(endpoint, &shadow, fields);
        let method = quote! {
            fn serialize_body<__S: #private::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> #private::Result<__S::Ok, __S::Error> {
                #write
            }
        };
        (definition, method)
    });
    let form = (!endpoint.form.is_empty()).then(|| {
        let shadow = format_ident!("__Form");
        let (definition, write) = serializer(endpoint, &shadow, &endpoint.form);
        let checks = value_checks(endpoint, &endpoint.form);
        let method = quote! {
            const HAS_FORM: bool = true;
            fn serialize_form<__S: #private::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> #private::Result<__S::Ok, __S::Error> {
                #(#checks)*
                #write
            }
        };
        (definition, method)
    });
    let (query_struct, query_fn) = query.unzip();
    let (body_struct, body_fn) = body.unzip();
    let (form_struct, form_fn) = form.unzip();
    let file_fn = endpoint.file.map(|field| {
        let ident = &field.ident;
        let name = ident.unraw().to_string();
        // Spanned on the field's type: a type that is not a file is reported there.
        let part = quote_spanned! {field.ty.span()=>
            #private::file_part(&self.#ident)
        };
        quote! {
            fn upload_file(&self) -> #private::Option<(&'static str, &#private::UploadFile)> {
                #private::Option::Some((#name, #part))
            }
        }
    });
    let body_on_delete = endpoint.body_on_delete.then(|| {
        quote!(
            const BODY_ON_DELETE: bool = true;
        )
    });
    let encrypts = endpoint
        .input
        .fields
        .iter()
        .any(|field| field.encrypt.is_some())
        .then(|| {
            quote!(
                const ENCRYPTS: bool = true;
            )
        });

    quote! {
        #item
        #debug
        // A deprecated endpoint warns where users name it, not in the code generated for it.
        #[allow(deprecated)]
        const _: () = {
            #query_struct
            #body_struct
            #form_struct
            #[automatically_derived]
            impl #impl_generics #private::Endpoint for #ident #ty_generics #where_clause {
                type Response = #response;
                const METHOD: #private::Method = #private::Method::#method;
                const PATH: &'static str = #template;
                #unsigned
                #v2
                #client_certificate
                #write_path
                #query_fn
                #body_fn
                #form_fn
                #file_fn
                #body_on_delete
                #encrypts
            }
        };
    }
}

/// The item, its documentation ending with the request line and the answer.
fn documented(endpoint: &Endpoint) -> Item {
    let mut item = endpoint.input.item.clone();
    let Item::Struct(structure) = &mut item else {
        return item;
    };
    let answer = match endpoint.response {
        Type::Tuple(unit) if unit.elems.is_empty() => "nothing (`204 No Content`)".to_owned(),
        Type::Path(path) if path.qself.is_none() && !names_type_param(endpoint, path) => {
            format!("[`{}`]", compact(path))
        }
        other => format!("`{}`", compact(other)),
    };
    let line = format!(
        " `{} /{}` → {answer}",
        endpoint.method.as_str(),
        endpoint.template.value()
    );
    if structure
        .attrs
        .iter()
        .any(|attr| attr.path().is_ident("doc"))
    {
        structure.attrs.push(parse_quote!(#[doc = ""]));
    }
    structure.attrs.push(parse_quote!(#[doc = #line]));
    item
}

/// Whether a response type is a type parameter of the struct, which has no page to link to.
fn names_type_param(endpoint: &Endpoint, path: &syn::TypePath) -> bool {
    let first = path.path.segments.first().map(|segment| &segment.ident);
    endpoint
        .input
        .generics
        .type_params()
        .any(|param| Some(&param.ident) == first)
}

/// A type as a person writes it (`HashMap<String, u32>`), for documentation.
pub(crate) fn compact(ty: impl ToTokens) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (spaced, tight) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        (" ;", ";"),
        ("& ", "&"),
    ] {
        text = text.replace(spaced, tight);
    }
    text
}

/// One compile-time check per query field that its type can be a query-string value, spanned on
/// the type, so that a nested struct in a GET is reported where it was written. Fields whose
/// serialization the user took over (`with`, `serialize_with`, `flatten`, `skip`) and types that
/// name a type parameter are left to serde at run time.
fn value_checks(endpoint: &Endpoint, fields: &[&Field]) -> Vec<TokenStream> {
    let krate = &endpoint.krate;
    let params: Vec<&Ident> = endpoint
        .input
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    fields
        .iter()
        .filter(|field| {
            !mentions(
                &field.serde_attrs,
                &[
                    "skip",
                    "skip_serializing",
                    "serialize_with",
                    "with",
                    "flatten",
                ],
            ) && !params.iter().any(|param| mentions_ident(&field.ty, param))
        })
        .map(|field| {
            let ty = &field.ty;
            if field.comma_separated.is_some() {
                quote_spanned! {ty.span()=>
                    #krate::__private::assert_comma_separated::<#ty>();
                }
            } else {
                quote_spanned! {ty.span()=>
                    #krate::__private::assert_query_value::<#ty>();
                }
            }
        })
        .collect()
}

/// `write_path`: the literal text and the percent-encoded fields, in order.
fn write_path(endpoint: &Endpoint) -> TokenStream {
    let krate = &endpoint.krate;
    let private = quote!(#krate::__private);
    // Mixed-site hygiene: a field named `__out` cannot shadow the buffer.
    let out = Ident::new("__out", Span::mixed_site());
    // Bindings spanned on the template, so that a field the template names but the struct lacks is
    // reported there.
    let template_span = endpoint.template.span();
    let binding = |field: &Field| {
        let mut ident = field.ident.clone();
        ident.set_span(template_span);
        ident
    };
    let fields: Vec<&Field> = endpoint
        .path
        .iter()
        .filter_map(|piece| match piece {
            PathPiece::Field(field) => Some(*field),
            PathPiece::Literal(_) => None,
        })
        .collect();
    let bindings = fields.iter().map(|field| binding(field));
    let destructure = (!fields.is_empty())
        .then(|| quote_spanned!(template_span=> let Self { #(#bindings,)* .. } = self;));

    let mut statements = Vec::new();
    // The request target starts with the `/` the template leaves out.
    let mut text = String::from("/");
    for piece in &endpoint.path {
        match piece {
            PathPiece::Literal(literal) => text.push_str(literal),
            PathPiece::Field(field) => {
                if !text.is_empty() {
                    statements.push(quote!(#out.push_str(#text);));
                    text.clear();
                }
                // The value and the call are spanned on the field's type: a type that cannot fill
                // a path is reported there.
                let mut value = field.ident.clone();
                value.set_span(field.ty.span());
                let name = field.ident.unraw().to_string();
                statements.push(quote_spanned! {field.ty.span()=>
                    #private::push_path_param(#out, #value, Self::PATH, #name)?;
                });
            }
        }
    }
    if !text.is_empty() {
        statements.push(quote!(#out.push_str(#text);));
    }

    quote! {
        fn write_path(
            &self,
            #out: &mut #private::String,
        ) -> #private::Result<(), #private::Error> {
            #destructure
            #(#statements)*
            #private::Result::Ok(())
        }
    }
}

/// What serializes some fields of the endpoint (a body, a query string, a form): the statements
/// of the method, and the shadow struct they call when there is one.
///
/// The common shape (no generic parameters, no container `#[serde(...)]` option, field options
/// only `rename` and `skip_serializing_if`, and those serde reads only when decoding) is written
/// out directly: a `serialize_struct` and one call per field, as serde's derive would write it.
/// Anything else goes through serde's own derive on a shadow struct.
fn serializer(
    endpoint: &Endpoint,
    shadow: &Ident,
    fields: &[&Field],
) -> (Option<TokenStream>, TokenStream) {
    if let Some(write) = direct_serializer(endpoint, shadow, fields) {
        return (None, write);
    }
    let (_, ty_generics, _) = endpoint.input.generics.split_for_impl();
    let turbofish = ty_generics.as_turbofish();
    let definition = shadow_struct(endpoint, shadow, fields);
    (
        Some(definition),
        quote!(#shadow #turbofish::serialize(self, __serializer)),
    )
}

/// The fields' `serialize_struct`, written out, or `None` when the endpoint needs serde's derive
/// (see [`serializer`]).
fn direct_serializer(
    endpoint: &Endpoint,
    shadow: &Ident,
    fields: &[&Field],
) -> Option<TokenStream> {
    let input = endpoint.input;
    if !input.generics.params.is_empty() || !input.serde_attrs.is_empty() {
        return None;
    }
    let krate = &endpoint.krate;
    let private = quote!(#krate::__private);
    let is_body = shadow == "__Body";
    // Mixed-site hygiene: a field cannot shadow the serializer's state.
    let state = Ident::new("__state", Span::mixed_site());
    let failed = Ident::new("__failed", Span::mixed_site());
    let mut fixed = 0usize;
    let mut counted = Vec::new();
    let mut writes = Vec::new();
    for field in fields {
        let options = serialize_options(field)?;
        let ident = &field.ident;
        let ty = &field.ty;
        let cfg_attrs = &field.cfg_attrs;
        let key = options
            .rename
            .unwrap_or_else(|| syn::LitStr::new(&ident.unraw().to_string(), ident.span()));
        // WeChat Pay rejects `null`: a `None` is left out unless the user decided otherwise.
        let skip = match options.skip_serializing_if {
            Some(path) => Some(quote!(#path(&self.#ident))),
            None if is_option(ty) => Some(quote!(#private::is_none(&self.#ident))),
            None => None,
        };
        // Each kind of value has its own function, whose bound names what the field's type must
        // be; the call is spanned on the type and names it, so that a type that does not fit is
        // reported on the field.
        let write = if field.encrypt.is_some() {
            quote_spanned!(ty.span()=> #private::write_encrypted_field::<_, #ty>)
        } else if !is_body && field.comma_separated.is_some() {
            quote_spanned!(ty.span()=> #private::write_joined_field::<_, #ty>)
        } else if is_body {
            quote_spanned!(ty.span()=> #private::write_body_field::<_, #ty>)
        } else {
            quote!(#private::write_field)
        };
        match &skip {
            Some(skip) => counted.push(quote! {
                #(#cfg_attrs)*
                let __len = __len + !#skip as usize;
            }),
            None if cfg_attrs.is_empty() => fixed += 1,
            None => counted.push(quote! {
                #(#cfg_attrs)*
                let __len = __len + 1;
            }),
        }
        let skip = skip.unwrap_or_else(|| quote!(false));
        writes.push(quote_spanned! {ty.span()=>
            #(#cfg_attrs)*
            #write(&mut #state, &mut #failed, #key, &self.#ident, #skip);
        });
    }
    let name = input.ident.to_string();
    let open = quote! {
        let __len: usize = #fixed;
        #(#counted)*
    };
    Some(if writes.is_empty() {
        quote! {
            #open
            let #state = #private::serde::Serializer::serialize_struct(__serializer, #name, __len)?;
            #private::SerializeStruct::end(#state)
        }
    } else {
        // No early return per field: a failed field is kept and reported at the end.
        quote! {
            #open
            let mut #state = #private::serde::Serializer::serialize_struct(__serializer, #name, __len)?;
            let mut #failed = #private::Option::None;
            #(#writes)*
            #private::end_fields(#state, #failed)
        }
    })
}

/// A field's serialization options, when they are only `rename = "…"` and
/// `skip_serializing_if = "…"` (and options serde reads only when decoding); `None` otherwise.
struct SerializeOptions {
    rename: Option<syn::LitStr>,
    skip_serializing_if: Option<syn::ExprPath>,
}

fn serialize_options(field: &Field) -> Option<SerializeOptions> {
    let mut options = SerializeOptions {
        rename: None,
        skip_serializing_if: None,
    };
    for attr in &field.serde_attrs {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") && meta.input.peek(syn::Token![=]) {
                options.rename = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("skip_serializing_if") {
                let path: syn::LitStr = meta.value()?.parse()?;
                options.skip_serializing_if = Some(path.parse()?);
                Ok(())
            } else if meta.path.is_ident("skip_deserializing") {
                Ok(())
            } else if meta.path.is_ident("default") || meta.path.is_ident("alias") {
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            } else {
                Err(meta.error("left to serde"))
            }
        });
        parsed.ok()?;
    }
    Some(options)
}

/// A struct that serializes some fields of the endpoint: serde's `remote` derive over a copy of
/// those fields, so that field attributes such as `skip_serializing_if = "Option::is_none"` see the
/// real field types. A marker field keeps every generic parameter used.
fn shadow_struct(endpoint: &Endpoint, shadow: &Ident, fields: &[&Field]) -> TokenStream {
    let input = endpoint.input;
    let ident = &input.ident;
    let krate = &endpoint.krate;
    let private = quote!(#krate::__private);
    let krate_text = compact(krate);
    let serde_crate = format!("{krate_text}::__private::serde");
    let is_none = format!("{krate_text}::__private::is_none");
    let encrypt_field = format!("{krate_text}::__private::encrypt_field");
    let body_field = format!("{krate_text}::__private::serialize_body_field");
    let is_body = shadow == "__Body";
    let comma_separated = format!("{krate_text}::__private::comma_separated");
    let params: Vec<&Ident> = input
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    let remote = ident.to_string();
    let container_attrs = &input.serde_attrs;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();

    let fields = fields.iter().map(|field| {
        let Field {
            ident,
            ty,
            encrypt,
            serde_attrs,
            cfg_attrs,
            ..
        } = field;
        // WeChat Pay rejects `null`: a `None` is left out unless the user decided otherwise.
        let skip_none = (is_option(ty) && !mentions(serde_attrs, &["skip_serializing_if"]))
            .then(|| quote!(#[serde(skip_serializing_if = #is_none)]));
        // A sensitive value is encrypted while it is serialized, with the key the client chose.
        // The path is spanned on the field's type, so that a type that is not text is reported
        // there (serde's generated call carries the span of this string).
        // The field's type is named in the path (`encrypt_field::<u64, _>`) when it holds no type
        // parameter, so that a type that does not fit is reported on the field itself.
        let concrete = !params.iter().any(|param| mentions_ident(ty, param));
        let typed = |function: &str| {
            if concrete {
                format!("{function}::<{}, _>", compact(ty))
            } else {
                function.to_owned()
            }
        };
        let encrypted = encrypt.is_some().then(|| {
            let path = syn::LitStr::new(&typed(&encrypt_field), ty.span());
            quote!(#[serde(serialize_with = #path)])
        });
        // A body field serialized by serde's own means goes through a function that names its
        // type, for the same reason: `Amount` not being `Serialize` is reported on `amount`.
        let checked = (is_body
            && concrete
            && encrypt.is_none()
            && !mentions(
                serde_attrs,
                &[
                    "serialize_with",
                    "with",
                    "skip",
                    "skip_serializing",
                    "flatten",
                ],
            ))
        .then(|| {
            let path = syn::LitStr::new(&typed(&body_field), ty.span());
            quote!(#[serde(serialize_with = #path)])
        });
        // A list in the query string: one value, its items joined with `,`.
        let joined = (!is_body && field.comma_separated.is_some()).then(|| {
            let path = syn::LitStr::new(&comma_separated, ty.span());
            quote!(#[serde(serialize_with = #path)])
        });
        quote! {
            #(#cfg_attrs)*
            #skip_none
            #encrypted
            #checked
            #joined
            #(#serde_attrs)*
            #ident: #ty,
        }
    });
    let marker = (!input.generics.params.is_empty()).then(|| {
        quote! {
            #[serde(skip)]
            __wechatpay_marker: #private::PhantomData<#ident #ty_generics>,
        }
    });
    quote! {
        #[derive(#private::serde::Serialize)]
        #[serde(crate = #serde_crate, remote = #remote)]
        #(#container_attrs)*
        struct #shadow #impl_generics #where_clause {
            #(#fields)*
            #marker
        }
    }
}

/// The bounds the impl needs beyond the struct's own: serde's derive bounds each type parameter a
/// serialized field uses by `Serialize`, and a path field must be a `PathParam`.
fn bounds(endpoint: &Endpoint) -> Vec<syn::WherePredicate> {
    let params: Vec<&Ident> = endpoint
        .input
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    if params.is_empty() {
        return Vec::new();
    }
    let krate = &endpoint.krate;
    let mut bounds = Vec::new();
    for piece in &endpoint.path {
        if let PathPiece::Field(field) = piece {
            let ty = &field.ty;
            if params.iter().any(|param| mentions_ident(ty, param)) {
                // Built rather than parsed, so that no field type can make the macro panic.
                bounds.push(syn::WherePredicate::Type(syn::PredicateType {
                    lifetimes: None,
                    bounded_ty: ty.clone(),
                    colon_token: <syn::Token![:]>::default(),
                    bounds: std::iter::once::<syn::TypeParamBound>(
                        parse_quote!(#krate::__private::PathParam),
                    )
                    .collect(),
                }));
            }
        }
    }
    let serialized = endpoint
        .query
        .iter()
        .chain(endpoint.body.iter().flatten())
        .filter(|field| {
            !mentions(
                &field.serde_attrs,
                &["skip", "skip_serializing", "serialize_with", "with"],
            )
        });
    let mut serialized_params: Vec<&Ident> = Vec::new();
    for field in serialized {
        for param in &params {
            if mentions_ident(&field.ty, param) && !serialized_params.contains(param) {
                serialized_params.push(param);
            }
        }
    }
    for param in serialized_params {
        bounds.push(parse_quote!(#param: #krate::__private::serde::Serialize));
    }
    bounds
}

/// Whether `ty` is `Option<…>` (by any path ending in `Option`).
pub(crate) fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        Type::Path(path) if path.qself.is_none() => path.path.segments.last().is_some_and(|last| {
            last.ident == "Option"
                && matches!(&last.arguments, PathArguments::AngleBracketed(args)
                        if args.args.len() == 1
                            && matches!(args.args.first(), Some(GenericArgument::Type(_))))
        }),
        _ => false,
    }
}

/// Whether any of the `#[serde(...)]` attributes names one of `keys` at its top level.
pub(crate) fn mentions(attrs: &[Attribute], keys: &[&str]) -> bool {
    attrs.iter().any(|attr| match &attr.meta {
        Meta::List(list) => list.tokens.clone().into_iter().any(
            |token| matches!(token, TokenTree::Ident(ident) if keys.iter().any(|key| ident == key)),
        ),
        _ => false,
    })
}

pub(crate) fn mentions_ident(tokens: impl ToTokens, wanted: &Ident) -> bool {
    fn walk(tokens: TokenStream, wanted: &Ident) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => ident == *wanted,
            TokenTree::Group(group) => walk(group.stream(), wanted),
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        })
    }
    walk(tokens.into_token_stream(), wanted)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// Compares the pretty-printed expansion with `tests/snapshots/{name}.rs`; with
    /// `WECHATPAY_SNAPSHOTS=overwrite` in the environment, rewrites the file instead.
    fn snapshot(name: &str, attr: TokenStream, item: TokenStream) {
        let expanded = endpoint(attr, item);
        let file: syn::File = syn::parse2(expanded).expect("the expansion parses as a file");
        let actual = prettyplease::unparse(&file);
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(format!("{name}.rs"));
        if std::env::var_os("WECHATPAY_SNAPSHOTS").is_some_and(|value| value == "overwrite") {
            std::fs::write(&path, &actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "the expansion differs from {}; rerun with WECHATPAY_SNAPSHOTS=overwrite and review \
             the diff\n--- actual ---\n{actual}",
            path.display(),
        );
    }

    #[test]
    fn get_with_path_and_query() {
        snapshot(
            "get_path_query",
            quote!(
                GET,
                "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}",
                response = Contract
            ),
            quote! {
                /// 查询签约协议: queries a contract by the merchant's contract number.
                pub struct QueryContract {
                    pub plan_id: u64,
                    pub out_contract_code: String,
                    #[serde(rename = "appid")]
                    pub app_id: Option<String>,
                }
            },
        );
    }

    #[test]
    fn post_with_body_derived_serde_and_a_query_field() {
        snapshot(
            "post_body",
            quote!(
                POST,
                "v3/papay/sign/contracts/pre-entrust-sign",
                response = PreEntrustSignResponse
            ),
            quote! {
                #[derive(Debug, Serialize)]
                #[serde(rename_all = "snake_case")]
                pub struct PreEntrustSign {
                    #[wechatpay(query)]
                    pub sub_mchid: String,
                    pub plan_id: u64,
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub openid: Option<String>,
                    pub return_url: Option<String>,
                    pub device_info: DeviceInfo,
                }
            },
        );
    }

    #[test]
    fn generics_lifetimes_and_a_crate_path() {
        snapshot(
            "generics_crate_path",
            quote!(PATCH, "v3/items/{id}", response = Vec<Item<'static>>, crate = ::sdk::wechatpay),
            quote! {
                pub struct Update<'a, T: Clone, I>
                where
                    I: Copy,
                {
                    id: I,
                    name: &'a str,
                    data: Option<T>,
                }
            },
        );
    }

    #[test]
    fn delete_without_response_and_post_without_body_fields() {
        snapshot(
            "no_response",
            quote!(DELETE, "v3/contracts/{type}", response = ()),
            quote!(
                struct Terminate {
                    r#type: String,
                }
            ),
        );
        snapshot(
            "empty_body",
            quote!(POST, "v3/contracts/{contract_id}/terminate", response = ()),
            quote!(
                struct TerminateNow {
                    contract_id: String,
                }
            ),
        );
    }

    #[test]
    fn errors_come_with_the_struct_and_a_stub_impl() {
        snapshot(
            "errors",
            quote!(get, "v3/contracts/{contract}", respnse = Contract),
            quote! {
                #[derive(Debug)]
                struct QueryContract {
                    #[wechatpay(query)]
                    #[serde(rename = "id")]
                    contract_id: String,
                }
            },
        );
    }

    #[test]
    fn items_that_cannot_be_endpoints_are_kept_with_the_error() {
        let expanded = endpoint(
            quote!(GET, "v3/x", response = ()),
            quote!(
                fn handler() {}
            ),
        )
        .to_string();
        assert!(expanded.starts_with("fn handler () { }"), "{expanded}");
        assert!(
            expanded.contains("goes on a struct with named fields"),
            "{expanded}"
        );
    }

    #[test]
    fn no_input_makes_the_macro_panic() {
        let attrs = [
            quote!(),
            quote!(,),
            quote!(GET),
            quote!(GET,),
            quote!(GET, "v3/a/{id}", response),
            quote!(GET, "v3/a/{id}", response =),
            quote!(GET, "v3/a/{id}", response = impl Fn()),
            quote!(GET, "v3/a/{id}", crate),
            quote!(GET, "v3/a/{id}", crate = 1 + 1),
            quote!(GET, "v3/a/{id}", = A),
            quote!(GET, "v3/a/{id}", response = A,,),
            quote!(GET, "", response = A),
            quote!(GET, "{", response = A),
            quote!(GET, "}{}}{{", response = A),
            quote!(GET, r"v3/a/{id}", unsigned_response),
            quote!(GET, b"v3/a"),
            quote!(self, "v3/a"),
            quote!(GET = "v3/a"),
            quote!([GET], "v3/a"),
        ];
        let items = [
            quote!(
                struct A {
                    id: u8,
                }
            ),
            quote!(
                struct A<'a, T: ?Sized, const N: usize>
                where
                    T: 'a,
                {
                    id: &'a T,
                    b: [u8; N],
                }
            ),
            quote!(
                struct A {
                    #[wechatpay(query)]
                    id: u8,
                }
            ),
            quote!(
                struct A {
                    #[wechatpay(query(nested))]
                    #[wechatpay = 1]
                    id: u8,
                }
            ),
            quote!(
                #[derive] #[derive(,)] #[serde]
                struct A {
                    #[serde]
                    id: u8,
                }
            ),
            quote!(
                struct A(u8);
            ),
            quote!(
                enum A {}
            ),
            quote!(union A { id: u8 }),
            quote!(impl A {}),
            quote!(),
            quote!(not an item),
        ];
        for attr in &attrs {
            for item in &items {
                let _ = endpoint(attr.clone(), item.clone());
            }
        }
    }

    #[test]
    fn option_types_are_recognised_by_their_last_segment() {
        for ty in [
            quote!(Option<String>),
            quote!(core::option::Option<u8>),
            quote!((Option<u8>)),
        ] {
            assert!(is_option(&syn::parse2(ty.clone()).unwrap()), "{ty}");
        }
        for ty in [
            quote!(Vec<Option<u8>>),
            quote!(Option),
            quote!(MyOption<u8>),
        ] {
            assert!(!is_option(&syn::parse2(ty.clone()).unwrap()), "{ty}");
        }
    }

    #[test]
    fn types_are_documented_compactly() {
        let ty: Type = parse_quote!(std::collections::HashMap<String, Vec<&'static [u8; 4]>>);
        assert_eq!(
            compact(&ty),
            "std::collections::HashMap<String, Vec<&'static [u8; 4]>>"
        );
    }
}
