//! `Client::from_env` and `SandboxBuilder::from_env` with the variable names of the design.
//!
//! One test in its own binary: the environment is process-wide.

use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};
use wechatpay::{Client, Error};
use wechatpay_sandbox::{Sandbox, SandboxBuilder};

const NAMES: [&str; 13] = [
    "WECHATPAY_BASE_URL",
    "WECHATPAY_MCHID",
    "WECHATPAY_MERCHANT_SERIAL",
    "WECHATPAY_MERCHANT_PRIVATE_KEY",
    "WECHATPAY_PUBLIC_KEY",
    "WECHATPAY_PUBLIC_KEY_ID",
    "WECHATPAY_PLATFORM_CERTIFICATE",
    "WECHATPAY_MERCHANT_PUBLIC_KEY",
    "WECHATPAY_PLATFORM_PRIVATE_KEY",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_APIV2_KEY",
    "WECHATPAY_APPID",
    "WECHATPAY_MERCHANT_CERTIFICATE",
];

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn clients_and_sandboxes_are_configured_from_the_environment() {
    // SAFETY: this binary runs one test, so nothing reads the environment concurrently.
    unsafe {
        for name in NAMES {
            std::env::remove_var(name);
        }
    }
    let message = config_error(Client::from_env());
    assert!(message.contains("WECHATPAY_MCHID is not set"), "{message}");
    // An empty variable is reported as empty, not as missing.
    unsafe { std::env::set_var("WECHATPAY_MCHID", "") };
    let message = config_error(Client::from_env());
    assert!(
        message.contains("WECHATPAY_MCHID is empty") && !message.contains("not set"),
        "{message}"
    );

    let sandbox = Sandbox::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("wechatpay-env-{}", std::process::id()));
    let env = sandbox.write_env(&dir).unwrap();
    unsafe {
        for (name, value) in &env {
            std::env::set_var(name, value);
        }
    }
    let request = PreEntrustSign {
        sign_scene: SignScene::Qrcode,
        appid: "wxd678efh567hg6787".into(),
        openid: None,
        plan_id: 12535,
        out_contract_code: "env-1".into(),
        contract_display_account: "A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
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
            days_since_first_login: DaysSinceFirstLogin::Within30Days,
        },
    };
    let client = Client::from_env().unwrap();
    assert!(client.send(&request).await.unwrap().redirect_url.is_some());
    // The same environment carries the APIv2 key and appid: a v2 request is signed and its
    // verified answer read (a business failure for an unknown contract).
    #[cfg(feature = "v2-papay")]
    {
        use wechatpay::v2::catalog::papay::{QueryContract, QueryContractVersion};
        let v2_query = QueryContract {
            contract_id: Some("100005698".into()),
            plan_id: None,
            contract_code: None,
            version: QueryContractVersion::V10,
        };
        let error = client.send(&v2_query).await.unwrap_err();
        assert_eq!(error.code(), Some("CONTRACT_NOT_EXIST"), "{error}");
    }
    unsafe { std::env::set_var("WECHATPAY_APIV2_KEY", "short") };
    let message = config_error(Client::from_env());
    assert!(
        message.contains("WECHATPAY_APIV2_KEY")
            && message.contains("32 bytes")
            && !message.contains("short"),
        "{message}"
    );
    unsafe {
        std::env::set_var(
            "WECHATPAY_APIV2_KEY",
            env.iter()
                .find(|(n, _)| n == "WECHATPAY_APIV2_KEY")
                .unwrap()
                .1
                .clone(),
        )
    };

    // A key file that cannot be read names the variable its path came from.
    let key_path = std::env::var("WECHATPAY_MERCHANT_PRIVATE_KEY").unwrap();
    unsafe {
        std::env::set_var(
            "WECHATPAY_MERCHANT_PRIVATE_KEY",
            dir.join("no-such-key.pem"),
        )
    };
    match Client::from_env() {
        Err(error @ Error::Key { .. }) => {
            let message = error.to_string();
            assert!(
                message.contains("no-such-key.pem")
                    && message.contains("WECHATPAY_MERCHANT_PRIVATE_KEY"),
                "{message}"
            );
        }
        other => panic!("expected a key error naming the variable, got {other:?}"),
    }
    unsafe { std::env::set_var("WECHATPAY_MERCHANT_PRIVATE_KEY", key_path) };

    // A sandbox from the same environment accepts the same client and signs with the same key.
    let twin = SandboxBuilder::from_env().unwrap().start().await.unwrap();
    unsafe { std::env::set_var("WECHATPAY_BASE_URL", twin.base_url()) };
    Client::from_env().unwrap().send(&request).await.unwrap();
    assert_eq!(twin.requests_received(), 1);

    // Without the platform key it makes a fresh one, and the client rejects its answers.
    unsafe { std::env::remove_var("WECHATPAY_PLATFORM_PRIVATE_KEY") };
    let stranger = SandboxBuilder::from_env().unwrap().start().await.unwrap();
    unsafe { std::env::set_var("WECHATPAY_BASE_URL", stranger.base_url()) };
    let error = Client::from_env()
        .unwrap()
        .send(&request)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::BadSignature { .. }), "{error:?}");

    unsafe { std::env::set_var("WECHATPAY_APIV3_KEY", "too short") };
    let message = config_error(Client::from_env());
    assert!(
        message.contains("WECHATPAY_APIV3_KEY") && message.contains("32 bytes"),
        "{message}"
    );
    unsafe { std::env::remove_var("WECHATPAY_APIV3_KEY") };

    unsafe { std::env::remove_var("WECHATPAY_PUBLIC_KEY_ID") };
    let message = config_error(Client::from_env());
    assert!(message.contains("WECHATPAY_PUBLIC_KEY_ID"), "{message}");

    unsafe {
        std::env::remove_var("WECHATPAY_PUBLIC_KEY");
        std::env::set_var("WECHATPAY_BASE_URL", "http://api.mch.weixin.qq.com/");
        std::env::set_var(
            "WECHATPAY_PLATFORM_CERTIFICATE",
            dir.join("wechatpay_public_key.pem"),
        );
    }
    match Client::from_env() {
        Err(Error::Key {
            source_name,
            problem,
        }) => {
            assert_eq!(source_name.unwrap(), dir.join("wechatpay_public_key.pem"));
            assert!(problem.contains("expected a certificate"), "{problem}");
            assert!(
                problem.contains("WECHATPAY_PLATFORM_CERTIFICATE"),
                "{problem}"
            );
        }
        other => panic!("expected a key error naming the file, got {other:?}"),
    }
    unsafe { std::env::remove_var("WECHATPAY_PLATFORM_CERTIFICATE") };
    let message = config_error(Client::from_env());
    assert!(message.contains("no WeChat Pay key"), "{message}");
}
