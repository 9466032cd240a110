//! Delivering one shard of a plan: the sources checked against the plan, the slice written by the
//! engine's write pass, the shard's part written for the finish.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::execute::{execute, ExecuteOptions, FileOutcome, FileStatus, RunSummary};
use crate::planfile::{header_digest, FileTime, PlanEntry, PlanFile};
use crate::shard::{
    parts_folder, shard_files, write_atomically, PartFile, Shard, ShardError, ShardPart,
    PART_FORMAT,
};

/// What one shard did.
#[derive(Debug)]
pub struct AppliedShard {
    /// The shard's files' outcomes, in plan order.
    pub summary: RunSummary,
    /// The part it wrote.
    pub part: PathBuf,
    /// Files an earlier run of this shard delivered (their earlier outcome is kept).
    pub earlier: usize,
}

/// Deliver shard `shard` of a plan and write its part. A source changed since the plan (size,
/// mtime or header digest) fails alone; a destination this plan already wrote (an earlier run of
/// the shard) is recognised as delivered, keeping that run's figures.
pub fn apply_shard(
    plan: &PlanFile,
    shard: Shard,
    options: &ExecuteOptions,
) -> Result<AppliedShard, ShardError> {
    let indices = shard_files(plan, shard);
    let folder = parts_folder(plan);
    let part_path = folder.join(shard.part_name());
    let previous: HashMap<usize, PartFile> = match part_path.exists() {
        true => ShardPart::read(&part_path)?
            .filter(|p| p.plan_id == plan.id)
            .map(|p| p.files.into_iter().map(|f| (f.index, f)).collect())
            .unwrap_or_default(),
        false => HashMap::new(),
    };
    let mut sub_plan = plan.plan_of(Some(&indices));
    // Sources first: a source changed since the plan fails alone.
    let checks: Vec<Result<Option<String>, String>> = sub_plan
        .files
        .par_iter()
        .zip(indices.par_iter())
        .map(|(file, &index)| {
            let entry = plan
                .files
                .get(index)
                .ok_or_else(|| "internal error: no such planned file".to_string())?;
            source_unchanged(entry)?;
            if file.already_delivered.is_some() || !file.destination.exists() {
                return Ok(None);
            }
            if file.supersedes.is_some() {
                // Planned with `--supersede`: another version there is moved aside when delivering.
                return match crate::destination::examine_destination(file, &sub_plan.derivation)? {
                    crate::destination::Existing::Same(hash) => Ok(Some(hash)),
                    _ => Ok(None),
                };
            }
            crate::destination::existing_destination(file, &sub_plan.derivation)
        })
        .collect();
    let mut failed: BTreeMap<usize, FileOutcome> = BTreeMap::new();
    let mut kept = Vec::new();
    let mut kept_indices = Vec::new();
    for ((mut file, index), check) in sub_plan.files.drain(..).zip(&indices).zip(checks) {
        match check {
            Ok(delivered) => {
                if delivered.is_some() {
                    file.already_delivered = delivered;
                }
                kept.push(file);
                kept_indices.push(*index);
            }
            Err(reason) => {
                failed.insert(
                    *index,
                    FileOutcome {
                        source: file.source.clone(),
                        destination: Some(file.destination.clone()),
                        status: FileStatus::Failed,
                        reason: Some(reason),
                        checksum: None,
                        warnings: file.warnings.clone(),
                        findings: file.findings.clone(),
                        content_hash: None,
                        qc: None,
                        superseded: None,
                        written_as: None,
                    },
                );
            }
        }
    }
    sub_plan.files = kept;
    let summary = execute(&sub_plan, options);
    let mut by_index: BTreeMap<usize, PartFile> = failed
        .into_iter()
        .map(|(i, outcome)| (i, PartFile::of(i, outcome)))
        .collect();
    let mut earlier_count = 0;
    for (outcome, index) in summary.files.into_iter().zip(kept_indices) {
        let planned_delivered = plan
            .files
            .get(index)
            .is_some_and(|e| e.already_delivered.is_some());
        let earlier = previous.get(&index).filter(|p| {
            outcome.status == FileStatus::AlreadyDelivered
                && !planned_delivered
                && matches!(
                    p.outcome.status,
                    FileStatus::Delivered | FileStatus::Recovered
                )
                && p.outcome.checksum == outcome.checksum
        });
        let part_file = match earlier {
            Some(earlier) => {
                earlier_count += 1;
                earlier.clone()
            }
            None => PartFile::of(index, outcome),
        };
        by_index.insert(index, part_file);
    }
    let part = ShardPart {
        format: PART_FORMAT.to_string(),
        plan_id: plan.id.clone(),
        shard,
        writer: format!(
            "host {} pid {}",
            crate::output::host_name(),
            std::process::id()
        ),
        files: by_index.into_values().collect(),
    };
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ShardError::Io { path, source }
    };
    fs::create_dir_all(&folder).map_err(io_error(&folder))?;
    let text =
        serde_json::to_vec_pretty(&part).map_err(|e| io_error(&part_path)(io::Error::other(e)))?;
    write_atomically(&part_path, &text).map_err(io_error(&part_path))?;
    let summary = RunSummary {
        files: part.files.into_iter().map(PartFile::into_outcome).collect(),
        findings: Vec::new(),
    };
    Ok(AppliedShard {
        summary,
        part: part_path,
        earlier: earlier_count,
    })
}

/// Whether a source is still what was planned: same size, mtime and header digest.
fn source_unchanged(entry: &PlanEntry) -> Result<(), String> {
    let changed = |what: &str| {
        format!(
            "the source changed since the plan ({what}); restore it and rerun this shard, or plan again"
        )
    };
    let meta = fs::metadata(&entry.source)
        .map_err(|e| format!("the source is gone since the plan: {e}"))?;
    if meta.len() != entry.size {
        return Err(changed(&format!(
            "{} bytes, planned {}",
            meta.len(),
            entry.size
        )));
    }
    if meta.modified().ok().map(FileTime::of) != entry.mtime {
        return Err(changed("modification time"));
    }
    let digest =
        header_digest(&entry.source).map_err(|e| changed(&format!("header unreadable: {e}")))?;
    if digest != entry.header_digest {
        return Err(changed("header digest"));
    }
    Ok(())
}
