//! The user's pages in a real browser: headless Chromium, driven through chromedriver (both from
//! Debian's `chromium` and `chromium-driver` packages), clicks the buttons a payer clicks; the
//! merchant's site in the test receives the callbacks and the browser's return.
//!
//! Without `chromium` and `chromedriver` on `PATH` the tests print why and pass; with the
//! environment variable `CI` set they fail instead (`.ci/run` installs both).
//! `WECHATPAY_UPDATE_SCREENSHOT=1` also writes the signing page's screenshot to
//! `docs/sandbox-papay-sign.png`, the one the README shows.

// Process groups (to end chromedriver with its browsers) are Unix; so is the CI.
#![cfg(unix)]

mod pages_support;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use fantoccini::{Client, ClientBuilder, Locator};
use pages_support::{APPID, World, world, world_from};
use serde_json::json;
use wechatpay::notify::Event;
use wechatpay_sandbox::Sandbox;

/// One browser at a time: each is a Chromium, and the machine is small.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A program on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// chromedriver, started by the test on a free loopback port in a process group of its own, with
/// a profile directory of its own; dropping it ends the whole group (chromedriver and every
/// Chromium process it started, even when a test failed before closing its session) and removes
/// the profile.
struct Driver {
    process: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // While chromedriver has not been reaped its pid still names its group, so the signal
        // cannot reach anyone else's processes.
        if let (Ok(None), Ok(group)) = (
            self.process.try_wait(),
            libc::pid_t::try_from(self.process.id()),
        ) {
            // SAFETY: kill(2) with a negative pid signals the process group chromedriver leads
            // (it was started with `process_group(0)`); no memory is involved.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Starts chromedriver on a port that was free a moment ago (another process may take it in
/// between: the caller then starts it again).
fn start_driver(chromedriver: &Path, attempt: u32) -> (Driver, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "chromium-profile-{}-{port}-{attempt}",
        std::process::id()
    ));
    let process = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
    (Driver { process, profile }, port)
}

/// A headless Chromium session, or `None` (the test then passes, saying why) when no browser is
/// installed and `CI` is unset.
async fn browser() -> Option<(Client, Driver)> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(on_path);
    let (Some(chromium), Some(chromedriver)) = (chromium, on_path("chromedriver")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium or chromedriver is not on PATH: install them \
             (apt-get install -y --no-install-recommends chromium chromium-driver), as .ci/run does"
        );
        eprintln!(
            "skipped: the browser tests need chromium and chromedriver on PATH \
             (apt-get install -y --no-install-recommends chromium chromium-driver)"
        );
        return None;
    };
    let mut last = None;
    for attempt in 0..3 {
        let (mut driver, port) = start_driver(&chromedriver, attempt);
        let url = format!("http://127.0.0.1:{port}");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--window-size=420,560",
                    "--lang=zh-CN",
                    "--accept-lang=zh-CN,zh",
                    "--no-first-run",
                    "--disable-gpu",
                    format!("--user-data-dir={}", driver.profile.display()),
                ],
                // What a phone in China sends: the pages answer in Chinese.
                "prefs": { "intl.accept_languages": "zh-CN,zh" },
            }),
        );
        // chromedriver takes a moment to listen; when it exits instead (its port was taken),
        // start it again on another.
        for _ in 0..100 {
            if let Ok(Some(status)) = driver.process.try_wait() {
                last = Some(format!("chromedriver on port {port} exited: {status}"));
                break;
            }
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Some((client, driver)),
                Err(e) => last = Some(format!("chromedriver at {url}: {e}")),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("no browser session: {}", last.unwrap_or_default());
}

/// Waits until the browser is at `url`.
async fn lands_on(client: &Client, url: &str) {
    let mut now = String::new();
    for _ in 0..100 {
        now = client.current_url().await.unwrap().to_string();
        if now == url {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser is at {now}, not {url}");
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id} on the page: {e}"))
        .click()
        .await
        .unwrap();
}

async fn text(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id} on the page: {e}"))
        .text()
        .await
        .unwrap()
}

/// Saves a screenshot of the page, and for the README when asked to.
async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(name), &png).unwrap();
    if std::env::var_os("WECHATPAY_UPDATE_SCREENSHOT").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(name), &png).unwrap();
    }
}

async fn finish(client: Client, world: World) {
    client.close().await.unwrap();
    drop(world);
}

#[tokio::test]
async fn papay_signing_in_the_browser_calls_back_and_lands_on_return_url() {
    let _one = ONE_BROWSER.lock().await;
    let Some((client, _driver)) = browser().await else {
        return;
    };
    let mut world = world_from(Sandbox::builder().merchant_name("示例会员商城")).await;
    let back = format!("{}after-sign?user=1001", world.merchant);
    let answer = world
        .pre_sign("C-browser", "微信代扣用户A", Some(back.clone()))
        .await;
    client.goto(&answer.redirect_url.unwrap()).await.unwrap();
    let page = client.source().await.unwrap();
    assert!(
        page.contains("微信代扣用户A") && page.contains("示例会员商城"),
        "{page}"
    );
    // The browser's Accept-Language chose the language.
    assert_eq!(
        client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "开通扣费服务"
    );
    screenshot(&client, "sandbox-papay-sign.png").await;
    click(&client, "agree").await;
    let notification = world.callback("ENTRUST.SIGN").await;
    let Event::EntrustSign(notice) = notification.resource else {
        panic!("not a contract");
    };
    assert_eq!(notice.out_contract_code, "C-browser");
    lands_on(&client, &back).await;
    assert_eq!(world.visit().await, "/after-sign?user=1001");
    assert_eq!(text(&client, "merchant").await, "merchant page");
    finish(client, world).await;
}

