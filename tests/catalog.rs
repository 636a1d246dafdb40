//! The endpoint catalog against WeChat Pay's documented samples: each request renders to the
//! documented target and body, and each documented answer decodes and re-encodes to the same JSON.
//!
//! The samples live in `tests/data/<endpoint>.json` as `{source, target, request, response}`;
//! `source` says where each one comes from. Where no complete sample is published, the sample is
//! assembled from the documented per-field examples, and its `source` says so.

use serde::Serialize;
use serde_json::Value;
use wechatpay::Endpoint;
use wechatpay::endpoint::RenderedRequest;
use wechatpay::v3::papay::{
    AppContractInfo, AppPrepayWithContract, ApplyDeduction, ApplyHarmonyDeduction, Contract,
    DeductAmount, DeductDuration, DurationUnit, EstimatedAmount, JsapiContractInfo,
    JsapiPrepayWithContract, JumpControl, NotifyDeductionRetry, NotifyPreDeduction, QueryContract,
    QueryDeductionSchedule, QueryHarmonyContract, ScheduleDeduction, ScheduledDeductPreSignApp,
    ScheduledDeductPreSignH5, ScheduledDeductPreSignJsapi, ScheduledDeductPreSignMiniProgram,
    ScheduledDeductSign, SignDeductSchedule, TerminateContract,
};
use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};
use wechatpay::v3::pay::{
    AppPrepay, CloseOrder, GoodsDetail, H5Info, H5Prepay, H5SceneInfo, JsapiPrepay, NativePrepay,
    Order, OrderAmount, OrderDetail, Payer, QueryOrderById, QueryOrderByOutTradeNo, SceneInfo,
    SettleInfo, StoreInfo,
};
use wechatpay::v3::refund::{
    CreateRefund, QueryByOutRefundNo, RefundFrom, RefundFromAccount, RefundFundsSource,
    RefundGoodsDetail, RefundRequestAmount,
};

fn sample(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Checks the request against the sample's `target` and `request` (no body when `null`), and the
/// sample's `response` against the endpoint's answer type (`null`: the endpoint answers 204).
fn check<E>(name: &str, request: &E)
where
    E: Endpoint,
    E::Response: Serialize,
{
    let sample = sample(name);
    let rendered = RenderedRequest::new(request).unwrap();
    assert_eq!(
        rendered.target(),
        sample["target"].as_str().unwrap(),
        "{name}: target"
    );
    match rendered.body() {
        Some(body) => {
            let body: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(body, sample["request"], "{name}: request body");
        }
        None => assert!(sample["request"].is_null(), "{name}: a body was expected"),
    }

    let expected = &sample["response"];
    let decoded: E::Response = serde_json::from_value(expected.clone())
        .unwrap_or_else(|e| panic!("{name}: the documented answer does not decode: {e}"));
    assert_eq!(
        &serde_json::to_value(&decoded).unwrap(),
        expected,
        "{name}: answer round trip"
    );
}

/// For endpoints that answer `204 No Content`: the answer type is `()`.
fn answers_no_content<E: Endpoint<Response = ()>>(_: &E) {}

fn cny(total: u64) -> DeductAmount {
    DeductAmount {
        total,
        currency: Some("CNY".into()),
    }
}

// ---------------------------------------------------------------------------------------------
// papay

fn seed_pre_sign() -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: SignScene::App,
        appid: "wxd678efh567hg6787".into(),
        openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
        plan_id: 12535,
        out_contract_code: "wxwtdk20200910100000".into(),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
        out_user_code: "用户A".into(),
        return_url: Some("https://yourapp.com/notify".into()),
        device_info: DeviceInfo {
            device_type: DeviceType::Unknow,
            device_os: "example_device_os".into(),
            device_id: "example_device_id".into(),
            device_running_as_root: true,
            device_ip: "example_device_ip".into(),
            weixin_installed: true,
            weixin_version: "example_weixin_version".into(),
            days_since_first_login: DaysSinceFirstLogin::Unknow,
        },
    }
}

#[test]
fn pre_entrust_sign() {
    check("pre_entrust_sign", &seed_pre_sign());
}

