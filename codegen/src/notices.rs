//! Callback kinds: `codegen/notices.yaml` → the payload types of the kinds with a schema of their
//! own (declared by [`crate::emit`] in their family's module), `runtime/src/notify/event.rs` (the
//! dispatch, `notify::Event`) and `sandbox/facts/notices.json` (what the sandbox sends).
//!
//! A kind's resource is either the answer of a catalog operation (`answer` + `type`: the payment
//! notice is the order query's `pay::Transaction`), a schema of its own (`type` + `schema`), or,
//! where no source gives its fields, JSON (`serde_json::Value`), still told apart by its variant.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::emit::{DEFAULT_FAMILIES, PARTNER_FEATURE, behind_partner, escape_doc, family_of};
use crate::facts::{Facts, Schema};

/// The callback kinds, relative to the repository.
pub const NOTICES_FILE: &str = "codegen/notices.yaml";
/// The generated dispatch, relative to the repository.
pub const EVENT_MODULE: &str = "runtime/src/notify/event.rs";
/// The kinds as the sandbox reads them (resources resolved to schemas), relative to the repository.
pub const SANDBOX_NOTICES: &str = "sandbox/facts/notices.json";

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticesFile {
    /// Every kind, in the file's order.
    pub kinds: Vec<Kind>,
}

/// One kind of callback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// The `Event` variant.
    pub variant: String,
    /// The `event_type` values that carry it.
    pub events: Vec<String>,
    /// A field whose presence tells this kind apart from the other kinds of the same event.
    #[serde(default)]
    pub when: Option<String>,
    /// The official (Chinese) name.
    pub name: String,
    /// The official pages.
    #[serde(default)]
    pub links: Vec<String>,
    /// Where the resource's fields come from, or why it stays JSON.
    pub source: String,
    /// The resource; absent: JSON.
    #[serde(default)]
    pub resource: Option<Resource>,
}

/// A kind's typed resource.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// `family::Name`: the generated type.
    #[serde(rename = "type")]
    pub ty: String,
    /// The catalog operation (`METHOD path`) whose answer the resource is.
    #[serde(default)]
    pub answer: Option<String>,
    /// The resource's own schema.
    #[serde(default)]
    pub schema: Option<Schema>,
    /// A service provider's own type (behind `partner` in a default family).
    #[serde(default)]
    pub partner: bool,
    /// Fields the notice carries beyond the answer's (papay deductions' `contract_id` on a
    /// payment): added, optional, to the answer's type (which the answers of one official model
    /// share).
    #[serde(default)]
    pub extra: Vec<crate::facts::Field>,
}

impl Resource {
    /// The family module and the type name.
    fn split(&self) -> (&str, &str) {
        self.ty.split_once("::").unwrap_or(("", &self.ty))
    }

    /// The module (`refund`) the type lives in.
    #[must_use]
    pub fn module(&self) -> &str {
        self.split().0
    }

    /// The type's name (`RefundNotice`).
    #[must_use]
    pub fn name(&self) -> &str {
        self.split().1
    }
}

/// One kind as the sandbox reads it.
#[derive(Debug, Clone, Serialize)]
struct SandboxKind<'a> {
    variant: &'a str,
    name: &'a str,
    events: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    when: Option<&'a str>,
    /// `wechatpay::v3::family::Name`, or absent for JSON.
    #[serde(skip_serializing_if = "Option::is_none", rename = "type")]
    ty: Option<String>,
    /// The crate features the typed variant needs.
    features: Vec<String>,
    /// The resource's shape (absent for JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<Schema>,
}

/// A kind with what `emit` resolved: its features and its resource's schema.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The kind.
    pub kind: Kind,
    /// The features its typed variant needs (empty for JSON).
    pub features: Vec<String>,
    /// The family feature of its type (empty for JSON).
    pub family: String,
    /// Its resource's shape (its own, or the operation's answer with the extra fields).
    pub schema: Option<Schema>,
    /// The official model of an answer resource with extra fields (what merges them into it).
    pub model: Option<String>,
}

impl NoticesFile {
    /// Reads the committed file and resolves it against `facts`.
    ///
    /// # Errors
    /// See [`NoticesFile::read`] and [`NoticesFile::resolve`].
    pub fn resolved(repo: &Path, facts: &Facts) -> Result<Vec<Resolved>, String> {
        let names = crate::names::NamesFile::read(&repo.join(crate::emit::NAMES_FILE))?;
        Self::read(&repo.join(NOTICES_FILE))?.resolve(facts, &names)
    }

