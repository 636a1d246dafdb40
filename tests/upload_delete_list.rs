//! The request shapes beyond a JSON body, declared with `#[endpoint]` and sent over HTTP to the
//! sandbox on loopback: multipart uploads (signed over their `meta` JSON, the file checked against
//! the digest `meta` names), a `DELETE` with a signed JSON body, paths WeChat Pay writes with a
//! trailing `/`, and a list in the query string. Each is checked against the canonical message of
//! PROTOCOL.md §1 (`METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`), and each misuse gets a clear error.

use base64::Engine as _;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay::endpoint::RenderedRequest;
use wechatpay::media::UploadFile;
use wechatpay::{Error, MerchantKey, endpoint};
use wechatpay_sandbox::Sandbox;

#[derive(Debug, serde::Deserialize)]
pub struct MediaId {
    pub media_id: String,
}

/// 图片上传 of the complaint service, answered from its description.
#[endpoint(POST, "v3/merchant-service/images/upload", response = MediaId)]
pub struct UploadComplaintImage {
    #[wechatpay(file)]
    pub file: UploadFile,
    pub filename: String,
    pub sha256: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct FileId {
    pub file_id: String,
}

/// 上传商户提交资料文件: a file part named `submission_file` and two text parts.
#[endpoint(POST, "v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", response = FileId)]
pub struct UploadSubmissionFile {
    pub sub_mchid: String,
    #[wechatpay(file)]
    pub submission_file: UploadFile,
    #[wechatpay(form)]
    pub item_id: i64,
    #[wechatpay(form)]
    pub manage_record_id: String,
    pub file_name: String,
    pub file_digest: String,
}

/// 删除品牌门店: a `DELETE` whose `brand_id` travels in a JSON body.
#[endpoint(DELETE, "v3/brand/partner/store/brandstores/{store_id}", response = ())]
pub struct DeleteBrandStore {
    pub store_id: String,
    #[wechatpay(body)]
    pub brand_id: String,
}

/// The same call declared without `#[wechatpay(body)]`: `brand_id` goes to the query string.
#[endpoint(DELETE, "v3/brand/partner/store/brandstores/{store_id}", response = ())]
pub struct DeleteBrandStoreWithoutBody {
    pub store_id: String,
    pub brand_id: String,
}

/// 提交申请单 (partner applyment), at its documented path with a trailing `/`.
#[endpoint(POST, "v3/applyment4sub/applyment/", response = Value)]
pub struct SubmitApplyment {
    pub business_code: String,
}

/// 获取邀请商户开通服务商电子发票能力, with a list in the query string.
#[endpoint(GET, "v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl", response = Value)]
pub struct GetInviteUrl {
    pub operation_type: String,
    pub fapiao_mode: String,
    pub invite_code: String,
    #[wechatpay(comma_separated)]
    pub fapiao_ability_type_list: Option<Vec<String>>,
}

fn png() -> Vec<u8> {
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    file.extend((0..2048u32).map(|i| (i * 7 % 251) as u8));
    file
}

fn api_error(error: &Error) -> (u16, &str, Value) {
    match error {
        Error::Api {
            status,
            code,
            detail,
            ..
        } => (
            status.as_u16(),
            code.as_str(),
            detail.clone().unwrap_or(Value::Null),
        ),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A sandbox whose merchant key the test holds, to sign raw requests with.
struct Raw {
    sandbox: Sandbox,
    key: MerchantKey,
}

impl Raw {
    async fn start() -> Self {
        let key = MerchantKey::generate().unwrap();
        let copy = MerchantKey::from_pem(&key.to_pkcs8_pem()).unwrap();
        let sandbox = Sandbox::builder()
            .merchant_private_key(copy)
            .start()
            .await
            .unwrap();
        Self { sandbox, key }
    }

    /// Sends `rendered` as it is, with an `Authorization` signed over the canonical message of
    /// PROTOCOL.md §1 whose `BODY` line is `signed`; returns the status and the JSON answer.
    async fn send(&self, rendered: &RenderedRequest, signed: &[u8]) -> (u16, Value) {
        self.send_signed_as(rendered, rendered.target(), signed)
            .await
    }

    /// As [`Raw::send`], the `URL` line of the signed message being `signed_target`.
    async fn send_signed_as(
        &self,
        rendered: &RenderedRequest,
        signed_target: &str,
        signed: &[u8],
    ) -> (u16, Value) {
        let timestamp = wechatpay::__support::unix_now();
        let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
        let method = rendered.method().as_str();
        let mut message = format!("{method}\n{signed_target}\n{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(signed);
        message.push(b'\n');
        let signature = base64::engine::general_purpose::STANDARD.encode(self.key.sign(&message));
        let authorization = format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
            self.sandbox.mchid(),
            self.sandbox.merchant_serial()
        );
        let body = rendered.body().unwrap_or_default();
        let content_type = rendered
            .content_type()
            .map(|value| format!("Content-Type: {value}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: shapes-test\r\n{content_type}Content-Length: {}\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n",
            rendered.target(),
            self.sandbox.addr(),
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(self.sandbox.addr())
            .await
            .unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let text = String::from_utf8(answer).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }
}

fn submission(file: UploadFile) -> UploadSubmissionFile {
    UploadSubmissionFile {
        sub_mchid: "123000110".into(),
        file_name: file.filename().into(),
        file_digest: file.sha256_upper(),
        submission_file: file,
        item_id: 56,
        manage_record_id: "M-56".into(),
    }
}

#[tokio::test]
async fn uploads_are_answered_and_signed_over_the_meta_json_as_wechat_pay_computes() {
    let raw = Raw::start().await;
    let client = raw.sandbox.client().unwrap();

    // Through the client: the sandbox verified the signature over `meta` and the file's digest.
    let file = UploadFile::new("complaint.png", png());
    let answer = client
        .send(&UploadComplaintImage {
            filename: file.filename().into(),
            sha256: file.sha256().into(),
            file,
        })
        .await
        .unwrap();
    assert!(!answer.media_id.is_empty());
    let answer = client
        .send(&submission(UploadFile::new("licence.png", png())))
        .await
        .unwrap();
    assert!(!answer.file_id.is_empty());

    // The parts are as documented: `meta` (JSON, signed), the text parts, the named file part.
    let request = submission(UploadFile::new("licence.png", png()));
    let rendered = RenderedRequest::new(&request).unwrap();
    let meta = rendered.signed_body().unwrap().to_vec();
    assert_eq!(
        meta,
        format!(
            r#"{{"file_name":"licence.png","file_digest":"{}"}}"#,
            request.submission_file.sha256_upper()
        )
        .as_bytes()
    );
    let boundary = rendered
        .content_type()
        .unwrap()
        .split("boundary=")
        .nth(1)
        .unwrap()
        .to_owned();
    let body = rendered.body().unwrap();
    let mut expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
    )
    .into_bytes();
    expected.extend_from_slice(&meta);
    expected.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"item_id\"\r\n\r\n56\
             \r\n--{boundary}\r\nContent-Disposition: form-data; name=\"manage_record_id\"\r\n\r\nM-56\
             \r\n--{boundary}\r\nContent-Disposition: form-data; name=\"submission_file\"; filename=\"licence.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    expected.extend_from_slice(&png());
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(body, &expected[..]);

    // Signed over the meta JSON (PROTOCOL.md §7): accepted. Over the whole body: refused, and
    // the sandbox shows the message it computed, whose BODY line is the meta JSON.
    let (status, answer) = raw.send(&rendered, &meta).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = raw.send(&rendered, body).await;
    assert_eq!(status, 401, "{answer}");
    let computed = answer["detail"]["sign_information"]["truncated_sign_message"]
        .as_str()
        .unwrap();
    assert!(
        computed.starts_with(&format!("POST\n{}\n", rendered.target()))
            && computed.ends_with(&format!("\n{}\n", String::from_utf8_lossy(&meta))),
        "{computed}"
    );
}

#[tokio::test]
async fn upload_misuse_gets_a_clear_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();

    // A digest that is not the file's: refused by WeChat Pay's rule, naming the meta field.
    let file = UploadFile::new("complaint.png", png());
    let error = client
        .send(&UploadComplaintImage {
            filename: file.filename().into(),
            sha256: UploadFile::new("other.png", &b"other"[..]).sha256().into(),
            file,
        })
        .await
        .unwrap_err();
    let (status, code, detail) = api_error(&error);
    assert_eq!((status, code), (400, "PARAM_ERROR"), "{error}");
    assert_eq!(detail["field"], "/meta/sha256");

    // A required meta field left empty is named.
    let mut request = submission(UploadFile::new("licence.png", png()));
    request.file_digest = "00".into();
    let error = client.send(&request).await.unwrap_err();
    assert_eq!(api_error(&error).2["field"], "/meta/file_digest", "{error}");

    // An empty file is refused before anything is sent, saying what and where.
    let before = sandbox.requests_received();
    let error = client
        .send(&submission(UploadFile::new("empty.png", Vec::new())))
        .await
        .unwrap_err();
    let Error::InvalidRequest { endpoint, problem } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        *endpoint,
        "v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload"
    );
    assert!(problem.contains("\"empty.png\" is empty"), "{problem}");
    assert_eq!(sandbox.requests_received(), before);
}

#[tokio::test]
async fn a_delete_carries_its_json_body_and_signs_it() {
    let raw = Raw::start().await;
    let client = raw.sandbox.client().unwrap();
    let request = DeleteBrandStore {
        store_id: "20488000".into(),
        brand_id: "123456789".into(),
    };
    client.send(&request).await.unwrap();

    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/brand/partner/store/brandstores/20488000"
    );
    assert_eq!(rendered.body().unwrap(), br#"{"brand_id":"123456789"}"#);
    assert_eq!(rendered.content_type(), Some("application/json"));
    // The signature covers the body: signed over it, accepted; over an empty BODY line, refused.
    let (status, answer) = raw.send(&rendered, rendered.body().unwrap()).await;
    assert_eq!(status, 204, "{answer}");
    let (status, answer) = raw.send(&rendered, b"").await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["code"], "SIGN_ERROR");

    // Declared without `#[wechatpay(body)]`, the field goes to the query string, and WeChat Pay
    // says which body field is missing.
    let error = client
        .send(&DeleteBrandStoreWithoutBody {
            store_id: "20488000".into(),
            brand_id: "123456789".into(),
        })
        .await
        .unwrap_err();
    let (status, code, detail) = api_error(&error);
    assert_eq!((status, code), (400, "PARAM_ERROR"), "{error}");
    assert_eq!(
        (detail["location"].as_str(), detail["field"].as_str()),
        (Some("body"), Some("/brand_id"))
    );
}

#[tokio::test]
async fn a_trailing_slash_is_sent_and_signed_as_documented() {
    let raw = Raw::start().await;
    let request = SubmitApplyment {
        business_code: "APPLYMENT_00000000001".into(),
    };
    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(rendered.target(), "/v3/applyment4sub/applyment/");
    // The sandbox routes the path with its `/` and checks the signature over it: the answer is
    // the description's refusal of a body without the required `contact_info`, not a 404 or a
    // 401.
    let error = raw
        .sandbox
        .client()
        .unwrap()
        .send(&request)
        .await
        .unwrap_err();
    let (status, code, detail) = api_error(&error);
    assert_eq!((status, code), (400, "PARAM_ERROR"), "{error}");
    assert_eq!(detail["field"], "/contact_info");
    // Signed over the path without its `/` (what a client that normalises paths would sign):
    // refused, the sandbox showing the message it computed over the path as sent.
    let body = rendered.body().unwrap();
    let (status, answer) = raw
        .send_signed_as(&rendered, "/v3/applyment4sub/applyment", body)
        .await;
    assert_eq!(status, 401, "{answer}");
    let computed = answer["detail"]["sign_information"]["truncated_sign_message"]
        .as_str()
        .unwrap();
    assert!(
        computed.starts_with("POST\n/v3/applyment4sub/applyment/\n"),
        "{computed}"
    );
    let (status, answer) = raw.send(&rendered, body).await;
    assert_eq!(
        (status, answer["detail"]["field"].as_str()),
        (400, Some("/contact_info")),
        "{answer}"
    );
}

#[tokio::test]
async fn a_list_in_the_query_is_one_comma_separated_value() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let request = GetInviteUrl {
        operation_type: "AUTH_BINDING".into(),
        fapiao_mode: "TENCENT_DIGITAL_TAX".into(),
        invite_code: "code_20200101_123".into(),
        fapiao_ability_type_list: Some(vec!["BASE_ABILITY".into(), "REAL_ESTATE_ABILITY".into()]),
    };
    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl?operation_type=AUTH_BINDING&fapiao_mode=TENCENT_DIGITAL_TAX&invite_code=code_20200101_123&fapiao_ability_type_list=BASE_ABILITY%2CREAL_ESTATE_ABILITY"
    );
    let answer = client.send(&request).await.unwrap();
    assert!(answer["invite_url"].is_string(), "{answer}");

    // Each item is checked against the documented values, and the wrong one is named.
    let error = client
        .send(&GetInviteUrl {
            fapiao_ability_type_list: Some(vec!["BASE_ABILITY".into(), "NO_SUCH_ABILITY".into()]),
            ..request
        })
        .await
        .unwrap_err();
    let (status, code, detail) = api_error(&error);
    assert_eq!((status, code), (400, "PARAM_ERROR"), "{error}");
    assert_eq!(detail["field"], "/fapiao_ability_type_list");

    // An item that contains the separator cannot be sent unambiguously: refused locally.
    let error = RenderedRequest::new(&GetInviteUrl {
        operation_type: "AUTH_BINDING".into(),
        fapiao_mode: "TENCENT_DIGITAL_TAX".into(),
        invite_code: "c".into(),
        fapiao_ability_type_list: Some(vec!["A,B".into()]),
    })
    .unwrap_err();
    assert!(error.to_string().contains("contains `,`"), "{error}");
}
