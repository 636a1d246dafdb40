// Sensitive fields of nested structs, in a field, an `Option` and a `Vec`, are encrypted when the
// request is rendered with a key, and refused without one.
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[wechatpay::model]
#[derive(Debug, Clone, serde::Serialize)]
pub struct Identity {
    #[serde(rename = "type")]
    pub kind: String,
    #[wechatpay(encrypt)]
    pub number: String,
    #[wechatpay(encrypt)]
    pub name: Option<String>,
}

#[wechatpay::model]
#[derive(Debug, serde::Serialize)]
pub struct Wrapper<T: serde::Serialize> {
    pub inner: T,
    #[wechatpay(encrypt)]
    pub note: Option<String>,
}

#[endpoint(POST, "v3/items", response = ())]
#[derive(Debug)]
pub struct Submit {
    pub identity: Identity,
    pub others: Vec<Identity>,
    pub maybe: Option<Wrapper<Identity>>,
}

fn main() {
    let identity = Identity {
        kind: "IDCARD".into(),
        number: "43102119910910512X".into(),
        name: None,
    };
    let request = Submit {
        identity: identity.clone(),
        others: vec![identity.clone()],
        maybe: Some(Wrapper { inner: identity, note: Some("x".into()) }),
    };
    assert!(RenderedRequest::new(&request).is_err());
    let key = wechatpay::MerchantKey::generate().unwrap();
    let rendered =
        RenderedRequest::with_encryption(&request, "PUB_KEY_ID_01", &key.public_key()).unwrap();
    let text = std::str::from_utf8(rendered.body().unwrap()).unwrap();
    assert!(!text.contains("43102119910910512X"), "{text}");
    assert!(!text.contains("null"), "{text}");
    assert!(!format!("{request:?}").contains("43102119910910512X"));
}
