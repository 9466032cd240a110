//! Sound reports: the mixer's report reconciled with the batch after planning, and after delivery a
//! report per delivered roll (`reports/<ROLL>.csv` in the Wave Agent layout and `reports/<ROLL>.html`)
//! plus `reports/index.html`.
//!
//! What a report says about a delivered file is read back from the delivered file's header (scene,
//! take, tape, circled, note, start timecode, length, format, track names), so the report shows what
//! editorial receives.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rollcall_findings::Finding;
use rollcall_recipe::Recipe;
use rollcall_soundreport::{
    format_length, reconcile, render_index_page, render_roll_page, truthy, BatchTake, BatchTrack,
    Channels, Envelope, IndexPage, IndexRoll, PageTake, PageTrack, ReportHeader, ReportLayout,
    ReportRow, RollPage, SoundReport,
};
use rollcall_take::SourceTake;

use crate::execute::{FileOutcome, FileStatus, RunSummary};
use crate::output::{temp_owner_tag, CreatedFolders, TEMP_SUFFIX};
use crate::plan::Plan;

/// The folder under the output root that holds the sound reports.
pub const REPORTS_FOLDER: &str = "reports";

/// The step plugin whose `csv` key names the mixer's report.
const SOUND_REPORT_STEP: &str = "sound-report";

/// The mixer's reports named by the recipe's `sound-report` steps (`csv`, relative to the recipe).
/// A report that cannot be read is an error naming it (the step itself refuses it earlier).
pub fn mixer_reports(recipe: &Recipe) -> Result<Vec<SoundReport>, String> {
    let mut reports = Vec::new();
    for step in &recipe.steps {
        if step.plugin.replace('_', "-") != SOUND_REPORT_STEP {
            continue;
        }
        let Some(csv) = step.table.get("csv").and_then(|v| v.as_str()) else {
            continue;
        };
        let path = recipe.dir.join(csv);
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| csv.to_string());
        reports.push(SoundReport::parse(&bytes, &name).map_err(|e| e.to_string())?);
    }
    Ok(reports)
}

/// Reconciles each mixer's report with the whole batch (planned and skipped files, read from their
/// source headers): `report/no-file`, `report/no-row` and `report/mismatch` findings.
pub fn reconcile_batch(reports: &[SoundReport], plan: &Plan) -> Vec<Finding> {
    if reports.is_empty() {
        return Vec::new();
    }
    let mut takes: Vec<BatchTake> = plan.files.iter().map(|f| batch_take(&f.source)).collect();
    takes.extend(plan.skipped.iter().map(|s| BatchTake {
        path: s.path.clone(),
        file_name: file_name(&s.path),
        ..BatchTake::default()
    }));
    reports
        .iter()
        .flat_map(|report| reconcile(report, &takes))
        .collect()
}

