//! The delivery manifest: an ASC MHL v2.0 generation written into the output root after each run,
//! and the chain file updated (SPEC section 9). The model and the XML are `rollcall-mhl`'s; this
//! module reads and writes the files.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rollcall_mhl::{
    c4_id, generation_file_name, generation_number, iso_date, read_chain, read_generation,
    write_chain, write_generation, Action, Chain, ChainLink, CreatorInfo, FileEntry, Generation,
    HashEntry, HashFormat, HashKind, History, MhlError, MultiHasher, Process, Record,
    ASCMHL_FOLDER, CHAIN_FILE_NAME, DEFAULT_IGNORE_PATTERNS,
};

use crate::execute::{ContentHash, FileStatus, RunSummary};
use crate::output::{LOCK_FILE, TEMP_SUFFIX};

/// Largest generation or chain file read, in bytes (a generation of a million files is ~300 MB).
const MAX_MANIFEST_FILE_BYTES: u64 = 1 << 30;

/// Patterns rollcall adds to every generation it writes: the per-roll sound reports (rewritten by
/// later runs, so not listed), temp files of a killed run and the output lock. Not anchored with a leading `/`: the
/// reference implementation matches patterns against absolute paths, where an anchored pattern never
/// matches.
pub const ROLLCALL_IGNORE_PATTERNS: [&str; 3] = ["reports/", "*.rollcall-partial", LOCK_FILE];

/// How the manifest is written.
#[derive(Clone, Debug)]
pub struct ManifestOptions {
    /// List MD5 beside XXH128 (`[manifest] hashes = ["xxh128", "md5"]`).
    pub md5: bool,
    /// rollcall's version, written as the tool's.
    pub tool_version: String,
}

/// Why the manifest could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The tree has no `ascmhl/ascmhl_chain.xml` (or no generation).
    #[error("no ASC MHL manifest in {}: no generation in its ascmhl folder", .0.display())]
    NoManifest(PathBuf),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A generation or the chain file cannot be read.
    #[error("{}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: MhlError,
    },
    /// A generation file's c4 id is not the one the chain lists: it was changed after it was written.
    #[error("{} does not match its c4 id in the chain file: the manifest was changed", .0.display())]
    Modified(PathBuf),
    /// A generation the chain lists is missing.
    #[error("{} is listed in the chain file but missing", .0.display())]
    MissingGeneration(PathBuf),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ManifestError + '_ {
    move |source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    }
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
}

/// A tree's `ascmhl` folder, read and checked against its chain.
pub(crate) struct LoadedHistory {
    /// The chain file's generations.
    pub chain: Chain,
    /// The generations.
    pub history: History,
}

/// Read a tree's history: the chain, and every generation file (each checked against its c4 id in
/// the chain). `None` when the tree has no `ascmhl` folder or it holds no generation.
pub(crate) fn load_history(root: &Path) -> Result<Option<LoadedHistory>, ManifestError> {
    let folder = root.join(ASCMHL_FOLDER);
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(&folder)(e)),
    };
    let mut generation_files = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(io_error(&folder))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(number) = generation_number(&name) {
            generation_files.insert(name, number);
        }
    }
    let chain_path = folder.join(CHAIN_FILE_NAME);
    let chain = match read_capped(&chain_path) {
        Ok(bytes) => read_chain(&bytes).map_err(|source| ManifestError::Unreadable {
            path: chain_path.clone(),
            source,
        })?,
        Err(ManifestError::Io { source, .. })
            if source.kind() == io::ErrorKind::NotFound && generation_files.is_empty() =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let mut c4_of: BTreeMap<&str, &str> = BTreeMap::new();
    for link in &chain.links {
        c4_of.insert(&link.path, &link.c4);
        if !generation_files.contains_key(&link.path) {
            return Err(ManifestError::MissingGeneration(folder.join(&link.path)));
        }
    }
    let mut generations = Vec::new();
    for (name, number) in &generation_files {
        let path = folder.join(name);
        let bytes = read_capped(&path)?;
        if let Some(c4) = c4_of.get(name.as_str()) {
            if c4_id(&bytes) != *c4 {
                return Err(ManifestError::Modified(path));
            }
        }
        let generation =
            read_generation(&bytes).map_err(|source| ManifestError::Unreadable { path, source })?;
        generations.push((*number, generation));
    }
    if generations.is_empty() {
        return Ok(None);
    }
    Ok(Some(LoadedHistory {
        chain,
        history: History::new(generations),
    }))
}

