//! What the user wrote: the `#[endpoint(...)]` arguments, and the struct with our attributes read off it.

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::Flag;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Fields, Generics, Ident, Item, Lit, LitStr, Meta, Path, Token, Type};

use crate::errors::{Errors, problem, problem_spanned};

/// `METHOD, "TEMPLATE", options…`, as written; [`crate::valid`] decides whether they make sense.
pub(crate) struct Args {
    pub(crate) method: Ident,
    pub(crate) template: LitStr,
    pub(crate) options: Options,
    /// Whether the options were read without error. When one was refused (a misspelt
    /// `respnse = …`), that error is the one reported, not also "the answer type is missing".
    pub(crate) options_read: bool,
}

/// The `key = value` options after the template.
#[derive(Default, FromMeta)]
pub(crate) struct Options {
    /// `response = Type`: what the endpoint answers.
    pub(crate) response: Option<ResponseType>,
    /// `crate = path`: where the `wechatpay` crate is, for crates that re-export it.
    #[darling(rename = "crate")]
    pub(crate) krate: Option<CratePath>,
    /// `unsigned_response`: WeChat Pay does not sign this endpoint's answer (file downloads,
    /// checked by a digest instead).
    pub(crate) unsigned_response: darling::util::Flag,
    /// `protocol = v2`: an API v2 operation (XML signed with the APIv2 key); `v3` is the default.
    pub(crate) protocol: Option<ProtocolName>,
    /// `client_certificate`: WeChat Pay requires the client certificate (mutual TLS); v2 only.
    pub(crate) client_certificate: darling::util::Flag,
}

const OPTIONS: &[&str] = &[
    "response",
    "crate",
    "unsigned_response",
    "protocol",
    "client_certificate",
];

/// The protocol named by `protocol = v2` or `protocol = v3`.
pub(crate) struct ProtocolName {
    pub(crate) v2: bool,
}

impl FromMeta for ProtocolName {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        // The value may come as a path or as verbatim tokens (options are read as types).
        let text = expr.to_token_stream().to_string();
        let name = Some(text.trim_matches('"').to_owned());
        match name.as_deref() {
            Some("v2") => Ok(Self { v2: true }),
            Some("v3") => Ok(Self { v2: false }),
            _ => Err(
                darling::Error::custom("`protocol` is `v2` or `v3`: `protocol = v2`")
                    .with_span(expr),
            ),
        }
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "`protocol` needs a value: `protocol = v2`",
        ))
    }

    fn from_list(_: &[NestedMeta]) -> darling::Result<Self> {
        Self::from_word()
    }
}

pub(crate) struct ResponseType(pub(crate) Type);

pub(crate) struct CratePath(pub(crate) Path);

/// The item under the attribute, cleaned of the attributes only this macro understands.
pub(crate) struct Input {
    /// The item to emit again: `#[wechatpay]` attributes removed, and `#[serde]` attributes too
    /// unless the item derives serde's traits itself (then they are serde's helpers).
    pub(crate) item: Item,
    pub(crate) ident: Ident,
    pub(crate) generics: Generics,
    pub(crate) shape: Shape,
    /// The named fields, in declaration order (empty for other shapes).
    pub(crate) fields: Vec<Field>,
    /// The item's own `#[serde(...)]` attributes, for the serializers of the query and body.
    pub(crate) serde_attrs: Vec<Attribute>,
}

/// What kind of item the attribute was put on; only `Named` can be an endpoint. Each other shape
/// carries the span of its keyword, where the error goes.
pub(crate) enum Shape {
    Named,
    Tuple(Span),
    Unit(Span),
    Enum(Span),
    Union(Span),
}

pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// The `#[wechatpay(query)]` attribute that sends the field to the query string.
    pub(crate) query: Option<Attribute>,
    /// The `#[wechatpay(encrypt)]` attribute: the field is a sensitive value, sent RSA-OAEP
    /// encrypted under the WeChat Pay key.
    pub(crate) encrypt: Option<Attribute>,
    /// The `#[wechatpay(file)]` attribute: the file part of a multipart upload.
    pub(crate) file: Option<Attribute>,
    /// The `#[wechatpay(form)]` attribute: a text part of a multipart upload, beside `meta`.
    pub(crate) form: Option<Attribute>,
    /// The `#[wechatpay(body)]` attribute: a JSON body field on a `DELETE`.
    pub(crate) body: Option<Attribute>,
    /// The `#[wechatpay(comma_separated)]` attribute: a list sent in the query string as one
    /// value, its items joined with `,`.
    pub(crate) comma_separated: Option<Attribute>,
    pub(crate) serde_attrs: Vec<Attribute>,
    /// `#[cfg]`s, which must follow the field into the serializers.
    pub(crate) cfg_attrs: Vec<Attribute>,
}

