//! `emit`: the facts the catalog follows (the description's, merged with WeChat Pay's SDK models by
//! [`crate::merge`]) → the generated Rust modules of `runtime/src/v3/`, the feature list of
//! `Cargo.toml` and the family table of the README.
//!
//! The naming rule (documented in the README):
//! - one module per product family: the first URL segment after `v3/`, in snake case
//!   (`v3/fund-app/…` → `wechatpay::v3::fund_app`); the operations of the cross-border hosts go to
//!   `v3::hk_host` and `v3::global_host`;
//! - the request type: the method, then every later segment in upper camel case, placeholders
//!   included without braces (`GET v3/refund/domestic/refunds/{out_refund_no}` →
//!   `v3::refund::GetDomesticRefundsOutRefundNo`); a path of the family segment alone uses it
//!   (`GET v3/certificates` → `v3::certificates::GetCertificates`);
//! - its answer: the request type's name + `Response`; nested types: the owner's name + the
//!   field's name (`…Response` + `Amount`), shared by every use of the same shape in the family.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::facts::{Facts, Field, Operation, Schema};

/// Where the generated modules go, relative to the repository.
pub const OUT_DIR: &str = "runtime/src/v3";
/// Where `emit` writes the v3 facts the catalog follows, for the sandbox (which compiles them
/// in from its own package) and the catalog tests.
pub const SANDBOX_FACTS: &str = "sandbox/facts/catalog.json";

/// The families a direct merchant uses, compiled by default.
pub const DEFAULT_FAMILIES: &[&str] = &[
    "bill",
    "billdownload",
    "certificates",
    "fund-app",
    "merchant",
    "papay",
    "pay",
    "profitsharing",
    "refund",
    "transfer",
];

/// The feature that adds, to the default families, the operations only a service provider (or
/// an e-commerce platform, a channel partner, an institution) calls.
pub const PARTNER_FEATURE: &str = "partner";

/// The callers (the API description's roles) that are a direct merchant. An operation none of
/// whose callers is one of these is a service provider's.
pub const MERCHANT_ROLES: &[&str] = &[
    "直连商户",
    "普通商户",
    "直连模式",
    "微信支付商户",
    "微信平台商户",
    "特约商户（直连模式）",
];

/// Whether only service providers (and their kin) call the operation: it names callers, and
/// none of them is a direct merchant.
#[must_use]
pub fn partner_only(operation: &Operation) -> bool {
    !operation.roles.is_empty()
        && !operation
            .roles
            .iter()
            .any(|role| MERCHANT_ROLES.contains(&role.as_str()))
}

/// Whether the operation needs the `partner` feature: a service provider's operation in one of
/// the default families (the other families are wholly opt-in already).
#[must_use]
pub fn behind_partner(operation: &Operation) -> bool {
    DEFAULT_FAMILIES.contains(&family_of(operation).as_str()) && partner_only(operation)
}

/// The marker lines around the generated part of `Cargo.toml`'s `[features]`.
pub const FEATURES_BEGIN: &str = "# BEGIN generated catalog features (wechatpay-codegen emit)";
/// See [`FEATURES_BEGIN`].
pub const FEATURES_END: &str = "# END generated catalog features";
/// The marker lines around the generated family table of the README.
pub const TABLE_BEGIN: &str = "<!-- BEGIN generated family table (wechatpay-codegen emit) -->";
/// See [`TABLE_BEGIN`].
pub const TABLE_END: &str = "<!-- END generated family table -->";

/// One product family: its module, its feature and its operations.
pub struct Family<'a> {
    /// The URL segment (`fund-app`), or `hk-host` / `global-host`.
    pub feature: String,
    /// The module name (`fund_app`).
    pub module: String,
    /// Its operations, in the facts' order.
    pub operations: Vec<&'a Operation>,
}

/// The operations grouped by family, in module order.
#[must_use]
pub fn families(facts: &Facts) -> Vec<Family<'_>> {
    let mut map: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for operation in &facts.operations {
        map.entry(family_of(operation)).or_default().push(operation);
    }
    map.into_iter()
        .map(|(feature, operations)| Family {
            module: snake(&feature),
            feature,
            operations,
        })
        .collect()
}

/// The family (feature name) of an operation.
#[must_use]
pub fn family_of(operation: &Operation) -> String {
    match operation.host.as_str() {
        "api" => operation
            .path
            .split('/')
            .nth(1)
            .unwrap_or_default()
            .to_owned(),
        host => format!("{host}-host"),
    }
}

