//! Answers stay decodable when WeChat Pay adds a value: every answer enum keeps an unknown value
//! as `Unknown(String)` and writes it back unchanged. And the catalog carries the values the API
//! description lists: `SERVICE_PROVIDER`, the special trade bills.

use serde_json::json;
use wechatpay::v3::bill::BillType as TradeBillType;
use wechatpay::v3::papay::{ContractState, ContractTerminationMode, ScheduleState};
use wechatpay::v3::pay::{Scope as PromotionScope, TradeState, TradeType, Type as PromotionType};
use wechatpay::v3::profitsharing::ReceiverRelationType as RelationType;
use wechatpay::v3::refund::{
    Refund, RefundChannel, RefundStatus, ReqFundsAccount as FundsAccount,
    Scope as RefundPromotionScope, Type as RefundPromotionType,
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
        promotion.r#type,
        RefundPromotionType::Unknown("VOUCHER".into())
    );
    // Each value is written back exactly as it came.
    fn back(value: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }
    assert_eq!(back(&refund.channel), wire["channel"]);
    assert_eq!(back(&refund.status), wire["status"]);
    assert_eq!(back(&refund.funds_account), wire["funds_account"]);
    assert_eq!(back(&promotion.scope), wire["promotion_detail"][0]["scope"]);
    assert_eq!(back(&promotion.r#type), wire["promotion_detail"][0]["type"]);
}

#[test]
fn known_values_still_decode_to_their_variants() {
    // The catalog's enums carry no value aliases: the hand-written `RefundStatus` also read
    // `CLOSE` as `Closed`; the generated one keeps it as `Unknown("CLOSE")`.
    let state: RefundStatus = serde_json::from_value(json!("CLOSED")).unwrap();
    assert_eq!(state, RefundStatus::Closed);
    assert_eq!(serde_json::to_value(&state).unwrap(), "CLOSED");
    assert_eq!(
        serde_json::from_value::<TradeState>(json!("ACCEPT")).unwrap(),
        TradeState::Accept
    );
    assert_eq!(TradeState::Notpay.as_str(), "NOTPAY");
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
    // The value is kept as sent, and is one the catalog's enum does not know either.
    assert_eq!(notice.contract_state.as_str(), "SUSPENDED");
    assert_eq!(
        ContractState::from(notice.contract_state.as_str()),
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
