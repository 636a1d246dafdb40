//! libFuzzer entry point; the logic (and its properties) is in `fuzz/logic/pem_keys.rs`, which
//! `tests/fuzz_smoke.rs` also runs on stable.
#![no_main]

#[path = "../logic/pem_keys.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::run(data));
