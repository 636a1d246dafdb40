//! Callback intake on one thread: the SDK's `notifications().verify` against the bare cryptography.
//!
//! ```text
//! cargo bench --bench notify_intake
//! WECHATPAY_BENCH_SECONDS=5 cargo bench --bench notify_intake
//! ```
//!
//! Every figure is callbacks per second on this thread, over the same signed `TRANSACTION.SUCCESS`
//! callbacks (a resource of about 600 bytes, as WeChat Pay sends it):
//!
//! - `raw`: aws-lc-rs alone: one RSA-2048 PKCS#1 v1.5 SHA-256 verify of the signed message and one
//!   AES-256-GCM open of the resource, with the message built, the signature and the ciphertext
//!   Base64-decoded and the public key parsed beforehand: the floor no implementation goes under.
//! - `raw from the wire`: the same, plus what the wire format forces on any implementation: the
//!   `Wechatpay-Signature` header and the `ciphertext` field Base64-decoded and the signed message
//!   assembled on every call (no JSON is parsed: the fields are taken as given).
//! - `sdk verify`: `client.notifications().verify::<Transaction>(&headers, &body)`: headers
//!   checked, signature verified, envelope parsed, resource decrypted and decoded into owned
//!   fields.
//! - `sdk verify_event`: the same through `verify_event` (decoded by `event_type`).
//!
//! The machine is shared and noisy, so the four are run in turn, 16 calls at a time, within one
//! run, and compared as ratios.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue};
use wechatpay::notify::Event;
use wechatpay::v3::pay::Transaction;
use wechatpay::{ApiV3Key, Client, MerchantKey, WechatpayPublicKey};

const APIV3_KEY: &str = "a7cde1ef41b2c3d4e5f60718293a4b5c";
const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000000001";
/// Distinct callbacks cycled through, so no figure rests on one input.
const CALLBACKS: usize = 64;