    /// Reads the file (YAML, anchors and `<<` merges allowed).
    ///
    /// # Errors
    /// When the file cannot be read or is not a notices file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("reading {}: {error}", path.display()))?;
        Self::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// Parses the file's text.
    ///
    /// # Errors
    /// See [`NoticesFile::read`].
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut value: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|error| error.to_string())?;
        value.apply_merge().map_err(|error| error.to_string())?;
        serde_yaml::from_value(value).map_err(|error| error.to_string())
    }

    /// Checks the kinds against each other and the facts, and resolves each one's features and
    /// schema.
    ///
    /// # Errors
    /// A repeated variant, an event with two kinds and no `when` to tell them apart, a type
    /// whose module or operation does not exist.
    pub fn resolve(
        &self,
        facts: &Facts,
        names: &crate::names::NamesFile,
    ) -> Result<Vec<Resolved>, String> {
        let mut variants = BTreeSet::new();
        let mut plain: BTreeMap<&str, &str> = BTreeMap::new();
        let modules: BTreeSet<String> = crate::emit::families(facts)
            .into_iter()
            .map(|family| family.module)
            .collect();
        let mut out = Vec::new();
        for kind in &self.kinds {
            let at = format!("{NOTICES_FILE}: `{}`", kind.variant);
            if !is_ident(&kind.variant) || kind.variant == "Other" {
                return Err(format!("{at}: not a variant name"));
            }
            if !variants.insert(kind.variant.as_str()) {
                return Err(format!("{at}: listed twice"));
            }
            if kind.events.is_empty() {
                return Err(format!("{at}: no events"));
            }
            if let Some(field) = &kind.when
                && !is_ident(field)
            {
                return Err(format!("{at}: `when: {field}` is not a field name"));
            }
            for event in &kind.events {
                if kind.when.is_none()
                    && let Some(other) = plain.insert(event, &kind.variant)
                {
                    return Err(format!(
                        "{at}: `{event}` is also `{other}`'s, and neither names a `when` field"
                    ));
                }
            }
            let Some(resource) = &kind.resource else {
                out.push(Resolved {
                    kind: kind.clone(),
                    features: Vec::new(),
                    family: String::new(),
                    schema: None,
                    model: None,
                });
                continue;
            };
            if !modules.contains(resource.module()) || !is_ident(resource.name()) {
                return Err(format!(
                    "{at}: `{}` is not `family::Name` of a generated family",
                    resource.ty
                ));
            }
            let mut model = None;
            let (family, partner, schema) = match (&resource.answer, &resource.schema) {
                (Some(key), None) => {
                    let operation = facts
                        .operations
                        .iter()
                        .find(|operation| crate::names::key(operation) == *key)
                        .ok_or_else(|| format!("{at}: no operation `{key}`"))?;
                    let family = family_of(operation);
                    if crate::emit::snake(&family) != resource.module() {
                        return Err(format!(
                            "{at}: `{key}` is in `{}`, not `{}`",
                            crate::emit::snake(&family),
                            resource.module()
                        ));
                    }
                    let mut schema = operation
                        .answer
                        .schema
                        .clone()
                        .ok_or_else(|| format!("{at}: `{key}` answers no JSON"))?;
                    if !resource.extra.is_empty() {
                        // The extra fields merge into the answer's type through its model.
                        let named = names.answers.get(key).cloned().or(schema.model.clone());
                        let Some(named) = named else {
                            return Err(format!(
                                "{at}: extra fields need `{key}`'s answer to have a model name (name it in {})",
                                crate::emit::NAMES_FILE
                            ));
                        };
                        for field in &resource.extra {
                            if schema.props.iter().any(|prop| prop.n == field.n) {
                                return Err(format!(
                                    "{at}: the extra field `{}` is already the answer's",
                                    field.n
                                ));
                            }
                            let mut field = field.clone();
                            field.req = false;
                            schema.props.push(field);
                        }
                        model = Some(named);
                    }
                    (family, behind_partner(operation), schema)
                }
                (None, Some(schema)) => {
                    let family = crate::emit::families(facts)
                        .into_iter()
                        .find(|family| family.module == resource.module())
                        .map(|family| family.feature)
                        .unwrap_or_default();
                    let partner = resource.partner && DEFAULT_FAMILIES.contains(&family.as_str());
                    (family, partner, schema.clone())
                }
                _ => {
                    return Err(format!(
                        "{at}: a resource has either `answer` or `schema`, not both or neither"
                    ));
                }
            };
            if let Some(field) = &kind.when
                && !schema.props.iter().any(|prop| prop.n == *field)
            {
                return Err(format!(
                    "{at}: its resource has no `{field}` field to tell it apart"
                ));
            }
            let mut features = vec![family.clone()];
            if partner {
                features.push(PARTNER_FEATURE.to_owned());
            }
            out.push(Resolved {
                kind: kind.clone(),
                features,
                family,
                schema: Some(schema),
                model,
            });
        }
        Ok(out)
    }
}

