//! The delivery manifest: an ASC MHL v2.0 generation written into the output root after each run,
//! and the chain file updated (SPEC section 9). The model and the XML are `rollcall-mhl`'s; this
//! module reads and writes the files.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rollcall_mhl::{
    iso_date, Action, CreatorInfo, FileEntry, Generation, HashEntry, HashFormat, HashKind,
    MultiHasher, Process, Record, DEFAULT_IGNORE_PATTERNS,
};

use crate::execute::{ContentHash, FileStatus, RunSummary};
use crate::manifest_store::{io_error, load_history, record_generation, LoadedHistory};
use crate::output::LOCK_FILE;

pub use crate::manifest_store::ManifestError;

/// Patterns rollcall adds to every generation it writes: the per-roll sound reports (rewritten by
/// later runs, so not listed), temp files of a killed run, the output lock and the shards' parts (`.rollcall/`). Not anchored with a
/// leading `/`: the reference implementation matches patterns against absolute paths, where an
/// anchored pattern never matches.
pub const ROLLCALL_IGNORE_PATTERNS: [&str; 4] =
    ["reports/", "*.rollcall-partial", LOCK_FILE, ".rollcall/"];

/// How the manifest is written.
#[derive(Clone, Debug)]
pub struct ManifestOptions {
    /// List MD5 beside XXH128 (`[manifest] hashes = ["xxh128", "md5"]`).
    pub md5: bool,
    /// rollcall's version, written as the tool's.
    pub tool_version: String,
}

/// What a run's manifest says.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct WrittenManifest {
    /// The generation file written.
    pub generation: PathBuf,
    /// Files listed `original` (delivered in this run, and the run report).
    pub original: usize,
    /// Files listed `verified` (found already delivered, hashes from the previous generations).
    pub verified: usize,
    /// Files found already delivered that no earlier generation listed (or not with the hash
    /// formats asked for): read and hashed for this generation.
    pub rehashed: Vec<String>,
    /// Files found already delivered whose bytes differ from their record: listed `failed`.
    pub failed: Vec<String>,
    /// Delivered files that cannot be listed (outside the root, or a name that is not UTF-8).
    pub not_listed: Vec<PathBuf>,
}

/// Seconds since 1970 now.
pub(crate) fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// This machine's name, for `<hostname>`.
fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// `<creatorinfo>` for a generation rollcall writes now.
pub(crate) fn creator_info(tool_version: &str, now: i64) -> CreatorInfo {
    CreatorInfo {
        creation_date: iso_date(now),
        hostname: hostname(),
        tool: "rollcall".to_string(),
        tool_version: Some(tool_version.to_string()),
        location: None,
        comment: None,
    }
}

/// The ignore patterns of a new generation: the previous generation's (or the reference
/// implementation's defaults), then rollcall's own.
pub(crate) fn ignore_patterns(loaded: Option<&LoadedHistory>) -> Vec<String> {
    let mut patterns: Vec<String> = match loaded.and_then(|l| l.history.latest_ignore_patterns()) {
        Some(previous) => previous.to_vec(),
        None => DEFAULT_IGNORE_PATTERNS
            .iter()
            .map(|p| p.to_string())
            .collect(),
    };
    for pattern in ROLLCALL_IGNORE_PATTERNS {
        if !patterns.iter().any(|p| p == pattern) {
            patterns.push(pattern.to_string());
        }
    }
    patterns
}

/// Size and modification time (ISO 8601, UTC) of a file.
pub(crate) fn file_facts(path: &Path) -> Result<(u64, Option<String>), ManifestError> {
    let metadata = fs::metadata(path).map_err(io_error(path))?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| iso_date(d.as_secs() as i64));
    Ok((metadata.len(), modified))
}

/// Read a whole file once and hash it in the formats given; `progress` gets each block's length.
pub(crate) fn hash_file(
    path: &Path,
    formats: &[HashFormat],
    progress: &dyn Fn(u64),
) -> Result<Vec<(HashFormat, String)>, ManifestError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = MultiHasher::new(formats);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(path)(e)),
        };
        if let Some(block) = buffer.get(..n) {
            hasher.update(block);
            progress(n as u64);
        }
    }
    Ok(hasher.finish())
}

