//! The checks: a declaration becomes an [`Endpoint`] only when the method, the path and the fields agree.

use syn::ext::IdentExt as _;
use syn::{Attribute, Ident, LitStr, Path, Type, parse_quote};

use crate::attr::{Args, Field, Input, Shape};
use crate::errors::{Errors, problem, problem_spanned};
use crate::path_template::{self, Segment};

/// A checked declaration: everything [`crate::expand`] needs, nothing it has to doubt.
pub(crate) struct Endpoint<'a> {
    pub(crate) input: &'a Input,
    pub(crate) method: Method,
    pub(crate) template: &'a LitStr,
    /// The path in order: literal text and the fields that fill the placeholders.
    pub(crate) path: Vec<PathPiece<'a>>,
    /// The declared answer type; `()` for an endpoint that answers `204 No Content`.
    pub(crate) response: &'a Type,
    /// Where the `wechatpay` crate is: `::wechatpay` unless `crate = …` says otherwise.
    pub(crate) krate: Path,
    pub(crate) query: Vec<&'a Field>,
    /// `Some` exactly for the methods that carry a body, even when no field goes in it, and for a
    /// `DELETE` with `#[wechatpay(body)]` fields. In an upload, the fields of the `meta` JSON.
    pub(crate) body: Option<Vec<&'a Field>>,
    /// A `DELETE` that carries a JSON body (`#[wechatpay(body)]`).
    pub(crate) body_on_delete: bool,
    /// The `#[wechatpay(file)]` field of a multipart upload.
    pub(crate) file: Option<&'a Field>,
    /// The `#[wechatpay(form)]` fields: text parts of the upload beside `meta`.
    pub(crate) form: Vec<&'a Field>,
    /// `unsigned_response`: the answer carries no WeChat Pay signature.
    pub(crate) unsigned_response: bool,
    /// `protocol = v2`: an API v2 operation.
    pub(crate) v2: bool,
    /// `client_certificate`: the operation requires mutual TLS.
    pub(crate) client_certificate: bool,
}

pub(crate) enum PathPiece<'a> {
    Literal(String),
    Field(&'a Field),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

const METHODS: [(&str, Method); 5] = [
    ("GET", Method::Get),
    ("POST", Method::Post),
    ("PUT", Method::Put),
    ("PATCH", Method::Patch),
    ("DELETE", Method::Delete),
];

impl Method {
    /// The name of the `http::Method` constant.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    fn has_body(self) -> bool {
        matches!(self, Self::Post | Self::Put | Self::Patch)
    }
}

/// The crate path when `crate = …` is not given.
pub(crate) fn default_crate() -> Path {
    parse_quote!(::wechatpay)
}