/// Puts findings about a file into its outcome (matched by source path) and the others into the
/// run's own findings.
pub fn attach_findings(summary: &mut RunSummary, findings: Vec<Finding>) {
    for finding in findings {
        let outcome = finding
            .path
            .as_ref()
            .and_then(|path| summary.files.iter_mut().find(|f| &f.source == path));
        match outcome {
            Some(outcome) => outcome.findings.push(finding),
            None => summary.findings.push(finding),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What reconciliation needs of a source file, from its header (a file that cannot be read is
/// matched by name only).
fn batch_take(path: &Path) -> BatchTake {
    let mut take = BatchTake {
        path: path.to_path_buf(),
        file_name: file_name(path),
        ..BatchTake::default()
    };
    if let Ok(source) = SourceTake::read(path) {
        let facts = TakeFacts::of(&source);
        take.scene = facts.scene;
        take.take = facts.take;
        take.tape = facts.tape;
        take.start_tc = facts.start_tc;
        take.length_seconds = facts.length_seconds;
        take.tracks = source
            .tracks()
            .into_iter()
            .map(|t| BatchTrack {
                channel_index: t.channel_index,
                name: t.name,
            })
            .collect();
    }
    take
}

/// The metadata a report shows of one file, read from its header.
#[derive(Clone, Debug, Default)]
struct TakeFacts {
    scene: Option<String>,
    take: Option<String>,
    tape: Option<String>,
    project: Option<String>,
    circled: bool,
    wild: bool,
    note: String,
    user: String,
    start_tc: Option<String>,
    length_seconds: Option<f64>,
    sample_rate: u32,
    bit_depth: u16,
    channels: u16,
    frame_rate: Option<String>,
    date: Option<String>,
    recorder: Option<String>,
    tracks: Vec<String>,
}

impl TakeFacts {
    fn of(source: &SourceTake) -> TakeFacts {
        let field = |name: &str| source.field(name);
        let fmt = &source.header.fmt;
        let frames = source.header.frames();
        let timecode = source.start_timecode();
        let drop_frame = source
            .ixml
            .as_ref()
            .and_then(|x| x.get("SPEED/TIMECODE_FLAG"))
            .is_some_and(|f| f.trim().eq_ignore_ascii_case("DF"));
        let bext = source.bext.as_ref();
        TakeFacts {
            scene: field("SCENE"),
            take: field("TAKE"),
            tape: field("TAPE"),
            project: field("PROJECT"),
            circled: field("CIRCLED").is_some_and(|c| truthy(&c) == Some(true)),
            wild: field("WILD_TRACK").is_some_and(|c| truthy(&c) == Some(true)),
            note: field("NOTE").unwrap_or_default(),
            user: field("USER").unwrap_or_default(),
            start_tc: timecode.as_ref().map(|t| t.text.clone()),
            length_seconds: (fmt.sample_rate > 0)
                .then(|| frames as f64 / f64::from(fmt.sample_rate)),
            sample_rate: fmt.sample_rate,
            bit_depth: fmt.bits_per_sample,
            channels: fmt.channels,
            frame_rate: timecode
                .as_ref()
                .and_then(|t| wave_agent_frame_rate(&t.rate, drop_frame)),
            date: bext
                .map(|b| iso_date(&b.origination_date))
                .filter(|d| !d.is_empty()),
            recorder: bext
                .map(|b| b.originator.trim().to_string())
                .filter(|o| !o.is_empty()),
            tracks: source
                .tracks()
                .into_iter()
                .map(|t| t.name.unwrap_or_default())
                .collect(),
        }
    }
}

/// A bext origination date as `yyyy-mm-dd` (Metacorder writes `2019:01:01`, others `2019/01/01`).
fn iso_date(date: &str) -> String {
    date.trim()
        .chars()
        .map(|c| if c == ':' || c == '/' { '-' } else { c })
        .collect()
}

/// A timecode rate as Wave Agent writes it: `24000/1001` non-drop is `23.97 ND`, `25/1` is `25 ND`,
/// `30000/1001` drop frame `29.97 D`.
fn wave_agent_frame_rate(rate: &str, drop_frame: bool) -> Option<String> {
    let (numerator, denominator) = match rate.split_once('/') {
        Some((n, d)) => (n.trim().parse::<f64>().ok()?, d.trim().parse::<f64>().ok()?),
        None => (rate.trim().parse::<f64>().ok()?, 1.0),
    };
    if denominator <= 0.0 || !numerator.is_finite() || numerator <= 0.0 {
        return None;
    }
    let hundredths = (numerator / denominator * 100.0).floor() / 100.0;
    let text = format!("{hundredths:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Some(format!("{text} {}", if drop_frame { "D" } else { "ND" }))
}

/// One delivered file on its roll's report.
struct DeliveredTake<'a> {
    outcome: &'a FileOutcome,
    file: String,
    facts: TakeFacts,
}

/// What the sound reports are written with.
#[derive(Clone, Debug, Default)]
pub struct SoundReportOptions {
    /// The show (recipe `[vars] show`); else the files' project.
    pub show: Option<String>,
    /// The mixer's reports, for the mixer's name.
    pub mixer_reports: Vec<SoundReport>,
}

/// Writes `reports/<ROLL>.csv` and `reports/<ROLL>.html` for every roll with a delivered file, and
/// `reports/index.html`; returns the paths written. Each file is written under a temp name, synced
/// and renamed into place (a report from an earlier run of the same roll is replaced).
pub fn write_sound_reports(
    out_root: &Path,
    summary: &RunSummary,
    options: &SoundReportOptions,
) -> io::Result<Vec<PathBuf>> {
    let delivered: Vec<DeliveredTake> = summary
        .files
        .iter()
        .filter(|o| {
            matches!(
                o.status,
                FileStatus::Delivered | FileStatus::Recovered | FileStatus::AlreadyDelivered
            )
        })
        .filter_map(|outcome| {
            let destination = outcome.destination.as_ref()?;
            let source = SourceTake::read(destination).ok()?;
            Some(DeliveredTake {
                outcome,
                file: file_name(destination),
                facts: TakeFacts::of(&source),
            })
        })
        .collect();
    let mut rolls: BTreeMap<String, Vec<DeliveredTake>> = BTreeMap::new();
    for take in delivered {
        let roll = take
            .facts
            .tape
            .clone()
            .unwrap_or_else(|| "unlabelled".to_string());
        rolls.entry(roll).or_default().push(take);
    }
    let show = options.show.clone().or_else(|| {
        rolls
            .values()
            .flatten()
            .find_map(|t| t.facts.project.clone())
    });
    let mixer = options
        .mixer_reports
        .iter()
        .find_map(|r| r.header.get("Sound Mixer").map(str::to_string));
    fs::create_dir_all(out_root)?;
    let created = CreatedFolders::default();
    let folder = created
        .create(out_root, REPORTS_FOLDER)
        .map_err(io::Error::other)?;
    let mut written = Vec::new();
    let mut index = IndexPage {
        show: show.clone(),
        generator: generator(),
        ..IndexPage::default()
    };
    let mut used_names: Vec<String> = Vec::new();
    for (roll, mut takes) in rolls {
        takes.sort_by(|a, b| {
            (&a.facts.date, &a.facts.start_tc, &a.file).cmp(&(
                &b.facts.date,
                &b.facts.start_tc,
                &b.file,
            ))
        });
        let name = unique_name(&roll, &mut used_names);
        let roll_findings: Vec<Finding> = summary
            .findings
            .iter()
            .filter(|f| f.roll.as_deref() == Some(roll.as_str()))
            .cloned()
            .collect();
        let csv = roll_csv(&roll, &takes, show.as_deref(), mixer.as_deref());
        written.push(write_atomically(&folder, &format!("{name}.csv"), &csv)?);
        let page = roll_page(
            &roll,
            &takes,
            show.clone(),
            mixer.clone(),
            roll_findings.clone(),
        );
        written.push(write_atomically(
            &folder,
            &format!("{name}.html"),
            render_roll_page(&page).as_bytes(),
        )?);
        let mut entry = IndexRoll {
            roll: roll.clone(),
            page: format!("{name}.html"),
            csv: format!("{name}.csv"),
            dates: page.dates.clone(),
            takes: takes.len(),
            circled: takes.iter().filter(|t| t.facts.circled).count(),
            ..IndexRoll::default()
        };
        entry.count_findings(
            takes
                .iter()
                .flat_map(|t| t.outcome.findings.iter())
                .chain(&roll_findings),
        );
        index.rolls.push(entry);
    }
    let listed: Vec<&str> = index.rolls.iter().map(|r| r.roll.as_str()).collect();
    index.findings = summary
        .findings
        .iter()
        .filter(|f| f.roll.as_deref().is_none_or(|r| !listed.contains(&r)))
        .cloned()
        .collect();
    written.push(write_atomically(
        &folder,
        "index.html",
        render_index_page(&index).as_bytes(),
    )?);
    created
        .sync(out_root, &std::iter::once(folder).collect())
        .map_err(io::Error::other)?;
    Ok(written)
}

fn generator() -> String {
    format!("rollcall {}", env!("CARGO_PKG_VERSION"))
}

/// A roll label as a file name: letters, digits, `-`, `_` and `.` kept, anything else `_`; a name
/// already used (case ignored) gets `-2`, `-3`...
fn unique_name(roll: &str, used: &mut Vec<String>) -> String {
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
fn roll_csv(
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
fn roll_page(
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

/// Writes `bytes` to `folder/name` through a temp file in the same folder (named for this host and
/// process, created with the mode a new file gets, `0666 & ~umask`), synced, then renamed over any
/// earlier report.
fn write_atomically(folder: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let temp = folder.join(format!(".{name}{}report{TEMP_SUFFIX}", temp_owner_tag()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        let path = folder.join(name);
        fs::rename(&temp, &path)?;
        Ok(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_read_as_wave_agent_writes_them() {
        assert_eq!(
            wave_agent_frame_rate("24000/1001", false).as_deref(),
            Some("23.97 ND")
        );
        assert_eq!(
            wave_agent_frame_rate("25/1", false).as_deref(),
            Some("25 ND")
        );
        assert_eq!(
            wave_agent_frame_rate("30000/1001", true).as_deref(),
            Some("29.97 D")
        );
        assert_eq!(wave_agent_frame_rate("24", false).as_deref(), Some("24 ND"));
        assert_eq!(wave_agent_frame_rate("0/0", false), None);
        assert_eq!(wave_agent_frame_rate("x", false), None);
    }

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
