//! Sends the seed request N times with C in flight and reports throughput and latency.
//!
//! ```text
//! cargo run --release --example load -- --requests 10000 --concurrency 64
//! ```
//!
//! It talks to `WECHATPAY_BASE_URL` with the keys from the environment (`Client::from_env`), for
//! example a standalone sandbox started with `cargo run --release -p wechatpay-sandbox --` in another
//! process; with no `WECHATPAY_*` variable set it starts an embedded sandbox. It ends with one line
//! `requests=N ok=K errors=E rps=R p50_ms=… p99_ms=…` so that runs (and other clients against the
//! same sandbox) can be compared, followed on the same line by what the run cost this process:
//!
//! - `cpu_s_per_req`: user + system CPU seconds of this process (`getrusage(RUSAGE_SELF)`) over the
//!   run, divided by the requests.
//! - `sign_verify_s`: CPU seconds of one RSA-2048 sign plus one verify (the work a request cannot
//!   avoid), measured in this process on a thread of its own while the run goes on, in windows of
//!   about 8 ms (8 signs and 32 verifies after one of each to warm up, thread CPU time) every
//!   100 ms: the mean, and the range of the windows. Measured during the run, it sees the machine as the run does (a shared
//!   machine's speed drifts by tens of percent from one second to the next). Its CPU, like the
//!   connection sampler's, is left out of `cpu_s_per_req`. `cpu_ratio` is
//!   `cpu_s_per_req / sign_verify_s`.
//! - `peak_rss_mib`: `VmHWM` from `/proc/self/status`.
//! - `connections`: TCP connections this client opened. With the embedded sandbox it is the
//!   sandbox's exact count of accepted connections; against a remote loopback address it is the
//!   number of distinct client sockets to that address seen in `/proc/net/tcp{,6}` sampled every
//!   20 ms (a lower bound: a socket that lives less than that can be missed; the standalone
//!   sandbox prints its exact count when it stops). `connections_peak` is the most seen open at once.
//!
//! `--threads T` runs the client on T runtime worker threads (default: tokio's, one per core);
//! `--threads 1` on a current-thread runtime.
//!
//! `--rss-at 10000,100000` prints `VmRSS` when that many requests have completed, to show that the
//! memory stays flat as the run goes on. With the embedded sandbox the CPU and memory include the
//! sandbox's own.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene,
};
use wechatpay::{Client, MerchantKey};
use wechatpay_sandbox::Sandbox;

struct Args {
    requests: u64,
    concurrency: u64,
    /// Completed-request counts at which to print `VmRSS`.
    rss_at: Vec<u64>,
    /// Runtime worker threads: `None` for tokio's default (one per core), 1 for a
    /// current-thread runtime.
    threads: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut parsed = Args {
        requests: 1000,
        concurrency: 16,
        rss_at: Vec::new(),
        threads: None,
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
            "--threads" => parsed.threads = Some(number("--threads")?),
            "--rss-at" => {
                let text = args.next().ok_or("--rss-at needs a value")?;
                parsed.rss_at = text
                    .split(',')
                    .map(|n| n.trim().parse::<u64>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("--rss-at {text}: expected counts like 10000,100000"))?;
            }
            "-h" | "--help" => {
                return Err(
                    "usage: load [--requests N] [--concurrency C] [--threads T] [--rss-at N1,N2,…]"
                        .into(),
                );
            }
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

/// The latency at quantile `q` of sorted latencies (microseconds), in milliseconds.
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

/// User + system CPU time of this process, in seconds.
fn process_cpu_seconds() -> f64 {
    // SAFETY: `getrusage` only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0.0;
        }
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A `Vm…:` figure of `/proc/self/status` (`VmRSS`, `VmHWM`), in MiB.
fn vm_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// CPU seconds of this thread, to the nanosecond (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_seconds() -> f64 {
    // SAFETY: `clock_gettime` only writes the struct it is given.
    let time = unsafe {
        let mut time: libc::timespec = std::mem::zeroed();
        if libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) != 0 {
            return 0.0;
        }
        time
    };
    time.tv_sec as f64 + time.tv_nsec as f64 / 1e9
}