fn is_ident(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A type `emit` declares (or extends) in a family module for the callbacks.
#[derive(Debug, Clone)]
pub struct Injection<'a> {
    /// The model name the schema carries: the type's own name, or the answer's model it extends.
    pub model: String,
    /// The shape.
    pub schema: &'a Schema,
    /// A service provider's.
    pub partner: bool,
    /// The type's documentation (unused when it extends an answer's type).
    pub doc: String,
}

/// What the kinds declare in one family module: their own types (one per type a kind names; a
/// type two kinds share is declared once), and the answer types they extend with extra fields.
#[must_use]
pub fn injections<'a>(resolved: &'a [Resolved], module: &str) -> Vec<Injection<'a>> {
    let mut out: Vec<Injection<'a>> = Vec::new();
    for item in resolved {
        let Some(resource) = &item.kind.resource else {
            continue;
        };
        if resource.module() != module {
            continue;
        }
        if let (Some(model), Some(schema)) = (&item.model, &item.schema) {
            if !out.iter().any(|known| known.model == *model) {
                out.push(Injection {
                    model: model.clone(),
                    schema,
                    partner: item.features.iter().any(|f| f == PARTNER_FEATURE),
                    doc: String::new(),
                });
            }
            continue;
        }
        let Some(schema) = &resource.schema else {
            continue;
        };
        let events: Vec<String> = resolved
            .iter()
            .filter(|other| {
                other
                    .kind
                    .resource
                    .as_ref()
                    .is_some_and(|r| r.ty == resource.ty)
            })
            .flat_map(|other| other.kind.events.iter().map(|event| format!("`{event}`")))
            .collect();
        let doc = type_doc(&item.kind, &events);
        if let Some(known) = out.iter_mut().find(|known| known.model == resource.name()) {
            known.doc = doc;
            continue;
        }
        out.push(Injection {
            model: resource.name().to_owned(),
            schema,
            partner: resource.partner,
            doc,
        });
    }
    out
}

fn type_doc(kind: &Kind, events: &[String]) -> String {
    let mut events = events.to_vec();
    events.dedup();
    let mut doc = format!(
        "/// {}: the decrypted resource of the {} callbacks ([`crate::notify::Event::{}`]).\n",
        escape_doc(&kind.name),
        events.join(", "),
        kind.variant
    );
    if let Some(link) = kind.links.first() {
        let _ = writeln!(doc, "///\n/// Official documentation: <{link}>.");
    }
    let _ = writeln!(doc, "///\n/// Fields: {}", escape_doc(&kind.source));
    let _ = write!(doc, "#[doc(alias = \"{}\")]", kind.name.replace('"', "'"));
    doc
}

