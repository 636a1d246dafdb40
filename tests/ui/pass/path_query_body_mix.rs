// One endpoint with all three destinations: a field fills the path (percent-encoded), a field marked
// `#[wechatpay(query)]` goes to the query string, and the rest form the JSON body in declaration order.
use wechatpay::Endpoint;
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[derive(serde::Deserialize)]
pub struct Transaction {
    pub trade_state: String,
}

#[endpoint(POST, "v3/pay/transactions/out-trade-no/{out_trade_no}/close", response = Transaction)]
pub struct CloseOrder {
    pub out_trade_no: String,
    #[wechatpay(query)]
    pub sub_mchid: String,
    #[wechatpay(query)]
    #[serde(rename = "lang")]
    pub language: Option<String>,
    pub mchid: String,
    #[serde(rename = "sp_mchid")]
    pub service_provider: String,
}

fn main() {
    const { assert!(CloseOrder::HAS_QUERY) };
    let request = CloseOrder {
        out_trade_no: "单号 1/2".into(),
        sub_mchid: "1900000109".into(),
        language: None,
        mchid: "1230000109".into(),
        service_provider: "1230000100".into(),
    };
    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/pay/transactions/out-trade-no/%E5%8D%95%E5%8F%B7%201%2F2/close?sub_mchid=1900000109"
    );
    assert_eq!(
        rendered.body().unwrap(),
        br#"{"mchid":"1230000109","sp_mchid":"1230000100"}"#
    );

    let request = CloseOrder {
        language: Some("zh CN".into()),
        ..request
    };
    let rendered = RenderedRequest::new(&request).unwrap();
    assert!(
        rendered
            .target()
            .ends_with("/close?sub_mchid=1900000109&lang=zh+CN"),
        "{}",
        rendered.target()
    );

    // An empty path parameter would address another resource: it is an error, not a request.
    let request = CloseOrder {
        out_trade_no: String::new(),
        ..request
    };
    assert!(RenderedRequest::new(&request).is_err());
}
