//! Generated takes at each bit depth: a digitally silent channel, -75 dBFS noise, a clipped channel
//! with a known number of runs (one across a block boundary) and a tone; every figure is checked
//! against a direct computation over the same bytes.

use super::*;

/// A generated sample encoding.
#[derive(Clone, Copy, Debug)]
struct Encoding {
    bits: u16,
    float: bool,
}

const ENCODINGS: [Encoding; 6] = [
    Encoding {
        bits: 8,
        float: false,
    },
    Encoding {
        bits: 16,
        float: false,
    },
    Encoding {
        bits: 24,
        float: false,
    },
    Encoding {
        bits: 32,
        float: false,
    },
    Encoding {
        bits: 32,
        float: true,
    },
    Encoding {
        bits: 64,
        float: true,
    },
];

impl Encoding {
    fn width(self) -> usize {
        usize::from(self.bits / 8)
    }

    /// Encodes a level in -1..=1 (clamped to full scale) as stored bytes.
    fn encode(self, x: f64, out: &mut Vec<u8>) {
        if self.float {
            match self.bits {
                32 => out.extend_from_slice(&(x as f32).to_le_bytes()),
                _ => out.extend_from_slice(&x.to_le_bytes()),
            }
            return;
        }
        let scale = 2f64.powi(i32::from(self.bits) - 1);
        let v = (x * scale).round().clamp(-scale, scale - 1.0) as i64;
        match self.bits {
            8 => out.push((v + 128) as u8),
            16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
            24 => out.extend_from_slice(&(v as i32).to_le_bytes()[..3]),
            _ => out.extend_from_slice(&(v as i32).to_le_bytes()),
        }
    }

    /// Decodes one stored sample to a fraction of full scale, the long way round.
    fn decode(self, b: &[u8]) -> f64 {
        if self.float {
            return match self.bits {
                32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                _ => f64::from_le_bytes(b[..8].try_into().unwrap()),
            };
        }
        let mut unsigned: i64 = 0;
        for (i, byte) in b.iter().enumerate() {
            unsigned |= i64::from(*byte) << (8 * i);
        }
        let bits = i64::from(self.bits);
        let signed = if self.bits == 8 {
            unsigned - 128
        } else if unsigned >= 1 << (bits - 1) {
            unsigned - (1 << bits)
        } else {
            unsigned
        };
        signed as f64 / 2f64.powi(self.bits as i32 - 1)
    }

    fn is_full_scale(self, x: f64) -> bool {
        if self.float {
            x.abs() >= 1.0
        } else {
            let lsb = 2f64.powi(1 - i32::from(self.bits));
            x >= 1.0 - lsb || x <= -1.0
        }
    }

    fn format(self, channels: u16, frames: u64) -> QcFormat {
        QcFormat {
            channels,
            bits_per_sample: self.bits,
            valid_bits: None,
            block_align: channels * self.bits / 8,
            encoding: if self.float {
                SampleEncoding::Float
            } else {
                SampleEncoding::Int
            },
            sample_rate: 48_000,
            expected_frames: frames,
        }
    }
}

const FRAMES: usize = 48_000;
/// The frame where the test feeds are cut, in the middle of a 6-sample clipped run.
const CUT: usize = 30_000;
/// Clipped runs in the clipped channel: (start frame, length, polarity).
const CLIPS: [(usize, usize, f64); 6] = [
    (1_000, 3, 1.0),
    (5_000, 5, 1.0),
    (9_000, 4, -1.0),
    (13_000, 2, 1.0),   // too short
    (17_000, 1, -1.0),  // too short
    (CUT - 3, 6, -1.0), // across the block boundary
];
const EXPECTED_RUNS: u64 = 4;