#[derive(Default, FromMeta)]
struct FieldOptions {
    query: Flag,
    encrypt: Flag,
    file: Flag,
    form: Flag,
    body: Flag,
    comma_separated: Flag,
}

const FIELD_OPTIONS: &[&str] = &[
    "query",
    "encrypt",
    "file",
    "form",
    "body",
    "comma_separated",
];

/// Reads the item. Problems with our attributes go to `errors`; an item that cannot be an endpoint
/// at all (a function, an impl) is the returned error.
pub(crate) fn parse_item(tokens: TokenStream, errors: &mut Errors) -> syn::Result<Input> {
    let mut item: Item = syn::parse2(tokens)?;
    let (attrs, ident, generics, shape) = match &mut item {
        Item::Struct(item) => {
            let shape = match &item.fields {
                Fields::Named(_) => Shape::Named,
                Fields::Unnamed(_) => Shape::Tuple(item.struct_token.span),
                Fields::Unit => Shape::Unit(item.struct_token.span),
            };
            (&mut item.attrs, &item.ident, &item.generics, shape)
        }
        Item::Enum(item) => (
            &mut item.attrs,
            &item.ident,
            &item.generics,
            Shape::Enum(item.enum_token.span),
        ),
        Item::Union(item) => (
            &mut item.attrs,
            &item.ident,
            &item.generics,
            Shape::Union(item.union_token.span),
        ),
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "`#[endpoint]` goes on a struct with named fields",
            ));
        }
    };
    let ident = ident.clone();
    let generics = generics.clone();
    let serde_is_derived = attrs.iter().any(derives_serde);

    let mut serde_attrs = Vec::new();
    let mut kept = Vec::new();
    for attr in attrs.drain(..) {
        if attr.path().is_ident("wechatpay") {
            errors.push(problem_spanned(
                &attr,
                &ident,
                "`#[wechatpay(...)]` goes on fields",
                Some(&"endpoint options go in `#[endpoint(METHOD, \"v3/...\", ...)]`"),
            ));
        } else if attr.path().is_ident("serde") {
            if serde_is_derived {
                kept.push(attr.clone());
            }
            serde_attrs.push(attr);
        } else {
            kept.push(attr);
        }
    }
    *attrs = kept;

    let mut fields = Vec::new();
    if let Item::Struct(item) = &mut item {
        for field in &mut item.fields {
            let mut query = None;
            let mut encrypt = None;
            let mut file = None;
            let mut form = None;
            let mut body = None;
            let mut comma_separated = None;
            let mut serde_attrs = Vec::new();
            let mut cfg_attrs = Vec::new();
            let mut kept = Vec::new();
            for attr in field.attrs.drain(..) {
                if attr.path().is_ident("wechatpay") {
                    let options = read_field_options(&attr, &ident, errors);
                    for (given, slot, option) in [
                        (options.query, &mut query, "query"),
                        (options.encrypt, &mut encrypt, "encrypt"),
                        (options.file, &mut file, "file"),
                        (options.form, &mut form, "form"),
                        (options.body, &mut body, "body"),
                        (
                            options.comma_separated,
                            &mut comma_separated,
                            "comma_separated",
                        ),
                    ] {
                        if !given {
                            continue;
                        }
                        if slot.is_some() {
                            errors.push(problem_spanned(
                                &attr,
                                &ident,
                                format_args!("`#[wechatpay({option})]` is given twice"),
                                Some(&"keep one"),
                            ));
                        } else {
                            *slot = Some(attr.clone());
                        }
                    }
                    continue;
                }
                if attr.path().is_ident("serde") {
                    if serde_is_derived {
                        kept.push(attr.clone());
                    }
                    serde_attrs.push(attr);
                    continue;
                }
                if attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr") {
                    cfg_attrs.push(attr.clone());
                }
                kept.push(attr);
            }
            field.attrs = kept;
            if let Some(field_ident) = &field.ident {
                fields.push(Field {
                    ident: field_ident.clone(),
                    ty: field.ty.clone(),
                    query,
                    encrypt,
                    file,
                    form,
                    body,
                    comma_separated,
                    serde_attrs,
                    cfg_attrs,
                });
            }
        }
    }

    Ok(Input {
        item,
        ident,
        generics,
        shape,
        fields,
        serde_attrs,
    })
}

