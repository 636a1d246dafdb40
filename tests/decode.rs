//! The catalog's answer types decode with `Decode`, a smaller derive than serde's: for every input,
//! well-formed or not, it must give exactly what `#[derive(serde::Deserialize)]` gives for the same
//! struct, the same value or the same error, at the same place.

use serde::Deserialize;
use serde_json::json;

/// One struct shape, declared twice: once with each derive.
macro_rules! twins {
    ($($derive:path => $name:ident, $inner:ident, $state:ident;)*) => {$(
        #[derive(Debug, PartialEq, $derive)]
        pub struct $name {
            pub id: String,
            #[serde(rename = "amount_total")]
            pub total: i64,
            pub note: Option<String>,
            pub inner: Option<$inner>,
            pub list: Vec<$inner>,
            pub state: Option<$state>,
            pub r#type: Option<String>,
            #[serde(default)]
            pub count: u32,
            #[serde(default = "seven")]
            pub seven: u8,
            #[serde(skip_deserializing, default = "seven")]
            pub never_read: u8,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub flag: Option<bool>,
        }

        #[derive(Debug, PartialEq, $derive)]
        pub struct $inner {
            pub a: u8,
            #[serde(rename = "b_b")]
            pub b: Option<Vec<String>>,
        }

        #[derive(Debug, PartialEq, Deserialize)]
        pub enum $state {
            #[serde(rename = "ON")]
            On,
            #[serde(rename = "OFF")]
            Off,
        }
    )*};
}

twins! {
    serde::Deserialize => Serde, SerdeInner, SerdeState;
    wechatpay::__private::Decode => Lean, LeanInner, LeanState;
}

fn seven() -> u8 {
    7
}

/// The two decodings of `text`, rendered so that they compare: the value's `Debug` with the type
/// names made equal, or the error's message with its position.
fn both(text: &str) -> (String, String) {
    let serde = match serde_json::from_str::<Serde>(text) {
        Ok(value) => format!("{value:?}")
            .replace("SerdeInner", "Inner")
            .replace("SerdeState", "State")
            .replace("Serde", "Answer"),
        Err(error) => format!("error: {error}"),
    };
    let lean = match serde_json::from_str::<Lean>(text) {
        Ok(value) => format!("{value:?}")
            .replace("LeanInner", "Inner")
            .replace("LeanState", "State")
            .replace("Lean", "Answer"),
        Err(error) => format!("error: {error}"),
    };
    (serde, lean.replace("struct Lean", "struct Serde"))
}

fn complete() -> serde_json::Value {
    json!({
        "id": "4200000001",
        "amount_total": 100,
        "note": "first",
        "inner": {"a": 1, "b_b": ["x", "y"], "extra": {"deep": [1, 2]}},
        "list": [{"a": 2}, {"a": 3, "b_b": null}],
        "state": "ON",
        "type": "JSAPI",
        "count": 4,
        "seven": 8,
        "never_read": 9,
        "flag": true,
        "added_by_wechat_pay_later": {"anything": [null, 1.5, "text"]}
    })
}

#[test]
fn a_complete_answer_decodes_the_same() {
    let (serde, lean) = both(&complete().to_string());
    assert!(serde.starts_with("Answer {"), "{serde}");
    assert!(
        serde.contains("never_read: 7"),
        "skip_deserializing: {serde}"
    );
    assert_eq!(serde, lean);
}

#[test]
fn each_field_left_out_decodes_the_same() {
    let keys: Vec<String> = complete().as_object().unwrap().keys().cloned().collect();
    for key in keys {
        let mut answer = complete();
        answer.as_object_mut().unwrap().remove(&key);
        let (serde, lean) = both(&answer.to_string());
        assert_eq!(serde, lean, "without `{key}`");
    }
    // A required field missing is an error naming its wire name.
    let mut answer = complete();
    answer.as_object_mut().unwrap().remove("amount_total");
    assert!(
        both(&answer.to_string())
            .1
            .contains("missing field `amount_total`")
    );
}

#[test]
fn each_field_null_or_of_the_wrong_type_decodes_the_same() {
    let keys: Vec<String> = complete().as_object().unwrap().keys().cloned().collect();
    for key in keys {
        for wrong in [
            json!(null),
            json!("text"),
            json!(-1),
            json!(2.5),
            json!([]),
            json!({}),
            json!(true),
        ] {
            let mut answer = complete();
            answer[&key] = wrong.clone();
            let (serde, lean) = both(&answer.to_string());
            if wrong.is_array() && key == "inner" {
                // A struct as an array (see below): both refuse it, in their own words.
                assert!(serde.starts_with("error: ") && lean.starts_with("error: "));
            } else {
                assert_eq!(serde, lean, "`{key}` = {wrong}");
            }
        }
    }
}

#[test]
fn malformed_and_repeated_input_fails_the_same() {
    for text in [
        r#"{"id": "1", "id": "2", "amount_total": 1, "list": []}"#,
        r#"{"id": "1", "amount_total": 1, "list": [], "note": null, "note": "x"}"#,
        r#"{"id": "1", "amount_total": 1, "list": [{"a": 1, "a": 2}]}"#,
        r#"{"id": "1", "amount_total": 1, "list": []"#,
        r#"{"id": "1", "amount_total": 1, "list": [], }"#,
        r#""text""#,
        "null",
        "{}",
        "",
    ] {
        let (serde, lean) = both(text);
        assert_eq!(serde, lean, "{text}");
    }
    let (_, lean) = both(r#"{"id": "1", "id": "2", "amount_total": 1, "list": []}"#);
    assert!(lean.contains("duplicate field `id`"), "{lean}");
}

/// The one difference: serde's derive also reads a struct from an array of its field values in
/// order; WeChat Pay's answers are objects, and `Decode` reads objects only.
#[test]
fn a_struct_written_as_an_array_is_refused() {
    let text = r#"["1", 1, null, null, [], null, null, 0, 7, null]"#;
    let (serde, lean) = both(text);
    assert!(serde.starts_with("Answer {"), "{serde}");
    assert!(
        lean.starts_with("error: invalid type: sequence, expected struct Serde"),
        "{lean}"
    );
}

#[test]
fn escaped_keys_and_the_minimal_answer_decode_the_same() {
    for text in [
        r#"{"\u0069d": "1", "amount_total": 1, "list": []}"#,
        r#"{"id": "1", "amount_total": 1, "list": [], "type": "\u5FAE"}"#,
        r#"{"id": "", "amount_total": -9223372036854775808, "list": []}"#,
    ] {
        let (serde, lean) = both(text);
        assert!(serde.starts_with("Answer {"), "{text}: {serde}");
        assert_eq!(serde, lean, "{text}");
    }
}
