// Generic endpoints: type parameters in the path, the body and the response, with the struct's own
// bounds and where clause carried onto the impl.
use std::fmt::Display;

use serde::Serialize;
use serde::de::DeserializeOwned;
use wechatpay::Endpoint;
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[derive(serde::Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
}

#[endpoint(PUT, "v3/marketing/items/{id}", response = Page<R>)]
pub struct PutItem<I: Display, T, R>
where
    R: DeserializeOwned,
{
    pub id: I,
    pub item: T,
    pub note: Option<&'static str>,
    #[serde(skip)]
    pub answer: std::marker::PhantomData<fn() -> R>,
}

#[derive(Serialize)]
pub struct Coupon {
    pub stock_id: String,
}

fn target<E: Endpoint>(request: &E) -> String {
    RenderedRequest::new(request).unwrap().target().to_owned()
}

fn main() {
    let request: PutItem<u32, Coupon, String> = PutItem {
        id: 7,
        item: Coupon {
            stock_id: "9856000".into(),
        },
        note: None,
        answer: std::marker::PhantomData,
    };
    assert_eq!(target(&request), "/v3/marketing/items/7");
    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(
        rendered.body().unwrap(),
        br#"{"item":{"stock_id":"9856000"}}"#
    );
}
