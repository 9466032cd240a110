//! The Broadcast Extension (`bext`) chunk, EBU Tech 3285 v0/v1/v2.

use crate::WavError;

/// Size of the fixed part of a bext chunk (everything before the coding history).
pub const BEXT_FIXED_LEN: usize = 602;
const RESERVED_LEN: usize = 180;

/// A parsed `bext` chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bext {
    /// Description (256 bytes; recorders put `sSCENE=`-style lines here).
    pub description: String,
    /// Originator (32 bytes).
    pub originator: String,
    /// OriginatorReference (32 bytes).
    pub originator_reference: String,
    /// OriginationDate `yyyy-mm-dd` (10 bytes).
    pub origination_date: String,
    /// OriginationTime `hh:mm:ss` (8 bytes).
    pub origination_time: String,
    /// Samples since midnight of the first sample.
    pub time_reference: u64,
    /// BWF version (0, 1 or 2).
    pub version: u16,
    /// SMPTE UMID (64 bytes).
    pub umid: [u8; 64],
    /// Integrated loudness, LUFS * 100 (v2).
    pub loudness_value: i16,
    /// Loudness range, LU * 100 (v2).
    pub loudness_range: i16,
    /// Maximum true peak, dBTP * 100 (v2).
    pub max_true_peak_level: i16,
    /// Maximum momentary loudness, LUFS * 100 (v2).
    pub max_momentary_loudness: i16,
    /// Maximum short-term loudness, LUFS * 100 (v2).
    pub max_short_term_loudness: i16,
    /// The 180 reserved bytes as stored (fewer when the chunk is short).
    pub reserved: Vec<u8>,
    /// Coding history (rest of the chunk).
    pub coding_history: String,
}

/// Decodes a text field: cut at the first NUL, bytes read as Latin-1.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes[..end].iter().map(|&b| char::from(b)).collect()
}

/// Cursor over a possibly short payload: missing bytes read as zero.
struct Fields<'a> {
    payload: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.at.min(self.payload.len());
        let end = (self.at + n).min(self.payload.len());
        self.at += n;
        &self.payload[start..end]
    }

    fn fixed<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let got = self.take(N);
        out[..got.len()].copy_from_slice(got);
        out
    }
}

fn put_text(
    out: &mut Vec<u8>,
    field: &'static str,
    value: &str,
    width: usize,
) -> Result<(), WavError> {
    if !value.is_ascii() {
        return Err(WavError::BextField {
            field,
            reason: "not plain ASCII".to_string(),
        });
    }
    if value.len() > width {
        return Err(WavError::BextField {
            field,
            reason: format!("{} bytes, more than its {width}-byte field", value.len()),
        });
    }
    out.extend_from_slice(value.as_bytes());
    out.resize(out.len() + width - value.len(), 0);
    Ok(())
}

impl Bext {
    /// Parses a bext payload; short (v0, odd-sized) chunks read missing fields as zero.
    pub fn parse(payload: &[u8]) -> Result<Bext, WavError> {
        let mut f = Fields { payload, at: 0 };
        let description = text(f.take(256));
        let originator = text(f.take(32));
        let originator_reference = text(f.take(32));
        let origination_date = text(f.take(10));
        let origination_time = text(f.take(8));
        let time_reference = u64::from_le_bytes(f.fixed::<8>());
        let version = u16::from_le_bytes(f.fixed::<2>());
        let umid = f.fixed::<64>();
        let loudness_value = i16::from_le_bytes(f.fixed::<2>());
        let loudness_range = i16::from_le_bytes(f.fixed::<2>());
        let max_true_peak_level = i16::from_le_bytes(f.fixed::<2>());
        let max_momentary_loudness = i16::from_le_bytes(f.fixed::<2>());
        let max_short_term_loudness = i16::from_le_bytes(f.fixed::<2>());
        let reserved = f.take(RESERVED_LEN).to_vec();
        let coding_history = text(payload.get(BEXT_FIXED_LEN..).unwrap_or(&[]));
        Ok(Bext {
            description,
            originator,
            originator_reference,
            origination_date,
            origination_time,
            time_reference,
            version,
            umid,
            loudness_value,
            loudness_range,
            max_true_peak_level,
            max_momentary_loudness,
            max_short_term_loudness,
            reserved,
            coding_history,
        })
    }

    /// Encodes with the fixed field widths (text NUL-padded); the coding history follows with no NUL.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WavError> {
        let mut out = Vec::with_capacity(BEXT_FIXED_LEN + self.coding_history.len());
        put_text(&mut out, "description", &self.description, 256)?;
        put_text(&mut out, "originator", &self.originator, 32)?;
        put_text(
            &mut out,
            "originator_reference",
            &self.originator_reference,
            32,
        )?;
        put_text(&mut out, "origination_date", &self.origination_date, 10)?;
        put_text(&mut out, "origination_time", &self.origination_time, 8)?;
        out.extend_from_slice(&self.time_reference.to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.umid);
        for v in [
            self.loudness_value,
            self.loudness_range,
            self.max_true_peak_level,
            self.max_momentary_loudness,
            self.max_short_term_loudness,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        if self.reserved.len() > RESERVED_LEN {
            return Err(WavError::BextField {
                field: "reserved",
                reason: format!("{} bytes, more than 180", self.reserved.len()),
            });
        }
        out.extend_from_slice(&self.reserved);
        out.resize(BEXT_FIXED_LEN, 0);
        if !self.coding_history.is_ascii() {
            return Err(WavError::BextField {
                field: "coding_history",
                reason: "not plain ASCII".to_string(),
            });
        }
        out.extend_from_slice(self.coding_history.as_bytes());
        Ok(out)
    }

    /// Like `to_bytes`, NUL-padded up to the length of `original` (recorders reserve room after the
    /// coding history), so an edit that fits keeps the chunk size and the file layout.
    pub fn to_bytes_like(&self, original: &[u8]) -> Result<Vec<u8>, WavError> {
        let mut out = self.to_bytes()?;
        if out.len() < original.len() {
            out.resize(original.len(), 0);
        }
        Ok(out)
    }
}
