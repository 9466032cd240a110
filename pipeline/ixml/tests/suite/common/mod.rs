//! Shared test helpers: corpus paths and a tiny RIFF chunk walker.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Root of the shared real-WAV corpus.
pub fn corpus_root() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
}

/// A corpus file by its path under the corpus root.
pub fn corpus(path: &str) -> PathBuf {
    corpus_root().join(path)
}

pub const SOUND_DEVICES: &str = "wavinfo/tests/test_files/sounddevices/A101_1.WAV";
pub const ZOOM_F8: &str =
    "wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_TrL_R.WAV";
pub const NUENDO_STEREO: &str =
    "wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Stereo.wav";
pub const NUENDO_51: &str =
    "wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 5.1.wav";
pub const WAVE_AGENT: &str = "hound/_pr49/testsamples/wav_agent_bext.wav";

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Payload of the first `iXML` chunk of a RIFF/RF64/BW64 file held in `bytes`.
pub fn ixml_chunk_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let magic = bytes.get(0..4)?;
    if !matches!(magic, b"RIFF" | b"RF64" | b"BW64") || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut data_size_64 = None;
    let mut at = 12usize;
    while at + 8 <= bytes.len() {
        let id = bytes.get(at..at + 4)?;
        let mut size = u64::from(u32_at(bytes, at + 4)?);
        if id == b"ds64" {
            data_size_64 = u64_at(bytes, at + 16);
        }
        if size == 0xFFFF_FFFF && id == b"data" {
            size = data_size_64?;
        }
        let body = at + 8;
        if id == b"iXML" {
            let end = body
                .checked_add(usize::try_from(size).ok()?)?
                .min(bytes.len());
            return Some(bytes.get(body..end)?.to_vec());
        }
        at = body
            .checked_add(usize::try_from(size).ok()?)?
            .checked_add((size & 1) as usize)?;
    }
    None
}

/// Payload of the first `iXML` chunk of the corpus file at `path`.
pub fn ixml_chunk(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(corpus(path)).unwrap_or_else(|e| panic!("read {path}: {e}"));
    ixml_chunk_of(&bytes).unwrap_or_else(|| panic!("{path} has no iXML chunk"))
}

/// Every `.wav` file under the corpus (case-insensitive extension), sorted.
pub fn corpus_wavs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus_root(), &mut out);
    out.sort();
    out
}

/// Length of the trailing NUL/space padding and its byte.
pub fn padding(payload: &[u8]) -> (usize, Option<u8>) {
    let doc_len = payload
        .iter()
        .rposition(|&b| b != 0 && b != b' ')
        .map_or(0, |p| p + 1);
    let pad = payload.len() - doc_len;
    (pad, (pad > 0).then(|| payload[payload.len() - 1]))
}

/// The original payload with each `old` span (which must occur exactly once) replaced by `new`,
/// padded back to the original length with the original pad byte when it fits.
pub fn expected_with(original: &[u8], replacements: &[(&[u8], &[u8])]) -> Vec<u8> {
    let (pad, pad_byte) = padding(original);
    let mut doc = original[..original.len() - pad].to_vec();
    for (old, new) in replacements {
        let hits: Vec<usize> = doc
            .windows(old.len())
            .enumerate()
            .filter(|(_, w)| w == old)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "{:?} must occur once",
            String::from_utf8_lossy(old)
        );
        let at = hits[0];
        doc.splice(at..at + old.len(), new.iter().copied());
    }
    if let Some(b) = pad_byte {
        if doc.len() <= original.len() {
            doc.resize(original.len(), b);
        }
    }
    doc
}
