//! Writing every planned file once, in parallel: temp name in the final folder, synced, renamed
//! without replacing anything, then verified.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rollcall_findings::Finding;
use rollcall_qc::QcSettings;
use rollcall_take::SourceTake;
use rollcall_wav::{read_header, WriteOptions};

use crate::output::{is_stale_temp, temp_owner_tag, CreatedFolders, TEMP_SUFFIX};
use crate::plan::{Plan, PlannedFile};
use crate::produce::{hex128, produce, HashingWriter};
use crate::qc::{self, DeliveryQc, TakeQc};

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
    /// Set (by a Ctrl-C handler) to stop starting new files; files being written are abandoned.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Also hash each written file's bytes with MD5 (`[manifest] hashes` has `md5`), into
    /// [`ContentHash::md5`].
    pub md5: bool,
    /// Audio QC thresholds (the recipe's `[qc]`); measured in the write pass.
    pub qc: QcSettings,
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
            interrupt: None,
            md5: false,
            qc: QcSettings::default(),
            deliver_on_error: false,
        }
    }
}

/// What happened to one input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Not written because the run was interrupted; the same command finishes it.
    Interrupted,
    /// The same take (same `FILE_UID`, same audio) as a file on another card, delivered from there.
    Mirror,
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
            FileStatus::Interrupted => "interrupted",
            FileStatus::Mirror => "mirror",
        }
    }
}

/// The result of one input file.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FileOutcome {
    /// The source file.
    pub source: PathBuf,
    /// Where it was (or would have been) delivered.
    pub destination: Option<PathBuf>,
    /// What happened.
    pub status: FileStatus,
    /// Why it failed or was withheld; for a recovered take, what was repaired.
    pub reason: Option<String>,
    /// XXH3-128 of the whole delivered file as lowercase hex (what `xxhsum -H2 FILE` prints).
    pub checksum: Option<String>,
    /// Warnings from the steps and the engine.
    pub warnings: Vec<String>,
    /// Findings of the checks, QC and report reconciliation about this file.
    pub findings: Vec<Finding>,
    /// Hashes of the whole delivered file's bytes as written (for the delivery manifest).
    pub content_hash: Option<ContentHash>,
    /// Audio QC of the delivered file, per delivered track (none when not written or QC is off).
    pub qc: Option<TakeQc>,
    /// With `--supersede`: where the destination's earlier version was moved, relative to the
    /// output root (`superseded/<UTC time>/<destination>`).
    #[serde(default)]
    pub superseded: Option<String>,
    /// The temp name the file was written under before it was renamed into place, relative to the
    /// output root (the manifest records that rename when the file supersedes another version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_as: Option<String>,
}

/// Hashes of a delivered file's bytes, as lowercase hex (the forms ASC MHL uses).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

    /// Whether the run was interrupted before every file was written.
    pub fn interrupted(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.status == FileStatus::Interrupted)
    }
}