#[tokio::test]
async fn refusing_in_the_browser_returns_to_the_referring_page_with_from_wxpay() {
    let _one = ONE_BROWSER.lock().await;
    let Some((client, _driver)) = browser().await else {
        return;
    };
    let mut world = world().await;
    let answer = world.pre_sign("C-browser-refuse", "会员 9", None).await;
    // The merchant's page declares the referrer policy WeChat Pay asks for, then links on.
    let start = format!(
        "{}start?{}",
        world.merchant,
        serde_urlencoded::to_string([("to", answer.redirect_url.as_deref().unwrap())]).unwrap()
    );
    client.goto(&start).await.unwrap();
    click(&client, "go").await;
    click(&client, "refuse").await;
    lands_on(&client, &format!("{start}&from_wxpay=1")).await;
    world.no_callback().await;
    finish(client, world).await;
}

#[tokio::test]
async fn h5_payment_in_the_browser_calls_back_and_redirects() {
    let _one = ONE_BROWSER.lock().await;
    let Some((client, _driver)) = browser().await else {
        return;
    };
    let mut world = world().await;
    let h5_url = world.h5_order("O-browser-h5", "会员月卡", 2500).await;
    let back = format!("{}h5/done?order=O-browser-h5", world.merchant);
    let url = format!(
        "{h5_url}&redirect_url={}",
        percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC)
    );
    client.goto(&url).await.unwrap();
    assert_eq!(text(&client, "amount").await, "¥25.00");
    click(&client, "agree").await;
    let notification = world.callback("TRANSACTION.SUCCESS").await;
    let Event::Transaction(payment) = notification.resource else {
        panic!("not a payment");
    };
    assert_eq!(payment.out_trade_no.as_deref(), Some("O-browser-h5"));
    lands_on(&client, &back).await;
    assert_eq!(world.visit().await, "/h5/done?order=O-browser-h5");
    finish(client, world).await;
}

#[tokio::test]
async fn jsapi_stand_in_in_the_browser_refuses_a_forged_pay_sign_and_pays_a_real_one() {
    let _one = ONE_BROWSER.lock().await;
    let Some((client, _driver)) = browser().await else {
        return;
    };
    let mut world = world().await;
    let prepay_id = world.jsapi_order("O-browser-jsapi", 100).await;
    let back = format!("{}pay/result", world.merchant);
    let params = world.client.jsapi_pay_params(APPID, &prepay_id).unwrap();
    let mut forged = params.clone();
    forged.pay_sign = base64::engine::general_purpose::STANDARD.encode([1u8; 256]);

    client
        .goto(&world.jsapi_page(&forged, &back))
        .await
        .unwrap();
    assert_eq!(
        text(&client, "errMsg").await,
        "requestPayment:fail invalid paySign"
    );
    assert!(
        client.find(Locator::Id("agree")).await.is_err(),
        "no pay button under a forged paySign"
    );
    click(&client, "close").await;
    lands_on(
        &client,
        &format!("{back}?errMsg=requestPayment%3Afail%20invalid%20paySign"),
    )
    .await;
    assert!(world.sandbox.charges().is_empty());
    world.no_callback().await;

    client
        .goto(&world.jsapi_page(&params, &back))
        .await
        .unwrap();
    click(&client, "agree").await;
    world.callback("TRANSACTION.SUCCESS").await;
    lands_on(&client, &format!("{back}?errMsg=requestPayment%3Aok")).await;
    assert_eq!(world.sandbox.charges().len(), 1);
    finish(client, world).await;
}

#[tokio::test]
async fn transfer_confirmation_in_the_browser_calls_back() {
    let _one = ONE_BROWSER.lock().await;
    let Some((client, _driver)) = browser().await else {
        return;
    };
    let mut world = world().await;
    let bill = world.transfer("T-browser", 520).await;
    let back = format!("{}transfer/result", world.merchant);
    client
        .goto(&world.transfer_page(&bill.package_info.unwrap(), &back))
        .await
        .unwrap();
    assert_eq!(text(&client, "amount").await, "¥5.20");
    click(&client, "agree").await;
    let notification = world.callback("MCHTRANSFER.BILL.FINISHED").await;
    let Event::TransferBill(bill) = notification.resource else {
        panic!("not a transfer");
    };
    assert_eq!(
        bill.state.as_ref().map(|state| state.as_str()),
        Some("SUCCESS")
    );
    assert_eq!(bill.out_bill_no.as_deref(), Some("T-browser"));
    lands_on(
        &client,
        &format!("{back}?errMsg=requestMerchantTransfer%3Aok"),
    )
    .await;
    finish(client, world).await;
}
