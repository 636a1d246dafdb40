//! `401 SIGN_ERROR`, explained: each cause played over HTTP by the sandbox (or a rewriting proxy
//! in front of it) and named by `Error::sign_error_diagnosis`.

use std::net::SocketAddr;

use http::Method;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wechatpay::sign_diagnosis::{SignDiagnosis, SignErrorCause};
use wechatpay::v3::pay::QueryOrderByOutTradeNo;
use wechatpay::{Client, Error, MerchantKey};
use wechatpay_sandbox::Sandbox;

mod common;

/// The sandbox merchant's private key, as its `export` lines hand it to another process.
fn merchant_key(sandbox: &Sandbox) -> MerchantKey {
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-sign-error-{}-{}",
        std::process::id(),
        sandbox.addr().port()
    ));
    let env = sandbox.write_env(&dir).unwrap();
    let path = &env
        .iter()
        .find(|(k, _)| k == "WECHATPAY_MERCHANT_PRIVATE_KEY")
        .unwrap()
        .1;
    MerchantKey::from_pem_file(path).unwrap()
}

/// Sends the seed pre-sign and returns the diagnosis of the `SIGN_ERROR` it must get.
async fn diagnosis_of(client: &Client, out_contract_code: &str) -> (Error, SignDiagnosis) {
    let error = client
        .send(&common::pre_entrust_sign(out_contract_code))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SIGN_ERROR"), "{error:?}");
    let diagnosis = error
        .sign_error_diagnosis()
        .expect("a SIGN_ERROR has a diagnosis");
    (error, diagnosis)
}

/// A proxy on loopback that changes each request on its way to `upstream`: `rewrite` gets the
/// request target and the body, and may change both (`Content-Length` follows).
async fn rewriting_proxy(
    upstream: SocketAddr,
    rewrite: fn(&mut String, &mut Vec<u8>),
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut received = Vec::new();
                let mut chunk = [0u8; 8192];
                let head_end = loop {
                    if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end;
                    }
                    match client.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => received.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
                let mut lines = head.split("\r\n");
                let request_line = lines.next().unwrap_or_default().to_owned();
                let headers: Vec<String> = lines.map(str::to_owned).collect();
                let length = headers
                    .iter()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while received.len() < head_end + 4 + length {
                    match client.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => received.extend_from_slice(&chunk[..n]),
                    }
                }
                let mut body = received[head_end + 4..head_end + 4 + length].to_vec();
                let mut parts = request_line.splitn(3, ' ');
                let (method, mut target, version) = (
                    parts.next().unwrap_or_default().to_owned(),
                    parts.next().unwrap_or_default().to_owned(),
                    parts.next().unwrap_or_default().to_owned(),
                );
                rewrite(&mut target, &mut body);
                let mut forwarded = format!("{method} {target} {version}\r\n");
                for line in &headers {
                    let name = line.split(':').next().unwrap_or_default();
                    if !name.eq_ignore_ascii_case("content-length")
                        && !name.eq_ignore_ascii_case("connection")
                    {
                        forwarded.push_str(line);
                        forwarded.push_str("\r\n");
                    }
                }
                if length > 0 || !body.is_empty() {
                    forwarded.push_str(&format!("content-length: {}\r\n", body.len()));
                }
                forwarded.push_str("connection: close\r\n\r\n");
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let mut bytes = forwarded.into_bytes();
                bytes.extend_from_slice(&body);
                if server.write_all(&bytes).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy(&mut server, &mut client).await;
                let _ = client.shutdown().await;
            });
        }
    });
    addr
}

/// A proxy that parses JSON bodies and writes them back pretty-printed (as some gateways and
/// logging middlewares do).
fn reserialise_json(_target: &mut String, body: &mut Vec<u8>) {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        *body = serde_json::to_vec_pretty(&value).unwrap();
    }
}

/// A gateway that decodes percent-escapes in the path before forwarding it.
fn decode_path(target: &mut String, _body: &mut Vec<u8>) {
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    *target = if query.is_empty() {
        decoded
    } else {
        format!("{decoded}?{query}")
    };
}

#[tokio::test]
async fn a_serial_that_is_not_the_merchants_is_named() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .merchant_key(
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            merchant_key(&sandbox),
        )
        .build()
        .unwrap();
    let (_, diagnosis) = diagnosis_of(&client, "wrong-serial").await;
    assert!(
        matches!(diagnosis.cause(), SignErrorCause::WrongSerial { ours, .. } if ours == "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"),
        "{diagnosis:?}"
    );
    assert!(diagnosis.wechatpay_message().contains("序列号"));
    let text = diagnosis.to_string();
    assert!(text.contains("wrong merchant serial"), "{text}");
    assert!(text.contains("openssl x509"), "{text}");
}

