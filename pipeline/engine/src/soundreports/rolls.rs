//! A delivered roll's report: its Wave Agent CSV and its HTML page.

use rollcall_findings::Finding;
use rollcall_soundreport::{
    format_length, Channels, Envelope, PageTake, PageTrack, ReportHeader, ReportLayout, ReportRow,
    RollPage, SoundReport,
};

use super::{generator, DeliveredTake};
use crate::execute::FileOutcome;

/// A roll label as a file name: letters, digits, `-`, `_` and `.` kept, anything else `_`; a name
/// already used (case ignored) gets `-2`, `-3`...
pub(super) fn unique_name(roll: &str, used: &mut Vec<String>) -> String {
    let mut base: String = roll
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if base.is_empty() || base.starts_with('.') || base.eq_ignore_ascii_case("index") {
        base = format!("roll_{base}");
    }
    let mut name = base.clone();
    let mut n = 1;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        n += 1;
        name = format!("{base}-{n}");
    }
    used.push(name.clone());
    name
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !value.is_empty() && !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// The roll's report in the Wave Agent layout, one row per delivered file.
pub(super) fn roll_csv(
    roll: &str,
    takes: &[DeliveredTake],
    show: Option<&str>,
    mixer: Option<&str>,
) -> Vec<u8> {
    let joined = |values: Vec<String>| values.join(" ");
    let mut header = ReportHeader::default();
    header.set("Project", show.unwrap_or(""));
    header.set("Sound Mixer", mixer.unwrap_or(""));
    header.set("Roll", roll);
    header.set("File Type", "BWF");
    header.set(
        "Bit Depth",
        &joined(distinct(
            takes.iter().map(|t| t.facts.bit_depth.to_string()),
        )),
    );
    header.set("Media", "");
    header.set(
        "Frame Rate",
        &joined(distinct(
            takes.iter().filter_map(|t| t.facts.frame_rate.clone()),
        )),
    );
    header.set(
        "Sample Rate",
        &joined(distinct(
            takes.iter().map(|t| t.facts.sample_rate.to_string()),
        )),
    );
    header.set("Tone/dB", "");
    let rows = takes
        .iter()
        .map(|t| ReportRow {
            line: 0,
            file_name: t.file.clone(),
            channels: Some(Channels {
                count: u32::from(t.facts.channels),
                mono: t.facts.channels == 1,
            }),
            tape: t.facts.tape.clone().unwrap_or_default(),
            scene: t.facts.scene.clone().unwrap_or_default(),
            take: t.facts.take.clone().unwrap_or_default(),
            sample_rate: t.facts.sample_rate.to_string(),
            frame_rate: t.facts.frame_rate.clone().unwrap_or_default(),
            bit_depth: t.facts.bit_depth.to_string(),
            length: t
                .facts
                .length_seconds
                .map(format_length)
                .unwrap_or_default(),
            start_tc: t.facts.start_tc.clone().unwrap_or_default(),
            wild: t.facts.wild,
            circled: t.facts.circled,
            user: t.facts.user.clone(),
            note: t.facts.note.clone(),
            tracks: t.facts.tracks.clone(),
        })
        .collect();
    SoundReport {
        source: format!("{roll}.csv"),
        layout: ReportLayout::WaveAgent,
        header,
        rows,
    }
    .to_wave_agent()
}

/// The roll's HTML page.
pub(super) fn roll_page(
    roll: &str,
    takes: &[DeliveredTake],
    show: Option<String>,
    mixer: Option<String>,
    findings: Vec<Finding>,
) -> RollPage {
    RollPage {
        show,
        roll: roll.to_string(),
        dates: distinct(takes.iter().filter_map(|t| t.facts.date.clone())),
        recorders: distinct(takes.iter().filter_map(|t| t.facts.recorder.clone())),
        mixer,
        sample_rates: distinct(takes.iter().map(|t| t.facts.sample_rate.to_string())),
        bit_depths: distinct(takes.iter().map(|t| t.facts.bit_depth.to_string())),
        timecode_rates: distinct(takes.iter().filter_map(|t| t.facts.frame_rate.clone())),
        takes: takes.iter().map(page_take).collect(),
        findings,
        generator: generator(),
    }
}

fn page_take(take: &DeliveredTake) -> PageTake {
    let (peaks, envelope) = audio_figures(take.outcome);
    PageTake {
        file: take.file.clone(),
        scene: take.facts.scene.clone().unwrap_or_default(),
        take: take.facts.take.clone().unwrap_or_default(),
        circled: take.facts.circled,
        wild: take.facts.wild,
        start_tc: take.facts.start_tc.clone().unwrap_or_default(),
        length: take
            .facts
            .length_seconds
            .map(format_length)
            .unwrap_or_default(),
        tracks: take
            .facts
            .tracks
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (peak_dbfs, silent) = peaks.get(i).copied().unwrap_or((None, false));
                PageTrack {
                    name: name.clone(),
                    peak_dbfs,
                    silent,
                }
            })
            .collect(),
        envelope,
        note: take.facts.note.clone(),
        findings: take.outcome.findings.clone(),
        warnings: take.outcome.warnings.clone(),
    }
}

/// The QC figures of a delivered file: per track `(peak dBFS, silent)` and the waveform envelope.
///
/// Hook for audio QC: `FileOutcome` carries no QC figures yet, so the page shows track names with
/// empty meters and no waveform. When QC adds per-track peaks and a min/max envelope to the outcome,
/// map them here (peaks in delivered track order; envelope columns as `(min, max)` in -1.0..=1.0).
fn audio_figures(_outcome: &FileOutcome) -> (Vec<(Option<f64>, bool)>, Option<Envelope>) {
    (Vec::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_labels_become_safe_unique_file_names() {
        let mut used = Vec::new();
        assert_eq!(unique_name("TWD8056", &mut used), "TWD8056");
        assert_eq!(unique_name("twd8056", &mut used), "twd8056-2");
        assert_eq!(unique_name("../etc/x", &mut used), "roll_.._etc_x");
        assert_eq!(unique_name("index", &mut used), "roll_index");
        assert_eq!(unique_name("", &mut used), "roll_");
    }
}
