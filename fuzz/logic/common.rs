//! Helpers shared by the fuzz logic files: a reader that splits one fuzz input into fields.
//!
//! Each logic file includes this with `#[path = "common.rs"] mod common;`, so it compiles both in
//! the cargo-fuzz crate and inside `tests/fuzz_smoke.rs`.
#![allow(dead_code)]

use std::borrow::Cow;

/// Splits a fuzz input into a mode byte, `\n`-terminated lines and the rest.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The first byte modulo `modes` (0 when the input is empty). Seeds start with an ASCII digit:
    /// `'0'` is 48, a multiple of 2, 3, 4, 6 and 8, so `'0' + k` selects mode `k`.
    pub fn mode(&mut self, modes: u8) -> u8 {
        match self.data.split_first() {
            Some((&first, rest)) => {
                self.data = rest;
                first % modes
            }
            None => 0,
        }
    }

    /// The next line, without its `\n` (the rest of the input when there is no `\n`).
    pub fn line(&mut self) -> &'a [u8] {
        match self.data.iter().position(|&b| b == b'\n') {
            Some(end) => {
                let line = &self.data[..end];
                self.data = &self.data[end + 1..];
                line
            }
            None => std::mem::take(&mut self.data),
        }
    }

    /// The next line as text (invalid UTF-8 replaced).
    pub fn text_line(&mut self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.line())
    }

    /// Everything not read yet.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// The bytes as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A 64-bit hash (FNV-1a) of `data`, to derive deterministic choices from an input.
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
