//! The take layer under arbitrary input, without cargo-fuzz: a few thousand seeded random mutations of
//! recorder-like takes (rollgen's, and the shared corpus's real ones when it is there) and random step
//! edits through parse -> changes -> render -> write -> parse (the code of the `take_changes` fuzz
//! target, tests/fuzz/replay/take_changes.rs). A crasher found is kept here as a named fixture built by
//! code.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

#[path = "../../../tests/fuzz/replay/take_changes.rs"]
mod take_changes;

use rollgen::{write_take, RecorderStyle, TakeSpec, TrackSpec};

/// A small deterministic generator (xorshift64*), so every run tries the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Takes as the recorders write them (every style, 1, 2 and 8 tracks, 16 and 24 bit), in memory.
fn seeds() -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let mut seeds = Vec::new();
    let names = ["Mix", "Boom", "Lav1", "Lav2", "ZOË", "Lav4", "Lav5", "X"];
    for style in [
        RecorderStyle::SoundDevices,
        RecorderStyle::Zoom,
        RecorderStyle::Metacorder,
    ] {
        for (count, bits) in [(1usize, 24u16), (2, 16), (8, 24)] {
            let tracks = names[..count]
                .iter()
                .enumerate()
                .map(|(i, n)| TrackSpec::new(i as u32 + 1, n))
                .collect();
            let mut spec = TakeSpec::new(style, "12A", "3", tracks);
            spec.bits = bits;
            spec.frames = 64;
            spec.note = "boom é".into();
            let path = dir.path().join(format!("{style:?}-{count}.WAV"));
            write_take(&path, &spec).unwrap();
            seeds.push(std::fs::read(&path).unwrap());
        }
    }
    seeds
}

/// Real takes of the shared corpus (`../shared/corpus`, beside the repository), when it is there: files
/// up to 256 KiB whole, larger RIFF files rebuilt with every chunk kept and the audio cut to 4 KiB.
fn corpus_seeds() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "wav" | "bwf"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .filter_map(|bytes| {
            if bytes.len() <= 256 * 1024 {
                Some(bytes)
            } else {
                audio_cut(&bytes, 4096)
            }
        })
        .collect()
}

/// A RIFF file rebuilt with every chunk kept and the `data` payload cut to `keep` bytes.
fn audio_cut(bytes: &[u8], keep: usize) -> Option<Vec<u8>> {
    if bytes.get(..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut body = b"WAVE".to_vec();
    let mut at = 12usize;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let end = (at + 8 + size).min(bytes.len());
        let mut payload = &bytes[at + 8..end];
        if id == b"data" {
            payload = &payload[..keep.min(payload.len())];
        }
        body.extend_from_slice(id);
        body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        body.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            body.push(0);
        }
        at = end + (size & 1);
    }
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&body);
    Some(file)
}

/// One random change to a file: bytes flipped or set in the header, a size field rewritten, bytes
/// cut or inserted.
fn mutate(rng: &mut Rng, file: &mut Vec<u8>) {
    if file.is_empty() {
        return;
    }
    // The header and metadata live in the first few KiB (and, for Metacorder, after the audio).
    let at = |rng: &mut Rng, len: usize| {
        if rng.below(4) == 0 {
            rng.below(len)
        } else {
            rng.below(len.min(12_000))
        }
    };
    match rng.below(7) {
        0 => {
            let i = at(rng, file.len());
            file[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = at(rng, file.len());
            file[i] = [0u8, 0xff, b'<', b'=', b'\r', 0x80][rng.below(6)];
        }
        2 => {
            // A 32-bit little-endian field set to an edge value.
            let i = at(rng, file.len().saturating_sub(4));
            let value: u32 =
                [0, 1, 2, 0x7fff_ffff, 0xffff_ffff, 0xffff_fffe, 24, 602][rng.below(8)];
            if i + 4 <= file.len() {
                file[i..i + 4].copy_from_slice(&value.to_le_bytes());
            }
        }
        3 => {
            let cut = at(rng, file.len());
            file.truncate(cut);
        }
        4 => {
            let i = at(rng, file.len());
            let len = rng.below(64) + 1;
            file.drain(i..(i + len).min(file.len()));
        }
        5 => {
            let i = at(rng, file.len());
            let bytes: Vec<u8> = (0..rng.below(32) + 1).map(|_| rng.next() as u8).collect();
            file.splice(i..i, bytes);
        }
        _ => {
            // A 16-bit field (channels, block align, bits) set to an edge value.
            let i = at(rng, file.len().saturating_sub(2));
            let value: u16 = [0, 1, 3, 0xffff, 1024, 1025][rng.below(6)];
            if i + 2 <= file.len() {
                file[i..i + 2].copy_from_slice(&value.to_le_bytes());
            }
        }
    }
}

#[test]
fn seeded_random_takes_and_edits_never_panic_and_what_is_written_reads_back() {
    let mut seeds = seeds();
    let corpus = corpus_seeds();
    println!(
        "{} rollgen seeds, {} corpus seeds",
        seeds.len(),
        corpus.len()
    );
    seeds.extend(corpus);
    // `TAKE_FUZZ_ROUNDS=N TAKE_FUZZ_SEED=S` runs longer or other inputs by hand; CI runs these.
    let number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let mut rng = Rng(number("TAKE_FUZZ_SEED", 0x5eed_7a4e_c0de_0011).max(1));
    let rounds = number("TAKE_FUZZ_ROUNDS", 5000) as usize;
    let mut written = 0;
    for round in 0..rounds {
        let mut file = seeds[rng.below(seeds.len())].clone();
        // A third of the inputs keep the header whole, so the edits reach render and the writer.
        let mutations = if round % 3 == 0 { 0 } else { rng.below(4) + 1 };
        for _ in 0..mutations {
            mutate(&mut rng, &mut file);
        }
        let script: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
        let input = take_changes::input_of(&script, &file);
        let result = std::panic::catch_unwind(|| take_changes::exercise(&input));
        match result {
            Ok(true) => written += 1,
            Ok(false) => {}
            Err(_) => panic!(
                "round {round} panicked; keep its input as a fixture: {} bytes (script {} bytes)",
                input.len(),
                script.len()
            ),
        }
    }
    // Enough of them get through every layer to mean something.
    println!("{written} of {rounds} seeded inputs were rendered, written and read back");
    assert!(written > rounds / 10, "{written} of {rounds} written");
}