/// The request type's name of an operation (see the module documentation).
#[must_use]
pub fn type_name(operation: &Operation) -> String {
    let segments: Vec<&str> = operation
        .path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let skip = if operation.host == "api" { 2 } else { 1 };
    let rest: Vec<&str> = if segments.len() > skip {
        segments[skip..].to_vec()
    } else {
        segments[segments.len() - 1..].to_vec()
    };
    let mut name = camel(&operation.method.to_lowercase());
    for segment in rest {
        name.push_str(&camel(
            segment.trim_start_matches('{').trim_end_matches('}'),
        ));
    }
    name
}

/// Whether the operation is a multipart upload (its parameters include a form).
#[must_use]
pub fn is_upload(operation: &Operation) -> bool {
    operation.params.iter().any(|field| field.loc == "form")
}

/// Everything `emit` writes: `(file name in OUT_DIR, text)`.
///
/// # Errors
/// When rustfmt fails or the facts cannot be expressed.
pub fn emit(facts: &Facts) -> Result<Vec<(String, String)>, String> {
    let families = families(facts);
    let mut files = Vec::new();
    let mut root = String::from(
        "//! The generated catalog: every documented WeChat Pay API v3 operation, one module per\n\
         //! product family, each behind the feature of the same name (see the README's table).\n\
         //!\n\
         //! Generated by `cargo run -p wechatpay-codegen -- emit` from `codegen/facts.json` merged with\n\
         //! WeChat Pay's SDK models (`codegen/facts_go.json`, `codegen/facts_java.json`); do not edit.\n\
         //! Names follow the URL: `GET v3/refund/domestic/refunds/{out_refund_no}` is\n\
         //! [`refund::GetDomesticRefundsOutRefundNo`](crate::v3) in the `refund` feature.\n\n",
    );
    for family in &families {
        let _ = writeln!(
            root,
            "#[cfg(feature = \"{}\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"{}\")))]\npub mod {};",
            family.feature, family.feature, family.module
        );
        let text = Module::new(family).render()?;
        files.push((format!("{}.rs", family.module), format_rust(&text)?));
    }
    root.push_str(
        "\n/// Every generated operation, for the catalog tests (`__catalog::visit_v3`): `check.operation::<T>(\"METHOD path\")`.\n\
         pub(crate) fn visit_all<C: crate::__catalog::Check>(check: &mut C) {\n",
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

/// The generated `[features]` lines of `Cargo.toml`, between the markers.
#[must_use]
pub fn feature_lines(facts: &Facts) -> String {
    let families = families(facts);
    let mut out = String::new();
    let _ = writeln!(out, "{FEATURES_BEGIN}");
    let defaults: Vec<String> = DEFAULT_FAMILIES
        .iter()
        .map(|family| format!("\"{family}\""))
        .collect();
    let _ = writeln!(
        out,
        "## The catalog families a direct merchant uses (payments, refunds, bills, papay, certificates, media, profit sharing, transfers)."
    );
    let _ = writeln!(out, "merchant-catalog = [{}]", defaults.join(", "));
    let mut all: Vec<String> = families
        .iter()
        .map(|family| format!("\"{}\"", family.feature))
        .collect();
    all.push(format!("\"{PARTNER_FEATURE}\""));
    all.push(format!("\"{}\"", crate::emit_v2::FULL_FEATURE));
    let _ = writeln!(out, "## Every generated family (the v2 ones too).");
    let _ = writeln!(out, "full = [{}]", all.join(", "));
    let _ = writeln!(
        out,
        "## The service-provider operations of the default families ({} operations: `v3/pay/partner/…`, partner papay, sub-merchant bills …), for service providers, e-commerce platforms and channel partners.\n\"{PARTNER_FEATURE}\" = []",
        facts
            .operations
            .iter()
            .filter(|operation| behind_partner(operation))
            .count()
    );
    for family in &families {
        let _ = writeln!(
            out,
            "## `v3::{}`: {}.\n\"{}\" = []",
            family.module,
            operations(family.operations.len()),
            family.feature
        );
    }
    let _ = writeln!(out, "{FEATURES_END}");
    out
}

/// The README's generated family table, between the markers.
#[must_use]
pub fn family_table(facts: &Facts) -> String {
    let families = families(facts);
    let mut out = String::new();
    let _ = writeln!(out, "{TABLE_BEGIN}");
    let _ = writeln!(
        out,
        "| family (URL) | module | feature | operations | default |\n|---|---|---|---:|---|"
    );
    for family in &families {
        let url = match family.feature.as_str() {
            "hk-host" => "`v3/…` on the Hong Kong host".to_owned(),
            "global-host" => "`v3/…` on the global host".to_owned(),
            segment => format!("`v3/{segment}/…`"),
        };
        let partner = family
            .operations
            .iter()
            .filter(|operation| behind_partner(operation))
            .count();
        let default = match (DEFAULT_FAMILIES.contains(&family.feature.as_str()), partner) {
            (false, _) => String::new(),
            (true, 0) => "yes".to_owned(),
            (true, partner) => format!("yes; {partner} with `{PARTNER_FEATURE}`"),
        };
        let _ = writeln!(
            out,
            "| {url} | `v3::{}` | `{}` | {} | {default} |",
            family.module,
            family.feature,
            family.operations.len()
        );
    }
    let total: usize = families.iter().map(|family| family.operations.len()).sum();
    let _ = writeln!(out, "| all | | `full` | {total} | |");
    let _ = writeln!(out, "{TABLE_END}");
    out
}

/// Replaces the text between `begin` and `end` (the marker lines included) by `block`.
///
/// # Errors
/// When the markers are missing.
pub fn splice(text: &str, begin: &str, end: &str, block: &str) -> Result<String, String> {
    let start = text
        .find(begin)
        .ok_or_else(|| format!("the marker `{begin}` is missing"))?;
    let stop = text[start..]
        .find(end)
        .map(|offset| start + offset + end.len())
        .ok_or_else(|| format!("the marker `{end}` is missing"))?;
    let stop = if text[stop..].starts_with('\n') {
        stop + 1
    } else {
        stop
    };
    Ok(format!("{}{block}{}", &text[..start], &text[stop..]))
}

pub(crate) fn format_rust(text: &str) -> Result<String, String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            format!("running rustfmt: {error} (install it: rustup component add rustfmt)")
        })?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|error| format!("rustfmt: {error}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt writer panicked")?
        .map_err(|error| format!("writing to rustfmt: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt refused the generated code:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|error| error.to_string())
}

/// A type of the module, as it will be written.
struct TypeDef {
    doc: String,
    body: Body,
    /// Serialized (part of a request).
    ser: bool,
    /// Deserialized (part of an answer).
    de: bool,
    /// Used directly as a query value.
    query: bool,
    /// Used by an operation a direct merchant calls (otherwise, in a default family, the type is
    /// behind the `partner` feature).
    merchant: bool,
    children: Vec<String>,
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
    encrypt_nested: bool,
    /// Sent in clear text, but personal: `Debug` does not show it.
    redact: bool,
}

struct Module<'a> {
    family: &'a Family<'a>,
    /// The operation being declared is behind the `partner` feature.
    partner: bool,
    types: BTreeMap<String, TypeDef>,
    order: Vec<String>,
    by_key: BTreeMap<String, String>,
    taken: BTreeSet<String>,
}

