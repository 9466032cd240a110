//! The container reader: header, every chunk payload, bext and fmt parsing, an identity rewrite.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../replay/wav_header.rs"]
mod replay;

fuzz_target!(|data: &[u8]| replay::exercise(data));
