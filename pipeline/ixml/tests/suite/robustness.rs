//! Every corpus iXML chunk parses or fails with a reason; mutated chunks never panic.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use common::*;
use rollcall_ixml::{Ixml, IxmlEdits, IxmlError, TrackRewrite};

fn corpus_ixml_chunks() -> Vec<(String, Vec<u8>)> {
    corpus_wavs()
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            let chunk = ixml_chunk_of(&bytes)?;
            Some((path.display().to_string(), chunk))
        })
        .collect()
}

/// Reversed track order with new names: exercises copy, renumbering and NAME creation.
fn reverse_tracks(ixml: &Ixml) -> IxmlEdits {
    let count = ixml.tracks().len();
    let tracks = (0..count)
        .rev()
        .enumerate()
        .map(|(position, source)| TrackRewrite {
            source: Some(source),
            channel_index: source as u32 + 1,
            interleave_index: position as u32 + 1,
            name: Some(format!("T{source} <&>")),
            function: None,
        })
        .collect();
    IxmlEdits {
        set: vec![
            ("SCENE".to_string(), "99Z".to_string()),
            ("HISTORY/PARENT_UID".to_string(), "P".to_string()),
        ],
        tracks: Some(tracks),
    }
}

/// Uses every reader and the editor; edited output must parse again.
fn exercise(payload: &[u8]) -> bool {
    let Ok(ixml) = Ixml::parse(payload) else {
        return false;
    };
    let _ = ixml.get("SCENE");
    let _ = ixml.leaf_values();
    let _ = ixml.tracks();
    assert_eq!(ixml.edit(&IxmlEdits::default()).as_deref(), Ok(payload));
    match ixml.edit(&reverse_tracks(&ixml)) {
        Ok(out) => {
            let reread = Ixml::parse(&out).expect("edited output parses");
            assert_eq!(reread.get("SCENE").as_deref(), Some("99Z"));
            assert_eq!(reread.get("HISTORY/PARENT_UID").as_deref(), Some("P"));
            assert_eq!(reread.tracks().len(), ixml.tracks().len());
        }
        Err(error @ IxmlError::EditBroke { .. }) => panic!("{error}"),
        Err(_) => {}
    }
    true
}

#[test]
fn every_corpus_ixml_chunk_parses_or_fails_cleanly() {
    let chunks = corpus_ixml_chunks();
    assert!(
        chunks.len() >= 60,
        "found only {} iXML chunks",
        chunks.len()
    );
    let mut failures = Vec::new();
    for (path, chunk) in &chunks {
        if !exercise(chunk) {
            failures.push(format!("{path}: {}", Ixml::parse(chunk).unwrap_err()));
        }
    }
    // Every real iXML chunk in the corpus is well formed.
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_corpus_track_list_is_read() {
    let mut with_tracks = 0;
    for (path, chunk) in corpus_ixml_chunks() {
        let ixml = Ixml::parse(&chunk).unwrap();
        let tracks = ixml.tracks();
        let tags = chunk.windows(7).filter(|w| w == b"<TRACK>").count();
        assert_eq!(tracks.len(), tags, "{path}");
        for (i, track) in tracks.iter().enumerate() {
            // Nuendo's mono export has a TRACK with only FUNCTION; the rest are numbered in order.
            if let Some(index) = track.interleave_index {
                assert_eq!(index, i as u32 + 1, "{path}");
            } else {
                assert!(path.ends_with("Mono.wav"), "{path}");
                assert_eq!(track.function.as_deref(), Some("C-GENERIC"));
                assert_eq!(track.channel_index, None);
            }
        }
        with_tracks += usize::from(!tracks.is_empty());
    }
    assert!(with_tracks >= 59, "only {with_tracks} files with tracks");
}

/// xorshift64*: a fixed-seed generator so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_chunks_never_panic() {
    const SPECIAL: &[u8] = b"<>/&;!?[]\"'= \0\x01\r\n\xff\xef";
    let mut rng = Rng(0x1C0F_FEE5_EED5_2024);
    let mut parsed = 0usize;
    let mut refused = 0usize;
    for (_, chunk) in corpus_ixml_chunks() {
        // Only the document part matters; keep a little padding so trimming is exercised.
        let (pad, _) = padding(&chunk);
        let base = &chunk[..chunk.len() - pad + pad.min(16)];
        for round in 0..100 {
            let mut bytes = base.to_vec();
            match round % 4 {
                0 => {
                    let at = rng.below(bytes.len());
                    bytes.truncate(at);
                }
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(bytes.len());
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
                2 => {
                    let at = rng.below(bytes.len());
                    bytes[at] = SPECIAL[rng.below(SPECIAL.len())];
                }
                _ => {
                    let from = rng.below(bytes.len());
                    let to = (from + rng.below(64)).min(bytes.len());
                    let at = rng.below(bytes.len());
                    let piece = bytes[from..to].to_vec();
                    bytes.splice(at..at, piece);
                }
            }
            if exercise(&bytes) {
                parsed += 1;
            } else {
                refused += 1;
            }
        }
    }
    // Both outcomes occur, so the loop really reaches the editor and the error paths.
    assert!(
        parsed > 100 && refused > 100,
        "parsed {parsed}, refused {refused}"
    );
}
