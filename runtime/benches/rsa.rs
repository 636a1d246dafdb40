//! Signing, verification and full round trips, as ratios against `openssl speed rsa2048` in the same run.
//!
//! ```text
//! cargo bench --bench rsa --all-features            # figures for both backends
//! WECHATPAY_BENCH_SECONDS=5 cargo bench --bench rsa  # longer runs
//! ```
//!
//! The machine is shared and noisy, so every figure is taken in one run and reported as a ratio.

use std::process::Command;
use std::time::{Duration, Instant};

use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};
use wechatpay::{Backend, MerchantKey};
use wechatpay_sandbox::Sandbox;

fn seconds() -> Duration {
    let secs = std::env::var("WECHATPAY_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// Runs `op` repeatedly for about `budget` and returns operations per second.
fn rate(budget: Duration, mut op: impl FnMut()) -> f64 {
    for _ in 0..20 {
        op();
    }
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        for _ in 0..10 {
            op();
        }
        count += 10;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

/// `openssl speed -seconds N rsa2048`: (sign/s, verify/s) of one core, when openssl is installed.
fn openssl_speed(budget: Duration) -> Option<(f64, f64)> {
    let output = Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            &budget.as_secs().max(1).to_string(),
            "rsa2048",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa 2048 bits"))?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    // "rsa 2048 bits 0.000608s 0.000018s 1644.7 55498.3"
    let sign = fields.get(fields.len() - 2)?.parse().ok()?;
    let verify = fields.last()?.parse().ok()?;
    Some((sign, verify))
}

fn request() -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: SignScene::App,
        appid: "wxd678efh567hg6787".into(),
        openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
        plan_id: 12535,
        out_contract_code: "wxwtdk20200910100000".into(),
        contract_display_account: "微信代扣用户A".into(),
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
    }
}

fn main() {
    let budget = seconds();
    let message = br#"POST
/v3/papay/sign/contracts/pre-entrust-sign
1554208460
593BEC0C930BF1AFEB40B4A08C8FB242
{"sign_scene":"SIGN_SCENE_APP","appid":"wxd678efh567hg6787","plan_id":12535}
"#;
    let openssl = openssl_speed(budget);
    #[allow(unused_mut)] // pushed to with the rust-crypto feature
    let mut backends = vec![Backend::AwsLc];
    #[cfg(feature = "rust-crypto")]
    backends.push(Backend::RustCrypto);
    let key = MerchantKey::generate().expect("key generation");
    let pem = key.to_pkcs8_pem();
    println!("budget per figure: {budget:?}");
    if let Some((sign, verify)) = openssl {
        println!("openssl speed rsa2048: sign {sign:.0}/s verify {verify:.0}/s");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The sandbox always signs and verifies with the default backend.
    let mut sandbox_cost = None;
    for backend in backends {
        let key = MerchantKey::from_pem(&pem)
            .unwrap()
            .with_backend(backend)
            .unwrap();
        let public = key.public_key();
        let signature = key.sign(message);
        let sign_rate = rate(budget, || {
            std::hint::black_box(key.sign(std::hint::black_box(message)));
        });
        let verify_rate = rate(budget, || {
            assert!(public.verify(std::hint::black_box(message), &signature));
        });
        print!("{backend:?}: sign {sign_rate:.0}/s verify {verify_rate:.0}/s");
        if let Some((openssl_sign, openssl_verify)) = openssl {
            print!(
                " | openssl/ours: sign {:.2}x verify {:.2}x",
                openssl_sign / sign_rate,
                openssl_verify / verify_rate
            );
        }
        println!();
        // A round trip costs two signs and two verifies: the client and the sandbox each sign one
        // and verify one.
        let client_cost = 1.0 / sign_rate + 1.0 / verify_rate;
        let crypto_only = 1.0 / (client_cost + *sandbox_cost.get_or_insert(client_cost));
        let round_trips = runtime.block_on(async {
            let sandbox = Sandbox::start().await.unwrap();
            let client = sandbox
                .client_builder()
                .unwrap()
                .backend(backend)
                .build()
                .unwrap();
            let request = request();
            for _ in 0..20 {
                client.send(&request).await.unwrap();
            }
            let start = Instant::now();
            let mut count = 0u64;
            while start.elapsed() < budget {
                client.send(&request).await.unwrap();
                count += 1;
            }
            count as f64 / start.elapsed().as_secs_f64()
        });
        println!(
            "{backend:?}: send round trip {round_trips:.0}/s; the four RSA operations alone allow {crypto_only:.0}/s: {:.0}% of that",
            100.0 * round_trips / crypto_only
        );
    }
}
