//! Writing every planned file once, in parallel: temp name in the final folder, synced, renamed
//! without replacing anything, then verified.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rollcall_wav::{digest_audio, read_header, write_file, AudioDigest, WriteOptions};

use rollcall_findings::Finding;

use crate::plan::{Plan, PlannedFile};

/// Suffix of the temp files a run writes before renaming them into place.
pub const TEMP_SUFFIX: &str = ".rollcall-partial";

/// How a run writes.
#[derive(Clone, Debug)]
pub struct ExecuteOptions {
    /// Worker threads (default: one per core).
    pub jobs: Option<usize>,
    /// Verify each output's audio against its source after writing.
    pub verify: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Writer options (block size, RF64 threshold).
    pub write: WriteOptions,
    /// Deliver files with an `error` finding instead of withholding them (`[output] deliver_on_error`).
    pub deliver_on_error: bool,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            jobs: None,
            verify: true,
            progress: false,
            write: WriteOptions::default(),
            deliver_on_error: false,
        }
    }
}

/// What happened to one input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Written and verified.
    Delivered,
    /// An unfinalized take whose audio was recovered from the bytes on disk, written and verified.
    Recovered,
    /// The destination already held exactly this output; left alone.
    AlreadyDelivered,
    /// Not delivered because of an `error` finding (or a collision with another take).
    Withheld,
    /// Could not be read, a step failed, or it could not be written.
    Failed,
}

impl FileStatus {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Delivered => "delivered",
            FileStatus::Recovered => "recovered",
            FileStatus::AlreadyDelivered => "already-delivered",
            FileStatus::Withheld => "withheld",
            FileStatus::Failed => "failed",
        }
    }
}

/// The result of one input file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileOutcome {
    /// The source file.
    pub source: PathBuf,
    /// Where it was (or would have been) delivered.
    pub destination: Option<PathBuf>,
    /// What happened.
    pub status: FileStatus,
    /// Why it failed.
    pub reason: Option<String>,
    /// Audio checksum of the delivered file (xxh3-128 over the per-channel digests).
    pub checksum: Option<String>,
    /// Warnings from the steps and the engine.
    pub warnings: Vec<String>,
    /// Findings of the checks, QC and report reconciliation about this file.
    pub findings: Vec<Finding>,
    /// Hashes of the whole delivered file's bytes as written (for the delivery manifest).
    pub content_hash: Option<ContentHash>,
}

/// Hashes of a delivered file's bytes, as lowercase hex (the forms ASC MHL uses).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContentHash {
    /// XXH3-128 of the whole file (ASC MHL `xxh128`).
    pub xxh128: String,
    /// MD5 of the whole file, when the recipe asks for it.
    pub md5: Option<String>,
}

/// The results of a run.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunSummary {
    /// One outcome per input file: skipped inputs first, then planned files.
    pub files: Vec<FileOutcome>,
    /// Findings about rolls or the whole batch (not about one file).
    pub findings: Vec<Finding>,
}

impl RunSummary {
    /// How many files failed.
    pub fn failed(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.status, FileStatus::Failed | FileStatus::Withheld))
            .count()
    }
}

/// The report's audio checksum: xxh3-128 over the per-channel digests, as hex.
pub fn checksum(digest: &AudioDigest) -> String {
    let mut bytes = Vec::with_capacity(digest.channels.len() * 16);
    for channel in &digest.channels {
        bytes.extend_from_slice(&channel.to_le_bytes());
    }
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// Write every planned file (in parallel), then verify it; never replaces an existing file.
pub fn execute(plan: &Plan, options: &ExecuteOptions) -> RunSummary {
    let mut summary = RunSummary::default();
    for skipped in &plan.skipped {
        summary.files.push(FileOutcome {
            source: skipped.path.clone(),
            destination: None,
            status: FileStatus::Failed,
            reason: Some(skipped.reason.clone()),
            checksum: None,
            warnings: Vec::new(),
            findings: Vec::new(),
            content_hash: None,
        });
    }
    remove_leftover_temp_files(plan);
    let total: u64 = plan
        .files
        .iter()
        .filter(|f| f.already_delivered.is_none())
        .map(|f| f.source_len)
        .sum();
    let bar = if options.progress {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let done = std::sync::atomic::AtomicUsize::new(0);
    let count = plan.files.len();
    let batches = batches(&plan.files);
    let deliver_all = || {
        batches
            .par_iter()
            .flat_map_iter(|batch| {
                let outcomes = deliver_batch(batch, &plan.derivation, options, &bar);
                let finished =
                    done.fetch_add(batch.len(), std::sync::atomic::Ordering::Relaxed) + batch.len();
                bar.set_message(format!("{finished}/{count} files"));
                outcomes
            })
            .collect::<Vec<_>>()
    };
    // Writers spend much of their time waiting for `fsync`; more writers than cores keep the cores
    // busy meanwhile, and concurrent syncs share the file system's journal commits.
    let jobs = options.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get()) * WRITERS_PER_CORE
    });
    let outcomes = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(deliver_all),
        Err(_) => deliver_all(),
    };
    sync_folders(&outcomes);
    bar.finish_and_clear();
    summary.files.extend(outcomes);
    summary
}

