// Every method WeChat Pay API v3 uses: GET and DELETE send no body; POST, PUT and PATCH always send
// one, `{}` when no field goes in it; `response = ()` declares an answer without a body (`204`).
use std::any::TypeId;

use http::Method;
use wechatpay::Endpoint;
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;

#[derive(serde::Deserialize)]
pub struct Answer {}

#[endpoint(GET, "v3/a/{id}", response = Answer)]
pub struct Get {
    pub id: u32,
}

#[endpoint(POST, "v3/a/{id}", response = ())]
pub struct Post {
    pub id: u32,
}

#[endpoint(PUT, "v3/a/{id}", response = ())]
pub struct Put {
    pub id: u32,
    pub name: &'static str,
}

#[endpoint(PATCH, "v3/a/{id}", response = Answer)]
pub struct Patch {
    pub id: u32,
}

#[endpoint(DELETE, "v3/a/{id}", response = ())]
pub struct Delete {
    pub id: u32,
}

#[endpoint(POST, "v3/a", response = ())]
pub struct Empty {}

fn check<E: Endpoint>(request: &E, method: Method, body: Option<&str>) {
    let rendered = RenderedRequest::new(request).unwrap();
    assert_eq!(E::METHOD, method);
    assert_eq!(rendered.method(), method);
    assert_eq!(rendered.body(), body.map(str::as_bytes), "{method}");
}

fn main() {
    check(&Get { id: 1 }, Method::GET, None);
    check(&Post { id: 1 }, Method::POST, Some("{}"));
    check(
        &Put { id: 1, name: "n" },
        Method::PUT,
        Some(r#"{"name":"n"}"#),
    );
    check(&Patch { id: 1 }, Method::PATCH, Some("{}"));
    check(&Delete { id: 1 }, Method::DELETE, None);
    check(&Empty {}, Method::POST, Some("{}"));
    assert_eq!(RenderedRequest::new(&Empty {}).unwrap().target(), "/v3/a");
    assert_eq!(
        TypeId::of::<<Delete as Endpoint>::Response>(),
        TypeId::of::<()>()
    );
    assert_eq!(
        TypeId::of::<<Get as Endpoint>::Response>(),
        TypeId::of::<Answer>()
    );
}
