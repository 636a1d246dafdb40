//! The endpoint catalog against WeChat Pay's documented samples: each request renders to the
//! documented target and body, and each documented answer decodes and re-encodes to the same JSON.
//!
//! The samples live in `tests/data/<endpoint>.json` as `{source, target, request, response}`;
//! `source` says where each one comes from. Where no complete sample is published, the sample is
//! assembled from the documented per-field examples, and its `source` says so.
//!
//! The answer types decode only (no `Serialize`): a documented answer must decode, and every
//! value it holds (each string, number and boolean, enum values by their variant) must be found
//! in the decoded value, so that no documented field is left out by a name the type does not have.

use std::collections::HashMap;
use std::fmt::Debug;

use serde_json::Value;
use wechatpay::Endpoint;
use wechatpay::endpoint::RenderedRequest;
use wechatpay::v3::papay::{
    ApplyDeduction, ApplyHarmonyDeduction, DaysSinceFirstLogin, DeductDuration, DeductDurationUnit,
    DeductSchedule, DeviceInfo, DeviceType, EstimatedAmount, JumpControl, NotifyDeductionRetry,
    NotifyPreDeduction, PreEntrustSign, QueryContract, QueryDeductionSchedule,
    QueryHarmonyContract, ScheduleDeduction, ScheduledAmount, ScheduledDeductPreSignApp,
    ScheduledDeductPreSignH5, ScheduledDeductPreSignJsapi, ScheduledDeductPreSignMiniProgram,
    SignScene, TerminateContract, TerminateContractResponse,
};
use wechatpay::v3::pay::{
    Amount, AppPrepay, AppPrepayWithContract, CloseOrder, ContractInfo, Detail, GoodsDetail,
    H5Info, H5Prepay, JsapiPrepay, JsapiPrepayWithContract, JsapiPrepayWithContractInfo,
    NativePrepay, PartnerSceneInfo, Payer, QueryOrderById, QueryOrderByOutTradeNo, SceneInfo,
    SceneInfoStoreInfo, SettleInfo, StoreInfo, TransactionDetail, TransactionSceneInfo,
};
use wechatpay::v3::refund::{
    CreateRefund, FundsFromItem, GoodsDetail as RefundGoodsDetail, QueryByOutRefundNo,
    RefundAccount, RefundRequestAmount, ReqFundsAccount,
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
    E::Response: Debug,
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
    assert_answer_holds(name, expected, &decoded);
}

/// The tokens of a value's `Debug` text: its string literals (unescaped) and, outside them, its
/// words (identifiers and numbers), each with how often it occurs.
#[derive(Default)]
struct DebugTokens {
    strings: HashMap<String, usize>,
    words: HashMap<String, usize>,
}

impl DebugTokens {
    fn of(text: &str) -> Self {
        let mut tokens = Self::default();
        let mut chars = text.chars().peekable();
        let mut word = String::new();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() || c == '_' || (c == '-' && word.is_empty()) {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                *tokens.words.entry(std::mem::take(&mut word)).or_default() += 1;
            }
            if c != '"' {
                continue;
            }
            let mut literal = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => literal.push('\n'),
                        Some('r') => literal.push('\r'),
                        Some('t') => literal.push('\t'),
                        Some('0') => literal.push('\0'),
                        Some('u') => {
                            let code: String = chars
                                .by_ref()
                                .skip_while(|c| *c == '{')
                                .take_while(|c| *c != '}')
                                .collect();
                            let code = u32::from_str_radix(&code, 16).expect("a \\u{…} escape");
                            literal.push(char::from_u32(code).expect("a char"));
                        }
                        Some(other) => literal.push(other),
                        None => break,
                    },
                    other => literal.push(other),
                }
            }
            *tokens.strings.entry(literal).or_default() += 1;
        }
        if !word.is_empty() {
            *tokens.words.entry(word).or_default() += 1;
        }
        tokens
    }

    /// Takes one occurrence of `token` from `from`, if there is one left.
    fn take(from: &mut HashMap<String, usize>, token: &str) -> bool {
        match from.get_mut(token) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        }
    }

    /// Takes a JSON string: as a string literal, or as the variant of an open enum (`NOTPAY` as
    /// `Notpay`, `DEVICE_TYPE_UNKNOW` as `Unknow`, `1000` as `V1000`).
    fn take_string(&mut self, value: &str) -> bool {
        if Self::take(&mut self.strings, value) {
            return true;
        }
        let camel: String = value
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first
                        .to_uppercase()
                        .chain(chars.flat_map(char::to_lowercase))
                        .collect()
                })
            })
            .collect();
        let variant = self
            .words
            .iter()
            .filter(|(word, count)| {
                **count > 0
                    && (**word == camel
                        || **word == format!("V{value}")
                        || (word.len() >= 3
                            && word.starts_with(char::is_uppercase)
                            && camel.ends_with(word.as_str())))
            })
            .map(|(word, _)| word.clone())
            .next();
        variant.is_some_and(|word| Self::take(&mut self.words, &word))
    }
}