fn seconds() -> Duration {
    let secs = std::env::var("WECHATPAY_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// Runs each of `ops` (given a round-robin callback index) in turn, `ROUND` calls at a time, for
/// about `budget` in all, and returns the operations per second of each.
fn rates<const N: usize>(budget: Duration, ops: [&mut dyn FnMut(usize); N]) -> [f64; N] {
    const ROUND: usize = 16;
    let mut ops = ops;
    for op in ops.iter_mut() {
        for i in 0..CALLBACKS {
            op(i);
        }
    }
    let mut spent = [Duration::ZERO; N];
    let mut calls = 0usize;
    let start = Instant::now();
    while start.elapsed() < budget {
        for (op, spent) in ops.iter_mut().zip(spent.iter_mut()) {
            let round = Instant::now();
            for k in 0..ROUND {
                op((calls + k) % CALLBACKS);
            }
            *spent += round.elapsed();
        }
        calls += ROUND;
    }
    spent.map(|spent| calls as f64 / spent.as_secs_f64())
}

/// A paid order as WeChat Pay describes it in a `TRANSACTION.SUCCESS` callback (about 600 bytes).
fn transaction(i: usize) -> String {
    format!(
        r#"{{"mchid":"1230000109","appid":"wxd678efh567hg6787","out_trade_no":"1217752501201407033233{i:06}","transaction_id":"4200000985202103031441{i:06}","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"自定义数据","success_time":"2026-06-08T10:34:56+08:00","payer":{{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}},"amount":{{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}},"scene_info":{{"device_id":"013467007045764"}},"promotion_detail":[{{"coupon_id":"109519","name":"单品惠-6","scope":"SINGLE","type":"CASH","amount":1,"stock_id":"931386","currency":"CNY"}}]}}"#
    )
}

/// One callback as it reaches the merchant, and what the raw path needs of it, decoded beforehand.
struct Signed {
    headers: HeaderMap,
    body: Vec<u8>,
    /// `TIMESTAMP\nNONCE\nBODY\n`.
    message: Vec<u8>,
    signature: Vec<u8>,
    /// Ciphertext ‖ tag.
    sealed: Vec<u8>,
    nonce: [u8; 12],
    /// The resource's `ciphertext` field as it stands in the body (Base64).
    ciphertext: String,
}

fn callback(platform: &MerchantKey, key: &ApiV3Key, i: usize) -> Signed {
    let plaintext = transaction(i);
    let nonce_text = format!("{:012}", 100_000_000_000u64 + i as u64);
    let ciphertext = key
        .encrypt(&nonce_text, "transaction", plaintext.as_bytes())
        .expect("sealing");
    let body = format!(
        r#"{{"id":"EV-2018022511223320{i:06}","create_time":"2026-06-08T10:34:56+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"{ciphertext}","associated_data":"transaction","nonce":"{nonce_text}"}}}}"#
    )
    .into_bytes();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = format!("{:032X}", i + 0xC5AC_7061);
    let message = wechatpay::auth::answer_message(&timestamp, &nonce, &body);
    let signature = platform.sign(&message);
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    };
    put("wechatpay-timestamp", &timestamp);
    put("wechatpay-nonce", &nonce);
    put("wechatpay-signature", &BASE64.encode(&signature));
    put("wechatpay-serial", PUBLIC_KEY_ID);
    put("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048");
    put("request-id", &format!("08F78BB5AF0610D302{i:08}"));
    Signed {
        headers,
        body,
        message,
        signature,
        sealed: BASE64.decode(&ciphertext).unwrap(),
        nonce: nonce_text.as_bytes().try_into().unwrap(),
        ciphertext,
    }
}

fn main() {
    let budget = seconds();
    let platform = MerchantKey::generate().expect("key generation");
    let apiv3 = ApiV3Key::new(APIV3_KEY).unwrap();
    let client = Client::builder()
        .mchid("1230000109")
        .merchant_key(
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            MerchantKey::generate().unwrap(),
        )
        .wechatpay_public_key(
            WechatpayPublicKey::from_public_key(PUBLIC_KEY_ID, platform.public_key()).unwrap(),
        )
        .apiv3_key(apiv3.clone())
        .build()
        .expect("client");
    let callbacks: Vec<Signed> = (0..CALLBACKS)
        .map(|i| callback(&platform, &apiv3, i))
        .collect();
    let resource_bytes = transaction(0).len();
    let body_bytes = callbacks[0].body.len();

    // aws-lc-rs alone.
    let public_der = {
        let pem = platform.public_key().to_pem();
        pem::parse(pem).unwrap().into_contents()
    };
    let verifier = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &public_der,
    )
    .unwrap();
    let aes = aws_lc_rs::aead::LessSafeKey::new(
        aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, APIV3_KEY.as_bytes())
            .unwrap(),
    );
    let mut buffer = Vec::with_capacity(1024);
    let mut raw = |i: usize| {
        let c: &Signed = &callbacks[i];
        verifier
            .verify_sig(&c.message, &c.signature)
            .expect("raw verify");
        buffer.clear();
        buffer.extend_from_slice(&c.sealed);
        let plaintext = aes
            .open_in_place(
                aws_lc_rs::aead::Nonce::assume_unique_for_key(c.nonce),
                aws_lc_rs::aead::Aad::from(b"transaction"),
                &mut buffer,
            )
            .expect("raw open");
        std::hint::black_box(plaintext);
    };
    // The same, starting from what the wire carries: the signature header and the ciphertext
    // field Base64-decoded and the signed message assembled on every call (the JSON fields are
    // taken as given: no JSON is parsed).
    let mut raw_wire = |i: usize| {
        let c: &Signed = &callbacks[i];
        let header = |name: &str| c.headers.get(name).unwrap().to_str().unwrap();
        let signature = BASE64.decode(header("wechatpay-signature")).unwrap();
        let message = wechatpay::auth::answer_message(
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            &c.body,
        );
        verifier
            .verify_sig(&message, &signature)
            .expect("raw verify");
        let mut sealed = BASE64.decode(&c.ciphertext).unwrap();
        let plaintext = aes
            .open_in_place(
                aws_lc_rs::aead::Nonce::assume_unique_for_key(c.nonce),
                aws_lc_rs::aead::Aad::from(b"transaction"),
                &mut sealed,
            )
            .expect("raw open");
        std::hint::black_box(plaintext);
    };
    // Check that both paths accept every callback before timing them.
    let notifications = client.notifications();
    for (i, c) in callbacks.iter().enumerate() {
        raw(i);
        raw_wire(i);
        let verified = notifications
            .verify::<Transaction>(&c.headers, &c.body)
            .expect("SDK verify");
        assert_eq!(
            verified
                .resource
                .trade_state
                .as_ref()
                .map(|state| state.as_str()),
            Some("SUCCESS")
        );
    }

    println!(
        "budget per figure: {budget:?}; callback body {body_bytes} bytes, resource {resource_bytes} bytes"
    );
    let mut sdk = |i: usize| {
        let c = &callbacks[i];
        std::hint::black_box(
            notifications
                .verify::<Transaction>(std::hint::black_box(&c.headers), &c.body)
                .expect("SDK verify"),
        );
    };
    let mut sdk_event = |i: usize| {
        let c = &callbacks[i];
        let verified = notifications
            .verify_event(std::hint::black_box(&c.headers), &c.body)
            .expect("SDK verify_event");
        assert!(matches!(verified.resource, Event::Transaction(_)));
        std::hint::black_box(verified);
    };
    // Interleaved in rounds of a few hundred microseconds, so that load from elsewhere on the
    // machine falls on all three alike.
    let [raw_rate, wire_rate, sdk_rate, event_rate] =
        rates(budget, [&mut raw, &mut raw_wire, &mut sdk, &mut sdk_event]);
    println!("raw aws-lc-rs verify + AES-256-GCM open: {raw_rate:.0}/s");
    println!(
        "raw from the wire (+ Base64 and message assembly): {wire_rate:.0}/s; ratio to raw {:.3}",
        wire_rate / raw_rate
    );
    println!(
        "sdk notifications().verify::<Transaction>: {sdk_rate:.0}/s; ratio sdk/raw {:.3}; sdk/raw-from-the-wire {:.3}",
        sdk_rate / raw_rate,
        sdk_rate / wire_rate
    );
    println!(
        "sdk notifications().verify_event: {event_rate:.0}/s; ratio sdk/raw {:.3}; sdk/raw-from-the-wire {:.3}",
        event_rate / raw_rate,
        event_rate / wire_rate
    );
}
