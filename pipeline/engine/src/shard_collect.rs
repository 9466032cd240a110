//! The finish's side of the shards: every part of a plan gathered into one run's outcomes, and
//! the shards that must run (again) named.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::PathBuf;

use crate::execute::{FileOutcome, FileStatus, RunSummary};
use crate::planfile::PlanFile;
use crate::shard::{assign_shards, parts_folder, PartFile, Shard, ShardError, ShardPart};

/// What the finish found of a plan's shards.
#[derive(Debug, Default)]
pub struct CollectedShards {
    /// Every input's outcome in run order (skipped inputs, then planned files), for the files
    /// some shard reported.
    pub summary: RunSummary,
    /// How many shards the parts were cut into (the newest part's count), when any reported.
    pub shards: Option<usize>,
    /// Shards with no part at all.
    pub missing: Vec<Shard>,
    /// Shards whose part lists files not delivered (failed or interrupted), with those files.
    pub rerun: Vec<(Shard, Vec<PathBuf>)>,
    /// Planned files no part reports.
    pub unreported: Vec<PathBuf>,
}

/// Gather the parts of a plan's shards: per planned file, the best outcome any part reports
/// (delivered over withheld over failed; the newest part on a tie).
pub fn collect_shards(plan: &PlanFile) -> Result<CollectedShards, ShardError> {
    let folder = parts_folder(plan);
    let mut parts: Vec<(std::time::SystemTime, ShardPart)> = Vec::new();
    match fs::read_dir(&folder) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                if let Some(part) = ShardPart::read(&path)?.filter(|p| p.plan_id == plan.id) {
                    parts.push((modified, part));
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(ShardError::Io {
                path: folder,
                source,
            })
        }
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.shard.cmp(&b.1.shard)));
    let shards = parts.last().map(|(_, p)| p.shard.count);
    let rank = |status: FileStatus| match status {
        FileStatus::Delivered | FileStatus::Recovered | FileStatus::AlreadyDelivered => 3,
        FileStatus::Withheld | FileStatus::Mirror => 2,
        FileStatus::Failed => 1,
        FileStatus::Interrupted => 0,
    };
    let mut best: HashMap<usize, PartFile> = HashMap::new();
    for (_, part) in parts.iter() {
        for file in &part.files {
            if file.index >= plan.files.len() {
                continue;
            }
            let better = best
                .get(&file.index)
                .is_none_or(|b| rank(file.outcome.status) >= rank(b.outcome.status));
            if better {
                best.insert(file.index, file.clone());
            }
        }
    }
    let mut collected = CollectedShards {
        shards,
        ..CollectedShards::default()
    };
    for skipped in &plan.skipped {
        collected.summary.files.push(FileOutcome {
            source: skipped.path.clone(),
            destination: skipped.destination.clone(),
            status: skipped.status,
            reason: Some(skipped.reason.clone()),
            checksum: None,
            warnings: Vec::new(),
            findings: skipped.findings.clone(),
            content_hash: None,
            qc: None,
            superseded: None,
            written_as: None,
        });
    }
    let assigned = shards.map(|n| assign_shards(&plan.files, n));
    let mut rerun: BTreeMap<Shard, Vec<PathBuf>> = BTreeMap::new();
    for (index, entry) in plan.files.iter().enumerate() {
        let shard = match (&assigned, shards) {
            (Some(assigned), Some(count)) => assigned.get(index).map(|s| Shard {
                index: s + 1,
                count,
            }),
            _ => None,
        };
        match best.remove(&index) {
            Some(file) => {
                if matches!(
                    file.outcome.status,
                    FileStatus::Failed | FileStatus::Interrupted
                ) {
                    if let Some(shard) = shard {
                        rerun.entry(shard).or_default().push(entry.source.clone());
                    }
                }
                collected.summary.files.push(file.into_outcome());
            }
            None => collected.unreported.push(entry.source.clone()),
        }
    }
    if let Some(count) = shards {
        let present: std::collections::BTreeSet<usize> = parts
            .iter()
            .filter(|(_, p)| p.shard.count == count)
            .map(|(_, p)| p.shard.index)
            .collect();
        collected.missing = (1..=count)
            .filter(|k| !present.contains(k))
            .map(|index| Shard { index, count })
            .collect();
    }
    collected.rerun = rerun.into_iter().collect();
    Ok(collected)
}
