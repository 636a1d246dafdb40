//! A real-name order (实名支付) carries the payer's ID number and name in clear text: the official
//! page says the V3 order calls take them as written ("以明文形式传入即可,无需加密",
//! <https://pay.weixin.qq.com/doc/v3/partner/4013991553>), although the API description calls
//! them 加密后的证件号 / 加密后的姓名. The generated order types and the hand-written one agree on
//! the wire, and neither shows the values in `Debug`.
#![cfg(all(feature = "pay", feature = "combine-transactions"))]

use wechatpay::Endpoint;
use wechatpay::v3::combine_transactions::{
    PostAppCombinePayerInfoIdentity, PostAppCombinePayerInfoIdentityType, PostJsapi,
};
use wechatpay::v3::pay::{IdentityType, PayerIdentity};
use wechatpay::v3::pay::{
    PostPartnerTransactionsAppPayerIdentity, PostPartnerTransactionsAppPayerIdentityType,
    PostTransactionsApp, PostTransactionsH5, PostTransactionsJsapi, PostTransactionsNative,
};

const NUMBER: &str = "43102119910910512X";
const NAME: &str = "周星星";

#[test]
fn the_identity_is_sent_as_written_by_the_generated_and_the_hand_written_types() {
    let generated = PostPartnerTransactionsAppPayerIdentity {
        r#type: PostPartnerTransactionsAppPayerIdentityType::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let combined = PostAppCombinePayerInfoIdentity {
        r#type: PostAppCombinePayerInfoIdentityType::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let hand_written = PayerIdentity {
        kind: IdentityType::IdCard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let expected = serde_json::json!({"type": "IDCARD", "number": NUMBER, "name": NAME});
    assert_eq!(serde_json::to_value(&generated).unwrap(), expected);
    assert_eq!(serde_json::to_value(&combined).unwrap(), expected);
    assert_eq!(serde_json::to_value(&hand_written).unwrap(), expected);
}

#[test]
fn the_orders_encrypt_nothing_and_name_no_key() {
    // With no sensitive field left, an order does not ask for the WeChat Pay key.
    let encrypts = [
        <PostTransactionsJsapi as Endpoint>::ENCRYPTS,
        <PostTransactionsApp as Endpoint>::ENCRYPTS,
        <PostTransactionsH5 as Endpoint>::ENCRYPTS,
        <PostTransactionsNative as Endpoint>::ENCRYPTS,
        <PostJsapi as Endpoint>::ENCRYPTS,
    ];
    assert_eq!(encrypts, [false; 5]);
}

#[test]
fn debug_never_shows_the_number_or_the_name() {
    let generated = PostPartnerTransactionsAppPayerIdentity {
        r#type: PostPartnerTransactionsAppPayerIdentityType::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let shown = format!("{generated:?}");
    assert!(!shown.contains(NUMBER) && !shown.contains(NAME), "{shown}");
    assert!(
        shown.contains("<sensitive>") && shown.contains("Idcard"),
        "{shown}"
    );
    let combined = PostAppCombinePayerInfoIdentity {
        r#type: PostAppCombinePayerInfoIdentityType::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let shown = format!("{combined:#?}");
    assert!(!shown.contains(NUMBER) && !shown.contains(NAME), "{shown}");
}
