// `unsigned_response` marks a download whose answer WeChat Pay does not sign.
use wechatpay::Endpoint;

#[wechatpay::endpoint(GET, "v3/billdownload/file", response = (), unsigned_response)]
pub struct DownloadBillFile {
    pub token: String,
}

#[wechatpay::endpoint(GET, "v3/bill/tradebill", response = serde_json::Value)]
pub struct TradeBill {
    pub bill_date: String,
}

fn main() {
    assert!(!DownloadBillFile::SIGNED_RESPONSE);
    assert!(TradeBill::SIGNED_RESPONSE);
    let rendered = wechatpay::endpoint::RenderedRequest::new(&DownloadBillFile { token: "a b".into() }).unwrap();
    assert_eq!(rendered.target(), "/v3/billdownload/file?token=a+b");
}