/// Hash entries for computed hashes, all with one action and date.
pub(crate) fn entries(
    hashes: &[(HashFormat, String)],
    action: Action,
    date: &str,
) -> Vec<HashEntry> {
    hashes
        .iter()
        .map(|(format, value)| HashEntry {
            kind: HashKind::Known(*format),
            value: value.clone(),
            action: Some(action),
            hash_date: Some(date.to_string()),
        })
        .collect()
}

/// A path below `root` as the manifest writes it (`/` between folders); `None` outside the root or
/// for a name that is not UTF-8.
pub(crate) fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let canonical = || {
        let (root, path) = (root.canonicalize().ok()?, path.canonicalize().ok()?);
        path.strip_prefix(root).ok().map(Path::to_path_buf)
    };
    let relative = match path.strip_prefix(root) {
        Ok(relative) => relative.to_path_buf(),
        Err(_) => canonical()?,
    };
    let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Write the run's generation into `out_root` (SPEC section 9): files delivered in this run and
/// `run_files` (the run report) as `original`, files found already delivered as `verified` with the
/// hashes of their earlier record. Nothing is written when the run delivered nothing and the tree has
/// no history yet.
pub fn write_manifest(
    out_root: &Path,
    summary: &RunSummary,
    run_files: &[PathBuf],
    options: &ManifestOptions,
) -> Result<Option<WrittenManifest>, ManifestError> {
    let loaded = load_history(out_root)?;
    let records = loaded
        .as_ref()
        .map(|l| l.history.records())
        .unwrap_or_default();
    let now = now_seconds();
    let date = iso_date(now);
    let mut formats = vec![HashFormat::Xxh128];
    if options.md5 {
        formats.push(HashFormat::Md5);
    }
    let mut written = WrittenManifest::default();
    let mut files: Vec<FileEntry> = Vec::new();
    let no_progress = |_: u64| {};
    for outcome in &summary.files {
        let Some(destination) = &outcome.destination else {
            continue;
        };
        let listed = matches!(
            outcome.status,
            FileStatus::Delivered | FileStatus::Recovered | FileStatus::AlreadyDelivered
        );
        let Some(path) = relative_path(out_root, destination) else {
            if listed {
                written.not_listed.push(destination.clone());
            }
            continue;
        };
        let (size, modified) = match outcome.status {
            FileStatus::Delivered | FileStatus::Recovered | FileStatus::AlreadyDelivered => {
                file_facts(destination)?
            }
            FileStatus::Withheld
            | FileStatus::Failed
            | FileStatus::Interrupted
            | FileStatus::Mirror => continue,
        };
        let hashes = if outcome.status == FileStatus::AlreadyDelivered {
            let (hashes, rehashed, failed) = already_delivered(
                destination,
                size,
                records.get(&path),
                outcome.content_hash.as_ref(),
                &formats,
                &date,
            )?;
            if rehashed {
                written.rehashed.push(path.clone());
            }
            if failed {
                written.failed.push(path.clone());
            } else if hashes.iter().any(|h| h.action == Some(Action::Verified)) {
                written.verified += 1;
            } else {
                written.original += 1;
            }
            hashes
        } else {
            let mut computed = Vec::new();
            if let Some(hash) = &outcome.content_hash {
                computed.push((HashFormat::Xxh128, hash.xxh128.clone()));
                if let (true, Some(md5)) = (options.md5, &hash.md5) {
                    computed.push((HashFormat::Md5, md5.clone()));
                }
            }
            let missing: Vec<HashFormat> = formats
                .iter()
                .filter(|format| computed.iter().all(|(f, _)| f != *format))
                .copied()
                .collect();
            // Every hash of a file this run wrote comes from the bytes as written (the hashing
            // writer in produce.rs), never from reading the file again.
            if let Some(format) = missing.first() {
                return Err(ManifestError::NotHashed {
                    path: destination.clone(),
                    format: format.name().to_string(),
                });
            }
            written.original += 1;
            entries(&computed, Action::Original, &date)
        };
        let left_by_a_crash =
            || crate::manifest_supersede::left_by_a_crash(out_root, &path, &records, &hashes);
        let superseded = match outcome.status {
            FileStatus::Delivered | FileStatus::Recovered => {
                outcome.superseded.clone().or_else(left_by_a_crash)
            }
            _ => None,
        };
        let previous_path = match &superseded {
            Some(moved_to) => crate::manifest_supersede::superseded_entries(
                &crate::manifest_supersede::Superseding {
                    path: &path,
                    size,
                    moved_to,
                    written_as: outcome.written_as.as_deref(),
                    hashes: &hashes,
                },
                &crate::manifest_supersede::GenerationContext {
                    out_root,
                    records: &records,
                    formats: &formats,
                    date: &date,
                },
                &mut written,
                &mut files,
            )?,
            None => None,
        };
        files.push(FileEntry {
            path,
            size: Some(size),
            last_modification_date: modified,
            hashes,
            previous_path,
        });
    }
    if files.is_empty() && loaded.is_none() {
        return Ok(None);
    }
    // The run's own files: small, written by this run, never rewritten.
    for run_file in run_files {
        let Some(path) = relative_path(out_root, run_file) else {
            continue;
        };
        let (size, modified) = file_facts(run_file)?;
        let computed = hash_file(run_file, &formats, &no_progress)?;
        written.original += 1;
        files.push(FileEntry {
            path,
            size: Some(size),
            last_modification_date: modified,
            hashes: entries(&computed, Action::Original, &date),
            previous_path: None,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let generation = Generation {
        creator: creator_info(&options.tool_version, now),
        process: Process::Transfer,
        ignore_patterns: ignore_patterns(loaded.as_ref()),
        files,
    };
    written.generation = record_generation(out_root, loaded.as_ref(), &generation, now)?;
    Ok(Some(written))
}

/// The hash entries of a file found already delivered. Hashes come from the run's own read of the
/// delivered file (`known`, the plan's check that it holds exactly this output), else from the
/// file's earlier record when its size still matches; a format neither has is computed by reading
/// the file. Each is `verified` against the record, `failed` when it differs, `original` when the
/// record has no such format. Also says whether the file was read here, and whether it differs.
fn already_delivered(
    destination: &Path,
    size: u64,
    record: Option<&Record>,
    known: Option<&ContentHash>,
    formats: &[HashFormat],
    date: &str,
) -> Result<(Vec<HashEntry>, bool, bool), ManifestError> {
    let recorded = |format: HashFormat| {
        record.and_then(|r| {
            r.hashes
                .iter()
                .find(|h| h.kind == HashKind::Known(format))
                .map(|h| h.value.clone())
        })
    };
    let mut computed: Vec<(HashFormat, String)> = Vec::new();
    if let Some(known) = known {
        computed.push((HashFormat::Xxh128, known.xxh128.clone()));
        if let Some(md5) = &known.md5 {
            computed.push((HashFormat::Md5, md5.clone()));
        }
    }
    // The record stands in for a format the run did not compute while it agrees with what the run
    // found.
    let agrees = computed
        .iter()
        .all(|(format, value)| recorded(*format).is_none_or(|r| &r == value));
    let size_matches = record.is_some_and(|r| r.size.is_none_or(|s| s == size));
    for format in formats {
        if computed.iter().all(|(f, _)| f != format) && agrees && size_matches {
            if let Some(value) = recorded(*format) {
                computed.push((*format, value));
            }
        }
    }
    let missing: Vec<HashFormat> = formats
        .iter()
        .filter(|format| computed.iter().all(|(f, _)| f != *format))
        .copied()
        .collect();
    let rehashed = !missing.is_empty();
    if rehashed {
        computed.extend(hash_file(destination, &missing, &|_| {})?);
    }
    let mut differs = false;
    let mut result = Vec::new();
    for (format, value) in &computed {
        let action = match recorded(*format) {
            Some(expected) if &expected == value => Action::Verified,
            Some(_) => {
                differs = true;
                Action::Failed
            }
            None => Action::Original,
        };
        result.extend(entries(&[(*format, value.clone())], action, date));
    }
    Ok((result, rehashed, differs))
}
