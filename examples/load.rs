//! Sends the seed request N times with C in flight and reports throughput and latency.
//!
//! ```text
//! cargo run --release --example load -- --requests 10000 --concurrency 64
//! ```
//!
//! It talks to `WECHATPAY_BASE_URL` with the keys from the environment (`Client::from_env`), for
//! example a standalone sandbox started with `cargo run --release --example sandbox` in another
//! process; with no `WECHATPAY_*` variable set it starts an embedded sandbox. It ends with one line
//! `requests=N ok=K errors=E rps=R p50_ms=… p99_ms=…` so that runs (and other clients against the
//! same sandbox) can be compared; with the embedded sandbox a second line gives the TCP connections
//! the pool opened.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wechatpay::Client;
use wechatpay::api::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};
use wechatpay::sandbox::Sandbox;

struct Args {
    requests: u64,
    concurrency: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut parsed = Args {
        requests: 1000,
        concurrency: 16,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let text = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{name} {text}: expected a positive whole number")),
            }
        };
        match arg.as_str() {
            "--requests" => parsed.requests = number("--requests")?,
            "--concurrency" => parsed.concurrency = number("--concurrency")?,
            "-h" | "--help" => return Err("usage: load [--requests N] [--concurrency C]".into()),
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(parsed)
}

fn request(index: u64) -> PreEntrustSign {
    PreEntrustSign {
        sign_scene: SignScene::App,
        appid: "wxd678efh567hg6787".into(),
        openid: Some("oYobu0MVnQfWpSMOYJz2AHPG_gQw".into()),
        plan_id: 12535,
        out_contract_code: format!("load{index:016}"),
        contract_display_account: "微信代扣用户A".into(),
        contract_notify_url: "https://yourapp.com/notify".into(),
        out_user_code: format!("user{index}"),
        return_url: None,
        device_info: DeviceInfo {
            device_type: DeviceType::Phone,
            device_os: "Android 15".into(),
            device_id: "device-1".into(),
            device_running_as_root: false,
            device_ip: "203.0.113.7".into(),
            weixin_installed: true,
            weixin_version: "8.0.54".into(),
            days_since_first_login: DaysSinceFirstLogin::MoreThen180Days,
        },
    }
}

fn configured_from_env() -> bool {
    ["WECHATPAY_BASE_URL", "WECHATPAY_MCHID"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// The latency at quantile `q` of sorted latencies, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn run(args: Args) -> Result<(), wechatpay::Error> {
    let (client, sandbox) = if configured_from_env() {
        (Client::from_env()?, None)
    } else {
        let sandbox = Sandbox::start().await?;
        (sandbox.client()?, Some(sandbox))
    };
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency.min(args.requests))
        .map(|_| {
            let (client, next, errors) = (client.clone(), Arc::clone(&next), Arc::clone(&errors));
            let total = args.requests;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= total {
                        return latencies;
                    }
                    let request = request(index);
                    let sent = Instant::now();
                    match client.send(&request).await {
                        Ok(_) => latencies.push(sent.elapsed()),
                        Err(error) => {
                            if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("first error: {error}");
                            }
                        }
                    }
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(usize::try_from(args.requests).unwrap_or(0));
    for worker in workers {
        latencies.extend(worker.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let ok = latencies.len() as u64;
    println!(
        "requests={} ok={ok} errors={} rps={:.0} p50_ms={:.2} p99_ms={:.2}",
        args.requests,
        errors.load(Ordering::Relaxed),
        ok as f64 / elapsed.as_secs_f64(),
        quantile_ms(&latencies, 0.50),
        quantile_ms(&latencies, 0.99),
    );
    if let Some(sandbox) = sandbox {
        println!(
            "connections_opened={} requests_received={}",
            sandbox.connections_accepted(),
            sandbox.requests_received()
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
