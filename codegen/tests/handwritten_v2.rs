//! The hand-written papay v2 types (`runtime/src/v2/papay.rs`) against the v2 facts: path, the
//! request's fields (the ones the client fills left out) and required flags, the answer's fields
//! (the envelope and the echoed merchant ids left out) and required flags. Every difference is either fixed on the right side
//! or listed, with its reason, in `codegen/handwritten_v2.txt`; a difference not listed there, or
//! a listed one that is gone, fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use wechatpay_codegen::facts::Field;
use wechatpay_codegen::facts_v2::{ENVELOPE_FIELDS, FactsV2, RUNTIME_FIELDS};

/// One declared struct field: its wire name, whether it is an `Option`, whether it is flattened
/// (then `wire` names the struct it brings in).
#[derive(Debug, Clone)]
struct RustField {
    wire: String,
    optional: bool,
    flatten: bool,
}

struct Declared {
    path: String,
    request: String,
    response: String,
}

fn parse(text: &str) -> (Vec<Declared>, BTreeMap<String, Vec<RustField>>) {
    let mut endpoints = Vec::new();
    let mut structs = BTreeMap::new();
    let mut module = String::new();
    let mut pending: Option<(String, String)> = None;
    let mut current: Option<(String, Vec<RustField>)> = None;
    let mut attrs: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(" {"))
        {
            module = format!("{name}::");
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("#[endpoint(") {
            let (_, rest) = rest.split_once(", \"").expect("method");
            let (path, rest) = rest.split_once('"').expect("path");
            let response = rest
                .split_once("response = ")
                .map(|(_, ty)| ty.split([',', ')']).next().unwrap_or_default().trim())
                .expect("a response type")
                .to_owned();
            pending = Some((path.to_owned(), response));
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("pub struct ") {
            let name = format!("{module}{}", rest.trim_end_matches(" {").trim());
            if let Some((path, response)) = pending.take() {
                endpoints.push(Declared {
                    path,
                    request: name.clone(),
                    response,
                });
            }
            current = Some((name, Vec::new()));
            attrs.clear();
            continue;
        }
        if trimmed == "}" {
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
            let (name, ty) = rest.split_once(':').expect("a field");
            let ty = ty.trim().trim_end_matches(',');
            let flatten = attrs.iter().any(|attr| attr.contains("flatten"));
            let renamed = attrs.iter().find_map(|attr| {
                attr.split_once("rename = \"")
                    .map(|(_, rest)| rest.split('"').next().unwrap_or_default().to_owned())
            });
            fields.push(RustField {
                wire: if flatten {
                    ty.trim_start_matches("super::").to_owned()
                } else {
                    renamed.unwrap_or_else(|| name.trim().to_owned())
                },
                optional: ty.starts_with("Option<"),
                flatten,
            });
            attrs.clear();
        }
    }
    (endpoints, structs)
}

/// The fields of a struct with its flattened ones brought in: wire name → optional.
fn expand(structs: &BTreeMap<String, Vec<RustField>>, name: &str) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for field in structs.get(name).into_iter().flatten() {
        if field.flatten {
            out.extend(expand(structs, &field.wire));
        } else {
            out.insert(field.wire.clone(), field.optional);
        }
    }
    out
}

fn compare(
    key: &str,
    declared: &BTreeMap<String, bool>,
    described: &[Field],
    skip: &[&str],
    out: &mut BTreeSet<String>,
) {
    let described: BTreeMap<&str, bool> = described
        .iter()
        .filter(|field| {
            field.loc.is_empty() && !field.n.contains('$') && !skip.contains(&field.n.as_str())
        })
        .map(|field| (field.n.as_str(), field.req))
        .collect();
    for (name, optional) in declared {
        match described.get(name.as_str()) {
            None => {
                out.insert(format!("{key}{name}: declared, not described"));
            }
            Some(required) if *required && *optional => {
                out.insert(format!(
                    "{key}{name}: optional here, required in the description"
                ));
            }
            Some(required) if !*required && !*optional => {
                out.insert(format!(
                    "{key}{name}: required here, optional in the description"
                ));
            }
            Some(_) => {}
        }
    }
    for (name, required) in &described {
        if !declared.contains_key(*name) {
            let how = if *required { "required" } else { "optional" };
            out.insert(format!("{key}{name}: described ({how}), not declared"));
        }
    }
}

/// The answer fields not compared: the envelope (checked by the client before decoding) and the
/// merchant's own ids echoed back (`appid`, `mch_id`, `sub_appid`, `sub_mch_id`), which the
/// hand-written answers leave out. Indexed fields (`coupon_id_$n`) are not single fields and are
/// not compared either.
const ANSWER_SKIPPED: [&str; 12] = [
    ENVELOPE_FIELDS[0],
    ENVELOPE_FIELDS[1],
    ENVELOPE_FIELDS[2],
    ENVELOPE_FIELDS[3],
    ENVELOPE_FIELDS[4],
    ENVELOPE_FIELDS[5],
    ENVELOPE_FIELDS[6],
    ENVELOPE_FIELDS[7],
    "appid",
    "mch_id",
    "sub_appid",
    "sub_mch_id",
];

#[test]
fn the_hand_written_papay_v2_types_match_the_facts_or_say_why_not() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let facts = FactsV2::read(&repo.join("codegen/facts_v2.json")).expect("facts");
    let text = std::fs::read_to_string(repo.join("runtime/src/v2/papay.rs")).expect("papay.rs");
    let (endpoints, structs) = parse(&text);
    assert!(
        endpoints.len() >= 10,
        "the parser found {} endpoints",
        endpoints.len()
    );
    let mut found = BTreeSet::new();
    for endpoint in &endpoints {
        let Some(operation) = facts
            .operations
            .iter()
            .find(|operation| operation.path == endpoint.path)
        else {
            found.insert(format!("POST {}: not in the facts", endpoint.path));
            continue;
        };
        let key = format!("POST {} ", endpoint.path);
        compare(
            &key,
            &expand(&structs, &endpoint.request),
            &operation.request,
            &RUNTIME_FIELDS,
            &mut found,
        );
        compare(
            &format!("{key}answer."),
            &expand(&structs, &endpoint.response),
            &operation.answer.fields,
            &ANSWER_SKIPPED,
            &mut found,
        );
    }
    let listed_text =
        std::fs::read_to_string(repo.join("codegen/handwritten_v2.txt")).expect("the list");
    let listed: BTreeMap<String, String> = listed_text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (difference, reason) = line.split_once(" -- ").unwrap_or((line, ""));
            (difference.to_owned(), reason.to_owned())
        })
        .collect();
    let mut problems = Vec::new();
    for difference in &found {
        match listed.get(difference) {
            None => problems.push(format!("not listed: {difference}")),
            Some(reason) if reason.trim().is_empty() => {
                problems.push(format!("listed without a reason: {difference}"));
            }
            Some(_) => {}
        }
    }
    for difference in listed.keys() {
        if !found.contains(difference) {
            problems.push(format!("listed, but no longer a difference: {difference}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