impl<'a> Module<'a> {
    fn new(family: &'a Family<'a>) -> Self {
        let mut taken = BTreeSet::new();
        for operation in &family.operations {
            taken.insert(type_name(operation));
        }
        Module {
            family,
            partner: false,
            types: BTreeMap::new(),
            order: Vec::new(),
            by_key: BTreeMap::new(),
            taken,
        }
    }

    fn fresh_name(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_owned();
        let mut counter = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{counter}");
            counter += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// The Rust type of `schema`, defining the named types it needs; `name` is what a new named
    /// type would be called.
    fn rust_type(&mut self, schema: &Schema, name: &str, doc: &str) -> Result<String, String> {
        Ok(match schema.t.as_str() {
            "string" if !schema.en.is_empty() && schema.en.iter().all(|v| v.is_string()) => {
                let mut values: Vec<String> = Vec::new();
                for value in schema.en.iter().filter_map(|value| value.as_str()) {
                    if !values.iter().any(|known| known == value) {
                        values.push(value.to_owned());
                    }
                }
                let key = format!("enum:{}", values.join("\u{1}"));
                if let Some(existing) = self.by_key.get(&key) {
                    return Ok(existing.clone());
                }
                let name = self.fresh_name(name);
                self.by_key.insert(key, name.clone());
                self.order.push(name.clone());
                self.types.insert(
                    name.clone(),
                    TypeDef {
                        doc: doc.to_owned(),
                        body: Body::Enum(values),
                        ser: false,
                        de: false,
                        query: false,
                        merchant: false,
                        children: Vec::new(),
                    },
                );
                name
            }
            "string" => "String".into(),
            // One integer type for every whole number, amounts in fen included (as WeChat Pay's
            // Go SDK, which uses int64 throughout): the formats (`int32`, `uint64` …) differ
            // between the sources, never the values.
            "integer" => "i64".into(),
            // WeChat Pay's numbers are amounts in fen, counts and ids: integers, unless the format
            // or the example says otherwise.
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
            "any" => "serde_json::Value".into(),
            "object" if schema.props.is_empty() => "serde_json::Value".into(),
            "object" => {
                let mut fields = Vec::new();
                let mut children = Vec::new();
                let mut used = BTreeSet::new();
                for field in &schema.props {
                    let child_name = format!("{name}{}", camel(&field.n));
                    let child_doc = field_doc(field);
                    let ty = self.rust_type(&field.ty, &child_name, &child_doc)?;
                    collect_named(&ty, &mut children);
                    let mut ident = rust_ident(&field.n);
                    while !used.insert(ident.clone()) {
                        ident.push('_');
                    }
                    fields.push(FieldDef {
                        wire: field.n.clone(),
                        ident,
                        ty,
                        optional: !field.req,
                        doc: child_doc,
                        encrypt_nested: field.sens && field.ty.t == "string",
                        redact: field.ty.redact,
                    });
                }
                let key = format!(
                    "struct:{}",
                    fields
                        .iter()
                        .map(|field| format!(
                            "{}:{}:{}:{}",
                            field.wire, field.ty, field.optional, field.encrypt_nested
                        ))
                        .collect::<Vec<_>>()
                        .join(",")
                );
                if let Some(existing) = self.by_key.get(&key) {
                    return Ok(existing.clone());
                }
                let name = self.fresh_name(name);
                self.by_key.insert(key, name.clone());
                self.order.push(name.clone());
                self.types.insert(
                    name.clone(),
                    TypeDef {
                        doc: doc.to_owned(),
                        body: Body::Struct(fields),
                        ser: false,
                        de: false,
                        query: false,
                        merchant: false,
                        children,
                    },
                );
                name
            }
            "array" => {
                let items = schema
                    .items
                    .as_deref()
                    .ok_or_else(|| format!("{name}: an array without items"))?;
                format!("Vec<{}>", self.rust_type(items, name, doc)?)
            }
            other => return Err(format!("{name}: no Rust type for `{other}`")),
        })
    }

    fn mark(&mut self, ty: &str, ser: bool, de: bool) {
        let merchant = !self.partner;
        let mut names = Vec::new();
        collect_named(ty, &mut names);
        while let Some(name) = names.pop() {
            let Some(def) = self.types.get_mut(&name) else {
                continue;
            };
            let before = (def.ser, def.de, def.merchant);
            def.ser |= ser;
            def.de |= de;
            def.merchant |= merchant;
            if (def.ser, def.de, def.merchant) != before {
                names.extend(def.children.iter().cloned());
            }
        }
    }

    fn render(mut self) -> Result<String, String> {
        let family = self.family;
        let mut out = String::new();
        let title = match family.feature.as_str() {
            "hk-host" => "The operations of the Hong Kong host (`v3/…`), reached with a base URL of their own".to_owned(),
            "global-host" => "The operations of the global (cross-border) host (`v3/…`), reached with a base URL of their own".to_owned(),
            segment => format!("`v3/{segment}/…`"),
        };
        let partner = family
            .operations
            .iter()
            .filter(|operation| behind_partner(operation))
            .count();
        let _ = write!(
            out,
            "//! {title}: {}, generated from the API description and WeChat Pay's SDK models.\n\
             //!\n\
             //! Generated by `cargo run -p wechatpay-codegen -- emit` from `codegen/facts.json` merged\n\
             //! with `codegen/facts_go.json` and `codegen/facts_java.json`; do not edit.\n\
             //! Enabled by the `{}` feature.",
            operations(family.operations.len()),
            family.feature,
        );
        if partner > 0 {
            let _ = write!(
                out,
                " The {} only service providers call (their callers name no direct merchant) also need the `{PARTNER_FEATURE}` feature.",
                operations(partner)
            );
        }
        out.push_str("\n\nuse crate::endpoint;\n\n");
        let mut endpoints = String::new();
        let mut visit = String::from(
            "/// Every operation of this module, for the catalog tests (`__catalog::visit_v3`).\npub(crate) fn visit<C: crate::__catalog::Check>(check: &mut C) {\n",
        );
        for operation in &family.operations {
            let name = type_name(operation);
            self.partner = behind_partner(operation);
            self.endpoint(operation, &name, &mut endpoints)?;
            let host = match operation.host.as_str() {
                "api" => String::new(),
                host => format!("{host}:"),
            };
            if self.partner {
                let _ = writeln!(visit, "    #[cfg(feature = \"{PARTNER_FEATURE}\")]");
            }
            let _ = writeln!(
                visit,
                "    check.operation::<{name}>(\"{host}{} {}\");",
                operation.method, operation.path
            );
        }
        visit.push_str("}\n");
        out.push_str(&endpoints);
        let gated = DEFAULT_FAMILIES.contains(&family.feature.as_str());
        for name in self.order.clone() {
            let def = &self.types[&name];
            write_type(&mut out, &name, def, gated && !def.merchant);
        }
        out.push_str(&visit);
        Ok(out)
    }

    fn header_doc(operation: &Operation) -> String {
        let mut doc = String::new();
        let _ = writeln!(doc, "/// {}", escape_doc(&operation.name));
        let _ = writeln!(doc, "///");
        let _ = writeln!(
            doc,
            "/// `{} /{}`{}.",
            operation.method,
            operation.path,
            match operation.host.as_str() {
                "hk" => " on the Hong Kong host: set the client's base URL to it",
                "global" => " on the global host: set the client's base URL to it",
                _ => "",
            }
        );
        match operation.links.first() {
            Some(link) => {
                let _ = writeln!(doc, "/// Official documentation: <{link}>.");
            }
            None => {
                let _ = writeln!(
                    doc,
                    "/// The API description links no official page for this call; search the official documentation for its name."
                );
            }
        }
        if !operation.roles.is_empty() {
            let _ = writeln!(doc, "/// Callers: {}.", operation.roles.join(", "));
        }
        doc
    }

    fn endpoint(
        &mut self,
        operation: &Operation,
        name: &str,
        out: &mut String,
    ) -> Result<(), String> {
        let unsigned = if operation.answer.kind == "download" {
            ", unsigned_response"
        } else {
            ""
        };
        out.push_str(&Self::header_doc(operation));
        let has_body = matches!(operation.method.as_str(), "POST" | "PUT" | "PATCH");
        let mut fields = String::new();
        let mut used = BTreeSet::new();
        let mut notes = Vec::new();
        let params = operation
            .params
            .iter()
            .filter(|field| matches!(field.loc.as_str(), "path" | "query" | "form"));
        // An upload's `meta` part is the JSON the signature covers: its fields are declared as
        // the struct's body fields.
        let meta = params
            .clone()
            .filter(|field| field.loc == "form" && field.n == "meta")
            .flat_map(|field| field.ty.props.iter());
        let params = params.filter(|field| !(field.loc == "form" && field.n == "meta"));
        let body = operation.body.iter().flatten();
        let has_delete_body = operation.method == "DELETE";
        for field in params.chain(meta).chain(body) {
            if field.ty.redact {
                return Err(format!(
                    "{} {}: `{}` is marked personal (`redact`), which only nested request types support",
                    operation.method, operation.path, field.n
                ));
            }
            let ident = rust_ident(&field.n);
            if !used.insert(ident.clone()) {
                return Err(format!(
                    "{} {}: two fields named `{}`",
                    operation.method, operation.path, field.n
                ));
            }
            let doc = field_doc(field);
            let child = format!("{name}{}", camel(&field.n));
            let file = field.loc == "form" && field.ty.t == "file";
            let ty = if field.loc == "path" {
                // A path value is text or a number; its allowed values stay in the facts.
                match field.ty.t.as_str() {
                    "integer" | "number" => "i64".to_owned(),
                    _ => "String".to_owned(),
                }
            } else if file {
                "crate::multipart::UploadFile".to_owned()
            } else {
                self.rust_type(&field.ty, &child, &doc)?
            };
            self.mark(&ty, true, false);
            if matches!(field.loc.as_str(), "query" | "form") {
                // A query or form value, or the items of a query list, is a `QueryValue`.
                let item = ty.trim_start_matches("Vec<").trim_end_matches('>');
                if let Some(def) = self.types.get_mut(item) {
                    def.query = true;
                }
            }
            let ty = if field.req {
                ty
            } else {
                format!("Option<{ty}>")
            };
            let _ = writeln!(fields, "    {doc}");
            if ident.trim_start_matches("r#") != field.n {
                let _ = writeln!(fields, "    #[serde(rename = \"{}\")]", field.n);
            }
            if field.loc == "query" && has_body {
                fields.push_str("    #[wechatpay(query)]\n");
            }
            if field.loc == "query" && field.ty.t == "array" {
                fields.push_str("    #[wechatpay(comma_separated)]\n");
            }
            if file {
                fields.push_str("    #[wechatpay(file)]\n");
                // The catalog tests build the request from JSON examples: the file is made up.
                fields.push_str(
                    "    #[cfg_attr(test, serde(skip_deserializing, default = \"crate::__catalog::example_file\"))]\n",
                );
            } else if field.loc == "form" {
                fields.push_str("    #[wechatpay(form)]\n");
            }
            if field.loc.is_empty() && has_delete_body && !has_body {
                fields.push_str("    #[wechatpay(body)]\n");
            }
            if field.sens && field.ty.t == "string" {
                fields.push_str("    #[wechatpay(encrypt)]\n");
            }
            let _ = writeln!(fields, "    pub {ident}: {ty},");
        }
        let answer_name = format!("{name}Response");
        let response = match (operation.answer.kind.as_str(), &operation.answer.schema) {
            ("json", Some(schema)) => {
                let doc = format!(
                    "/// The answer of [`{name}`] ({}).",
                    escape_doc(&operation.name)
                );
                let ty = self.rust_type(schema, &answer_name, &doc)?;
                self.mark(&ty, false, true);
                ty
            }
            _ => "()".to_owned(),
        };
        for field in &operation.params {
            if field.loc == "header" && !field.n.eq_ignore_ascii_case("Wechatpay-Serial") {
                notes.push(format!(
                    "/// The description also names the `{}` header, which this declaration does not send.",
                    field.n
                ));
            }
        }
        if operation.answer.kind == "download" {
            notes.push(
                "/// The answer is a file, not signed by WeChat Pay: fetch it with `Client::download` (streamed, checked against the digest an earlier signed answer gave, when one did)."
                    .to_owned(),
            );
        }
        if self.partner {
            notes.push(format!(
                "/// A service provider's operation: it needs the `{PARTNER_FEATURE}` feature."
            ));
        }
        if !notes.is_empty() {
            out.push_str("///\n");
            for note in notes {
                out.push_str(&note);
                out.push('\n');
            }
        }
        if self.partner {
            let _ = writeln!(out, "{}", partner_cfg());
        }
        let _ = writeln!(
            out,
            "#[endpoint({}, \"{}\", response = {response}{unsigned})]",
            operation.method, operation.path
        );
        let _ = writeln!(
            out,
            "#[derive(Debug, Clone)]\n#[cfg_attr(test, derive({DECODE}))]\npub struct {name} {{\n{fields}}}\n"
        );
        Ok(())
    }
}

fn collect_named(ty: &str, out: &mut Vec<String>) {
    let inner = ty
        .trim_start_matches("Option<")
        .trim_start_matches("Vec<")
        .trim_start_matches("Vec<")
        .trim_end_matches('>');
    if inner
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_uppercase())
        && inner != "String"
        && !inner.contains("::")
    {
        out.push(inner.to_owned());
    }
}