#[test]
#[allow(deprecated)]
fn legacy_pre_entrust_sign_renders_the_same_body_at_the_seed_path() {
    let legacy = wechatpay::v3::papay::LegacyPreEntrustSign {
        request: seed_pre_sign(),
    };
    let rendered = RenderedRequest::new(&legacy).unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/papay/entrust-sign/contracts/pre-entrust-sign"
    );
    let body: Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
    assert_eq!(body, sample("pre_entrust_sign")["request"]);
}

#[test]
fn query_contract() {
    check(
        "query_contract",
        &QueryContract {
            plan_id: 12535,
            out_contract_code: "wxwtdk20200910100000".into(),
        },
    );
}

#[test]
fn terminate_contract() {
    check(
        "terminate_contract",
        &TerminateContract {
            plan_id: 12535,
            out_contract_code: "wxwtdk20200910100000".into(),
            contract_termination_remark: "用户解约".into(),
        },
    );
    // A `204 No Content` answer decodes as JSON `null`: `None`, not an error.
    let none: Option<Contract> = serde_json::from_value(Value::Null).unwrap();
    assert!(none.is_none());
}

#[test]
fn query_harmony_contract() {
    check(
        "query_harmony_contract",
        &QueryHarmonyContract {
            plan_id: 12535,
            out_contract_code: "wxwtdk20200910100000".into(),
        },
    );
}

#[test]
fn apply_harmony_deduction() {
    check(
        "apply_harmony_deduction",
        &ApplyHarmonyDeduction {
            appid: "wxd678efh567hg6787".into(),
            out_trade_no: "1217752501201407033233368018".into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            transaction_notify_url: "https://www.qq.com/".into(),
            contract_id: "123124412412423431".into(),
            amount: cny(1),
            goods_tag: Some("DISCOUNTS".into()),
            attach: Some("自定义数据".into()),
            harmony_account_id: "example_harmony_account_id".into(),
            mcc: Some("5734".into()),
        },
    );
}

fn scheduled_deduct_sign() -> ScheduledDeductSign {
    ScheduledDeductSign {
        appid: "wxd678efh567hg6787".into(),
        openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
        plan_id: 12535,
        out_contract_code: "wxwtdk20200910100000".into(),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
        out_user_code: Some("用户A".into()),
        deduct_schedule: Some(SignDeductSchedule {
            estimated_deduct_date: "2019-11-22".into(),
            estimated_deduct_amount: cny(1),
            description: "小乔-碎云皮肤（微信83区沧海之耀）".into(),
        }),
    }
}

#[test]
fn scheduled_deduct_pre_sign_app() {
    check(
        "scheduled_deduct_pre_sign_app",
        &ScheduledDeductPreSignApp {
            sign: scheduled_deduct_sign(),
        },
    );
}

#[test]
fn scheduled_deduct_pre_sign_h5() {
    check(
        "scheduled_deduct_pre_sign_h5",
        &ScheduledDeductPreSignH5 {
            sign: scheduled_deduct_sign(),
            jump_control: Some(JumpControl {
                jump_appid: Some("wxd678efh567hg6787".into()),
            }),
        },
    );
}

#[test]
fn scheduled_deduct_pre_sign_jsapi() {
    check(
        "scheduled_deduct_pre_sign_jsapi",
        &ScheduledDeductPreSignJsapi {
            sign: scheduled_deduct_sign(),
        },
    );
}

#[test]
fn scheduled_deduct_pre_sign_mini_program() {
    check(
        "scheduled_deduct_pre_sign_mini_program",
        &ScheduledDeductPreSignMiniProgram {
            sign: scheduled_deduct_sign(),
        },
    );
}

#[test]
fn schedule_deduction() {
    check(
        "schedule_deduction",
        &ScheduleDeduction {
            contract_id: "123124412412423431".into(),
            appid: "wxd678efh567hg6787".into(),
            schedule_amount: cny(1),
        },
    );
}

#[test]
fn query_deduction_schedule() {
    check(
        "query_deduction_schedule",
        &QueryDeductionSchedule {
            contract_id: "123124412412423431".into(),
        },
    );
}

#[test]
fn apply_deduction() {
    check(
        "apply_deduction",
        &ApplyDeduction {
            appid: "wxd678efh567hg6787".into(),
            out_trade_no: "1217752501201407033233368018".into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            transaction_notify_url: "https://www.qq.com/".into(),
            contract_id: "123124412412423431".into(),
            amount: cny(1),
            goods_tag: Some("DISCOUNTS".into()),
            attach: Some("自定义数据".into()),
        },
    );
}

