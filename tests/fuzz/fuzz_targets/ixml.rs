//! The iXML reader and editor: parse, read every view, apply a fixed edit with a track reorder.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../replay/ixml.rs"]
mod replay;

fuzz_target!(|data: &[u8]| replay::exercise(data));
