//! Sensitive fields at any depth: `#[wechatpay(encrypt)]` on a field of a nested
//! `#[wechatpay::model]` struct (inside a field, an `Option`, a `Vec`) travels RSA-OAEP encrypted
//! under the WeChat Pay key the request names in `Wechatpay-Serial`, the same key for every value
//! of the request; without a key nothing is sent; `Debug` never shows a value.

use serde::{Deserialize, Serialize};
use wechatpay::endpoint::RenderedRequest;
use wechatpay::v3::pay::{Amount, Identity, IdentityType, JsapiPrepay, Payer, PrepayResponse};
use wechatpay::v3::transfer::{InitiateBatchTransfer, TransferDetailInput};
use wechatpay::{ApiV3Key, Client, Error, MerchantKey};
use wechatpay_sandbox::{ApiError, Sandbox};

/// A contact, two of whose fields are sensitive.
#[wechatpay::model]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    /// The contact's name: sensitive.
    #[wechatpay(encrypt)]
    pub contact_name: String,
    /// The contact's phone: sensitive, optional.
    #[wechatpay(encrypt)]
    pub mobile_phone: Option<String>,
    /// Not sensitive: sent as it is.
    pub contact_type: String,
}

/// A struct that holds contacts at a second level: in a field and in a list.
#[wechatpay::model]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Applicant {
    pub contact: Contact,
    pub others: Vec<Contact>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Accepted {
    pub names: Vec<String>,
}

/// An endpoint with no sensitive field of its own: only nested ones.
#[wechatpay::endpoint(POST, "v3/sandbox-test/contacts", response = Accepted)]
#[derive(Debug, Deserialize)]
pub struct SubmitContacts {
    pub business_code: String,
    pub applicant: Applicant,
    pub backup: Option<Contact>,
}

fn contact(name: &str, phone: Option<&str>) -> Contact {
    Contact {
        contact_name: name.into(),
        mobile_phone: phone.map(str::to_owned),
        contact_type: "LEGAL".into(),
    }
}

fn submission() -> SubmitContacts {
    SubmitContacts {
        business_code: "APPLYMENT_00000000001".into(),
        applicant: Applicant {
            contact: contact("张三", Some("13800000000")),
            others: vec![contact("李四", None), contact("王五", Some("13900000000"))],
        },
        backup: Some(contact("赵六", None)),
    }
}

/// Every sensitive value of [`submission`], in clear.
const PLAINTEXTS: [&str; 6] = ["张三", "13800000000", "李四", "王五", "13900000000", "赵六"];

/// A second copy of a key, for the test to hold what it gives the sandbox.
fn copy(key: &MerchantKey) -> MerchantKey {
    MerchantKey::from_pem(&key.to_pkcs8_pem()).unwrap()
}

#[tokio::test]
async fn nested_values_arrive_encrypted_and_decrypt_with_the_platform_key_to_the_plaintext() {
    let platform = MerchantKey::generate().unwrap();
    let sandbox = Sandbox::builder()
        .platform_private_key(copy(&platform))
        .start()
        .await
        .unwrap();
    // The handler sees the body as it arrived: ciphertext, which only the platform key opens.
    sandbox.handle(move |request: SubmitContacts| {
        let mut contacts = vec![&request.applicant.contact];
        contacts.extend(&request.applicant.others);
        contacts.extend(&request.backup);
        let mut names = Vec::new();
        for contact in contacts {
            let values = std::iter::once(&contact.contact_name).chain(&contact.mobile_phone);
            for sent in values {
                // By the exact plaintext: a prefix test (`13…`) also matched the Base64 of a
                // ciphertext that happens to start so (about 1 run in 700).
                if PLAINTEXTS.contains(&sent.as_str()) {
                    return Err(ApiError::new(
                        400,
                        "PARAM_ERROR",
                        "a value arrived in clear",
                    ));
                }
                let clear = platform
                    .decrypt(sent)
                    .map_err(|e| ApiError::new(400, "PARAM_ERROR", e.to_string()))?;
                names.push(clear.as_str().to_owned());
            }
            if contact.contact_type != "LEGAL" {
                return Err(ApiError::new(
                    400,
                    "PARAM_ERROR",
                    "contact_type was altered",
                ));
            }
        }
        Ok(Accepted { names })
    });
    let client = sandbox.client().unwrap();
    let answer = client.send(&submission()).await.unwrap();
    assert_eq!(
        answer.names,
        ["张三", "13800000000", "李四", "王五", "13900000000", "赵六"]
    );
}

