//! The `fmt ` chunk: parse, validate, re-lay for a new channel count, re-encode.

use crate::WavError;

/// `WAVE_FORMAT_PCM`.
pub const FORMAT_PCM: u16 = 0x0001;
/// `WAVE_FORMAT_IEEE_FLOAT`.
pub const FORMAT_IEEE_FLOAT: u16 = 0x0003;
/// `WAVE_FORMAT_EXTENSIBLE`.
pub const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Most channels a file may have (each channel gets its own hasher and buffers).
pub const MAX_CHANNELS: u16 = 1024;

/// The 14 bytes every standard `KSDATAFORMAT_SUBTYPE_*` GUID ends with (after the 2-byte tag).
const SUBFORMAT_SUFFIX: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// The contents of a `fmt ` chunk (WAVEFORMATEX, with the EXTENSIBLE fields when present).
#[derive(Clone, Debug, PartialEq)]
pub struct Fmt {
    /// wFormatTag (1 PCM, 3 float, 0xFFFE EXTENSIBLE, ...).
    pub format_tag: u16,
    /// Number of interleaved channels.
    pub channels: u16,
    /// Frames per second.
    pub sample_rate: u32,
    /// Bytes per second (sample_rate * block_align).
    pub byte_rate: u32,
    /// Bytes per frame.
    pub block_align: u16,
    /// Container bits per sample.
    pub bits_per_sample: u16,
    /// EXTENSIBLE wValidBitsPerSample.
    pub valid_bits: Option<u16>,
    /// EXTENSIBLE dwChannelMask.
    pub channel_mask: Option<u32>,
    /// EXTENSIBLE SubFormat GUID bytes as stored.
    pub sub_format: Option<[u8; 16]>,
}

/// Whether samples are integers or IEEE floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleFormat {
    /// Integer PCM.
    Int,
    /// IEEE float.
    Float,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Human name of a format tag, for error messages.
fn codec_name(tag: u16) -> &'static str {
    match tag {
        0x0000 => "unknown format",
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG Layer 3",
        0x0092 | 0x2000 => "Dolby AC-3",
        0x00FF | 0x1610 => "AAC",
        0xF1AC => "FLAC",
        _ => "unknown codec",
    }
}

impl Fmt {
    /// Parses a `fmt ` payload (at least the 16-byte PCMWAVEFORMAT); no support check.
    pub fn parse(payload: &[u8]) -> Result<Fmt, WavError> {
        let short = || {
            WavError::Malformed(format!(
                "fmt chunk is {} bytes, shorter than 16",
                payload.len()
            ))
        };
        let format_tag = u16_at(payload, 0).ok_or_else(short)?;
        let channels = u16_at(payload, 2).ok_or_else(short)?;
        let sample_rate = u32_at(payload, 4).ok_or_else(short)?;
        let byte_rate = u32_at(payload, 8).ok_or_else(short)?;
        let block_align = u16_at(payload, 12).ok_or_else(short)?;
        let bits_per_sample = u16_at(payload, 14).ok_or_else(short)?;
        let mut fmt = Fmt {
            format_tag,
            channels,
            sample_rate,
            byte_rate,
            block_align,
            bits_per_sample,
            valid_bits: None,
            channel_mask: None,
            sub_format: None,
        };
        if format_tag == FORMAT_EXTENSIBLE {
            if let (Some(valid), Some(mask), Some(guid)) = (
                u16_at(payload, 18),
                u32_at(payload, 20),
                payload.get(24..40),
            ) {
                let mut sub = [0u8; 16];
                sub.copy_from_slice(guid);
                fmt.valid_bits = Some(valid);
                fmt.channel_mask = Some(mask);
                fmt.sub_format = Some(sub);
            }
        }
        Ok(fmt)
    }

    /// The codec tag in effect: the sub-format's tag for EXTENSIBLE, else `format_tag`.
    pub fn effective_tag(&self) -> Result<u16, WavError> {
        if self.format_tag != FORMAT_EXTENSIBLE {
            return Ok(self.format_tag);
        }
        let sub = self.sub_format.ok_or_else(|| {
            WavError::Malformed("EXTENSIBLE fmt chunk without a sub-format".to_string())
        })?;
        if sub[2..] != SUBFORMAT_SUFFIX {
            return Err(WavError::UnsupportedCodec {
                name: "non-standard EXTENSIBLE sub-format",
                tag: u16::from_le_bytes([sub[0], sub[1]]),
            });
        }
        Ok(u16::from_le_bytes([sub[0], sub[1]]))
    }

