//! Random truncations, byte flips and size-field rewrites of corpus files never panic or hang.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use std::io::Cursor;

use rollcall_wav::{
    digest_audio, identity_layout, read_header, read_payload, write_file, Bext, WriteOptions,
};

/// Small xorshift64 generator (fixed seed: the run is reproducible).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FILES: &[&str] = &[
    "hound/testsamples/nonstandard-01.wav",
    "hound/testsamples/waveformatextensible-24bit-192kHz-mono.wav",
    "bwavfile/tests/media/izotope_test.wav",
    "bwavfile/tests/media/pt_24bit_51.wav",
    "go-audio-wav/fixtures/bwf.wav",
    "libbw64/tests/test_data/rect_24bit_rf64.wav",
    "wavefile/test/files/RF64-64-bit-8kHz--mono-bext.wav",
    "wavinfo/tests/test_files/sounddevices/A101_1_1.WAV",
    "wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr1.WAV",
    "wavinfo/tests/test_files/metacorder/Sr001-2C-01_01.WAV",
    "wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 5.1.wav",
];

/// Everything a caller does with a file: header, metadata payloads, bext, digest, identity rewrite.
fn exercise(bytes: &[u8]) -> bool {
    let mut cur = Cursor::new(bytes);
    let Ok(header) = read_header(&mut cur) else {
        return false;
    };
    for chunk in &header.chunks {
        if let Ok(p) = read_payload(&mut cur, chunk, 1 << 16) {
            if &chunk.id == b"bext" {
                if let Ok(b) = Bext::parse(&p) {
                    let _ = b.to_bytes();
                }
            }
        }
    }
    let _ = digest_audio(&mut cur, &header);
    let opts = WriteOptions {
        block_bytes: 4096,
        ..WriteOptions::default()
    };
    let _ = write_file(
        &mut cur,
        &header,
        &identity_layout(&header),
        None,
        &mut std::io::sink(),
        &opts,
    );
    true
}

#[test]
fn mutated_corpus_files_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut read_ok = 0;
    let mut total = 0;
    for rel in FILES {
        let original = std::fs::read(common::corpus(rel)).expect("read corpus file");
        // Keep the head (where the chunk headers are) plus a little audio: mutations stay fast.
        let head_len = original.len().min(96 << 10);
        for _ in 0..300 {
            let mut bytes = original.clone();
            match rng.below(4) {
                0 => bytes.truncate(rng.below(original.len())),
                1 => {
                    for _ in 0..=rng.below(4) {
                        let at = rng.below(head_len);
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
                2 => {
                    // Overwrite a 4-byte little-endian field near a chunk header with a hostile value.
                    let at = rng.below(head_len.saturating_sub(4));
                    let value: u32 = match rng.below(4) {
                        0 => u32::MAX,
                        1 => 0,
                        2 => rng.next() as u32,
                        _ => {
                            u32::from_le_bytes([
                                bytes[at],
                                bytes[at + 1],
                                bytes[at + 2],
                                bytes[at + 3],
                            ]) ^ 1
                        }
                    };
                    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
                }
                _ => {
                    let at = rng.below(head_len);
                    bytes[at] = rng.next() as u8;
                    bytes.truncate(at + 1 + rng.below(original.len() - at));
                }
            }
            total += 1;
            if exercise(&bytes) {
                read_ok += 1;
            }
        }
    }
    assert_eq!(total, FILES.len() * 300);
    // Both outcomes happen: the loop really exercises refusals and reads.
    assert!(
        read_ok > total / 10 && read_ok < total,
        "{read_ok} of {total} mutants read"
    );
}

#[test]
fn every_prefix_of_a_small_file_is_refused_or_read_without_panic() {
    let original =
        std::fs::read(common::corpus("hound/testsamples/nonstandard-01.wav")).expect("read");
    let complete = read_header(&mut Cursor::new(&original)).expect("complete file");
    let audio_start = complete.data().payload_offset() as usize;
    for len in 0..original.len() {
        match read_header(&mut Cursor::new(&original[..len])) {
            Err(_) => {}
            // Cut inside the audio: an unfinalized take, recovered to the whole frames on disk.
            Ok(header) => {
                assert!(len > audio_start, "prefix of {len} bytes read");
                let recovery = header
                    .recovery
                    .clone()
                    .expect("a cut take is read as needing recovery");
                assert_eq!(recovery.declared_size, complete.data().size);
                let ba = u64::from(header.fmt.block_align);
                assert_eq!(header.frames(), (len - audio_start) as u64 / ba);
            }
        }
    }
    assert!(read_header(&mut Cursor::new(&original)).is_ok());
}