#[test]
fn one_key_and_one_serial_for_every_value_and_none_left_out() {
    let wechatpay_key = MerchantKey::generate().unwrap();
    let rendered = RenderedRequest::with_encryption(
        &submission(),
        "PUB_KEY_ID_0119000000012025112700000000000001",
        &wechatpay_key.public_key(),
    )
    .unwrap();
    assert_eq!(
        rendered.wechatpay_serial(),
        Some("PUB_KEY_ID_0119000000012025112700000000000001")
    );
    let text = std::str::from_utf8(rendered.body().unwrap()).unwrap();
    for clear in ["张三", "李四", "王五", "赵六", "13800000000", "13900000000"] {
        assert!(!text.contains(clear), "{clear} travels in clear: {text}");
    }
    let body: serde_json::Value = serde_json::from_str(text).unwrap();
    let open = |value: &serde_json::Value| {
        wechatpay_key
            .decrypt(value.as_str().unwrap())
            .unwrap()
            .as_str()
            .to_owned()
    };
    assert_eq!(open(&body["applicant"]["contact"]["contact_name"]), "张三");
    assert_eq!(
        open(&body["applicant"]["contact"]["mobile_phone"]),
        "13800000000"
    );
    assert_eq!(
        open(&body["applicant"]["others"][1]["contact_name"]),
        "王五"
    );
    assert_eq!(open(&body["backup"]["contact_name"]), "赵六");
    assert_eq!(body["applicant"]["others"][0]["contact_type"], "LEGAL");
    // A `None` is left out, not sent as `null`.
    assert!(body["applicant"]["others"][0].get("mobile_phone").is_none());
    assert!(body["backup"].get("mobile_phone").is_none());
}

#[test]
fn without_a_key_nothing_is_rendered() {
    let error = RenderedRequest::new(&submission()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("RenderedRequest::with_encryption") && message.contains("Client::send"),
        "{message}"
    );
    assert!(!message.contains("张三"), "{message}");
    // Serializing the model by itself cannot produce clear text either.
    assert!(serde_json::to_string(&contact("张三", None)).is_err());
}

#[test]
fn debug_never_shows_a_sensitive_value() {
    let shown = format!("{:?}", submission());
    for clear in ["张三", "李四", "13800000000"] {
        assert!(!shown.contains(clear), "{shown}");
    }
    assert!(shown.contains("contact_name: <sensitive>"), "{shown}");
    assert!(shown.contains("mobile_phone: None"), "{shown}");
    assert!(shown.contains("contact_type: \"LEGAL\""), "{shown}");
    // An endpoint's own sensitive field too.
    let receiver = wechatpay::v3::profitsharing::AddReceiver {
        sub_mchid: None,
        appid: "wxd678efh567hg6787".into(),
        sub_appid: None,
        r#type: wechatpay::v3::profitsharing::ReceiverType::MerchantId,
        account: "86693852".into(),
        name: Some("深圳腾讯科技有限公司".into()),
        relation_type: wechatpay::v3::profitsharing::ReceiverRelationType::Store,
        custom_relation: None,
    };
    let shown = format!("{receiver:?}");
    assert!(!shown.contains("腾讯"), "{shown}");
    assert!(shown.contains("name: <sensitive>"), "{shown}");
    assert!(shown.contains("86693852"), "{shown}");
}

fn transfer_batch(user_names: &[&str]) -> InitiateBatchTransfer {
    InitiateBatchTransfer {
        appid: "wxf636efh567hg4356".into(),
        out_batch_no: "plfk2020042013".into(),
        batch_name: "2019年1月深圳分部报销单".into(),
        batch_remark: "2019年1月深圳分部报销单".into(),
        total_amount: 4_000_000,
        total_num: i64::try_from(user_names.len()).unwrap(),
        transfer_detail_list: user_names
            .iter()
            .enumerate()
            .map(|(index, name)| TransferDetailInput {
                out_detail_no: format!("x23zy545Bd543{index}"),
                transfer_amount: 2_000_000,
                transfer_remark: "2020年4月报销".into(),
                openid: "o-MYE42l80oelYMDE34nYD456Xoy".into(),
                user_name: Some((*name).into()),
                user_id_card: Some(
                    "8609cb22e1774a50a930e414cc71eca06121bcd266335cda230d24a7886a8d9f".into(),
                ),
            })
            .collect(),
        transfer_scene_id: Some("1000".into()),
        notify_url: None,
    }
}

