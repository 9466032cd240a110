//! The plan file (`rollcall plan`): every whole-batch decision written once, so shards on other
//! machines deliver their slices without loading a plugin or re-running a check.
//!
//! Format `rollcall-plan/1` (JSON): the recipe's fingerprint, the output root, what delivery and the
//! finish need of the recipe, and per planned file its source's size, mtime and header digest, its
//! destination and the steps' decided changes (what the engine renders again from the source).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rollcall_findings::Finding;
use rollcall_qc::QcSettings;
use rollcall_take::{Changes, FieldChange, TrackState};
use serde::{Deserialize, Serialize};

use crate::execute::FileStatus;
use crate::ledger::LedgerEntry;
use crate::plan::{Plan, PlannedFile, SkippedFile};
use crate::produce::{hex128, HashingWriter};

/// The format word of a plan file this version writes and reads.
pub const PLAN_FORMAT: &str = "rollcall-plan/1";

/// Why a plan file cannot be written or used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// The plan file cannot be read or written.
    #[error("plan file {path}: {source}")]
    Io {
        /// The plan file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The plan file is not a plan this version understands.
    #[error("plan file {path}: {reason}")]
    Invalid {
        /// The plan file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A planned source cannot be read to record its header digest.
    #[error("{path}: cannot record the header digest: {reason}")]
    Source {
        /// The source file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// The recipe a plan was made from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanRecipe {
    /// The recipe file, absolute.
    pub path: PathBuf,
    /// `Recipe::fingerprint()`: the steps and their tables; derived values depend on it.
    pub fingerprint: String,
    /// `--set` overrides given to `plan`.
    pub overrides: Vec<String>,
    /// `[recipe] name`, for the run report (absent in plans written before it was recorded).
    #[serde(default)]
    pub name: Option<String>,
}

/// What delivery and the finish need of the recipe, so neither loads it again.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanSettings {
    /// Read each output back to verify it.
    pub verify: bool,
    /// `[qc]`.
    pub qc: QcSettings,
    /// `[output] deliver_on_error`.
    pub deliver_on_error: bool,
    /// `[manifest] hashes` has `md5`.
    pub md5: bool,
    /// `[vars] show`, for the sound reports.
    pub show: Option<String>,
    /// The roll ledger (absolute), when a check keeps one.
    pub ledger: Option<PathBuf>,
    /// The mixer's reports named by `sound-report` steps (absolute).
    pub mixer_reports: Vec<PathBuf>,
}

/// A modification time as seconds and nanoseconds from the Unix epoch (negative before it).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileTime {
    /// Whole seconds from the epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl FileTime {
    /// The file time of a system time.
    pub fn of(time: SystemTime) -> FileTime {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => FileTime {
                secs: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                nanos: after.subsec_nanos(),
            },
            Err(before) => {
                let before = before.duration();
                let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                if before.subsec_nanos() == 0 {
                    FileTime {
                        secs: -secs,
                        nanos: 0,
                    }
                } else {
                    FileTime {
                        secs: -secs - 1,
                        nanos: 1_000_000_000 - before.subsec_nanos(),
                    }
                }
            }
        }
    }

    /// The system time it names.
    pub fn system_time(self) -> Option<SystemTime> {
        let nanos = Duration::from_nanos(u64::from(self.nanos));
        if self.secs >= 0 {
            UNIX_EPOCH
                .checked_add(Duration::from_secs(self.secs.unsigned_abs()))?
                .checked_add(nanos)
        } else {
            UNIX_EPOCH
                .checked_sub(Duration::from_secs(self.secs.unsigned_abs()))?
                .checked_add(nanos)
        }
    }
}

/// One output track of the decided changes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanTrack {
    /// 1-based source channel it carries.
    pub source_interleave: u32,
    /// New name, when a step set one.
    pub name: Option<String>,
    /// New iXML `FUNCTION`, when a step set one.
    pub function: Option<String>,
}

/// The steps' decided changes to one take (the engine renders them again from the source).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanChanges {
    /// New file name.
    pub file_name: Option<String>,
    /// New folder.
    pub folder: Option<String>,
    /// iXML leaf elements to set, by path.
    pub ixml: BTreeMap<String, String>,
    /// bext fields to set, by name.
    pub bext: BTreeMap<String, String>,
    /// bext description keys to set.
    pub description: BTreeMap<String, String>,
    /// Output tracks in order.
    pub tracks: Vec<PlanTrack>,
    /// A step set a channel order that differs from the source.
    pub relaid: bool,
    /// The show-wide width of the bext track names a step set (absent in older plans: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bext_name_width: Option<usize>,
    /// Warnings of the steps.
    pub warnings: Vec<String>,
}

