//! The take layer: a take read from arbitrary bytes, arbitrary step edits, render, write, read back.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../replay/take_changes.rs"]
mod replay;

fuzz_target!(|data: &[u8]| {
    replay::exercise(data);
});