#[test]
fn notify_pre_deduction() {
    let request = NotifyPreDeduction {
        contract_id: "123124412412423431".into(),
        mchid: "1230000109".into(),
        appid: "wxd678efh567hg6787".into(),
        deduct_duration: Some(DeductDuration {
            count: 1,
            unit: Some(DurationUnit::Day),
        }),
        estimated_amount: EstimatedAmount {
            amount: 1,
            currency: Some("CNY".into()),
        },
    };
    answers_no_content(&request);
    check("notify_pre_deduction", &request);
    // The notice names the figure `amount`, never `total`.
    let body: Value =
        serde_json::from_slice(RenderedRequest::new(&request).unwrap().body().unwrap()).unwrap();
    assert!(body["estimated_amount"].get("total").is_none());
}

#[test]
fn notify_deduction_retry() {
    let request = NotifyDeductionRetry {
        contract_id: "123124412412423431".into(),
        mchid: "1230000109".into(),
        appid: "wxd678efh567hg6787".into(),
    };
    answers_no_content(&request);
    check("notify_deduction_retry", &request);
}

// ---------------------------------------------------------------------------------------------
// payments

fn order() -> Order {
    Order {
        appid: "wxd678efh567hg6787".into(),
        mchid: "1230000109".into(),
        description: "Image形象店-深圳腾大-QQ公仔".into(),
        out_trade_no: "1217752501201407033233368018".into(),
        time_expire: Some("2018-06-08T10:34:56+08:00".into()),
        attach: Some("自定义数据说明".into()),
        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
        goods_tag: Some("WXG".into()),
        limit_pay: None,
        support_fapiao: Some(false),
        amount: OrderAmount {
            total: 100,
            currency: Some("CNY".into()),
        },
        detail: Some(OrderDetail {
            cost_price: Some(608800),
            invoice_id: Some("微信123".into()),
            goods_detail: Some(vec![GoodsDetail {
                merchant_goods_id: "1246464644".into(),
                wechatpay_goods_id: Some("1001".into()),
                goods_name: Some("iPhoneX 256G".into()),
                quantity: 1,
                unit_price: 528800,
            }]),
        }),
        settle_info: Some(SettleInfo {
            profit_sharing: Some(false),
        }),
    }
}

fn store_info() -> StoreInfo {
    StoreInfo {
        id: "0001".into(),
        name: Some("腾讯大厦分店".into()),
        area_code: Some("440305".into()),
        address: Some("广东省深圳市南山区科技中一道10000号".into()),
    }
}

fn scene_info() -> SceneInfo {
    SceneInfo {
        payer_client_ip: "14.23.150.211".into(),
        device_id: Some("013467007045764".into()),
        store_info: Some(store_info()),
    }
}

fn payer() -> Payer {
    Payer {
        openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        identity: None,
    }
}

#[test]
fn jsapi_prepay_with_contract() {
    check(
        "jsapi_prepay_with_contract",
        &JsapiPrepayWithContract {
            order: order(),
            payer: payer(),
            scene_info: Some(scene_info()),
            contract_info: JsapiContractInfo {
                plan_id: Some("3484306348".into()),
                contract_mchid: Some("1200009811".into()),
                contract_appid: Some("wxcbda96de0b165486".into()),
                contract_code: Some("100001256".into()),
                request_serial: Some("1695".into()),
                contract_display_account: Some("123456".into()),
                contract_notify_url: Some("https://yoursite.com".into()),
                ..JsapiContractInfo::default()
            },
        },
    );
}

#[test]
fn app_prepay_with_contract() {
    check(
        "app_prepay_with_contract",
        &AppPrepayWithContract {
            order: order(),
            scene_info: Some(scene_info()),
            contract_info: AppContractInfo {
                plan_id: "3484306348".into(),
                contract_mchid: "1200009811".into(),
                contract_appid: "wxcbda96de0b165486".into(),
                contract_code: "100001256".into(),
                request_serial: "1695".into(),
                contract_display_account: "123456".into(),
                contract_notify_url: Some("https://yoursite.com".into()),
            },
        },
    );
}