impl PlanChanges {
    /// The serialisable form of a take's changes (its step findings live in the planned file).
    pub fn of(changes: &Changes) -> PlanChanges {
        PlanChanges {
            file_name: changes.file_name.clone(),
            folder: changes.folder.clone(),
            ixml: changes.ixml.clone(),
            bext: changes.bext.clone(),
            description: changes.description.clone(),
            tracks: changes
                .tracks
                .iter()
                .map(|t| PlanTrack {
                    source_interleave: t.source_interleave,
                    name: t.name.clone(),
                    function: t.function.clone(),
                })
                .collect(),
            relaid: changes.relaid,
            bext_name_width: changes.bext_name_width,
            warnings: changes.warnings.clone(),
        }
    }

    /// The engine's form again.
    pub fn changes(&self) -> Changes {
        Changes {
            file_name: self.file_name.clone(),
            folder: self.folder.clone(),
            ixml: self.ixml.clone(),
            bext: self.bext.clone(),
            description: self.description.clone(),
            tracks: self
                .tracks
                .iter()
                .map(|t| TrackState {
                    source_interleave: t.source_interleave,
                    name: t.name.clone(),
                    function: t.function.clone(),
                })
                .collect(),
            relaid: self.relaid,
            bext_name_width: self.bext_name_width,
            warnings: self.warnings.clone(),
            findings: Vec::new(),
        }
    }
}

/// One planned file in the plan file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanEntry {
    /// The source file.
    pub source: PathBuf,
    /// Its size when planned.
    pub size: u64,
    /// Its modification time when planned.
    pub mtime: Option<FileTime>,
    /// XXH3-128 of every byte outside the audio payload (the chunks the plan was made from).
    pub header_digest: String,
    /// Destination relative to the output root, `/`-separated.
    pub destination: String,
    /// The steps' decided changes.
    pub changes: PlanChanges,
    /// 1-based source channels in output order, when re-laid.
    pub channel_map: Option<Vec<u16>>,
    /// Every field that changes, old -> new.
    pub field_changes: Vec<FieldChange>,
    /// Warnings of the steps and the engine.
    pub warnings: Vec<String>,
    /// iXML `FILE_UID`.
    pub file_uid: Option<String>,
    /// XXH3-128 of the destination when it already held this output at plan time.
    pub already_delivered: Option<String>,
    /// With `--supersede`: how the destination's other version differed at plan time (it is moved
    /// aside under `superseded/` when the new one is delivered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// The roll label.
    pub roll: Option<String>,
    /// Findings of the steps and practice checks about this file.
    pub findings: Vec<Finding>,
    /// What the roll ledger records of it.
    pub ledger_entry: Option<LedgerEntry>,
}

/// An input left out of the plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanSkipped {
    /// The input file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
    /// `failed`, `withheld` or `mirror`.
    pub status: FileStatus,
    /// Where it would have gone.
    pub destination: Option<PathBuf>,
    /// Findings about it.
    pub findings: Vec<Finding>,
}

/// A whole plan as written to disk.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanFile {
    /// [`PLAN_FORMAT`].
    pub format: String,
    /// Identifies this plan (XXH3 of its contents): shard reports are filed under it.
    pub id: String,
    /// rollcall's version that wrote it.
    pub tool_version: String,
    /// The recipe it was made from.
    pub recipe: PlanRecipe,
    /// Root of the delivered tree, absolute.
    pub out_root: PathBuf,
    /// What delivery and the finish need of the recipe.
    pub settings: PlanSettings,
    /// Files to deliver, in input order.
    pub files: Vec<PlanEntry>,
    /// Inputs left out.
    pub skipped: Vec<PlanSkipped>,
    /// Practice findings about rolls or the batch.
    pub batch_findings: Vec<Finding>,
    /// Findings of the mixer's reports against the batch.
    pub report_findings: Vec<Finding>,
}

