//! The seed endpoint end to end against the sandbox, over real HTTP on loopback.

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, PreEntrustSignResponse, SignScene,
};
use wechatpay::{Client, Endpoint as _, Error, MerchantKey};
use wechatpay_sandbox::{Fault, Sandbox};

const PATH: &str = "v3/papay/sign/contracts/pre-entrust-sign";

fn seed_request(scene: SignScene) -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: scene,
        appid: "wxd678efh567hg6787".into(),
        openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
        plan_id: 12535,
        out_contract_code: "wxwtdk20200910100000".into(),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
        out_user_code: "用户A".into(),
        return_url: Some("https://yourapp.com/notify".into()),
        device_info: DeviceInfo {
            device_type: DeviceType::Unknow,
            device_os: "example_device_os".into(),
            device_id: "example_device_id".into(),
            device_running_as_root: true,
            device_ip: "example_device_ip".into(),
            weixin_installed: true,
            weixin_version: "example_weixin_version".into(),
            days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
        },
    }
}

/// The JSON body the seed request sends, for the escape hatch and for bodies edited by hand.
fn seed_body(scene: SignScene) -> Value {
    seed_request(scene)
        .serialize_body(serde_json::value::Serializer)
        .unwrap()
}

/// A text field of an answer that the sandbox always sends (`None` fails the test, naming it).
fn field<'a>(value: &'a Option<String>, name: &str) -> &'a str {
    value
        .as_deref()
        .unwrap_or_else(|| panic!("the answer has no `{name}`"))
}

#[tokio::test]
async fn send_returns_the_verified_typed_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client.send(&seed_request(SignScene::App)).await.unwrap();
    let id = field(&answer.pre_entrustweb_id, "pre_entrustweb_id");
    assert!(id.starts_with("PRE"), "{answer:?}");
    let path = field(&answer.mini_program_path, "mini_program_path");
    assert!(path.ends_with(id), "{path}");
    assert!(answer.redirect_url.is_none());

    let qr = client.send(&seed_request(SignScene::Qrcode)).await.unwrap();
    let qr_id = field(&qr.pre_entrustweb_id, "pre_entrustweb_id");
    assert!(field(&qr.redirect_url, "redirect_url").ends_with(qr_id));
    assert_ne!(qr_id, id);
    assert_eq!(sandbox.requests_received(), 2);
}

#[tokio::test]
#[allow(deprecated)]
async fn the_seed_path_still_answers_as_a_deprecated_alias() {
    use wechatpay::v3::papay::LegacyPreEntrustSign;
    assert_eq!(
        LegacyPreEntrustSign::PATH,
        "v3/papay/entrust-sign/contracts/pre-entrust-sign"
    );
    let legacy = LegacyPreEntrustSign::from(seed_request(SignScene::App));
    let rendered = wechatpay::endpoint::RenderedRequest::new(&legacy).unwrap();
    let direct = wechatpay::endpoint::RenderedRequest::new(&seed_request(SignScene::App)).unwrap();
    assert_eq!(
        rendered.body(),
        direct.body(),
        "the alias sends the same body"
    );
    let sandbox = Sandbox::start().await.unwrap();
    let answer = sandbox.client().unwrap().send(&legacy).await.unwrap();
    assert!(answer.mini_program_username.is_some());
}

#[tokio::test]
async fn the_escape_hatch_sends_any_path_and_verifies_the_answer() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let answer = client
        .request(Method::POST, PATH)
        .json(&seed_body(SignScene::Qrcode))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.request_id().map(str::len), Some(32));
    let typed: PreEntrustSignResponse = answer.json().unwrap();
    let untyped: Value = answer.json().unwrap();
    assert_eq!(
        untyped["pre_entrustweb_id"],
        field(&typed.pre_entrustweb_id, "pre_entrustweb_id")
    );

    sandbox.inject(Fault::TamperBody);
    let forged = client
        .request(Method::POST, PATH)
        .json(&seed_body(SignScene::Qrcode))
        .send()
        .await;
    assert!(
        matches!(forged, Err(Error::BadSignature { .. })),
        "{forged:?}"
    );
}

/// Sends the seed request with one fault injected and returns the error.
async fn send_with_fault(fault: Fault) -> Error {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(fault);
    let error = client
        .send(&seed_request(SignScene::App))
        .await
        .unwrap_err();
    assert!(error.is_verification_failure(), "{error}");
    assert_eq!(error.request_id().map(str::len), Some(32), "{error:?}");
    // The fault was one-shot: the next answer is genuine again.
    client.send(&seed_request(SignScene::App)).await.unwrap();
    error
}

