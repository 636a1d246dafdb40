//! Media uploads against the sandbox over real HTTP: multipart bodies signed over their `meta`
//! JSON, files checked against the signed SHA-256, answers verified.

use base64::Engine as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay::media::{MAX_IMAGE_BYTES, MAX_VIDEO_BYTES, MediaForm, MediaKind};
use wechatpay::{Error, MerchantKey};
use wechatpay_sandbox::{Fault, Sandbox};

/// A small PNG-looking file: the PNG signature and some bytes.
fn png() -> Vec<u8> {
    let mut file = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    file.extend((0..4096u32).map(|i| (i * 31 % 251) as u8));
    file
}

/// An MP4-looking file larger than any image may be.
fn mp4() -> Vec<u8> {
    let mut file = b"\0\0\0\x20ftypisom".to_vec();
    file.extend((0..3 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    file
}

fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn an_image_and_a_video_upload_and_the_sandbox_holds_what_was_sent() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();

    let image = png();
    let upload = client
        .upload_image("storefront.png", image.clone())
        .await
        .unwrap();
    assert!(!upload.media_id.is_empty());
    let held = sandbox.uploaded_media(&upload.media_id).unwrap();
    assert_eq!(held.kind, MediaKind::Image);
    assert_eq!(held.filename, "storefront.png");
    assert_eq!(held.sha256, sha256_hex(&image));
    assert_eq!(held.size, image.len());

    let video = mp4();
    assert!(video.len() > MAX_IMAGE_BYTES && video.len() <= MAX_VIDEO_BYTES);
    let upload = client
        .upload_video("门店介绍 \"终版\".MP4", video.clone())
        .await
        .unwrap();
    let held = sandbox.uploaded_media(&upload.media_id).unwrap();
    assert_eq!(held.kind, MediaKind::Video);
    assert_eq!(held.filename, "门店介绍 \"终版\".MP4");
    assert_eq!(held.sha256, sha256_hex(&video));
    assert_eq!(held.size, video.len());

    assert_eq!(sandbox.requests_to("v3/merchant/media/upload"), 1);
    assert_eq!(sandbox.requests_to("v3/merchant/media/video_upload"), 1);
    assert!(sandbox.uploaded_media("no-such-id").is_none());
}

#[tokio::test]
async fn local_checks_refuse_before_anything_is_sent() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let refused = [
        client
            .upload_image("empty.png", Vec::new())
            .await
            .unwrap_err(),
        client.upload_image("photo.gif", png()).await.unwrap_err(),
        client.upload_image("photo.jpeg", png()).await.unwrap_err(),
        client.upload_image("noextension", png()).await.unwrap_err(),
        client
            .upload_image("big.png", vec![1u8; MAX_IMAGE_BYTES + 1])
            .await
            .unwrap_err(),
        client.upload_video("clip.png", mp4()).await.unwrap_err(),
        client
            .upload_video("long.mp4", vec![1u8; MAX_VIDEO_BYTES + 1])
            .await
            .unwrap_err(),
    ];
    for error in &refused {
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    }
    let messages: Vec<String> = refused.iter().map(ToString::to_string).collect();
    assert!(messages[0].contains("empty"), "{}", messages[0]);
    assert!(messages[1].contains(".jpg, .bmp, .png"), "{}", messages[1]);
    assert!(messages[2].contains("rename"), "{}", messages[2]);
    assert!(messages[3].contains("no extension"), "{}", messages[3]);
    assert!(messages[4].contains("at most 2 MiB"), "{}", messages[4]);
    assert!(messages[5].contains(".mp4"), "{}", messages[5]);
    assert!(messages[6].contains("at most 5 MiB"), "{}", messages[6]);
    assert_eq!(sandbox.requests_received(), 0);
}