/// Checks a declaration, adding every problem to those `errors` already holds, and returns the
/// model only when there are none.
pub(crate) fn check<'a>(
    input: &'a Input,
    args: &'a Args,
    mut errors: Errors,
) -> Result<Endpoint<'a>, syn::Error> {
    let name = &input.ident;
    check_shape(input, &mut errors);
    let method = errors.ok(check_method(&args.method, name));
    let v2 = args.options.protocol.as_ref().is_some_and(|p| p.v2);
    let path = if v2 {
        check_v2(input, args, method, &mut errors);
        check_v2_path(input, &args.template, &mut errors)
    } else {
        if args.options.client_certificate.is_present() {
            errors.push(problem(
                args.options.client_certificate.span(),
                name,
                "`client_certificate` marks API v2 operations that need mutual TLS; API v3 does not use it",
                Some(&"remove it, or add `protocol = v2` if this is a v2 operation"),
            ));
        }
        check_path(input, &args.template, &mut errors)
    };

    let in_path = |field: &Field| {
        path.iter()
            .any(|piece| matches!(piece, PathPiece::Field(f) if f.ident == field.ident))
    };
    for field in input.fields.iter().filter(|field| in_path(field)) {
        if let Some(attr) = &field.encrypt {
            errors.push(problem_spanned(
                attr,
                name,
                format_args!(
                    "`{}` fills `{{{}}}` in the path, which WeChat Pay never encrypts",
                    field.ident,
                    field.ident.unraw()
                ),
                Some(&"remove `#[wechatpay(encrypt)]`"),
            ));
        }
        if let Some(attr) = &field.query {
            errors.push(problem_spanned(
                attr,
                name,
                format_args!(
                    "`{}` fills `{{{}}}` in the path, so it cannot go to the query string too",
                    field.ident,
                    field.ident.unraw()
                ),
                Some(&"remove `#[wechatpay(query)]`"),
            ));
        }
    }

    for field in &input.fields {
        if let (Some(attr), true) = (
            &field.encrypt,
            crate::expand::mentions(&field.serde_attrs, &["serialize_with", "with"]),
        ) {
            errors.push(problem_spanned(
                attr,
                name,
                format_args!(
                    "`{}` is serialized by its own function, so it cannot also be encrypted",
                    field.ident
                ),
                Some(&"remove `serialize_with`/`with`, or `#[wechatpay(encrypt)]`"),
            ));
        }
    }

    check_parts(input, method, &in_path, &mut errors);

    if let Some(method) = method {
        let to_query = |field: &&Field| {
            !in_path(field)
                && field.body.is_none()
                && field.file.is_none()
                && field.form.is_none()
                && (field.query.is_some() || !method.has_body())
        };
        for field in input.fields.iter().filter(to_query) {
            let own_serializer = crate::expand::mentions(
                &field.serde_attrs,
                &[
                    "skip",
                    "skip_serializing",
                    "serialize_with",
                    "with",
                    "flatten",
                ],
            );
            if is_list(&field.ty) && !own_serializer && field.comma_separated.is_none() {
                errors.push(problem_spanned(
                    &field.ty,
                    name,
                    format_args!(
                        "`{}` is a list, which a query string cannot carry",
                        field.ident
                    ),
                    Some(&"WeChat Pay writes a list in a query string as one value, its items joined \
                           with `,`: mark the field `#[wechatpay(comma_separated)]`"),
                ));
            }
        }
    }

    let response = args.options.response.as_ref().map(|response| &response.0);
    if response.is_none() && args.options_read {
        errors.push(missing_response(args, name));
    }

    let (Some(method), Some(response), true) = (method, response, errors.is_empty()) else {
        return Err(errors.into_error().unwrap_or_else(|| {
            // Unreachable in practice: a missing method is always reported. Kept total so that no
            // input can make the macro panic.
            problem(args.method.span(), name, "invalid declaration", None)
        }));
    };

    let (mut query, mut body, mut form) = (Vec::new(), Vec::new(), Vec::new());
    let mut file = None;
    for field in input.fields.iter().filter(|field| !in_path(field)) {
        if field.file.is_some() {
            file = Some(field);
        } else if field.form.is_some() {
            form.push(field);
        } else if field.query.is_some() || (!method.has_body() && field.body.is_none()) {
            query.push(field);
        } else {
            body.push(field);
        }
    }
    let body_on_delete = method == Method::Delete && !body.is_empty();
    Ok(Endpoint {
        input,
        method,
        template: &args.template,
        path,
        response,
        krate: args
            .options
            .krate
            .as_ref()
            .map_or_else(default_crate, |krate| krate.0.clone()),
        query,
        body: (method.has_body() || body_on_delete).then_some(body),
        body_on_delete,
        file,
        form,
        unsigned_response: args.options.unsigned_response.is_present(),
        v2,
        client_certificate: args.options.client_certificate.is_present(),
    })
}