#[tokio::test]
async fn a_tampered_body_is_rejected() {
    let error = send_with_fault(Fault::TamperBody).await;
    assert!(
        matches!(error, Error::BadSignature { ref serial, .. } if serial.starts_with("PUB_KEY_ID_")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_signature_by_another_key_is_rejected() {
    let error = send_with_fault(Fault::ForeignSignature).await;
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");
}

#[tokio::test]
async fn a_signature_probe_is_rejected_with_its_own_error() {
    let error = send_with_fault(Fault::ProbeSignature).await;
    assert!(matches!(error, Error::SignatureProbe { .. }), "{error:?}");
    assert!(error.to_string().contains("WECHATPAY/SIGNTEST/"));
}

#[tokio::test]
async fn a_stale_or_future_timestamp_is_rejected() {
    for offset in [-301, 600] {
        let error = send_with_fault(Fault::SkewTimestamp(offset)).await;
        match error {
            Error::StaleTimestamp { skew, .. } => assert!(skew >= 300, "{skew}"),
            other => panic!("expected StaleTimestamp, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_small_skew_is_accepted() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(Fault::SkewTimestamp(-240));
    client.send(&seed_request(SignScene::App)).await.unwrap();
}

#[tokio::test]
async fn an_unsigned_answer_is_rejected() {
    let error = send_with_fault(Fault::StripSignature).await;
    assert!(
        matches!(
            error,
            Error::Unsigned {
                missing: "Wechatpay-Signature",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unknown_serial_is_rejected() {
    let error = send_with_fault(Fault::UnknownSerial).await;
    match error {
        Error::UnknownSerial { serial, known, .. } => {
            assert_eq!(serial, "PUB_KEY_ID_0000000000000000000000000000000000");
            assert!(known.starts_with("PUB_KEY_ID_"), "{known}");
        }
        other => panic!("expected UnknownSerial, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_private_key_gets_sign_error_with_the_server_message() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .merchant_key(sandbox.merchant_serial(), MerchantKey::generate().unwrap())
        .build()
        .unwrap();
    let error = client
        .send(&seed_request(SignScene::App))
        .await
        .unwrap_err();
    let Error::Api {
        status,
        code,
        detail,
        request_id,
        ..
    } = &error
    else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(*status, StatusCode::UNAUTHORIZED);
    assert_eq!(code, "SIGN_ERROR");
    assert_eq!(request_id.as_deref().map(str::len), Some(32));
    let info = &detail.as_ref().unwrap()["sign_information"];
    assert_eq!(info["url"], format!("/{PATH}"));
    let computed = info["truncated_sign_message"].as_str().unwrap();
    assert!(
        computed.starts_with(&format!("POST\n/{PATH}\n")),
        "{computed}"
    );
    assert!(computed.contains("\"plan_id\":12535"), "{computed}");
    assert!(error.to_string().contains("SIGN_ERROR") && error.to_string().contains("Request-ID"));
}

#[tokio::test]
async fn a_wrong_mchid_or_serial_gets_sign_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let wrong_mchid = sandbox
        .client_builder()
        .unwrap()
        .mchid("1900000002")
        .build()
        .unwrap();
    let error = wrong_mchid
        .send(&seed_request(SignScene::App))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SIGN_ERROR"), "{error:?}");
    let key = MerchantKey::from_pem(&sandbox_key_pem(&sandbox)).unwrap();
    let wrong_serial = sandbox
        .client_builder()
        .unwrap()
        .merchant_key("ABCDEF", key)
        .build()
        .unwrap();
    let error = wrong_serial
        .send(&seed_request(SignScene::App))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SIGN_ERROR"), "{error:?}");
}

fn sandbox_key_pem(sandbox: &Sandbox) -> String {
    let dir = std::env::temp_dir().join(format!("wechatpay-test-{}", std::process::id()));
    let env = sandbox.write_env(&dir).unwrap();
    let path = &env
        .iter()
        .find(|(k, _)| k == "WECHATPAY_MERCHANT_PRIVATE_KEY")
        .unwrap()
        .1;
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn an_error_answer_without_signature_is_still_reported_as_the_api_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    sandbox.inject(Fault::StripSignature);
    let error = client
        .request(Method::POST, PATH)
        .json(&json!({}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error:?}");
}

#[tokio::test]
async fn a_body_missing_a_required_field_gets_param_error_naming_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mut body = seed_body(SignScene::App);
    body.as_object_mut().unwrap().remove("appid");
    let error = client
        .request(Method::POST, PATH)
        .json(&body)
        .send()
        .await
        .unwrap_err();
    let Error::Api {
        status,
        code,
        detail,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*status, code.as_str()),
        (StatusCode::BAD_REQUEST, "PARAM_ERROR")
    );
    assert_eq!(detail.as_ref().unwrap()["field"], "/appid");
    assert!(error.to_string().contains("/body/appid"), "{error}");
    assert_eq!(detail.as_ref().unwrap()["location"], "body");

    body["appid"] = json!("wxd678efh567hg6787");
    body["device_info"]["device_type"] = json!("DEVICE_TYPE_UNKNOWN");
    let error = client
        .request(Method::POST, PATH)
        .json(&body)
        .send()
        .await
        .unwrap_err();
    let Error::Api { detail, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        detail.as_ref().unwrap()["field"],
        "/device_info/device_type",
        "{error:?}"
    );
}

#[tokio::test]
async fn requests_without_accept_or_user_agent_are_refused() {
    let sandbox = Sandbox::start().await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .unwrap();
    let request = format!(
        "POST /{PATH} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        sandbox.addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("INVALID_REQUEST") && answer.contains("Http头缺少Accept或User-Agent"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_unknown_path_is_a_signed_not_found() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .request(Method::GET, "v3/no/such/api")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, .. } if *status == StatusCode::NOT_FOUND),
        "{error:?}"
    );
    // The sandbox's own answer, which no one could take for WeChat Pay's.
    assert_eq!(error.code(), Some("SANDBOX_NO_ROUTE"));
    let message = error.to_string();
    assert!(
        message.contains("sandbox has no handler for GET /v3/no/such/api")
            && message.contains("not an answer from WeChat Pay"),
        "{message}"
    );
}

#[tokio::test]
async fn a_pre_sign_that_wechat_pay_would_refuse_is_refused_naming_the_field() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let field_of = |error: &Error| match error {
        Error::Api {
            status,
            code,
            detail,
            ..
        } if *status == StatusCode::BAD_REQUEST && code == "PARAM_ERROR" => {
            detail.as_ref().unwrap()["field"]
                .as_str()
                .unwrap()
                .to_owned()
        }
        other => panic!("expected 400 PARAM_ERROR, got {other:?}"),
    };
    let mut cases: Vec<(PreEntrustSign, &str)> = Vec::new();
    let mut empty_appid = seed_request(SignScene::App);
    empty_appid.appid = String::new();
    cases.push((empty_appid, "/appid"));
    let mut zero_plan = seed_request(SignScene::App);
    zero_plan.plan_id = 0;
    cases.push((zero_plan, "/plan_id"));
    let mut long_code = seed_request(SignScene::App);
    long_code.out_contract_code = "x".repeat(33);
    cases.push((long_code, "/out_contract_code"));
    let mut bad_appid = seed_request(SignScene::App);
    bad_appid.appid = "1900000001".into();
    cases.push((bad_appid, "/appid"));
    let mut plain_http = seed_request(SignScene::App);
    plain_http.contract_notify_url = "http://yourapp.com/notify".into();
    cases.push((plain_http, "/contract_notify_url"));
    let mut empty_nested = seed_request(SignScene::App);
    empty_nested.device_info.device_id = String::new();
    cases.push((empty_nested, "/device_info/device_id"));
    for (request, field) in cases {
        let error = client.send(&request).await.unwrap_err();
        assert_eq!(field_of(&error), field, "{error}");
    }
    // None of them was taken: the same contract code still pre-signs.
    client.send(&seed_request(SignScene::App)).await.unwrap();
}

#[tokio::test]
async fn clones_share_one_client_across_tasks() {
    fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>(_: &T) {}
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    assert_clone_send_sync(&client);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&seed_request(SignScene::App)).await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let answer = task.await.unwrap().unwrap();
        ids.insert(field(&answer.pre_entrustweb_id, "pre_entrustweb_id").to_owned());
    }
    assert_eq!(ids.len(), 16);
    assert_eq!(sandbox.requests_received(), 16);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _accepting = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream); // hold the connection, never answer
        }
    });
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{addr}/"))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client
        .send(&seed_request(SignScene::App))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                timeout_ms: 300,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn https_with_a_certificate_made_here() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let sandbox = Sandbox::builder()
        .tls(
            certified.cert.der().to_vec(),
            certified.key_pair.serialize_der(),
        )
        .start()
        .await
        .unwrap();
    assert!(sandbox.base_url().starts_with("https://localhost:"));
    let answer = sandbox
        .client()
        .unwrap()
        .send(&seed_request(SignScene::App))
        .await
        .unwrap();
    assert!(!field(&answer.pre_entrustweb_id, "pre_entrustweb_id").is_empty());

    // Without the extra root the server is not trusted: the web PKI roots do not cover it.
    let untrusting = Client::builder()
        .mchid(sandbox.mchid())
        .merchant_key(sandbox.merchant_serial(), MerchantKey::generate().unwrap())
        .wechatpay_public_key(
            wechatpay::WechatpayPublicKey::from_pem(
                sandbox.public_key_id(),
                &sandbox.platform_public_key_pem(),
            )
            .unwrap(),
        )
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let error = untrusting
        .send(&seed_request(SignScene::App))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}
