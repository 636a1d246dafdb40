//! Decoding v2 fields (all text on the wire) into typed structs: numbers and booleans are parsed
//! from their text, enums read by their wire name, and fields the struct does not name are ignored.

use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::xml::Fields;

/// Decodes `fields` into `T`; errors are serde's, as [`serde_json::Error`] so that they fit
/// [`crate::Error::Decode`].
pub(crate) fn from_fields<T: DeserializeOwned>(fields: &Fields) -> Result<T, serde_json::Error> {
    let map = MapDeserializer::new(
        fields
            .iter()
            .map(|(name, value)| (name.as_str(), FieldValue(value.as_str()))),
    );
    T::deserialize(map)
}

/// A field that carries a list or an object (v2 sends them as JSON text: `detail`,
/// `receivers` …): its text read as JSON.
fn json_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// One field's text.
#[derive(Clone, Copy)]
struct FieldValue<'a>(&'a str);

impl<'de> IntoDeserializer<'de, serde_json::Error> for FieldValue<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            match self.0.trim().parse() {
                Ok(number) => visitor.$visit(number),
                Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for FieldValue<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_borrowed_str(self.0)
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
        match self.0 {
            "true" | "Y" => visitor.visit_bool(true),
            "false" | "N" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_value(
                de::Unexpected::Str(other),
                &visitor,
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let text: StrDeserializer<'_, serde_json::Error> = self.0.into_deserializer();
        visitor.visit_enum(text)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        json_text(self.0).deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        json_text(self.0).deserialize_map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        json_text(self.0).deserialize_struct(name, fields, visitor)
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
        assert!(error.to_string().contains("not json"), "{error}");
    }

    #[test]
    fn a_number_that_is_not_one_names_the_value() {
        let error = from_fields::<Answer>(&fields(&[
            ("contract_id", "1"),
            ("plan_id", "twelve"),
            ("contract_state", "1"),
            ("trade_state", "SUCCESS"),
        ]))
        .unwrap_err();
        assert!(error.to_string().contains("twelve"), "{error}");
        let missing = from_fields::<Answer>(&fields(&[("contract_id", "1")])).unwrap_err();
        assert!(missing.to_string().contains("plan_id"), "{missing}");
    }
}
