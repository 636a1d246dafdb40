//! What the code `#[endpoint]` generates does at run time: the exact target and body it renders for
//! the less common declarations (container serde attributes, flattening, `cfg`, raw identifiers,
//! reserved characters in path values).

use std::collections::HashMap;

use wechatpay::Endpoint;
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

fn render<E: Endpoint>(request: &E) -> (String, Option<String>) {
    let rendered = RenderedRequest::new(request).unwrap();
    let body = rendered
        .body()
        .map(|body| String::from_utf8(body.to_vec()).unwrap());
    (rendered.target().to_owned(), body)
}

#[endpoint(GET, "v3/items/{item_id}", response = HashMap<String, u32>)]
#[serde(rename_all = "camelCase")]
struct QueryItem {
    item_id: String,
    sub_mchid: String,
    page_size: Option<u32>,
}

#[test]
fn container_attributes_rename_the_query_but_not_the_path() {
    let request = QueryItem {
        item_id: "a/b c?d#e%f".into(),
        sub_mchid: "19".into(),
        page_size: Some(10),
    };
    assert_eq!(
        render(&request),
        (
            "/v3/items/a%2Fb%20c%3Fd%23e%25f?subMchid=19&pageSize=10".to_owned(),
            None
        )
    );
}

#[derive(serde::Serialize)]
struct Amount {
    total: u64,
    currency: &'static str,
}

#[endpoint(POST, "v3/pay/transactions/native", response = serde_json::Value)]
#[serde(rename_all = "UPPERCASE")]
struct CreateNative {
    #[wechatpay(query)]
    #[serde(rename = "sub_mchid")]
    sub_mchid: String,
    out_trade_no: String,
    #[serde(flatten)]
    amount: Amount,
    #[cfg(any())]
    never_compiled: String,
}

