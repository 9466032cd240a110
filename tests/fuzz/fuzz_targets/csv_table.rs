//! The CSV tables of the standard steps.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../replay/csv_table.rs"]
mod replay;

fuzz_target!(|data: &[u8]| replay::exercise(data));
