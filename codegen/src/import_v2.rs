//! `import` of API v2: the description's `v2/` folder (YAML) → `codegen/facts_v2.json`.
//!
//! Resolves `$ref`/`allOf` like the v3 import (the same loader and overrides), flattens each XML
//! body into its fields, keeps which operations require the client certificate (the description's
//! `x-api-cert-required`, from the pages' 是否需要证书), and marks what the description does not
//! say but the official pages do: which operations answer a file ([`DOWNLOADS`]).

use serde_yaml::Value;
use std::path::Path;

use crate::facts::Field;
use crate::facts_v2::{AnswerV2, FactsV2, OperationV2};
use crate::import::{Loader, Override, collect, links, map_field, map_schema, text};

/// The operations that answer a file (text) on success and XML only on failure, as their
/// official pages say: `(path, source)`.
pub const DOWNLOADS: &[(&str, &str)] = &[
    (
        "pay/downloadbill",
        "下载交易账单: 成功时返回文本表格数据, 失败时返回XML",
    ),
    (
        "pay/downloadfundflow",
        "下载资金账单: 成功时返回文本表格数据, 失败时返回XML",
    ),
    (
        "sandboxnew/pay/downloadbill",
        "仿真测试下载交易账单: like pay/downloadbill",
    ),
    (
        "billcommentsp/batchquerycomment",
        "拉取订单评价数据: 成功时返回文本数据, 失败时返回XML",
    ),
];

/// Reads the description's `v2/` folder under `root` with `overrides` and returns the v2 facts.
///
/// # Errors
/// Every place the description cannot be mapped, one per line.
pub fn import_v2(root: &Path, overrides: Vec<Override>, source: &str) -> Result<FactsV2, String> {
    let mut loader = Loader::new(root, overrides);
    let mut files = Vec::new();
    collect(&root.join("v2"), root, &mut |relative| files.push(relative))?;
    files.sort();
    let mut operations = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        let document = loader.load(file)?;
        let Value::Mapping(map) = &document else {
            errors.push(format!("{file}: not a map of methods"));
            continue;
        };
        let path = file
            .trim_start_matches("v2/")
            .trim_end_matches(".yaml")
            .to_owned();
        for (key, operation) in map {
            let Some(method) = key.as_str().filter(|m| matches!(*m, "get" | "post")) else {
                errors.push(format!(
                    "{file}: `{key:?}` is not GET or POST (API v2 has no other)"
                ));
                continue;
            };
            let context = format!("{file}: {method}");
            match loader
                .resolve(file, operation, 0)
                .and_then(|operation| map_operation(&context, method, &path, &operation))
            {
                Ok(operation) => operations.push(operation),
                Err(error) => errors.push(error),
            }
        }
    }
    errors.extend(loader.unapplied());
    for (rule, _) in DOWNLOADS {
        if !operations.iter().any(|operation| operation.path == *rule) {
            errors.push(format!(
                "the rule for `{rule}` matches no v2 operation (stale?)"
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    operations.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    Ok(FactsV2 {
        source: source.to_owned(),
        operations,
    })
}

fn map_operation(
    context: &str,
    method: &str,
    path: &str,
    operation: &Value,
) -> Result<OperationV2, String> {
    let name = text(operation, "summary")
        .ok_or_else(|| format!("{context}: no `summary` (the official name of the call)"))?
        .trim()
        .to_owned();
    let links = links(text(operation, "description").unwrap_or_default());
    let roles = match operation.get("x-role") {
        Some(Value::Sequence(roles)) => roles
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(role)) => vec![role.clone()],
        _ => Vec::new(),
    };
    let base = text(operation, "x-base-uri")
        .filter(|base| *base != "https://api.mch.weixin.qq.com/")
        .unwrap_or_default()
        .to_owned();
    let mut request = Vec::new();
    let mut kind = if method == "get" { "page" } else { "xml" };
    for parameter in operation
        .get("parameters")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
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
                if mapped.t != "object" {
                    return Err(format!("{here}: the XML body is not an object"));
                }
                if mapped.props.is_empty() {
                    // A page that lists no fields (`applyment/micro/signcontract`, deprecated):
                    // the fact is kept as such, and nothing is declared for it.
                    kind = "undescribed";
                }
                request.extend(mapped.props);
            }
            "query" | "header" | "formData" => {
                let mut typed = parameter.clone();
                if let Value::Mapping(map) = &mut typed
                    && !map.contains_key("type")
                {
                    map.insert("type".into(), "string".into());
                }
                let mut field = map_field(&here, name, &typed, false)?;
                field.req = parameter
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                field.loc = if location == "formData" {
                    kind = "upload";
                    "form".to_owned()
                } else {
                    location.to_owned()
                };
                request.push(field);
            }
            other => return Err(format!("{here}: unknown location `in: {other}`")),
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for field in &request {
        if !seen.insert((field.loc.as_str(), field.n.as_str())) {
            return Err(format!("{context}: the field `{}` twice", field.n));
        }
    }
    let answer = map_answer(context, path, operation)?;
    Ok(OperationV2 {
        method: method.to_uppercase(),
        path: path.to_owned(),
        base,
        name,
        links,
        roles,
        kind: kind.to_owned(),
        cert: operation
            .get("x-api-cert-required")
            .and_then(Value::as_bool)
            == Some(true),
        request,
        answer,
    })
}

fn map_answer(context: &str, path: &str, operation: &Value) -> Result<AnswerV2, String> {
    let responses = operation
        .get("responses")
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("{context}: no `responses`"))?;
    let get = |status: u16| {
        responses
            .get(status.to_string().as_str())
            .or_else(|| responses.get(Value::from(status)))
    };
    if let Some(response) = get(200) {
        let json = operation
            .get("produces")
            .and_then(Value::as_sequence)
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("application/json")));
        let fields: Vec<Field> = match response.get("schema") {
            Some(schema) if schema.as_mapping().is_some_and(|map| !map.is_empty()) => {
                let mapped = map_schema(&format!("{context}: responses.200"), schema)?;
                mapped.props
            }
            _ => Vec::new(),
        };
        let kind = if DOWNLOADS.iter().any(|(rule, _)| *rule == path) {
            "download"
        } else if json {
            "json"
        } else {
            "xml"
        };
        return Ok(AnswerV2 {
            kind: kind.to_owned(),
            fields,
        });
    }
    if get(302).is_some() {
        return Ok(AnswerV2 {
            kind: "redirect".to_owned(),
            fields: Vec::new(),
        });
    }
    Err(format!("{context}: no success answer (200 or 302)"))
}
