//! Every front-end parameter set, from an order, service order, transfer bill or pre-sign made
//! against the sandbox over HTTP, held by `paysign::check`; and each kind of mistake named.

use http::Method;
use serde_json::{Value, json};
use wechatpay::paysign::check::{Expected, ParamsKind, Problem, check};
use wechatpay::paysign::{
    MerchantTransferParams, PapaySignPage, PayscoreConfirmParams, PayscoreDetailParams,
};
use wechatpay::v3::papay::{
    DeductSchedule, PreEntrustSign, ScheduledAmount, ScheduledDeductPreSignApp,
    ScheduledDeductPreSignMiniProgram, SignScene,
};
use wechatpay::v3::pay::{Amount, AppPrepay, JsapiPrepay, Payer};
use wechatpay::{ApiV2Key, Client, MerchantKey, PublicKey};
use wechatpay_sandbox::Sandbox;

mod common;

const APPID: &str = "wxd678efh567hg6787";

struct World {
    sandbox: Sandbox,
    client: Client,
    merchant_public: PublicKey,
    apiv2_key: ApiV2Key,
}

async fn world() -> World {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-paysign-sets-{}-{}",
        std::process::id(),
        sandbox.addr().port()
    ));
    let env = sandbox.write_env(&dir).unwrap();
    let key_path = &env
        .iter()
        .find(|(k, _)| k == "WECHATPAY_MERCHANT_PRIVATE_KEY")
        .unwrap()
        .1;
    let merchant_public = MerchantKey::from_pem_file(key_path).unwrap().public_key();
    let apiv2_key = ApiV2Key::new(sandbox.apiv2_key()).unwrap();
    World {
        sandbox,
        client,
        merchant_public,
        apiv2_key,
    }
}

impl World {
    fn expected(&self) -> Expected<'_> {
        Expected {
            appid: Some(APPID),
            mchid: Some(self.sandbox.mchid()),
            merchant_key: Some(&self.merchant_public),
            apiv2_key: Some(&self.apiv2_key),
        }
    }

    async fn jsapi_prepay_id(&self, out_trade_no: &str) -> String {
        self.client
            .send(&JsapiPrepay {
                appid: APPID.into(),
                mchid: self.sandbox.mchid().into(),
                description: "Image形象店-深圳腾大-QQ公仔".into(),
                attach: None,
                out_trade_no: out_trade_no.into(),
                amount: hundred_fen(),
                time_expire: None,
                notify_url: "https://yourapp.com/notify".into(),
                goods_tag: None,
                limit_pay: None,
                support_fapiao: None,
                detail: None,
                scene_info: None,
                payer: Payer {
                    openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
                    identity: None,
                },
                settle_info: None,
                subsidy_info: None,
            })
            .await
            .unwrap()
            .prepay_id
            .expect("the JSAPI prepay answer carries prepay_id")
    }
}

/// 1.00 CNY, the amount of every order here.
fn hundred_fen() -> Amount {
    Amount {
        total: 100,
        currency: Some("CNY".into()),
    }
}

/// A scheduled-deduction pre-sign request of type `$request` (the app and mini-program ones share
/// their fields) for the contract `$code`.
macro_rules! scheduled_sign {
    ($request:ident, $code:expr) => {
        $request {
            appid: APPID.into(),
            openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
            plan_id: 12535,
            out_contract_code: $code.into(),
            contract_display_account: "会员 1001".into(),
            contract_notify_url: "https://yourapp.com/notify".into(),
            out_user_code: None,
            deduct_schedule: Some(DeductSchedule {
                estimated_deduct_date: "2026-12-01".into(),
                estimated_deduct_amount: ScheduledAmount {
                    total: 2500,
                    currency: Some("CNY".into()),
                },
                description: "12月会员费".into(),
            }),
        }
    };
}

