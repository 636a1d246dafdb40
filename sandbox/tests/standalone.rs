//! The `wechatpay-sandbox` binary on its own: a client in another process, configured only from
//! the `export` lines it prints, completes the papay story, callbacks decrypted included.

mod common;

use std::process::Command;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wechatpay::Client;
use wechatpay::notify::Event;
use wechatpay::v3::papay::{
    ApplyDeduction, ContractState, DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign,
    QueryContract, ScheduledAmount, SignScene, TerminateContract,
};

#[test]
fn a_client_in_another_process_completes_the_papay_story_from_the_printed_exports() {
    if common::is_client_process() {
        return; // the client process runs `papay_story_as_a_separate_client` only
    }
    let keys_dir = common::keys_dir("standalone");
    let (_sandbox, exports) = common::start_sandbox(&keys_dir);
    for name in [
        "WECHATPAY_BASE_URL",
        "WECHATPAY_MCHID",
        "WECHATPAY_MERCHANT_SERIAL",
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        "WECHATPAY_PUBLIC_KEY",
        "WECHATPAY_PUBLIC_KEY_ID",
        "WECHATPAY_APIV3_KEY",
        "WECHATPAY_PLATFORM_PRIVATE_KEY",
    ] {
        assert!(
            exports.contains_key(name),
            "{name} is not printed: {exports:?}"
        );
    }
    assert_eq!(exports["WECHATPAY_APIV3_KEY"].len(), 32);
    let saved = std::fs::read_to_string(keys_dir.join(wechatpay_sandbox::ENV_FILE)).unwrap();
    assert!(saved.contains(&format!(
        "export WECHATPAY_APIV3_KEY={}",
        exports["WECHATPAY_APIV3_KEY"]
    )));

    // This test binary again, as the client process, with nothing but the printed variables.
    let stdout = common::client_process("papay_story_as_a_separate_client", &exports);
    assert!(stdout.contains("story complete"), "{stdout}");
}

#[test]
fn the_sandbox_restarts_with_the_keys_it_left() {
    if common::is_client_process() {
        return;
    }
    let keys_dir = common::keys_dir("restart");
    let (first, before) = common::start_sandbox(&keys_dir);
    drop(first);
    let (_second, after) = common::start_sandbox(&keys_dir);
    for name in [
        "WECHATPAY_MCHID",
        "WECHATPAY_MERCHANT_SERIAL",
        "WECHATPAY_PUBLIC_KEY_ID",
        "WECHATPAY_APIV3_KEY",
    ] {
        assert_eq!(before[name], after[name], "{name} changed across a restart");
    }
    let key = |env: &std::collections::HashMap<String, String>| {
        std::fs::read_to_string(&env["WECHATPAY_PUBLIC_KEY"]).unwrap()
    };
    assert_eq!(key(&before), key(&after));
}

#[test]
fn help_exits_0_and_a_bad_argument_exits_2() {
    let binary = env!("CARGO_BIN_EXE_wechatpay-sandbox");
    let help = Command::new(binary).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("--keys-dir") && text.contains("WECHATPAY_APIV3_KEY"),
        "{text}"
    );
    let bad = Command::new(binary)
        .args(["--listen", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--listen nowhere"));
}

/// Receives callbacks at `listener`, answering `204`: (headers, raw body) of each.
fn callback_receiver(listener: TcpListener) -> mpsc::Receiver<(HeaderMap, Vec<u8>)> {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut received = Vec::new();
            let mut chunk = [0u8; 4096];
            let request = loop {
                let Ok(n) = socket.read(&mut chunk).await else {
                    break None;
                };
                if n == 0 {
                    break None;
                }
                received.extend_from_slice(&chunk[..n]);
                let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&received[..end]).into_owned();
                let mut headers = HeaderMap::new();
                for line in head.lines().skip(1) {
                    if let Some((name, value)) = line.split_once(':') {
                        headers.append(
                            HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                            HeaderValue::from_str(value.trim()).unwrap(),
                        );
                    }
                }
                let length: usize = headers["content-length"].to_str().unwrap().parse().unwrap();
                if received.len() >= end + 4 + length {
                    break Some((headers, received[end + 4..end + 4 + length].to_vec()));
                }
            };
            let _ = socket
                .write_all(
                    b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            if let Some(request) = request {
                let _ = tx.send(request).await;
            }
        }
    });
    rx
}

