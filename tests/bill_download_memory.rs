//! A 200 MiB bill streams through with bounded memory. Alone in its binary: it reads this
//! process's peak resident memory.

use wechatpay::v3::bill::TradeBill;
use wechatpay_sandbox::Sandbox;

mod memory;

use memory::{Counter, status_kib};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mib_bill_downloads_with_peak_memory_under_32_mib() {
    let sandbox = Sandbox::start().await.unwrap();
    // About 213 bytes a row: 1,000,000 rows are a little over 200 MiB.
    sandbox.set_bill_rows(1_000_000);
    let client = sandbox.client().unwrap();
    let bill = client
        .send(&TradeBill {
            bill_date: "2026-11-26".into(),
            sub_mchid: None,
            bill_type: None,
            tar_type: None,
        })
        .await
        .unwrap();
    // Resets the peak (VmHWM) to the current resident size, so the peak below is this download's.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_kib("VmRSS:");
    let mut out = Counter(0);
    let file = client.download_bill(&bill, &mut out).await.unwrap();
    let peak = status_kib("VmHWM:");
    assert!(
        file.written_bytes >= 200 * 1024 * 1024,
        "{} bytes",
        file.written_bytes
    );
    assert_eq!(out.0, file.written_bytes);
    let grew_mib = (peak.saturating_sub(before)) as f64 / 1024.0;
    println!(
        "downloaded {} MiB; resident before {} MiB, peak {} MiB: +{grew_mib:.1} MiB",
        file.written_bytes / (1024 * 1024),
        before / 1024,
        peak / 1024
    );
    // The whole process, sandbox included, stays under 32 MiB while 200 MiB pass through it.
    assert!(peak < 32 * 1024, "peak resident memory {peak} KiB");
}
