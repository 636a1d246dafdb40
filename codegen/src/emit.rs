//! `emit`: the facts the catalog follows (the description's, merged with WeChat Pay's SDK models by
//! [`crate::merge`]) → the generated Rust modules of `runtime/src/v3/`, the feature list of
//! `Cargo.toml` and the family table of the README.
//!
//! One module per product family: the first URL segment after `v3/`, in snake case
//! (`v3/fund-app/…` → `wechatpay::v3::fund_app`); the operations of the cross-border hosts go to
//! `v3::hk_host` and `v3::global_host`. The names of the types in it follow [`crate::names`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::facts::{Facts, Field, Operation, Schema};
use crate::names::NamesFile;

/// The reviewed names, relative to the repository.
pub const NAMES_FILE: &str = "codegen/names.yaml";

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
    "security",
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

/// Whether the operation is a multipart upload (its parameters include a form).
#[must_use]
pub fn is_upload(operation: &Operation) -> bool {
    operation.params.iter().any(|field| field.loc == "form")
}

/// Everything `emit` writes: `(file name in OUT_DIR, text)`.
///
/// # Errors
/// When rustfmt fails or the facts cannot be expressed.
pub fn emit(
    facts: &Facts,
    names: &NamesFile,
    notices: &[crate::notices::Resolved],
) -> Result<Vec<(String, String)>, String> {
    let facts = &crate::names::with_legacy(facts, names)?;
    let known: BTreeSet<String> = facts.operations.iter().map(crate::names::key).collect();
    let stale: Vec<&String> = names
        .operations
        .keys()
        .chain(names.answers.keys())
        .filter(|key| !known.contains(*key))
        .collect();
    if !stale.is_empty() {
        return Err(format!(
            "{NAMES_FILE} names operations the facts do not have (remove or correct them): {}",
            stale
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
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
        let mut module = Module::new(family, names)?;
        module.notices = crate::notices::injections(notices, &family.module);
        let (text, stats) = module.render()?;
        // Every callback resource a kind names is a type of its module.
        for item in notices {
            let Some(resource) = &item.kind.resource else {
                continue;
            };
            if resource.module() == family.module
                && !stats.iter().any(|t| t.name == resource.name())
            {
                return Err(format!(
                    "{}: `{}` names `{}`, which `{}` does not declare (its answer is named otherwise: see {NAMES_FILE})",
                    crate::notices::NOTICES_FILE,
                    item.kind.variant,
                    resource.ty,
                    family.module
                ));
            }
        }
        files.push((format!("{}.rs", family.module), format_rust(&text)?));
    }
    for (key, name) in &names.types {
        let (module, _) = key.split_once("::").unwrap_or_default();
        let declared = files.iter().any(|(file, text)| {
            *file == format!("{module}.rs")
                && (text.contains(&format!("pub struct {name} "))
                    || text.contains(&format!("pub enum {name} ")))
        });
        if !declared {
            return Err(format!(
                "{NAMES_FILE}: the type `{key}` (renamed `{name}`) is not generated; remove or correct the entry"
            ));
        }
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

/// A generated type's name and the operations that use it.
#[derive(Debug, Clone)]
pub struct TypeName {
    /// An operation's names-file key (`POST v3/refund/domestic/refunds`); empty for other types.
    pub key: String,
    /// The Rust name.
    pub name: String,
    /// An operation's request type.
    pub operation: bool,
    /// The name of an official model.
    pub official: bool,
    /// The request type names of the operations that use it.
    pub users: BTreeSet<String>,
}

/// The names of every generated type, by module (`pay`), for the names report.
///
/// # Errors
/// As [`emit`].
pub fn type_names(
    facts: &Facts,
    names: &NamesFile,
) -> Result<Vec<(String, Vec<TypeName>)>, String> {
    let facts = &crate::names::with_legacy(facts, names)?;
    families(facts)
        .iter()
        .map(|family| {
            let (_, stats) = Module::new(family, names)?.render()?;
            Ok((family.module.clone(), stats))
        })
        .collect()
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
    /// The field whose names-file variants an enum takes (empty: none).
    named_by: String,
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

/// A copy of a [`Body`], for merging one type into another.
enum Shallow {
    Struct(Vec<FieldDef>),
    Enum(Vec<String>),
}

impl Body {
    fn clone_shallow(&self) -> Shallow {
        match self {
            Body::Struct(fields) => Shallow::Struct(fields.clone()),
            Body::Enum(values) => Shallow::Enum(values.clone()),
        }
    }
}

#[derive(Clone)]
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

/// One use of a named type, for its name.
#[derive(Clone)]
struct Use {
    /// The operation's request type name.
    op: String,
    /// The literal segments of its path after the family (`transfer-bills`, `out-bill-no`).
    path: Vec<String>,
    /// The field whose type it is (its wire name), unless it is the answer itself.
    field: Option<String>,
    /// The field holding that field's object, if any.
    parent_field: Option<String>,
    /// Reached through an array (the name is singular).
    plural: bool,
    /// The answer of the operation.
    answer: bool,
    /// The official model's name.
    model: Option<String>,
}

/// An operation an answer type answers.
struct AnswerOf {
    op: String,
    /// The operation is behind the `partner` feature.
    partner: bool,
    official: String,
    aliases: String,
}

/// What a new named type would be called, from where it is used.
#[derive(Clone)]
struct Hint {
    /// Inside an answer.
    in_answer: bool,
    op: String,
    path: Vec<String>,
    field: Option<String>,
    parent_field: Option<String>,
    plural: bool,
    answer: bool,
}

/// An official model's name as a type name: without the SDKs' `Entity` and `Enum` suffixes
/// (`TransferBatchEntity` → `TransferBatch`, `TradeStateEnum` → `TradeState`).
fn model_name(model: &str) -> String {
    let bare = model
        .strip_suffix("Entity")
        .or_else(|| model.strip_suffix("Enum"))
        .filter(|bare| !bare.is_empty())
        .unwrap_or(model);
    camel_keep(bare)
}

/// `a` then `b` without the words they share at the seam (`TransferInstruction` + `Instruction` →
/// `TransferInstruction`; `Sign` + `SignPlan` → `SignPlan`).
fn join_words(a: &str, b: &str) -> String {
    format!("{a}{}", crate::names::without_overlap(a, b))
}

/// The literal segments of an operation's path after its family (`v3/transfer/bills/out-bill-no/{…}`
/// → `bills`, `out-bill-no`).
fn literal_segments(operation: &Operation) -> Vec<String> {
    let skip = if operation.host == "api" { 2 } else { 1 };
    operation
        .path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .skip(skip)
        .filter(|segment| !segment.starts_with('{') && *segment != "partner")
        .map(str::to_owned)
        .collect()
}

/// Names a type may not take: they would shadow the prelude or the module's own words.
const RESERVED: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "Default",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "Iterator",
    "PartialEq",
    "Eq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "ToString",
    "ToOwned",
    "AsRef",
    "Unpin",
    "Extend",
    "Debug",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Value",
    "Error",
    "Endpoint",
    "Response",
    "Unknown",
];

/// The words at the start and at the end of every name (`PartnerJsapiPrepay`, `PartnerAppPrepay`
/// → `PartnerPrepay`), without a dangling `By`/`With`.
fn common_words(names: &BTreeSet<&str>) -> String {
    let split: Vec<Vec<&str>> = names.iter().map(|name| crate::names::words(name)).collect();
    let Some(first) = split.first() else {
        return String::new();
    };
    let shortest = split.iter().map(Vec::len).min().unwrap_or(0);
    let prefix = (0..shortest)
        .take_while(|&i| split.iter().all(|words| words[i] == first[i]))
        .count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| {
            split
                .iter()
                .all(|words| words[words.len() - 1 - i] == first[first.len() - 1 - i])
        })
        .count();
    let mut words: Vec<&str> = first[..prefix].to_vec();
    while words
        .last()
        .is_some_and(|word| matches!(*word, "By" | "With" | "And" | "Of" | "For"))
    {
        words.pop();
    }
    words.extend(&first[first.len() - suffix..]);
    words.concat()
}

/// The placeholder of a type not named yet, replaced once every use is known.
fn token(index: usize) -> String {
    format!("Zq{index}Zq")
}

/// Replaces every placeholder in `text` by its name.
fn replace_tokens(text: &str, names: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("Zq") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with("Zq") {
            let key = &rest[start..start + 2 + digits + 2];
            out.push_str(names.get(key).map_or(key, String::as_str));
            rest = &after[digits + 2..];
        } else {
            out.push_str("Zq");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

struct Module<'a> {
    family: &'a Family<'a>,
    names_file: &'a NamesFile,
    /// The request type name of each operation, by its names-file key.
    op_names: BTreeMap<String, String>,
    /// The operation being declared is behind the `partner` feature.
    partner: bool,
    types: BTreeMap<String, TypeDef>,
    order: Vec<String>,
    by_key: BTreeMap<String, String>,
    uses: BTreeMap<String, Vec<Use>>,
    /// The operations each answer type answers, for its documentation.
    answer_docs: BTreeMap<String, Vec<AnswerOf>>,
    /// Types merged into another (see [`Module::absorb`]): placeholder → the one kept.
    alias: BTreeMap<String, String>,
    /// The callback payload types declared here (`codegen/notices.yaml`): name, schema, a service
    /// provider's, documentation.
    notices: Vec<crate::notices::Injection<'a>>,
}

impl<'a> Module<'a> {
    fn new(family: &'a Family<'a>, names_file: &'a NamesFile) -> Result<Self, String> {
        let names = crate::names::operation_names(&family.operations, names_file)?;
        let op_names = family
            .operations
            .iter()
            .zip(names)
            .map(|(operation, name)| (crate::names::key(operation), name))
            .collect();
        Ok(Module {
            family,
            names_file,
            op_names,
            partner: false,
            types: BTreeMap::new(),
            order: Vec::new(),
            by_key: BTreeMap::new(),
            uses: BTreeMap::new(),
            alias: BTreeMap::new(),
            notices: Vec::new(),
            answer_docs: BTreeMap::new(),
        })
    }

    /// A new type's placeholder, recorded with its first use.
    fn new_type(
        &mut self,
        key: String,
        hint: &Hint,
        model: Option<&String>,
        def: TypeDef,
    ) -> String {
        let name = token(self.order.len());
        self.by_key.insert(key, name.clone());
        self.order.push(name.clone());
        self.types.insert(name.clone(), def);
        self.record(&name, hint, model);
        name
    }

    fn record(&mut self, name: &str, hint: &Hint, model: Option<&String>) {
        self.uses.entry(name.to_owned()).or_default().push(Use {
            op: hint.op.clone(),
            path: hint.path.clone(),
            field: hint.field.clone(),
            parent_field: hint.parent_field.clone(),
            plural: hint.plural,
            answer: hint.answer,
            model: model.cloned(),
        });
    }

    /// The final names of the placeholders: official model names first, then the types used by
    /// the most operations; each takes its first free candidate.
    fn assign_names(&self) -> BTreeMap<String, String> {
        let mut taken: BTreeSet<String> = self.op_names.values().cloned().collect();
        taken.extend(RESERVED.iter().map(|name| (*name).to_owned()));
        let mut order: Vec<(usize, &String)> = self
            .order
            .iter()
            .enumerate()
            .filter(|(_, token)| !self.alias.contains_key(*token))
            .collect();
        let rank = |name: &String| {
            let uses = &self.uses[name];
            let model = uses.iter().any(|u| u.model.is_some());
            let ops: BTreeSet<&str> = uses.iter().map(|u| u.op.as_str()).collect();
            (!model, std::cmp::Reverse(ops.len()))
        };
        order.sort_by_key(|(index, name)| (rank(name), *index));
        let mut out = BTreeMap::new();
        for (_, token) in order {
            let uses = &self.uses[token];
            let ops: BTreeSet<&str> = uses.iter().map(|u| u.op.as_str()).collect();
            let single = (ops.len() == 1).then(|| uses[0].op.clone());
            let own = |u: &Use| -> Option<String> {
                let field = u.field.as_deref()?;
                let name = camel(field);
                Some(if u.plural {
                    crate::names::singular(&name)
                } else {
                    name
                })
            };
            let mut candidates: Vec<String> = Vec::new();
            // A direct merchant's model name before a service provider's (`Amount` before
            // `PartnerAmount`) when one shape serves both.
            let mut models: Vec<String> = uses
                .iter()
                .filter_map(|u| u.model.as_deref().map(model_name))
                .collect();
            models.sort_by_key(|model| model.starts_with("Partner"));
            candidates.extend(models);
            if let Some(op) = &single
                && uses.iter().any(|u| u.answer)
            {
                candidates.push(format!("{op}Response"));
            }
            candidates.extend(uses.iter().filter_map(own));
            for u in uses {
                if let (Some(parent), Some(name)) = (&u.parent_field, own(u)) {
                    let parent = crate::names::singular(&camel(parent));
                    candidates.push(join_words(&parent, &name));
                }
            }
            // The resource its operations' paths have in common (`transfer-bills/…` →
            // `TransferBillState`).
            let first_path = &uses[0].path;
            let common = (0..first_path.len())
                .take_while(|&i| uses.iter().all(|u| u.path.get(i) == first_path.get(i)))
                .count();
            let resource = (common > 0)
                .then(|| crate::names::singular(&camel(&first_path[common - 1])))
                .filter(|resource| !self.op_names.values().any(|op| op == resource));
            if let Some(resource) = resource {
                if uses.iter().any(|u| u.answer) && single.is_none() {
                    candidates.push(format!("{resource}Response"));
                }
                for name in uses.iter().filter_map(own) {
                    candidates.push(join_words(&resource, &name));
                }
            }
            if let Some(op) = &single {
                candidates.extend(
                    uses.iter()
                        .filter_map(own)
                        .map(|name| join_words(op, &name)),
                );
            } else {
                // Shared: the words its operations' names have in common (`JsapiPrepay` and
                // `AppPrepay` → `PrepaySceneInfo`).
                let mut qualifier = common_words(&ops);
                let twins = ops
                    .iter()
                    .all(|op| *op == qualifier || op.strip_prefix("Partner") == Some(&qualifier));
                if !twins && self.op_names.values().any(|op| *op == qualifier) {
                    qualifier.clear();
                }
                if !qualifier.is_empty() && uses.iter().any(|u| u.answer) {
                    candidates.push(format!("{qualifier}Response"));
                }
                if !qualifier.is_empty() {
                    candidates.extend(
                        uses.iter()
                            .filter_map(own)
                            .map(|name| join_words(&qualifier, &name)),
                    );
                }
            }
            let base = uses
                .iter()
                .find_map(own)
                .or_else(|| candidates.first().cloned())
                .unwrap_or_else(|| "Item".to_owned());
            let mut chosen = candidates
                .into_iter()
                .filter(|name| !name.is_empty() && name.len() <= crate::names::MAX_LEN)
                .find(|name| !taken.contains(name));
            let mut counter = 2;
            while chosen.is_none() {
                let mut base = base.clone();
                base.truncate(crate::names::MAX_LEN - 3);
                let name = format!("{base}{counter}");
                if !taken.contains(&name) {
                    chosen = Some(name);
                }
                counter += 1;
            }
            let chosen = chosen.unwrap_or_default();
            taken.insert(chosen.clone());
            out.insert(token.clone(), chosen);
        }
        out
    }

    /// The Rust type of `schema`, defining the named types it needs; `name` is what a new named
    /// type would be called.
    fn rust_type(&mut self, schema: &Schema, hint: &Hint, doc: &str) -> Result<String, String> {
        Ok(match schema.t.as_str() {
            "string" if !schema.en.is_empty() && schema.en.iter().all(|v| v.is_string()) => {
                let mut values: Vec<String> = Vec::new();
                for value in schema.en.iter().filter_map(|value| value.as_str()) {
                    if !values.iter().any(|known| known == value) {
                        values.push(value.to_owned());
                    }
                }
                // Values the names file names are named per field.
                let named_by = hint
                    .field
                    .as_ref()
                    .filter(|field| self.names_file.variants.contains_key(*field))
                    .cloned()
                    .unwrap_or_default();
                // A specific field (`trade_state`, `contract_state`) has one enum in a module,
                // its values the union of every use's (enums are open: an answer never fails
                // on a value another operation lists); a generic one (`state`, `type`) one per
                // set of values.
                let specific = hint.field.as_ref().filter(|field| field.contains('_'));
                let key = match specific {
                    Some(field) => format!("enum-field:{field}"),
                    None => format!("enum:{named_by}:{}", values.join("\u{1}")),
                };
                if let Some(existing) = self.by_key.get(&key).cloned() {
                    if let Some(TypeDef {
                        body: Body::Enum(known),
                        ..
                    }) = self.types.get_mut(&existing)
                    {
                        for value in values {
                            if !known.contains(&value) {
                                known.push(value);
                            }
                        }
                    }
                    self.record(&existing, hint, schema.model.as_ref());
                    return Ok(existing);
                }
                self.new_type(
                    key,
                    hint,
                    schema.model.as_ref(),
                    TypeDef {
                        doc: doc.to_owned(),
                        body: Body::Enum(values),
                        named_by,
                        ser: false,
                        de: false,
                        query: false,
                        merchant: false,
                        children: Vec::new(),
                    },
                )
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
                    let child = Hint {
                        in_answer: hint.in_answer,
                        op: hint.op.clone(),
                        path: hint.path.clone(),
                        field: Some(field.n.clone()),
                        parent_field: hint.field.clone(),
                        plural: false,
                        answer: false,
                    };
                    let child_doc = field_doc(field);
                    let ty = self.rust_type(&field.ty, &child, &child_doc)?;
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
                // An answer without an official model is its operation's own.
                let owner = if hint.answer && schema.model.is_none() {
                    hint.op.as_str()
                } else {
                    ""
                };
                let key = format!(
                    "struct:{owner}:{}",
                    fields
                        .iter()
                        .map(|field| format!(
                            "{}:{}:{}:{}",
                            field.wire, field.ty, field.optional, field.encrypt_nested
                        ))
                        .collect::<Vec<_>>()
                        .join(",")
                );
                if let Some(existing) = self.by_key.get(&key).cloned() {
                    self.record(&existing, hint, schema.model.as_ref());
                    return Ok(existing);
                }
                // In answers, the shapes one official model (`Transaction`) takes in several
                // operations are one type: every field of any of them, required only where all
                // require it.
                let model_key = match (&schema.model, hint.in_answer) {
                    (Some(model), true) => format!("answer-model:{model}"),
                    _ => String::new(),
                };
                if let Some(existing) = self.by_key.get(&model_key).cloned()
                    && self.merge_fields(&existing, &fields, &children)
                {
                    self.by_key.insert(key, existing.clone());
                    self.record(&existing, hint, schema.model.as_ref());
                    return Ok(existing);
                }
                let name = self.new_type(
                    key,
                    hint,
                    schema.model.as_ref(),
                    TypeDef {
                        doc: doc.to_owned(),
                        body: Body::Struct(fields),
                        named_by: String::new(),
                        ser: false,
                        de: false,
                        query: false,
                        merchant: false,
                        children,
                    },
                );
                if !model_key.is_empty() {
                    self.by_key.entry(model_key).or_insert_with(|| name.clone());
                }
                name
            }
            "array" => {
                let items = schema
                    .items
                    .as_deref()
                    .ok_or_else(|| format!("{}: an array without items", hint.op))?;
                let items_hint = Hint {
                    plural: true,
                    ..hint.clone()
                };
                format!("Vec<{}>", self.rust_type(items, &items_hint, doc)?)
            }
            other => return Err(format!("{}: no Rust type for `{other}`", hint.op)),
        })
    }

    /// Merges `fields` into the struct `existing` (see the answer-model rule); `false`, leaving it
    /// as it was, where one field has two types that cannot be one.
    fn merge_fields(&mut self, existing: &str, fields: &[FieldDef], children: &[String]) -> bool {
        let Some(TypeDef {
            body: Body::Struct(known),
            ..
        }) = self.types.get(existing)
        else {
            return false;
        };
        let mergeable = fields.iter().all(|field| {
            known.iter().filter(|k| k.wire == field.wire).all(|k| {
                k.encrypt_nested == field.encrypt_nested && self.mergeable(&k.ty, &field.ty, 0)
            })
        });
        if !mergeable {
            return false;
        }
        self.merge_struct(existing, fields.to_vec(), children);
        self.spread(existing);
        true
    }

    /// Gives the types below `token` its flags (serialized, decoded, a direct merchant's).
    fn spread(&mut self, token: &str) {
        let Some(def) = self.types.get(token) else {
            return;
        };
        let (ser, de, merchant) = (def.ser, def.de, def.merchant);
        self.flag(def.children.clone(), ser, de, merchant);
    }

    /// Adds the flags to the named types and, where that changes one, to the types below it;
    /// a type merged into another (see [`Module::absorb`]) stands for the one kept.
    fn flag(&mut self, mut names: Vec<String>, ser: bool, de: bool, merchant: bool) {
        while let Some(name) = names.pop() {
            let name = self.alias.get(&name).cloned().unwrap_or(name);
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

    /// Whether two field types can be one: the same, or nested answer structs (or enums) that
    /// can be merged field by field.
    fn mergeable(&self, a: &str, b: &str, depth: usize) -> bool {
        if a == b {
            return true;
        }
        let (a, b) = match (a.strip_prefix("Vec<"), b.strip_prefix("Vec<")) {
            (Some(a), Some(b)) => (a.trim_end_matches('>'), b.trim_end_matches('>')),
            (None, None) => (a, b),
            _ => return false,
        };
        if depth > 8 {
            return false;
        }
        match (self.types.get(a), self.types.get(b)) {
            (Some(x), Some(y)) => match (&x.body, &y.body) {
                (Body::Enum(_), Body::Enum(_)) => true,
                (Body::Struct(xs), Body::Struct(ys)) => ys.iter().all(|field| {
                    xs.iter().filter(|k| k.wire == field.wire).all(|k| {
                        k.encrypt_nested == field.encrypt_nested
                            && self.mergeable(&k.ty, &field.ty, depth + 1)
                    })
                }),
                _ => false,
            },
            _ => false,
        }
    }

    /// Merges `fields` into the struct `existing`: required only where both require, nested
    /// types merged (the merged-away type then names the kept one).
    fn merge_struct(&mut self, existing: &str, fields: Vec<FieldDef>, children: &[String]) {
        let mut nested: Vec<(String, String)> = Vec::new();
        if let Some(TypeDef {
            body: Body::Struct(known),
            children: known_children,
            ..
        }) = self.types.get_mut(existing)
        {
            for k in known.iter_mut() {
                match fields.iter().find(|field| field.wire == k.wire) {
                    Some(field) => {
                        k.optional |= field.optional;
                        k.redact |= field.redact;
                        if k.ty != field.ty {
                            let inner = |ty: &str| {
                                ty.trim_start_matches("Vec<")
                                    .trim_end_matches('>')
                                    .to_owned()
                            };
                            nested.push((inner(&k.ty), inner(&field.ty)));
                        }
                    }
                    None => k.optional = true,
                }
            }
            for field in &fields {
                if !known.iter().any(|k| k.wire == field.wire) {
                    let mut field = field.clone();
                    field.optional = true;
                    while known.iter().any(|k| k.ident == field.ident) {
                        field.ident.push('_');
                    }
                    known.push(field);
                }
            }
            for child in children {
                if !known_children.contains(child) {
                    known_children.push(child.clone());
                }
            }
        }
        for (keep, other) in nested {
            self.absorb(&keep, &other);
        }
    }

    /// Merges the type `other` into `keep`; `other` is no longer declared and names `keep`.
    fn absorb(&mut self, keep: &str, other: &str) {
        // Either may have been merged away already: merge what they stand for now (so that no
        // two types ever name each other).
        let resolve = |token: &str| {
            let mut token = token.to_owned();
            while let Some(next) = self.alias.get(&token) {
                token.clone_from(next);
            }
            token
        };
        let (keep, other) = (resolve(keep), resolve(other));
        let (keep, other) = (keep.as_str(), other.as_str());
        if keep == other {
            return;
        }
        let Some(def) = self.types.get(other) else {
            return;
        };
        let (ser, de, query, merchant) = (def.ser, def.de, def.query, def.merchant);
        let children = def.children.clone();
        match def.body.clone_shallow() {
            Shallow::Enum(values) => {
                if let Some(TypeDef {
                    body: Body::Enum(known),
                    ..
                }) = self.types.get_mut(keep)
                {
                    for value in values {
                        if !known.contains(&value) {
                            known.push(value);
                        }
                    }
                }
            }
            Shallow::Struct(fields) => self.merge_struct(keep, fields, &children),
        }
        if let Some(def) = self.types.get_mut(keep) {
            def.ser |= ser;
            def.de |= de;
            def.query |= query;
            def.merchant |= merchant;
        }
        self.alias.insert(other.to_owned(), keep.to_owned());
        self.spread(keep);
        let moved = self.uses.remove(other).unwrap_or_default();
        self.uses.entry(keep.to_owned()).or_default().extend(moved);
        for target in self.by_key.values_mut() {
            if target == other {
                *target = keep.to_owned();
            }
        }
    }

    fn mark(&mut self, ty: &str, ser: bool, de: bool) {
        let mut names = Vec::new();
        collect_named(ty, &mut names);
        self.flag(names, ser, de, !self.partner);
    }

    fn render(mut self) -> Result<(String, Vec<TypeName>), String> {
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
            let name = self.op_names[&crate::names::key(operation)].clone();
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
        // The callback payloads of this family: decoded like answers, named as the notices file
        // says (the name is their model's).
        for injection in self.notices.clone() {
            self.partner = injection.partner;
            let mut schema = injection.schema.clone();
            schema.model = Some(injection.model.clone());
            let doc = injection.doc;
            let hint = Hint {
                in_answer: true,
                op: injection.model.clone(),
                path: Vec::new(),
                field: None,
                parent_field: None,
                plural: false,
                answer: true,
            };
            let ty = self.rust_type(&schema, &hint, &doc)?;
            self.mark(&ty, false, true);
        }
        out.push_str(&endpoints);
        let mut names = self.assign_names();
        for name in names.values_mut() {
            if let Some(better) = self
                .names_file
                .types
                .get(&format!("{}::{name}", family.module))
            {
                name.clone_from(better);
            }
        }
        for (other, keep) in &self.alias {
            let mut target = keep;
            while let Some(next) = self.alias.get(target) {
                target = next;
            }
            if let Some(name) = names.get(target).cloned() {
                names.insert(other.clone(), name);
            }
        }
        let gated = DEFAULT_FAMILIES.contains(&family.feature.as_str());
        for token in self.order.clone() {
            if self.alias.contains_key(&token) {
                continue;
            }
            let gated_type = gated && !self.types[&token].merchant;
            if let Some(answers) = self.answer_docs.get(&token) {
                // Linked: the operations compiled wherever the type is.
                let mut listed: Vec<String> = Vec::new();
                let mut aliases: Vec<&str> = Vec::new();
                for answer in answers {
                    let link = !answer.partner || gated_type || !gated;
                    let item = if link {
                        format!("[`{}`] ({})", answer.op, escape_doc(&answer.official))
                    } else {
                        format!("`{}` ({})", answer.op, escape_doc(&answer.official))
                    };
                    if !listed.contains(&item) {
                        listed.push(item);
                    }
                    for alias in answer.aliases.lines() {
                        if !aliases.contains(&alias) {
                            aliases.push(alias);
                        }
                    }
                }
                let doc = format!(
                    "/// The answer of {}.\n{}",
                    listed.join(", "),
                    aliases.join("\n")
                );
                if let Some(def) = self.types.get_mut(&token) {
                    def.doc = doc;
                }
            }
            let def = &self.types[&token];
            let variants = self.names_file.variants.get(&def.named_by);
            let meanings = self.names_file.meanings.get(&def.named_by);
            write_type(
                &mut out,
                &names[&token],
                def,
                gated && !def.merchant,
                variants,
                meanings,
            );
        }
        out.push_str(&visit);
        let mut stats: Vec<TypeName> = self
            .op_names
            .iter()
            .map(|(key, name)| TypeName {
                key: key.clone(),
                name: name.clone(),
                operation: true,
                official: false,
                users: BTreeSet::from([name.clone()]),
            })
            .collect();
        for (token, name) in &names {
            if self.alias.contains_key(token) {
                continue;
            }
            stats.push(TypeName {
                key: String::new(),
                name: name.clone(),
                operation: false,
                official: self.uses[token].iter().any(|u| {
                    u.model
                        .as_deref()
                        .is_some_and(|model| model_name(model) == *name)
                }),
                users: self.uses[token].iter().map(|u| u.op.clone()).collect(),
            });
        }
        Ok((replace_tokens(&out, &names), stats))
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
        doc.push_str(&aliases(operation));
        doc.push('\n');
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
            let child = Hint {
                in_answer: false,
                op: name.to_owned(),
                path: literal_segments(operation),
                field: Some(field.n.clone()),
                parent_field: None,
                plural: false,
                answer: false,
            };
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
        let answer_hint = Hint {
            in_answer: true,
            op: name.to_owned(),
            path: literal_segments(operation),
            field: None,
            parent_field: None,
            plural: false,
            answer: true,
        };
        let named_answer = operation.answer.schema.as_ref().map(|schema| {
            let mut schema = schema.clone();
            if let Some(name) = self.names_file.answers.get(&crate::names::key(operation)) {
                schema.model = Some(name.clone());
            }
            schema
        });
        let response = match (operation.answer.kind.as_str(), &named_answer) {
            ("json", Some(schema)) => {
                // The answer's documentation is written once every operation it answers is known
                // (`answer_docs`).
                let ty = self.rust_type(schema, &answer_hint, "")?;
                self.mark(&ty, false, true);
                let mut named = Vec::new();
                collect_named(&ty, &mut named);
                for token in named {
                    self.answer_docs.entry(token).or_default().push(AnswerOf {
                        op: name.to_owned(),
                        partner: self.partner,
                        official: operation.name.clone(),
                        aliases: aliases(operation),
                    });
                }
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

/// The `#[doc(alias)]` lines that let the docs' search find an operation's types by its path,
/// its method and path, and its official Chinese name.
fn aliases(operation: &Operation) -> String {
    let mut out = Vec::new();
    let allowed = |text: &str| {
        !text.is_empty()
            && text.trim() == text
            && !text
                .chars()
                .any(|c| c == '"' || c == '\'' || c == '\\' || (c.is_whitespace() && c != ' '))
    };
    for alias in [
        operation.path.clone(),
        format!("{} {}", operation.method, operation.path),
        operation.name.clone(),
    ] {
        if allowed(&alias) {
            out.push(format!("#[doc(alias = \"{alias}\")]"));
        }
    }
    out.join("\n")
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
    write_named_enum(out, doc, name, values, None, None);
}

/// [`write_open_enum`], with the names file's variant names and meanings where it gives them.
fn write_named_enum(
    out: &mut String,
    doc: &str,
    name: &str,
    values: &[String],
    variants: Option<&BTreeMap<String, String>>,
    meanings: Option<&BTreeMap<String, String>>,
) {
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
    // Values that repeat the enum's name (`SignScene`: `SIGN_SCENE_APP`) are named by the rest
    // (`SignScene::App`), unless two would then meet.
    let stripped: Vec<Option<String>> = values
        .iter()
        .map(|value| strip_enum_prefix(name, value))
        .collect();
    let distinct: BTreeSet<&String> = stripped.iter().flatten().collect();
    let strip = distinct.len() == stripped.iter().flatten().count();
    for (index, value) in values.iter().enumerate() {
        let mut variant = variants
            .and_then(|names| names.get(value))
            .cloned()
            .or_else(|| stripped[index].clone().filter(|_| strip))
            .unwrap_or_else(|| variant_name(value));
        while !used.insert(variant.clone()) {
            variant.push_str("Value");
        }
        let meaning = meanings
            .and_then(|meanings| meanings.get(value))
            .map(|meaning| format!(": {}", escape_doc(meaning)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "        /// `{}`{meaning}\n        {variant} = \"{}\",",
            value.replace('`', "'"),
            value.replace('\\', "\\\\").replace('"', "\\\"")
        );
    }
    out.push_str("    }\n}\n\n");
}

/// A value's variant name without the enum's own name in front (`SignScene`, `SIGN_SCENE_APP` →
/// `App`), when the value starts with it and more follows.
fn strip_enum_prefix(name: &str, value: &str) -> Option<String> {
    let name_words: Vec<String> = split_words(name)
        .iter()
        .map(|word| word.to_ascii_lowercase())
        .collect();
    let value_words: Vec<String> = value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if value_words.len() <= name_words.len() || value_words[..name_words.len()] != name_words[..] {
        return None;
    }
    let rest = camel(&value_words[name_words.len()..].join("_"));
    (rest.starts_with(|c: char| c.is_ascii_alphabetic()) && rest != "Unknown").then_some(rest)
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

fn write_type(
    out: &mut String,
    name: &str,
    def: &TypeDef,
    partner: bool,
    variants: Option<&BTreeMap<String, String>>,
    meanings: Option<&BTreeMap<String, String>>,
) {
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
            write_named_enum(out, &def.doc, name, values, variants, meanings);
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

/// A name kept as written when it is already upper camel case (`TransactionAmount`, `H5Info`),
/// else [`camel`].
#[must_use]
pub fn camel_keep(text: &str) -> String {
    if text.starts_with(|c: char| c.is_ascii_uppercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
    {
        text.to_owned()
    } else {
        camel(text)
    }
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
            sdk: None,
        }
    }

    #[test]
    fn families_follow_the_url() {
        let query = operation("GET", "v3/refund/domestic/refunds/{out_refund_no}");
        assert_eq!(family_of(&query), "refund");
        assert_eq!(snake("fund-app"), "fund_app");
    }

    #[test]
    fn placeholders_are_replaced_whole() {
        let names = BTreeMap::from([
            ("Zq1Zq".to_owned(), "Amount".to_owned()),
            ("Zq12Zq".to_owned(), "Payer".to_owned()),
        ]);
        assert_eq!(
            replace_tokens("Vec<Zq12Zq>, Option<Zq1Zq>, Zq", &names),
            "Vec<Payer>, Option<Amount>, Zq"
        );
        assert_eq!(
            common_words(&BTreeSet::from(["PartnerJsapiPrepay", "PartnerAppPrepay"])),
            "PartnerPrepay"
        );
        assert_eq!(
            common_words(&BTreeSet::from([
                "QueryOrderById",
                "QueryOrderByOutTradeNo"
            ])),
            "QueryOrder"
        );
        assert_eq!(
            join_words("TransferInstruction", "Instruction"),
            "TransferInstruction"
        );
        assert_eq!(model_name("TransferBatchEntity"), "TransferBatch");
        assert_eq!(model_name("TradeStateEnum"), "TradeState");
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