/// Write every planned file (in parallel), then verify it; never replaces an existing file.
pub fn execute(plan: &Plan, options: &ExecuteOptions) -> RunSummary {
    let mut summary = RunSummary::default();
    for skipped in &plan.skipped {
        summary.files.push(FileOutcome {
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
    remove_stale_temp_files(plan);
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
    let (jobs, batch_files) = writers_and_batch(options.jobs);
    let done = AtomicUsize::new(0);
    let count = plan.files.len();
    let batches = batches(&plan.files, batch_files);
    let folders = CreatedFolders::default();
    let context = DeliveryContext {
        plan,
        options,
        bar: &bar,
        folders: &folders,
        owner_tag: temp_owner_tag(),
        superseded_stamp: crate::supersede::superseded_stamp(std::time::SystemTime::now()),
    };
    let deliver_all = || {
        batches
            .par_iter()
            .flat_map_iter(|batch| {
                let outcomes = deliver_batch(batch, &context);
                let finished = done.fetch_add(batch.len(), Ordering::Relaxed) + batch.len();
                bar.set_message(format!("{finished}/{count} files"));
                outcomes
            })
            .collect::<Vec<_>>()
    };
    let mut outcomes = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(deliver_all),
        Err(_) => deliver_all(),
    };
    // Make the renames and the new folders durable, up to the output root.
    let received: BTreeSet<PathBuf> = outcomes
        .iter()
        .filter(|o| matches!(o.status, FileStatus::Delivered | FileStatus::Recovered))
        .filter_map(|o| o.destination.as_deref().and_then(Path::parent))
        .map(Path::to_path_buf)
        .collect();
    if let Err(reason) = folders.sync(&plan.out_root, &received) {
        for outcome in &mut outcomes {
            if outcome
                .destination
                .as_deref()
                .and_then(Path::parent)
                .is_some_and(|p| received.contains(p))
                && matches!(
                    outcome.status,
                    FileStatus::Delivered | FileStatus::Recovered
                )
            {
                outcome.status = FileStatus::Failed;
                outcome.reason = Some(format!("written, but not durable: {reason}"));
            }
        }
    }
    bar.finish_and_clear();
    summary.files.extend(outcomes);
    summary
}

/// Files written at once per core when `jobs` is not given (writers mostly wait for their sync).
const WRITERS_PER_CORE: usize = 4;

/// Most files in one batch (each holds an open temp file until the batch is synced).
const BATCH_FILES: usize = 32;

/// Files of at most this size are written in batches.
const BATCH_FILE_BYTES: u64 = 4 << 20;

/// Descriptors one writer holds besides its batch: the source, the verification read-back, a
/// folder being synced.
const WRITER_DESCRIPTORS: u64 = 3;

/// How many writers run at once (`jobs`, or four per core) and how many files each batches, such
/// that every open file fits in the process's descriptor limit (raised to its hard limit first).
/// No file may fail because descriptors ran out.
fn writers_and_batch(jobs: Option<usize>) -> (usize, usize) {
    let wanted = jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, |n| n.get()) * WRITERS_PER_CORE
        })
        .max(1) as u64;
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    // Kept for everything else: stdio, plugins, the lock, the report.
    let spare = (limit / 2).min(64);
    let usable = limit.saturating_sub(spare);
    let writers = wanted.min(usable / (WRITER_DESCRIPTORS + 1)).max(1);
    let batch = (usable / writers)
        .saturating_sub(WRITER_DESCRIPTORS)
        .clamp(1, BATCH_FILES as u64);
    (
        usize::try_from(writers).unwrap_or(1),
        usize::try_from(batch).unwrap_or(1),
    )
}

/// What every writer shares.
struct DeliveryContext<'a> {
    plan: &'a Plan,
    options: &'a ExecuteOptions,
    bar: &'a ProgressBar,
    folders: &'a CreatedFolders,
    owner_tag: String,
    /// The `superseded/<UTC time>` folder name of this run.
    superseded_stamp: String,
}

