//! Shards of a plan: which files shard K of N delivers, where its report part goes, and how the
//! finish gathers the parts again.
//!
//! A shard's slice is deterministic and size-balanced: files largest first (ties by source path),
//! each onto the lightest shard so far (ties by shard number). Every shard writes its part to
//! `<out>/.rollcall/shards/<plan-id>/K-of-N.json`: per file its outcome (status, hashes for the
//! manifest, QC figures with the waveform envelope for the sound reports).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rollcall_qc::Envelope;
use serde::{Deserialize, Serialize};

use crate::execute::FileOutcome;
use crate::planfile::{PlanEntry, PlanFile};

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
    /// The part entry of a file's outcome, its QC envelopes kept beside it.
    pub fn of(index: usize, outcome: FileOutcome) -> PartFile {
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
    use crate::planfile::{FileTime, PlanChanges};

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
            supersedes: None,
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