#[test]
fn jsapi_prepay() {
    check(
        "jsapi_prepay",
        &JsapiPrepay {
            order: order(),
            payer: payer(),
            scene_info: Some(scene_info()),
            subsidy_info: None,
        },
    );
}

#[test]
fn app_prepay() {
    check(
        "app_prepay",
        &AppPrepay {
            order: order(),
            scene_info: Some(scene_info()),
            subsidy_info: None,
        },
    );
}

#[test]
fn h5_prepay() {
    check(
        "h5_prepay",
        &H5Prepay {
            order: order(),
            scene_info: H5SceneInfo {
                payer_client_ip: "14.23.150.211".into(),
                device_id: Some("013467007045764".into()),
                store_info: Some(store_info()),
                h5_info: H5Info {
                    kind: "iOS".into(),
                    app_name: Some("王者荣耀".into()),
                    app_url: Some("https://pay.qq.com".into()),
                    bundle_id: Some("com.tencent.wzryiOS".into()),
                    package_name: Some("com.tencent.tmgp.sgame".into()),
                },
            },
        },
    );
}

#[test]
fn native_prepay() {
    check(
        "native_prepay",
        &NativePrepay {
            order: order(),
            scene_info: Some(scene_info()),
        },
    );
}

#[test]
fn query_transaction_by_id() {
    check(
        "query_transaction_by_id",
        &QueryOrderById {
            transaction_id: "4200000891202103228088184743".into(),
            mchid: "1900006XXX".into(),
        },
    );
}

#[test]
fn query_transaction_by_out_trade_no() {
    check(
        "query_transaction_by_out_trade_no",
        &QueryOrderByOutTradeNo {
            out_trade_no: "44_2126281063_5504".into(),
            mchid: "1900006XXX".into(),
        },
    );
}

#[test]
fn close_transaction() {
    let request = CloseOrder {
        out_trade_no: "1217752501201407033233368018".into(),
        mchid: "1230000109".into(),
    };
    answers_no_content(&request);
    check("close_transaction", &request);
}

// ---------------------------------------------------------------------------------------------
// refunds

#[test]
fn create_refund() {
    check(
        "create_refund",
        &CreateRefund {
            transaction_id: Some("1217752501201407033233368018".into()),
            out_trade_no: Some("1217752501201407033233368018".into()),
            out_refund_no: "1217752501201407033233368018".into(),
            reason: Some("商品已售完".into()),
            notify_url: Some("https://weixin.qq.com".into()),
            funds_account: Some(RefundFundsSource::Available),
            amount: RefundRequestAmount {
                refund: 888,
                from: Some(vec![RefundFrom {
                    account: RefundFromAccount::Available,
                    amount: 444,
                }]),
                total: 888,
                currency: "CNY".into(),
            },
            goods_detail: Some(vec![RefundGoodsDetail {
                merchant_goods_id: "1217752501201407033233368018".into(),
                wechatpay_goods_id: Some("1001".into()),
                goods_name: Some("iPhone6s 16G".into()),
                unit_price: 528800,
                refund_amount: 528800,
                refund_quantity: 1,
            }]),
        },
    );
}

#[test]
fn query_refund() {
    check(
        "query_refund",
        &QueryByOutRefundNo {
            out_refund_no: "1217752501201407033233368018".into(),
        },
    );
}

#[test]
fn a_papay_deduction_queries_as_a_transaction() {
    // A deduction applied against a contract and not yet charged: trade type PAP, state ACCEPT.
    let answer = serde_json::json!({
        "appid": "wxd678efh567hg6787",
        "mchid": "1230000109",
        "out_trade_no": "1217752501201407033233368018",
        "transaction_id": "1217752501201407033233368018",
        "trade_type": "PAP",
        "trade_state": "ACCEPT",
        "trade_state_desc": "已接收，等待扣款",
        "amount": { "total": 100, "currency": "CNY" }
    });
    let transaction: wechatpay::v3::pay::Transaction =
        serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(
        transaction.trade_type,
        Some(wechatpay::v3::pay::TradeType::Pap)
    );
    assert_eq!(
        transaction.trade_state,
        wechatpay::v3::pay::TradeState::Accept
    );
    assert_eq!(serde_json::to_value(&transaction).unwrap(), answer);
}