/// Every value of the documented answer `expected` is found in `decoded` (by its `Debug` text):
/// a field the answer type does not have, or names differently, is left out of the decoded value
/// and fails here.
fn assert_answer_holds<T: Debug>(name: &str, expected: &Value, decoded: &T) {
    fn leaves<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    leaves(field, format!("{at}/{key}"), out);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    leaves(item, format!("{at}/{index}"), out);
                }
            }
            Value::Null => {}
            leaf => out.push((at, leaf)),
        }
    }
    let shown = format!("{decoded:?}");
    let mut tokens = DebugTokens::of(&shown);
    let mut documented = Vec::new();
    leaves(expected, String::new(), &mut documented);
    let missing: Vec<String> = documented
        .into_iter()
        .filter(|(_, leaf)| !match leaf {
            Value::String(text) => tokens.take_string(text),
            Value::Number(number) => DebugTokens::take(&mut tokens.words, &number.to_string()),
            Value::Bool(flag) => DebugTokens::take(&mut tokens.words, &flag.to_string()),
            _ => true,
        })
        .map(|(at, leaf)| format!("{at} = {leaf}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: documented answer values not in the decoded answer: {missing:?}\ndecoded: {shown}"
    );
}

#[test]
#[should_panic(expected = "documented answer values not in the decoded answer")]
fn the_answer_check_fails_on_a_documented_field_the_type_does_not_have() {
    let mut answer = sample("query_contract")["response"].clone();
    answer["contract_nickname"] = Value::from("not a field of Contract");
    let decoded: <QueryContract as Endpoint>::Response =
        serde_json::from_value(answer.clone()).expect("unknown fields are ignored");
    assert_answer_holds("query_contract with an extra field", &answer, &decoded);
}

#[test]
fn the_answer_check_takes_enum_values_by_variant_and_repeated_values_once_each() {
    let answer = serde_json::json!({
        "transaction_id": "4200000891202103228088184743",
        "out_trade_no": "4200000891202103228088184743",
        "trade_state": "NOTPAY",
    });
    let decoded: wechatpay::v3::pay::Transaction = serde_json::from_value(answer.clone()).unwrap();
    assert_answer_holds("an unpaid order", &answer, &decoded);
    let caught = std::panic::catch_unwind(|| {
        let mut more = answer.clone();
        more["attach"] = Value::from("4200000891202103228088184743");
        more["bank_typo"] = Value::from("4200000891202103228088184743");
        let decoded: wechatpay::v3::pay::Transaction =
            serde_json::from_value(more.clone()).unwrap();
        assert_answer_holds(
            "a value given four times, held three times",
            &more,
            &decoded,
        );
    });
    assert!(
        caught.is_err(),
        "the fourth occurrence must not match one already taken"
    );
}

/// For endpoints that answer `204 No Content`: the answer type is `()`.
fn answers_no_content<E: Endpoint<Response = ()>>(_: &E) {}