/// The derive that decodes the generated structs: `serde::Deserialize` with less code to compile
/// (see `wechatpay_macros::Decode`).
pub(crate) const DECODE: &str = "crate::__private::Decode";
/// The `Serialize` derive of the generated request types, a smaller one than serde's for what
/// they need (`rename`, `skip_serializing_if`).
pub(crate) const ENCODE: &str = "crate::__private::Encode";

/// An enum of wire values, open to new ones, declared with the runtime's `open_enum!` (which
/// rustfmt leaves as written, so it is laid out here), its documentation `doc` inside the call.
pub(crate) fn write_open_enum(out: &mut String, doc: &str, name: &str, values: &[String]) {
    let _ = writeln!(out, "crate::open_enum::open_enum! {{");
    for line in doc.lines() {
        let _ = writeln!(out, "    {line}");
    }
    out.push_str(
        "    ///\n    /// Open to new values: one this version does not know decodes as `Unknown`, kept as sent.\n",
    );
    let _ = writeln!(out, "    pub enum {name} {{");
    let mut used = BTreeSet::new();
    used.insert("Unknown".to_owned());
    for value in values {
        let mut variant = variant_name(value);
        while !used.insert(variant.clone()) {
            variant.push_str("Value");
        }
        let _ = writeln!(
            out,
            "        /// `{}`\n        {variant} = \"{}\",",
            value.replace('`', "'"),
            value.replace('\\', "\\\\").replace('"', "\\\"")
        );
    }
    out.push_str("    }\n}\n\n");
}

