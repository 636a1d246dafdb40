//! The catalog's request types serialize with `Encode`, a smaller derive than serde's: for every
//! value it must write exactly what `#[derive(serde::Serialize)]` writes for the same struct, and
//! fail with the same error where serde's would.

use serde::Serialize;
use wechatpay::__private::Encode;

/// Whether a note is empty: a custom `skip_serializing_if`.
fn blank(text: &str) -> bool {
    text.is_empty()
}

/// A value whose serialization fails with its own message.
#[derive(Clone, Default)]
struct Fails(Option<&'static str>);

impl Serialize for Fails {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(message) => Err(serde::ser::Error::custom(message)),
            None => serializer.serialize_str("fine"),
        }
    }
}

/// One struct shape, declared twice: once with each derive.
macro_rules! twins {
    ($($derive:path => $name:ident, $inner:ident, $empty:ident;)*) => {$(
        #[derive($derive)]
        struct $name {
            id: String,
            #[serde(rename = "amount_total")]
            total: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            note: Option<String>,
            always: Option<u8>,
            #[serde(skip_serializing_if = "blank")]
            remark: String,
            r#type: Option<String>,
            inner: Option<$inner>,
            list: Vec<$inner>,
            empty: $empty,
            #[serde(default)]
            first: Fails,
            second: Fails,
        }

        #[derive($derive)]
        struct $inner {
            a: u8,
            #[serde(rename = "b_b", skip_serializing_if = "Option::is_none")]
            b: Option<Vec<String>>,
        }

        #[derive($derive)]
        struct $empty {}
    )*};
}

twins! {
    Serialize => Derived, DerivedInner, DerivedEmpty;
    Encode => Encoded, EncodedInner, EncodedEmpty;
}

/// The same values in each twin.
macro_rules! fill {
    ($name:ident, $inner:ident, $empty:ident, $case:expr) => {{
        let (note, remark, b, first, second): (
            Option<&str>,
            &str,
            Option<Vec<String>>,
            Fails,
            Fails,
        ) = $case;
        $name {
            id: "a \"quoted\" 值".into(),
            total: i64::MIN,
            note: note.map(Into::into),
            always: None,
            remark: remark.into(),
            r#type: Some("T".into()),
            inner: Some($inner { a: 1, b: b.clone() }),
            list: vec![$inner { a: 2, b }, $inner { a: 3, b: None }],
            empty: $empty {},
            first,
            second,
        }
    }};
}

#[test]
fn encode_writes_what_serde_derive_writes() {
    let cases = || {
        [
            (None, "", None, Fails(None), Fails(None)),
            (
                Some("n"),
                "r",
                Some(vec!["x".to_owned(), String::new()]),
                Fails(None),
                Fails(None),
            ),
            (Some(""), "", Some(Vec::new()), Fails(None), Fails(None)),
            (
                None,
                "r",
                None,
                Fails(Some("the first field failed")),
                Fails(Some("the second field failed")),
            ),
            (
                None,
                "r",
                None,
                Fails(None),
                Fails(Some("only the second failed")),
            ),
        ]
    };
    let mut outcomes = Vec::new();
    for (derived, encoded) in cases().into_iter().zip(cases()) {
        let derived = serde_json::to_string(&fill!(Derived, DerivedInner, DerivedEmpty, derived))
            .map_err(|error| error.to_string());
        let encoded = serde_json::to_string(&fill!(Encoded, EncodedInner, EncodedEmpty, encoded))
            .map_err(|error| error.to_string());
        assert_eq!(encoded, derived);
        outcomes.push(encoded);
    }
    // The cases exercise what they claim: fields left out and kept, and the first error.
    assert_eq!(
        outcomes[0].as_deref(),
        Ok(
            r#"{"id":"a \"quoted\" 值","amount_total":-9223372036854775808,"always":null,"type":"T","inner":{"a":1},"list":[{"a":2},{"a":3}],"empty":{},"first":"fine","second":"fine"}"#
        )
    );
    assert!(
        outcomes[1]
            .as_ref()
            .is_ok_and(|json| json.contains(r#""note":"n","always":null,"remark":"r""#))
    );
    assert_eq!(outcomes[3], Err("the first field failed".to_owned()));
    assert_eq!(outcomes[4], Err("only the second failed".to_owned()));
}