#[tokio::test]
async fn a_key_that_is_not_the_serials_is_named_when_the_message_is_the_one_signed() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // WeChat Pay holds another key for the merchant serial: registered over the control route.
    let other = MerchantKey::generate().unwrap().public_key();
    client
        .request(Method::PUT, "v3/sandbox/sign-check")
        .json(&serde_json::json!({ "merchant_public_key_pem": other.to_pem() }))
        .send()
        .await
        .expect("the control route takes the key");
    let (error, diagnosis) = diagnosis_of(&client, "other-key").await;
    assert!(
        matches!(diagnosis.cause(), SignErrorCause::KeyMismatch { serial } if serial == sandbox.merchant_serial()),
        "{diagnosis:?}"
    );
    // Both sides are shown, of the same length.
    let signed = diagnosis.signed().unwrap();
    let checked = diagnosis.checked().unwrap();
    assert_eq!(
        checked.sign_message_length,
        Some(signed.message_length() as u64)
    );
    assert_eq!(signed.method(), "POST");
    assert_eq!(signed.target(), "/v3/papay/sign/contracts/pre-entrust-sign");
    let text = diagnosis.to_string();
    assert!(text.contains("does not match the serial"), "{text}");
    assert!(
        text.contains("signed:   POST\\n/v3/papay/sign/contracts/pre-entrust-sign\\n"),
        "{text}"
    );
    // Nothing secret is kept: no signature in the error's Debug.
    let debug = format!("{error:?}");
    assert!(!debug.contains("signature=\""), "{debug}");

    // The same, with the message cut as short as WeChat Pay cuts it (8 characters of body).
    sandbox.truncate_sign_messages_like_wechatpay(true);
    let (_, diagnosis) = diagnosis_of(&client, "other-key-short").await;
    assert!(
        matches!(diagnosis.cause(), SignErrorCause::KeyMismatch { .. }),
        "{diagnosis:?}"
    );
    let message = diagnosis
        .checked()
        .unwrap()
        .truncated_sign_message
        .clone()
        .unwrap();
    assert!(message.ends_with("\n{\"sign_s\n"), "{message:?}");

    // The merchant's own key again: accepted.
    sandbox.register_merchant_public_key(None);
    client
        .send(&common::pre_entrust_sign("own-key"))
        .await
        .expect("the merchant's key verifies again");
}

#[tokio::test]
async fn a_body_reserialised_on_the_way_is_named() {
    let sandbox = Sandbox::start().await.unwrap();
    let proxy = rewriting_proxy(sandbox.addr(), reserialise_json).await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{proxy}/"))
        .build()
        .unwrap();
    let (_, diagnosis) = diagnosis_of(&client, "reserialised").await;
    let SignErrorCause::BodyChanged {
        ours_length,
        theirs_length,
        ..
    } = diagnosis.cause()
    else {
        panic!("{diagnosis:?}");
    };
    assert!(theirs_length.unwrap() > *ours_length as u64, "{diagnosis}");
    assert!(
        diagnosis.to_string().contains("re-serialised"),
        "{diagnosis}"
    );

    // With WeChat Pay's short message too: the length tells.
    sandbox.truncate_sign_messages_like_wechatpay(true);
    let (_, diagnosis) = diagnosis_of(&client, "reserialised-short").await;
    assert!(
        matches!(diagnosis.cause(), SignErrorCause::BodyChanged { theirs_start: Some(start), .. } if start.starts_with("{\n ")),
        "{diagnosis:?}"
    );
}

#[tokio::test]
async fn a_path_decoded_on_the_way_is_named() {
    let sandbox = Sandbox::start().await.unwrap();
    let proxy = rewriting_proxy(sandbox.addr(), decode_path).await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{proxy}/"))
        .build()
        .unwrap();
    let error = client
        .send(&QueryOrderByOutTradeNo {
            out_trade_no: "T:1001".into(),
            mchid: sandbox.mchid().into(),
        })
        .await
        .unwrap_err();
    let diagnosis = error.sign_error_diagnosis().expect("a SIGN_ERROR");
    let SignErrorCause::RequestLineChanged { ours, theirs, how } = diagnosis.cause() else {
        panic!("{diagnosis:?}");
    };
    assert!(ours.contains("/out-trade-no/T%3A1001?"), "{ours}");
    assert!(theirs.contains("/out-trade-no/T:1001?"), "{theirs}");
    assert!(how.contains("percent-encoding"), "{how}");
}

#[tokio::test]
async fn a_clock_far_from_wechatpays_is_named() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // WeChat Pay's clock an hour ahead: this machine is an hour behind.
    sandbox.set_clock_offset(3_600);
    let (_, diagnosis) = diagnosis_of(&client, "late-clock").await;
    let SignErrorCause::Clock {
        signed_at,
        server_time,
    } = diagnosis.cause()
    else {
        panic!("{diagnosis:?}");
    };
    let behind = server_time.expect("the answer's Date") - signed_at;
    assert!((3_590..=3_610).contains(&behind), "{diagnosis}");
    assert!(
        diagnosis.to_string().contains("behind WeChat Pay's clock"),
        "{diagnosis}"
    );
    sandbox.set_clock_offset(0);
    client
        .send(&common::pre_entrust_sign("clock-right"))
        .await
        .expect("accepted once the clocks agree");
}

#[tokio::test]
async fn other_errors_have_no_sign_diagnosis() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .request(Method::POST, "v3/papay/sign/contracts/pre-entrust-sign")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error:?}");
    assert!(error.sign_error_diagnosis().is_none());
}
