//! `emit` of API v2: `codegen/facts_v2.json` alone → the generated modules of
//! `runtime/src/v2/catalog/`, the `v2-…` features of `Cargo.toml` and the v2 family table of the
//! README.
//!
//! The naming rule (documented in the README):
//! - one module per product family, the path's first segment in snake case, behind the feature
//!   `v2-` + that segment (`pay/micropay` → `wechatpay::v2::catalog::pay`, feature `v2-pay`);
//! - the request type: as in v3, the method, then every later segment in upper camel case
//!   (`pay/micropay` → `PostMicropay`, `papay/partner/querycontract` →
//!   `PostPartnerQuerycontract`; every XML call is a `POST`);
//! - its answer: the request type's name + `Response`; nested (JSON text) values: the owner's name
//!   + the field's name.
//!
//! A request type leaves out the fields the client fills (`appid`, `mch_id`, `nonce_str`,
//! `sign`, `sign_type`); an answer type leaves out the envelope the client checks before decoding
//! (`return_code`, `return_msg`, `result_code`, `err_code`, `err_code_des`, `nonce_str`, `sign`,
//! `sign_type`). Every answer field is an `Option`: v2 XML leaves empty fields out, and the
//! description's `required` lists of answers are not reliable (they list `err_code`, sent only on
//! failure).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::emit::{
    DECODE, ENCODE, camel, escape_doc, format_rust, rust_ident, snake, write_open_enum,
};
use crate::facts::{Field, Schema};
use crate::facts_v2::{ENVELOPE_FIELDS, FactsV2, OperationV2, RUNTIME_FIELDS};

/// Where the generated modules go, relative to the repository.
pub const OUT_DIR: &str = "runtime/src/v2/catalog";
/// Where `emit` writes the API v2 facts the catalog follows, for the sandbox (which compiles them
/// in from its own package) and the catalog tests.
pub const SANDBOX_FACTS: &str = "sandbox/facts/catalog_v2.json";

/// The feature that enables every generated v2 family (part of `full`).
pub const FULL_FEATURE: &str = "v2-catalog";

/// The marker lines around the generated v2 part of `Cargo.toml`'s `[features]`.
pub const FEATURES_BEGIN: &str = "# BEGIN generated v2 catalog features (wechatpay-codegen emit)";
/// See [`FEATURES_BEGIN`].
pub const FEATURES_END: &str = "# END generated v2 catalog features";
/// The marker lines around the generated v2 family table of the README.
pub const TABLE_BEGIN: &str = "<!-- BEGIN generated v2 family table (wechatpay-codegen emit) -->";
/// See [`TABLE_BEGIN`].
pub const TABLE_END: &str = "<!-- END generated v2 family table -->";

/// One v2 product family.
pub struct FamilyV2<'a> {
    /// The path's first segment (`mmpaymkttransfers`).
    pub segment: String,
    /// The feature (`v2-mmpaymkttransfers`).
    pub feature: String,
    /// The module (`mmpaymkttransfers`).
    pub module: String,
    /// Its operations, in the facts' order.
    pub operations: Vec<&'a OperationV2>,
}

/// The operations grouped by family, in module order.
#[must_use]
pub fn families(facts: &FactsV2) -> Vec<FamilyV2<'_>> {
    let mut map: BTreeMap<String, Vec<&OperationV2>> = BTreeMap::new();
    for operation in &facts.operations {
        let segment = operation.path.split('/').next().unwrap_or_default();
        map.entry(segment.to_owned()).or_default().push(operation);
    }
    map.into_iter()
        .map(|(segment, operations)| FamilyV2 {
            feature: format!("v2-{segment}"),
            module: snake(&segment),
            segment,
            operations,
        })
        .collect()
}

/// The names-file key of a v2 operation (`POST papay/querycontract`).
#[must_use]
pub fn key(operation: &OperationV2) -> String {
    format!("{} {}", operation.method, operation.path)
}

/// The request type's name of a v2 operation: the names file's, else [`type_name`].
#[must_use]
pub fn name_of(operation: &OperationV2, names: &BTreeMap<String, String>) -> String {
    names
        .get(&key(operation))
        .cloned()
        .unwrap_or_else(|| type_name(operation))
}

