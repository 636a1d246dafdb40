//! `import`: the API description (YAML) → the facts file.
//!
//! Resolves `$ref` (relative to the file that refers) and `allOf`, applies the committed overrides,
//! and maps every operation onto [`crate::facts`]. Whatever it cannot map is an error naming the
//! file and the field: nothing is dropped silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::{Mapping, Value};

use crate::facts::{Answer, Facts, Field, Operation, Schema};

/// One correction of the description, with its reason and its source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The file, relative to the description's root (`definitions/Transaction.yaml`).
    pub file: String,
    /// Where in that file, as a JSON pointer (`/TransactionOwner`).
    pub pointer: String,
    /// Keys set (replaced) on the object found there.
    #[serde(default)]
    pub set: Mapping,
    /// Lists extended: each key's items are appended to the list of that name.
    #[serde(default)]
    pub append: Mapping,
    /// Keys removed from it.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Why the description is wrong there.
    pub reason: String,
    /// Where the right fact comes from.
    pub source: String,
}

/// Reads the overrides file.
///
/// # Errors
/// When it cannot be read or parsed, or an entry lacks its reason or source.
pub fn read_overrides(path: &Path) -> Result<Vec<Override>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    let overrides: Vec<Override> =
        serde_yaml::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    for entry in &overrides {
        if entry.reason.trim().is_empty() || entry.source.trim().is_empty() {
            return Err(format!(
                "{}: the override of {}#{} needs a reason and a source",
                path.display(),
                entry.file,
                entry.pointer
            ));
        }
    }
    Ok(overrides)
}

pub(crate) struct Loader {
    root: PathBuf,
    files: BTreeMap<String, Value>,
    overrides: Vec<Override>,
    applied: BTreeSet<usize>,
}

impl Loader {
    /// A loader of the description under `root`, with `overrides` to apply.
    pub(crate) fn new(root: &Path, overrides: Vec<Override>) -> Self {
        Loader {
            root: root.to_owned(),
            files: BTreeMap::new(),
            overrides,
            applied: BTreeSet::new(),
        }
    }

    /// The overrides that found no file to apply to, as errors.
    pub(crate) fn unapplied(&self) -> Vec<String> {
        self.overrides
            .iter()
            .enumerate()
            .filter(|(index, _)| !self.applied.contains(index))
            .map(|(_, entry)| {
                format!(
                    "override of {}#{} was never applied (is the file still read?)",
                    entry.file, entry.pointer
                )
            })
            .collect()
    }

    /// The document of `file` (relative to the root, `/`-separated), overrides applied.
    pub(crate) fn load(&mut self, file: &str) -> Result<Value, String> {
        if let Some(document) = self.files.get(file) {
            return Ok(document.clone());
        }
        let full = self.root.join(file);
        let text = std::fs::read_to_string(&full)
            .map_err(|error| format!("{file}: cannot read: {error}"))?;
        let mut document: Value =
            serde_yaml::from_str(&text).map_err(|error| format!("{file}: {error}"))?;
        for (index, entry) in self.overrides.iter().enumerate() {
            if entry.file != file {
                continue;
            }
            let target = pointer_mut(&mut document, &entry.pointer).ok_or_else(|| {
                format!(
                    "{file}: override pointer {} finds nothing (stale override?)",
                    entry.pointer
                )
            })?;
            let Value::Mapping(map) = target else {
                return Err(format!(
                    "{file}: override pointer {} is not an object",
                    entry.pointer
                ));
            };
            for key in &entry.remove {
                if map.remove(key.as_str()).is_none() {
                    return Err(format!(
                        "{file}{}: override removes `{key}`, which is not there",
                        entry.pointer
                    ));
                }
            }
            for (key, value) in &entry.set {
                map.insert(key.clone(), value.clone());
            }
            for (key, value) in &entry.append {
                match (map.get_mut(key), value) {
                    (Some(Value::Sequence(list)), Value::Sequence(more)) => {
                        list.extend(more.iter().cloned());
                    }
                    _ => {
                        return Err(format!(
                            "{file}{}: override appends to `{key:?}`, which is not a list",
                            entry.pointer
                        ));
                    }
                }
            }
            self.applied.insert(index);
        }
        self.files.insert(file.to_owned(), document.clone());
        Ok(document)
    }

