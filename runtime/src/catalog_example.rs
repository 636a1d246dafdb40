//! Example values built from the facts of `codegen/facts.json` (a field's schema as JSON): what
//! the catalog tests send and what the sandbox answers for the operations it has no logic for.
//! Not part of the public API.

use serde_json::{Map, Value};

use crate::endpoint::Endpoint;

/// What a walk over the generated operations does with each one ([`visit_v3`]), given its type
/// and its `METHOD path` key (`host:METHOD path` for an operation of another host).
pub trait Check {
    /// Visits one operation.
    fn operation<E: Endpoint + CatalogRequest>(&mut self, key: &str);
}

/// What the catalog's unit tests need of a request type: that it decodes from its example (the
/// request types derive `Deserialize` only in this crate's own tests). Outside them, every type.
#[cfg(test)]
pub trait CatalogRequest: serde::de::DeserializeOwned {}
#[cfg(test)]
impl<T: serde::de::DeserializeOwned> CatalogRequest for T {}
/// What the catalog's unit tests need of a request type: that it decodes from its example (the
/// request types derive `Deserialize` only in this crate's own tests). Outside them, every type.
#[cfg(not(test))]
pub trait CatalogRequest {}
#[cfg(not(test))]
impl<T> CatalogRequest for T {}

/// Walks every generated v3 operation of the enabled features: `check.operation::<T>(key)`.
pub fn visit_v3<C: Check>(check: &mut C) {
    crate::v3::visit_all(check);
}

/// The value an example gives a field of `schema`, or a value of its type when the example is
/// missing or of another type.
pub fn example(schema: &Value) -> Value {
    let given = schema.get("ex");
    let allowed = schema.get("en").and_then(Value::as_array);
    match schema["t"].as_str().unwrap_or_default() {
        "string" => {
            if let Some(allowed) = allowed.filter(|allowed| !allowed.is_empty()) {
                let chosen = given
                    .filter(|given| allowed.contains(given))
                    .unwrap_or(&allowed[0]);
                // Some descriptions list the values of a text field as numbers.
                return match chosen {
                    Value::String(_) => chosen.clone(),
                    other => Value::String(other.to_string()),
                };
            }
            match given {
                Some(Value::String(text)) if !text.is_empty() => Value::String(text.clone()),
                Some(Value::Number(number)) => Value::String(number.to_string()),
                _ => Value::String("example".into()),
            }
        }
        "integer" => given
            .and_then(|given| match given {
                Value::Number(number) => number.as_i64(),
                Value::String(text) => text.parse().ok(),
                _ => None,
            })
            .map_or_else(|| Value::from(1), Value::from),
        "number" => match given {
            Some(Value::Number(number)) if number.as_i64().is_some() || number.is_f64() => {
                Value::Number(number.clone())
            }
            Some(Value::String(text)) => text.parse::<i64>().map_or(Value::from(1), Value::from),
            _ => Value::from(1),
        },
        "boolean" => match given {
            Some(Value::Bool(flag)) => Value::Bool(*flag),
            _ => Value::Bool(true),
        },
        "array" => Value::Array(vec![example(&schema["items"])]),
        "object" => match schema.get("props").and_then(Value::as_array) {
            Some(props) => Value::Object(
                props
                    .iter()
                    .map(|field| {
                        (
                            field["n"].as_str().unwrap_or_default().to_owned(),
                            example(field),
                        )
                    })
                    .collect(),
            ),
            None => match given {
                Some(Value::Object(object)) => Value::Object(object.clone()),
                _ => Value::Object(Map::new()),
            },
        },
        _ => Value::Object(Map::new()),
    }
}

/// The smallest answer of `schema` WeChat Pay may send: an object holds only its required fields
/// (`req`), each minimal in turn; an array holds one minimal item; a value is its example.
pub fn minimal(schema: &Value) -> Value {
    match schema["t"].as_str().unwrap_or_default() {
        "array" => Value::Array(vec![minimal(&schema["items"])]),
        "object" => match schema.get("props").and_then(Value::as_array) {
            Some(props) => Value::Object(
                props
                    .iter()
                    .filter(|field| field["req"] == true)
                    .map(|field| {
                        (
                            field["n"].as_str().unwrap_or_default().to_owned(),
                            minimal(field),
                        )
                    })
                    .collect(),
            ),
            None => example(schema),
        },
        _ => example(schema),
    }
}

/// `value` (an example of `schema`) with an unknown field added to every object and every listed
/// enum value replaced by one WeChat Pay might add tomorrow.
pub fn with_novelties(schema: &Value, value: &Value) -> Value {
    match (schema["t"].as_str().unwrap_or_default(), value) {
        ("string", Value::String(_)) if schema.get("en").is_some() => {
            Value::String("A_VALUE_ADDED_LATER".into())
        }
        ("array", Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|item| with_novelties(&schema["items"], item))
                .collect(),
        ),
        ("object", Value::Object(object)) => {
            let props = schema.get("props").and_then(Value::as_array);
            let mut out: Map<String, Value> = object
                .iter()
                .map(|(name, item)| {
                    let field =
                        props.and_then(|props| props.iter().find(|field| field["n"] == *name));
                    let item =
                        field.map_or_else(|| item.clone(), |field| with_novelties(field, item));
                    (name.clone(), item)
                })
                .collect();
            out.insert("a_field_added_later".into(), Value::from(1));
            Value::Object(out)
        }
        _ => value.clone(),
    }
}

/// The file the catalog tests upload: a small PNG-named file, the same in every test.
pub fn example_file() -> crate::multipart::UploadFile {
    crate::multipart::UploadFile::new("example.png", &b"\x89PNG\r\n\x1a\nexample"[..])
}
