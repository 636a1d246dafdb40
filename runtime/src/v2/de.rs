//! Decoding v2 fields (all text on the wire) into typed structs: numbers and booleans are parsed
//! from their text, enums read by their wire name, and fields the struct does not name are ignored.

use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::xml::Fields;

/// Decodes `fields` into `T`; errors are serde's, as [`serde_json::Error`] so that they fit
/// [`crate::Error::Decode`]. An error names the field but never quotes a value: a field may
/// hold personal data, or the decrypted `req_info` of a refund callback.
pub(crate) fn from_fields<T: DeserializeOwned>(fields: &Fields) -> Result<T, serde_json::Error> {
    let map = MapDeserializer::new(fields.iter().map(|(name, value)| {
        (
            name.as_str(),
            FieldValue {
                name: name.as_str(),
                text: value.as_str(),
            },
        )
    }));
    T::deserialize(map)
        .map_err(|e| de::Error::custom(crate::error::without_quoted_values(&e.to_string())))
}

/// A field that carries a list or an object (v2 sends them as JSON text: `detail`,
/// `receivers` …): its text read as JSON.
fn json_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// One field's text, and its name for errors.
#[derive(Clone, Copy)]
struct FieldValue<'a> {
    name: &'a str,
    text: &'a str,
}

impl FieldValue<'_> {
    /// `result` with its error prefixed by the field's name (once: a value read through
    /// another, as `Option<u64>`, is named by the innermost).
    fn named<T>(self, result: Result<T, serde_json::Error>) -> Result<T, serde_json::Error> {
        result.map_err(|error| {
            let text = error.to_string();
            if text.starts_with("field `") {
                error
            } else {
                de::Error::custom(format!("field `{}`: {text}", self.name))
            }
        })
    }
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for FieldValue<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            let result = match self.text.trim().parse() {
                Ok(number) => visitor.$visit(number),
                Err(_) => Err(de::Error::invalid_value(
                    de::Unexpected::Other("text that is not such a number"),
                    &visitor,
                )),
            };
            self.named(result)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for FieldValue<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.named(visitor.visit_borrowed_str(self.text))
    }

    parse_number!(
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
    );

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let result = match self.text {
            "true" | "Y" => visitor.visit_bool(true),
            "false" | "N" => visitor.visit_bool(false),
            _ => Err(de::Error::invalid_value(
                de::Unexpected::Other("text that is not a boolean"),
                &visitor,
            )),
        };
        self.named(result)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.text.is_empty() {
            self.named(visitor.visit_none())
        } else {
            self.named(visitor.visit_some(self))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.named(visitor.visit_newtype_struct(self))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let text: StrDeserializer<'_, serde_json::Error> = self.text.into_deserializer();
        self.named(visitor.visit_enum(text))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.named(json_text(self.text).deserialize_seq(visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.named(json_text(self.text).deserialize_map(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.named(json_text(self.text).deserialize_struct(name, fields, visitor))
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct tuple tuple_struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    enum State {
        Success,
        #[serde(other)]
        Other,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Answer {
        contract_id: String,
        plan_id: u64,
        contract_state: i32,
        trade_state: State,
        coupon_fee: Option<u32>,
        openid: Option<String>,
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn text_fields_decode_into_numbers_enums_and_options() {
        let answer: Answer = from_fields(&fields(&[
            ("return_code", "SUCCESS"),
            ("contract_id", "201509160000028648"),
            ("plan_id", "12535"),
            ("contract_state", "0"),
            ("trade_state", "SUCCESS"),
            ("openid", ""),
        ]))
        .unwrap();
        assert_eq!(
            answer,
            Answer {
                contract_id: "201509160000028648".into(),
                plan_id: 12535,
                contract_state: 0,
                trade_state: State::Success,
                coupon_fee: None,
                openid: None,
            }
        );
        let other: Answer = from_fields(&fields(&[
            ("contract_id", "1"),
            ("plan_id", "1"),
            ("contract_state", "1"),
            ("trade_state", "PAY_LATER"),
        ]))
        .unwrap();
        assert_eq!(other.trade_state, State::Other);
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Receiver {
        account: String,
        amount: u64,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Shared {
        receivers: Vec<Receiver>,
        detail: Option<Receiver>,
    }

    #[test]
    fn json_text_fields_decode_into_lists_and_objects() {
        let shared: Shared = from_fields(&fields(&[(
            "receivers",
            r#"[{"account":"86693852","amount":888}]"#,
        )]))
        .unwrap();
        assert_eq!(
            shared,
            Shared {
                receivers: vec![Receiver {
                    account: "86693852".into(),
                    amount: 888
                }],
                detail: None,
            }
        );
        let error = from_fields::<Shared>(&fields(&[("receivers", "not json")])).unwrap_err();
        assert!(error.to_string().contains("field `receivers`"), "{error}");
        assert!(!error.to_string().contains("not json"), "{error}");
    }

    #[test]
    fn a_field_that_does_not_decode_is_named_and_its_value_never_shown() {
        let error = from_fields::<Answer>(&fields(&[
            ("contract_id", "1"),
            ("plan_id", "twelve-SECRET"),
            ("contract_state", "1"),
            ("trade_state", "SUCCESS"),
        ]))
        .unwrap_err();
        assert!(error.to_string().contains("field `plan_id`"), "{error}");
        assert!(!error.to_string().contains("SECRET"), "{error}");
        let missing = from_fields::<Answer>(&fields(&[("contract_id", "1")])).unwrap_err();
        assert!(missing.to_string().contains("plan_id"), "{missing}");

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Strict {
            refund_fee: u64,
            state: StrictState,
            detail: Option<Receiver>,
            paid: Option<bool>,
        }
        #[derive(Debug, serde::Deserialize)]
        enum StrictState {
            Success,
        }
        for (name, value) in [
            ("refund_fee", "oUpF8u\"MuAJO_SECRET"),
            ("state", "SECRET`, expected `x"),
            ("detail", r#"{"account":"SECRET","amount":"SECRET"}"#),
            ("paid", "SECRET"),
        ] {
            let mut all = fields(&[("refund_fee", "1"), ("state", "Success")]);
            all.retain(|(k, _)| k != name);
            all.push((name.to_owned(), value.to_owned()));
            let error = from_fields::<Strict>(&all).unwrap_err().to_string();
            assert!(error.contains(&format!("field `{name}`")), "{error}");
            assert!(!error.contains("SECRET"), "{name}: {error}");
        }
    }
}
