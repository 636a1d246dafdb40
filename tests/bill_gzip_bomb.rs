//! A gzip bomb (1 MiB on the wire, 1 GiB unpacked) ends with a clear size-limit error and
//! bounded memory. Alone in its binary: it reads this process's peak resident memory.

use wechatpay::Error;
use wechatpay::v3::bill::{TarType, TradeBill};
use wechatpay_sandbox::Sandbox;

mod memory;

use memory::{Counter, status_kib};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_stops_at_the_size_limit_with_bounded_memory() {
    const MIB: u64 = 1024 * 1024;
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.serve_gzip_bombs(1024 * MIB);
    let limit = 256 * MIB;
    let client = sandbox
        .client_builder()
        .unwrap()
        .max_download_bytes(limit)
        .build()
        .unwrap();
    let bill = client
        .send(&TradeBill {
            bill_date: "2026-11-26".into(),
            sub_mchid: None,
            bill_type: None,
            tar_type: Some(TarType::Gzip),
        })
        .await
        .unwrap();
    // Resets the peak (VmHWM) to the current resident size, so the peak below is this download's.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_kib("VmRSS:");
    let mut out = Counter(0);
    let started = std::time::Instant::now();
    let error = client.download_bill(&bill, &mut out).await.unwrap_err();
    let peak = status_kib("VmHWM:");
    println!(
        "stopped after {} MiB unpacked in {:?}; resident before {} MiB, peak {} MiB",
        out.0 / MIB,
        started.elapsed(),
        before / 1024,
        peak / 1024
    );
    let Error::BodyTooLarge {
        limit: reported, ..
    } = &error
    else {
        panic!("a gzip bomb must end with the size limit: {error:?}");
    };
    assert_eq!(*reported as u64, limit);
    let message = error.to_string();
    assert!(message.contains(&limit.to_string()), "{message}");
    assert!(!message.contains("token="), "{message}");
    assert!(out.0 <= limit, "{} bytes written past the limit", out.0);
    assert!(out.0 > limit - MIB, "stopped early, at {} bytes", out.0);
    // Unpacking in bounded steps: the whole process, sandbox included, stays under 32 MiB
    // while 256 MiB are unpacked (inflating a network chunk at once held hundreds of MiB).
    assert!(peak < 32 * 1024, "peak resident memory {peak} KiB");
}