/// The request type's name of a v2 operation by its URL (see the module documentation).
#[must_use]
pub fn type_name(operation: &OperationV2) -> String {
    let segments: Vec<&str> = operation.path.split('/').collect();
    let rest = if segments.len() > 1 {
        &segments[1..]
    } else {
        &segments[..]
    };
    let mut name = camel(&operation.method.to_lowercase());
    for segment in rest {
        name.push_str(&camel(segment));
    }
    name
}

/// Whether a wire name is an indexed family of fields (`coupon_id_$n`): sent as `coupon_id_0`,
/// `coupon_id_1` …, so not a single field.
#[must_use]
pub fn is_indexed(name: &str) -> bool {
    name.contains('$')
}

/// Whether WeChat Pay answers the operation without `sign`: its described answer lists fields
/// but no `sign` (企业付款 `mmpaymkttransfers/promotion/transfers`, its query, red packets …, as
/// their official pages show). Its endpoint declares `unsigned_response`, so that the client reads
/// such an answer as it comes (over TLS from WeChat Pay's host) instead of discarding it as forged.
/// An answer described without any field is taken as signed.
#[must_use]
pub fn answered_unsigned(operation: &OperationV2) -> bool {
    operation.answer.kind == "xml"
        && !operation.answer.fields.is_empty()
        && !operation
            .answer
            .fields
            .iter()
            .any(|field| field.n == "sign")
}

/// Why `#[endpoint(…, protocol = v2)]` cannot declare an operation, if it cannot.
#[must_use]
pub fn undeclared(operation: &OperationV2) -> Option<&'static str> {
    match (operation.kind.as_str(), operation.answer.kind.as_str()) {
        (_, "json") => Some(
            "a GET answered in JSON (an OAuth exchange), not a signed XML call: send it with an HTTP client",
        ),
        ("page", _) => Some(
            "a page the user's browser opens, not an API call: build its signed URL (`wechatpay::v2::redirect` has the papay sign pages)",
        ),
        ("upload", _) => Some("a multipart upload: its body is a form, not XML"),
        ("undescribed", _) => Some("the description lists none of its fields (a deprecated page)"),
        (_, "download") => Some(
            "a file on success (XML only on failure), not a signed XML answer: its answer cannot be verified by `sign`",
        ),
        _ if operation.request.iter().any(|field| field.loc == "query") => {
            Some("a query parameter beside the XML body, which a v2 declaration cannot send")
        }
        _ if operation
            .answer
            .fields
            .iter()
            .any(|field| matches!(field.ty.t.as_str(), "object" | "array")) =>
        {
            Some(
                "its answer nests XML elements, which the v2 reader refuses (it reads flat XML only)",
            )
        }
        _ if operation
            .request
            .iter()
            .any(|field| field.loc.is_empty() && is_indexed(&field.n)) =>
        {
            Some("indexed request fields (`…_$n`), which a declaration cannot name")
        }
        _ => None,
    }
}

/// Everything `emit` writes into [`OUT_DIR`]: `(file name, text)`.
///
/// # Errors
/// When rustfmt fails or the facts cannot be expressed.
pub fn emit(
    facts: &FactsV2,
    names: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, String> {
    let known: BTreeSet<String> = facts.operations.iter().map(key).collect();
    if let Some(stale) = names.keys().find(|key| !known.contains(*key)) {
        return Err(format!(
            "codegen/names.yaml (v2): `{stale}` names no v2 operation of the facts; remove or correct it"
        ));
    }
    let families = families(facts);
    let mut files = Vec::new();
    let mut root = String::from(
        "//! The generated API v2 catalog: every documented v2 (XML) operation, one module per product\n\
         //! family, each behind the feature `v2-` + its path's first segment (see the README's v2 table).\n\
         //!\n\
         //! Generated by `cargo run -p wechatpay-codegen -- emit` from `codegen/facts_v2.json`; do not edit.\n\
         //! Names come from `codegen/names.yaml` where it gives one (`pay/micropay` is\n\
         //! `v2::catalog::pay::Micropay` in the `v2-pay` feature, answered by `MicropayResponse`), else from\n\
         //! the URL (`pay/refundqueryv2` is `PostRefundqueryv2`). The client fills `appid`, `mch_id`,\n\
         //! `nonce_str`, `sign_type` and `sign`; the operations marked `client_certificate` need\n\
         //! `ClientBuilder::client_certificate`.\n",
    );
    let missing: Vec<String> = facts
        .operations
        .iter()
        .filter_map(|operation| {
            undeclared(operation).map(|why| {
                format!(
                    "//! - `{} /{}` ({}): {why}.",
                    operation.method,
                    operation.path,
                    escape_doc(&operation.name)
                )
            })
        })
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            root,
            "//!\n//! Operations described but not declared as endpoints ({}); the answer types of those\n//! that answer XML are generated:\n//!\n{}\n",
            missing.len(),
            missing.join("\n")
        );
    }
    for family in &families {
        let _ = writeln!(
            root,
            "#[cfg(feature = \"{}\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"{}\")))]\npub mod {};",
            family.feature, family.feature, family.module
        );
        let text = ModuleV2::new(family, names).render()?;
        files.push((format!("{}.rs", family.module), format_rust(&text)?));
    }
    root.push_str(
        "\n/// Every generated v2 operation, for the catalog tests: `check.operation::<T>(\"POST path\")`.\n\
         #[cfg(test)]\npub(crate) fn visit_all<C: crate::__catalog::Check>(check: &mut C) {\n",
    );
    for family in &families {
        let _ = writeln!(
            root,
            "    #[cfg(feature = \"{}\")]\n    {}::visit(check);",
            family.feature, family.module
        );
    }
    root.push_str("    let _ = check;\n}\n");
    files.push(("mod.rs".to_owned(), format_rust(&root)?));
    files.sort();
    Ok(files)
}