/// The cryptography a request cannot do without: one RSA-2048 sign and one verify (PKCS#1 v1.5,
/// SHA-256) with the crate's own keys, over a message as long as a request's.
struct SignVerify {
    key: MerchantKey,
    public: wechatpay::PublicKey,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl SignVerify {
    fn new() -> Self {
        let key = MerchantKey::generate().expect("RSA-2048 key generation");
        let public = key.public_key();
        // Method, path, timestamp, nonce and a JSON body of the seed request's length.
        let message = format!(
            "POST\n/v3/papay/sign/contracts/pre-entrust-sign\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{}\n",
            "x".repeat(450)
        )
        .into_bytes();
        let signature = key.sign(&message);
        Self {
            key,
            public,
            message,
            signature,
        }
    }

    /// CPU seconds of one sign plus one verify on this thread, from 8 signs and 32 verifies
    /// (about 8 ms) after one of each that is not counted (the first after a pause runs on cold
    /// caches and would make the yardstick longer). Thread CPU time, not wall time: the thread
    /// may be preempted by the run.
    fn window(&self) -> f64 {
        const SIGNS: u32 = 8;
        const VERIFIES: u32 = 32;
        std::hint::black_box(self.key.sign(&self.message));
        assert!(self.public.verify(&self.message, &self.signature));
        let start = thread_cpu_seconds();
        for _ in 0..SIGNS {
            std::hint::black_box(self.key.sign(std::hint::black_box(&self.message)));
        }
        let signed = thread_cpu_seconds();
        for _ in 0..VERIFIES {
            assert!(
                self.public
                    .verify(std::hint::black_box(&self.message), &self.signature)
            );
        }
        let verified = thread_cpu_seconds();
        (signed - start) / f64::from(SIGNS) + (verified - signed) / f64::from(VERIFIES)
    }
}

/// Measures [`SignVerify`] in windows of about 8 ms every 100 ms while the run goes on, on the
/// same machine under the same load (a shared machine's speed drifts, and so would a figure
/// taken before or after). Returns the windows and this thread's CPU seconds, which are not the
/// client's. `ready` is told once the keys are made, before the first window.
fn sign_verify_during(stop: &AtomicBool, ready: std::sync::mpsc::Sender<()>) -> (Vec<f64>, f64) {
    let baseline = SignVerify::new();
    let _ = ready.send(());
    let cpu_start = thread_cpu_seconds();
    let mut windows = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        windows.push(baseline.window());
        std::thread::sleep(Duration::from_millis(100));
    }
    // A run shorter than a few windows still gets a figure.
    while windows.len() < 5 {
        windows.push(baseline.window());
    }
    (windows, thread_cpu_seconds() - cpu_start)
}

/// The loopback address and port of a base URL, when it names one (only those are sampled).
fn loopback_target(base_url: &str) -> Option<(IpAddr, u16)> {
    let uri: http::Uri = base_url.parse().ok()?;
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let ip = match host {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        other => other.parse().ok()?,
    };
    ip.is_loopback().then_some((ip, port))
}

/// Parses the hex `ADDR:PORT` of `/proc/net/tcp{,6}` (addresses in host byte order per 32-bit word).
fn proc_endpoint(text: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok();
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(u32::from_be(word(0)?))),
        32 => {
            let mut octets = [0u8; 16];
            for i in 0..4 {
                octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return None,
    };
    Some((ip, port))
}

/// Client sockets to `target` seen so far (by inode) and the most open at once.
#[derive(Default)]
struct SocketCount {
    seen: HashSet<u64>,
    peak: usize,
    /// The sampler thread's own CPU seconds, to leave out of the client's.
    cpu_s: f64,
}

/// Samples `/proc/net/tcp{,6}` every 20 ms until `stop`, counting the sockets whose remote end is
/// `target`: this client's connections to the sandbox.
fn sample_sockets(target: (IpAddr, u16), stop: &AtomicBool) -> SocketCount {
    let mut count = SocketCount::default();
    let mut sample = || {
        // By inode: a socket can be listed twice when the table changes while it is read.
        let mut open = HashSet::new();
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = std::fs::read_to_string(table).unwrap_or_default();
            for line in text.lines().skip(1) {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let (Some(remote), Some(state), Some(inode)) =
                    (fields.get(2), fields.get(3), fields.get(9))
                else {
                    continue;
                };
                let remote = proc_endpoint(remote).map(|(ip, port)| match ip {
                    IpAddr::V6(v6) => (v6.to_ipv4_mapped().map_or(ip, IpAddr::V4), port),
                    v4 => (v4, port),
                });
                let inode = inode.parse::<u64>().unwrap_or(0);
                // 01 = ESTABLISHED, 02 = SYN_SENT; a socket in TIME_WAIT has no inode any more.
                if remote == Some(target) && inode != 0 && matches!(*state, "01" | "02") {
                    count.seen.insert(inode);
                    open.insert(inode);
                }
            }
        }
        count.peak = count.peak.max(open.len());
    };
    while !stop.load(Ordering::Relaxed) {
        sample();
        std::thread::sleep(Duration::from_millis(20));
    }
    sample();
    count.cpu_s = thread_cpu_seconds();
    count
}