/// The placement attributes agree with the method and with each other: one `file` on a method
/// with a body; `form` only beside a `file`; `body` only on a `DELETE`; `comma_separated` only on a
/// query field; none of them on a path field, and at most one placement per field.
fn check_parts(
    input: &Input,
    method: Option<Method>,
    in_path: &dyn Fn(&Field) -> bool,
    errors: &mut Errors,
) {
    let name = &input.ident;
    let has_file = input.fields.iter().any(|field| field.file.is_some());
    let mut files = 0;
    for field in &input.fields {
        let ident = &field.ident;
        let placements: Vec<(&Attribute, &str)> = [
            (&field.query, "query"),
            (&field.file, "file"),
            (&field.form, "form"),
            (&field.body, "body"),
        ]
        .into_iter()
        .filter_map(|(attr, option)| attr.as_ref().map(|attr| (attr, option)))
        .collect();
        if let [(_, first), (attr, second), ..] = placements.as_slice() {
            errors.push(problem_spanned(
                attr,
                name,
                format_args!(
                    "`{ident}` cannot be both `#[wechatpay({first})]` and `#[wechatpay({second})]`"
                ),
                Some(&"keep the one that says where WeChat Pay expects the field"),
            ));
        }
        if in_path(field) {
            for (attr, option) in [
                (&field.file, "file"),
                (&field.form, "form"),
                (&field.body, "body"),
                (&field.comma_separated, "comma_separated"),
            ] {
                if let Some(attr) = attr {
                    errors.push(problem_spanned(
                        attr,
                        name,
                        format_args!(
                            "`{ident}` fills `{{{}}}` in the path, so it cannot be `#[wechatpay({option})]`",
                            ident.unraw()
                        ),
                        Some(&format_args!("remove `#[wechatpay({option})]`")),
                    ));
                }
            }
            continue;
        }
        if let Some(attr) = &field.file {
            files += 1;
            if files > 1 {
                errors.push(problem_spanned(
                    attr,
                    name,
                    format_args!("`{ident}` is a second file: an upload sends one file part"),
                    Some(&"keep `#[wechatpay(file)]` on one field"),
                ));
            }
            if method.is_some_and(|method| !method.has_body()) {
                errors.push(problem_spanned(
                    attr,
                    name,
                    format_args!(
                        "`{ident}` is a file, but a {} request has no body to carry it",
                        method.map_or("", Method::as_str)
                    ),
                    Some(&"WeChat Pay uploads files with `POST`"),
                ));
            }
            if let Some(encrypt) = &field.encrypt {
                errors.push(problem_spanned(
                    encrypt,
                    name,
                    format_args!("`{ident}` is the uploaded file, which is sent as it is"),
                    Some(&"remove `#[wechatpay(encrypt)]`"),
                ));
            }
        }
        if let (Some(attr), false) = (&field.form, has_file) {
            errors.push(problem_spanned(
                attr,
                name,
                format_args!(
                    "`{ident}` is a form part, and only a multipart upload has parts"
                ),
                Some(&"add the file: `#[wechatpay(file)] pub file: wechatpay::media::UploadFile`, or remove `#[wechatpay(form)]`"),
            ));
        }
        if let Some(attr) = &field.body {
            match method {
                Some(Method::Get) => errors.push(problem_spanned(
                    attr,
                    name,
                    format_args!("`{ident}`: a GET request carries no body"),
                    Some(&"remove `#[wechatpay(body)]`: a GET sends every field not in the path in the query string"),
                )),
                Some(Method::Post | Method::Put | Method::Patch) => {
                    errors.push(problem_spanned(
                        attr,
                        name,
                        format_args!(
                            "`{ident}` goes to the JSON body already: that is where a {} sends its fields",
                            method.map_or("", Method::as_str)
                        ),
                        Some(&"remove `#[wechatpay(body)]`; it is for the `DELETE` operations that carry a JSON body"),
                    ));
                }
                _ => {}
            }
        }
        if let Some(attr) = &field.comma_separated {
            let to_query = field.query.is_some()
                || (method.is_some_and(|method| !method.has_body()) && field.body.is_none());
            if !to_query && field.form.is_none() && field.file.is_none() {
                errors.push(problem_spanned(
                    attr,
                    name,
                    format_args!(
                        "`{ident}` goes to the JSON body, where a list is a JSON array"
                    ),
                    Some(&"remove `#[wechatpay(comma_separated)]`; it is for lists in the query string"),
                ));
            }
        }
    }
}

/// The fields the client fills in every v2 request (`wechatpay::v2::RUNTIME_FIELDS`).
const V2_RUNTIME_FIELDS: [&str; 5] = ["appid", "mch_id", "nonce_str", "sign", "sign_type"];

