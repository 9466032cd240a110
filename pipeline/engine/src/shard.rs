//! Shards of a plan: which files shard K of N delivers, where its report part goes, and how the
//! finish gathers the parts again.
//!
//! A shard's slice is deterministic and size-balanced: files largest first (ties by source path),
//! each onto the lightest shard so far (ties by shard number). Every shard writes its part to
//! `<out>/.rollcall/shards/<plan-id>/K-of-N.json`: per file its outcome (status, hashes for the
//! manifest, QC figures with the waveform envelope for the sound reports).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rollcall_qc::Envelope;
use serde::{Deserialize, Serialize};

use crate::execute::{execute, ExecuteOptions, FileOutcome, FileStatus, RunSummary};
use crate::planfile::{header_digest, FileTime, PlanEntry, PlanFile};

/// The format word of a shard's report part.
pub const PART_FORMAT: &str = "rollcall-shard/1";

/// The folder under the output root that holds rollcall's bookkeeping (shard parts).
pub const BOOKKEEPING_FOLDER: &str = ".rollcall";

/// Why a shard cannot run or its parts cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// `--shard` or the scheduler's variables do not name a shard.
    #[error("{0}")]
    Selection(String),
    /// A part cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The part file or folder.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// How many shards the plan is cut into.
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// A shard, checked: `1 <= index <= count`.
    pub fn new(index: usize, count: usize) -> Result<Shard, ShardError> {
        if count == 0 || index == 0 || index > count {
            return Err(ShardError::Selection(format!(
                "shard {index}/{count} does not exist: K/N needs 1 <= K <= N"
            )));
        }
        Ok(Shard { index, count })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError::Selection(format!("--shard `{text}` is not K/N (e.g. 2/8)"));
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse::<usize>().map_err(|_| bad())?;
        let n = n.trim().parse::<usize>().map_err(|_| bad())?;
        Shard::new(k, n)
    }

    /// The shard from a scheduler's variables (`var` looks one up): a Slurm job array
    /// (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN`, `SLURM_ARRAY_TASK_COUNT`), else a Kubernetes
    /// Indexed Job (`JOB_COMPLETION_INDEX`, 0-based, with `shards` = `--shards N`).
    pub fn from_scheduler(
        var: &dyn Fn(&str) -> Option<String>,
        shards: Option<usize>,
    ) -> Result<Shard, ShardError> {
        let number = |name: &str| -> Result<Option<usize>, ShardError> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                    ShardError::Selection(format!("{name}=`{v}` is not a whole number"))
                }),
            }
        };
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = number("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
                ShardError::Selection(
                    "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not".into(),
                )
            })?;
            if let Some(n) = shards.filter(|&n| n != count) {
                return Err(ShardError::Selection(format!(
                    "--shards {n} disagrees with the Slurm array's {count} tasks"
                )));
            }
            let offset = id.checked_sub(min).ok_or_else(|| {
                ShardError::Selection(format!(
                    "SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}"
                ))
            })?;
            return Shard::new(offset + 1, count).map_err(|_| {
                ShardError::Selection(format!(
                    "Slurm array task {id} (first {min}, {count} tasks) is not one of consecutive tasks; submit with --array=1-N"
                ))
            });
        }
        if let Some(index) = number("JOB_COMPLETION_INDEX")? {
            let count = shards.ok_or_else(|| {
                ShardError::Selection(
                    "JOB_COMPLETION_INDEX is set: give --shards N (the Job's completions)".into(),
                )
            })?;
            return Shard::new(index + 1, count);
        }
        Err(ShardError::Selection(
            "no shard: give --shard K/N, or run as a Slurm array task or a Kubernetes Indexed Job (with --shards N)".into(),
        ))
    }

    /// The part file name, `K-of-N.json`.
    pub fn part_name(&self) -> String {
        format!("{}-of-{}.json", self.index, self.count)
    }
}

/// The shard (0-based) of each planned file when cut into `count` shards: largest first (ties by
/// source path), each onto the lightest shard so far (ties by the lower shard).
pub fn assign_shards(files: &[PlanEntry], count: usize) -> Vec<usize> {
    let count = count.max(1);
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&files[a], &files[b]);
        fb.size
            .cmp(&fa.size)
            .then_with(|| fa.source.cmp(&fb.source))
    });
    let mut loads: BinaryHeap<Reverse<(u64, usize)>> =
        (0..count).map(|s| Reverse((0, s))).collect();
    let mut shard_of = vec![0; files.len()];
    for index in order {
        let Some(Reverse((load, shard))) = loads.pop() else {
            break;
        };
        if let Some(slot) = shard_of.get_mut(index) {
            *slot = shard;
        }
        let size = files.get(index).map_or(0, |f| f.size);
        loads.push(Reverse((load.saturating_add(size), shard)));
    }
    shard_of
}

/// The planned files (indices, ascending) shard `shard` delivers.
pub fn shard_files(plan: &PlanFile, shard: Shard) -> Vec<usize> {
    assign_shards(&plan.files, shard.count)
        .into_iter()
        .enumerate()
        .filter(|&(_, s)| s + 1 == shard.index)
        .map(|(i, _)| i)
        .collect()
}

/// The folder of a plan's shard parts.
pub fn parts_folder(plan: &PlanFile) -> PathBuf {
    plan.out_root
        .join(BOOKKEEPING_FOLDER)
        .join("shards")
        .join(&plan.id)
}

