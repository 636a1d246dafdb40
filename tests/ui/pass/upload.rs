// A multipart upload: the file part, text parts and the signed `meta` JSON of the other fields.
use wechatpay::endpoint;
use wechatpay::endpoint::RenderedRequest;
use wechatpay::media::UploadFile;

#[derive(serde::Deserialize)]
pub struct Uploaded {
    pub file_id: String,
}

#[endpoint(POST, "v3/mch-manage/submission-files/sub-mchid/{sub_mchid}/upload", response = Uploaded)]
pub struct UploadSubmissionFile {
    pub sub_mchid: String,
    #[wechatpay(file)]
    pub submission_file: UploadFile,
    #[wechatpay(form)]
    pub item_id: i64,
    #[wechatpay(form)]
    pub manage_record_id: String,
    pub file_name: String,
    pub file_digest: Option<String>,
}

fn main() {
    let file = UploadFile::new("a.png", &b"png"[..]);
    let request = UploadSubmissionFile {
        sub_mchid: "123000110".into(),
        file_name: file.filename().into(),
        file_digest: None,
        submission_file: file,
        item_id: 56,
        manage_record_id: "m1".into(),
    };
    let rendered = RenderedRequest::new(&request).unwrap();
    assert_eq!(
        rendered.target(),
        "/v3/mch-manage/submission-files/sub-mchid/123000110/upload"
    );
    assert_eq!(rendered.signed_body().unwrap(), br#"{"file_name":"a.png"}"#);
    let body = String::from_utf8_lossy(rendered.body().unwrap()).into_owned();
    assert!(body.contains("name=\"item_id\"\r\n\r\n56\r\n"));
    assert!(body.contains("name=\"manage_record_id\"\r\n\r\nm1\r\n"));
    assert!(body.contains("name=\"submission_file\"; filename=\"a.png\"\r\nContent-Type: image/png"));
}