/// The generated v2 `[features]` lines of `Cargo.toml`, between the markers.
#[must_use]
pub fn feature_lines(facts: &FactsV2) -> String {
    let families = families(facts);
    let mut out = String::new();
    let _ = writeln!(out, "{FEATURES_BEGIN}");
    let all: Vec<String> = families
        .iter()
        .map(|family| format!("\"{}\"", family.feature))
        .collect();
    let _ = writeln!(
        out,
        "## Every generated API v2 family (`wechatpay::v2::catalog`)."
    );
    let _ = writeln!(out, "{FULL_FEATURE} = [{}]", all.join(", "));
    for family in &families {
        let _ = writeln!(
            out,
            "## `v2::catalog::{}`: {} API v2 operations.\n\"{}\" = []",
            family.module,
            family.operations.len(),
            family.feature
        );
    }
    let _ = writeln!(out, "{FEATURES_END}");
    out
}

/// The README's generated v2 family table, between the markers.
#[must_use]
pub fn family_table(facts: &FactsV2) -> String {
    let families = families(facts);
    let mut out = String::new();
    let _ = writeln!(out, "{TABLE_BEGIN}");
    let _ = writeln!(
        out,
        "| family (URL) | module | feature | operations | declared | client certificate |\n|---|---|---|---:|---:|---:|"
    );
    let (mut total, mut declared, mut certificate) = (0, 0, 0);
    for family in &families {
        let count = family.operations.len();
        let ok = family
            .operations
            .iter()
            .filter(|operation| undeclared(operation).is_none())
            .count();
        let cert = family
            .operations
            .iter()
            .filter(|operation| operation.cert)
            .count();
        total += count;
        declared += ok;
        certificate += cert;
        let _ = writeln!(
            out,
            "| `{}/…` | `v2::catalog::{}` | `{}` | {count} | {ok} | {cert} |",
            family.segment, family.module, family.feature
        );
    }
    let _ = writeln!(
        out,
        "| all | | `{FULL_FEATURE}` | {total} | {declared} | {certificate} |"
    );
    let _ = writeln!(out, "{TABLE_END}");
    out
}

/// Which side of the wire a generated type is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    Answer,
}

enum Body {
    Struct(Vec<FieldDef>),
    Enum(Vec<String>),
}

struct FieldDef {
    wire: String,
    ident: String,
    ty: String,
    optional: bool,
    doc: String,
}

struct TypeDef {
    name: String,
    doc: String,
    role: Role,
    body: Body,
}

struct ModuleV2<'a> {
    family: &'a FamilyV2<'a>,
    names: &'a BTreeMap<String, String>,
    types: Vec<TypeDef>,
    taken: BTreeSet<String>,
}

impl<'a> ModuleV2<'a> {
    fn new(family: &'a FamilyV2<'a>, names: &'a BTreeMap<String, String>) -> Self {
        let taken = family
            .operations
            .iter()
            .map(|operation| name_of(operation, names))
            .collect();
        ModuleV2 {
            family,
            names,
            types: Vec::new(),
            taken,
        }
    }