#[tokio::test]
async fn jsapi_mini_program_and_app_sets_of_a_sandbox_prepay_hold() {
    let world = world().await;
    let expected = world.expected();
    let prepay_id = world.jsapi_prepay_id("PS-jsapi").await;

    let jsapi = world.client.jsapi_pay_params(APPID, &prepay_id).unwrap();
    let jsapi = serde_json::to_value(&jsapi).unwrap();
    assert_eq!(check(&jsapi, ParamsKind::Jsapi, &expected), vec![]);
    assert_eq!(ParamsKind::detect(&jsapi), Some(ParamsKind::Jsapi));

    let mini = world
        .client
        .mini_program_pay_params(APPID, &prepay_id)
        .unwrap();
    let mini = serde_json::to_value(&mini).unwrap();
    assert!(
        mini.get("appId").is_none(),
        "wx.requestPayment takes no appId"
    );
    assert_eq!(mini["package"], format!("prepay_id={prepay_id}"));
    assert_eq!(check(&mini, ParamsKind::MiniProgram, &expected), vec![]);
    assert_eq!(ParamsKind::detect(&mini), Some(ParamsKind::MiniProgram));
    // Its signature covers the AppID: another one does not verify, none cannot be checked.
    let other = Expected {
        appid: Some("wx0000000000000000"),
        ..expected
    };
    assert!(matches!(
        check(&mini, ParamsKind::MiniProgram, &other).as_slice(),
        [Problem::BadSignature { key: "paySign", .. }]
    ));
    let unknown = Expected {
        appid: None,
        ..expected
    };
    assert!(matches!(
        check(&mini, ParamsKind::MiniProgram, &unknown).as_slice(),
        [Problem::SignatureNotChecked { .. }]
    ));

    let app_prepay_id = world
        .client
        .send(&AppPrepay {
            appid: APPID.into(),
            mchid: world.sandbox.mchid().into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            attach: None,
            out_trade_no: "PS-app".into(),
            amount: hundred_fen(),
            time_expire: None,
            notify_url: "https://yourapp.com/notify".into(),
            goods_tag: None,
            limit_pay: None,
            support_fapiao: None,
            detail: None,
            scene_info: None,
            payer: None,
            settle_info: None,
            subsidy_info: None,
        })
        .await
        .unwrap()
        .prepay_id
        .expect("the App prepay answer carries prepay_id");
    let app = world.client.app_pay_params(APPID, &app_prepay_id).unwrap();
    let app = serde_json::to_value(&app).unwrap();
    assert_eq!(check(&app, ParamsKind::App, &expected), vec![]);
    assert_eq!(ParamsKind::detect(&app), Some(ParamsKind::App));
}

#[tokio::test]
async fn payscore_sets_of_a_sandbox_service_order_hold() {
    let world = world().await;
    let expected = world.expected();
    let answer = world
        .client
        .request(Method::POST, "v3/payscore/serviceorder")
        .json(&json!({
            "out_order_no": "PS-1001",
            "appid": APPID,
            "service_id": "2002000000000558128851361561536",
            "service_introduction": "某某酒店",
            "time_range": {"start_time": "20091225091010"},
            "risk_fund": {"name": "DEPOSIT", "amount": 10000},
            "notify_url": "https://yourapp.com/notify",
        }))
        .send()
        .await
        .unwrap();
    let answer: Value = answer.json().unwrap();
    let package = answer["package"].as_str().expect("the answer's package");

    let confirm = world.client.payscore_confirm_params(package).unwrap();
    assert_eq!(confirm.package, package);
    assert_eq!(confirm.mch_id, world.sandbox.mchid());
    let value = serde_json::to_value(&confirm).unwrap();
    assert_eq!(
        check(&value, ParamsKind::PayscoreConfirm, &expected),
        vec![]
    );
    assert_eq!(
        ParamsKind::detect(&value),
        Some(ParamsKind::PayscoreConfirm)
    );
    // The same set with the sandbox's APIv2 key, by hand: the sign is the v2 HMAC-SHA256.
    let again = PayscoreConfirmParams::signed_with(
        world.sandbox.mchid(),
        package,
        &world.apiv2_key,
        confirm.timestamp.parse().unwrap(),
        &confirm.nonce_str,
    );
    assert_eq!(again, confirm);
    assert!(
        confirm
            .query_string()
            .contains("&sign_type=HMAC-SHA256&sign=")
    );

    let detail = world
        .client
        .payscore_detail_params("2002000000000558128851361561536", "PS-1001")
        .unwrap();
    let value = serde_json::to_value(&detail).unwrap();
    assert_eq!(check(&value, ParamsKind::PayscoreDetail, &expected), vec![]);
    assert_eq!(ParamsKind::detect(&value), Some(ParamsKind::PayscoreDetail));
    let other_key = ApiV2Key::new("0123456789abcdef0123456789abcdef").unwrap();
    let forged = PayscoreDetailParams::signed_with(
        world.sandbox.mchid(),
        "2002000000000558128851361561536",
        "PS-1001",
        &other_key,
        1_530_097_563,
        "zyx53Nkey8o4bHpxTQvd8m7e92nG5mG2",
    );
    let problems = check(
        &serde_json::to_value(&forged).unwrap(),
        ParamsKind::PayscoreDetail,
        &expected,
    );
    assert!(
        matches!(problems.as_slice(), [Problem::BadSignature { key: "sign", message, .. }] if message.contains("out_order_no=PS-1001&service_id=")),
        "{problems:?}"
    );
}

