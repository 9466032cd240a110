//! Audio QC over interleaved PCM blocks: per channel sample peak, clipped runs, silence and a small
//! min/max envelope, and optionally the EBU R128 loudness and true peak of one channel.
//!
//! Pure: a [`QcMeter`] is built from the stream's format ([`QcFormat`]) and the recipe's thresholds
//! ([`QcSettings`], the `[qc]` table), fed the audio bytes in blocks of any size, and returns a
//! [`QcReport`]. It reads no file; the engine feeds it from a pass it already makes.
//!
//! A clipped run is `clip_run` (default 3) or more consecutive samples at full scale, positive or
//! negative (either polarity continues a run); a run counts once however long it is and wherever the
//! blocks are cut. A channel is silent when its peak is below `silence_dbfs` (default -60 dBFS) over
//! the whole take; a channel of only zeros is digital silence and has no peak in dBFS (`None`).

mod loudness;
mod meter;
#[cfg(test)]
mod tests;

use loudness::LoudnessTap;
use meter::{Float32, Float64, Int16, Int24, Int32, Int8, Meter, MeterShape};

/// Envelope points kept per channel (fewer when the take has fewer frames).
pub const ENVELOPE_POINTS: usize = 200;

/// The recipe's `[qc]` table: thresholds and options of the audio QC.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QcSettings {
    /// Measure at all (default true); `false` skips QC and its findings.
    pub enabled: bool,
    /// A channel whose peak stays below this over the whole take is silent (dBFS, default -60).
    pub silence_dbfs: f64,
    /// Consecutive full-scale samples that make one clipped run (default 3, at least 1).
    pub clip_run: u32,
    /// Also measure the mix track's integrated loudness and true peak (default false).
    pub loudness: bool,
}

impl Default for QcSettings {
    fn default() -> Self {
        QcSettings {
            enabled: true,
            silence_dbfs: -60.0,
            clip_run: 3,
            loudness: false,
        }
    }
}

impl QcSettings {
    /// Checks the thresholds make sense (`clip_run` at least 1, `silence_dbfs` a number <= 0).
    pub fn validate(&self) -> Result<(), QcError> {
        if self.clip_run == 0 {
            return Err(QcError::Settings(
                "qc.clip_run must be at least 1".to_string(),
            ));
        }
        if !self.silence_dbfs.is_finite() || self.silence_dbfs > 0.0 {
            return Err(QcError::Settings(format!(
                "qc.silence_dbfs must be a level in dBFS at or below 0, not {}",
                self.silence_dbfs
            )));
        }
        Ok(())
    }
}

/// Whether samples are integers or IEEE floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleEncoding {
    /// Integer PCM (8-bit unsigned, 16/24/32-bit signed), left-justified in its container.
    Int,
    /// IEEE float (32 or 64 bit), full scale at 1.0.
    Float,
}

/// The format of the interleaved stream a meter is fed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QcFormat {
    /// Interleaved channels.
    pub channels: u16,
    /// Container bits per sample as stored (8, 16, 24, 32 or 64).
    pub bits_per_sample: u16,
    /// Significant bits of an integer sample, when fewer than the container's (EXTENSIBLE).
    pub valid_bits: Option<u16>,
    /// Bytes per frame (channels x bytes per sample).
    pub block_align: u16,
    /// Integer or float samples.
    pub encoding: SampleEncoding,
    /// Frames per second (for loudness).
    pub sample_rate: u32,
    /// Frames the take is expected to have, for the envelope's buckets.
    pub expected_frames: u64,
}

/// Why a meter cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum QcError {
    /// The stream's format is not one the meter reads.
    #[error("audio QC does not read {0}")]
    UnsupportedFormat(String),
    /// The `[qc]` settings are invalid.
    #[error("{0}")]
    Settings(String),
    /// The loudness meter could not be set up.
    #[error("loudness meter: {0}")]
    Loudness(String),
}

/// The figures of one take.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QcReport {
    /// Frames measured.
    pub frames: u64,
    /// One entry per channel, in stream order.
    pub channels: Vec<ChannelQc>,
    /// Loudness of the chosen channel, when asked for.
    pub loudness: Option<Loudness>,
}

/// The figures of one channel.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChannelQc {
    /// Sample peak as a fraction of full scale (0 for digital silence).
    pub peak: f64,
    /// Sample peak in dBFS; `None` for digital silence.
    pub peak_dbfs: Option<f64>,
    /// Runs of consecutive full-scale samples at least `clip_run` long.
    pub clipped_runs: u64,
    /// Peak below the silence threshold (or digital silence).
    pub silent: bool,
    /// Min/max envelope over the take, normalised to -1..1.
    pub envelope: Envelope,
}

/// A min/max envelope: point `i` is the lowest and highest sample of the `i`th equal slice.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Envelope {
    /// Lowest sample of each slice (-1..1).
    pub min: Vec<f32>,
    /// Highest sample of each slice (-1..1).
    pub max: Vec<f32>,
}

/// EBU R128 figures of one channel.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Loudness {
    /// The channel measured (0-based, stream order).
    pub channel: u16,
    /// Integrated loudness in LUFS; `None` when everything is gated out (silence).
    pub integrated_lufs: Option<f64>,
    /// True peak in dBTP; `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
}