async fn run(args: Args) -> Result<(), wechatpay::Error> {
    let (client, sandbox, base_url) = if configured_from_env() {
        let base_url = std::env::var("WECHATPAY_BASE_URL").unwrap_or_default();
        (Client::from_env()?, None, base_url)
    } else {
        let sandbox = Sandbox::start().await?;
        let base_url = sandbox.base_url();
        (sandbox.client()?, Some(sandbox), base_url)
    };
    let stop_sampling = Arc::new(AtomicBool::new(false));
    // The unavoidable cryptography of one request, measured in this process while the run goes
    // on.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let baseline = {
        let stop = Arc::clone(&stop_sampling);
        std::thread::spawn(move || sign_verify_during(&stop, ready_tx))
    };
    let _ = ready_rx.recv();
    let sampler = loopback_target(&base_url).map(|target| {
        let stop = Arc::clone(&stop_sampling);
        std::thread::spawn(move || sample_sockets(target, &stop))
    });
    let total = usize::try_from(args.requests).unwrap_or(usize::MAX);
    // One slot per request, written before the run so that the latencies do not grow the RSS
    // while it is measured: microseconds, u32::MAX for a failed request.
    let latencies: Arc<[AtomicU32]> = (0..total).map(|_| AtomicU32::new(u32::MAX)).collect();
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let checkpoints: Arc<[u64]> = args.rss_at.iter().copied().collect();
    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency.min(args.requests))
        .map(|_| {
            let (client, next, done, errors) = (
                client.clone(),
                Arc::clone(&next),
                Arc::clone(&done),
                Arc::clone(&errors),
            );
            let (latencies, checkpoints) = (Arc::clone(&latencies), Arc::clone(&checkpoints));
            let total = args.requests;
            tokio::spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= total {
                        return;
                    }
                    let request = request(index);
                    let sent = Instant::now();
                    match client.send(&request).await {
                        Ok(_) => {
                            let micros = u32::try_from(sent.elapsed().as_micros())
                                .unwrap_or(u32::MAX - 1);
                            latencies[usize::try_from(index).unwrap_or(usize::MAX)]
                                .store(micros, Ordering::Relaxed);
                        }
                        Err(error) => {
                            if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("first error: {error}");
                            }
                        }
                    }
                    let completed = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if checkpoints.contains(&completed) {
                        println!(
                            "rss_at requests={completed} rss_mib={:.1} peak_rss_mib={:.1} elapsed_s={:.1}",
                            vm_mib("VmRSS"),
                            vm_mib("VmHWM"),
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed();
    let cpu_run = process_cpu_seconds() - cpu_before;
    let peak_rss_mib = vm_mib("VmHWM");
    stop_sampling.store(true, Ordering::Relaxed);
    let sockets = sampler.and_then(|thread| thread.join().ok());
    let (sign_verify, baseline_cpu_s) = baseline.join().unwrap_or_default();
    // Neither the sampler's CPU nor the baseline's (both ran during the run) is the client's.
    let cpu_run = cpu_run - sockets.as_ref().map_or(0.0, |s| s.cpu_s) - baseline_cpu_s;
    let mut sorted: Vec<u32> = latencies
        .iter()
        .map(|l| l.load(Ordering::Relaxed))
        .filter(|&l| l != u32::MAX)
        .collect();
    sorted.sort_unstable();
    let ok = sorted.len() as u64;
    let cpu_s_per_req = cpu_run / args.requests as f64;
    let (low, high) = (
        sign_verify.iter().copied().fold(f64::INFINITY, f64::min),
        sign_verify.iter().copied().fold(0.0, f64::max),
    );
    // The mean, as `cpu_s_per_req` is: both then average over the same drift of the machine.
    let sign_verify_s = sign_verify.iter().sum::<f64>() / sign_verify.len().max(1) as f64;
    let (connections, connections_peak) = match (&sandbox, &sockets) {
        (Some(sandbox), sockets) => (
            sandbox.connections_accepted().to_string(),
            sockets.as_ref().map_or(0, |s| s.peak),
        ),
        (None, Some(sockets)) => (format!("{}(sampled)", sockets.seen.len()), sockets.peak),
        (None, None) => ("unknown".to_owned(), 0),
    };
    println!(
        "requests={} ok={ok} errors={} rps={:.0} p50_ms={:.2} p99_ms={:.2} cpu_s_per_req={:.6} sign_verify_s={:.6} (windows {low:.6}..{high:.6}) cpu_ratio={:.3} peak_rss_mib={:.1} connections={connections} connections_peak={connections_peak}",
        args.requests,
        errors.load(Ordering::Relaxed),
        ok as f64 / elapsed.as_secs_f64(),
        quantile_ms(&sorted, 0.50),
        quantile_ms(&sorted, 0.99),
        cpu_s_per_req,
        sign_verify_s,
        cpu_s_per_req / sign_verify_s,
        peak_rss_mib,
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match args.threads {
        Some(1) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Some(threads) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(usize::try_from(threads).unwrap_or(usize::MAX))
            .enable_all()
            .build(),
        None => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