impl DeliveryContext<'_> {
    fn interrupted(&self) -> bool {
        self.options
            .interrupt
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

/// Deliver a batch of files: write them all under temp names, then sync, rename and verify each. The
/// first sync of a batch flushes the data of the whole batch (the file system commits it together),
/// so small files do not pay one flush each; nothing is renamed before it is synced.
fn deliver_batch(batch: &[PlannedFile], context: &DeliveryContext<'_>) -> Vec<FileOutcome> {
    let withheld: Vec<Option<String>> = batch
        .iter()
        .map(|file| {
            if context.options.deliver_on_error || file.already_delivered.is_some() {
                None
            } else {
                crate::checks::withholding(&file.findings)
            }
        })
        .collect();
    let written: Vec<Option<Result<WrittenTemp, Failure>>> = batch
        .iter()
        .zip(&withheld)
        .map(|(file, withheld)| {
            if file.already_delivered.is_some() || withheld.is_some() {
                None
            } else if context.interrupted() {
                Some(Err(Failure::Interrupted))
            } else {
                Some(write_temp(file, context))
            }
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
                qc: None,
                superseded: None,
                written_as: None,
            };
            if let Some(reason) = withheld {
                outcome.status = FileStatus::Withheld;
                outcome.reason = Some(reason);
                return outcome;
            }
            let result = match written {
                None => {
                    outcome.status = FileStatus::AlreadyDelivered;
                    if let Some(hash) = &file.already_delivered {
                        outcome.checksum = Some(hash.clone());
                        outcome.content_hash = Some(ContentHash {
                            xxh128: hash.clone(),
                            md5: None,
                        });
                    }
                    return outcome;
                }
                Some(written) => written.and_then(|w| finish_temp(file, w, context)),
            };
            match result {
                Ok(delivered) => {
                    outcome.checksum = Some(delivered.xxh128.clone());
                    outcome.content_hash = Some(ContentHash {
                        xxh128: delivered.xxh128,
                        md5: delivered.md5,
                    });
                    outcome.superseded = delivered.superseded;
                    outcome.written_as = delivered.written_as;
                    if let Some(repaired) = delivered.recovered {
                        outcome.status = FileStatus::Recovered;
                        outcome.reason = Some(repaired);
                    }
                    match delivered.qc {
                        Some(Ok(qc)) => {
                            outcome.findings.extend(qc::qc_findings(&file.source, &qc));
                            outcome.qc = Some(qc);
                        }
                        Some(Err(reason)) => outcome
                            .warnings
                            .push(format!("audio QC not measured: {reason}")),
                        None => {}
                    }
                }
                Err(Failure::Interrupted) => {
                    outcome.status = FileStatus::Interrupted;
                    outcome.reason =
                        Some("the run was interrupted before this file was written".to_string());
                }
                Err(Failure::Reason(reason)) => {
                    outcome.status = FileStatus::Failed;
                    outcome.reason = Some(reason);
                }
            }
            outcome
        })
        .collect()
}

/// Why a file was not delivered.
enum Failure {
    /// The run was interrupted first.
    Interrupted,
    /// It failed, for this reason.
    Reason(String),
}

impl From<String> for Failure {
    fn from(reason: String) -> Failure {
        Failure::Reason(reason)
    }
}