    fn fresh_name(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_owned();
        let mut counter = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{wanted}{counter}");
            counter += 1;
        }
        name
    }

    /// The Rust type of a value, defining the named types it needs.
    fn rust_type(&mut self, schema: &Schema, name: &str, doc: &str, role: Role) -> String {
        match schema.t.as_str() {
            "string" if !schema.en.is_empty() && schema.en.iter().all(|v| v.is_string()) => {
                let mut values: Vec<String> = Vec::new();
                for value in schema.en.iter().filter_map(|value| value.as_str()) {
                    if !values.iter().any(|known| known == value) {
                        values.push(value.to_owned());
                    }
                }
                let name = self.fresh_name(name);
                self.types.push(TypeDef {
                    name: name.clone(),
                    doc: doc.to_owned(),
                    role,
                    body: Body::Enum(values),
                });
                name
            }
            "integer" => match schema.fmt.as_deref() {
                Some("uint64" | "uint" | "uint32") => "u64".into(),
                _ => "i64".into(),
            },
            "number"
                if matches!(schema.fmt.as_deref(), Some("float" | "double"))
                    || schema.ex.as_ref().is_some_and(|example| {
                        example.as_f64().is_some_and(|number| number.fract() != 0.0)
                    }) =>
            {
                "f64".into()
            }
            "number" => "i64".into(),
            "boolean" => "bool".into(),
            "object" if !schema.props.is_empty() => {
                let name = self.fresh_name(name);
                let fields = self.fields(&schema.props, &name, role, false);
                self.types.push(TypeDef {
                    name: name.clone(),
                    doc: doc.to_owned(),
                    role,
                    body: Body::Struct(fields),
                });
                name
            }
            "object" | "any" => "serde_json::Value".into(),
            "array" => match schema.items.as_deref() {
                Some(items) => format!("Vec<{}>", self.rust_type(items, name, doc, role)),
                None => "Vec<serde_json::Value>".into(),
            },
            _ => "String".into(),
        }
    }

    /// The fields of a struct named `owner`; `top` leaves out the runtime and envelope fields.
    fn fields(&mut self, list: &[Field], owner: &str, role: Role, top: bool) -> Vec<FieldDef> {
        let mut out = Vec::new();
        let mut used = BTreeSet::new();
        for field in list {
            if top
                && (is_indexed(&field.n)
                    || !field.loc.is_empty()
                    || match role {
                        Role::Request => RUNTIME_FIELDS.contains(&field.n.as_str()),
                        Role::Answer => ENVELOPE_FIELDS.contains(&field.n.as_str()),
                    })
            {
                continue;
            }
            let doc = field_doc(field, top);
            let ty = self.rust_type(
                &field.ty,
                &format!("{owner}{}", camel(&field.n)),
                &doc,
                role,
            );
            let mut ident = rust_ident(&field.n);
            while !used.insert(ident.clone()) {
                ident.push('_');
            }
            out.push(FieldDef {
                wire: field.n.clone(),
                ident,
                ty,
                optional: role == Role::Answer || !field.req,
                doc,
            });
        }
        out
    }

    fn render(mut self) -> Result<String, String> {
        let family = self.family;
        let mut out = String::new();
        let _ = write!(
            out,
            "//! `{}/…`: {} API v2 operations, generated from the API description.\n\
             //!\n\
             //! Generated by `cargo run -p wechatpay-codegen -- emit` from `codegen/facts_v2.json`; do not edit.\n\
             //! Enabled by the `{}` feature.\n\n",
            family.segment,
            family.operations.len(),
            family.feature,
        );
        let mut endpoints = String::new();
        let mut visit = String::from(
            "#[cfg(test)]\npub(crate) fn visit<C: crate::__catalog::Check>(check: &mut C) {\n",
        );
        let mut declared = 0;
        for operation in &family.operations {
            let name = name_of(operation, self.names);
            let answer = self.answer(operation, &name);
            if undeclared(operation).is_some() {
                continue;
            }
            declared += 1;
            let answer = answer.ok_or_else(|| {
                format!(
                    "{}: a declared operation without an answer type",
                    operation.path
                )
            })?;
            self.endpoint(operation, &name, &answer, &mut endpoints);
            let _ = writeln!(
                visit,
                "    check.operation::<{name}>(\"{} {}\");",
                operation.method, operation.path
            );
        }
        if declared == 0 {
            visit.push_str("    let _ = check;\n");
        }
        visit.push_str("}\n");
        if declared > 0 {
            out.push_str("use crate::endpoint;\n\n");
        }
        out.push_str(&endpoints);
        for def in &self.types {
            write_type(&mut out, def);
        }
        out.push_str(&visit);
        Ok(out)
    }

    /// Defines the answer type of an operation that answers XML; its name.
    fn answer(&mut self, operation: &OperationV2, name: &str) -> Option<String> {
        if operation.answer.kind != "xml" {
            return None;
        }
        let answer_name = self.fresh_name(&format!("{name}Response"));
        let fields = self.fields(&operation.answer.fields, &answer_name, Role::Answer, true);
        let mut doc = if undeclared(operation).is_some() {
            format!(
                "/// The answer of `{} /{}` ({}), an operation not declared as an endpoint.",
                operation.method,
                operation.path,
                escape_doc(&operation.name)
            )
        } else if answered_unsigned(operation) {
            format!(
                "/// The answer of [`{name}`] ({}): its fields as WeChat Pay sends them, without `sign`\n/// (read over TLS from WeChat Pay's host; `{name}::SIGNED_RESPONSE` is `false`).",
                escape_doc(&operation.name)
            )
        } else {
            format!(
                "/// The answer of [`{name}`] ({}): its fields after the client verified `sign`.",
                escape_doc(&operation.name)
            )
        };
        let indexed: Vec<String> = operation
            .answer
            .fields
            .iter()
            .filter(|field| is_indexed(&field.n))
            .map(|field| format!("`{}`", field.n))
            .collect();
        if !indexed.is_empty() {
            let _ = write!(
                doc,
                "\n///\n/// WeChat Pay also sends indexed fields, numbered from 0, not typed here: {}.",
                indexed.join(", ")
            );
        }
        self.types.push(TypeDef {
            name: answer_name.clone(),
            doc,
            role: Role::Answer,
            body: Body::Struct(fields),
        });
        Some(answer_name)
    }

    fn endpoint(&mut self, operation: &OperationV2, name: &str, answer: &str, out: &mut String) {
        let _ = writeln!(out, "/// {}", escape_doc(&operation.name));
        let _ = writeln!(out, "///");
        let _ = writeln!(
            out,
            "/// `{} /{}`: API v2, an XML body signed with the APIv2 key.",
            operation.method, operation.path
        );
        match operation.links.first() {
            Some(link) => {
                let _ = writeln!(out, "/// Official documentation: <{link}>.");
            }
            None => {
                let _ = writeln!(
                    out,
                    "/// The API description links no official page for this call; search the official documentation for its name."
                );
            }
        }
        if !operation.roles.is_empty() {
            let _ = writeln!(out, "/// Callers: {}.", operation.roles.join(", "));
        }
        if !operation.base.is_empty() {
            let _ = writeln!(
                out,
                "///\n/// Served on <{}>, not the usual host: send it with a client whose base URL is that host.",
                operation.base
            );
        }
        if answered_unsigned(operation) {
            let _ = writeln!(
                out,
                "///\n/// WeChat Pay answers it without `sign`: the answer is read as it comes over TLS from WeChat\n/// Pay's host (`unsigned_response`); `result_code`, `err_code` and `err_code_des` are checked as\n/// for any v2 answer."
            );
        }
        if operation.cert {
            let _ = writeln!(
                out,
                "///\n/// WeChat Pay requires the merchant API certificate (mutual TLS) for it: configure\n/// `ClientBuilder::client_certificate`, or sending it fails before anything is sent."
            );
        }
        for field in &operation.request {
            if field.loc == "header" {
                let _ = writeln!(
                    out,
                    "///\n/// The description also names the `{}` header, which this declaration does not send.",
                    field.n
                );
            }
        }
        let fields = self.fields(&operation.request, name, Role::Request, true);
        let certificate = if operation.cert {
            ", client_certificate"
        } else {
            ""
        };
        let unsigned = if answered_unsigned(operation) {
            ", unsigned_response"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "#[endpoint(POST, \"{}\", response = {answer}{unsigned}, protocol = v2{certificate})]",
            operation.path
        );
        let _ = writeln!(
            out,
            "#[derive(Debug, Clone)]\n#[cfg_attr(test, derive({DECODE}))]"
        );
        let _ = writeln!(out, "pub struct {name} {{");
        for field in &fields {
            write_field(out, field, false);
        }
        out.push_str("}\n\n");
    }
}

