//! Planning a batch from headers only, and checking the plan as a whole before anything is written.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use rayon::prelude::*;
use rollcall_recipe::{InputFile, WalkReport};
use rollcall_take::{check_folder, render, Changes, FieldChange, RenderedTake, SourceTake};
use rollcall_wav::{NoTap, WriteOptions};

use rollcall_findings::Finding;
use rollcall_sdk::Take;

use crate::produce::{hex128, produce, HashingWriter};
use crate::steps::BuiltStep;
use crate::EngineError;

/// What a plan is made with.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Root of the delivered tree.
    pub out_root: PathBuf,
    /// The recipe's `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// Identifies the recipe's steps, so derived values (a new `FILE_UID`) are deterministic.
    pub derivation: String,
    /// How roll labels are read into `{roll}`, `{unit}`, `{recorder}` ([`crate::roll_scheme`]).
    pub roll_scheme: rollcall_rolls::Scheme,
}

/// One file the run will deliver. It holds what the steps decided, not the rendered chunks: the
/// file is read and rendered again when it is written, so a season's plan stays small.
#[derive(Debug)]
pub struct PlannedFile {
    /// The source file.
    pub source: PathBuf,
    /// The source's size when planned.
    pub source_len: u64,
    /// The source's modification time when planned.
    pub source_modified: Option<SystemTime>,
    /// What the steps asked for.
    pub changes: Changes,
    /// The channel map (1-based source channels in output order), when the take is re-laid.
    pub channel_map: Option<Vec<u16>>,
    /// Every field that changes, old -> new.
    pub field_changes: Vec<FieldChange>,
    /// Warnings of the steps and the engine.
    pub warnings: Vec<String>,
    /// Destination relative to the output root, `/`-separated.
    pub relative_destination: String,
    /// Full destination path.
    pub destination: PathBuf,
    /// Set when the destination already holds exactly what this run would write: its XXH3-128
    /// (lowercase hex), the hash of every byte.
    pub already_delivered: Option<String>,
    /// The roll label (`tape`) of the take, when it has one.
    pub roll: Option<String>,
    /// Findings of the steps and the checks about this file.
    pub findings: Vec<Finding>,
    /// The take as it will be delivered and as read, for the checks; dropped once they ran.
    pub described: Option<Box<(Take, Take)>>,
    /// What the roll ledger records of this file (set with the checks).
    pub ledger_entry: Option<crate::ledger::LedgerEntry>,
}

impl PlannedFile {
    /// Read the source again and render its changes: the same layout as when planned, or an error
    /// when the source changed or disappeared since.
    pub fn render(&self, derivation: &str) -> Result<(SourceTake, RenderedTake), String> {
        let unchanged = |len: u64, modified: Option<SystemTime>| {
            if len == self.source_len && modified == self.source_modified {
                Ok(())
            } else {
                Err("the source changed after it was planned; run again".to_string())
            }
        };
        let meta = std::fs::metadata(&self.source)
            .map_err(|e| format!("the source is gone since it was planned: {e}"))?;
        unchanged(meta.len(), meta.modified().ok())?;
        let source = SourceTake::read(&self.source).map_err(|e| {
            format!("the source changed after it was planned and cannot be read now: {e}")
        })?;
        unchanged(source.file_len, source.modified)?;
        let rendered = render(&source, &self.changes, derivation).map_err(|e| e.to_string())?;
        Ok((source, rendered))
    }
}

/// An input left out of the plan, with the reason.
#[derive(Clone, Debug)]
pub struct SkippedFile {
    /// The input file.
    pub path: PathBuf,
    /// Why it is left out (unreadable, a step failed).
    pub reason: String,
}

/// The whole batch: what will be written where, and what was left out.
#[derive(Debug)]
pub struct Plan {
    /// Root of the delivered tree.
    pub out_root: PathBuf,
    /// Identifies the recipe's steps (see [`PlanOptions::derivation`]).
    pub derivation: String,
    /// Files to deliver, in input order.
    pub files: Vec<PlannedFile>,
    /// Inputs left out, with reasons.
    pub skipped: Vec<SkippedFile>,
}