/// Files written at once per core when `jobs` is not given (writers mostly wait for their sync).
const WRITERS_PER_CORE: usize = 4;

/// Make the renames durable: sync each folder that received a file, once, after all its files.
fn sync_folders(outcomes: &[FileOutcome]) {
    let folders: BTreeSet<&Path> = outcomes
        .iter()
        .filter(|o| o.status == FileStatus::Delivered)
        .filter_map(|o| o.destination.as_deref().and_then(Path::parent))
        .collect();
    folders.par_iter().for_each(|folder| {
        if let Ok(dir) = File::open(folder) {
            let _ = dir.sync_all();
        }
    });
}

/// Deliver a batch of files: write them all under temp names, then sync, rename and verify each. The
/// first sync of a batch flushes the data of the whole batch (the file system commits it together),
/// so small files do not pay one flush each; nothing is renamed before it is synced.
fn deliver_batch(
    batch: &[PlannedFile],
    derivation: &str,
    options: &ExecuteOptions,
    bar: &ProgressBar,
) -> Vec<FileOutcome> {
    let withheld: Vec<Option<String>> = batch
        .iter()
        .map(|file| {
            if options.deliver_on_error || file.already_delivered.is_some() {
                None
            } else {
                crate::checks::withholding(&file.findings)
            }
        })
        .collect();
    let written: Vec<Option<Result<WrittenTemp, String>>> = batch
        .iter()
        .zip(&withheld)
        .map(|(file, withheld)| {
            (file.already_delivered.is_none() && withheld.is_none())
                .then(|| write_temp(file, derivation, options, bar))
        })
        .collect();
    batch
        .iter()
        .zip(written)
        .zip(withheld)
        .map(|((file, written), withheld)| {
            let mut outcome = FileOutcome {
                source: file.source.clone(),
                destination: Some(file.destination.clone()),
                status: FileStatus::Delivered,
                reason: None,
                checksum: None,
                warnings: file.warnings.clone(),
                findings: file.findings.clone(),
                content_hash: None,
            };
            if let Some(reason) = withheld {
                outcome.status = FileStatus::Withheld;
                outcome.reason = Some(reason);
                return outcome;
            }
            let result = match written {
                None => {
                    outcome.status = FileStatus::AlreadyDelivered;
                    outcome.checksum = file.already_delivered.clone();
                    return outcome;
                }
                Some(written) => written.and_then(|w| finish_temp(file, w, options)),
            };
            match result {
                Ok(checksum) => outcome.checksum = Some(checksum),
                Err(reason) => {
                    outcome.status = FileStatus::Failed;
                    outcome.reason = Some(reason);
                }
            }
            outcome
        })
        .collect()
}

/// Consecutive planned files written together: up to [`BATCH_FILES`] files of at most
/// [`BATCH_FILE_BYTES`] each, or one larger file alone.
fn batches(files: &[PlannedFile]) -> Vec<&[PlannedFile]> {
    let mut batches = Vec::new();
    let mut start = 0;
    while start < files.len() {
        let mut end = start + 1;
        let small = |f: &PlannedFile| f.source_len <= BATCH_FILE_BYTES;
        if files.get(start).is_some_and(small) {
            while end < files.len()
                && end - start < BATCH_FILES
                && files.get(end).is_some_and(small)
            {
                end += 1;
            }
        }
        if let Some(batch) = files.get(start..end) {
            batches.push(batch);
        }
        start = end;
    }
    batches
}

