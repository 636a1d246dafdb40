// A crate that re-exports `wechatpay` under another name points the macro at it with `crate = path`:
// here `pub use ::wechatpay as wp;` in a module, and `crate = crate::reexport::wp`.
mod reexport {
    pub use ::wechatpay as wp;
}

use reexport::wp;

#[derive(serde::Deserialize)]
pub struct Certificates {
    pub data: Vec<serde_json::Value>,
}

#[wp::endpoint(GET, "v3/certificates", response = Certificates, crate = crate::reexport::wp)]
pub struct ListCertificates {
    pub algorithm_type: Option<String>,
}

#[wp::endpoint(POST, "v3/contracts/{contract_id}/terminate", response = (), crate = crate::reexport::wp)]
pub struct Terminate {
    pub contract_id: String,
    pub remark: String,
}

fn main() {
    use wp::Endpoint as _;
    let request = ListCertificates {
        algorithm_type: Some("RSA".into()),
    };
    let rendered = wp::endpoint::RenderedRequest::new(&request).unwrap();
    assert_eq!(rendered.target(), "/v3/certificates?algorithm_type=RSA");
    assert_eq!(Terminate::METHOD, http::Method::POST);
    let rendered = wp::endpoint::RenderedRequest::new(&Terminate {
        contract_id: "C1".into(),
        remark: "bye".into(),
    })
    .unwrap();
    assert_eq!(rendered.body().unwrap(), br#"{"remark":"bye"}"#);
}
