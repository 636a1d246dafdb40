//! The committed facts of WeChat Pay's own SDKs (`codegen/facts_go.json`, `codegen/facts_java.json`,
//! written by `wechatpay-codegen import-official`): canonical text, and a few facts the SDKs are
//! known to state.

use std::path::Path;

use wechatpay_codegen::facts::{Facts, Field, Operation};

fn read(name: &str) -> (Facts, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).expect("the committed facts file");
    (Facts::read(&path).expect("a facts file"), text)
}

fn operation<'a>(facts: &'a Facts, method: &str, path: &str) -> &'a Operation {
    facts
        .operations
        .iter()
        .find(|o| o.method == method && o.path == path)
        .unwrap_or_else(|| panic!("{method} {path} is missing"))
}

fn field<'a>(fields: &'a [Field], name: &str) -> &'a Field {
    fields
        .iter()
        .find(|f| f.n == name)
        .unwrap_or_else(|| panic!("field {name} is missing"))
}

fn answer(operation: &Operation) -> &[Field] {
    &operation
        .answer
        .schema
        .as_ref()
        .expect("a JSON answer")
        .props
}

#[test]
fn files_are_canonical_sorted_and_unique() {
    for (name, repository) in [
        ("facts_go.json", "wechatpay-apiv3/wechatpay-go@"),
        ("facts_java.json", "wechatpay-apiv3/wechatpay-java@"),
    ] {
        let (facts, text) = read(name);
        assert_eq!(facts.to_text(), text, "{name} is not in canonical form");
        assert!(
            facts.source.starts_with(repository),
            "{name}: {}",
            facts.source
        );
        assert!(
            facts.source.ends_with(" (Apache-2.0)"),
            "{name}: {}",
            facts.source
        );
        let keys: Vec<_> = facts
            .operations
            .iter()
            .map(|o| (o.host.as_str(), o.path.as_str(), o.method.as_str()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(keys, sorted, "{name}: operations unsorted or repeated");
        assert!(facts.operations.len() > 100, "{name}: too few operations");
    }
}

#[test]
fn go_facts_hold_what_the_go_sdk_states() {
    let (go, _) = read("facts_go.json");
    assert!(go.states_required);

    let query = operation(
        &go,
        "GET",
        "v3/pay/transactions/out-trade-no/{out_trade_no}",
    );
    assert_eq!(query.name, "商户订单号查询订单");
    let path = field(&query.params, "out_trade_no");
    assert_eq!((path.loc.as_str(), path.req), ("path", true));
    let mchid = field(&query.params, "mchid");
    assert_eq!((mchid.loc.as_str(), mchid.req), ("query", true));
    assert!(query.body.is_none());
    // The Go SDK's Transaction marks every field optional.
    let trade_state = field(answer(query), "trade_state");
    assert!(!trade_state.req);
    assert_eq!(trade_state.ty.t, "string");

    let jsapi = operation(&go, "POST", "v3/pay/transactions/jsapi");
    let body = jsapi.body.as_ref().expect("a body");
    assert!(field(body, "appid").req);
    assert!(field(body, "notify_url").req);
    assert!(!field(body, "attach").req);
    let payer = field(body, "payer");
    assert!(payer.req);
    // `openid` carries `omitempty` in the Go SDK.
    assert!(!field(&payer.ty.props, "openid").req);
    let expire = field(body, "time_expire");
    assert_eq!(expire.ty.fmt.as_deref(), Some("rfc3339"));
    let total = field(&field(body, "amount").ty.props, "total");
    assert_eq!(
        (total.req, total.ty.t.as_str(), total.ty.fmt.as_deref()),
        (true, "integer", Some("int64"))
    );
    assert_eq!(total.cn, "订单总金额");

    let close = operation(
        &go,
        "POST",
        "v3/pay/transactions/out-trade-no/{out_trade_no}/close",
    );
    assert_eq!(
        (close.answer.status, close.answer.kind.as_str()),
        (204, "none")
    );
    let close_body = close.body.as_ref().expect("a body");
    assert_eq!(close_body.len(), 1);
    assert!(field(close_body, "mchid").req);

    let refund = operation(&go, "POST", "v3/refund/domestic/refunds");
    let status = field(answer(refund), "status");
    assert_eq!(
        status.ty.en,
        ["SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"]
    );

    let receiver = operation(&go, "POST", "v3/profitsharing/receivers/add");
    assert!(field(receiver.body.as_ref().expect("a body"), "name").sens);
}

#[test]
fn java_facts_hold_what_the_java_sdk_states() {
    let (java, text) = read("facts_java.json");
    assert!(!java.states_required);
    assert!(
        !text.contains("\"req\":true"),
        "Java states no required field"
    );

    let stop = operation(&java, "POST", "v3/marketing/favor/stocks/{stock_id}/stop");
    assert_eq!(stop.name, "终止批次");
    assert_eq!(field(&stop.params, "stock_id").loc, "path");
    let body = stop.body.as_ref().expect("a body");
    assert_eq!(
        body.iter().map(|f| f.n.as_str()).collect::<Vec<_>>(),
        ["stock_creator_mchid"]
    );
    assert!(field(answer(stop), "stop_time").ty.t == "string");

    let query = operation(&java, "GET", "v3/pay/transactions/id/{transaction_id}");
    let trade_state = field(answer(query), "trade_state");
    assert!(trade_state.ty.en.iter().any(|v| v == "SUCCESS"));
    assert!(trade_state.ty.en.iter().any(|v| v == "REFUND"));

    let close = operation(
        &java,
        "POST",
        "v3/pay/transactions/out-trade-no/{out_trade_no}/close",
    );
    assert_eq!(
        (close.answer.status, close.answer.kind.as_str()),
        (204, "none")
    );

    let receiver = operation(&java, "POST", "v3/profitsharing/receivers/add");
    assert!(field(receiver.body.as_ref().expect("a body"), "name").sens);
}
