//! The catalog tests: every generated operation renders its example request to the documented
//! path, query and body, and decodes its example answer, with unknown fields and enum values.
//!
//! Data-driven: the examples are built from the facts the catalog follows (`sandbox/facts/catalog.json`, written by `emit`) at run time; the generated code
//! only lists its types (`v3::visit_all`).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::__catalog::{example, with_novelties};

use crate::endpoint::{Endpoint, RenderedRequest};
use crate::keys::MerchantKey;

pub(crate) use crate::__catalog::Check;

/// The facts file of the repository.
pub(crate) fn facts() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sandbox/facts/catalog.json");
    let text = std::fs::read_to_string(path)
        .expect("sandbox/facts/catalog.json is part of the repository");
    serde_json::from_str(&text).expect("sandbox/facts/catalog.json is a facts file")
}

/// The operations of the facts, by `METHOD path` (for the `api` host) or `host:METHOD path`.
pub(crate) fn by_key(facts: &Value) -> BTreeMap<String, Value> {
    facts["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(|operation| {
            let key = format!(
                "{} {}",
                operation["method"].as_str().unwrap_or_default(),
                operation["path"].as_str().unwrap_or_default()
            );
            let key = match operation["host"].as_str() {
                Some("api") | None => key,
                Some(host) => format!("{host}:{key}"),
            };
            (key, operation.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Catalog {
        operations: BTreeMap<String, Value>,
        key: MerchantKey,
        checked: usize,
        failures: Vec<String>,
    }

    /// A path value that needs no percent-encoding, so that the expected path is plain text.
    fn path_value(field: &Value) -> String {
        let value = example(field);
        let text = match &value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            text
        } else {
            "example".into()
        }
    }

    fn query_text(value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            // A list in a query string: one value, its items joined with `,`.
            Value::Array(items) => items.iter().map(query_text).collect::<Vec<_>>().join(","),
            other => other.to_string(),
        }
    }

    impl Catalog {
        fn check<E: Endpoint + DeserializeOwned>(&self, key: &str) -> Result<(), String> {
            let operation = self.operations.get(key).ok_or("not in the facts")?;
            let mut request = Map::new();
            let mut path = format!("/{}", operation["path"].as_str().unwrap_or_default());
            let mut query = Vec::new();
            let mut form = Vec::new();
            let mut file_part = None;
            let mut meta_fields = None;
            let empty = Vec::new();
            for field in operation["params"].as_array().unwrap_or(&empty) {
                let name = field["n"].as_str().unwrap_or_default();
                match field["loc"].as_str() {
                    Some("path") => {
                        let value = path_value(field);
                        path = path.replace(&format!("{{{name}}}"), &value);
                        let typed = if field["t"] == "integer" || field["t"] == "number" {
                            Value::from(value.parse::<i64>().unwrap_or(1))
                        } else {
                            Value::String(value)
                        };
                        request.insert(name.to_owned(), typed);
                    }
                    Some("query") => {
                        let value = example(field);
                        query.push((name.to_owned(), query_text(&value)));
                        request.insert(name.to_owned(), value);
                    }
                    Some("form") if field["t"] == "file" => file_part = Some(name),
                    Some("form") if name == "meta" => meta_fields = field["props"].as_array(),
                    Some("form") => {
                        let value = example(field);
                        form.push((name.to_owned(), query_text(&value)));
                        request.insert(name.to_owned(), value);
                    }
                    _ => {}
                }
            }
            // An upload's `meta` fields are its body, the JSON the signature covers.
            let body_fields = operation["body"].as_array().or(meta_fields);
            let mut body = Map::new();
            for field in body_fields.unwrap_or(&empty) {
                let value = example(field);
                body.insert(
                    field["n"].as_str().unwrap_or_default().to_owned(),
                    value.clone(),
                );
                request.insert(field["n"].as_str().unwrap_or_default().to_owned(), value);
            }
            // Path values that are numbers in the example but text in Rust (and back) are
            // rendered the same; the request is built from the same example values.
            let typed: E = serde_json::from_value(Value::Object(request))
                .map_err(|error| format!("the example request does not fit the type: {error}"))?;
            let rendered = RenderedRequest::with_encryption(
                &typed,
                "PUB_KEY_ID_0119000000012025112700000000000001",
                &self.key.public_key(),
            )
            .map_err(|error| format!("rendering: {error}"))?;
            let target = rendered.target();
            let (rendered_path, rendered_query) = target.split_once('?').unwrap_or((target, ""));
            if rendered_path != path {
                return Err(format!("path {rendered_path}, expected {path}"));
            }
            let mut got: Vec<(String, String)> = serde_urlencoded::from_str(rendered_query)
                .map_err(|error| format!("query {rendered_query}: {error}"))?;
            got.sort();
            query.sort();
            if got != query {
                return Err(format!("query {got:?}, expected {query:?}"));
            }
            if let Some(part) = file_part {
                // The multipart body: the signed `meta` part, the text parts, the file part.
                let body = String::from_utf8_lossy(rendered.body().ok_or("no body")?).into_owned();
                let meta = String::from_utf8_lossy(rendered.signed_body().unwrap_or_default());
                if !body.contains(&format!(
                    "name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n"
                )) {
                    return Err("the signed meta is not the multipart body's `meta` part".into());
                }
                for (name, text) in &form {
                    if !body.contains(&format!("name=\"{name}\"\r\n\r\n{text}\r\n")) {
                        return Err(format!("the form part `{name}` is not `{text}`"));
                    }
                }
                if !body.contains(&format!("name=\"{part}\"; filename=\"example.png\"")) {
                    return Err(format!("no file part named `{part}`"));
                }
            }
            if let Some(fields) = body_fields {
                let signed = if file_part.is_some() {
                    rendered.signed_body()
                } else {
                    rendered.body()
                };
                let sent: Value = serde_json::from_slice(signed.ok_or("no body")?)
                    .map_err(|error| format!("body: {error}"))?;
                let schema = serde_json::json!({"t": "object", "props": fields});
                self.same(&schema, &Value::Object(body), &sent, "")?;
            }
            let answer = &operation["answer"];
            if answer["kind"] == "json" {
                let schema = &answer["schema"];
                let example = example(schema);
                serde_json::from_value::<E::Response>(example.clone())
                    .map_err(|error| format!("the example answer does not decode: {error}"))?;
                serde_json::from_value::<E::Response>(with_novelties(schema, &example)).map_err(
                    |error| {
                        format!("the answer with new fields and values does not decode: {error}")
                    },
                )?;
            }
            Ok(())
        }

        /// `sent` is `expected`, sensitive values encrypted to `self.key`.
        fn same(
            &self,
            schema: &Value,
            expected: &Value,
            sent: &Value,
            at: &str,
        ) -> Result<(), String> {
            match (expected, sent) {
                (Value::Object(expected), Value::Object(sent)) => {
                    if expected.len() != sent.len() {
                        return Err(format!("{at}: sent {sent:?}, expected {expected:?}"));
                    }
                    let props = schema.get("props").and_then(Value::as_array);
                    for (name, value) in expected {
                        let field = props
                            .and_then(|props| props.iter().find(|field| field["n"] == *name))
                            .cloned()
                            .unwrap_or(Value::Null);
                        let got = sent
                            .get(name)
                            .ok_or_else(|| format!("{at}/{name}: not sent"))?;
                        if field["sens"] == true && field["t"] == "string" {
                            let clear = self
                                .key
                                .decrypt(got.as_str().unwrap_or_default())
                                .map_err(|error| {
                                    format!("{at}/{name}: not encrypted to the key: {error}")
                                })?;
                            if Value::String(clear.as_str().to_owned()) != *value {
                                return Err(format!("{at}/{name}: decrypts to another value"));
                            }
                        } else {
                            self.same(&field, value, got, &format!("{at}/{name}"))?;
                        }
                    }
                    Ok(())
                }
                (Value::Array(expected), Value::Array(sent)) if expected.len() == sent.len() => {
                    for (index, (value, got)) in expected.iter().zip(sent).enumerate() {
                        self.same(&schema["items"], value, got, &format!("{at}/{index}"))?;
                    }
                    Ok(())
                }
                (Value::Number(expected), Value::Number(sent))
                    if expected.as_f64() == sent.as_f64() =>
                {
                    Ok(())
                }
                _ if expected == sent => Ok(()),
                _ => Err(format!("{at}: sent {sent}, expected {expected}")),
            }
        }
    }

    impl Check for Catalog {
        fn operation<E: Endpoint + crate::__catalog::CatalogRequest>(&mut self, key: &str) {
            self.checked += 1;
            if let Err(error) = self.check::<E>(key) {
                self.failures.push(format!("{key}: {error}"));
            }
        }
    }

    #[test]
    fn every_operation_renders_its_example_and_decodes_its_answer() {
        let facts = facts();
        let mut catalog = Catalog {
            operations: by_key(&facts),
            key: MerchantKey::generate().expect("a key"),
            checked: 0,
            failures: Vec::new(),
        };
        crate::v3::visit_all(&mut catalog);
        assert!(
            catalog.failures.is_empty(),
            "{} of {} operations fail:\n{}",
            catalog.failures.len(),
            catalog.checked,
            catalog.failures.join("\n")
        );
        if cfg!(feature = "full") {
            // Every operation of the facts is declared and was visited.
            assert_eq!(
                catalog.checked,
                catalog.operations.len(),
                "operations declared and checked, of those described"
            );
        }
    }
}