#[tokio::test]
async fn the_merchant_transfer_set_carries_the_bills_package_info() {
    let world = world().await;
    let answer = world
        .client
        .request(Method::POST, "v3/fund-app/mch-transfer/transfer-bills")
        .json(&json!({
            "appid": APPID,
            "out_bill_no": "plfk2020042013",
            "openid": "o-MYE42l80oelYMDE34nYD456Xoy",
            "transfer_amount": 400,
            "transfer_remark": "2020年4月报销",
            "transfer_scene_id": "1000",
            "transfer_scene_report_infos": [{"info_type": "活动名称", "info_content": "注册会员有礼"}],
        }))
        .send()
        .await
        .unwrap();
    let answer: Value = answer.json().unwrap();
    let package_info = answer["package_info"].as_str().expect("package_info");
    let params = world.client.merchant_transfer_params(APPID, package_info);
    assert_eq!(
        params,
        MerchantTransferParams::new(world.sandbox.mchid(), APPID, package_info)
    );
    let value = serde_json::to_value(&params).unwrap();
    assert_eq!(
        value,
        json!({"mchId": world.sandbox.mchid(), "appId": APPID, "package": package_info})
    );
    assert_eq!(
        check(&value, ParamsKind::MerchantTransfer, &world.expected()),
        vec![]
    );
    assert_eq!(
        ParamsKind::detect(&value),
        Some(ParamsKind::MerchantTransfer)
    );
    let query = params.query_string();
    assert!(query.starts_with(&format!(
        "mchId={}&appId={APPID}&package=",
        world.sandbox.mchid()
    )));
    // The package is URL-encoded (Base64's `+`, `/` and `=` padding), as the app SDKs' query
    // needs, and decodes back to the bill's `package_info`.
    let sent = query.rsplit_once("&package=").expect("a package").1;
    assert!(!sent.contains(['+', '/', '=']), "{query}");
    let decoded: String = serde_urlencoded::from_str::<Vec<(String, String)>>(&query)
        .expect("a query string")
        .into_iter()
        .find(|(name, _)| name == "package")
        .expect("a package")
        .1;
    assert_eq!(decoded, package_info, "{query}");
}

#[tokio::test]
async fn papay_pre_sign_answers_give_the_signing_pages() {
    let world = world().await;
    let answer = world
        .client
        .send(&scheduled_sign!(ScheduledDeductPreSignMiniProgram, "PS-mp"))
        .await
        .unwrap();
    let page = PapaySignPage::from_mini_program_answer(&answer);
    let value = serde_json::to_value(&page).unwrap();
    assert_eq!(
        value,
        json!({
            "appId": answer.redirect_appid,
            "path": answer.redirect_path,
            "extraData": {"pre_entrustweb_id": answer.pre_entrustweb_id},
        })
    );

    let answer = world
        .client
        .send(&scheduled_sign!(ScheduledDeductPreSignApp, "PS-app"))
        .await
        .unwrap();
    match PapaySignPage::from_scheduled_app_answer(&answer) {
        Some(PapaySignPage::App {
            user_name,
            path,
            miniprogram_type,
        }) => {
            assert_eq!(Some(&user_name), answer.miniprogram_username.as_ref());
            assert_eq!(Some(&path), answer.miniprogram_path.as_ref());
            assert_eq!(miniprogram_type, 0);
        }
        other => panic!("{other:?} for {answer:?}"),
    }

    let mut request: PreEntrustSign = common::pre_entrust_sign("PS-qr");
    request.sign_scene = SignScene::Qrcode;
    let answer = world.client.send(&request).await.unwrap();
    let page = PapaySignPage::from_pre_entrust_sign_answer(&answer).expect("a page");
    match (&page, &answer.redirect_url, &answer.mini_program_username) {
        (PapaySignPage::Redirect { redirect_url }, Some(url), _) => assert_eq!(redirect_url, url),
        (PapaySignPage::App { user_name, .. }, _, Some(name)) => assert_eq!(user_name, name),
        other => panic!("{other:?}"),
    }
}