#[tokio::test]
async fn the_sandbox_accepts_a_generated_transfer_batch_and_refuses_clear_text_or_another_key() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // A generated endpoint whose only sensitive fields are in its list of details: the sandbox
    // checks that `Wechatpay-Serial` names its key and that every value decrypts with it.
    let answer = client
        .send(&transfer_batch(&["张三", "李四"]))
        .await
        .unwrap();
    assert_eq!(answer.out_batch_no, "plfk2020042013");
    assert_eq!(sandbox.requests_to("v3/transfer/batches"), 1);

    // The same body in clear text is refused, naming the nested field.
    let clear = serde_json::json!({
        "appid": "wxf636efh567hg4356", "out_batch_no": "plfk2020042013",
        "batch_name": "报销", "batch_remark": "报销", "total_amount": 2_000_000, "total_num": 1,
        "transfer_scene_id": "1000",
        "transfer_detail_list": [{
            "out_detail_no": "x23zy545Bd5436", "transfer_amount": 2_000_000,
            "transfer_remark": "报销", "openid": "o-MYE42l80oelYMDE34nYD456Xoy",
            "user_name": "张三",
        }],
    });
    let error = client
        .request(http::Method::POST, "v3/transfer/batches")
        .json(&clear)
        .send()
        .await
        .unwrap_err();
    match &error {
        Error::Api {
            code,
            detail: Some(detail),
            ..
        } => {
            assert_eq!(code, "PARAM_ERROR");
            assert_eq!(detail["field"], "/transfer_detail_list/0/user_name");
        }
        other => panic!("{other:?}"),
    }

    // Encrypted under the right key but naming another one in `Wechatpay-Serial`: refused.
    let key = wechatpay::PublicKey::from_pem(&sandbox.platform_public_key_pem()).unwrap();
    let mut encrypted = clear.clone();
    encrypted["transfer_detail_list"][0]["user_name"] = key.encrypt("张三").unwrap().into();
    let error = client
        .request(http::Method::POST, "v3/transfer/batches")
        .json(&encrypted)
        .header(
            "Wechatpay-Serial",
            "PUB_KEY_ID_0000000000000000000000000000",
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error}");
    assert!(error.to_string().contains("Wechatpay-Serial"), "{error}");
    // And naming the right one: accepted.
    client
        .request(http::Method::POST, "v3/transfer/batches")
        .json(&encrypted)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn certificate_merchants_encrypt_nested_values_under_the_downloaded_certificate() {
    let sandbox = Sandbox::builder()
        .platform_certificates()
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    // The client starts from the APIv3 key alone: it downloads the certificates first.
    client.send(&transfer_batch(&["张三"])).await.unwrap();
    assert_eq!(sandbox.requests_to("v3/certificates"), 1);
    // After a rotation the sandbox expects the new certificate; the client follows.
    sandbox.rotate_platform_certificate().unwrap();
    client.refresh_certificates().await.unwrap();
    client.send(&transfer_batch(&["李四"])).await.unwrap();
    assert_eq!(sandbox.requests_to("v3/transfer/batches"), 2);
}

#[tokio::test]
async fn without_a_wechatpay_key_nothing_is_sent_and_the_error_says_why() {
    let merchant = MerchantKey::generate().unwrap();
    let sandbox = Sandbox::builder()
        .merchant_private_key(copy(&merchant))
        .start()
        .await
        .unwrap();
    // A public-key sandbox answers `v3/certificates` with 404: a client that expects
    // certificates has no key to encrypt with.
    let client = Client::builder()
        .mchid(sandbox.mchid())
        .merchant_key(sandbox.merchant_serial(), merchant)
        .apiv3_key(ApiV3Key::new(sandbox.apiv3_key()).unwrap())
        .base_url(sandbox.base_url())
        .platform_certificates_from_api()
        .build()
        .unwrap();
    let error = client.send(&transfer_batch(&["张三"])).await.unwrap_err();
    let message = format!("{error} {error:?}");
    assert!(!message.contains("张三"), "{message}");
    assert_eq!(sandbox.requests_to("v3/transfer/batches"), 0, "{message}");
}

fn real_name_order(number: &str) -> JsapiPrepay {
    JsapiPrepay {
        appid: "wxd678efh567hg6787".into(),
        mchid: String::new(),
        description: "以旧换新-冰箱".into(),
        attach: None,
        out_trade_no: format!("RN{}", number.len()),
        amount: Amount {
            total: 100,
            currency: Some("CNY".into()),
        },
        time_expire: None,
        notify_url: "https://www.weixin.qq.com/wxpay/pay.php".into(),
        goods_tag: Some("WXG".into()),
        limit_pay: Some(vec![wechatpay::v3::pay::LimitPay::NoCredit]),
        support_fapiao: None,
        detail: None,
        scene_info: None,
        payer: Payer {
            openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
            identity: Some(Identity {
                r#type: IdentityType::Idcard,
                number: number.into(),
                name: "周星星".into(),
            }),
        },
        settle_info: None,
        subsidy_info: None,
    }
}

#[tokio::test]
async fn a_real_name_order_is_accepted_with_its_identity() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mut order = real_name_order("43102119910910512X");
    order.mchid = sandbox.mchid().into();
    let rendered = RenderedRequest::new(&order).unwrap();
    let body: serde_json::Value = serde_json::from_slice(rendered.body().unwrap()).unwrap();
    assert_eq!(body["limit_pay"], serde_json::json!(["no_credit"]));
    assert_eq!(body["payer"]["identity"]["type"], "IDCARD");
    let answer: PrepayResponse = client.send(&order).await.unwrap();
    assert!(
        answer
            .prepay_id
            .as_deref()
            .expect("prepay_id")
            .starts_with("wx")
    );
    assert!(!format!("{order:?}").contains("周星星"));

    let mut wrong = real_name_order("43102119910910512x");
    wrong.mchid = sandbox.mchid().into();
    let error = client.send(&wrong).await.unwrap_err();
    match &error {
        Error::Api {
            code,
            detail: Some(detail),
            ..
        } => {
            assert_eq!(code, "PARAM_ERROR");
            assert_eq!(detail["field"], "/payer/identity/number");
        }
        other => panic!("{other:?}"),
    }
}