impl PlanFile {
    /// The plan file of a checked plan (after `run_checks`). Reads each planned source's header
    /// once more for its digest; a source that cannot be read fails the plan.
    pub fn new(
        plan: &Plan,
        recipe: PlanRecipe,
        settings: PlanSettings,
        batch_findings: Vec<Finding>,
        report_findings: Vec<Finding>,
        tool_version: &str,
    ) -> Result<PlanFile, PlanFileError> {
        let digests: Vec<Result<String, PlanFileError>> = plan
            .files
            .par_iter()
            .map(|f| {
                header_digest(&f.source).map_err(|e| PlanFileError::Source {
                    path: f.source.clone(),
                    reason: e.to_string(),
                })
            })
            .collect();
        let mut files = Vec::with_capacity(plan.files.len());
        for (file, digest) in plan.files.iter().zip(digests) {
            files.push(PlanEntry {
                source: file.source.clone(),
                size: file.source_len,
                mtime: file.source_modified.map(FileTime::of),
                header_digest: digest?,
                destination: file.relative_destination.clone(),
                changes: PlanChanges::of(&file.changes),
                channel_map: file.channel_map.clone(),
                field_changes: file.field_changes.clone(),
                warnings: file.warnings.clone(),
                file_uid: file.file_uid.clone(),
                already_delivered: file.already_delivered.clone(),
                supersedes: file.supersedes.clone(),
                roll: file.roll.clone(),
                findings: file.findings.clone(),
                ledger_entry: file.ledger_entry.clone(),
            });
        }
        let mut document = PlanFile {
            format: PLAN_FORMAT.to_string(),
            id: String::new(),
            tool_version: tool_version.to_string(),
            recipe,
            out_root: plan.out_root.clone(),
            settings,
            files,
            skipped: plan
                .skipped
                .iter()
                .map(|s| PlanSkipped {
                    path: s.path.clone(),
                    reason: s.reason.clone(),
                    status: s.status,
                    destination: s.destination.clone(),
                    findings: s.findings.clone(),
                })
                .collect(),
            batch_findings,
            report_findings,
        };
        let body = serde_json::to_vec(&document).unwrap_or_default();
        document.id = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&body));
        Ok(document)
    }

    /// Write the plan file: a temp file beside it, synced, renamed over it.
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let io_error = |source| PlanFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = serde_json::to_vec_pretty(self).map_err(|e| io_error(io::Error::other(e)))?;
        crate::shard::write_atomically(path, &text).map_err(io_error)
    }

    /// Read a plan file of this format.
    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let invalid = |reason: String| PlanFileError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(format!("not a plan file (not JSON: {e})")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(PLAN_FORMAT) => {}
            Some(other) => {
                return Err(invalid(format!(
                    "format `{other}` is not one this rollcall reads ({PLAN_FORMAT}); plan again with this version"
                )))
            }
            None => return Err(invalid("not a plan file (no `format`)".to_string())),
        }
        serde_json::from_value(value).map_err(|e| invalid(format!("damaged plan file: {e}")))
    }

    /// The engine's plan of the files at `indices` (all files when `None`), without the skipped
    /// inputs, for delivery.
    pub fn plan_of(&self, indices: Option<&[usize]>) -> Plan {
        let chosen: Vec<&PlanEntry> = match indices {
            Some(indices) => indices.iter().filter_map(|&i| self.files.get(i)).collect(),
            None => self.files.iter().collect(),
        };
        Plan {
            out_root: self.out_root.clone(),
            derivation: self.recipe.fingerprint.clone(),
            files: chosen.into_iter().map(|e| self.planned_file(e)).collect(),
            skipped: Vec::new(),
        }
    }

    /// The engine's whole plan, skipped inputs included (for the finish's ledger and report).
    pub fn whole_plan(&self) -> Plan {
        let mut plan = self.plan_of(None);
        plan.skipped = self
            .skipped
            .iter()
            .map(|s| SkippedFile {
                path: s.path.clone(),
                reason: s.reason.clone(),
                status: s.status,
                destination: s.destination.clone(),
                findings: s.findings.clone(),
            })
            .collect();
        plan
    }

    fn planned_file(&self, entry: &PlanEntry) -> PlannedFile {
        let mut destination = self.out_root.clone();
        for part in entry.destination.split('/') {
            destination.push(part);
        }
        PlannedFile {
            source: entry.source.clone(),
            source_len: entry.size,
            source_modified: entry.mtime.and_then(FileTime::system_time),
            changes: entry.changes.changes(),
            channel_map: entry.channel_map.clone(),
            field_changes: entry.field_changes.clone(),
            warnings: entry.warnings.clone(),
            relative_destination: entry.destination.clone(),
            destination,
            file_uid: entry.file_uid.clone(),
            already_delivered: entry.already_delivered.clone(),
            supersedes: entry.supersedes.clone(),
            roll: entry.roll.clone(),
            findings: entry.findings.clone(),
            described: None,
            ledger_entry: entry.ledger_entry.clone(),
        }
    }
}

/// XXH3-128 (hex) of every byte of a WAV file outside its audio payload: the chunks before and
/// after `data`, where every field the plan read lives.
pub fn header_digest(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let header = rollcall_wav::read_header(&mut file).map_err(io::Error::other)?;
    let data = header.data();
    let start = data.payload_offset().min(len);
    let end = data.payload_offset().saturating_add(data.size).min(len);
    let mut hasher = HashingWriter::new(io::sink());
    file.seek(SeekFrom::Start(0))?;
    io::copy(&mut (&file).take(start), &mut hasher)?;
    file.seek(SeekFrom::Start(end))?;
    io::copy(&mut (&file).take(len - end), &mut hasher)?;
    Ok(hex128(hasher.xxh128()))
}

/// The mixer's reports named by the recipe's `sound-report` steps (`csv`, relative to the recipe).
pub fn mixer_report_paths(recipe: &rollcall_recipe::Recipe) -> Vec<PathBuf> {
    recipe
        .steps
        .iter()
        .filter(|s| s.plugin.replace('_', "-") == "sound-report")
        .filter_map(|s| s.table.get("csv").and_then(|v| v.as_str()))
        .map(|csv| recipe.dir.join(csv))
        .collect()
}

/// Read the mixer's reports a plan names (for the sound reports' mixer name).
pub fn read_mixer_reports(
    paths: &[PathBuf],
) -> Result<Vec<rollcall_soundreport::SoundReport>, String> {
    paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            rollcall_soundreport::SoundReport::parse(&bytes, &name).map_err(|e| e.to_string())
        })
        .collect()
}
