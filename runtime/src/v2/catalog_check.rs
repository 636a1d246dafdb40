//! The v2 catalog tests: every generated v2 operation takes its example request (built from
//! `codegen/facts_v2.json` at run time, as XML text) and sends exactly those fields, and decodes
//! its example answer, with unknown fields and enum values.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::__catalog::{example, with_novelties};
use crate::catalog_check::Check;
use crate::endpoint::Endpoint;

use super::RUNTIME_FIELDS;
use super::xml::Fields;

/// The envelope the client checks before decoding; the generated answer types leave it out.
const ENVELOPE: [&str; 8] = [
    "return_code",
    "return_msg",
    "result_code",
    "err_code",
    "err_code_des",
    "nonce_str",
    "sign",
    "sign_type",
];

/// The v2 facts of the repository, by `METHOD path`.
fn operations() -> BTreeMap<String, Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sandbox/facts/catalog_v2.json");
    let text = std::fs::read_to_string(path)
        .expect("sandbox/facts/catalog_v2.json is part of the repository");
    let facts: Value = serde_json::from_str(&text).expect("a v2 facts file");
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
            (key, operation.clone())
        })
        .collect()
}

/// A field's value as v2 text: text as it is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The fields of `list` a generated type has: named, not indexed, not in `skip`.
fn typed<'a>(list: &'a Value, skip: &'a [&str]) -> impl Iterator<Item = &'a Value> + 'a {
    list.as_array().into_iter().flatten().filter(move |field| {
        let name = field["n"].as_str().unwrap_or_default();
        field["loc"].as_str().unwrap_or_default().is_empty()
            && !name.contains('$')
            && !skip.contains(&name)
    })
}

/// Whether the text `sent` stands for the example `expected`.
fn same(expected: &Value, sent: &str) -> bool {
    match expected {
        Value::String(text) => text == sent,
        Value::Number(number) => sent.parse::<f64>().ok() == number.as_f64(),
        other => serde_json::from_str::<Value>(sent).is_ok_and(|sent| numbers_equal(other, &sent)),
    }
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| numbers_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(name, x)| y.get(name).is_some_and(|y| numbers_equal(x, y)))
        }
        _ => a == b,
    }
}

struct Catalog {
    operations: BTreeMap<String, Value>,
    checked: usize,
    failures: Vec<String>,
}

impl Catalog {
    fn check<E: Endpoint + DeserializeOwned>(&self, key: &str) -> Result<(), String> {
        let operation = self.operations.get(key).ok_or("not in the facts")?;
        let mut expected = BTreeMap::new();
        let mut request = Fields::new();
        for field in typed(&operation["request"], &RUNTIME_FIELDS) {
            let name = field["n"].as_str().unwrap_or_default().to_owned();
            let value = example(field);
            request.push((name.clone(), text(&value)));
            expected.insert(name, value);
        }
        let typed_request: E = super::de::from_fields(&request)
            .map_err(|error| format!("the example request does not fit the type: {error}"))?;
        let sent = super::request_fields(&typed_request)
            .map_err(|error| format!("the request's fields: {error}"))?;
        if sent.len() != expected.len() {
            let names: Vec<&str> = sent.iter().map(|(name, _)| name.as_str()).collect();
            return Err(format!(
                "sent {names:?}, expected {:?}",
                expected.keys().collect::<Vec<_>>()
            ));
        }
        for (name, value) in &sent {
            let want = expected
                .get(name)
                .ok_or_else(|| format!("`{name}` sent, not described"))?;
            if !same(want, value) {
                return Err(format!("`{name}` sent as {value:?}, expected {want}"));
            }
        }
        let mut answer = Fields::new();
        let mut novel = Fields::new();
        for field in typed(&operation["answer"]["fields"], &ENVELOPE) {
            let name = field["n"].as_str().unwrap_or_default().to_owned();
            let value = example(field);
            novel.push((name.clone(), text(&with_novelties(field, &value))));
            answer.push((name, text(&value)));
        }
        novel.push(("a_field_added_later".into(), "1".into()));
        super::de::from_fields::<E::Response>(&answer)
            .map_err(|error| format!("the example answer does not decode: {error}"))?;
        super::de::from_fields::<E::Response>(&novel).map_err(|error| {
            format!("the answer with new fields and values does not decode: {error}")
        })?;
        Ok(())
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
fn every_v2_operation_sends_its_example_and_decodes_its_answer() {
    let mut catalog = Catalog {
        operations: operations(),
        checked: 0,
        failures: Vec::new(),
    };
    super::catalog::visit_all(&mut catalog);
    assert!(
        catalog.failures.is_empty(),
        "{} of {} v2 operations fail:\n{}",
        catalog.failures.len(),
        catalog.checked,
        catalog.failures.join("\n")
    );
    if cfg!(feature = "v2-catalog") {
        assert!(
            catalog.checked > 100,
            "only {} v2 operations checked",
            catalog.checked
        );
    }
}
