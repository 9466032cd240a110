//! Audio QC of a file's audio: the meter's format from a header, the figures per track named as
//! delivered, and the `audio/silent-track` and `audio/clipping` findings.
//!
//! The engine measures in the write pass ([`DeliveryQc`] is the writer's audio tap, which sees the
//! output frames, so output channel `i` is delivered track `i`): QC costs no extra read.

use std::io::{Read, Seek};
use std::path::Path;

use rollcall_findings::{Finding, Severity};
use rollcall_qc::{Envelope, QcError, QcFormat, QcMeter, QcReport, QcSettings, SampleEncoding};
use rollcall_take::{Changes, RenderedTake, SourceTake, TrackState};
use rollcall_wav::{read_audio_blocks, AudioTap, Fmt, Header, SampleFormat, WavError};

/// Rule id of a track whose peak stays below the silence threshold.
pub const RULE_SILENT_TRACK: &str = "audio/silent-track";
/// Rule id of a track with clipped runs.
pub const RULE_CLIPPING: &str = "audio/clipping";

/// The QC figures of one file, per track in file order.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TakeQc {
    /// One entry per track (channel), in file order.
    pub tracks: Vec<TrackQc>,
    /// Integrated loudness and true peak of the mix track, when the recipe asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loudness: Option<LoudnessQc>,
}

/// The QC figures of one track.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrackQc {
    /// 1-based track number (interleave index) in the file.
    pub track: u32,
    /// The track's name as delivered, when it has one.
    pub name: Option<String>,
    /// Sample peak in dBFS, to 0.01 dB; `None` (`null`) for digital silence.
    pub peak_dbfs: Option<f64>,
    /// Runs of consecutive full-scale samples at least `[qc] clip_run` long.
    pub clipped_runs: u64,
    /// Peak below `[qc] silence_dbfs` over the whole take.
    pub silent: bool,
    /// Min/max envelope (-1..1) for the sound report's waveform; not in JSON.
    #[serde(skip)]
    pub envelope: Envelope,
}

/// EBU R128 figures of the mix track.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoudnessQc {
    /// 1-based track measured.
    pub track: u32,
    /// Integrated loudness in LUFS, to 0.01; `None` when all of it is gated out.
    pub integrated_lufs: Option<f64>,
    /// True peak in dBTP, to 0.01; `None` for digital silence.
    pub true_peak_dbtp: Option<f64>,
}

/// A delivered track's name and iXML function, for naming its findings and finding the mix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackLabel {
    /// The name as delivered.
    pub name: Option<String>,
    /// The iXML `FUNCTION` as delivered.
    pub function: Option<String>,
}