#[tokio::test]
async fn a_tampered_answer_is_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(Fault::TamperBody);
    let error = client.upload_image("a.png", png()).await.unwrap_err();
    assert!(error.is_verification_failure(), "{error:?}");
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");
    // The next answer is honest again.
    client.upload_image("a.png", png()).await.unwrap();
}

/// A request sent by hand, to do what the client never does.
struct Raw {
    sandbox: Sandbox,
    key: MerchantKey,
}

/// Status and body of a hand-made answer.
struct RawAnswer {
    status: u16,
    body: serde_json::Value,
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

    /// Posts `body` (a multipart form with boundary `form.boundary()`) to `form`'s path, with an
    /// `Authorization` signed over `signed`.
    async fn post(&self, form: &MediaForm, body: &[u8], signed: &[u8]) -> RawAnswer {
        let target = format!("/{}", form.kind().path());
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
        let message = wechatpay::auth::request_message("POST", &target, timestamp, nonce, signed);
        let signature = base64::engine::general_purpose::STANDARD.encode(self.key.sign(&message));
        let authorization = format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
            self.sandbox.mchid(),
            self.sandbox.merchant_serial()
        );
        let head = format!(
            "POST {target} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: media-upload-test\r\nContent-Type: {}\r\nContent-Length: {}\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n",
            self.sandbox.addr(),
            form.content_type(),
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
        RawAnswer {
            status,
            body: serde_json::from_str(body).unwrap(),
        }
    }
}

#[tokio::test]
async fn the_signature_covers_the_meta_json_not_the_multipart_bytes() {
    let raw = Raw::start().await;
    let form = MediaForm::new(MediaKind::Image, "a.png", png()).unwrap();

    // Signed over the meta JSON, as the protocol says: accepted.
    let answer = raw.post(&form, form.body(), form.meta()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let media_id = answer.body["media_id"].as_str().unwrap();
    assert_eq!(
        raw.sandbox.uploaded_media(media_id).unwrap().sha256,
        form.sha256()
    );

    // Signed over the whole multipart body instead: refused.
    let answer = raw.post(&form, form.body(), form.body()).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.body["code"], "SIGN_ERROR");
    // The sandbox says what it verified: the meta JSON as the BODY line.
    let computed = answer.body["detail"]["sign_information"]["truncated_sign_message"]
        .as_str()
        .unwrap();
    let meta = std::str::from_utf8(form.meta()).unwrap();
    assert!(computed.ends_with(&format!("\n{meta}\n")), "{computed}");
}

#[tokio::test]
async fn a_file_altered_after_signing_is_refused_by_its_sha256() {
    let raw = Raw::start().await;
    let form = MediaForm::new(MediaKind::Image, "a.png", png()).unwrap();
    // A proxy changes one byte of the file part; the signed meta is untouched.
    let mut altered = form.body().to_vec();
    let file_start = altered.windows(4).position(|w| w == b"\x89PNG").unwrap();
    altered[file_start + 100] ^= 0x01;
    let answer = raw.post(&form, &altered, form.meta()).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.body["code"], "PARAM_ERROR");
    assert!(
        answer.body["message"].as_str().unwrap().contains("sha256"),
        "{}",
        answer.body
    );
    assert_eq!(answer.body["detail"]["field"], "/meta/sha256");

    // Changing the meta instead breaks the signature.
    let other = MediaForm::new(MediaKind::Image, "a.png", b"other".to_vec()).unwrap();
    let meta_start = form
        .body()
        .windows(form.meta().len())
        .position(|w| w == form.meta())
        .unwrap();
    let mut swapped = form.body().to_vec();
    swapped.splice(
        meta_start..meta_start + form.meta().len(),
        other.meta().iter().copied(),
    );
    let answer = raw.post(&form, &swapped, form.meta()).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.body["code"], "SIGN_ERROR");

    // A body that is not a well-formed form cannot be checked at all.
    let truncated = &form.body()[..form.body().len() - 20];
    let answer = raw.post(&form, truncated, form.meta()).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.body["code"], "INVALID_REQUEST");
}