/// What a v2 declaration may not have: another method than `POST`, the fields the client fills,
/// query or encrypted fields. (`unsigned_response` is allowed: a few v2 operations, such as
/// `mmpaymkttransfers/promotion/transfers`, are answered without `sign`.)
fn check_v2(input: &Input, args: &Args, method: Option<Method>, errors: &mut Errors) {
    let name = &input.ident;
    if method.is_some_and(|m| m != Method::Post) {
        errors.push(problem(
            args.method.span(),
            name,
            "API v2 operations are `POST`ed as XML",
            Some(&"write `POST`"),
        ));
    }
    for field in &input.fields {
        let field_name = field.ident.unraw().to_string();
        if V2_RUNTIME_FIELDS.contains(&field_name.as_str()) {
            errors.push(problem_spanned(
                &field.ident,
                name,
                format_args!("`{field_name}` is filled by the client in every v2 request"),
                Some(&"remove the field: the client sets `appid` (ClientBuilder::appid, or Client::send_v2_for_appid), `mch_id`, `nonce_str`, `sign_type` and `sign`"),
            ));
        }
        for attr in [
            &field.query,
            &field.encrypt,
            &field.file,
            &field.form,
            &field.body,
            &field.comma_separated,
        ]
        .into_iter()
        .flatten()
        {
            errors.push(problem_spanned(
                attr,
                name,
                format_args!(
                    "`{}`: a v2 request is one XML document, without query string, encrypted fields or parts",
                    field.ident
                ),
                Some(&"remove the `#[wechatpay(...)]` attribute: every v2 field is an XML field"),
            ));
        }
    }
}

/// A v2 path: the path after the host, without `v3/`, placeholders or a leading `/`.
fn check_v2_path<'a>(input: &Input, template: &LitStr, errors: &mut Errors) -> Vec<PathPiece<'a>> {
    let name = &input.ident;
    let path = template.value();
    let (message, help) = if path.starts_with("v3/") {
        (
            "a v2 path does not start with `v3/`".to_owned(),
            "write the v2 path, like \"papay/querycontract\", or remove `protocol = v2` for a v3 endpoint",
        )
    } else if path.is_empty() || path.starts_with('/') || path.contains("//") || path.ends_with('/')
    {
        (
            format!("`{path}` is not a v2 path"),
            "write the path that follows the host, without a leading `/`, like \"papay/querycontract\"",
        )
    } else if path.contains('{') {
        (
            "a v2 path has no placeholders".to_owned(),
            "v2 parameters are XML fields: remove the `{…}` and keep the field",
        )
    } else if let Some(bad) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/')))
    {
        (
            format!("a v2 path cannot contain {bad:?}"),
            "write the path as WeChat Pay documents it, like \"pay/pappayapply\"",
        )
    } else {
        return vec![PathPiece::Literal(path)];
    };
    errors.push(problem(template.span(), name, message, Some(&help)));
    Vec::new()
}

/// Whether `ty` is a list (`Vec`, a set, an array, a slice), or an `Option` of one.
fn is_list(ty: &Type) -> bool {
    const LISTS: [&str; 6] = [
        "Vec",
        "VecDeque",
        "LinkedList",
        "HashSet",
        "BTreeSet",
        "IndexSet",
    ];
    match ty {
        Type::Array(_) | Type::Slice(_) => true,
        Type::Reference(reference) => is_list(&reference.elem),
        Type::Group(group) => is_list(&group.elem),
        Type::Paren(paren) => is_list(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|last| {
                if LISTS.iter().any(|list| last.ident == list) {
                    return true;
                }
                match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) if last.ident == "Option" => {
                        matches!(args.args.first(), Some(syn::GenericArgument::Type(inner)) if is_list(inner))
                    }
                    _ => false,
                }
            })
        }
        _ => false,
    }
}