/// Whether `attr` is a `#[derive]` naming `Serialize`, `Deserialize` or the catalog's `Decode`,
/// each of which reads the `#[serde]` attributes.
fn derives_serde(attr: &Attribute) -> bool {
    if !attr.path().is_ident("derive") {
        return false;
    }
    let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated) else {
        return false;
    };
    paths.iter().any(|path| {
        path.segments.last().is_some_and(|last| {
            last.ident == "Serialize" || last.ident == "Deserialize" || last.ident == "Decode"
        })
    })
}

/// The options one `#[wechatpay(...)]` field attribute gives.
#[derive(Default)]
struct GivenFieldOptions {
    query: bool,
    encrypt: bool,
    file: bool,
    form: bool,
    body: bool,
    comma_separated: bool,
}

/// Reads one `#[wechatpay(...)]` field attribute.
fn read_field_options(attr: &Attribute, name: &Ident, errors: &mut Errors) -> GivenFieldOptions {
    let Meta::List(list) = &attr.meta else {
        errors.push(problem_spanned(
            attr,
            name,
            "`#[wechatpay]` needs an option",
            Some(&"`#[wechatpay(query)]` sends the field in the query string; `#[wechatpay(encrypt)]` encrypts a sensitive value; `#[wechatpay(file)]` is the file of an upload"),
        ));
        return GivenFieldOptions::default();
    };
    let options = NestedMeta::parse_meta_list(list.tokens.clone())
        .map_err(darling::Error::from)
        .and_then(|items| FieldOptions::from_list(&items));
    match options {
        Ok(options) => GivenFieldOptions {
            query: options.query.is_present(),
            encrypt: options.encrypt.is_present(),
            file: options.file.is_present(),
            form: options.form.is_present(),
            body: options.body.is_present(),
            comma_separated: options.comma_separated.is_present(),
        },
        Err(error) => {
            errors.push(reword(error, name, "field option", FIELD_OPTIONS));
            GivenFieldOptions::default()
        }
    }
}

/// Reads `METHOD, "TEMPLATE", key = value, …`. The first two are read by hand, the options by
/// darling (which suggests the nearest name for a misspelt one).
pub(crate) fn parse_args(tokens: TokenStream, name: &Ident, errors: &mut Errors) -> Option<Args> {
    let parser = |input: ParseStream| parse_positional_and_options(input, name);
    let (method, template, items) = errors.ok(parser.parse2(tokens))?;
    let (options, options_read) = match Options::from_list(&items) {
        Ok(options) => (options, true),
        Err(error) => {
            errors.push(reword(error, name, "option", OPTIONS));
            (Options::salvage(&items), false)
        }
    };
    Some(Args {
        method,
        template,
        options,
        options_read,
    })
}

fn parse_positional_and_options(
    input: ParseStream,
    name: &Ident,
) -> syn::Result<(Ident, LitStr, Vec<NestedMeta>)> {
    const EXAMPLE: &str = "write `#[endpoint(GET, \"v3/pay/transactions/id/{transaction_id}\", \
                           response = Transaction)]`";
    if input.is_empty() {
        return Err(problem(
            Span::call_site(),
            name,
            "expected the method and the path",
            Some(&EXAMPLE),
        ));
    }
    if input.peek(LitStr) {
        return Err(problem(
            input.span(),
            name,
            "expected the method before the path",
            Some(&EXAMPLE),
        ));
    }
    let method = Ident::parse_any(input).map_err(|e| {
        problem(
            e.span(),
            name,
            "expected the method, like `GET`",
            Some(&EXAMPLE),
        )
    })?;
    if input.is_empty() {
        return Err(problem(
            method.span(),
            name,
            "expected the path after the method",
            Some(&EXAMPLE),
        ));
    }
    input
        .parse::<Token![,]>()
        .map_err(|e| problem(e.span(), name, "expected `,` after the method", None))?;
    let template = input.parse::<LitStr>().map_err(|e| {
        problem(
            e.span(),
            name,
            "expected the path as a string literal",
            Some(&EXAMPLE),
        )
    })?;

    let mut items = Vec::new();
    while !input.is_empty() {
        input
            .parse::<Token![,]>()
            .map_err(|e| problem(e.span(), name, "expected `,` before the next option", None))?;
        if input.is_empty() {
            break;
        }
        items.push(parse_option(input, name)?);
    }
    Ok((method, template, items))
}

