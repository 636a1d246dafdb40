//! Files WeChat Pay does not sign, fetched over HTTP from the sandbox: transfer e-receipts
//! (checked against the SHA-256 of the signed query answer), complaint images and fapiao files;
//! a tampered, an oversized and a slow file each refused, leaving nothing at the destination.
#![cfg(all(feature = "merchant-service", feature = "transferdownload"))]

use std::path::{Path, PathBuf};
use std::time::Duration;

use http::Method;
use serde_json::json;
use wechatpay::Error;
use wechatpay::files::{Digest, DownloadOptions};
use wechatpay::v3::fund_app::{AcceptElecsignByOutNo, QueryElecsignByOutNo};
use wechatpay::v3::merchant_service::QueryImages;
use wechatpay::v3::transferdownload::GetElecvoucherfile;
use wechatpay_sandbox::{Fault, Sandbox};

const OUT_BILL_NO: &str = "plfk2020042013";

/// A small PNG-looking file.
fn png() -> Vec<u8> {
    let mut file = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    file.extend((0..4096u32).map(|i| (i * 31 % 251) as u8));
    file
}

/// A fresh directory for files written by one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wechatpay-unsigned-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Neither the file nor its `.part` is left behind.
fn assert_nothing_at(path: &Path) {
    assert!(!path.exists(), "{} was left behind", path.display());
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    assert!(
        !Path::new(&part).exists(),
        "{} was left behind",
        Path::new(&part).display()
    );
}

/// A transfer bill the user confirmed, its e-receipt applied for; the signed query answer's
/// download request and digest.
async fn e_receipt(
    sandbox: &Sandbox,
    client: &wechatpay::Client,
) -> (GetElecvoucherfile, Digest, String) {
    client
        .request(Method::POST, "v3/fund-app/mch-transfer/transfer-bills")
        .json(&json!({
            "appid": "wxf636efh567hg4356",
            "out_bill_no": OUT_BILL_NO,
            "openid": "o-MYE42l80oelYMDE34nYD456Xoy",
            "transfer_amount": 400,
            "transfer_remark": "2020年4月报销",
            "transfer_scene_id": "1000",
            "transfer_scene_report_infos": [{"info_type": "活动名称", "info_content": "注册会员有礼"}],
        }))
        .send()
        .await
        .unwrap();
    let apply = AcceptElecsignByOutNo {
        out_bill_no: OUT_BILL_NO.into(),
    };
    // Only a transfer that succeeded has an e-receipt.
    let early = client.send(&apply).await.unwrap_err();
    assert!(
        matches!(&early, Error::Api { status, .. } if status.as_u16() == 400),
        "{early:?}"
    );
    sandbox.confirm_transfer(OUT_BILL_NO).unwrap();
    client.send(&apply).await.unwrap();
    let receipt = client
        .send(&QueryElecsignByOutNo {
            out_bill_no: OUT_BILL_NO.into(),
        })
        .await
        .unwrap();
    let url = receipt.download_url.expect("download_url");
    let hash_type = receipt.hash_type.expect("hash_type");
    let digest =
        Digest::from_hash(hash_type.as_str(), &receipt.hash_value.expect("hash_value")).unwrap();
    let uri: http::Uri = url.parse().unwrap();
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap();
    let value = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap()
    };
    let request = GetElecvoucherfile {
        token: value("token"),
        source: value("source"),
    };
    let path_and_query = uri.path_and_query().unwrap().as_str().to_owned();
    (request, digest, path_and_query)
}

#[tokio::test]
async fn an_e_receipt_downloads_and_matches_the_sha256_of_the_signed_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (request, digest, path_and_query) = e_receipt(&sandbox, &client).await;
    assert_eq!(digest.algorithm(), "SHA256");
    let expected = sandbox.transfer_receipt_file(OUT_BILL_NO);

    let mut bytes = Vec::new();
    let file = client
        .download(
            &request,
            &mut bytes,
            DownloadOptions::new().digest(digest.clone()),
        )
        .await
        .unwrap();
    assert_eq!(bytes, expected);
    assert!(file.digest_checked);
    assert_eq!(file.len, expected.len() as u64);
    assert_eq!(file.content_type.as_deref(), Some("application/pdf"));
    assert!(file.request_id.is_some());

    // The same file through the raw builder, from the download_url's path and query.
    let dir = scratch("receipt");
    let path = dir.join("receipt.pdf");
    let file = client
        .request(Method::GET, &path_and_query)
        .download_to_file(&path, DownloadOptions::new().digest(digest))
        .await
        .unwrap();
    assert!(file.digest_checked);
    assert_eq!(std::fs::read(&path).unwrap(), expected);
}

#[tokio::test]
async fn a_complaint_image_downloads_as_it_was_uploaded() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let image = png();
    let upload = client
        .upload_image("evidence.png", image.clone())
        .await
        .unwrap();
    let dir = scratch("image");
    let path = dir.join("evidence.png");
    let file = client
        .download_to_file(
            &QueryImages {
                media_id: upload.media_id.clone(),
            },
            &path,
            DownloadOptions::new(),
        )
        .await
        .unwrap();
    assert!(!file.digest_checked, "no digest was given");
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    assert_eq!(std::fs::read(&path).unwrap(), image);

    let unknown = client
        .download(
            &QueryImages {
                media_id: "no-such-media".into(),
            },
            &mut Vec::new(),
            DownloadOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, Error::Api { status, code, .. } if status.as_u16() == 404 && code == "RESOURCE_NOT_EXISTS"),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_fapiao_file_downloads_through_the_raw_builder() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let pdf = b"%PDF-1.7\n% fapiao 04400190011112345678\n%%EOF\n".repeat(40);
    sandbox.store_fapiao_file("fp-20261206-1", pdf.clone());
    let sha256: String = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &pdf)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let mut bytes = Vec::new();
    let file = client
        .request(Method::GET, "v3/new-tax-control-fapiao/download")
        .query(&[("fapiao_id", "fp-20261206-1")])
        .download(
            &mut bytes,
            DownloadOptions::new().digest(Digest::Sha256(sha256)),
        )
        .await
        .unwrap();
    assert_eq!(bytes, pdf);
    assert!(file.digest_checked);
    assert_eq!(file.content_type.as_deref(), Some("application/pdf"));
}

