//! The user's pages over plain HTTP (no browser): what each page shows, what its buttons do to
//! the sandbox's state and callbacks, where they send the browser, and what a bad, used or
//! unknown link gets. `pages_browser.rs` walks the same pages in Chromium.

mod pages_support;

use base64::Engine as _;
use http::{Method, StatusCode};
use pages_support::{APPID, fetch, get, post, pre_sign_id, query_value, world, world_from};
use wechatpay::notify::Event;
use wechatpay::v3::fund_app::{CancelTransfer, GetTransferBillByOutNo};
use wechatpay::v3::pay::{QueryOrderByOutTradeNo, TradeState};
use wechatpay_sandbox::Sandbox;

fn is_html(answer: &pages_support::Answer) -> bool {
    answer
        .headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v == "text/html; charset=utf-8")
}

async fn trade_state(world: &pages_support::World, out_trade_no: &str) -> TradeState {
    world
        .client
        .send(&QueryOrderByOutTradeNo {
            out_trade_no: out_trade_no.into(),
            mchid: world.sandbox.mchid().into(),
        })
        .await
        .unwrap()
        .trade_state
        .expect("the order query answers trade_state")
}

#[tokio::test]
async fn signing_through_the_page_signs_calls_back_and_returns_to_return_url() {
    let mut world = world().await;
    let back = format!("{}after-sign?user=1001", world.merchant);
    let answer = world
        .pre_sign("C-page", "会员 1001", Some(back.clone()))
        .await;
    let url = answer.redirect_url.unwrap();
    assert_eq!(
        url,
        format!(
            "{}sandbox/papay/entrustweb?pre_entrustweb_id={}",
            world.sandbox.base_url(),
            answer
                .pre_entrustweb_id
                .as_deref()
                .expect("the pre-sign answer carries pre_entrustweb_id")
        )
    );
    let page = get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(is_html(&page));
    for shown in [
        "开通扣费服务",
        "会员 1001",
        "12535",
        "同意并开通",
        "暂不开通",
    ] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    let english = get(&format!("{url}&lang=en")).await;
    assert!(
        english.body.contains("Enable automatic deduction"),
        "{}",
        english.body
    );
    let english = fetch(
        Method::GET,
        &url,
        None,
        &[("accept-language", "en-GB,en;q=0.8")],
    )
    .await;
    assert!(
        english.body.contains("Agree and enable"),
        "{}",
        english.body
    );

    let done = post(&url, &[("action", "agree")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        back,
        "return_url as given, nothing appended"
    );
    let notification = world.callback("ENTRUST.SIGN").await;
    let Event::EntrustSign(notice) = notification.resource else {
        panic!("not a contract: {:?}", notification.resource);
    };
    assert_eq!(notice.out_contract_code, "C-page");

    // The link is used: it says so, and signs nothing again.
    let again = get(&url).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains(&notice.contract_id), "{}", again.body);
    let again = post(&url, &[("action", "agree")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    world.no_callback().await;
}

#[tokio::test]
async fn refusing_to_sign_leaves_the_pre_sign_open_and_returns_to_the_referrer() {
    let mut world = world().await;
    let answer = world.pre_sign("C-refuse", "会员 7", None).await;
    let url = answer.redirect_url.unwrap();
    // The page the user came from, as WeChat Pay returns to it: with `from_wxpay=1`.
    let from = format!("{}member/sign?plan=gold", world.merchant);
    let page = fetch(Method::GET, &url, None, &[("referer", &from)]).await;
    assert_eq!(page.status, StatusCode::OK);
    let refused = post(&url, &[("action", "refuse")]).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.location(), format!("{from}&from_wxpay=1"));
    world.no_callback().await;
    // Still open: the user may come back and sign.
    assert_eq!(get(&url).await.status, StatusCode::OK);
    let signed = post(&url, &[("action", "agree")]).await;
    assert_eq!(signed.location(), format!("{from}&from_wxpay=1"));
    world.callback("ENTRUST.SIGN").await;
}

#[tokio::test]
async fn without_a_way_back_the_signing_page_ends_on_a_result_page() {
    let mut world = world().await;
    let answer = world.pre_sign("C-result", "会员 8", None).await;
    let url = answer.redirect_url.unwrap();
    // The sandbox's own page is no way back (a reload of the signing page, say), under its
    // configured address or any other name the browser reached it by …
    let own = format!("{url}&lang=en");
    let page = fetch(Method::GET, &url, None, &[("referer", &own)]).await;
    assert_eq!(page.status, StatusCode::OK);
    let other_name = url.replacen("127.0.0.1", "localhost", 1);
    assert_ne!(other_name, url);
    let own = format!("{other_name}&lang=en");
    let page = fetch(Method::GET, &other_name, None, &[("referer", &own)]).await;
    assert_eq!(page.status, StatusCode::OK);
    // … and a referrer with only a host makes WeChat Pay go back in history, which the sandbox
    // shows as a result page.
    let page = fetch(Method::GET, &url, None, &[("referer", &world.merchant)]).await;
    assert_eq!(page.status, StatusCode::OK);
    let done = post(&url, &[("action", "agree")]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body.contains("data-result=\"SIGNED\""),
        "{}",
        done.body
    );
    world.callback("ENTRUST.SIGN").await;
}

#[tokio::test]
async fn h5_cashier_pays_or_cancels_and_returns_to_redirect_url_unchanged() {
    let mut world = world().await;
    let h5_url = world.h5_order("O-h5-page", "会员月卡", 1234).await;
    let back = format!("{}h5/done?order=O-h5-page&from=h5", world.merchant);
    let url = format!(
        "{h5_url}&redirect_url={}",
        percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC)
    );
    let page = get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for shown in ["¥12.34", "会员月卡", "O-h5-page", "立即支付"] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    let cancelled = post(&url, &[("action", "cancel")]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert_eq!(cancelled.location(), back);
    assert_eq!(trade_state(&world, "O-h5-page").await, TradeState::Notpay);
    world.no_callback().await;

    let paid = post(&url, &[("action", "pay")]).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    assert_eq!(
        paid.location(),
        back,
        "WeChat Pay appends nothing to redirect_url"
    );
    let notification = world.callback("TRANSACTION.SUCCESS").await;
    let Event::Transaction(payment) = notification.resource else {
        panic!("not a payment");
    };
    assert_eq!(payment.out_trade_no.as_deref(), Some("O-h5-page"));
    assert_eq!(trade_state(&world, "O-h5-page").await, TradeState::Success);
    let again = post(&url, &[("action", "pay")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("订单已支付"), "{}", again.body);
    assert_eq!(world.sandbox.charges().len(), 1, "paid once");

    // The package belongs to the prepay_id: another one is not this order's link.
    let forged = h5_url.replace(
        &format!("package={}", query_value(&h5_url, "package")),
        "package=1",
    );
    assert_eq!(get(&forged).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn native_code_page_shows_the_code_and_pays() {
    let mut world = world().await;
    let code_url = world.native_order("O-native-page", 88).await;
    let page = get(&code_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg id=\"qr\""), "{}", page.body);
    assert!(page.body.contains(&code_url.replace('&', "&amp;")));
    assert!(page.body.contains("¥0.88"));
    let paid = post(&code_url, &[("action", "pay")]).await;
    assert_eq!(paid.status, StatusCode::OK);
    assert!(
        paid.body.contains("data-result=\"SUCCESS\""),
        "{}",
        paid.body
    );
    world.callback("TRANSACTION.SUCCESS").await;
    assert_eq!(get(&code_url).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn jsapi_stand_in_checks_pay_sign_as_the_wechat_client_does() {
    let mut world = world().await;
    let prepay_id = world.jsapi_order("O-jsapi-page", 100).await;
    let back = format!("{}pay/result", world.merchant);
    let params = world.client.jsapi_pay_params(APPID, &prepay_id).unwrap();

    let mut forged = params.clone();
    forged.pay_sign = base64::engine::general_purpose::STANDARD.encode([7u8; 256]);
    let forged_url = world.jsapi_page(&forged, &back);
    let refused = get(&forged_url).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("requestPayment:fail invalid paySign"),
        "{}",
        refused.body
    );
    let refused = post(&forged_url, &[("action", "pay")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // The page's form posts its fields to its own address, query included: each is carried once.
    let resent = post(
        &forged_url,
        &[
            ("paySign", &forged.pay_sign),
            ("appId", APPID),
            ("action", "pay"),
        ],
    )
    .await;
    assert_eq!(resent.status, StatusCode::BAD_REQUEST);
    for name in ["paySign", "appId", "package", "return"] {
        assert_eq!(
            resent.body.matches(&format!("name=\"{name}\"")).count(),
            1,
            "{name}: {}",
            resent.body
        );
    }
    let closed = post(&forged_url, &[("action", "close")]).await;
    assert_eq!(
        closed.location(),
        format!("{back}?errMsg=requestPayment%3Afail%20invalid%20paySign")
    );
    // Signed for another app: the signature no longer holds either.
    let mut other_app = params.clone();
    other_app.app_id = "wx0000000000000000".into();
    assert_eq!(
        get(&world.jsapi_page(&other_app, &back)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert!(world.sandbox.charges().is_empty());
    world.no_callback().await;

    let url = world.jsapi_page(&params, &back);
    let page = get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("¥1.00"));
    let cancelled = post(&url, &[("action", "cancel")]).await;
    assert_eq!(
        cancelled.location(),
        format!("{back}?errMsg=requestPayment%3Afail%20cancel")
    );
    let paid = post(&url, &[("action", "pay")]).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    assert_eq!(
        paid.location(),
        format!("{back}?errMsg=requestPayment%3Aok")
    );
    world.callback("TRANSACTION.SUCCESS").await;
    let again = post(&url, &[("action", "pay")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("requestPayment:fail order paid"),
        "{}",
        again.body
    );
    assert_eq!(world.sandbox.charges().len(), 1);
}

#[tokio::test]
async fn transfer_confirmation_receives_and_merchant_cancel_cancels() {
    let mut world = world().await;
    let created = world.transfer("T-page-1", 150).await;
    let package = created.package_info.clone().expect("package_info");
    assert_eq!(
        serde_json::to_value(&created.state).unwrap_or_default(),
        serde_json::json!("WAIT_USER_CONFIRM")
    );
    // A retry gets the same bill.
    assert_eq!(
        world.transfer("T-page-1", 150).await.transfer_bill_no,
        created.transfer_bill_no
    );
    let back = format!("{}transfer/result", world.merchant);
    let url = world.transfer_page(&package, &back);
    let page = get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for shown in ["确认收款", "¥1.50", "现金奖励", "新会员开通有礼"] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    let wrong_app = url.replace(APPID, "wx0000000000000000");
    let refused = get(&wrong_app).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("requestMerchantTransfer:fail appId mismatch")
    );

    let cancelled = post(&url, &[("action", "cancel")]).await;
    assert_eq!(
        cancelled.location(),
        format!("{back}?errMsg=requestMerchantTransfer%3Afail%20cancel")
    );
    world.no_callback().await;
    let confirmed = post(&url, &[("action", "confirm")]).await;
    assert_eq!(
        confirmed.location(),
        format!("{back}?errMsg=requestMerchantTransfer%3Aok")
    );
    let notification = world.callback("MCHTRANSFER.BILL.FINISHED").await;
    let Event::TransferBill(bill) = notification.resource else {
        panic!("not a transfer: {:?}", notification.resource);
    };
    assert_eq!(bill.out_bill_no.as_deref(), Some("T-page-1"));
    assert_eq!(
        bill.state.as_ref().map(|state| state.as_str()),
        Some("SUCCESS")
    );
    assert_eq!(bill.transfer_amount, Some(150));
    let bill = world
        .client
        .send(&GetTransferBillByOutNo {
            out_bill_no: "T-page-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&bill.state).unwrap_or_default(),
        serde_json::json!("SUCCESS")
    );
    assert_eq!(get(&url).await.status, StatusCode::CONFLICT);

    // The merchant cancels a bill before the user confirms it.
    let second = world.transfer("T-page-2", 99).await;
    let cancel = world
        .client
        .send(&CancelTransfer {
            out_bill_no: "T-page-2".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&cancel.state).unwrap_or_default(),
        serde_json::json!("CANCELING")
    );
    let notification = world.callback("MCHTRANSFER.BILL.FINISHED").await;
    let Event::TransferBill(bill) = notification.resource else {
        panic!("not a transfer");
    };
    assert_eq!(
        bill.state.as_ref().map(|state| state.as_str()),
        Some("CANCELLED")
    );
    let gone = get(&world.transfer_page(&second.package_info.unwrap(), &back)).await;
    assert_eq!(gone.status, StatusCode::GONE);
}

#[tokio::test]
async fn unknown_and_malformed_links_get_a_page_saying_so_and_change_nothing() {
    let mut world = world().await;
    let base = world.sandbox.base_url();
    let code_url = world.native_order("O-untouched", 1).await;
    let cases = [
        (
            format!("{base}sandbox/papay/entrustweb?pre_entrustweb_id=PREnothing"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{base}sandbox/papay/entrustweb"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("{base}sandbox/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=2"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{base}sandbox/wxpay/bizpayurl?pr=0000"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{base}sandbox/jsapi/requestPayment?appId={APPID}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            world.transfer_page("bm90IGEgcGFja2FnZQ==", &world.merchant),
            StatusCode::NOT_FOUND,
        ),
        (
            format!(
                "{base}sandbox/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=2&redirect_url=javascript%3Aalert(1)"
            ),
            StatusCode::BAD_REQUEST,
        ),
        (format!("{base}sandbox/nothing/here"), StatusCode::NOT_FOUND),
        (
            // Not UTF-8: decoded lossily, an id no pre-sign has.
            format!("{base}sandbox/papay/entrustweb?pre_entrustweb_id=%FF%FE"),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (url, status) in &cases {
        for answer in [
            get(url).await,
            post(url, &[("action", "agree"), ("action", "pay")]).await,
        ] {
            assert_eq!(answer.status, *status, "{url}: {}", answer.body);
            assert!(is_html(&answer), "{url}");
            assert!(
                answer.body.contains("id=\"problem\""),
                "{url}: {}",
                answer.body
            );
        }
    }
    let put = fetch(Method::PUT, &code_url, None, &[]).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    let junk = fetch(Method::POST, &code_url, Some(&[("action", "launch")]), &[]).await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    assert!(world.sandbox.charges().is_empty());
    assert_eq!(trade_state(&world, "O-untouched").await, TradeState::Notpay);
    world.no_callback().await;
}

#[tokio::test]
async fn pages_escape_what_merchants_and_users_wrote() {
    let world = world_from(Sandbox::builder().merchant_name("<script>alert('m')</script>")).await;
    let answer = world
        .pre_sign("C-esc", "\"><img src=x onerror=alert(1)>", None)
        .await;
    let sign = get(&answer.redirect_url.unwrap()).await.body;
    let h5 = get(&world.h5_order("O-esc", "<b>蛋糕</b> & 'tea'", 1).await)
        .await
        .body;
    for body in [&sign, &h5] {
        assert!(!body.contains("<script"), "{body}");
        assert!(!body.contains("<img"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
        assert!(
            body.contains("&lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt;"),
            "{body}"
        );
    }
    assert!(
        sign.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{sign}"
    );
    assert!(
        h5.contains("&lt;b&gt;蛋糕&lt;/b&gt; &amp; &#39;tea&#39;"),
        "{h5}"
    );
    // What came in the link is escaped too.
    let echoed = get(&format!(
        "{}sandbox/papay/entrustweb?pre_entrustweb_id=%3Cscript%3Ex",
        world.sandbox.base_url()
    ))
    .await;
    assert!(!echoed.body.contains("<script"), "{}", echoed.body);
}

/// Every `src`, `href`, `action` or CSS `url(` of a page: none may point elsewhere.
fn references(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=", "href=", "action=", "url("] {
        let mut rest = body;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let value: String = rest
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | ' ' | '>'))
                .collect();
            found.push(value);
        }
    }
    found
}

#[tokio::test]
async fn no_page_references_anything_elsewhere() {
    let world = world().await;
    let mut bodies = Vec::new();
    let sign = world
        .pre_sign("C-ext", "会员", None)
        .await
        .redirect_url
        .unwrap();
    bodies.push(get(&sign).await);
    bodies.push(post(&sign, &[("action", "agree")]).await);
    bodies.push(get(&sign).await);
    let h5 = world.h5_order("O-ext-h5", "商品", 1).await;
    bodies.push(get(&h5).await);
    bodies.push(post(&h5, &[("action", "cancel")]).await);
    let native = world.native_order("O-ext-native", 1).await;
    bodies.push(get(&native).await);
    bodies.push(post(&native, &[("action", "pay")]).await);
    let prepay_id = world.jsapi_order("O-ext-jsapi", 1).await;
    let mut params = world.client.jsapi_pay_params(APPID, &prepay_id).unwrap();
    let back = format!("{}back", world.merchant);
    bodies.push(get(&world.jsapi_page(&params, &back)).await);
    params.nonce_str.push('x');
    bodies.push(get(&world.jsapi_page(&params, &back)).await);
    let transfer = world.transfer("T-ext", 1).await;
    bodies.push(get(&world.transfer_page(&transfer.package_info.unwrap(), &back)).await);
    bodies.push(get(&format!("{}sandbox/x", world.sandbox.base_url())).await);
    for answer in &bodies {
        assert!(is_html(answer), "{}", answer.body);
        let csp = answer
            .headers
            .get(http::header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        for tag in ["<script", "<link", "<img", "<iframe", "<object", "@import"] {
            assert!(!answer.body.contains(tag), "{tag} in {}", answer.body);
        }
        for reference in references(&answer.body) {
            assert!(
                !reference.starts_with("http:")
                    && !reference.starts_with("https:")
                    && !reference.starts_with("//"),
                "a page points elsewhere: {reference}"
            );
        }
    }
    assert!(bodies.len() >= 11);
}

#[tokio::test]
async fn pages_follow_a_configured_base_url() {
    let world =
        world_from(Sandbox::builder().pages_base_url("https://pay.sandbox.test:8443")).await;
    let url = world
        .pre_sign("C-base", "会员", None)
        .await
        .redirect_url
        .unwrap();
    assert!(
        url.starts_with(
            "https://pay.sandbox.test:8443/sandbox/papay/entrustweb?pre_entrustweb_id="
        ),
        "{url}"
    );
    // The same page, reached at the sandbox's own address.
    let local = format!(
        "{}sandbox/papay/entrustweb?pre_entrustweb_id={}",
        world.sandbox.base_url(),
        pre_sign_id(&url)
    );
    assert_eq!(get(&local).await.status, StatusCode::OK);
}