#[test]
fn body_fields_flatten_rename_and_follow_cfg() {
    let request = CreateNative {
        sub_mchid: "19".into(),
        out_trade_no: "T1".into(),
        amount: Amount {
            total: 100,
            currency: "CNY",
        },
    };
    assert_eq!(
        render(&request),
        (
            "/v3/pay/transactions/native?sub_mchid=19".to_owned(),
            Some(r#"{"OUT_TRADE_NO":"T1","total":100,"currency":"CNY"}"#.to_owned())
        )
    );
}

#[endpoint(DELETE, "v3/merchant/{type}/{mod}", response = ())]
struct RawIdentifiers {
    r#type: &'static str,
    r#mod: u8,
    #[wechatpay(query)]
    r#ref: bool,
}

#[test]
fn raw_identifiers_fill_placeholders_by_their_plain_name() {
    let request = RawIdentifiers {
        r#type: "shop",
        r#mod: 3,
        r#ref: true,
    };
    assert_eq!(
        render(&request),
        ("/v3/merchant/shop/3?ref=true".to_owned(), None)
    );
}

#[test]
fn an_empty_path_value_is_refused_before_anything_is_sent() {
    let request = QueryItem {
        item_id: String::new(),
        sub_mchid: "19".into(),
        page_size: None,
    };
    let error = RenderedRequest::new(&request).unwrap_err().to_string();
    assert!(error.contains("item_id"), "{error}");
}

/// Found by the `path_template` fuzz target: `.` and `..` went out unencoded, as a dot segment.
#[test]
fn a_dot_segment_path_value_is_refused_before_anything_is_sent() {
    for dots in [".", ".."] {
        let request = QueryItem {
            item_id: dots.into(),
            sub_mchid: "19".into(),
            page_size: None,
        };
        let error = RenderedRequest::new(&request).unwrap_err().to_string();
        assert!(
            error.contains("item_id") && error.contains("dot segment"),
            "{error}"
        );
    }
    let request = QueryItem {
        item_id: "...".into(),
        sub_mchid: "19".into(),
        page_size: None,
    };
    assert_eq!(render(&request).0, "/v3/items/...?subMchid=19");
}

#[test]
fn constants_describe_the_declaration() {
    assert_eq!(QueryItem::PATH, "v3/items/{item_id}");
    const {
        assert!(QueryItem::HAS_QUERY && CreateNative::HAS_QUERY && RawIdentifiers::HAS_QUERY);
        assert!(QueryItem::SIGNED_RESPONSE);
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[endpoint(PUT, "v3/profiles/{openid}", response = ())]
#[serde(deny_unknown_fields)]
struct DeriveBeforeEndpoint {
    openid: String,
    #[serde(rename = "nick")]
    nickname: Option<String>,
}

#[test]
fn serde_derives_written_before_the_attribute_still_see_their_attributes() {
    let request = DeriveBeforeEndpoint {
        openid: "o1".into(),
        nickname: None,
    };
    assert_eq!(
        render(&request),
        ("/v3/profiles/o1".to_owned(), Some("{}".to_owned()))
    );
    let own = serde_json::to_string(&request).unwrap();
    assert_eq!(own, r#"{"openid":"o1","nick":null}"#);
    let error = serde_json::from_str::<DeriveBeforeEndpoint>(r#"{"openid":"o","x":1}"#);
    assert!(error.is_err(), "deny_unknown_fields still applies");
}

/// Whether a note is empty: a custom `skip_serializing_if`.
fn blank(text: &str) -> bool {
    text.is_empty()
}

/// The twin declarations below differ only in a container option that serialization ignores.
/// `#[endpoint]` writes the first one's serializer itself and hands the second to serde's derive,
/// so the two must send the same bytes.
macro_rules! twins {
    ($($name:ident $(#[$container:meta])?;)*) => {$(
        #[endpoint(POST, "v3/twins/{type}", response = ())]
        $(#[$container])?
        struct $name {
            r#type: String,
            #[wechatpay(query)]
            #[wechatpay(comma_separated)]
            states: Option<Vec<String>>,
            #[wechatpay(query)]
            #[serde(rename = "limit")]
            page_size: Option<u32>,
            #[wechatpay(query)]
            offset: u32,
            out_trade_no: String,
            #[serde(rename = "desc")]
            description: Option<String>,
            #[serde(skip_serializing_if = "blank")]
            note: String,
            r#ref: Option<u64>,
            amount: Amount,
            #[serde(default)]
            tags: Vec<String>,
            #[cfg(any())]
            never_compiled: String,
            #[cfg(all())]
            always_compiled: bool,
        }
    )*};
}

twins! {
    WrittenDirectly;
    ThroughSerde #[serde(deny_unknown_fields)];
}

#[test]
fn the_written_serializer_sends_what_serde_derive_sends() {
    let cases = [
        (None, None, "", None, String::new()),
        (
            Some(vec!["A".to_owned(), "B".to_owned()]),
            Some(20),
            "整理",
            Some(7),
            "d".to_owned(),
        ),
        (Some(Vec::new()), Some(0), "n", Some(0), String::new()),
    ];
    let mut seen = Vec::new();
    for (states, page_size, note, r#ref, description) in cases {
        let description = (!description.is_empty()).then_some(description);
        // The same values in each twin.
        macro_rules! fill {
            ($name:ident) => {
                $name {
                    r#type: "a b".into(),
                    states: states.clone(),
                    page_size,
                    offset: 3,
                    out_trade_no: "T1".into(),
                    description: description.clone(),
                    note: note.into(),
                    r#ref,
                    amount: Amount {
                        total: 1,
                        currency: "CNY",
                    },
                    tags: vec!["x".into()],
                    always_compiled: true,
                }
            };
        }
        let direct = fill!(WrittenDirectly);
        let serde = fill!(ThroughSerde);
        let rendered = render(&direct);
        assert_eq!(rendered, render(&serde));
        seen.push(rendered);
    }
    // The cases exercise what they claim: a `None` and a blank note are left out, present values
    // are sent under their wire names.
    assert_eq!(
        seen[0],
        (
            "/v3/twins/a%20b?offset=3".to_owned(),
            Some(
                r#"{"out_trade_no":"T1","amount":{"total":1,"currency":"CNY"},"tags":["x"],"always_compiled":true}"#
                    .to_owned()
            )
        )
    );
    assert_eq!(
        seen[1],
        (
            "/v3/twins/a%20b?states=A%2CB&limit=20&offset=3".to_owned(),
            Some(
                r#"{"out_trade_no":"T1","desc":"d","note":"整理","ref":7,"amount":{"total":1,"currency":"CNY"},"tags":["x"],"always_compiled":true}"#
                    .to_owned()
            )
        )
    );
}

/// A value whose serialization fails with its own message.
struct Fails(&'static str);

impl serde::Serialize for Fails {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(self.0))
    }
}

#[endpoint(POST, "v3/twins/failing", response = ())]
struct FailingBody {
    out_trade_no: String,
    first: Fails,
    second: Fails,
}

#[test]
fn a_field_that_fails_to_serialize_fails_the_request_with_its_own_error() {
    let error = RenderedRequest::new(&FailingBody {
        out_trade_no: "T1".into(),
        first: Fails("the first field failed"),
        second: Fails("the second field failed"),
    })
    .expect_err("a body that cannot be serialized is refused");
    let message = error.to_string();
    assert!(message.contains("the first field failed"), "{message}");
    assert!(!message.contains("the second field failed"), "{message}");
}
