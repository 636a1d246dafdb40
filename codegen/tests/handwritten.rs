//! The hand-written families of `runtime/src/api/` against the facts the catalog follows (the
//! description's merged with WeChat Pay's SDK models, `wechatpay_codegen::merge`): method, path, field names,
//! locations and required flags of requests (at any depth) and answers. Every difference is
//! either fixed on the right side or listed, with its reason, in `codegen/handwritten.txt`; a
//! difference not listed there, or a listed one that is gone, fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use wechatpay_codegen::facts::{Field, Operation, Schema};
use wechatpay_codegen::merge;

/// One declared struct field of the hand-written code.
#[derive(Debug, Clone)]
struct RustField {
    wire: String,
    ty: String,
    optional: bool,
    query: bool,
    flatten: bool,
}

/// One hand-written endpoint.
struct Declared {
    file: String,
    method: String,
    path: String,
    request: String,
    response: Option<String>,
}

fn parse(dir: &Path) -> (Vec<Declared>, BTreeMap<String, Vec<RustField>>) {
    let mut endpoints = Vec::new();
    let mut structs = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("runtime/src/api")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("source");
        let mut pending: Option<(String, String, Option<String>)> = None;
        let mut current: Option<(String, Vec<RustField>)> = None;
        let mut attrs: Vec<String> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("#[endpoint(") {
                let (method, rest) = rest.split_once(", \"").expect("method");
                let (path, rest) = rest.split_once('"').expect("path");
                let response = rest
                    .split_once("response = ")
                    .map(|(_, ty)| response_type(ty.trim_end_matches(")]")));
                pending = Some((method.to_owned(), path.to_owned(), response));
                continue;
            }
            if let Some(rest) = line.strip_prefix("pub struct ") {
                let name = rest.trim_end_matches(" {").trim().to_owned();
                if let Some((method, path, response)) = pending.take() {
                    endpoints.push(Declared {
                        file: file.clone(),
                        method,
                        path,
                        request: name.clone(),
                        response,
                    });
                }
                current = Some((name, Vec::new()));
                attrs.clear();
                continue;
            }
            if line == "}" {
                if let Some((name, fields)) = current.take() {
                    structs.insert(name, fields);
                }
                continue;
            }
            let Some((_, fields)) = current.as_mut() else {
                continue;
            };
            if trimmed.starts_with("#[") {
                attrs.push(trimmed.to_owned());
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("pub ") {
                let (name, ty) = rest.split_once(": ").expect("field");
                let ty = ty.trim_end_matches(',').to_owned();
                let name = name.trim_start_matches("r#").to_owned();
                let wire = attrs
                    .iter()
                    .find_map(|attr| {
                        // `#[serde(rename = "…")]`, alone or among other serde options.
                        attr.strip_prefix("#[serde(")?
                            .split_once("rename = \"")
                            .and_then(|(_, rest)| rest.split_once('"'))
                            .map(|(wire, _)| wire.to_owned())
                    })
                    .unwrap_or(name);
                // A field that decodes when absent (`#[serde(default)]`) is optional too.
                let defaulted = attrs
                    .iter()
                    .any(|attr| attr.starts_with("#[serde(default") && !ty.starts_with("Option<"));
                fields.push(RustField {
                    wire,
                    optional: ty.starts_with("Option<") || defaulted,
                    ty,
                    query: attrs.iter().any(|attr| attr.contains("wechatpay(query)")),
                    flatten: attrs.iter().any(|attr| attr.contains("flatten")),
                });
                attrs.clear();
            }
        }
    }
    (endpoints, structs)
}

/// The struct a type names, through `Option` and `Vec`.
fn named(ty: &str) -> String {
    let mut ty = ty;
    loop {
        if let Some(inner) = ty
            .strip_prefix("Option<")
            .or_else(|| ty.strip_prefix("Vec<"))
        {
            ty = inner.strip_suffix('>').unwrap_or(inner);
        } else {
            return ty.rsplit("::").next().unwrap_or(ty).to_owned();
        }
    }
}

/// The fields of a struct with `#[serde(flatten)]` fields expanded.
fn flat(structs: &BTreeMap<String, Vec<RustField>>, name: &str) -> Option<Vec<RustField>> {
    let fields = structs.get(name)?;
    let mut out = Vec::new();
    for field in fields {
        if field.flatten {
            out.extend(flat(structs, &named(&field.ty)).unwrap_or_default());
        } else {
            out.push(field.clone());
        }
    }
    Some(out)
}

struct Compare<'a> {
    structs: &'a BTreeMap<String, Vec<RustField>>,
    found: BTreeSet<String>,
}

