//! The bext description `KEY=value` parser and editor over arbitrary UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../replay/bext_description.rs"]
mod replay;

fuzz_target!(|data: &[u8]| replay::exercise(data));
