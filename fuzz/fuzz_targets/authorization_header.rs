//! libFuzzer entry point; the logic (and its properties) is in `fuzz/logic/authorization_header.rs`, which
//! `tests/fuzz_smoke.rs` also runs on stable.
#![no_main]

#[path = "../logic/authorization_header.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::run(data));