/// Read a whole file of at most [`MAX_MANIFEST_FILE_BYTES`].
fn read_capped(path: &Path) -> Result<Vec<u8>, ManifestError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    if bytes.len() as u64 > MAX_MANIFEST_FILE_BYTES {
        return Err(ManifestError::Io {
            path: path.to_path_buf(),
            source: io::Error::other(format!(
                "larger than {MAX_MANIFEST_FILE_BYTES} bytes, not read"
            )),
        });
    }
    Ok(bytes)
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
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Write a generation as the next one of the tree's history: the `.mhl` file first (temp file,
/// synced, renamed without replacing anything), then the chain file (temp file, synced, renamed
/// over the old one). Returns the generation file's path.
pub(crate) fn record_generation(
    root: &Path,
    loaded: Option<&LoadedHistory>,
    generation: &Generation,
    now: i64,
) -> Result<PathBuf, ManifestError> {
    let folder = root.join(ASCMHL_FOLDER);
    fs::create_dir_all(&folder).map_err(io_error(&folder))?;
    let mut chain = loaded.map(|l| l.chain.clone()).unwrap_or_default();
    let next = loaded.map_or(1, |l| l.history.next_sequence_nr()).max(
        chain
            .links
            .iter()
            .map(|l| l.sequence_nr.saturating_add(1))
            .max()
            .unwrap_or(1),
    );
    let root_name = root
        .canonicalize()
        .ok()
        .and_then(|r| r.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "root".to_string());
    let name = generation_file_name(next, &root_name, now);
    let bytes = write_generation(generation).map_err(|source| ManifestError::Unreadable {
        path: folder.join(&name),
        source,
    })?;
    let path = folder.join(&name);
    write_atomically(&folder, &name, &bytes, false)?;
    chain.links.push(ChainLink {
        sequence_nr: next,
        path: name,
        c4: c4_id(&bytes),
    });
    let chain_bytes = write_chain(&chain).map_err(|source| ManifestError::Unreadable {
        path: folder.join(CHAIN_FILE_NAME),
        source,
    })?;
    write_atomically(&folder, CHAIN_FILE_NAME, &chain_bytes, true)?;
    if let Ok(dir) = File::open(&folder) {
        let _ = dir.sync_all();
    }
    Ok(path)
}

/// Write `bytes` to `folder/name` through a synced temp file and a rename.
fn write_atomically(
    folder: &Path,
    name: &str,
    bytes: &[u8],
    replace: bool,
) -> Result<(), ManifestError> {
    let path = folder.join(name);
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(folder)
        .map_err(io_error(&path))?;
    temp.as_file_mut()
        .write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io_error(&path))?;
    let persisted = if replace {
        temp.persist(&path).map(|_| ())
    } else {
        temp.persist_noclobber(&path).map(|_| ())
    };
    persisted.map_err(|e| io_error(&path)(e.error))
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
        let Some(path) = relative_path(out_root, destination) else {
            continue;
        };
        let (size, modified) = match outcome.status {
            FileStatus::Delivered | FileStatus::Recovered | FileStatus::AlreadyDelivered => {
                file_facts(destination)?
            }
            FileStatus::Withheld | FileStatus::Failed | FileStatus::Interrupted => continue,
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
            }
            if hashes.iter().all(|h| h.action == Some(Action::Verified)) {
                written.verified += 1;
            } else if !failed {
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
            if !missing.is_empty() {
                // TODO(lead): MD5 of the bytes as written. The write pass fills `xxh128` (the
                // hashing writer in produce.rs) but not yet `md5` when `ExecuteOptions::md5` is
                // set; until it does, a recipe asking for md5 reads each delivered file once more.
                computed.extend(hash_file(destination, &missing, &no_progress)?);
            }
            written.original += 1;
            entries(&computed, Action::Original, &date)
        };
        files.push(FileEntry {
            path,
            size: Some(size),
            last_modification_date: modified,
            hashes,
            previous_path: None,
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