/// One `key = value` or `key`. A value that reads as a type stays whole, so that
/// `response = HashMap<String, u32>` is not split at its comma.
fn parse_option(input: ParseStream, name: &Ident) -> syn::Result<NestedMeta> {
    let key = Ident::parse_any(input).map_err(|e| {
        problem(
            e.span(),
            name,
            "expected an option, like `response = Contract`",
            None,
        )
    })?;
    let path = Path::from(key);
    if !input.peek(Token![=]) {
        return Ok(NestedMeta::Meta(Meta::Path(path)));
    }
    let eq_token = input.parse::<Token![=]>()?;
    let fork = input.fork();
    let value = if fork.parse::<Type>().is_ok() && (fork.is_empty() || fork.peek(Token![,])) {
        Expr::Verbatim(input.parse::<Type>()?.into_token_stream())
    } else {
        input.parse::<Expr>()?
    };
    Ok(NestedMeta::Meta(Meta::NameValue(syn::MetaNameValue {
        path,
        eq_token,
        value,
    })))
}

impl Options {
    /// What can still be read from options darling rejected as a whole, so that the stub emitted
    /// for a broken declaration keeps the declared response type and crate path.
    fn salvage(items: &[NestedMeta]) -> Self {
        let mut options = Self::default();
        for item in items {
            let NestedMeta::Meta(meta) = item else {
                continue;
            };
            if meta.path().is_ident("response") {
                options.response = ResponseType::from_meta(meta).ok();
            } else if meta.path().is_ident("crate") {
                options.krate = CratePath::from_meta(meta).ok();
            }
        }
        options
    }
}

impl FromMeta for ResponseType {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        if let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(_), ..
        }) = expr
        {
            return Err(darling::Error::custom(
                "`response` takes a type, not a string: `response = Contract`",
            )
            .with_span(expr));
        }
        syn::parse2(expr.to_token_stream()).map(Self).map_err(|_| {
            darling::Error::custom("`response` takes a type: `response = Contract`").with_span(expr)
        })
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "`response` needs a type: `response = Contract`",
        ))
    }

    fn from_list(_: &[NestedMeta]) -> darling::Result<Self> {
        Self::from_word()
    }
}

impl FromMeta for CratePath {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        let parsed = match expr {
            // serde's spelling, `crate = "::path"`, is accepted as well.
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(lit), ..
            }) => lit.parse::<Path>(),
            _ => syn::parse2::<Path>(expr.to_token_stream()),
        };
        parsed.map(Self).map_err(|_| {
            darling::Error::custom(
                "`crate` takes the path of the `wechatpay` crate: `crate = ::my_sdk::wechatpay`",
            )
            .with_span(expr)
        })
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "`crate` needs a path: `crate = ::my_sdk::wechatpay`",
        ))
    }

    fn from_list(_: &[NestedMeta]) -> darling::Result<Self> {
        Self::from_word()
    }
}

/// Rewords darling's errors into the voice of every other message ("endpoint `Name`: …"),
/// keeping darling's suggestion for a misspelt name as the `help:` line.
fn reword(error: darling::Error, name: &Ident, what: &str, known: &[&str]) -> syn::Error {
    let mut errors = Errors::default();
    for single in error {
        let span = single.span();
        // Converting drops the " at <location>" suffix darling adds when the span is its own.
        let message = syn::Error::from(single).to_string();
        let (problem_text, help) = if let Some(rest) = message.strip_prefix("Unknown field: ") {
            match rest.split_once(". Did you mean ") {
                Some((field, suggestion)) => (
                    format!("unknown {what} {field}"),
                    format!("did you mean {suggestion}"),
                ),
                None => (format!("unknown {what} {rest}"), list_of(what, known)),
            }
        } else if let Some(field) = message.strip_prefix("Duplicate field ") {
            (
                format!("{what} {field} is given twice"),
                "keep one".to_owned(),
            )
        } else {
            errors.push(problem(span, name, message, None));
            continue;
        };
        errors.push(problem(span, name, problem_text, Some(&help)));
    }
    errors
        .into_error()
        .unwrap_or_else(|| problem(Span::call_site(), name, format!("invalid {what}"), None))
}