fn write_field(out: &mut String, field: &FieldDef, skip_none: bool) {
    let _ = writeln!(out, "    {}", field.doc);
    if field.ident.trim_start_matches("r#") != field.wire {
        let _ = writeln!(out, "    #[serde(rename = \"{}\")]", field.wire);
    }
    if skip_none && field.optional {
        out.push_str("    #[serde(skip_serializing_if = \"Option::is_none\")]\n");
    }
    let ty = if field.optional {
        format!("Option<{}>", field.ty)
    } else {
        field.ty.clone()
    };
    let _ = writeln!(out, "    pub {}: {ty},", field.ident);
}

fn write_type(out: &mut String, def: &TypeDef) {
    let derives = match def.role {
        Role::Request => format!(
            "#[derive(Debug, Clone, PartialEq, {ENCODE})]\n#[cfg_attr(test, derive({DECODE}))]\n"
        ),
        Role::Answer => format!("#[derive(Debug, Clone, PartialEq, {DECODE})]\n"),
    };
    match &def.body {
        Body::Enum(values) => write_open_enum(out, &def.doc, &def.name, values),
        Body::Struct(fields) => {
            out.push_str(&def.doc);
            out.push('\n');
            out.push_str(&derives);
            let _ = writeln!(out, "pub struct {} {{", def.name);
            for field in fields {
                write_field(out, field, def.role == Role::Request);
            }
            out.push_str("}\n\n");
        }
    }
}