impl Compare<'_> {
    fn note(&mut self, line: String) {
        self.found.insert(line);
    }

    /// Compares the struct `name` with the described fields, at `at`.
    fn fields(&mut self, at: &str, name: &str, described: &[Field], locations: bool) {
        let Some(declared) = flat(self.structs, name) else {
            return;
        };
        for field in &declared {
            let Some(fact) = described.iter().find(|fact| fact.n == field.wire) else {
                self.note(format!("{at}{}: declared, not described", field.wire));
                continue;
            };
            if fact.req == field.optional {
                self.note(format!(
                    "{at}{}: {} here, {} in the description",
                    field.wire,
                    if field.optional {
                        "optional"
                    } else {
                        "required"
                    },
                    if fact.req { "required" } else { "optional" },
                ));
            }
            if locations && !fact.loc.is_empty() {
                let here = if field.query { "query" } else { "" };
                if fact.loc == "query" && here != "query" && !at.starts_with("GET") {
                    self.note(format!(
                        "{at}{}: in the body here, in the query in the description",
                        field.wire
                    ));
                }
            }
            self.nested(&format!("{at}{}.", field.wire), &field.ty, &fact.ty);
        }
        for fact in described {
            if fact.loc == "header" {
                continue;
            }
            if !declared.iter().any(|field| field.wire == fact.n) {
                self.note(format!(
                    "{at}{}: described ({}), not declared",
                    fact.n,
                    if fact.req { "required" } else { "optional" }
                ));
            }
        }
    }

    fn nested(&mut self, at: &str, ty: &str, schema: &Schema) {
        let schema = match schema.t.as_str() {
            "array" => match schema.items.as_deref() {
                Some(items) => items,
                None => return,
            },
            _ => schema,
        };
        if schema.t == "object" && !schema.props.is_empty() {
            let name = named(ty);
            if self.structs.contains_key(&name) {
                self.fields(at, &name, &schema.props, false);
            }
        }
    }
}

/// The response type of an `#[endpoint]` attribute: up to the first comma outside
/// brackets, so `response = (), unsigned_response` gives `()`.
fn response_type(text: &str) -> String {
    let mut depth = 0i32;
    for (at, c) in text.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => return text[..at].trim().to_owned(),
            _ => {}
        }
    }
    text.trim().to_owned()
}

fn compare(
    operation: &Operation,
    declared: &Declared,
    structs: &BTreeMap<String, Vec<RustField>>,
) -> BTreeSet<String> {
    let mut compare = Compare {
        structs,
        found: BTreeSet::new(),
    };
    let at = format!("{} {} ", declared.method, declared.path);
    let mut described: Vec<Field> = operation.params.clone();
    described.extend(operation.body.clone().unwrap_or_default());
    compare.fields(&at, &declared.request, &described, true);
    match (&declared.response, &operation.answer.schema) {
        (Some(response), Some(schema)) => {
            compare.nested(&format!("{at}answer."), response, schema);
        }
        (None, Some(_)) => compare.note(format!(
            "{at}answer: none declared, a JSON answer described"
        )),
        (Some(response), None) if response != "()" => {
            compare.note(format!("{at}answer: {response} declared, none described"));
        }
        _ => {}
    }
    compare.found
}

#[test]
fn the_hand_written_families_match_the_facts_or_say_why_not() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (facts, _) =
        merge::merged(&repo).unwrap_or_else(|error| panic!("the merge fails:\n{error}"));
    let (endpoints, structs) = parse(&repo.join("runtime/src/api"));
    assert!(
        endpoints.len() >= 30,
        "only {} hand-written endpoints found",
        endpoints.len()
    );
    let mut found = BTreeSet::new();
    for declared in &endpoints {
        let operation = facts.operations.iter().find(|operation| {
            operation.host == "api"
                && operation.method == declared.method
                && operation.path == declared.path
        });
        match operation {
            Some(operation) => found.extend(compare(operation, declared, &structs)),
            None => {
                found.insert(format!(
                    "{} {} ({}): not described",
                    declared.method, declared.path, declared.file
                ));
            }
        }
    }
    let listed_text = std::fs::read_to_string(repo.join("codegen/handwritten.txt"))
        .expect("codegen/handwritten.txt");
    let mut listed = BTreeMap::new();
    for line in listed_text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
    {
        let (difference, reason) = line
            .split_once(" -- ")
            .unwrap_or_else(|| panic!("codegen/handwritten.txt: `{line}` has no ` -- reason`"));
        assert!(!reason.trim().is_empty(), "`{difference}` needs a reason");
        listed.insert(difference.to_owned(), reason.to_owned());
    }
    let unexplained: Vec<&String> = found
        .iter()
        .filter(|line| !listed.contains_key(*line))
        .collect();
    let stale: Vec<&String> = listed
        .keys()
        .filter(|line| !found.contains(*line))
        .collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "differences without a reason in codegen/handwritten.txt:\n{}\n\nlisted but gone:\n{}",
        unexplained
            .iter()
            .map(|line| line.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        stale
            .iter()
            .map(|line| line.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
}