/// Files of at most this size are written in batches.
const BATCH_FILE_BYTES: u64 = 4 << 20;

/// Most files in one batch (each holds an open temp file until the batch is synced).
const BATCH_FILES: usize = 32;

/// A file written under its temp name in its final folder, not yet synced or renamed.
struct WrittenTemp {
    temp: tempfile::NamedTempFile,
    /// The per-channel digests the output must have (the source's, permuted).
    expected: Vec<u128>,
}

/// Write one file under a temp name in its final folder (not yet synced).
fn write_temp(
    file: &PlannedFile,
    derivation: &str,
    options: &ExecuteOptions,
    bar: &ProgressBar,
) -> Result<WrittenTemp, String> {
    let destination = &file.destination;
    let folder = destination
        .parent()
        .ok_or_else(|| format!("{}: no folder", destination.display()))?;
    fs::create_dir_all(folder).map_err(|e| format!("creating {}: {e}", folder.display()))?;

    let (take, rendered) = file.render(derivation)?;
    let mut source =
        File::open(&file.source).map_err(|e| format!("opening the source again: {e}"))?;

    let file_name = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(folder)
        .map_err(|e| format!("creating a temp file in {}: {e}", folder.display()))?;
    // `write_file` buffers small writes itself and writes the audio in whole blocks.
    let mut writer = ProgressWriter {
        inner: temp.as_file(),
        bar,
    };
    let report = write_file(
        &mut source,
        &take.header,
        &rendered.layout,
        rendered.map.as_ref(),
        &mut writer,
        &options.write,
    )
    .map_err(|e| format!("writing {}: {e}", destination.display()))?;
    writer
        .flush()
        .map_err(|e| format!("writing {}: {e}", destination.display()))?;
    // The writer reports each output channel's digest as its source channel's (permuted as planned).
    let expected = report.output_audio.channels;
    Ok(WrittenTemp { temp, expected })
}

/// Sync a written temp file, rename it into place without replacing anything, and verify it.
fn finish_temp(
    file: &PlannedFile,
    written: WrittenTemp,
    options: &ExecuteOptions,
) -> Result<String, String> {
    let destination = &file.destination;
    // The contents and the length must be on disk before the rename (a crash never leaves a half
    // file under its final name); `sync_data` skips only timestamps, which no reader depends on.
    written
        .temp
        .as_file()
        .sync_data()
        .map_err(|e| format!("syncing {}: {e}", destination.display()))?;
    written.temp.persist_noclobber(destination).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            format!(
                "{} appeared during the run; it was not replaced",
                destination.display()
            )
        } else {
            format!("renaming into {}: {}", destination.display(), e.error)
        }
    })?;
    if options.verify {
        let verified = verify(destination, &written.expected);
        if let Err(reason) = verified {
            let _ = fs::remove_file(destination);
            return Err(format!("verification failed, output removed: {reason}"));
        }
    }
    Ok(checksum(&AudioDigest {
        channels: written.expected,
    }))
}

/// Read the delivered file back and compare each channel's audio digest with the expected one.
fn verify(destination: &Path, expected: &[u128]) -> Result<(), String> {
    let mut delivered = File::open(destination).map_err(|e| e.to_string())?;
    let header = read_header(&mut delivered).map_err(|e| e.to_string())?;
    let digest = digest_audio(&mut delivered, &header).map_err(|e| e.to_string())?;
    if digest.channels.len() != expected.len() {
        return Err(format!(
            "{} channels written, {} expected",
            digest.channels.len(),
            expected.len()
        ));
    }
    for (channel, (got, want)) in digest.channels.iter().zip(expected).enumerate() {
        if got != want {
            return Err(format!("channel {} differs from its source", channel + 1));
        }
    }
    Ok(())
}

/// Remove temp files a killed run left in the folders this run writes to.
fn remove_leftover_temp_files(plan: &Plan) {
    let folders: BTreeSet<&Path> = plan
        .files
        .iter()
        .filter_map(|f| f.destination.parent())
        .collect();
    for folder in folders {
        let Ok(entries) = fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// A writer that advances the progress bar by what it writes.
struct ProgressWriter<'a, W: Write> {
    inner: W,
    bar: &'a ProgressBar,
}

impl<W: Write> Write for ProgressWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