/// The attributes of an item behind the `partner` feature.
fn partner_cfg() -> String {
    format!(
        "#[cfg(feature = \"{PARTNER_FEATURE}\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"{PARTNER_FEATURE}\")))]"
    )
}

/// `impl Debug` for a struct with personal fields: each sensitive or personal value shows as
/// `<sensitive>` (`None` when an optional one is absent), as `#[wechatpay::model]`'s does.
fn write_redacted_debug(out: &mut String, name: &str, fields: &[FieldDef], cfg: &str) {
    let _ = writeln!(
        out,
        "{cfg}impl core::fmt::Debug for {name} {{\n    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{\n        f.debug_struct(\"{name}\")"
    );
    for field in fields {
        let shown = field.ident.trim_start_matches("r#");
        if field.redact || field.encrypt_nested {
            let _ = writeln!(
                out,
                "            .field(\"{shown}\", &crate::__private::Redacted(&self.{}))",
                field.ident
            );
        } else {
            let _ = writeln!(
                out,
                "            .field(\"{shown}\", &self.{})",
                field.ident
            );
        }
    }
    out.push_str("            .finish()\n    }\n}\n\n");
}

/// `1 operation`, `2 operations`.
fn operations(count: usize) -> String {
    if count == 1 {
        "1 operation".to_owned()
    } else {
        format!("{count} operations")
    }
}