/// A sound JSAPI set, and the same set with one mistake at a time: each is named.
#[tokio::test]
async fn each_kind_of_mistake_is_named() {
    let world = world().await;
    let expected = world.expected();
    let prepay_id = world.jsapi_prepay_id("PS-mistakes").await;
    let sound =
        serde_json::to_value(world.client.jsapi_pay_params(APPID, &prepay_id).unwrap()).unwrap();
    let with = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut params = sound.clone();
        change(params.as_object_mut().unwrap());
        check(&params, ParamsKind::Jsapi, &expected)
    };

    // A key spelled `appid` (the app's spelling) instead of `appId`.
    let problems = with(&|p| {
        let appid = p.remove("appId").unwrap();
        p.insert("appid".into(), appid);
    });
    assert_eq!(
        problems,
        vec![Problem::KeyCase {
            found: "appid".into(),
            expected: "appId"
        }]
    );
    assert!(problems[0].to_string().contains("must be spelled `appId`"));

    // An API v2 sign type.
    let problems = with(&|p| {
        p.insert("signType".into(), json!("MD5"));
    });
    assert!(
        matches!(problems.as_slice(), [Problem::WrongSignType { found, expected: "RSA" }] if found == "MD5"),
        "{problems:?}"
    );

    // The bare prepay_id as package: the signature then fails too (it covers package).
    let problems = with(&|p| {
        p.insert("package".into(), json!(prepay_id));
    });
    assert!(
        matches!(problems[0], Problem::WrongPackage { .. }),
        "{problems:?}"
    );
    assert!(
        matches!(problems[1], Problem::BadSignature { .. }),
        "{problems:?}"
    );

    // Milliseconds, and a number instead of a string.
    let problems = with(&|p| {
        p.insert("timeStamp".into(), json!("1414561699000"));
    });
    assert!(
        matches!(problems[0], Problem::TimestampNotSeconds { .. }),
        "{problems:?}"
    );
    assert!(problems[0].to_string().contains("milliseconds"));
    let problems = with(&|p| {
        p.insert("timeStamp".into(), json!(1_414_561_699));
    });
    assert!(
        matches!(problems[0], Problem::NotAString { key: "timeStamp" }),
        "{problems:?}"
    );

    // Another AppID than the order's (and so a signature over other values).
    let problems = with(&|p| {
        p.insert("appId".into(), json!("wx0000000000000000"));
    });
    assert!(
        matches!(problems[0], Problem::AppidMismatch { .. }),
        "{problems:?}"
    );

    // Signed by another key: the set is otherwise sound.
    let other = MerchantKey::generate().unwrap().public_key();
    let problems = check(
        &sound,
        ParamsKind::Jsapi,
        &Expected {
            merchant_key: Some(&other),
            ..expected
        },
    );
    assert!(
        matches!(problems.as_slice(), [Problem::BadSignature { key: "paySign", message, .. }] if message.starts_with(&format!("{APPID}\\n"))),
        "{problems:?}"
    );

    // A missing paySign, a paySign that is not Base64.
    let problems = with(&|p| {
        p.remove("paySign");
    });
    assert_eq!(problems, vec![Problem::Missing { key: "paySign" }]);
    let problems = with(&|p| {
        p.insert("paySign".into(), json!("not base64!"));
    });
    assert!(
        matches!(
            problems.as_slice(),
            [Problem::MalformedSignature { key: "paySign", .. }]
        ),
        "{problems:?}"
    );

    // An app set whose partnerid is another merchant's, and whose package is the prepay id.
    let mut app =
        serde_json::to_value(world.client.app_pay_params(APPID, &prepay_id).unwrap()).unwrap();
    app["partnerid"] = json!("1900000002");
    app["package"] = json!(format!("prepay_id={prepay_id}"));
    let problems = check(&app, ParamsKind::App, &expected);
    assert!(
        matches!(
            problems.as_slice(),
            [
                Problem::MchidMismatch {
                    key: "partnerid",
                    ..
                },
                Problem::WrongPackage { .. }
            ]
        ),
        "{problems:?}"
    );
}
