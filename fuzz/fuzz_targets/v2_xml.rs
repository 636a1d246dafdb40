//! libFuzzer entry point; the logic (and its properties) is in `fuzz/logic/v2_xml.rs`, which
//! `tests/fuzz_smoke.rs` also runs on stable.
#![no_main]

#[path = "../logic/v2_xml.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::run(data));