#[tokio::test]
async fn a_tampered_file_fails_its_digest_and_leaves_no_file() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (request, digest, _) = e_receipt(&sandbox, &client).await;
    let dir = scratch("tampered");
    let path = dir.join("receipt.pdf");
    sandbox.inject(Fault::TamperBody);
    let error = client
        .download_to_file(&request, &path, DownloadOptions::new().digest(digest))
        .await
        .unwrap_err();
    match &error {
        Error::FileDigestMismatch {
            algorithm,
            expected,
            actual,
            url,
        } => {
            assert_eq!(*algorithm, "SHA256");
            assert_ne!(expected, actual);
            assert!(!url.contains(&request.token), "the token is shown: {url}");
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    assert!(error.to_string().contains("altered"), "{error}");
    assert_nothing_at(&path);
}

#[tokio::test]
async fn an_oversized_file_stops_at_the_cap_and_leaves_no_file() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .max_download_bytes(1024)
        .build()
        .unwrap();
    let upload = client.upload_image("big.png", png()).await.unwrap();
    let dir = scratch("oversized");
    let path = dir.join("big.png");
    let error = client
        .download_to_file(
            &QueryImages {
                media_id: upload.media_id,
            },
            &path,
            DownloadOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::BodyTooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    assert_nothing_at(&path);
}

#[tokio::test]
async fn a_slow_file_hits_the_download_deadline_and_leaves_no_file() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .download_deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let upload = client.upload_image("slow.png", png()).await.unwrap();
    // 4 KiB in 512-byte chunks, 300 ms apart: nearly three seconds in all.
    sandbox.serve_files_slowly(Duration::from_millis(300));
    let dir = scratch("slow");
    let path = dir.join("slow.png");
    let started = std::time::Instant::now();
    let error = client
        .download_to_file(
            &QueryImages {
                media_id: upload.media_id,
            },
            &path,
            DownloadOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Timeout {
                timeout_ms: 400,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the download ran past its deadline: {:?}",
        started.elapsed()
    );
    assert_nothing_at(&path);
}

#[tokio::test]
async fn answers_wechat_pay_signs_are_still_verified() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (_, _, _) = e_receipt(&sandbox, &client).await;
    let query = QueryElecsignByOutNo {
        out_bill_no: OUT_BILL_NO.into(),
    };
    // A signed endpoint is not downloaded as a file.
    let error = client
        .download(&query, &mut Vec::new(), DownloadOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest { problem, .. } if problem.contains("Client::send")),
        "{error:?}"
    );
    // Its answer without a signature is refused, whatever the downloads accept.
    sandbox.inject(Fault::StripSignature);
    let error = client.send(&query).await.unwrap_err();
    assert!(matches!(&error, Error::Unsigned { .. }), "{error:?}");
}

/// A file download declared by hand, answered by a handler with JSON: WeChat Pay's way of
/// refusing a download with a `2xx`.
#[wechatpay::endpoint(GET, "v3/sandbox-test/file", response = serde_json::Value, unsigned_response)]
#[derive(serde::Deserialize)]
pub struct TestFile {
    pub token: String,
}

#[tokio::test]
async fn a_json_error_body_is_an_api_error_and_its_signature_must_hold() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.handle(|_: TestFile| {
        Ok(json!({ "code": "RESOURCE_NOT_EXISTS", "message": "文件已过期，请重新申请" }))
    });
    let client = sandbox.client().unwrap();
    let request = TestFile {
        token: "T-1".into(),
    };
    let dir = scratch("json-error");
    let path = dir.join("file.bin");
    let error = client
        .download_to_file(&request, &path, DownloadOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, code, verified: true, .. } if status.as_u16() == 200 && code == "RESOURCE_NOT_EXISTS"),
        "{error:?}"
    );
    assert_nothing_at(&path);
    // An error answer that carries a signature is verified: altered on the way, it is refused.
    sandbox.inject(Fault::TamperBody);
    let error = client
        .download(&request, &mut Vec::new(), DownloadOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::BadSignature { .. }), "{error:?}");
}

#[cfg(feature = "global")]
#[tokio::test]
async fn a_statement_of_the_global_host_downloads_without_a_signature() {
    use wechatpay::v3::global::GetStatements;
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mut bytes = Vec::new();
    let file = client
        .download(
            &GetStatements {
                date: "2026-12-05".into(),
                mchid: Some(sandbox.mchid().to_owned()),
                sp_mchid: None,
                sub_mchid: None,
            },
            &mut bytes,
            DownloadOptions::new(),
        )
        .await
        .unwrap();
    assert!(!file.digest_checked);
    assert_eq!(file.len, bytes.len() as u64);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("交易时间,"), "{text}");
    assert_eq!(text.lines().count(), 4, "the header and 3 rows: {text}");
}
