//! Bill downloads: the signed bill answer's SHA-1 is checked over a streamed, unsigned file.

use wechatpay::Error;
use wechatpay::v3::bill::{AccountType, BillType, FundFlowBill, HashType, TarType, TradeBill};
use wechatpay_sandbox::{Fault, Sandbox};

fn trade_bill(tar_type: Option<TarType>) -> TradeBill {
    TradeBill {
        bill_date: "2026-11-26".into(),
        sub_mchid: None,
        bill_type: Some(BillType::All),
        tar_type,
    }
}

#[tokio::test]
async fn a_trade_bill_downloads_and_matches_its_digest() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let bill = client.send(&trade_bill(None)).await.unwrap();
    assert_eq!(bill.hash_type.as_ref().map(HashType::as_str), Some("SHA1"));
    assert!(
        bill.download_url
            .as_deref()
            .expect("download_url")
            .contains("/v3/billdownload/file?token=")
    );
    let mut text = Vec::new();
    let file = client.download_bill(&bill, &mut text).await.unwrap();
    assert_eq!(Some(&file.sha1), bill.hash_value.as_ref());
    assert!(!file.gzip);
    assert_eq!(file.written_bytes, text.len() as u64);
    let text = String::from_utf8(text).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("交易时间,公众账号ID,商户号")
    );
    assert_eq!(lines.count(), 1000, "the header and 1000 rows");
    assert!(text.contains("`2026-11-26 10:"));
}

#[tokio::test]
async fn a_gzip_bill_is_unpacked_and_checked() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let plain = client.send(&trade_bill(None)).await.unwrap();
    let packed = client.send(&trade_bill(Some(TarType::Gzip))).await.unwrap();
    assert_ne!(
        plain.hash_value, packed.hash_value,
        "the digest covers the gzip file"
    );
    let (mut plain_text, mut unpacked) = (Vec::new(), Vec::new());
    client.download_bill(&plain, &mut plain_text).await.unwrap();
    let file = client.download_bill(&packed, &mut unpacked).await.unwrap();
    assert!(file.gzip);
    assert!(file.received_bytes < file.written_bytes / 3, "{file:?}");
    assert_eq!(unpacked, plain_text);
}

#[tokio::test]
async fn a_tampered_download_is_refused_and_leaves_no_file() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let bill = client.send(&trade_bill(None)).await.unwrap();
    sandbox.inject(Fault::TamperBody);
    let error = client
        .download_bill(&bill, &mut Vec::new())
        .await
        .unwrap_err();
    match &error {
        Error::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(Some(expected), bill.hash_value.as_ref());
            assert_ne!(actual, expected);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }

    let dir = std::env::temp_dir().join(format!("wechatpay-bill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("2026-11-26.csv");
    sandbox.inject(Fault::TamperBody);
    assert!(client.download_bill_to_file(&bill, &path).await.is_err());
    assert!(!path.exists(), "no bill file after a failed download");
    assert!(
        !dir.join("2026-11-26.csv.part").exists(),
        "no partial file either"
    );
    let file = client.download_bill_to_file(&bill, &path).await.unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), file.written_bytes);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_fund_flow_bill_downloads_too() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_bill_rows(10);
    let client = sandbox.client().unwrap();
    let bill = client
        .send(&FundFlowBill {
            bill_date: "2026-11-26".into(),
            sub_mchid: None,
            account_type: Some(AccountType::Basic),
            tar_type: None,
        })
        .await
        .unwrap();
    let mut text = Vec::new();
    client.download_bill(&bill, &mut text).await.unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.starts_with("记账时间,微信支付业务单号"));
    assert_eq!(text.lines().count(), 11);
}

#[tokio::test]
async fn bad_dates_and_unknown_tokens_are_api_errors() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .send(&TradeBill {
            bill_date: "20261126".into(),
            sub_mchid: None,
            bill_type: None,
            tar_type: None,
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error:?}");

    let mut bill = client.send(&trade_bill(None)).await.unwrap();
    bill.download_url =
        Some("https://api.mch.weixin.qq.com/v3/billdownload/file?token=expired".into());
    let error = client
        .download_bill(&bill, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("INVALID_REQUEST"), "{error:?}");

    bill.download_url = Some("https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi".into());
    let error = client
        .download_bill(&bill, &mut Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
}