fn field_doc(field: &Field, top: bool) -> String {
    let mut doc = if field.cn.is_empty() {
        format!("/// `{}`", field.n)
    } else {
        format!("/// {}", escape_doc(&field.cn))
    };
    if top && matches!(field.ty.t.as_str(), "object" | "array") {
        doc.push_str(" (JSON text on the wire)");
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(path: &str) -> OperationV2 {
        OperationV2 {
            method: "POST".into(),
            path: path.into(),
            base: String::new(),
            name: String::new(),
            links: Vec::new(),
            roles: Vec::new(),
            kind: "xml".into(),
            cert: false,
            request: Vec::new(),
            answer: crate::facts_v2::AnswerV2 {
                kind: "xml".into(),
                fields: Vec::new(),
            },
        }
    }

    #[test]
    fn names_follow_the_url() {
        assert_eq!(type_name(&operation("pay/micropay")), "PostMicropay");
        assert_eq!(
            type_name(&operation("papay/partner/querycontract")),
            "PostPartnerQuerycontract"
        );
        assert_eq!(
            type_name(&operation("secapi/mch/addInstitutionsub")),
            "PostMchAddInstitutionsub"
        );
        let mut page = operation("papay/entrustweb");
        page.method = "GET".into();
        page.kind = "page".into();
        assert!(undeclared(&page).is_some());
        assert!(undeclared(&operation("pay/micropay")).is_none());
    }

    #[test]
    fn the_operations_answered_without_sign_are_declared_unsigned() {
        let facts =
            FactsV2::read(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("facts_v2.json"))
                .unwrap();
        let find = |path: &str| {
            facts
                .operations
                .iter()
                .find(|operation| operation.path == path)
                .unwrap_or_else(|| panic!("{path} is described"))
        };
        for path in [
            "mmpaymkttransfers/promotion/transfers",
            "mmpaymkttransfers/gettransferinfo",
            "mmpaymkttransfers/sendredpack",
            "risk/getpublickey",
        ] {
            assert!(answered_unsigned(find(path)), "{path}");
        }
        for path in ["pay/micropay", "secapi/pay/refund", "pay/pappayapply"] {
            assert!(!answered_unsigned(find(path)), "{path}");
        }
        // An answer described without fields is taken as signed.
        assert!(!answered_unsigned(&operation("pay/anything")));
        let modules = emit(&facts, &BTreeMap::new()).unwrap();
        let transfers = &modules
            .iter()
            .find(|(name, _)| name == "mmpaymkttransfers.rs")
            .unwrap()
            .1;
        assert!(transfers.contains(
            "#[endpoint(POST, \"mmpaymkttransfers/promotion/transfers\", response = PostPromotionTransfersResponse, unsigned_response, protocol = v2, client_certificate)]"
        ));
    }
}