/// `response = …` is required: without it a `200` answer with a body would be decoded as `()` and
/// fail, turning a success (a deduction, a transfer) into an error. Spanned over `METHOD, "path"`,
/// after which the option goes.
fn missing_response(args: &Args, name: &Ident) -> syn::Error {
    let (method, template) = (&args.method, &args.template);
    problem_spanned(
        quote::quote!(#method #template),
        name,
        "the answer type is missing",
        Some(
            &"add `response = YourAnswer` after the path, the type the JSON answer decodes into, \
               or `response = ()` if the endpoint answers `204 No Content`",
        ),
    )
}

fn check_shape(input: &Input, errors: &mut Errors) {
    let name = &input.ident;
    let (span, message, help) = match input.shape {
        Shape::Named => return,
        Shape::Tuple(span) => (
            span,
            "an endpoint needs named fields",
            format!(
                "the field names fill the path and name the parameters: `struct {name} {{ field: Type }}`"
            ),
        ),
        Shape::Unit(span) => (
            span,
            "an endpoint is a struct with named fields",
            format!("an endpoint without parameters is written `struct {name} {{}}`"),
        ),
        Shape::Enum(span) => (
            span,
            "`#[endpoint]` goes on a struct, not an enum",
            "declare one struct per endpoint; an enum can be the type of a field".to_owned(),
        ),
        Shape::Union(span) => (
            span,
            "`#[endpoint]` goes on a struct, not a union",
            "declare the endpoint as a struct with named fields".to_owned(),
        ),
    };
    errors.push(problem(span, name, message, Some(&help)));
}

fn check_method(method: &Ident, name: &Ident) -> syn::Result<Method> {
    let written = method.to_string();
    if let Some((_, method)) = METHODS.iter().find(|(known, _)| *known == written) {
        return Ok(*method);
    }
    let upper = written.to_ascii_uppercase();
    if METHODS.iter().any(|(known, _)| *known == upper) {
        return Err(problem(
            method.span(),
            name,
            format_args!("the method `{written}` must be written in upper case"),
            Some(&format_args!("write `{upper}`")),
        ));
    }
    Err(problem(
        method.span(),
        name,
        format_args!("`{written}` is not a method WeChat Pay API v3 uses"),
        Some(&"write one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`"),
    ))
}

/// Parses the template and finds the field for each placeholder.
fn check_path<'a>(input: &'a Input, template: &LitStr, errors: &mut Errors) -> Vec<PathPiece<'a>> {
    let name = &input.ident;
    let parsed = match path_template::parse(&template.value()) {
        Ok(parsed) => parsed,
        Err(problems) => {
            for template_error in problems {
                errors.push(problem(
                    template.span(),
                    name,
                    &template_error,
                    Some(&template_error.help()),
                ));
            }
            return Vec::new();
        }
    };
    if !matches!(input.shape, Shape::Named) {
        // Already reported: an item without named fields has nothing to fill placeholders with.
        return Vec::new();
    }
    let mut path = Vec::new();
    for segment in parsed.segments {
        match segment {
            Segment::Literal(text) => path.push(PathPiece::Literal(text)),
            Segment::Placeholder(placeholder) => {
                match input.fields.iter().find(|f| f.ident.unraw() == placeholder) {
                    Some(field) => path.push(PathPiece::Field(field)),
                    None => errors.push(no_such_field(input, template, &placeholder)),
                }
            }
        }
    }
    path
}

fn no_such_field(input: &Input, template: &LitStr, placeholder: &str) -> syn::Error {
    let names: Vec<String> = input
        .fields
        .iter()
        .map(|field| field.ident.unraw().to_string())
        .collect();
    let help = match names.iter().find(|name| is_near(name, placeholder)) {
        Some(near) => format!("did you mean `{{{near}}}`?"),
        None if names.is_empty() => {
            format!("add the field that fills it: `pub {placeholder}: String`")
        }
        None => {
            let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            format!(
                "add a field `{placeholder}`, or name one of the fields: {}",
                listed.join(", ")
            )
        }
    };
    problem(
        template.span(),
        &input.ident,
        format_args!("`{{{placeholder}}}` has no field of that name"),
        Some(&help),
    )
}