fn write_type(out: &mut String, name: &str, def: &TypeDef, partner: bool) {
    let cfg = if partner {
        partner_cfg() + "\n"
    } else {
        String::new()
    };
    match &def.body {
        Body::Enum(values) => {
            // A macro call takes `cfg` (the docs.rs note goes on items).
            let cfg = if partner {
                format!("#[cfg(feature = \"{PARTNER_FEATURE}\")]\n")
            } else {
                String::new()
            };
            out.push_str(&cfg);
            write_open_enum(out, &def.doc, name, values);
            if def.query {
                let _ = writeln!(
                    out,
                    "{cfg}impl crate::endpoint::QueryValue for {name} {{}}\n"
                );
            }
        }
        Body::Struct(fields) => {
            out.push_str(&def.doc);
            out.push('\n');
            out.push_str(&cfg);
            // A request type with sensitive fields declares them as a merchant would: they are
            // encrypted at any depth, and its `Debug` does not show them.
            if def.ser && fields.iter().any(|field| field.encrypt_nested) {
                out.push_str("#[crate::model]\n");
            }
            // A personal value sent in clear text is hidden by a `Debug` written here (which
            // hides the encrypted ones too); otherwise `Debug` is derived (and `model` redacts).
            let redacting = fields.iter().any(|field| field.redact);
            let model = def.ser && fields.iter().any(|field| field.encrypt_nested);
            let mut derives = if redacting {
                vec!["Clone"]
            } else {
                vec!["Debug", "Clone"]
            };
            if def.ser {
                // `model` reads serde's derive to encrypt the sensitive fields.
                derives.push(if model { "serde::Serialize" } else { ENCODE });
            }
            if def.de {
                derives.push(DECODE);
            }
            let _ = writeln!(out, "#[derive({})]", derives.join(", "));
            if def.ser && !def.de {
                let _ = writeln!(out, "#[cfg_attr(test, derive({DECODE}))]");
            }
            let _ = writeln!(out, "pub struct {name} {{");
            for field in fields {
                let _ = writeln!(out, "    {}", field.doc);
                if field.ident.trim_start_matches("r#") != field.wire {
                    let _ = writeln!(out, "    #[serde(rename = \"{}\")]", field.wire);
                }
                if def.ser && field.optional {
                    out.push_str("    #[serde(skip_serializing_if = \"Option::is_none\")]\n");
                }
                if def.ser && field.encrypt_nested {
                    out.push_str("    #[wechatpay(encrypt)]\n");
                }
                let ty = if field.optional {
                    format!("Option<{}>", field.ty)
                } else {
                    field.ty.clone()
                };
                let _ = writeln!(out, "    pub {}: {ty},", field.ident);
            }
            out.push_str("}\n\n");
            if redacting {
                write_redacted_debug(out, name, fields, &cfg);
            }
        }
    }
}

