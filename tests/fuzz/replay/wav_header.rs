// The container reader: header, every chunk payload, bext and fmt parsing, an identity rewrite.
//
// Shared by the fuzz target (tests/fuzz/fuzz_targets/wav_header.rs) and the regression test that replays
// tests/fuzz/regressions/wav_header/*, so both run exactly the same code. Panics are findings.

use rollcall_wav::{
    identity_layout, read_header, read_payload, write_file, Bext, Fmt, WriteOptions,
    MAX_METADATA_CHUNK,
};
use std::io::{sink, Cursor};

/// Runs one fuzz input through the `wav_header` target's code.
pub fn exercise(data: &[u8]) {
    let mut cursor = Cursor::new(data);
    let Ok(header) = read_header(&mut cursor) else {
        return;
    };
    for chunk in &header.chunks {
        if &chunk.id == b"data" {
            continue;
        }
        let Ok(payload) = read_payload(&mut cursor, chunk, MAX_METADATA_CHUNK) else {
            continue;
        };
        match &chunk.id {
            b"bext" => {
                if let Ok(bext) = Bext::parse(&payload) {
                    let _ = bext.to_bytes_like(&payload);
                }
            }
            b"fmt " => {
                if let Ok(fmt) = Fmt::parse(&payload) {
                    let _ = fmt.check_supported();
                    let _ = fmt.to_bytes(&payload);
                    let _ = fmt.relaid(1).to_bytes(&payload);
                }
            }
            _ => {}
        }
    }
    let layout = identity_layout(&header);
    let opts = WriteOptions {
        block_bytes: 4096,
        ..WriteOptions::default()
    };
    let _ = write_file(&mut cursor, &header, &layout, None, &mut sink(), &opts);
}
