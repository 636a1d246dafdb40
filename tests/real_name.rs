//! A real-name order (实名支付) carries the payer's ID number and name in clear text: the official
//! page says the V3 order calls take them as written ("以明文形式传入即可,无需加密",
//! <https://pay.weixin.qq.com/doc/v3/partner/4013991553>), although the API description calls
//! them 加密后的证件号 / 加密后的姓名. The identity of the orders (direct and partner) and that of
//! the combined orders agree on the wire, and neither shows the values in `Debug`.
#![cfg(all(feature = "pay", feature = "combine-transactions"))]

use wechatpay::Endpoint;
use wechatpay::v3::combine_transactions::{self, PostJsapi};
use wechatpay::v3::pay::{
    AppPrepay, H5Prepay, Identity, IdentityType, JsapiPrepay, NativePrepay, Payer,
};

const NUMBER: &str = "43102119910910512X";
const NAME: &str = "周星星";

#[test]
fn the_identity_is_sent_as_written_by_the_order_and_the_combined_order_types() {
    let order = Identity {
        r#type: IdentityType::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let combined = combine_transactions::Identity {
        r#type: combine_transactions::Type::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let expected = serde_json::json!({"type": "IDCARD", "number": NUMBER, "name": NAME});
    assert_eq!(serde_json::to_value(&order).unwrap(), expected);
    assert_eq!(serde_json::to_value(&combined).unwrap(), expected);
    // A direct merchant's payer and a service provider's payer carry it the same way.
    let direct = Payer {
        openid: None,
        identity: Some(order.clone()),
    };
    assert_eq!(serde_json::to_value(&direct).unwrap()["identity"], expected);
    #[cfg(feature = "partner")]
    {
        let partner = wechatpay::v3::pay::PartnerPayer {
            sp_openid: None,
            sub_openid: None,
            identity: Some(order),
        };
        assert_eq!(
            serde_json::to_value(&partner).unwrap()["identity"],
            expected
        );
    }
}

#[test]
fn the_orders_encrypt_nothing_and_name_no_key() {
    // With no sensitive field left, an order does not ask for the WeChat Pay key.
    let encrypts = [
        <JsapiPrepay as Endpoint>::ENCRYPTS,
        <AppPrepay as Endpoint>::ENCRYPTS,
        <H5Prepay as Endpoint>::ENCRYPTS,
        <NativePrepay as Endpoint>::ENCRYPTS,
        <PostJsapi as Endpoint>::ENCRYPTS,
    ];
    assert_eq!(encrypts, [false; 5]);
}

#[test]
fn debug_never_shows_the_number_or_the_name() {
    let generated = Identity {
        r#type: IdentityType::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let shown = format!("{generated:?}");
    assert!(!shown.contains(NUMBER) && !shown.contains(NAME), "{shown}");
    assert!(
        shown.contains("<sensitive>") && shown.contains("Idcard"),
        "{shown}"
    );
    let combined = combine_transactions::Identity {
        r#type: combine_transactions::Type::Idcard,
        number: NUMBER.into(),
        name: NAME.into(),
    };
    let shown = format!("{combined:#?}");
    assert!(!shown.contains(NUMBER) && !shown.contains(NAME), "{shown}");
}