/// Whether the field name `a` is close enough to the placeholder `b` to be what was meant: one
/// starts with the other, or they are at most one edit in three characters apart.
fn is_near(a: &str, b: &str) -> bool {
    let shorter = a.len().min(b.len());
    if shorter >= 3 && (a.starts_with(b) || b.starts_with(a)) {
        return true;
    }
    let allowed = (b.chars().count() / 3).max(1);
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous.last().is_some_and(|&distance| distance <= allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::{parse_args, parse_item};
    use proc_macro2::TokenStream;
    use quote::quote;

    /// Runs the checks and returns every message, or the field names in path, query and body.
    fn check_tokens(args: TokenStream, item: TokenStream) -> Result<[Vec<String>; 3], Vec<String>> {
        let mut errors = Errors::default();
        let input = parse_item(item, &mut errors).unwrap();
        let args = parse_args(args, &input.ident, &mut errors).unwrap();
        let names = |fields: &[&Field]| fields.iter().map(|f| f.ident.to_string()).collect();
        match check(&input, &args, errors) {
            Ok(endpoint) => Ok([
                endpoint
                    .path
                    .iter()
                    .filter_map(|piece| match piece {
                        PathPiece::Field(field) => Some(field.ident.to_string()),
                        PathPiece::Literal(_) => None,
                    })
                    .collect(),
                names(&endpoint.query),
                endpoint.body.as_deref().map(names).unwrap_or_default(),
            ]),
            Err(error) => Err(error.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    fn item() -> TokenStream {
        quote! {
            struct Refund {
                plan_id: u64,
                #[wechatpay(query)]
                sub_mchid: String,
                amount: Option<u64>,
            }
        }
    }

    #[test]
    fn get_and_delete_send_the_other_fields_in_the_query() {
        for method in [quote!(GET), quote!(DELETE)] {
            let [path, query, body] =
                check_tokens(quote!(#method, "v3/a/{plan_id}", response = ()), item()).unwrap();
            assert_eq!(path, ["plan_id"]);
            assert_eq!(query, ["sub_mchid", "amount"]);
            assert!(body.is_empty());
        }
    }

    #[test]
    fn post_put_and_patch_send_them_in_the_body_unless_marked_query() {
        for method in [quote!(POST), quote!(PUT), quote!(PATCH)] {
            let [path, query, body] =
                check_tokens(quote!(#method, "v3/a/{plan_id}", response = ()), item()).unwrap();
            assert_eq!(path, ["plan_id"]);
            assert_eq!(query, ["sub_mchid"]);
            assert_eq!(body, ["amount"]);
        }
    }

    #[test]
    fn a_raw_identifier_fills_its_placeholder() {
        let [path, ..] = check_tokens(
            quote!(GET, "v3/a/{type}", response = ()),
            quote!(
                struct A {
                    r#type: String,
                }
            ),
        )
        .unwrap();
        assert_eq!(path, ["r#type"]);
    }

    #[test]
    fn methods_are_upper_case_and_known() {
        let errors = check_tokens(quote!(get, "v3/a", response = ()), item()).unwrap_err();
        assert_eq!(
            errors,
            [
                "endpoint `Refund`: the method `get` must be written in upper case\nhelp: write `GET`"
            ]
        );
        let errors = check_tokens(quote!(HEAD, "v3/a", response = ()), item()).unwrap_err();
        assert_eq!(
            errors,
            [
                "endpoint `Refund`: `HEAD` is not a method WeChat Pay API v3 uses\nhelp: write one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`"
            ]
        );
    }

    #[test]
    fn a_placeholder_without_a_field_suggests_a_near_name_or_lists_the_fields() {
        let errors =
            check_tokens(quote!(GET, "v3/a/{plan_ud}", response = ()), item()).unwrap_err();
        assert_eq!(
            errors,
            [
                "endpoint `Refund`: `{plan_ud}` has no field of that name\nhelp: did you mean `{plan_id}`?"
            ]
        );
        let errors =
            check_tokens(quote!(GET, "v3/a/{contract_id}", response = ()), item()).unwrap_err();
        assert_eq!(
            errors,
            [
                "endpoint `Refund`: `{contract_id}` has no field of that name\nhelp: add a field `contract_id`, or name one of the fields: `plan_id`, `sub_mchid`, `amount`"
            ]
        );
        let errors = check_tokens(
            quote!(GET, "v3/a/{id}", response = ()),
            quote!(
                struct A {}
            ),
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "endpoint `A`: `{id}` has no field of that name\nhelp: add the field that fills it: `pub id: String`"
            ]
        );
    }

    #[test]
    fn a_list_in_the_query_is_refused_with_what_to_do() {
        let list = quote!(
            struct Refund {
                ids: Vec<String>,
                #[wechatpay(query)]
                tags: Option<&'static [u8]>,
                #[serde(serialize_with = "join")]
                joined: Vec<String>,
            }
        );
        let errors = check_tokens(quote!(GET, "v3/a", response = ()), list.clone()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].starts_with("endpoint `Refund`: `ids` is a list, which a query string cannot carry\nhelp: WeChat Pay writes a list in a query string as one value, its items joined with `,`: mark the field `#[wechatpay(comma_separated)]`"),
            "{}",
            errors[0]
        );
        assert!(errors[1].contains("`tags` is a list"), "{}", errors[1]);
        // In a body a list is JSON, and fine.
        let [_, query, body] = check_tokens(
            quote!(POST, "v3/a", response = ()),
            quote!(
                struct Refund {
                    ids: Vec<String>,
                }
            ),
        )
        .unwrap();
        assert!(query.is_empty());
        assert_eq!(body, ["ids"]);
    }

    #[test]
    fn a_comma_separated_list_goes_to_the_query() {
        let [_, query, _] = check_tokens(
            quote!(GET, "v3/a", response = ()),
            quote!(
                struct Invite {
                    #[wechatpay(comma_separated)]
                    kinds: Option<Vec<String>>,
                }
            ),
        )
        .unwrap();
        assert_eq!(query, ["kinds"]);
    }

    #[test]
    fn an_upload_has_a_file_form_parts_and_meta_fields() {
        let mut errors = Errors::default();
        let input = parse_item(
            quote!(
                struct Upload {
                    id: String,
                    #[wechatpay(file)]
                    file: UploadFile,
                    #[wechatpay(form)]
                    item_id: i64,
                    #[wechatpay(query)]
                    sub_mchid: String,
                    filename: String,
                }
            ),
            &mut errors,
        )
        .unwrap();
        let args = parse_args(
            quote!(POST, "v3/a/{id}/upload", response = ()),
            &input.ident,
            &mut errors,
        )
        .unwrap();
        let endpoint = check(&input, &args, errors)
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(endpoint.file.unwrap().ident, "file");
        let names = |fields: &[&Field]| -> Vec<String> {
            fields.iter().map(|f| f.ident.to_string()).collect()
        };
        assert_eq!(names(&endpoint.form), ["item_id"]);
        assert_eq!(names(&endpoint.query), ["sub_mchid"]);
        assert_eq!(names(endpoint.body.as_deref().unwrap()), ["filename"]);
    }

    #[test]
    fn a_delete_sends_its_body_fields_in_a_json_body() {
        let [path, query, body] = check_tokens(
            quote!(DELETE, "v3/stores/{store_id}", response = ()),
            quote!(
                struct DeleteStore {
                    store_id: String,
                    sub_mchid: Option<String>,
                    #[wechatpay(body)]
                    brand_id: String,
                }
            ),
        )
        .unwrap();
        assert_eq!(
            (path, query, body),
            (
                vec!["store_id".to_owned()],
                vec!["sub_mchid".to_owned()],
                vec!["brand_id".to_owned()]
            )
        );
    }

    #[test]
    fn placement_attributes_where_they_make_no_sense_are_refused() {
        for (method, item, expected) in [
            (
                quote!(GET),
                quote!(
                    struct A {
                        #[wechatpay(file)]
                        file: F,
                    }
                ),
                "endpoint `A`: `file` is a file, but a GET request has no body to carry it\nhelp: WeChat Pay uploads files with `POST`",
            ),
            (
                quote!(POST),
                quote!(
                    struct A {
                        #[wechatpay(file)]
                        a: F,
                        #[wechatpay(file)]
                        b: F,
                    }
                ),
                "endpoint `A`: `b` is a second file: an upload sends one file part\nhelp: keep `#[wechatpay(file)]` on one field",
            ),
            (
                quote!(POST),
                quote!(
                    struct A {
                        #[wechatpay(form)]
                        item_id: i64,
                    }
                ),
                "endpoint `A`: `item_id` is a form part, and only a multipart upload has parts\nhelp: add the file: `#[wechatpay(file)] pub file: wechatpay::media::UploadFile`, or remove `#[wechatpay(form)]`",
            ),
            (
                quote!(GET),
                quote!(
                    struct A {
                        #[wechatpay(body)]
                        brand_id: String,
                    }
                ),
                "endpoint `A`: `brand_id`: a GET request carries no body\nhelp: remove `#[wechatpay(body)]`: a GET sends every field not in the path in the query string",
            ),
            (
                quote!(PUT),
                quote!(
                    struct A {
                        #[wechatpay(body)]
                        brand_id: String,
                    }
                ),
                "endpoint `A`: `brand_id` goes to the JSON body already: that is where a PUT sends its fields\nhelp: remove `#[wechatpay(body)]`; it is for the `DELETE` operations that carry a JSON body",
            ),
            (
                quote!(DELETE),
                quote!(
                    struct A {
                        #[wechatpay(query)]
                        #[wechatpay(body)]
                        brand_id: String,
                    }
                ),
                "endpoint `A`: `brand_id` cannot be both `#[wechatpay(query)]` and `#[wechatpay(body)]`\nhelp: keep the one that says where WeChat Pay expects the field",
            ),
            (
                quote!(POST),
                quote!(
                    struct A {
                        #[wechatpay(comma_separated)]
                        kinds: Vec<String>,
                    }
                ),
                "endpoint `A`: `kinds` goes to the JSON body, where a list is a JSON array\nhelp: remove `#[wechatpay(comma_separated)]`; it is for lists in the query string",
            ),
            (
                quote!(POST),
                quote!(
                    struct A {
                        #[wechatpay(file)]
                        id: F,
                    }
                ),
                "endpoint `A`: `id` fills `{id}` in the path, so it cannot be `#[wechatpay(file)]`\nhelp: remove `#[wechatpay(file)]`",
            ),
        ] {
            let path = if expected.contains("{id}") {
                "v3/a/{id}"
            } else {
                "v3/a"
            };
            let errors = check_tokens(quote!(#method, #path, response = ()), item).unwrap_err();
            assert_eq!(errors, [expected]);
        }
    }

    #[test]
    fn the_answer_type_is_required() {
        for method in [quote!(GET), quote!(POST), quote!(DELETE)] {
            let errors = check_tokens(quote!(#method, "v3/a/{plan_id}"), item()).unwrap_err();
            assert_eq!(
                errors,
                [
                    "endpoint `Refund`: the answer type is missing\nhelp: add `response = YourAnswer` after the path, the type the JSON answer decodes into, or `response = ()` if the endpoint answers `204 No Content`"
                ]
            );
        }
        let [path, ..] =
            check_tokens(quote!(POST, "v3/a/{plan_id}", response = ()), item()).unwrap();
        assert_eq!(path, ["plan_id"]);
    }

    #[test]
    fn a_path_field_cannot_also_go_to_the_query() {
        let errors =
            check_tokens(quote!(GET, "v3/a/{sub_mchid}", response = ()), item()).unwrap_err();
        assert_eq!(
            errors,
            [
                "endpoint `Refund`: `sub_mchid` fills `{sub_mchid}` in the path, so it cannot go to the query string too\nhelp: remove `#[wechatpay(query)]`"
            ]
        );
    }

    #[test]
    fn only_structs_with_named_fields_are_endpoints() {
        for (item, expected) in [
            (
                quote!(
                    struct A(u8);
                ),
                "endpoint `A`: an endpoint needs named fields",
            ),
            (
                quote!(
                    struct A;
                ),
                "endpoint `A`: an endpoint is a struct with named fields",
            ),
            (
                quote!(
                    enum A {
                        B,
                    }
                ),
                "endpoint `A`: `#[endpoint]` goes on a struct, not an enum",
            ),
            (
                quote!(union A { b: u8 }),
                "endpoint `A`: `#[endpoint]` goes on a struct, not a union",
            ),
        ] {
            let errors = check_tokens(quote!(GET, "v3/a", response = ()), item).unwrap_err();
            assert_eq!(errors.len(), 1);
            assert!(errors[0].starts_with(expected), "{}", errors[0]);
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = check_tokens(
            quote!(get, "/v3/a/{x}", respnse = A),
            quote!(
                struct A {
                    #[wechatpay(querry)]
                    a: u8,
                }
            ),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:#?}");
    }

    #[test]
    fn near_means_a_shared_prefix_or_a_few_edits() {
        assert!(is_near("plan_id", "plan_ud"));
        assert!(is_near("plan_id", "plan_di"));
        assert!(is_near("id", "ip"));
        assert!(!is_near("a", "id"));
        assert!(is_near("plan_id", "plan"));
        assert!(!is_near("plan_id", "pl"));
        assert!(!is_near("out_trade_no", "transaction_id"));
    }
}