fn list_of(what: &str, known: &[&str]) -> String {
    let names: Vec<String> = known.iter().map(|name| format!("`{name}`")).collect();
    match names.as_slice() {
        [one] => format!("the only {what} is {one}"),
        [init @ .., last] => format!("the {what}s are {} and {last}", init.join(", ")),
        [] => format!("there is no {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn name() -> Ident {
        Ident::new("QueryContract", Span::call_site())
    }

    fn args(tokens: TokenStream) -> Result<Args, String> {
        let mut errors = Errors::default();
        let args = parse_args(tokens, &name(), &mut errors);
        match (args, errors.into_error()) {
            (Some(args), None) => Ok(args),
            (_, Some(error)) => Err(error
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n---\n")),
            (None, None) => Err("no args and no error".to_owned()),
        }
    }

    #[test]
    fn reads_method_template_and_options() {
        let args = args(
            quote!(GET, "v3/x/{id}", response = HashMap<String, u32>, crate = ::my::wechatpay),
        )
        .unwrap();
        assert_eq!(args.method, "GET");
        assert_eq!(args.template.value(), "v3/x/{id}");
        let response = args.options.response.unwrap().0;
        assert_eq!(
            response.to_token_stream().to_string(),
            "HashMap < String , u32 >"
        );
        let krate = args.options.krate.unwrap().0;
        assert_eq!(krate.to_token_stream().to_string(), ":: my :: wechatpay");
    }

    #[test]
    fn options_are_optional_and_a_trailing_comma_is_fine() {
        let args = args(quote!(DELETE, "v3/x",)).unwrap();
        assert!(args.options.response.is_none() && args.options.krate.is_none());
    }

    #[test]
    fn the_crate_path_may_be_a_string_like_serde_s() {
        let args = args(quote!(GET, "v3/x", crate = "crate::reexport::wp")).unwrap();
        let krate = args.options.krate.unwrap().0;
        assert_eq!(
            krate.to_token_stream().to_string(),
            "crate :: reexport :: wp"
        );
    }

    #[test]
    fn a_misspelt_option_gets_a_suggestion() {
        let error = args(quote!(GET, "v3/x", respnse = Contract)).err().unwrap();
        assert_eq!(
            error,
            "endpoint `QueryContract`: unknown option `respnse`\nhelp: did you mean `response`?"
        );
    }

    #[test]
    fn an_unknown_option_lists_the_known_ones() {
        let error = args(quote!(GET, "v3/x", timeout = 5)).err().unwrap();
        assert_eq!(
            error,
            "endpoint `QueryContract`: unknown option `timeout`\nhelp: the options are `response`, `crate`, `unsigned_response`, `protocol` and `client_certificate`"
        );
    }

    #[test]
    fn a_duplicate_option_is_an_error() {
        let error = args(quote!(GET, "v3/x", response = A, response = B))
            .err()
            .unwrap();
        assert_eq!(
            error,
            "endpoint `QueryContract`: option `response` is given twice\nhelp: keep one"
        );
    }

    #[test]
    fn every_option_error_is_reported() {
        let error = args(quote!(GET, "v3/x", respons = A, response, crate = 5))
            .err()
            .unwrap();
        assert_eq!(
            error.matches("endpoint `QueryContract`").count(),
            3,
            "{error}"
        );
        assert!(error.contains("`response` needs a type"), "{error}");
        assert!(error.contains("`crate` takes the path"), "{error}");
    }

    #[test]
    fn a_string_response_is_refused() {
        let error = args(quote!(GET, "v3/x", response = "Contract"))
            .err()
            .unwrap();
        assert!(
            error.contains("`response` takes a type, not a string"),
            "{error}"
        );
    }

    #[test]
    fn the_positional_arguments_are_required_in_order() {
        for (tokens, expected) in [
            (quote!(), "expected the method and the path"),
            (quote!("v3/x"), "expected the method before the path"),
            (quote!(GET), "expected the path after the method"),
            (quote!(GET "v3/x"), "expected `,` after the method"),
            (quote!(GET, v3), "expected the path as a string literal"),
            (
                quote!(GET, "v3/x" response = A),
                "expected `,` before the next option",
            ),
            (quote!(GET, "v3/x", 5), "expected an option"),
            (quote!(1, "v3/x"), "expected the method"),
        ] {
            let error = args(tokens.clone()).err().unwrap_or_default();
            assert!(error.contains(expected), "{tokens}: {error}");
        }
    }

    #[test]
    fn salvage_keeps_what_parses() {
        let mut errors = Errors::default();
        let args = parse_args(
            quote!(GET, "v3/x", response = Contract, typo = 1),
            &name(),
            &mut errors,
        )
        .unwrap();
        assert!(!errors.is_empty());
        assert!(args.options.response.is_some());
    }

    fn input(tokens: TokenStream) -> (Option<Input>, Vec<String>) {
        let mut errors = Errors::default();
        let input = parse_item(tokens, &mut errors);
        let messages = errors
            .into_error()
            .into_iter()
            .flatten()
            .map(|e| e.to_string())
            .collect();
        (input.ok(), messages)
    }

    #[test]
    fn field_attributes_are_read_and_removed() {
        let (input, errors) = input(quote! {
            /// Docs.
            #[serde(rename_all = "camelCase")]
            pub struct Refund {
                #[wechatpay(query)]
                #[serde(rename = "sub")]
                #[cfg(all())]
                pub sub_mchid: String,
                pub amount: u64,
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
        let input = input.unwrap();
        assert_eq!(input.serde_attrs.len(), 1);
        assert_eq!(input.fields.len(), 2);
        assert!(input.fields[0].query.is_some());
        assert_eq!(input.fields[0].serde_attrs.len(), 1);
        assert_eq!(input.fields[0].cfg_attrs.len(), 1);
        let emitted = input.item.to_token_stream().to_string();
        assert!(
            !emitted.contains("serde") && !emitted.contains("wechatpay"),
            "{emitted}"
        );
        assert!(emitted.contains("cfg"), "{emitted}");
    }

    #[test]
    fn serde_attributes_stay_when_the_struct_derives_serde() {
        let (input, _) = input(quote! {
            #[derive(Debug, serde::Serialize)]
            #[serde(deny_unknown_fields)]
            pub struct Refund {
                #[serde(rename = "sub")]
                pub sub_mchid: String,
            }
        });
        let emitted = input.unwrap().item.to_token_stream().to_string();
        assert_eq!(emitted.matches("serde (").count(), 2, "{emitted}");
    }

    #[test]
    fn bad_field_options_are_reported() {
        let (_, errors) = input(quote! {
            #[wechatpay(query)]
            pub struct Refund {
                #[wechatpay(querry)] a: String,
                #[wechatpay] b: String,
                #[wechatpay(query)] #[wechatpay(query)] c: String,
                #[wechatpay(query = 1)] d: String,
            }
        });
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].contains("`#[wechatpay(...)]` goes on fields"));
        assert!(errors[1].ends_with("unknown field option `querry`\nhelp: did you mean `query`?"));
        assert!(errors[2].contains("`#[wechatpay]` needs an option"));
        assert!(errors[3].contains("`#[wechatpay(query)]` is given twice"));
        assert!(
            errors[4].starts_with("endpoint `Refund`: "),
            "{}",
            errors[4]
        );
    }

    #[test]
    fn shapes_are_told_apart() {
        let shape = |tokens| input(tokens).0.map(|input| input.shape);
        assert!(matches!(
            shape(quote!(
                struct A {
                    a: u8,
                }
            )),
            Some(Shape::Named)
        ));
        assert!(matches!(
            shape(quote!(
                struct A(u8);
            )),
            Some(Shape::Tuple(_))
        ));
        assert!(matches!(
            shape(quote!(
                struct A;
            )),
            Some(Shape::Unit(_))
        ));
        assert!(matches!(
            shape(quote!(
                enum A {
                    B,
                }
            )),
            Some(Shape::Enum(_))
        ));
        assert!(matches!(
            shape(quote!(union A { a: u8 })),
            Some(Shape::Union(_))
        ));
        assert!(
            shape(quote!(
                fn a() {}
            ))
            .is_none()
        );
    }
}