/// A deterministic noise sample in -1..1.
fn noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// Channel 1 digital silence, 2 noise at -75 dBFS, 3 a -20 dBFS tone with clipped runs, 4 a -6 dBFS tone.
fn take(encoding: Encoding) -> Vec<u8> {
    let noise_level = 10f64.powf(-75.0 / 20.0);
    let mut state = 42u64;
    let mut out = Vec::with_capacity(FRAMES * 4 * encoding.width());
    for f in 0..FRAMES {
        let t = f as f64 / 48_000.0;
        let clipped = CLIPS
            .iter()
            .find(|(start, len, _)| (*start..start + len).contains(&f))
            .map_or(0.1 * (2.0 * std::f64::consts::PI * 440.0 * t).sin(), |c| {
                c.2
            });
        encoding.encode(0.0, &mut out);
        encoding.encode(noise_level * noise(&mut state), &mut out);
        encoding.encode(clipped, &mut out);
        encoding.encode(
            0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t + 0.3).sin(),
            &mut out,
        );
    }
    out
}

/// Peak of each channel, computed directly: the largest magnitude of the decoded samples.
fn direct_peaks(encoding: Encoding, audio: &[u8], channels: usize) -> Vec<f64> {
    let w = encoding.width();
    let mut peaks = vec![0f64; channels];
    for frame in audio.chunks_exact(w * channels) {
        for (c, peak) in peaks.iter_mut().enumerate() {
            *peak = peak.max(encoding.decode(&frame[c * w..(c + 1) * w]).abs());
        }
    }
    peaks
}

/// Clipped runs of each channel, counted directly.
fn direct_runs(encoding: Encoding, audio: &[u8], channels: usize) -> Vec<u64> {
    let w = encoding.width();
    (0..channels)
        .map(|c| {
            let samples: Vec<bool> = audio
                .chunks_exact(w * channels)
                .map(|frame| encoding.is_full_scale(encoding.decode(&frame[c * w..(c + 1) * w])))
                .collect();
            samples
                .split(|full| !full)
                .filter(|run| run.len() >= 3)
                .count() as u64
        })
        .collect()
}

fn measure(encoding: Encoding, audio: &[u8], cuts: &[usize]) -> QcReport {
    let mut meter = QcMeter::new(
        &encoding.format(4, FRAMES as u64),
        &QcSettings::default(),
        None,
    )
    .unwrap();
    let mut at = 0;
    for &cut in cuts {
        meter.feed(&audio[at..cut]);
        at = cut;
    }
    meter.feed(&audio[at..]);
    meter.finish()
}

fn db(peak: f64) -> Option<f64> {
    (peak > 0.0).then(|| 20.0 * peak.log10())
}

#[test]
fn peaks_clips_and_silence_at_every_bit_depth() {
    for encoding in ENCODINGS {
        let audio = take(encoding);
        let frame = 4 * encoding.width();
        let report = measure(encoding, &audio, &[CUT * frame]);
        let peaks = direct_peaks(encoding, &audio, 4);
        let runs = direct_runs(encoding, &audio, 4);
        assert_eq!(runs[2], EXPECTED_RUNS, "{encoding:?}: the generator");
        assert_eq!(report.frames, FRAMES as u64);
        for (c, channel) in report.channels.iter().enumerate() {
            match (channel.peak_dbfs, db(peaks[c])) {
                (Some(got), Some(want)) => {
                    assert!(
                        (got - want).abs() < 0.05,
                        "{encoding:?} ch{c}: {got} vs {want}"
                    )
                }
                (got, want) => assert_eq!(got, want, "{encoding:?} ch{c}"),
            }
            assert_eq!(channel.clipped_runs, runs[c], "{encoding:?} ch{c}");
        }
        let silent: Vec<bool> = report.channels.iter().map(|c| c.silent).collect();
        assert_eq!(silent, [true, true, false, false], "{encoding:?}");
        assert_eq!(report.channels[0].peak_dbfs, None, "{encoding:?}");
        assert!(report.channels[1].peak_dbfs.is_none_or(|db| db < -74.0));
        let tone = report.channels[3].peak_dbfs.unwrap();
        assert!((tone + 6.02).abs() < 0.1, "{encoding:?}: tone at {tone}");
        // 8-bit cannot hold -75 dBFS: its noise channel is digital silence.
        if encoding.bits > 8 {
            assert!(report.channels[1].peak_dbfs.is_some(), "{encoding:?}");
        }
    }
}

