//! EBU R128 integrated loudness and true peak of one channel, with the `ebur128` crate.

use ebur128::{EbuR128, Mode};

use crate::meter::Codec;
use crate::{Loudness, QcError};

/// Samples handed to `ebur128` at once.
const SCRATCH_FRAMES: usize = 4096;

/// Feeds one channel of the interleaved blocks to an EBU R128 meter.
pub(crate) struct LoudnessTap {
    channel: u16,
    meter: EbuR128,
    scratch: Vec<f32>,
    failed: bool,
}

impl LoudnessTap {
    /// A tap measuring channel `channel` (0-based) at `sample_rate`.
    pub(crate) fn new(channel: u16, sample_rate: u32) -> Result<LoudnessTap, QcError> {
        let meter = EbuR128::new(1, sample_rate, Mode::I | Mode::TRUE_PEAK)
            .map_err(|e| QcError::Loudness(format!("{e:?}")))?;
        Ok(LoudnessTap {
            channel,
            meter,
            scratch: Vec::with_capacity(SCRATCH_FRAMES),
            failed: false,
        })
    }

    /// Feeds the tap's channel of whole interleaved frames.
    pub(crate) fn feed<C: Codec>(&mut self, chunk: &[u8], frame_bytes: usize) {
        if self.failed || frame_bytes == 0 {
            return;
        }
        let at = usize::from(self.channel) * C::WIDTH;
        for frames in chunk.chunks(SCRATCH_FRAMES * frame_bytes) {
            self.scratch.clear();
            self.scratch.extend(
                frames
                    .chunks_exact(frame_bytes)
                    .filter_map(|frame| frame.get(at..at + C::WIDTH))
                    .map(|sample| C::unit(C::decode(sample)) as f32),
            );
            if self.meter.add_frames_f32(&self.scratch).is_err() {
                self.failed = true;
                return;
            }
        }
    }

    /// The integrated loudness and true peak of everything fed.
    pub(crate) fn finish(self) -> Loudness {
        let finite = |v: f64| v.is_finite().then_some(v);
        let (integrated_lufs, true_peak_dbtp) = if self.failed {
            (None, None)
        } else {
            (
                self.meter.loudness_global().ok().and_then(finite),
                self.meter
                    .true_peak(0)
                    .ok()
                    .filter(|peak| *peak > 0.0)
                    .and_then(|peak| finite(20.0 * peak.log10())),
            )
        };
        Loudness {
            channel: self.channel,
            integrated_lufs,
            true_peak_dbtp,
        }
    }
}