fn cny(total: i64) -> ScheduledAmount {
    ScheduledAmount {
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
    let seed = seed_pre_sign();
    let legacy = wechatpay::v3::papay::LegacyPreEntrustSign {
        sign_scene: seed.sign_scene,
        appid: seed.appid,
        openid: seed.openid,
        plan_id: seed.plan_id,
        out_contract_code: seed.out_contract_code,
        contract_display_account: seed.contract_display_account,
        contract_notify_url: seed.contract_notify_url,
        out_user_code: seed.out_user_code,
        return_url: seed.return_url,
        device_info: seed.device_info,
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
    let none: Option<TerminateContractResponse> = serde_json::from_value(Value::Null).unwrap();
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

/// A scheduled-deduction pre-sign request of type `$request` (the four share their fields; the
/// H5 one adds `jump_control`), as documented.
macro_rules! scheduled_deduct_sign {
    ($request:ident { $($extra:tt)* }) => {
        $request {
            appid: "wxd678efh567hg6787".into(),
            openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
            plan_id: 12535,
            out_contract_code: "wxwtdk20200910100000".into(),
            contract_display_account: "微信代扣用户A".into(),
            contract_notify_url: "https://yourapp.com/notify".into(),
            out_user_code: Some("用户A".into()),
            deduct_schedule: Some(DeductSchedule {
                estimated_deduct_date: "2019-11-22".into(),
                estimated_deduct_amount: cny(1),
                description: "小乔-碎云皮肤（微信83区沧海之耀）".into(),
            }),
            $($extra)*
        }
    };
}

#[test]
fn scheduled_deduct_pre_sign_app() {
    check(
        "scheduled_deduct_pre_sign_app",
        &scheduled_deduct_sign!(ScheduledDeductPreSignApp {}),
    );
}

#[test]
fn scheduled_deduct_pre_sign_h5() {
    check(
        "scheduled_deduct_pre_sign_h5",
        &scheduled_deduct_sign!(ScheduledDeductPreSignH5 {
            jump_control: Some(JumpControl {
                jump_appid: Some("wxd678efh567hg6787".into()),
            }),
        }),
    );
}

#[test]
fn scheduled_deduct_pre_sign_jsapi() {
    check(
        "scheduled_deduct_pre_sign_jsapi",
        &scheduled_deduct_sign!(ScheduledDeductPreSignJsapi {}),
    );
}

#[test]
fn scheduled_deduct_pre_sign_mini_program() {
    check(
        "scheduled_deduct_pre_sign_mini_program",
        &scheduled_deduct_sign!(ScheduledDeductPreSignMiniProgram {}),
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
            unit: Some(DeductDurationUnit::Day),
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

/// A prepay request of type `$request` with the documented order (the fields every prepay
/// shares), then the fields given.
macro_rules! order {
    ($request:ident { detail: $detail:ident, $($rest:tt)* }) => {
        $request {
            appid: "wxd678efh567hg6787".into(),
            mchid: "1230000109".into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            out_trade_no: "1217752501201407033233368018".into(),
            time_expire: Some("2018-06-08T10:34:56+08:00".into()),
            attach: Some("自定义数据说明".into()),
            notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
            goods_tag: Some("WXG".into()),
            support_fapiao: Some(false),
            amount: Amount {
                total: 100,
                currency: Some("CNY".into()),
            },
            detail: Some($detail {
                cost_price: Some(608800),
                invoice_id: Some("微信123".into()),
                goods_detail: goods_detail!($detail),
            }),
            settle_info: Some(SettleInfo {
                profit_sharing: Some(false),
            }),
            $($rest)*
        }
    };
}

/// The documented goods: optional in `Detail`, required in `TransactionDetail`.
macro_rules! goods_detail {
    (Detail) => {
        Some(goods())
    };
    (TransactionDetail) => {
        goods()
    };
}

fn goods() -> Vec<GoodsDetail> {
    vec![GoodsDetail {
        merchant_goods_id: "1246464644".into(),
        wechatpay_goods_id: Some("1001".into()),
        goods_name: Some("iPhoneX 256G".into()),
        quantity: 1,
        unit_price: 528800,
    }]
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

/// The documented scene, in the type of the prepays with a contract.
fn contract_scene_info() -> TransactionSceneInfo {
    TransactionSceneInfo {
        payer_client_ip: "14.23.150.211".into(),
        device_id: Some("013467007045764".into()),
        store_info: Some(SceneInfoStoreInfo {
            id: Some("0001".into()),
            name: Some("腾讯大厦分店".into()),
            area_code: Some("440305".into()),
            address: Some("广东省深圳市南山区科技中一道10000号".into()),
        }),
    }
}

fn payer() -> Payer {
    Payer {
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        identity: None,
    }
}

#[test]
fn jsapi_prepay_with_contract() {
    check(
        "jsapi_prepay_with_contract",
        &order!(JsapiPrepayWithContract {
            detail: TransactionDetail,
            payer: wechatpay::v3::pay::JsapiWithContractPayer {
                openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
            },
            scene_info: Some(contract_scene_info()),
            contract_info: JsapiPrepayWithContractInfo {
                token: None,
                password_free_contract_id: None,
                plan_id: Some("3484306348".into()),
                contract_mchid: Some("1200009811".into()),
                contract_appid: Some("wxcbda96de0b165486".into()),
                contract_code: Some("100001256".into()),
                request_serial: Some("1695".into()),
                contract_display_account: Some("123456".into()),
                contract_notify_url: Some("https://yoursite.com".into()),
            },
        }),
    );
}

#[test]
fn app_prepay_with_contract() {
    check(
        "app_prepay_with_contract",
        &order!(AppPrepayWithContract {
            detail: TransactionDetail,
            scene_info: Some(contract_scene_info()),
            contract_info: ContractInfo {
                plan_id: "3484306348".into(),
                contract_mchid: "1200009811".into(),
                contract_appid: "wxcbda96de0b165486".into(),
                contract_code: "100001256".into(),
                request_serial: "1695".into(),
                contract_display_account: "123456".into(),
                contract_notify_url: Some("https://yoursite.com".into()),
            },
        }),
    );
}

#[test]
fn jsapi_prepay() {
    check(
        "jsapi_prepay",
        &order!(JsapiPrepay {
            detail: Detail,
            limit_pay: None,
            payer: payer(),
            scene_info: Some(scene_info()),
            subsidy_info: None,
        }),
    );
}

#[test]
fn app_prepay() {
    check(
        "app_prepay",
        &order!(AppPrepay {
            detail: Detail,
            limit_pay: None,
            payer: None,
            scene_info: Some(scene_info()),
            subsidy_info: None,
        }),
    );
}

#[test]
fn h5_prepay() {
    check(
        "h5_prepay",
        &order!(H5Prepay {
            detail: Detail,
            limit_pay: None,
            payer: None,
            scene_info: PartnerSceneInfo {
                payer_client_ip: "14.23.150.211".into(),
                device_id: Some("013467007045764".into()),
                store_info: Some(store_info()),
                h5_info: H5Info {
                    r#type: "iOS".into(),
                    app_name: Some("王者荣耀".into()),
                    app_url: Some("https://pay.qq.com".into()),
                    bundle_id: Some("com.tencent.wzryiOS".into()),
                    package_name: Some("com.tencent.tmgp.sgame".into()),
                },
            },
        }),
    );
}

#[test]
fn native_prepay() {
    check(
        "native_prepay",
        &order!(NativePrepay {
            detail: Detail,
            limit_pay: None,
            payer: None,
            scene_info: Some(scene_info()),
        }),
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
            sub_mchid: None,
            transaction_id: Some("1217752501201407033233368018".into()),
            out_trade_no: Some("1217752501201407033233368018".into()),
            out_refund_no: "1217752501201407033233368018".into(),
            reason: Some("商品已售完".into()),
            notify_url: Some("https://weixin.qq.com".into()),
            funds_account: Some(ReqFundsAccount::Available),
            amount: RefundRequestAmount {
                refund: 888,
                from: Some(vec![FundsFromItem {
                    account: RefundAccount::Available,
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
            sub_mchid: None,
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
    // The catalog's `TradeType` has no `PAP` variant: read as its wire value.
    assert_eq!(
        transaction
            .trade_type
            .as_ref()
            .map(wechatpay::v3::pay::TradeType::as_str),
        Some("PAP")
    );
    assert_eq!(
        transaction.trade_state,
        Some(wechatpay::v3::pay::TradeState::Accept)
    );
    assert_answer_holds("papay deduction", &answer, &transaction);
}