/// Consecutive planned files written together: up to `most` files of at most
/// [`BATCH_FILE_BYTES`] each, or one larger file alone.
fn batches(files: &[PlannedFile], most: usize) -> Vec<&[PlannedFile]> {
    let mut batches = Vec::new();
    let mut start = 0;
    while start < files.len() {
        let mut end = start + 1;
        let small = |f: &PlannedFile| f.source_len <= BATCH_FILE_BYTES;
        if files.get(start).is_some_and(small) {
            while end < files.len() && end - start < most && files.get(end).is_some_and(small) {
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

/// The identity of a source file at one moment: a change to any of these means it was rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SourceStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl SourceStamp {
    fn of(meta: &fs::Metadata) -> SourceStamp {
        SourceStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// A file written under its temp name in its final folder, not yet synced or renamed.
struct WrittenTemp {
    temp: tempfile::NamedTempFile,
    /// XXH3-128 of every byte written.
    xxh128: u128,
    /// MD5 of every byte written (lowercase hex), when the options ask for it.
    md5: Option<String>,
    /// Bytes written.
    len: u64,
    /// Whole frames of audio written (the source's, all of them).
    frames: u64,
    /// What was repaired, for a recovered take.
    recovered: Option<String>,
    /// The source as it was while it was read.
    stamp: SourceStamp,
    /// Audio QC of what was written (or why not); none when QC is off.
    qc: Option<Result<TakeQc, String>>,
}

/// What a delivered file's outcome records.
struct Delivered {
    xxh128: String,
    md5: Option<String>,
    recovered: Option<String>,
    qc: Option<Result<TakeQc, String>>,
    /// Where the earlier version went, relative to the output root.
    superseded: Option<String>,
    /// The temp name it was written under, relative to the output root.
    written_as: Option<String>,
}

/// Write one file under a temp name in its final folder (not yet synced). The source is opened once:
/// the header and the audio are read through the same handle, and a source that changes while it
/// is read fails the file.
fn write_temp(file: &PlannedFile, context: &DeliveryContext<'_>) -> Result<WrittenTemp, Failure> {
    let destination = &file.destination;
    let relative_folder = file
        .relative_destination
        .rsplit_once('/')
        .map_or("", |(folder, _)| folder);
    let folder = context
        .folders
        .create(&context.plan.out_root, relative_folder)?;

    let source_file = File::open(&file.source).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            format!("the source is gone since it was planned: {e}")
        } else {
            format!("opening the source again: {e}")
        }
    })?;
    let before = source_file
        .metadata()
        .map_err(|e| format!("examining the source: {e}"))?;
    if before.len() != file.source_len || before.modified().ok() != file.source_modified {
        return Err("the source changed after it was planned; run again"
            .to_string()
            .into());
    }
    let stamp = SourceStamp::of(&before);
    let source = SourceTake::read_open(&file.source, &source_file).map_err(|e| {
        format!("the source changed after it was planned and cannot be read now: {e}")
    })?;
    let rendered = rollcall_take::render(&source, &file.changes, &context.plan.derivation)
        .map_err(|e| e.to_string())?;

    let file_name = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Mode 0666 before the umask, as `cp` creates files (tempfile's own default is 0600).
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}{}", context.owner_tag))
        .suffix(TEMP_SUFFIX)
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(&folder)
        .map_err(|e| format!("creating a temp file in {}: {e}", folder.display()))?;
    let mut writer = HashingWriter::new(InterruptibleWriter {
        inner: ProgressWriter {
            inner: temp.as_file(),
            bar: context.bar,
        },
        interrupt: context.options.interrupt.as_deref(),
    })
    .with_md5(context.options.md5);
    let mut audio_qc = DeliveryQc::new(&context.options.qc, &source, &rendered, &file.changes);
    let report = produce(
        &source_file,
        &source,
        &rendered,
        &mut writer,
        &context.options.write,
        &mut audio_qc,
    );
    let report = match report {
        Ok(report) => report,
        Err(_) if context.interrupted() => return Err(Failure::Interrupted),
        Err(e) => return Err(format!("writing {}: {e}", destination.display()).into()),
    };
    writer
        .flush()
        .map_err(|e| format!("writing {}: {e}", destination.display()))?;
    let after = source_file
        .metadata()
        .map_err(|e| format!("examining the source: {e}"))?;
    if SourceStamp::of(&after) != stamp {
        return Err("the source changed while it was being copied; run again"
            .to_string()
            .into());
    }
    // The engine's own guarantee: a delivered take holds every whole frame the source holds.
    if report.frames != source.header.frames() {
        return Err(format!(
            "internal error: {} frames written but the source holds {}; not delivered",
            report.frames,
            source.header.frames()
        )
        .into());
    }
    let (xxh128, len, md5) = (writer.xxh128(), writer.bytes_written(), writer.take_md5());
    Ok(WrittenTemp {
        temp,
        xxh128,
        md5,
        len,
        frames: report.frames,
        recovered: source
            .header
            .recovery
            .as_ref()
            .map(|r| r.describe(source.header.fmt.block_align)),
        stamp,
        qc: audio_qc.finish(),
    })
}

/// Sync a written temp file, rename it into place without replacing anything, and verify it.
fn finish_temp(
    file: &PlannedFile,
    written: WrittenTemp,
    context: &DeliveryContext<'_>,
) -> Result<Delivered, Failure> {
    let destination = &file.destination;
    // The contents and the length must be on disk before the rename (a crash never leaves a half
    // file under its final name); `sync_data` skips only timestamps, which no reader depends on.
    written
        .temp
        .as_file()
        .sync_data()
        .map_err(|e| format!("syncing {}: {e}", destination.display()))?;
    // The source must still be what was read: same file, same size, same times.
    let now = fs::metadata(&file.source)
        .map_err(|e| format!("the source is gone since it was copied: {e}"))?;
    if SourceStamp::of(&now) != written.stamp {
        return Err("the source changed while it was being copied; run again"
            .to_string()
            .into());
    }
    // `--supersede`: the other version is moved aside only now, right before the new one takes
    // its name; a crash in between leaves it under `superseded/` and the same command finishes.
    let superseded = match &file.supersedes {
        Some(_) => {
            let moved_to = crate::supersede::superseded_relative(
                &context.superseded_stamp,
                &file.relative_destination,
            );
            crate::supersede::move_aside(&context.plan.out_root, destination, &moved_to)?
                .then_some(moved_to)
        }
        None => None,
    };
    let written_as = (|| {
        let temp_name = written.temp.path().file_name()?.to_str()?.to_string();
        Some(match file.relative_destination.rsplit_once('/') {
            Some((folder, _)) => format!("{folder}/{temp_name}"),
            None => temp_name,
        })
    })();
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
    if context.options.verify {
        if let Err(reason) = verify(destination, written.len, written.xxh128, written.frames) {
            let _ = fs::remove_file(destination);
            return Err(format!("verification failed, output removed: {reason}").into());
        }
    }
    Ok(Delivered {
        xxh128: hex128(written.xxh128),
        md5: written.md5,
        recovered: written.recovered,
        qc: written.qc,
        superseded,
        written_as,
    })
}

/// Read the delivered file back: its bytes must hash as what was written, and its header must
/// declare every frame that was written.
fn verify(destination: &Path, len: u64, xxh128: u128, frames: u64) -> Result<(), String> {
    let mut delivered = File::open(destination).map_err(|e| e.to_string())?;
    let header = read_header(&mut delivered).map_err(|e| e.to_string())?;
    if header.frames() != frames || header.recovery.is_some() {
        return Err(format!(
            "the delivered file declares {} frames, {frames} were written",
            header.frames()
        ));
    }
    let mut hasher = HashingWriter::new(io::sink());
    let mut reader = &delivered;
    io::Seek::seek(&mut reader, io::SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    // A small file's own size, not a whole block: zeroing 1 MiB per file was 4% of a run of small takes.
    let mut buffer =
        vec![0u8; usize::try_from(len).map_or(VERIFY_BLOCK, |l| l.clamp(1, VERIFY_BLOCK))];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        };
        hasher
            .write_all(buffer.get(..n).unwrap_or_default())
            .map_err(|e| e.to_string())?;
    }
    if hasher.bytes_written() != len {
        return Err(format!(
            "{} bytes on disk, {len} were written",
            hasher.bytes_written()
        ));
    }
    if hasher.xxh128() != xxh128 {
        return Err("the bytes on disk differ from the bytes written".to_string());
    }
    Ok(())
}

/// Read-back block size for verification.
const VERIFY_BLOCK: usize = 1 << 20;

/// Remove temp files that killed runs of this host left in the folders this run writes to. Temp
/// files of live processes or of other hosts are never touched.
fn remove_stale_temp_files(plan: &Plan) {
    let host = crate::output::host_name();
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
            if is_stale_temp(&name.to_string_lossy(), &host) {
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

/// A writer that stops with an error once the run is interrupted (the temp file is then removed).
struct InterruptibleWriter<'a, W: Write> {
    inner: W,
    interrupt: Option<&'a AtomicBool>,
}

impl<W: Write> Write for InterruptibleWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self
            .interrupt
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
        {
            return Err(io::Error::other("the run was interrupted"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