/// Why a file's audio could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum QcReadError {
    /// The format is not one the meter reads, or the settings are invalid.
    #[error("{0}")]
    Qc(#[from] QcError),
    /// The audio could not be read.
    #[error("{0}")]
    Wav(#[from] WavError),
}

/// The meter's view of a stream of `frames` frames in format `fmt`.
pub fn qc_format(fmt: &Fmt, frames: u64) -> QcFormat {
    QcFormat {
        channels: fmt.channels,
        bits_per_sample: fmt.bits_per_sample,
        valid_bits: fmt.valid_bits,
        block_align: fmt.block_align,
        encoding: match fmt.sample_format() {
            SampleFormat::Int => SampleEncoding::Int,
            SampleFormat::Float => SampleEncoding::Float,
        },
        sample_rate: fmt.sample_rate,
        expected_frames: frames,
    }
}

/// Audio QC of one delivered file in its write pass: the writer's audio tap feeds the meter with
/// the output frames.
pub(crate) struct DeliveryQc {
    meter: Option<Result<QcMeter, String>>,
    labels: Vec<TrackLabel>,
}

impl DeliveryQc {
    /// QC of `source` written as `rendered` with `changes`; measures nothing when QC is off.
    pub(crate) fn new(
        settings: &QcSettings,
        source: &SourceTake,
        rendered: &RenderedTake,
        changes: &Changes,
    ) -> DeliveryQc {
        if !settings.enabled {
            return DeliveryQc {
                meter: None,
                labels: Vec::new(),
            };
        }
        let labels = delivered_labels(source, &changes.tracks);
        let fmt = match &rendered.map {
            Some(map) => source
                .header
                .fmt
                .relaid(u16::try_from(map.order.len()).unwrap_or(u16::MAX)),
            None => source.header.fmt.clone(),
        };
        let meter = QcMeter::new(
            &qc_format(&fmt, source.header.frames()),
            settings,
            mix_channel(&labels),
        )
        .map_err(|e| e.to_string());
        DeliveryQc {
            meter: Some(meter),
            labels,
        }
    }

    /// The figures, or why they could not be measured; `None` when QC is off.
    pub(crate) fn finish(self) -> Option<Result<TakeQc, String>> {
        let labels = self.labels;
        self.meter
            .map(|meter| meter.map(|m| take_qc(m.finish(), &labels)))
    }
}

impl AudioTap for DeliveryQc {
    fn audio(&mut self, frames: &[u8]) {
        if let Some(Ok(meter)) = self.meter.as_mut() {
            meter.feed(frames);
        }
    }
}

/// The 0-based channel of the mix track: the first whose function is `MIX` (or a `*-MIX` variant),
/// else the first named `Mix...`, else none.
pub fn mix_channel(tracks: &[TrackLabel]) -> Option<u16> {
    let is_mix_function = |t: &TrackLabel| {
        t.function.as_deref().is_some_and(|f| {
            let f = f.to_ascii_uppercase();
            f == "MIX" || f.ends_with("-MIX")
        })
    };
    let is_mix_name = |t: &TrackLabel| {
        t.name
            .as_deref()
            .is_some_and(|n| n.to_ascii_uppercase().starts_with("MIX"))
    };
    let position = tracks
        .iter()
        .position(is_mix_function)
        .or_else(|| tracks.iter().position(is_mix_name))?;
    u16::try_from(position).ok()
}

/// The labels of a source file's tracks, in file order (for `inspect --audio`).
pub fn source_labels(take: &SourceTake) -> Vec<TrackLabel> {
    let mut labels = vec![TrackLabel::default(); usize::from(take.header.fmt.channels)];
    for track in take.tracks() {
        let slot = usize::try_from(track.interleave_index)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| labels.get_mut(i));
        if let Some(label) = slot {
            *label = TrackLabel {
                name: track.name,
                function: track.function,
            };
        }
    }
    labels
}

/// The labels of the delivered tracks: each output track's new name and function, else its
/// source channel's.
pub fn delivered_labels(take: &SourceTake, tracks: &[TrackState]) -> Vec<TrackLabel> {
    let source = source_labels(take);
    tracks
        .iter()
        .map(|t| {
            let from = usize::try_from(t.source_interleave)
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| source.get(i));
            TrackLabel {
                name: t.name.clone().or_else(|| from.and_then(|l| l.name.clone())),
                function: t
                    .function
                    .clone()
                    .or_else(|| from.and_then(|l| l.function.clone())),
            }
        })
        .collect()
}

/// Measures a file's audio in one streaming read (blocks of about 1 MiB).
pub fn measure_audio<R: Read + Seek>(
    r: &mut R,
    header: &Header,
    settings: &QcSettings,
    labels: &[TrackLabel],
) -> Result<TakeQc, QcReadError> {
    let mut meter = QcMeter::new(
        &qc_format(&header.fmt, header.frames()),
        settings,
        mix_channel(labels),
    )?;
    read_audio_blocks(r, header, &mut |block| meter.feed(block))?;
    Ok(take_qc(meter.finish(), labels))
}

/// A value to 0.01.
fn hundredths(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The meter's figures with each track's delivered name.
pub fn take_qc(report: QcReport, labels: &[TrackLabel]) -> TakeQc {
    let tracks = report
        .channels
        .into_iter()
        .enumerate()
        .map(|(i, channel)| TrackQc {
            track: u32::try_from(i + 1).unwrap_or(u32::MAX),
            name: labels.get(i).and_then(|l| l.name.clone()),
            peak_dbfs: channel.peak_dbfs.map(hundredths),
            clipped_runs: channel.clipped_runs,
            silent: channel.silent,
            envelope: channel.envelope,
        })
        .collect();
    let loudness = report.loudness.map(|l| LoudnessQc {
        track: u32::from(l.channel) + 1,
        integrated_lufs: l.integrated_lufs.map(hundredths),
        true_peak_dbtp: l.true_peak_dbtp.map(hundredths),
    });
    TakeQc { tracks, loudness }
}

/// "track 4 CAPTAIN REYES (DPA 4060)", or "track 4" when it has no name.
pub fn track_label(track: &TrackQc) -> String {
    match track
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => format!("track {} {name}", track.track),
        None => format!("track {}", track.track),
    }
}