async fn next_event(
    client: &Client,
    callbacks: &mut mpsc::Receiver<(HeaderMap, Vec<u8>)>,
    event_type: &str,
) -> Event {
    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), callbacks.recv())
        .await
        .unwrap_or_else(|_| panic!("no {event_type} callback within 10 s"))
        .unwrap();
    let notification = client
        .notifications()
        .verify_event(&headers, &body)
        .unwrap();
    assert_eq!(notification.event_type, event_type);
    notification.resource
}

/// The client side, run in its own process by the test above; configured by `Client::from_env`.
#[tokio::test]
async fn papay_story_as_a_separate_client() {
    if !common::is_client_process() {
        return; // only as the client process
    }
    let client = Client::from_env().expect("the printed exports configure a client");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notify", listener.local_addr().unwrap());
    let mut callbacks = callback_receiver(listener);
    let out_contract_code = format!("SA{}", std::process::id());
    let appid = "wxd678efh567hg6787";

    let pre_signed = client
        .send(&PreEntrustSign {
            sign_scene: SignScene::Qrcode,
            appid: appid.into(),
            openid: None,
            plan_id: 12535,
            out_contract_code: out_contract_code.clone(),
            contract_display_account: "会员 1001".into(),
            contract_notify_url: notify_url.clone(),
            out_user_code: "user-1001".into(),
            return_url: None,
            device_info: DeviceInfo {
                device_type: DeviceType::Phone,
                device_os: "iOS 18.1".into(),
                device_id: "5B7E2A31-9C4D".into(),
                device_running_as_root: false,
                device_ip: "203.0.113.7".into(),
                weixin_installed: true,
                weixin_version: "8.0.54".into(),
                days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
            },
        })
        .await
        .unwrap();

    // The user's side, over the sandbox's control routes (no signature needed; answers signed).
    let signed = client
        .request(Method::POST, "v3/sandbox/contracts/sign")
        .json(&serde_json::json!({ "pre_entrustweb_id": pre_signed.pre_entrustweb_id }))
        .send()
        .await
        .unwrap();
    let contract_id = signed.json::<serde_json::Value>().unwrap()["contract_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let Event::EntrustSign(notice) = next_event(&client, &mut callbacks, "ENTRUST.SIGN").await
    else {
        panic!("ENTRUST.SIGN did not decode as a contract notice");
    };
    assert_eq!(notice.contract_id, contract_id);
    assert_eq!(notice.out_contract_code, out_contract_code);

    let contract = client
        .send(&QueryContract {
            plan_id: 12535,
            out_contract_code: out_contract_code.clone(),
        })
        .await
        .unwrap();
    assert_eq!(contract.contract_state, Some(ContractState::Signed));

    let out_trade_no = format!("SD{}", std::process::id());
    client
        .send(&ApplyDeduction {
            appid: appid.into(),
            out_trade_no: out_trade_no.clone(),
            description: "会员月费".into(),
            transaction_notify_url: notify_url.clone(),
            contract_id: contract_id.clone(),
            amount: ScheduledAmount {
                total: 1500,
                currency: Some("CNY".into()),
            },
            goods_tag: None,
            attach: None,
        })
        .await
        .unwrap();
    let Event::Transaction(payment) =
        next_event(&client, &mut callbacks, "TRANSACTION.SUCCESS").await
    else {
        panic!("TRANSACTION.SUCCESS did not decode as a payment");
    };
    assert_eq!(payment.out_trade_no.as_deref(), Some(out_trade_no.as_str()));
    assert_eq!(payment.amount.and_then(|a| a.total), Some(1500));

    client
        .send(&TerminateContract {
            plan_id: 12535,
            out_contract_code: out_contract_code.clone(),
            contract_termination_remark: "用户退订".into(),
        })
        .await
        .unwrap();
    let Event::EntrustTerminate(ended) =
        next_event(&client, &mut callbacks, "ENTRUST.TERMINATE").await
    else {
        panic!("ENTRUST.TERMINATE did not decode as a contract notice");
    };
    assert_eq!(ended.contract_id, contract_id);
    println!("story complete");
}