#[test]
fn any_block_boundaries_give_the_same_figures() {
    for encoding in ENCODINGS {
        let audio = take(encoding);
        let whole = measure(encoding, &audio, &[]);
        // Cuts inside frames, inside samples, and around every clipped run.
        let mut cuts: Vec<usize> = (1..audio.len()).step_by(7_919).collect();
        for (start, len, _) in CLIPS {
            for f in start..start + len {
                cuts.push(f * 4 * encoding.width() + 5);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let cut = measure(encoding, &audio, &cuts);
        assert_eq!(whole, cut, "{encoding:?}");
        assert_eq!(whole.channels[2].clipped_runs, EXPECTED_RUNS);
    }
}

#[test]
fn envelope_has_its_points_within_full_scale() {
    let encoding = ENCODINGS[2];
    let audio = take(encoding);
    let report = measure(encoding, &audio, &[12_345]);
    for channel in &report.channels {
        assert_eq!(channel.envelope.min.len(), ENVELOPE_POINTS);
        assert_eq!(channel.envelope.max.len(), ENVELOPE_POINTS);
        for (lo, hi) in channel.envelope.min.iter().zip(&channel.envelope.max) {
            assert!(-1.0 <= *lo && lo <= hi && *hi <= 1.0);
        }
    }
    let tone = &report.channels[3];
    let top = tone.envelope.max.iter().cloned().fold(f32::MIN, f32::max);
    assert!((f64::from(top) - tone.peak).abs() < 1e-6);
    assert!(report.channels[0].envelope.max.iter().all(|v| *v == 0.0));
    // Each point covers 240 frames (1/200 of the take): the clip at frame 9000 is in point 37.
    assert_eq!(report.channels[2].envelope.min[9_000 / 240], -1.0);
}

#[test]
fn envelope_follows_the_frames_actually_fed() {
    let encoding = ENCODINGS[1];
    let audio = take(encoding);
    let frame = 4 * encoding.width();
    // Expected more than fed: only the buckets reached are returned.
    let mut meter = QcMeter::new(
        &encoding.format(4, 2 * FRAMES as u64),
        &QcSettings::default(),
        None,
    )
    .unwrap();
    meter.feed(&audio);
    assert_eq!(meter.finish().channels[3].envelope.max.len(), 100);
    // Fewer frames than points: one point per frame.
    let mut meter = QcMeter::new(&encoding.format(4, 10), &QcSettings::default(), None).unwrap();
    meter.feed(&audio[..10 * frame]);
    assert_eq!(meter.finish().channels[3].envelope.max.len(), 10);
    // Nothing fed: digital silence everywhere, no envelope.
    let meter = QcMeter::new(&encoding.format(4, 0), &QcSettings::default(), None).unwrap();
    let report = meter.finish();
    assert!(report
        .channels
        .iter()
        .all(|c| c.silent && c.peak_dbfs.is_none() && c.envelope.max.is_empty()));
}

#[test]
fn thresholds_come_from_the_settings() {
    let encoding = ENCODINGS[2];
    let audio = take(encoding);
    let settings = QcSettings {
        silence_dbfs: -80.0,
        clip_run: 5,
        ..QcSettings::default()
    };
    let mut meter = QcMeter::new(&encoding.format(4, FRAMES as u64), &settings, None).unwrap();
    meter.feed(&audio);
    let report = meter.finish();
    // The -75 dBFS noise is not silent below -80; only runs of 5 or more count (5 and 6).
    assert_eq!(
        report.channels.iter().map(|c| c.silent).collect::<Vec<_>>(),
        [true, false, false, false]
    );
    assert_eq!(report.channels[2].clipped_runs, 2);
}

#[test]
fn settings_parse_from_a_qc_table() {
    let settings: QcSettings = toml::from_str("silence_dbfs = -70\nclip_run = 4").unwrap();
    assert_eq!(settings.silence_dbfs, -70.0);
    assert_eq!(settings.clip_run, 4);
    assert!(settings.enabled && !settings.loudness);
    assert!(toml::from_str::<QcSettings>("silence = -70").is_err());
    let zero = QcSettings {
        clip_run: 0,
        ..QcSettings::default()
    };
    assert!(QcMeter::new(&ENCODINGS[1].format(1, 1), &zero, None).is_err());
}

#[test]
fn fewer_valid_bits_lower_full_scale() {
    // 20 valid bits in a 24-bit container: 0x7FFFF0 is positive full scale.
    let mut format = ENCODINGS[2].format(1, 3);
    format.valid_bits = Some(20);
    let mut meter = QcMeter::new(&format, &QcSettings::default(), None).unwrap();
    meter.feed(&[0xF0, 0xFF, 0x7F, 0xF0, 0xFF, 0x7F, 0xF0, 0xFF, 0x7F]);
    assert_eq!(meter.finish().channels[0].clipped_runs, 1);
}

#[test]
fn unsupported_formats_are_refused() {
    let mut format = ENCODINGS[1].format(2, 10);
    format.block_align = 5;
    assert!(QcMeter::new(&format, &QcSettings::default(), None).is_err());
    let mut float16 = ENCODINGS[1].format(2, 10);
    float16.encoding = SampleEncoding::Float;
    assert!(QcMeter::new(&float16, &QcSettings::default(), None).is_err());
    let loud = QcSettings {
        loudness: true,
        ..QcSettings::default()
    };
    assert!(QcMeter::new(&ENCODINGS[1].format(2, 10), &loud, Some(2)).is_err());
}

#[test]
fn loudness_of_a_minus_20_dbfs_tone_is_minus_23_lufs() {
    // BS.1770: a 997 Hz sine at 0 dBFS on one channel reads -3.01 LUFS.
    let encoding = ENCODINGS[2];
    let frames = 48_000 * 5;
    let mut audio = Vec::new();
    for f in 0..frames {
        let t = f as f64 / 48_000.0;
        encoding.encode(0.0, &mut audio);
        encoding.encode(
            0.1 * (2.0 * std::f64::consts::PI * 997.0 * t).sin(),
            &mut audio,
        );
    }
    let settings = QcSettings {
        loudness: true,
        ..QcSettings::default()
    };
    let mut meter = QcMeter::new(&encoding.format(2, frames as u64), &settings, Some(1)).unwrap();
    for block in audio.chunks(100_001) {
        meter.feed(block);
    }
    let loudness = meter.finish().loudness.unwrap();
    assert_eq!(loudness.channel, 1);
    let lufs = loudness.integrated_lufs.unwrap();
    assert!((lufs + 23.01).abs() < 0.05, "{lufs} LUFS");
    let tp = loudness.true_peak_dbtp.unwrap();
    assert!((tp + 20.0).abs() < 0.1, "{tp} dBTP");
}

#[test]
fn the_portable_path_gives_the_same_figures_as_the_vector_one() {
    use crate::meter::{Float32, Int16, Int24, Meter, MeterShape};
    fn both<C: crate::meter::Codec>(encoding: Encoding) {
        let audio = take(encoding);
        let shape = MeterShape {
            channels: 4,
            valid_bits: u32::from(encoding.bits),
            expected_frames: FRAMES as u64,
            envelope_points: ENVELOPE_POINTS,
            clip_run: 3,
            silence_dbfs: -60.0,
        };
        let mut vector = Meter::<C>::new(shape, None);
        let mut portable = Meter::<C>::new(shape, None).portable();
        for block in audio.chunks(4 * encoding.width() * 1000) {
            vector.feed(block);
            portable.feed(block);
        }
        let (vector, portable) = (vector.finish(), portable.finish());
        assert_eq!(vector, portable, "{encoding:?}");
        assert_eq!(portable.channels[2].clipped_runs, EXPECTED_RUNS);
    }
    both::<Int16>(ENCODINGS[1]);
    both::<Int24>(ENCODINGS[2]);
    both::<Float32>(ENCODINGS[4]);
}
