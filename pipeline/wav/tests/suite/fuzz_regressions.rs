//! Replays every kept fuzz input (minimised crashers and chosen corpus inputs) of tests/fuzz/regressions
//! through the same code the fuzz targets run (tests/fuzz/replay), so a fixed finding stays fixed.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

#[path = "../../../../tests/fuzz/replay/harness.rs"]
mod harness;

use harness::{inputs, replay};

#[path = "../../../../tests/fuzz/replay/bext_description.rs"]
mod bext_description;
#[path = "../../../../tests/fuzz/replay/wav_header.rs"]
mod wav_header;

#[test]
fn wav_header_regressions_do_not_panic() {
    replay("wav_header", wav_header::exercise);
}

#[test]
fn bext_description_regressions_do_not_panic() {
    replay("bext_description", bext_description::exercise);
}

#[test]
fn wav_header_seed_inputs_are_read() {
    // The `seed-*` inputs are valid files chosen to reach the writer (ds64 table, EXTENSIBLE, bext).
    for path in inputs("wav_header") {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| n.starts_with("seed-")) {
            continue;
        }
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut cursor = std::io::Cursor::new(data);
        let header = rollcall_wav::read_header(&mut cursor)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(header.frames() > 0, "{}", path.display());
    }
}