/// A peak as a sound editor reads it: "-91.4 dBFS", or "digital silence".
pub fn peak_text(peak_dbfs: Option<f64>) -> String {
    match peak_dbfs {
        Some(db) => format!("{db:.1} dBFS"),
        None => "digital silence".to_string(),
    }
}

/// The `audio/silent-track` and `audio/clipping` warnings of a file's figures, about `source`.
pub fn qc_findings(source: &Path, qc: &TakeQc) -> Vec<Finding> {
    let mut findings = Vec::new();
    for track in &qc.tracks {
        if track.silent {
            let peak = match track.peak_dbfs {
                Some(db) => format!("peak {db:.1} dBFS"),
                None => "digital silence".to_string(),
            };
            findings.push(Finding::file(
                RULE_SILENT_TRACK,
                Severity::Warning,
                source,
                format!("{} is silent, {peak}", track_label(track)),
            ));
        }
        if track.clipped_runs > 0 {
            let runs = if track.clipped_runs == 1 {
                "1 clipped run".to_string()
            } else {
                format!("{} clipped runs", track.clipped_runs)
            };
            findings.push(Finding::file(
                RULE_CLIPPING,
                Severity::Warning,
                source,
                format!(
                    "{} clips: {runs}, peak {}",
                    track_label(track),
                    peak_text(track.peak_dbfs)
                ),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(n: u32, name: &str, peak: Option<f64>, runs: u64, silent: bool) -> TrackQc {
        TrackQc {
            track: n,
            name: Some(name.to_string()),
            peak_dbfs: peak,
            clipped_runs: runs,
            silent,
            envelope: Envelope::default(),
        }
    }

    #[test]
    fn findings_name_the_track_as_delivered() {
        let qc = TakeQc {
            tracks: vec![
                track(1, "MIX", Some(-3.0), 0, false),
                track(2, "Boom", Some(0.0), 3, false),
                track(4, "CAPTAIN REYES (DPA 4060)", Some(-91.43), 0, true),
                track(5, "ZOË", None, 0, true),
            ],
            loudness: None,
        };
        let findings = qc_findings(Path::new("A/1.WAV"), &qc);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "track 2 Boom clips: 3 clipped runs, peak 0.0 dBFS",
                "track 4 CAPTAIN REYES (DPA 4060) is silent, peak -91.4 dBFS",
                "track 5 ZOË is silent, digital silence",
            ]
        );
        assert_eq!(findings[0].rule, RULE_CLIPPING);
        assert_eq!(findings[1].rule, RULE_SILENT_TRACK);
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    }

    #[test]
    fn the_mix_is_found_by_function_then_name() {
        let label = |name: &str, function: Option<&str>| TrackLabel {
            name: Some(name.to_string()),
            function: function.map(str::to_string),
        };
        let tracks = [
            label("Boom", None),
            label("L", Some("L-MIX")),
            label("MixR", None),
        ];
        assert_eq!(mix_channel(&tracks), Some(1));
        assert_eq!(mix_channel(&tracks[..1]), None);
        assert_eq!(
            mix_channel(&[label("Boom", None), label("MixL", None)]),
            Some(1)
        );
    }

    #[test]
    fn json_has_the_three_keys_and_null_for_digital_silence() {
        let qc = TakeQc {
            tracks: vec![track(1, "Lav1", None, 0, true)],
            loudness: None,
        };
        let json = serde_json::to_value(&qc).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"tracks": [{"track": 1, "name": "Lav1", "peak_dbfs": null,
                "clipped_runs": 0, "silent": true}]})
        );
    }
}