/// Read every input's header in parallel, run the steps on its description, render its edits, and
/// check the plan as a whole: two files on one destination, or a destination that exists with other
/// content, make the plan invalid (nothing is written).
pub fn plan(
    walk: &WalkReport,
    steps: &[BuiltStep],
    options: &PlanOptions,
) -> Result<Plan, EngineError> {
    let out_canonical = options.out_root.canonicalize().ok();
    let inputs: Vec<&InputFile> = walk
        .files
        .iter()
        .filter(|f| match (&out_canonical, f.path.canonicalize()) {
            (Some(out), Ok(path)) => !path.starts_with(out),
            _ => true,
        })
        .collect();
    let results: Vec<Result<PlannedFile, SkippedFile>> = inputs
        .par_iter()
        .map(|input| {
            plan_one(input, steps, options).map_err(|reason| SkippedFile {
                path: input.path.clone(),
                reason,
            })
        })
        .collect();
    let mut files = Vec::new();
    let mut skipped: Vec<SkippedFile> = walk
        .problems
        .iter()
        .map(|p| SkippedFile {
            path: p.path.clone(),
            reason: p.reason.clone(),
        })
        .collect();
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(skip) => skipped.push(skip),
        }
    }

    let mut problems = Vec::new();
    let mut by_destination: HashMap<String, Vec<&PlannedFile>> = HashMap::new();
    for file in &files {
        by_destination
            .entry(file.relative_destination.to_lowercase())
            .or_default()
            .push(file);
    }
    let mut collisions: Vec<_> = by_destination.values().filter(|v| v.len() > 1).collect();
    collisions.sort_by(|a, b| a[0].relative_destination.cmp(&b[0].relative_destination));
    for group in collisions {
        let sources: Vec<String> = group
            .iter()
            .map(|f| f.source.display().to_string())
            .collect();
        problems.push(format!(
            "collision: {} would be written by {} files: {}",
            group[0].relative_destination,
            group.len(),
            sources.join(", ")
        ));
    }
    if !problems.is_empty() {
        return Err(EngineError::Plan(problems));
    }

    let checks: Vec<Result<Option<String>, String>> = files
        .par_iter()
        .map(|file| existing_destination(file, &options.derivation))
        .collect();
    for (file, check) in files.iter_mut().zip(checks) {
        match check {
            Ok(delivered) => file.already_delivered = delivered,
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(EngineError::Plan(problems));
    }
    Ok(Plan {
        out_root: options.out_root.clone(),
        derivation: options.derivation.clone(),
        files,
        skipped,
    })
}

fn plan_one(
    input: &InputFile,
    steps: &[BuiltStep],
    options: &PlanOptions,
) -> Result<PlannedFile, String> {
    let source = SourceTake::read(&input.path).map_err(|e| e.to_string())?;
    let input_folder = input
        .relative
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    let mut take = source.describe(&input_folder, &options.vars);
    crate::checks::add_roll_tokens(&mut take, options.roll_scheme);
    let described_source = take.clone();
    let mut changes = Changes::new(&source);
    for built in steps {
        let edits = built
            .step
            .apply(&take)
            .map_err(|e| format!("step {} ({}): {e}", built.index, built.plugin))?;
        changes
            .apply(&mut take, edits)
            .map_err(|e| format!("step {} ({}): {e}", built.index, built.plugin))?;
    }
    let rendered = render(&source, &changes, &options.derivation).map_err(|e| e.to_string())?;
    let folder = check_folder(rendered.folder.as_deref().unwrap_or(&input_folder))?;
    let relative_destination = if folder.is_empty() {
        rendered.file_name.clone()
    } else {
        format!("{folder}/{}", rendered.file_name)
    };
    let mut destination = options.out_root.clone();
    for part in relative_destination.split('/') {
        destination.push(part);
    }
    let roll = described_source.field("tape").map(str::to_string);
    let findings = std::mem::take(&mut changes.findings);
    Ok(PlannedFile {
        roll,
        findings,
        described: Some(Box::new((take, described_source))),
        ledger_entry: None,
        source: source.path,
        source_len: source.file_len,
        source_modified: source.modified,
        changes,
        channel_map: rendered
            .map
            .as_ref()
            .map(|m| m.order.iter().map(|c| c + 1).collect()),
        field_changes: rendered.changes,
        warnings: rendered.warnings,
        relative_destination,
        destination,
        already_delivered: None,
    })
}

/// A destination that exists must hold exactly what this run would write (then it counts as
/// delivered); anything else is a conflict.
fn existing_destination(file: &PlannedFile, derivation: &str) -> Result<Option<String>, String> {
    let existing = match std::fs::symlink_metadata(&file.destination) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "conflict: {} cannot be examined: {e}",
                file.destination.display()
            ))
        }
    };
    let conflict = |why: &str| {
        format!(
            "conflict: {} already exists with other content ({why}); source {}",
            file.destination.display(),
            file.source.display()
        )
    };
    if !existing.is_file() {
        return Err(conflict("not a regular file"));
    }
    let source_file =
        File::open(&file.source).map_err(|e| format!("{}: {e}", file.source.display()))?;
    let source = SourceTake::read_open(&file.source, &source_file)
        .map_err(|e| format!("{}: {e}", file.source.display()))?;
    let rendered = render(&source, &file.changes, derivation).map_err(|e| e.to_string())?;
    let mut sink = HashingWriter::new(io::sink());
    produce(
        &source_file,
        &source,
        &rendered,
        &mut sink,
        &WriteOptions::default(),
        &mut NoTap,
    )
    .map_err(|e| format!("{}: {e}", file.source.display()))?;
    if sink.bytes_written() != existing.len() {
        return Err(conflict(&format!(
            "{} bytes, this run would write {}",
            existing.len(),
            sink.bytes_written()
        )));
    }
    let delivered = File::open(&file.destination)
        .map_err(|e| format!("{}: {e}", file.destination.display()))?;
    let mut hasher = HashingWriter::new(io::sink());
    io::copy(&mut &delivered, &mut hasher)
        .map_err(|e| format!("{}: {e}", file.destination.display()))?;
    if hasher.xxh128() != sink.xxh128() {
        return Err(conflict("same size, different bytes"));
    }
    Ok(Some(hex128(hasher.xxh128())))
}
