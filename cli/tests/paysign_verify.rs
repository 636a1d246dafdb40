//! `wechatpay pay-sign …` for every front-end set, and `pay-sign verify` naming each kind of
//! mistake in a set a front end reports as failing; against the sandbox over HTTP.

use std::process::{Command, Output};

use wechatpay::MerchantKey;
use wechatpay::v3::pay::{Amount, JsapiPrepay, Payer};
use wechatpay_sandbox::Sandbox;

const APPID: &str = "wxd678efh567hg6787";

/// Runs `wechatpay ARGS` with exactly `env` (plus PATH), off the runtime's threads.
async fn wechatpay(env: &[(String, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command.env_clear().args(args);
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `pay-sign verify --params JSON` plus `extra`: exit code and stdout.
async fn verify(
    env: &[(String, String)],
    params: &serde_json::Value,
    extra: &[&str],
) -> (Option<i32>, String) {
    let json = params.to_string();
    let mut args = vec!["pay-sign", "verify", "--params", json.as_str()];
    args.extend_from_slice(extra);
    let out = wechatpay(env, &args).await;
    (
        out.status.code(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_sign_verify_names_each_mistake() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-cli-paysign-verify-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let env = sandbox.write_env(&dir).unwrap();

    // A prepay against the sandbox, then the JSAPI set the command prints.
    let prepay_id = sandbox
        .client()
        .unwrap()
        .send(&JsapiPrepay {
            appid: APPID.into(),
            mchid: sandbox.mchid().into(),
            description: "Image形象店-深圳腾大-QQ公仔".into(),
            attach: None,
            out_trade_no: "CLI-PS-1".into(),
            amount: Amount {
                total: 100,
                currency: Some("CNY".into()),
            },
            time_expire: None,
            notify_url: "https://yourapp.com/notify".into(),
            goods_tag: None,
            limit_pay: None,
            support_fapiao: None,
            detail: None,
            scene_info: None,
            payer: Payer {
                openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
                identity: None,
            },
            settle_info: None,
            subsidy_info: None,
        })
        .await
        .unwrap()
        .prepay_id
        .expect("the prepay answer carries prepay_id");
    let out = wechatpay(
        &env,
        &[
            "pay-sign",
            "jsapi",
            "--appid",
            APPID,
            "--prepay-id",
            &prepay_id,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sound: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let (code, output) = verify(&env, &sound, &[]).await;
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("ok: the jsapi parameters hold"), "{output}");

    // `appid` instead of `appId`, and an API v2 signType.
    let mut wrong = sound.clone();
    let appid = wrong.as_object_mut().unwrap().remove("appId").unwrap();
    wrong["appid"] = appid;
    wrong["signType"] = serde_json::json!("MD5");
    let (code, output) = verify(&env, &wrong, &["--kind", "jsapi"]).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("problem: key `appid` must be spelled `appId`"),
        "{output}"
    );
    assert!(
        output.contains("problem: the sign type is `MD5`, must be `RSA`"),
        "{output}"
    );

    // A set for another AppID than the order's.
    let (code, output) = verify(&env, &sound, &["--appid", "wx0000000000000000"]).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("but the order was made for AppID `wx0000000000000000`"),
        "{output}"
    );

    // Checked against another merchant key (given as a public key file): the signature fails.
    let other = dir.join("other_public.pem");
    std::fs::write(
        &other,
        MerchantKey::generate().unwrap().public_key().to_pem(),
    )
    .unwrap();
    let (code, output) = verify(
        &env,
        &sound,
        &["--merchant-public-key", other.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("problem: `paySign` does not verify with the merchant key"),
        "{output}"
    );

    // The mini-program set: no appId, checked with WECHATPAY_APPID (the sandbox's).
    let out = wechatpay(
        &env,
        &[
            "pay-sign",
            "mini-program",
            "--appid",
            APPID,
            "--prepay-id",
            &prepay_id,
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mini: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(mini.get("appId").is_none());
    let (code, output) = verify(&env, &mini, &[]).await;
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("mini-program"), "{output}");

    // The payscore confirmation set, then its sign_type changed.
    let out = wechatpay(
        &env,
        &["pay-sign", "payscore-confirm", "--package", "XXXXXXXX"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["businessType"], "wxpayScoreUse");
    let extra = printed["extraData"].clone();
    let (code, output) = verify(&env, &extra, &[]).await;
    assert_eq!(code, Some(0), "{output}");
    let mut md5 = extra.clone();
    md5["sign_type"] = serde_json::json!("MD5");
    let (code, output) = verify(&env, &md5, &[]).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("the sign type is `MD5`, must be `HMAC-SHA256`"),
        "{output}"
    );
    // A timestamp in milliseconds also breaks the sign (it covers the timestamp).
    let mut millis = extra.clone();
    millis["timestamp"] = serde_json::json!("1530097563000");
    let (code, output) = verify(&env, &millis, &[]).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("(it is milliseconds"), "{output}");
    assert!(output.contains("HMAC-SHA256 and the APIv2 key"), "{output}");

    // The merchant transfer set, with another merchant's id.
    let out = wechatpay(
        &env,
        &[
            "pay-sign",
            "merchant-transfer",
            "--appid",
            APPID,
            "--package-info",
            "affffddafdfafddffda==",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["businessType"], "requestMerchantTransfer");
    assert!(
        printed["query"]
            .as_str()
            .unwrap()
            .ends_with("&package=affffddafdfafddffda%3D%3D")
    );
    let mut transfer = printed["params"].clone();
    transfer["mchId"] = serde_json::json!("1900000002");
    let (code, output) = verify(&env, &transfer, &[]).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains(&format!(
            "`mchId` is `1900000002`, not this merchant's id `{}`",
            sandbox.mchid()
        )),
        "{output}"
    );

    // A set of no known shape is a usage error.
    let (code, output) = verify(&env, &serde_json::json!({"foo": "bar"}), &[]).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("--kind"), "{output}");
}
