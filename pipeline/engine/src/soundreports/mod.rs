//! Sound reports: the mixer's report reconciled with the batch after planning, and after delivery a
//! report per delivered roll (`reports/<ROLL>.csv` in the Wave Agent layout and `reports/<ROLL>.html`)
//! plus `reports/index.html`.
//!
//! What a report says about a delivered file is read back from the delivered file's header (scene,
//! take, tape, circled, note, start timecode, length, format, track names), so the report shows what
//! editorial receives.

mod facts;
mod rolls;

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rollcall_findings::Finding;
use rollcall_recipe::Recipe;
use rollcall_soundreport::{
    reconcile, render_index_page, render_roll_page, BatchTake, BatchTrack, IndexPage, IndexRoll,
    SoundReport,
};
use rollcall_take::SourceTake;

use crate::execute::{FileOutcome, FileStatus, RunSummary};
use crate::output::{temp_owner_tag, CreatedFolders, TEMP_SUFFIX};
use crate::plan::Plan;
use facts::TakeFacts;
use rolls::{roll_csv, roll_page, unique_name};

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
    let mut takes: Vec<BatchTake> = plan
        .files
        .par_iter()
        .map(|f| batch_take(&f.source))
        .collect();
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
    // Each delivered file's header is read again (what the roll's report shows is what was
    // delivered): in parallel, as the headers were planned.
    let delivered: Vec<DeliveredTake> = summary
        .files
        .par_iter()
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
