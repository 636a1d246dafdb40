//! Answers stay decodable when WeChat Pay adds a value: every answer enum keeps an unknown value
//! as `Unknown(String)` and writes it back unchanged. And the catalog carries the values the API
//! description lists: `SERVICE_PROVIDER`, the special trade bills.

use serde_json::json;
use wechatpay::v3::bill::TradeBillType;
use wechatpay::v3::papay::{ContractState, ContractTerminationMode, ScheduleState};
use wechatpay::v3::pay::{PromotionScope, PromotionType, TradeState, TradeType};
use wechatpay::v3::profitsharing::RelationType;
use wechatpay::v3::refund::{
    FundsAccount, Refund, RefundChannel, RefundPromotionScope, RefundPromotionType, RefundStatus,
};

/// A refund answer in which WeChat Pay uses values this version has never seen.
fn refund_with_new_values() -> serde_json::Value {
    json!({
        "refund_id": "50000000382019052709732678859",
        "out_refund_no": "1217752501201407033233368018",
        "transaction_id": "1217752501201407033233368018",
        "out_trade_no": "1217752501201407033233368018",
        "channel": "DIGITAL_WALLET",
        "user_received_account": "招商银行信用卡0403",
        "create_time": "2020-12-01T16:18:12+08:00",
        "status": "PARTIALLY_RETURNED",
        "funds_account": "FUTURE_ACCOUNT",
        "amount": {
            "total": 100, "refund": 100, "payer_total": 90, "payer_refund": 90,
            "settlement_refund": 100, "settlement_total": 100, "discount_refund": 10,
            "currency": "CNY"
        },
        "promotion_detail": [{
            "promotion_id": "109519", "scope": "CATEGORY", "type": "VOUCHER",
            "amount": 5, "refund_amount": 100
        }]
    })
}

#[test]
fn unknown_answer_values_are_kept_and_written_back_unchanged() {
    let wire = refund_with_new_values();
    let refund: Refund = serde_json::from_value(wire.clone()).expect("a new value is no error");
    assert_eq!(
        refund.channel,
        RefundChannel::Unknown("DIGITAL_WALLET".into())
    );
    assert_eq!(
        refund.status,
        RefundStatus::Unknown("PARTIALLY_RETURNED".into())
    );
    assert_eq!(
        refund.funds_account,
        Some(FundsAccount::Unknown("FUTURE_ACCOUNT".into()))
    );
    let promotion = &refund.promotion_detail.as_ref().unwrap()[0];
    assert_eq!(
        promotion.scope,
        RefundPromotionScope::Unknown("CATEGORY".into())
    );
    assert_eq!(
        promotion.kind,
        RefundPromotionType::Unknown("VOUCHER".into())
    );
    let back = serde_json::to_value(&refund).unwrap();
    for field in ["channel", "status", "funds_account"] {
        assert_eq!(back[field], wire[field], "{field}");
    }
    assert_eq!(back["promotion_detail"][0]["scope"], "CATEGORY");
}

#[test]
fn known_values_still_decode_to_their_variants() {
    let state: RefundStatus = serde_json::from_value(json!("CLOSE")).unwrap();
    assert_eq!(state, RefundStatus::Closed, "the alias holds");
    assert_eq!(serde_json::to_value(&state).unwrap(), "CLOSED");
    assert_eq!(
        serde_json::from_value::<TradeState>(json!("ACCEPT")).unwrap(),
        TradeState::Accept
    );
    assert_eq!(TradeState::NotPay.as_str(), "NOTPAY");
    assert_eq!(TradeState::Unknown("X".into()).to_string(), "X");
}

#[test]
fn every_answer_enum_has_a_catch_all() {
    fn other<T: serde::de::DeserializeOwned + serde::Serialize>() {
        let value: T = serde_json::from_value(json!("SOMETHING_NEW")).expect("kept");
        assert_eq!(serde_json::to_value(&value).unwrap(), "SOMETHING_NEW");
    }
    other::<ContractState>();
    other::<ContractTerminationMode>();
    other::<ScheduleState>();
    other::<TradeState>();
    other::<TradeType>();
    other::<PromotionScope>();
    other::<PromotionType>();
    other::<RefundChannel>();
    other::<RefundStatus>();
    other::<FundsAccount>();
    other::<RefundPromotionScope>();
    other::<RefundPromotionType>();
    other::<RelationType>();
}

#[test]
fn a_callback_with_a_new_contract_state_still_decodes() {
    let notice: wechatpay::v3::papay::EntrustNotice = serde_json::from_value(json!({
        "mchid": "1230000109", "appid": "wxd678efh567hg6787",
        "contract_id": "Wx15463511252015071056489715", "plan_id": 12535,
        "out_contract_code": "wxwtdk20200910100000", "contract_state": "SUSPENDED",
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    }))
    .expect("a new state is no error");
    assert_eq!(
        notice.contract_state,
        ContractState::Unknown("SUSPENDED".into())
    );
}

#[test]
fn catalog_values_the_description_lists() {
    assert_eq!(
        serde_json::to_value(RelationType::ServiceProvider).unwrap(),
        "SERVICE_PROVIDER"
    );
    for (kind, wire) in [
        (TradeBillType::RechargeRefund, "RECHARGE_REFUND"),
        (TradeBillType::AllSpecial, "ALL_SPECIAL"),
        (TradeBillType::SucSpecial, "SUC_SPECIAL"),
        (TradeBillType::RefSpecial, "REF_SPECIAL"),
    ] {
        assert_eq!(serde_json::to_value(kind).unwrap(), wire);
    }
}