    /// `value` with every `$ref` and `allOf` replaced by what it stands for; `file` is the file
    /// `value` comes from.
    pub(crate) fn resolve(
        &mut self,
        file: &str,
        value: &Value,
        depth: usize,
    ) -> Result<Value, String> {
        if depth > 40 {
            return Err(format!("{file}: `$ref` nesting deeper than 40 (a cycle?)"));
        }
        match value {
            Value::Mapping(map) => {
                if let Some(reference) = map.get("$ref") {
                    let reference = reference
                        .as_str()
                        .ok_or_else(|| format!("{file}: a `$ref` that is not text"))?;
                    let (target_file, fragment) = match reference.split_once('#') {
                        Some((path, fragment)) => (path, fragment),
                        None => (reference, ""),
                    };
                    let target_file = if target_file.is_empty() {
                        file.to_owned()
                    } else {
                        join(file, target_file)
                    };
                    let document = self.load(&target_file)?;
                    let pointer = if fragment.starts_with('/') || fragment.is_empty() {
                        fragment.to_owned()
                    } else {
                        format!("/{fragment}")
                    };
                    let target = pointer_get(&document, &pointer)
                        .ok_or_else(|| format!("{file}: `$ref: {reference}` points at nothing"))?;
                    let mut resolved = self.resolve(&target_file, &target.clone(), depth + 1)?;
                    // Keys beside the `$ref` (a description, `required`) refine what it names.
                    if let Value::Mapping(resolved_map) = &mut resolved {
                        for (key, sibling) in map {
                            if key.as_str() != Some("$ref") {
                                let sibling = self.resolve(file, sibling, depth + 1)?;
                                resolved_map.insert(key.clone(), sibling);
                            }
                        }
                    }
                    return Ok(resolved);
                }
                let mut out = Mapping::new();
                if let Some(all_of) = map.get("allOf") {
                    let Value::Sequence(parts) = all_of else {
                        return Err(format!("{file}: `allOf` is not a list"));
                    };
                    for part in parts {
                        let part = self.resolve(file, part, depth + 1)?;
                        merge(&mut out, part, file)?;
                    }
                }
                for (key, item) in map {
                    if key.as_str() == Some("allOf") {
                        continue;
                    }
                    let item = self.resolve(file, item, depth + 1)?;
                    match (key.as_str(), out.get_mut(key)) {
                        (Some("properties"), Some(Value::Mapping(existing))) => {
                            if let Value::Mapping(more) = item {
                                existing.extend(more);
                            }
                        }
                        (Some("required"), Some(Value::Sequence(existing))) => {
                            if let Value::Sequence(more) = item {
                                existing.extend(more);
                            }
                        }
                        _ => {
                            out.insert(key.clone(), item);
                        }
                    }
                }
                Ok(Value::Mapping(out))
            }
            Value::Sequence(items) => items
                .iter()
                .map(|item| self.resolve(file, item, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Sequence),
            other => Ok(other.clone()),
        }
    }
}

/// Merges one `allOf` member into `out`: properties and required lists add up, the first word on
/// anything else stays.
fn merge(out: &mut Mapping, part: Value, file: &str) -> Result<(), String> {
    let Value::Mapping(part) = part else {
        return Err(format!("{file}: an `allOf` member is not an object"));
    };
    for (key, value) in part {
        match (key.as_str(), out.get_mut(&key), value) {
            (Some("properties"), Some(Value::Mapping(existing)), Value::Mapping(more)) => {
                existing.extend(more);
            }
            (Some("required"), Some(Value::Sequence(existing)), Value::Sequence(more)) => {
                existing.extend(more);
            }
            (_, Some(_), _) => {}
            (_, None, value) => {
                out.insert(key, value);
            }
        }
    }
    Ok(())
}

fn join(file: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for piece in relative.split('/') {
        match piece {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn pointer_get<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut current = value;
    for token in pointer.split('/').skip(1) {
        current = step(current, &unescape(token))?;
    }
    Some(current)
}

fn step<'a>(value: &'a Value, token: &str) -> Option<&'a Value> {
    match value {
        Value::Mapping(map) => map.get(token).or_else(|| {
            token
                .parse::<u64>()
                .ok()
                .and_then(|number| map.get(Value::from(number)))
        }),
        Value::Sequence(items) => items.get(token.parse::<usize>().ok()?),
        _ => None,
    }
}

fn pointer_mut<'a>(value: &'a mut Value, pointer: &str) -> Option<&'a mut Value> {
    let mut current = value;
    for token in pointer.split('/').skip(1) {
        let token = unescape(token);
        current = match current {
            Value::Mapping(map) => {
                let key = if map.contains_key(token.as_str()) {
                    Value::from(token)
                } else {
                    Value::from(token.parse::<u64>().ok()?)
                };
                map.get_mut(&key)?
            }
            Value::Sequence(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// Reads the description under `root` (its `v3`, `global/v3` and `hk/v3` folders) and the
/// overrides, and returns the facts.
///
/// # Errors
/// Every place the description cannot be mapped, one per line.
pub fn import(root: &Path, overrides: Vec<Override>, source: &str) -> Result<Facts, String> {
    let mut loader = Loader {
        root: root.to_owned(),
        files: BTreeMap::new(),
        overrides,
        applied: BTreeSet::new(),
    };
    let mut files = Vec::new();
    for (host, folder) in [("api", "v3"), ("global", "global/v3"), ("hk", "hk/v3")] {
        collect(&root.join(folder), root, &mut |relative| {
            files.push((host, relative));
        })?;
    }
    files.sort();
    let mut operations = Vec::new();
    let mut errors = Vec::new();
    for (host, file) in &files {
        if file == "v3/webhooks.yaml" {
            // The callback envelope, not a call.
            continue;
        }
        let document = loader.load(file)?;
        let Value::Mapping(map) = &document else {
            errors.push(format!("{file}: not a map of methods"));
            continue;
        };
        let path = match *host {
            // `…/{empty}.yaml` describes the folder's own address, written with a trailing `/`.
            "api" => file
                .trim_end_matches(".yaml")
                .trim_end_matches("{empty}")
                .to_owned(),
            _ => file
                .trim_end_matches(".yaml")
                .split_once('/')
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default(),
        };
        for (key, operation) in map {
            let Some(method) = key.as_str().filter(|method| METHODS.contains(method)) else {
                errors.push(format!("{file}: `{key:?}` is not an HTTP method"));
                continue;
            };
            let context = format!("{file}: {method}");
            match loader
                .resolve(file, operation, 0)
                .and_then(|operation| map_operation(&context, host, method, &path, &operation))
            {
                Ok(operation) => operations.push(operation),
                Err(error) => errors.push(error),
            }
        }
    }
    for (index, entry) in loader.overrides.iter().enumerate() {
        if !loader.applied.contains(&index) {
            errors.push(format!(
                "override of {}#{} was never applied (is the file still read?)",
                entry.file, entry.pointer
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    operations.sort_by(|a, b| {
        (a.host.as_str(), a.path.as_str(), a.method.as_str()).cmp(&(
            b.host.as_str(),
            b.path.as_str(),
            b.method.as_str(),
        ))
    });
    Ok(Facts {
        source: source.to_owned(),
        states_required: true,
        operations,
    })
}

pub(crate) fn collect(dir: &Path, root: &Path, out: &mut dyn FnMut(String)) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|error| format!("{}: {error}", dir.display()))?;
        let path = entry.path();
        if path.is_dir() {
            collect(&path, root, out)?;
        } else if path.extension().is_some_and(|ext| ext == "yaml") {
            let relative = path
                .strip_prefix(root)
                .map_err(|error| error.to_string())?
                .to_string_lossy()
                .replace('\\', "/");
            out(relative);
        }
    }
    Ok(())
}

pub(crate) fn text<'a>(map: &'a Value, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

fn map_operation(
    context: &str,
    host: &str,
    method: &str,
    path: &str,
    operation: &Value,
) -> Result<Operation, String> {
    let name = text(operation, "summary")
        .ok_or_else(|| format!("{context}: no `summary` (the official name of the call)"))?
        .trim()
        .to_owned();
    let description = text(operation, "description").unwrap_or_default();
    // About 40 % of the descriptions link no page; the facts then say so with an empty list.
    let links = links(description);
    let roles = match operation.get("x-role") {
        Some(Value::Sequence(roles)) => roles
            .iter()
            .map(|role| {
                role.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{context}: an `x-role` that is not text"))
            })
            .collect::<Result<_, _>>()?,
        Some(Value::String(role)) => vec![role.clone()],
        None => Vec::new(),
        Some(_) => return Err(format!("{context}: `x-role` is neither text nor a list")),
    };
    let operation_sensitive = sensitive_names(operation);
    let mut params = Vec::new();
    let mut body = None;
    let mut serial = false;
    if let Some(list) = operation.get("parameters") {
        let Value::Sequence(list) = list else {
            return Err(format!("{context}: `parameters` is not a list"));
        };
        for parameter in list {
            let name = text(parameter, "name")
                .ok_or_else(|| format!("{context}: a parameter without a name"))?;
            let location = text(parameter, "in")
                .ok_or_else(|| format!("{context}: parameter `{name}` has no `in`"))?;
            let here = format!("{context}: parameter `{name}`");
            match location {
                "body" => {
                    let schema = parameter
                        .get("schema")
                        .ok_or_else(|| format!("{here}: a body without `schema`"))?;
                    let mapped = map_schema(&here, schema)?;
                    if mapped.t != "object" || mapped.props.is_empty() {
                        return Err(format!("{here}: the body is not an object with properties"));
                    }
                    body = Some(mapped.props);
                }
                "path" | "query" | "header" | "formData" => {
                    if location == "header" && name.eq_ignore_ascii_case("Wechatpay-Serial") {
                        serial = true;
                    }
                    let mut field = if location == "header" && parameter.get("type").is_none() {
                        // Header values are text; the description leaves their type out.
                        let mut typed = parameter.clone();
                        if let Value::Mapping(map) = &mut typed {
                            map.insert("type".into(), "string".into());
                        }
                        map_field(&here, name, &typed, false)?
                    } else {
                        map_field(&here, name, parameter, false)?
                    };
                    field.req = parameter
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(location == "path");
                    field.loc = if location == "formData" {
                        "form".to_owned()
                    } else {
                        location.to_owned()
                    };
                    // An upload's `meta` part is JSON text whose shape the description gives
                    // as `schema`: its fields are what the merchant fills and the signature covers.
                    if location == "formData"
                        && let Some(schema) = parameter.get("schema")
                    {
                        let mapped = map_schema(&here, schema)?;
                        if mapped.t != "object" || mapped.props.is_empty() {
                            return Err(format!(
                                "{here}: the form part's schema is not an object with properties"
                            ));
                        }
                        field.ty = mapped;
                    }
                    params.push(field);
                }
                other => return Err(format!("{here}: unknown location `in: {other}`")),
            }
        }
    }
    if let Some(fields) = &mut body {
        for field in fields.iter_mut() {
            if operation_sensitive.contains(&field.n) {
                field.sens = true;
            }
        }
        if serial {
            mark_encrypted_by_description(fields, operation, context);
        }
    }
    for placeholder in placeholders(path) {
        if !params
            .iter()
            .any(|field| field.loc == "path" && field.n == placeholder)
        {
            return Err(format!(
                "{context}: `{{{placeholder}}}` in the path has no `in: path` parameter"
            ));
        }
    }
    let answer = map_answer(context, operation)?;
    Ok(Operation {
        host: host.to_owned(),
        method: method.to_uppercase(),
        path: path.to_owned(),
        name,
        links,
        roles,
        params,
        body,
        answer,
        sdk: None,
    })
}

/// The placeholders of a path template, in order.
#[must_use]
pub fn placeholders(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// A request field is sensitive when its operation names a `Wechatpay-Serial` header (the key
/// the sensitive fields are encrypted with) and the field is text in `format: base64` or its own
/// description says it is encrypted. The description itself is not kept.
fn mark_encrypted_by_description(fields: &mut [Field], operation: &Value, _context: &str) {
    let Some(parameters) = operation.get("parameters").and_then(Value::as_sequence) else {
        return;
    };
    let Some(schema) = parameters
        .iter()
        .find(|parameter| text(parameter, "in") == Some("body"))
        .and_then(|parameter| parameter.get("schema"))
    else {
        return;
    };
    mark_in(fields, schema);
}

fn mark_in(fields: &mut [Field], schema: &Value) {
    let Some(properties) = schema.get("properties").and_then(Value::as_mapping) else {
        return;
    };
    for field in fields {
        let Some(property) = properties.get(field.n.as_str()) else {
            continue;
        };
        let described = text(property, "description").unwrap_or_default();
        // WeChat Pay marks the encrypted request fields `format: base64` (the ciphertext's
        // encoding) or says so in their description.
        if field.ty.t == "string"
            && (field.ty.fmt.as_deref() == Some("base64") || says_encrypted(described))
        {
            field.sens = true;
        }
        let inner = if field.ty.t == "array" {
            property.get("items")
        } else {
            Some(property)
        };
        let props = match &mut field.ty {
            Schema { t, props, .. } if t == "object" => props,
            Schema { t, items, .. } if t == "array" => match items.as_deref_mut() {
                Some(Schema { props, .. }) => props,
                None => continue,
            },
            _ => continue,
        };
        if let Some(inner) = inner {
            mark_in(props, inner);
        }
    }
}

fn says_encrypted(description: &str) -> bool {
    (description.contains("加密")
        && !description.contains("加密前")
        && !description.contains("无需加密"))
        || description.contains("敏感信息")
}

fn sensitive_names(value: &Value) -> BTreeSet<String> {
    match value.get("x-is-sensitive") {
        Some(Value::Sequence(names)) => names
            .iter()
            .filter_map(|name| name.as_str().map(str::to_owned))
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn map_answer(context: &str, operation: &Value) -> Result<Answer, String> {
    let responses = operation
        .get("responses")
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("{context}: no `responses`"))?;
    for status in [200_u16, 201, 202, 204] {
        let Some(response) = responses
            .get(status.to_string().as_str())
            .or_else(|| responses.get(Value::from(status)))
        else {
            continue;
        };
        let here = format!("{context}: responses.{status}");
        // `schema: {}` describes nothing: the same as no schema.
        let schema = response
            .get("schema")
            .filter(|schema| schema.as_mapping().is_none_or(|map| !map.is_empty()));
        return match (status, schema) {
            (204, _) => Ok(Answer {
                status,
                kind: "none".into(),
                schema: None,
            }),
            (_, None) if status == 202 => Ok(Answer {
                status,
                kind: "none".into(),
                schema: None,
            }),
            (_, None) => Ok(Answer {
                status,
                kind: "download".into(),
                schema: None,
            }),
            (_, Some(schema)) if text(schema, "type") == Some("file") => Ok(Answer {
                status,
                kind: "download".into(),
                schema: None,
            }),
            (_, Some(schema)) => Ok(Answer {
                status,
                kind: "json".into(),
                schema: Some(map_schema(&here, schema)?),
            }),
        };
    }
    Err(format!(
        "{context}: no success answer (200, 201, 202 or 204)"
    ))
}

pub(crate) fn map_field(
    context: &str,
    name: &str,
    value: &Value,
    required: bool,
) -> Result<Field, String> {
    let description = text(value, "description").unwrap_or_default();
    let ty = map_schema(context, value)?;
    Ok(Field {
        n: name.to_owned(),
        cn: official_name(description),
        loc: String::new(),
        req: required,
        sens: false,
        ty,
    })
}

pub(crate) fn map_schema(context: &str, value: &Value) -> Result<Schema, String> {
    let declared = match value.get("type") {
        Some(Value::String(declared)) => Some(declared.as_str()),
        None => None,
        Some(other) => return Err(format!("{context}: `type: {other:?}` is not a type name")),
    };
    let properties = value.get("properties");
    let items = value.get("items");
    let t = match declared {
        Some("string") => "string",
        Some("integer") => "integer",
        Some("number") => match text(value, "format") {
            Some("integer" | "int32" | "int64" | "uint64" | "uint") => "integer",
            _ => "number",
        },
        Some("boolean") => "boolean",
        Some("object") => "object",
        Some("array") => "array",
        Some("file") => "file",
        Some(other) => {
            return Err(format!(
                "{context}: unknown type `{other}` (add an override with the right type)"
            ));
        }
        None if properties.is_some() => "object",
        None if items.is_some() => "array",
        None if value.get("enum").is_some() => "string",
        None => {
            return Err(format!(
                "{context}: no `type` (add an override with the right type)"
            ));
        }
    };
    let mut schema = Schema {
        t: t.to_owned(),
        fmt: text(value, "format").map(str::to_owned),
        en: match value.get("enum") {
            Some(Value::Sequence(values)) => values.iter().map(to_json).collect(),
            None => Vec::new(),
            Some(_) => return Err(format!("{context}: `enum` is not a list")),
        },
        ex: value
            .get("example")
            .map(to_json)
            .filter(|example| !example.is_null()),
        props: Vec::new(),
        items: None,
        cipher: text(value, "x-is-sensitive") == Some("ciphertext"),
        redact: value.get("x-redact").and_then(Value::as_bool) == Some(true),
        model: None,
    };
    match t {
        "object" => {
            // `properties: null` is an object whose properties are not described.
            if let Some(properties) = properties.filter(|properties| !properties.is_null()) {
                let Value::Mapping(properties) = properties else {
                    return Err(format!("{context}: `properties` is not a map"));
                };
                let required: BTreeSet<&str> = value
                    .get("required")
                    .and_then(Value::as_sequence)
                    .map(|names| names.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let sensitive = sensitive_names(value);
                for (key, property) in properties {
                    let name = key
                        .as_str()
                        .ok_or_else(|| format!("{context}: a property name that is not text"))?;
                    let here = format!("{context}.{name}");
                    let required = required.contains(name)
                        || property.get("required").and_then(Value::as_bool) == Some(true);
                    let mut field = map_field(&here, name, property, required)?;
                    field.sens = sensitive.contains(name);
                    schema.props.push(field);
                }
            }
        }
        "array" => {
            schema.items = Some(Box::new(match items {
                Some(items) => map_schema(&format!("{context}[]"), items)?,
                // A list whose example is text, or a list of text, is a list of text.
                None if value.get("example").is_some_and(|example| {
                    example.is_string()
                        || example
                            .as_sequence()
                            .is_some_and(|items| items.iter().all(Value::is_string))
                }) =>
                {
                    Schema {
                        t: "string".into(),
                        fmt: None,
                        en: Vec::new(),
                        ex: None,
                        props: Vec::new(),
                        items: None,
                        cipher: false,
                        redact: false,
                        model: None,
                    }
                }
                None => return Err(format!("{context}: an array without `items`")),
            }));
        }
        _ => {}
    }
    Ok(schema)
}

fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(flag) => serde_json::Value::Bool(*flag),
        Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                integer.into()
            } else if let Some(integer) = number.as_u64() {
                integer.into()
            } else {
                number
                    .as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(text) => serde_json::Value::String(text.clone()),
        Value::Sequence(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Mapping(map) => serde_json::Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let key = match key {
                        Value::String(text) => text.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key, to_json(value))
                })
                .collect(),
        ),
        Value::Tagged(tagged) => to_json(&tagged.value),
    }
}

/// The official pages named in a description, the current merchant documentation first.
pub(crate) fn links(description: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = description;
    while let Some(start) = rest.find("](") {
        rest = &rest[start + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let link = rest[..end].trim();
        if link.starts_with("http") && !found.iter().any(|known| known == link) {
            found.push(link.to_owned());
        }
        rest = &rest[end..];
    }
    let rank = |link: &String| {
        if link.contains("/docs/merchant/") || link.contains("/doc/v3/merchant/") {
            0
        } else if link.contains("/docs/partner/") || link.contains("/doc/v3/partner/") {
            1
        } else if link.contains("pay.weixin.qq.com") {
            2
        } else {
            3
        }
    };
    found.sort_by_key(rank);
    found
}

/// The official name of a field: the leading label of its description (`【商户号】 …` gives
/// `商户号`; `退款原因，…` gives `退款原因`). The rest of the description is not kept.
fn official_name(description: &str) -> String {
    let description = description.trim();
    if let Some(rest) = description.strip_prefix('【')
        && let Some((label, _)) = rest.split_once('】')
    {
        return label.trim().to_owned();
    }
    let end = description
        .char_indices()
        .find(|(_, c)| {
            matches!(
                c,
                '，' | '。'
                    | ','
                    | ';'
                    | '；'
                    | '：'
                    | ':'
                    | '\n'
                    | '('
                    | '（'
                    | ' '
                    | '`'
                    | '<'
                    | '['
            )
        })
        .map_or(description.len(), |(index, _)| index);
    description[..end].chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_relative_to_the_referring_file() {
        assert_eq!(
            join(
                "v3/pay/transactions/jsapi.yaml",
                "../../../definitions/Transaction.yaml"
            ),
            "definitions/Transaction.yaml"
        );
        assert_eq!(join("definitions/A.yaml", "./B.yaml"), "definitions/B.yaml");
    }

    #[test]
    fn official_names_are_the_leading_label() {
        assert_eq!(official_name("【商户号】 由微信支付生成"), "商户号");
        assert_eq!(official_name("退款原因，展示给用户"), "退款原因");
        assert_eq!(official_name("微信支付订单号"), "微信支付订单号");
    }

    #[test]
    fn merchant_pages_come_first() {
        let found = links(
            "x [官方文档](https://pay.weixin.qq.com/wiki/doc/apiv3/a.shtml) [官方文档](https://pay.weixin.qq.com/docs/merchant/apis/b.html)",
        );
        assert_eq!(
            found[0],
            "https://pay.weixin.qq.com/docs/merchant/apis/b.html"
        );
    }

    #[test]
    fn an_unknown_type_names_the_place() {
        let value: Value = serde_yaml::from_str("type: stringde").unwrap();
        let error = map_schema("v3/x.yaml: get.a", &value).unwrap_err();
        assert!(
            error.contains("v3/x.yaml: get.a") && error.contains("stringde"),
            "{error}"
        );
    }
}
