// `Option` fields are left out when `None`, in the query and in the body, since WeChat Pay rejects
// `null`; a field's own `skip_serializing_if` or `serialize_with` is respected.
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[endpoint(GET, "v3/refund/domestic/refunds/{out_refund_no}", response = serde_json::Value)]
pub struct QueryRefund {
    pub out_refund_no: String,
    pub sub_mchid: Option<String>,
    pub limit: Option<u32>,
    pub offset: std::option::Option<u32>,
}

#[endpoint(POST, "v3/refund/domestic/refunds", response = serde_json::Value)]
pub struct CreateRefund {
    pub out_refund_no: String,
    pub reason: Option<String>,
    // Explicit `null` on purpose: the user's own predicate replaces the automatic one.
    #[serde(skip_serializing_if = "never")]
    pub notify_url: Option<String>,
    #[serde(serialize_with = "cents")]
    pub amount: Option<u64>,
}

fn never<T>(_: &T) -> bool {
    false
}

fn cents<S: serde::Serializer>(amount: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{}¢", amount.unwrap_or_default()))
}

fn main() {
    let none = QueryRefund {
        out_refund_no: "R1".into(),
        sub_mchid: None,
        limit: None,
        offset: None,
    };
    assert_eq!(
        RenderedRequest::new(&none).unwrap().target(),
        "/v3/refund/domestic/refunds/R1"
    );
    let some = QueryRefund {
        sub_mchid: Some("19".into()),
        offset: Some(0),
        ..none
    };
    assert_eq!(
        RenderedRequest::new(&some).unwrap().target(),
        "/v3/refund/domestic/refunds/R1?sub_mchid=19&offset=0"
    );

    let refund = CreateRefund {
        out_refund_no: "R1".into(),
        reason: None,
        notify_url: None,
        amount: None,
    };
    assert_eq!(
        RenderedRequest::new(&refund).unwrap().body().unwrap(),
        br#"{"out_refund_no":"R1","notify_url":null}"#
    );
    let refund = CreateRefund {
        reason: Some("退货".into()),
        amount: Some(100),
        ..refund
    };
    assert_eq!(
        RenderedRequest::new(&refund).unwrap().body().unwrap(),
        r#"{"out_refund_no":"R1","reason":"退货","notify_url":null,"amount":"100¢"}"#.as_bytes()
    );
}
