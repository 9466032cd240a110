//! The hash formats of ASC MHL, computed over a stream of bytes.

use md5::Digest as _;

use crate::HashFormat;

/// Length of a c4 id: `c4` and 88 base58 characters.
const C4_LENGTH: usize = 90;

/// The c4 id of bytes: `c4` + base58 (Bitcoin alphabet) of their SHA-512, padded with `1` to 90
/// characters (the C4 and ASC MHL specifications).
pub fn c4_id(bytes: &[u8]) -> String {
    let mut hasher = MultiHasher::new(&[HashFormat::C4]);
    hasher.update(bytes);
    hasher
        .finish()
        .into_iter()
        .next()
        .map(|(_, value)| value)
        .unwrap_or_default()
}

/// The c4 id of a SHA-512 digest.
fn c4_of_sha512(digest: &[u8]) -> String {
    let encoded = bs58::encode(digest).into_string();
    // bs58 writes each leading zero byte as one `1`, the C4 form pads the number with `1`s to 88
    // characters; both are the same number, so only the padding differs.
    let digits = encoded.trim_start_matches('1');
    let padding = (C4_LENGTH - 2).saturating_sub(digits.len());
    format!("c4{}{digits}", "1".repeat(padding))
}

/// Computes several hash formats over the same bytes in one pass.
pub struct MultiHasher {
    states: Vec<State>,
}

enum State {
    C4(Box<sha2::Sha512>),
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Xxh128(Box<xxhash_rust::xxh3::Xxh3>),
    Xxh3(Box<xxhash_rust::xxh3::Xxh3>),
    Xxh64(xxhash_rust::xxh64::Xxh64),
}

impl MultiHasher {
    /// A hasher for these formats (each once, in the order given).
    pub fn new(formats: &[HashFormat]) -> MultiHasher {
        let mut seen = Vec::new();
        let mut states = Vec::new();
        for &format in formats {
            if seen.contains(&format) {
                continue;
            }
            seen.push(format);
            states.push(match format {
                HashFormat::C4 => State::C4(Box::default()),
                HashFormat::Md5 => State::Md5(md5::Md5::new()),
                HashFormat::Sha1 => State::Sha1(sha1::Sha1::new()),
                HashFormat::Xxh128 => State::Xxh128(Box::new(xxhash_rust::xxh3::Xxh3::new())),
                HashFormat::Xxh3 => State::Xxh3(Box::new(xxhash_rust::xxh3::Xxh3::new())),
                HashFormat::Xxh64 => State::Xxh64(xxhash_rust::xxh64::Xxh64::new(0)),
            });
        }
        MultiHasher { states }
    }

    /// Feed the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for state in &mut self.states {
            match state {
                State::C4(h) => h.update(bytes),
                State::Md5(h) => h.update(bytes),
                State::Sha1(h) => h.update(bytes),
                State::Xxh128(h) | State::Xxh3(h) => h.update(bytes),
                State::Xxh64(h) => h.update(bytes),
            }
        }
    }

    /// Each format's hash in the form ASC MHL writes it (lowercase hex, or a c4 id).
    pub fn finish(self) -> Vec<(HashFormat, String)> {
        self.states
            .into_iter()
            .map(|state| match state {
                State::C4(h) => (HashFormat::C4, c4_of_sha512(&h.finalize())),
                State::Md5(h) => (HashFormat::Md5, hex(&h.finalize())),
                State::Sha1(h) => (HashFormat::Sha1, hex(&h.finalize())),
                State::Xxh128(h) => (HashFormat::Xxh128, format!("{:032x}", h.digest128())),
                State::Xxh3(h) => (HashFormat::Xxh3, format!("{:016x}", h.digest())),
                State::Xxh64(h) => (HashFormat::Xxh64, format!("{:016x}", h.digest())),
            })
            .collect()
    }
}

/// Lowercase hex of bytes.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
