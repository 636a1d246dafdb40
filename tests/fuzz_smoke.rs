//! A seconds-long, stable-Rust run of the fuzz targets in `fuzz/` (see `fuzz/README.md`): each
//! target's logic (`fuzz/logic/<target>.rs`, with its properties) runs over the committed seeds
//! (`fuzz/seeds/<target>/`) and then over pseudo-random mutations of them, for about two seconds
//! or a fixed number of inputs, whichever comes first.
//!
//! `FUZZ_SMOKE_SEED` (a number) picks another mutation sequence; `FUZZ_SMOKE_MILLIS` another time
//! budget per target. A failing input is printed in hex before the panic continues.

// Each logic file includes `fuzz/logic/common.rs` as its own module, as it does in the fuzz crate.
#![allow(clippy::duplicate_mod)]

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../fuzz/logic/authorization_header.rs"]
mod authorization_header;
#[path = "../fuzz/logic/notification.rs"]
mod notification;
#[path = "../fuzz/logic/path_template.rs"]
mod path_template;
#[path = "../fuzz/logic/pem_keys.rs"]
mod pem_keys;
#[path = "../fuzz/logic/v2_xml.rs"]
mod v2_xml;

/// At most this many mutated inputs per target…
const MAX_INPUTS: u64 = 20_000;
/// …and at most this long per target (the seeds always run in full).
const DEFAULT_BUDGET: Duration = Duration::from_secs(2);
/// The longest mutated input, as libFuzzer's default `-max_len`.
const MAX_LEN: usize = 4096;

/// xorshift64*: small, fast, deterministic; not for anything but picking mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes the targets' formats and checks care about, to splice in.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b",",
    b"\"",
    b"=",
    b"{",
    b"}",
    b"/",
    b"%",
    b"?",
    b"#",
    b" ",
    b"\0",
    b"\xff",
    b"\xe4\xb8\xad",
    b"WECHATPAY2-SHA256-RSA2048 ",
    b"WECHATPAY/SIGNTEST/",
    b"PUB_KEY_ID_",
    b"AEAD_AES_256_GCM",
    b"-----BEGIN PRIVATE KEY-----\n",
    b"-----END PRIVATE KEY-----\n",
    b"\x30\x82\x01\x22",
    b"\x02\x01\x00",
    b"\x05\x00",
    b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01",
];

/// One libFuzzer-like mutation of `input` (possibly crossing over with `other`).
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    let at = |rng: &mut Rng, len: usize| rng.below(len + 1);
    match rng.below(10) {
        0 | 1 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] ^= 1 << rng.below(8);
        }
        2 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] = rng.next() as u8;
        }
        3 if !input.is_empty() => {
            let start = rng.below(input.len());
            let end = (start + 1 + rng.below(8)).min(input.len());
            input.drain(start..end);
        }
        4 => {
            let i = at(rng, input.len());
            let byte = rng.next() as u8;
            input.insert(i, byte);
        }
        5 | 6 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            let i = at(rng, input.len());
            input.splice(i..i, token.iter().copied());
        }
        7 if !other.is_empty() => {
            let start = rng.below(other.len());
            let end = (start + 1 + rng.below(64)).min(other.len());
            let i = at(rng, input.len());
            input.splice(i..i, other[start..end].iter().copied());
        }
        8 if input.len() > 1 => {
            // Keep the mode byte.
            let len = 1 + rng.below(input.len() - 1);
            input.truncate(len);
        }
        _ if !input.is_empty() => {
            // Repeat a chunk.
            let start = rng.below(input.len());
            let end = (start + 1 + rng.below(16)).min(input.len());
            let chunk = input[start..end].to_vec();
            let i = at(rng, input.len());
            input.splice(i..i, chunk);
        }
        _ => input.push(rng.next() as u8),
    }
    input.truncate(MAX_LEN);
}

fn run_one(target: &str, run: fn(&[u8]), input: &[u8]) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| run(input))) {
        let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
        eprintln!(
            "fuzz_smoke {target}: the input that failed, as hex (write it to a file and run \
             `cargo +nightly fuzz run {target} <file>` in fuzz/):\n{hex}"
        );
        resume_unwind(panic);
    }
}

fn smoke(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());

    let budget = std::env::var("FUZZ_SMOKE_MILLIS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DEFAULT_BUDGET, Duration::from_millis);
    let seed: u64 = std::env::var("FUZZ_SMOKE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f00d_cafe_d00d);
    // Each target its own sequence, so that they do not depend on one another.
    let mut rng = Rng(seed
        ^ target
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        | 1);

    let start = Instant::now();
    for input in &seeds {
        run_one(target, run, input);
    }
    let mut inputs = 0;
    while inputs < MAX_INPUTS && start.elapsed() < budget {
        let mut input = seeds[rng.below(seeds.len())].clone();
        let other = &seeds[rng.below(seeds.len())];
        for _ in 0..1 + rng.below(6) {
            mutate(&mut rng, &mut input, other);
        }
        run_one(target, run, &input);
        inputs += 1;
    }
    eprintln!(
        "fuzz_smoke {target}: {} seeds and {inputs} mutations in {:?}",
        seeds.len(),
        start.elapsed()
    );
}

#[test]
fn authorization_header() {
    smoke("authorization_header", authorization_header::run);
}

#[test]
fn notification() {
    smoke("notification", notification::run);
}

#[test]
fn pem_keys() {
    smoke("pem_keys", pem_keys::run);
}

#[test]
fn path_template() {
    smoke("path_template", path_template::run);
}

#[test]
fn v2_xml() {
    smoke("v2_xml", v2_xml::run);
}