    /// Checks this is integer PCM (8..32 bits) or IEEE float (32/64 bits) with a consistent block_align.
    pub fn check_supported(&self) -> Result<(), WavError> {
        let tag = self.effective_tag()?;
        if self.channels == 0 {
            return Err(WavError::UnsupportedFormat("0 channels".to_string()));
        }
        if self.channels > MAX_CHANNELS {
            return Err(WavError::TooManyChannels {
                channels: usize::from(self.channels),
                limit: MAX_CHANNELS,
            });
        }
        if self.sample_rate == 0 {
            return Err(WavError::UnsupportedFormat("sample rate 0".to_string()));
        }
        let bits = self.bits_per_sample;
        match tag {
            FORMAT_PCM => {
                if bits == 0 || bits > 32 {
                    return Err(WavError::UnsupportedFormat(format!(
                        "{bits}-bit integer PCM"
                    )));
                }
            }
            FORMAT_IEEE_FLOAT => {
                if bits != 32 && bits != 64 {
                    return Err(WavError::UnsupportedFormat(format!("{bits}-bit float")));
                }
            }
            other => {
                return Err(WavError::UnsupportedCodec {
                    name: codec_name(other),
                    tag: other,
                })
            }
        }
        let expected = u32::from(self.channels) * u32::from(bits.div_ceil(8));
        if u32::from(self.block_align) != expected {
            return Err(WavError::BadBlockAlign {
                block_align: self.block_align,
                channels: self.channels,
                bits,
                expected,
            });
        }
        if let Some(valid) = self.valid_bits {
            if valid > bits {
                return Err(WavError::UnsupportedFormat(format!(
                    "{valid} valid bits in a {bits}-bit container"
                )));
            }
        }
        Ok(())
    }

    /// Integer or float, resolving the EXTENSIBLE sub-format (anything not float counts as integer).
    pub fn sample_format(&self) -> SampleFormat {
        match self.effective_tag() {
            Ok(FORMAT_IEEE_FLOAT) => SampleFormat::Float,
            _ => SampleFormat::Int,
        }
    }

    /// Bytes one sample of one channel takes: block_align / channels.
    pub fn bytes_per_sample(&self) -> u16 {
        self.block_align.checked_div(self.channels).unwrap_or(0)
    }

    /// The same format with another channel count (block_align, byte_rate updated; EXTENSIBLE mask cleared to 0).
    pub fn relaid(&self, channels: u16) -> Fmt {
        let mut out = self.clone();
        let block_align = channels.saturating_mul(self.bytes_per_sample());
        out.channels = channels;
        out.block_align = block_align;
        out.byte_rate = self.sample_rate.saturating_mul(u32::from(block_align));
        if out.channel_mask.is_some() {
            out.channel_mask = Some(0);
        }
        out
    }

    /// Encodes this fmt, keeping the original payload's bytes after the known fields (cbSize extras).
    pub fn to_bytes(&self, original: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(original.len().max(40));
        out.extend_from_slice(&self.format_tag.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&self.byte_rate.to_le_bytes());
        out.extend_from_slice(&self.block_align.to_le_bytes());
        out.extend_from_slice(&self.bits_per_sample.to_le_bytes());
        let known = match (self.valid_bits, self.channel_mask, self.sub_format) {
            (Some(valid), Some(mask), Some(sub)) => {
                let cb_size = original.get(16..18).unwrap_or(&[22, 0]);
                out.extend_from_slice(cb_size);
                out.extend_from_slice(&valid.to_le_bytes());
                out.extend_from_slice(&mask.to_le_bytes());
                out.extend_from_slice(&sub);
                40
            }
            _ => 16,
        };
        if let Some(extra) = original.get(known..) {
            out.extend_from_slice(extra);
        }
        out
    }
}