/// The `#[cfg]` of a variant's features (empty for none).
fn cfg_of(features: &[String]) -> String {
    match features {
        [] => String::new(),
        [one] => format!("feature = \"{one}\""),
        many => format!(
            "all({})",
            many.iter()
                .map(|feature| format!("feature = \"{feature}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `runtime/src/notify/event.rs`, formatted.
///
/// # Errors
/// When rustfmt fails.
pub fn event_file(resolved: &[Resolved]) -> Result<String, String> {
    crate::emit::format_rust(&event_module(resolved))
}

/// `runtime/src/notify/event.rs`: `Event` and its decoding.
#[must_use]
pub fn event_module(resolved: &[Resolved]) -> String {
    let mut out = String::from(
        "//! `Event`: a callback's resource decoded by its `event_type`, one variant per kind of\n\
         //! callback.\n\
         //!\n\
         //! Generated by `cargo run -p wechatpay-codegen -- emit` from `codegen/notices.yaml`; do not edit.\n\
         //! A variant whose payload type is behind a feature exists with that feature; without it,\n\
         //! its callbacks decode as [`Event::Other`].\n\n",
    );
    out.push_str(
        "/// A callback's resource, decoded by its `event_type`; from\n\
         /// [`Notifications::verify_event`](crate::notify::Notifications::verify_event).\n\
         ///\n\
         /// Kinds whose resource's fields no source gives carry it as JSON; an `event_type` this\n\
         /// version does not know is [`Event::Other`], its resource kept.\n\
         #[derive(Debug, Clone)]\n#[non_exhaustive]\npub enum Event {\n",
    );
    let mut kinds_doc = String::new();
    let mut json_arms = String::new();
    for item in resolved {
        let kind = &item.kind;
        let events = kind
            .events
            .iter()
            .map(|event| format!("`{event}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let when = kind
            .when
            .as_ref()
            .map(|field| format!(" whose resource names `{field}`"))
            .unwrap_or_default();
        let _ = writeln!(out, "    /// {events}{when}: {}.", escape_doc(&kind.name));
        if let Some(link) = kind.links.first() {
            let _ = writeln!(out, "    ///\n    /// Official documentation: <{link}>.");
        }
        let ty = match &kind.resource {
            Some(resource) => {
                let _ = writeln!(
                    out,
                    "    ///\n    /// Needs the feature{} {}.",
                    if item.features.len() > 1 { "s" } else { "" },
                    item.features
                        .iter()
                        .map(|feature| format!("`{feature}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                );
                let _ = writeln!(
                    out,
                    "    #[cfg({})]\n    #[cfg_attr(docsrs, doc(cfg({})))]",
                    cfg_of(&item.features),
                    cfg_of(&item.features)
                );
                format!("crate::v3::{}", resource.ty)
            }
            None => {
                let _ = writeln!(
                    json_arms,
                    "            Event::{}(resource) => Some(resource),",
                    kind.variant
                );
                let _ = writeln!(
                    out,
                    "    ///\n    /// The resource as JSON: {}.",
                    escape_doc(&kind.source)
                );
                "serde_json::Value".to_owned()
            }
        };
        let _ = writeln!(out, "    {}({ty}),", kind.variant);
        let _ = writeln!(
            kinds_doc,
            "            {}Event::{}(_) => \"{}\",",
            kind.resource
                .as_ref()
                .map(|_| format!("#[cfg({})]\n            ", cfg_of(&item.features)))
                .unwrap_or_default(),
            kind.variant,
            kind.variant
        );
    }
    out.push_str(
        "    /// Any other event, with its resource as JSON.\n    Other {\n        /// The event type.\n        event_type: String,\n        /// The decrypted resource.\n        resource: serde_json::Value,\n    },\n}\n\n",
    );
    // The decoders: one per typed kind, `None` when its feature is off.
    let mut decoders = String::new();
    for item in resolved {
        let Some(resource) = &item.kind.resource else {
            continue;
        };
        let function = crate::emit::snake(&item.kind.variant);
        let cfg = cfg_of(&item.features);
        let _ = writeln!(
            decoders,
            "#[cfg({cfg})]\nfn {function}(plaintext: &str) -> serde_json::Result<Option<Event>> {{\n    Ok(Some(Event::{}(serde_json::from_str::<crate::v3::{}>(plaintext)?)))\n}}\n\n#[cfg(not({cfg}))]\nfn {function}(_: &str) -> serde_json::Result<Option<Event>> {{\n    Ok(None)\n}}\n",
            item.kind.variant, resource.ty
        );
    }
    // The dispatch, by event type, then by the `when` fields in order.
    let mut events: Vec<&str> = Vec::new();
    for item in resolved {
        for event in &item.kind.events {
            if !events.contains(&event.as_str()) {
                events.push(event);
            }
        }
    }
    let when_fields: BTreeSet<&str> = resolved
        .iter()
        .filter_map(|item| item.kind.when.as_deref())
        .collect();
    let mut arms: Vec<(Vec<&str>, String)> = Vec::new();
    for event in events {
        let kinds: Vec<&Resolved> = resolved
            .iter()
            .filter(|item| item.kind.events.iter().any(|e| e == event))
            .collect();
        let call = |item: &Resolved| -> String {
            match &item.kind.resource {
                Some(_) => format!("{}(plaintext)?", crate::emit::snake(&item.kind.variant)),
                None => format!(
                    "Some(Event::{}(serde_json::from_str(plaintext)?))",
                    item.kind.variant
                ),
            }
        };
        let mut body = String::new();
        let guarded: Vec<&&Resolved> = kinds
            .iter()
            .filter(|item| item.kind.when.is_some())
            .collect();
        let fallback = kinds
            .iter()
            .find(|item| item.kind.when.is_none())
            .map_or_else(|| "None".to_owned(), |item| call(item));
        if guarded.is_empty() {
            body.push_str(&fallback);
        } else {
            body.push_str("{\n let probe: Probe = serde_json::from_str(plaintext)?;\n");
            for (index, item) in guarded.iter().enumerate() {
                let field = item.kind.when.as_deref().unwrap_or_default();
                let _ = write!(
                    body,
                    "{}if probe.{field}.is_some() {{ {} }}",
                    if index == 0 { "" } else { " else " },
                    call(item)
                );
            }
            let _ = write!(body, " else {{ {fallback} }}\n}}");
        }
        match arms.iter_mut().find(|(_, known)| *known == body) {
            Some((events, _)) => events.push(event),
            None => arms.push((vec![event], body)),
        }
    }
    out.push_str(
        "impl Event {\n    /// The variant's name (`\"Refund\"`, `\"Other\"`): what kind of callback this is.\n    #[must_use]\n    pub fn kind(&self) -> &'static str {\n        match self {\n",
    );
    out.push_str(&kinds_doc);
    out.push_str("            Event::Other { .. } => \"Other\",\n        }\n    }\n\n");
    out.push_str(
        "    /// The resource, for the kinds that carry it as JSON (and [`Event::Other`]); `None` for a typed one.\n    #[must_use]\n    pub fn json(&self) -> Option<&serde_json::Value> {\n        match self {\n",
    );
    out.push_str(&json_arms);
    out.push_str("            Event::Other { resource, .. } => Some(resource),\n            #[allow(unreachable_patterns)]\n            _ => None,\n        }\n    }\n}\n\n");
    out.push_str(
        "/// The fields that tell kinds of one event apart (present or not).\n#[derive(serde::Deserialize)]\nstruct Probe {\n",
    );
    for field in &when_fields {
        let _ = writeln!(
            out,
            "    #[serde(default)]\n    {field}: Option<serde::de::IgnoredAny>,"
        );
    }
    out.push_str("}\n\n");
    out.push_str(
        "/// Decodes a decrypted resource by the envelope's `event_type`.\n\
         pub(crate) fn decode(event_type: &str, plaintext: &str) -> serde_json::Result<Event> {\n    let event = match event_type {\n",
    );
    for (events, body) in &arms {
        let pattern = events
            .iter()
            .map(|event| format!("\"{event}\""))
            .collect::<Vec<_>>()
            .join(" | ");
        let _ = writeln!(out, "        {pattern} => {body},");
    }
    out.push_str(
        "        _ => None,\n    };\n    match event {\n        Some(event) => Ok(event),\n        None => Ok(Event::Other {\n            event_type: event_type.to_owned(),\n            resource: serde_json::from_str(plaintext)?,\n        }),\n    }\n}\n\n",
    );
    out.push_str(&decoders);
    out
}

/// The marker lines around the README's generated list of callback kinds.
pub const README_BEGIN: &str = "<!-- BEGIN generated callback kinds (wechatpay-codegen emit) -->";
/// See [`README_BEGIN`].
pub const README_END: &str = "<!-- END generated callback kinds -->";

/// The README's list of callback kinds: typed ones in a table, JSON ones in a line.
#[must_use]
pub fn readme_block(resolved: &[Resolved]) -> String {
    let mut out = format!("{README_BEGIN}\n");
    let typed: Vec<&Resolved> = resolved
        .iter()
        .filter(|item| item.kind.resource.is_some())
        .collect();
    let json: Vec<&Resolved> = resolved
        .iter()
        .filter(|item| item.kind.resource.is_none())
        .collect();
    let count = |items: &[&Resolved]| {
        items
            .iter()
            .map(|item| item.kind.events.len())
            .sum::<usize>()
    };
    let _ = writeln!(
        out,
        "Typed ({} kinds, {} event types):\n\n| `event_type` | `Event::` | resource | features |\n|---|---|---|---|",
        typed.len(),
        count(&typed)
    );
    for item in &typed {
        let resource = item
            .kind
            .resource
            .as_ref()
            .map(|r| r.ty.as_str())
            .unwrap_or_default();
        let when = item
            .kind
            .when
            .as_ref()
            .map(|field| format!(" (with `{field}`)"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {}{when} | `{}` | `v3::{resource}` | {} |",
            item.kind
                .events
                .iter()
                .map(|event| format!("`{event}`"))
                .collect::<Vec<_>>()
                .join(", "),
            item.kind.variant,
            item.features
                .iter()
                .map(|feature| format!("`{feature}`"))
                .collect::<Vec<_>>()
                .join(" + ")
        );
    }
    let _ = writeln!(
        out,
        "\nKept as JSON, each in its own variant ({} kinds, {} event types; no source gives their fields): {}.",
        json.len(),
        count(&json),
        json.iter()
            .map(|item| format!("`{}`", item.kind.variant))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "{README_END}");
    out
}

/// `sandbox/facts/notices.json`: one kind per line.
#[must_use]
pub fn sandbox_facts(resolved: &[Resolved]) -> String {
    let mut out = String::from("[\n");
    for (index, item) in resolved.iter().enumerate() {
        if index > 0 {
            out.push_str(",\n");
        }
        let kind = SandboxKind {
            variant: &item.kind.variant,
            name: &item.kind.name,
            events: &item.kind.events,
            when: item.kind.when.as_deref(),
            ty: item
                .kind
                .resource
                .as_ref()
                .map(|resource| format!("wechatpay::v3::{}", resource.ty)),
            features: item.features.clone(),
            schema: item.schema.clone(),
        };
        out.push_str(&serde_json::to_string(&kind).expect("the kinds serialize"));
    }
    out.push_str("\n]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        serde_json::from_str(
            r#"{"source":"test","operations":[{"host":"api","method":"GET","path":"v3/refund/domestic/refunds/{out_refund_no}","name":"查询单笔退款","links":[],"answer":{"status":200,"kind":"json","schema":{"t":"object","props":[{"n":"refund_id","t":"string"}]}}}]}"#,
        )
        .expect("test facts")
    }

    fn resolve(yaml: &str) -> Result<Vec<Resolved>, String> {
        NoticesFile::parse(yaml)?.resolve(&facts(), &crate::names::NamesFile::default())
    }

    #[test]
    fn two_kinds_of_one_event_need_a_field_to_tell_them_apart() {
        let yaml = "kinds:\n  - {variant: A, events: [X.Y], name: a, source: s}\n  - {variant: B, events: [X.Y], name: b, source: s}\n";
        let error = resolve(yaml).unwrap_err();
        assert!(error.contains("`X.Y` is also `A`'s"), "{error}");
        let told_apart = "kinds:\n  - {variant: A, events: [X.Y], when: sp_mchid, name: a, source: s, resource: {type: refund::A, schema: {t: object, props: [{n: sp_mchid, t: string}]}}}\n  - {variant: B, events: [X.Y], name: b, source: s}\n";
        let resolved = resolve(told_apart).unwrap();
        assert_eq!(resolved[0].features, ["refund"]);
        assert!(resolved[1].schema.is_none());
    }

    #[test]
    fn a_resource_names_a_real_operation_and_module() {
        let unknown = "kinds:\n  - {variant: A, events: [X.Y], name: a, source: s, resource: {type: refund::Refund, answer: GET v3/refund/nope}}\n";
        assert!(resolve(unknown).unwrap_err().contains("no operation"));
        let elsewhere = "kinds:\n  - {variant: A, events: [X.Y], name: a, source: s, resource: {type: pay::Refund, answer: \"GET v3/refund/domestic/refunds/{out_refund_no}\"}}\n";
        assert!(resolve(elsewhere).unwrap_err().contains("generated family"));
        let answer = "kinds:\n  - {variant: A, events: [X.Y], when: nope, name: a, source: s, resource: {type: refund::Refund, answer: \"GET v3/refund/domestic/refunds/{out_refund_no}\"}}\n";
        assert!(resolve(answer).unwrap_err().contains("no `nope` field"));
    }

    #[test]
    fn the_dispatch_tries_the_told_apart_kinds_first_and_falls_back_to_other() {
        let yaml = "kinds:\n  - {variant: B, events: [X.Y], when: sp_mchid, name: b, source: s, resource: {type: refund::B, schema: {t: object, props: [{n: sp_mchid, t: string}]}}}\n  - {variant: A, events: [X.Y, X.Z], name: a, source: s}\n";
        let text = event_module(&resolve(yaml).unwrap());
        assert!(
            text.contains("if probe.sp_mchid.is_some() { b(plaintext)? } else { Some(Event::A("),
            "{text}"
        );
        assert!(text.contains("\"X.Z\" => Some(Event::A("), "{text}");
        assert!(
            text.contains(
                "#[cfg(feature = \"refund\")]\n    #[cfg_attr(docsrs, doc(cfg(feature = \"refund\")))]\n    B(crate::v3::refund::B),"
            ),
            "{text}"
        );
        assert!(text.contains("_ => None,"));
    }
}