/// The meter for one encoding.
enum AnyMeter {
    Int8(Meter<Int8>),
    Int16(Meter<Int16>),
    Int24(Meter<Int24>),
    Int32(Meter<Int32>),
    Float32(Meter<Float32>),
    Float64(Meter<Float64>),
}

/// Measures one take's interleaved audio, fed in blocks of any size.
pub struct QcMeter {
    meter: AnyMeter,
    frame_bytes: usize,
    /// Bytes of a frame cut by a block boundary, kept for the next block.
    carry: Vec<u8>,
}

impl QcMeter {
    /// A meter for `format` with `settings`. When `settings.loudness` is set, it also measures the
    /// loudness of `mix_channel` (0-based; channel 0 when `None`).
    pub fn new(
        format: &QcFormat,
        settings: &QcSettings,
        mix_channel: Option<u16>,
    ) -> Result<QcMeter, QcError> {
        settings.validate()?;
        let channels = format.channels;
        if channels == 0 {
            return Err(QcError::UnsupportedFormat(
                "a stream of 0 channels".to_string(),
            ));
        }
        let width = format.block_align / channels;
        let container_bits = format.bits_per_sample.div_ceil(8) * 8;
        if !format.block_align.is_multiple_of(channels) || width * 8 != container_bits {
            return Err(QcError::UnsupportedFormat(format!(
                "{} channels of {} bits in {}-byte frames",
                channels, format.bits_per_sample, format.block_align
            )));
        }
        let loudness = if settings.loudness {
            let channel = mix_channel.unwrap_or(0);
            if channel >= channels {
                return Err(QcError::Settings(format!(
                    "the loudness channel {} is not among the {channels} channels",
                    u32::from(channel) + 1
                )));
            }
            Some(LoudnessTap::new(channel, format.sample_rate)?)
        } else {
            None
        };
        let shape = MeterShape {
            channels: usize::from(channels),
            valid_bits: u32::from(
                format
                    .valid_bits
                    .filter(|v| *v > 0)
                    .unwrap_or(format.bits_per_sample)
                    .min(container_bits),
            ),
            expected_frames: format.expected_frames,
            envelope_points: ENVELOPE_POINTS,
            clip_run: settings.clip_run,
            silence_dbfs: settings.silence_dbfs,
        };
        let meter = match (format.encoding, width) {
            (SampleEncoding::Int, 1) => AnyMeter::Int8(Meter::new(shape, loudness)),
            (SampleEncoding::Int, 2) => AnyMeter::Int16(Meter::new(shape, loudness)),
            (SampleEncoding::Int, 3) => AnyMeter::Int24(Meter::new(shape, loudness)),
            (SampleEncoding::Int, 4) => AnyMeter::Int32(Meter::new(shape, loudness)),
            (SampleEncoding::Float, 4) => AnyMeter::Float32(Meter::new(shape, loudness)),
            (SampleEncoding::Float, 8) => AnyMeter::Float64(Meter::new(shape, loudness)),
            (encoding, _) => {
                return Err(QcError::UnsupportedFormat(format!(
                    "{}-bit {} samples",
                    format.bits_per_sample,
                    match encoding {
                        SampleEncoding::Int => "integer",
                        SampleEncoding::Float => "float",
                    }
                )))
            }
        };
        Ok(QcMeter {
            meter,
            frame_bytes: usize::from(format.block_align),
            carry: Vec::new(),
        })
    }

    /// Feeds the next interleaved bytes; a frame cut between two blocks is joined up.
    pub fn feed(&mut self, block: &[u8]) {
        let mut block = block;
        if !self.carry.is_empty() {
            let missing = self.frame_bytes.saturating_sub(self.carry.len());
            let (head, tail) = block.split_at(missing.min(block.len()));
            self.carry.extend_from_slice(head);
            block = tail;
            if self.carry.len() < self.frame_bytes {
                return;
            }
            let frame = std::mem::take(&mut self.carry);
            self.feed_frames(&frame);
        }
        let whole = block.len() / self.frame_bytes * self.frame_bytes;
        let (frames, partial) = block.split_at(whole);
        self.feed_frames(frames);
        self.carry.extend_from_slice(partial);
    }

    /// Feeds whole frames to the encoding's meter.
    fn feed_frames(&mut self, frames: &[u8]) {
        match &mut self.meter {
            AnyMeter::Int8(m) => m.feed(frames),
            AnyMeter::Int16(m) => m.feed(frames),
            AnyMeter::Int24(m) => m.feed(frames),
            AnyMeter::Int32(m) => m.feed(frames),
            AnyMeter::Float32(m) => m.feed(frames),
            AnyMeter::Float64(m) => m.feed(frames),
        }
    }

    /// The figures of everything fed (a trailing partial frame is ignored).
    pub fn finish(self) -> QcReport {
        match self.meter {
            AnyMeter::Int8(m) => m.finish(),
            AnyMeter::Int16(m) => m.finish(),
            AnyMeter::Int24(m) => m.finish(),
            AnyMeter::Int32(m) => m.finish(),
            AnyMeter::Float32(m) => m.finish(),
            AnyMeter::Float64(m) => m.finish(),
        }
    }
}

/// A level in dBFS from a fraction of full scale; `None` for 0 (digital silence).
pub fn dbfs(peak: f64) -> Option<f64> {
    (peak > 0.0).then(|| 20.0 * peak.log10())
}