/// One track's waveform envelope, kept in the part for the sound reports.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PartEnvelope {
    /// Lowest sample of each slice.
    pub min: Vec<f32>,
    /// Highest sample of each slice.
    pub max: Vec<f32>,
}

/// One file's result in a shard's part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartFile {
    /// Index of the file in the plan.
    pub index: usize,
    /// What happened.
    pub outcome: FileOutcome,
    /// Per delivered track, the waveform envelope (empty when QC did not run).
    #[serde(default)]
    pub envelopes: Vec<PartEnvelope>,
}

impl PartFile {
    fn of(index: usize, outcome: FileOutcome) -> PartFile {
        let envelopes = outcome
            .qc
            .as_ref()
            .map(|qc| {
                qc.tracks
                    .iter()
                    .map(|t| PartEnvelope {
                        min: t.envelope.min.clone(),
                        max: t.envelope.max.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        PartFile {
            index,
            outcome,
            envelopes,
        }
    }

    /// The outcome with its QC envelopes put back.
    pub fn into_outcome(self) -> FileOutcome {
        let mut outcome = self.outcome;
        if let Some(qc) = outcome.qc.as_mut() {
            for (track, envelope) in qc.tracks.iter_mut().zip(self.envelopes) {
                track.envelope = Envelope {
                    min: envelope.min,
                    max: envelope.max,
                };
            }
        }
        outcome
    }
}

/// A shard's report part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardPart {
    /// [`PART_FORMAT`].
    pub format: String,
    /// The plan's id.
    pub plan_id: String,
    /// Which shard wrote it.
    pub shard: Shard,
    /// The machine and process that wrote it.
    pub writer: String,
    /// Per file of the shard's slice, in plan order.
    pub files: Vec<PartFile>,
}

impl ShardPart {
    /// Read a part; `None` when it is not a part of this format.
    pub fn read(path: &Path) -> Result<Option<ShardPart>, ShardError> {
        let bytes = fs::read(path).map_err(|source| ShardError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(serde_json::from_slice::<ShardPart>(&bytes)
            .ok()
            .filter(|p| p.format == PART_FORMAT))
    }
}

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
            crate::plan::existing_destination(file, &sub_plan.derivation)
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

/// Write `bytes` to `path` through a synced temp file beside it, renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".rollcall-")
        .suffix(crate::output::TEMP_SUFFIX)
        .tempfile_in(&folder)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    crate::output::sync_folder(&folder).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planfile::PlanChanges;

    fn entry(source: &str, size: u64) -> PlanEntry {
        PlanEntry {
            source: PathBuf::from(source),
            size,
            mtime: None,
            header_digest: String::new(),
            destination: source.to_string(),
            changes: PlanChanges::default(),
            channel_map: None,
            field_changes: Vec::new(),
            warnings: Vec::new(),
            file_uid: None,
            already_delivered: None,
            roll: None,
            findings: Vec::new(),
            ledger_entry: None,
        }
    }

    #[test]
    fn shards_are_parsed_and_checked() {
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "-1/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shard_comes_from_slurm_or_kubernetes_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let slurm = vars(&[
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_scheduler(&slurm, None).unwrap(),
            Shard { index: 3, count: 4 }
        );
        assert!(
            Shard::from_scheduler(&slurm, Some(5)).is_err(),
            "--shards disagrees"
        );
        let stepped = vars(&[
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert!(Shard::from_scheduler(&stepped, None).is_err());
        let k8s = vars(&[("JOB_COMPLETION_INDEX", "0")]);
        assert_eq!(
            Shard::from_scheduler(&k8s, Some(3)).unwrap(),
            Shard { index: 1, count: 3 }
        );
        assert!(Shard::from_scheduler(&k8s, None).is_err(), "needs --shards");
        assert!(Shard::from_scheduler(&vars(&[]), None).is_err());
    }

    #[test]
    fn slices_are_size_balanced_and_deterministic() {
        let files = vec![
            entry("a", 10),
            entry("b", 70),
            entry("c", 30),
            entry("d", 30),
            entry("e", 40),
            entry("f", 20),
        ];
        let shards = assign_shards(&files, 3);
        // Largest first onto the lightest: b->0, e->1, c->2, d->2 (30 < 40), f->1 (40 < 60), then
        // a on a tie of 60 and 60 -> the lower shard, 1.
        assert_eq!(shards, vec![1, 0, 2, 2, 1, 1]);
        let mut loads = [0u64; 3];
        for (file, shard) in files.iter().zip(&shards) {
            loads[*shard] += file.size;
        }
        assert_eq!(loads, [70, 70, 60]);
        let mut reversed = files.clone();
        reversed.reverse();
        let again = assign_shards(&reversed, 3);
        for (file, shard) in reversed.iter().zip(&again) {
            let at = files.iter().position(|f| f.source == file.source).unwrap();
            assert_eq!(shards[at], *shard, "same slice whatever the input order");
        }
        assert_eq!(assign_shards(&files, 1), vec![0; 6]);
    }

    #[test]
    fn file_times_round_trip_to_the_nanosecond() {
        for (secs, nanos) in [(1_700_000_000i64, 123_456_789u32), (0, 0), (-5, 250)] {
            let time = FileTime { secs, nanos };
            assert_eq!(FileTime::of(time.system_time().unwrap()), time);
        }
    }
}
