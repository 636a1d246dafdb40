//! One trace line per call: a plain `tracing_subscriber::fmt()` prints one line for each call the
//! client makes, with method, path template, status, `Request-ID`, attempts and elapsed time, and
//! no secret and no body. Alone in its test binary: a subscriber set for one thread sees events
//! reliably only when no other test hits the same call sites at the same time.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use wechatpay_sandbox::{Fault, Sandbox};

/// Everything a `tracing_subscriber::fmt()` writes, for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The lines the client wrote (the sandbox, in the same process, writes its own).
fn client_lines(captured: &Captured) -> Vec<String> {
    captured
        .lines()
        .into_iter()
        .filter(|line| line.contains(" wechatpay::") && !line.contains("wechatpay_sandbox"))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_plain_fmt_subscriber_prints_one_line_per_call() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .send_with_meta(&common::pre_entrust_sign("trace-1"))
        .await
        .unwrap();
    let request_id = answer.request_id().unwrap().to_owned();

    let lines = client_lines(&captured);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let line = &lines[0];
    for expected in [
        " INFO ",
        "method=POST",
        "path=\"v3/papay/sign/contracts/pre-entrust-sign\"",
        "status=200",
        &format!("request_id=\"{request_id}\""),
        "attempts=1",
        "elapsed_ms=",
    ] {
        assert!(line.contains(expected), "{expected} not in {line}");
    }
    // No secret and no body: neither the signature, the serial, nor a field of the request.
    for secret in [
        "Authorization",
        "WECHATPAY2-SHA256-RSA2048",
        "signature",
        sandbox.merchant_serial(),
        "trace-1",
        "wxd678efh567hg6787",
    ] {
        assert!(!line.contains(secret), "{secret} in {line}");
    }

    // A call retried after a server error is still one line, with its attempts counted; a
    // failed call is one line with its status and error.
    sandbox.inject(Fault::ServerError);
    let retried = client.send(&common::pre_entrust_sign("trace-2")).await;
    assert!(retried.is_ok(), "{retried:?}");
    sandbox.inject(Fault::RateLimited);
    let refused = client.send(&common::pre_entrust_sign("trace-3")).await;
    assert!(refused.is_err());
    let lines = client_lines(&captured);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[1].contains("attempts=2") && lines[1].contains("status=200"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(" WARN ")
            && lines[2].contains("status=429")
            && lines[2].contains("attempts=1")
            && lines[2].contains("rate limit"),
        "{}",
        lines[2]
    );

    #[cfg(feature = "v2-papay")]
    {
        use wechatpay::v2::catalog::papay::{
            PreEntrustWeb, PreEntrustWebVersion, QueryContract, QueryContractVersion,
        };
        // An API v2 call goes through the same loop: one line with its path, status, Request-ID
        // and attempts; a v2 failure is one WARN line that says whether the outcome is known.
        let pre = client
            .send_with_meta(&PreEntrustWeb {
                sub_appid: None,
                sub_mch_id: None,
                plan_id: "12535".into(),
                contract_code: "trace-v2".into(),
                request_serial: 1,
                contract_display_account: "trace".into(),
                notify_url: "https://yourapp.example/notify".into(),
                version: PreEntrustWebVersion::V10,
                timestamp: "1414488825".into(),
                return_app: None,
            })
            .await
            .unwrap();
        let v2_request_id = pre.request_id().unwrap().to_owned();
        let unknown = client
            .send(&QueryContract {
                contract_id: Some("trace-none".into()),
                plan_id: None,
                contract_code: None,
                version: QueryContractVersion::V10,
            })
            .await;
        assert!(unknown.is_err());
        let lines = client_lines(&captured);
        assert_eq!(lines.len(), 5, "{lines:#?}");
        for expected in [
            " INFO ",
            "method=POST",
            "path=\"papay/preentrustweb\"",
            "status=200",
            &format!("request_id=\"{v2_request_id}\""),
            "attempts=1",
        ] {
            assert!(
                lines[3].contains(expected),
                "{expected} not in {}",
                lines[3]
            );
        }
        for secret in ["trace-v2", "sign", sandbox.apiv2_key()] {
            assert!(!lines[3].contains(secret), "{secret} in {}", lines[3]);
        }
        for expected in [
            " WARN ",
            "path=\"papay/querycontract\"",
            "status=200",
            "attempts=1",
            "outcome_unknown=false",
            "CONTRACT_NOT_EXIST",
        ] {
            assert!(
                lines[4].contains(expected),
                "{expected} not in {}",
                lines[4]
            );
        }
    }
    drop(_guard);

    // At debug level the client traces each request it sends: a bill download's token (which
    // lets anyone holding it fetch the bill) is not in it, nor in the download's errors.
    let debug = Captured::default();
    let writer = debug.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let bill = client
        .send(&wechatpay::v3::bill::TradeBill {
            bill_date: "2026-11-26".into(),
            sub_mchid: None,
            bill_type: None,
            tar_type: None,
        })
        .await
        .unwrap();
    let download_url = bill.download_url.clone().expect("download_url");
    let token = download_url.split_once("token=").unwrap().1.to_owned();
    assert!(token.len() > 8, "{token}");
    client.download_bill(&bill, &mut Vec::new()).await.unwrap();
    let refused = client
        .download_bill(
            &wechatpay::v3::bill::BillDownloadUrl {
                download_url: Some(download_url.replace("file", "file/x")),
                ..bill.clone()
            },
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("?…"), "{refused}");
    assert!(!refused.to_string().contains(&token), "{refused}");
    let lines = client_lines(&debug);
    let sending: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("billdownload"))
        .collect();
    assert!(!sending.is_empty(), "{lines:#?}");
    for line in &lines {
        assert!(!line.contains(&token), "the token in {line}");
    }
}