fn field_doc(field: &Field) -> String {
    let mut doc = if field.cn.is_empty() {
        format!("/// `{}`", field.n)
    } else {
        format!("/// {}", escape_doc(&field.cn))
    };
    if field.sens {
        doc.push_str(" (sensitive: encrypted on the wire)");
    }
    if field.ty.cipher {
        doc.push_str(" (encrypted with the APIv3 key)");
    }
    if field.ty.redact {
        doc.push_str(" (personal: sent as written, not shown by `Debug`)");
    }
    doc
}

pub(crate) fn escape_doc(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "\\<")
        .replace('>', "\\>")
}

/// `pre-entrust-sign` → `PreEntrustSign`, `out_trade_no` → `OutTradeNo`, `SUCCESS` → `Success`.
#[must_use]
pub fn camel(text: &str) -> String {
    let mut out = String::new();
    for word in split_words(text) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(&chars.as_str().to_lowercase());
        }
    }
    out
}

/// `fund-app` → `fund_app`.
#[must_use]
pub fn snake(text: &str) -> String {
    split_words(text)
        .iter()
        .map(|word| word.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// Splits on anything that is not a letter or digit, and between a lower-case letter and an
/// upper-case one (`subMchid` → `sub`, `Mchid`).
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

pub(crate) fn variant_name(value: &str) -> String {
    let name = camel(value);
    if name.is_empty() || !value.is_ascii() {
        // Values in Chinese (or other scripts) keep a name made of their code points.
        let code: String = value
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_string()
                } else {
                    format!("U{:X}", u32::from(c))
                }
            })
            .collect();
        return format!("V{code}");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("V{name}");
    }
    name
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The Rust name of a field: the wire name when it is already snake case, else its snake case;
/// keywords as raw identifiers.
#[must_use]
pub fn rust_ident(wire: &str) -> String {
    let simple = wire
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && wire.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && !wire.contains("__");
    let mut ident = if simple { wire.to_owned() } else { snake(wire) };
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if matches!(ident.as_str(), "self" | "Self" | "super" | "crate") {
        ident.push('_');
    } else if KEYWORDS.contains(&ident.as_str()) {
        ident.insert_str(0, "r#");
    }
    ident
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(method: &str, path: &str) -> Operation {
        Operation {
            host: "api".into(),
            method: method.into(),
            path: path.into(),
            name: String::new(),
            links: Vec::new(),
            roles: Vec::new(),
            params: Vec::new(),
            body: None,
            answer: crate::facts::Answer {
                status: 204,
                kind: "none".into(),
                schema: None,
            },
        }
    }

    #[test]
    fn names_follow_the_url() {
        let query = operation("GET", "v3/refund/domestic/refunds/{out_refund_no}");
        assert_eq!(family_of(&query), "refund");
        assert_eq!(type_name(&query), "GetDomesticRefundsOutRefundNo");
        let certificates = operation("GET", "v3/certificates");
        assert_eq!(type_name(&certificates), "GetCertificates");
        let sign = operation("POST", "v3/papay/sign/contracts/pre-entrust-sign");
        assert_eq!(type_name(&sign), "PostSignContractsPreEntrustSign");
        assert_eq!(snake("fund-app"), "fund_app");
    }

    #[test]
    fn service_provider_operations_of_the_default_families_need_the_partner_feature() {
        let with_roles = |path: &str, roles: &[&str]| Operation {
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            ..operation("POST", path)
        };
        let partner = with_roles("v3/pay/partner/transactions/jsapi", &["服务商", "电商平台"]);
        assert!(partner_only(&partner) && behind_partner(&partner));
        // A call both kinds of caller make stays in the family's default set.
        let shared = with_roles("v3/refund/domestic/refunds", &["直连商户", "服务商"]);
        assert!(!partner_only(&shared) && !behind_partner(&shared));
        // Without documented callers, nothing is assumed.
        assert!(!partner_only(&with_roles("v3/pay/transactions/jsapi", &[])));
        // Outside the default families a feature is already an opt-in: nothing more is needed.
        let ecommerce = with_roles("v3/ecommerce/applyments/", &["电商平台"]);
        assert!(partner_only(&ecommerce) && !behind_partner(&ecommerce));
    }

    #[test]
    fn identifiers_are_valid_rust() {
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("subMchid"), "sub_mchid");
        assert_eq!(rust_ident("out_trade_no"), "out_trade_no");
        assert_eq!(variant_name("DEVICE_TYPE_UNKNOW"), "DeviceTypeUnknow");
        assert_eq!(variant_name("10"), "V10");
    }
}
