//! `rollcall verify`: a delivered tree (or a copy of it) hashed again and checked against its ASC MHL
//! history; optionally recorded as a new `in-place` generation, as the reference tool's `create` does.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rollcall_mhl::{
    iso_date, Action, FileEntry, Generation, HashEntry, HashFormat, HashKind, IgnoreSpec, Process,
    Record, DEFAULT_IGNORE_PATTERNS,
};

use crate::manifest::{creator_info, entries, file_facts, hash_file, ignore_patterns, now_seconds};
use crate::manifest_store::{load_history, record_generation, ManifestError};

/// How a tree is verified.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Write a new `in-place` generation recording what was found.
    pub record: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Files hashed at once (default: one per core).
    pub jobs: Option<usize>,
    /// rollcall's version, written as the tool's when recording.
    pub tool_version: String,
}

/// A file whose bytes no longer hash to its record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChangedFile {
    /// Path relative to the root.
    pub path: String,
    /// The format compared.
    pub format: String,
    /// The hash the history lists.
    pub expected: String,
    /// The hash of the bytes found.
    pub found: String,
}

/// A listed file none of whose hash formats rollcall can compute.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UncheckedFile {
    /// Path relative to the root.
    pub path: String,
    /// The formats the history lists for it.
    pub formats: Vec<String>,
}

/// The result of verifying a tree.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TreeCheck {
    /// The tree.
    pub root: PathBuf,
    /// How many generations its history has.
    pub generations: usize,
    /// Files whose hash matches their record.
    pub matched: Vec<String>,
    /// Files whose hash differs from their record.
    pub changed: Vec<ChangedFile>,
    /// Files the history lists that are not in the tree.
    pub missing: Vec<String>,
    /// Files in the tree the history does not list (and no ignore pattern covers).
    pub unlisted: Vec<String>,
    /// Listed files that could not be checked (only hash formats rollcall does not know).
    pub unchecked: Vec<UncheckedFile>,
    /// Files that could not be read, with why.
    pub unreadable: Vec<(String, String)>,
    /// The generation written with `--record`.
    pub recorded: Option<PathBuf>,
}

impl TreeCheck {
    /// Whether every listed file is there and matches, and nothing else is there.
    pub fn all_match(&self) -> bool {
        self.changed.is_empty()
            && self.missing.is_empty()
            && self.unlisted.is_empty()
            && self.unreadable.is_empty()
    }
}

/// One file found in the tree.
struct Found {
    relative: String,
    path: PathBuf,
    size: u64,
}

/// What hashing one found file gave.
enum Checked {
    Matched(Vec<(HashFormat, String)>, HashFormat),
    Changed(Vec<(HashFormat, String)>, ChangedFile),
    Unlisted(Vec<(HashFormat, String)>),
    Unchecked(UncheckedFile),
    Unreadable(String),
}

/// Hash every file of the tree again and check it against the history (SPEC section 9).
pub fn verify_tree(root: &Path, options: &VerifyOptions) -> Result<TreeCheck, ManifestError> {
    let loaded =
        load_history(root)?.ok_or_else(|| ManifestError::NoManifest(root.to_path_buf()))?;
    let records = loaded.history.records();
    let spec = match loaded.history.latest_ignore_patterns() {
        Some(patterns) => IgnoreSpec::new(patterns),
        None => IgnoreSpec::new(&DEFAULT_IGNORE_PATTERNS),
    };
    let mut found = Vec::new();
    walk(root, root, &spec, &mut found)?;
    found.sort_by(|a, b| a.relative.cmp(&b.relative));

    let bar = if options.progress {
        let bar = ProgressBar::new(found.iter().map(|f| f.size).sum());
        if let Ok(style) = ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let check_all = || {
        found
            .par_iter()
            .map(|file| check(file, records.get(&file.relative), options.record, &bar))
            .collect::<Vec<_>>()
    };
    let jobs = options
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let checked = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(check_all),
        Err(_) => check_all(),
    };
    bar.finish_and_clear();

    let mut result = TreeCheck {
        root: root.to_path_buf(),
        generations: loaded.history.generations().len(),
        ..TreeCheck::default()
    };
    let now = now_seconds();
    let date = iso_date(now);
    let mut listed: Vec<FileEntry> = Vec::new();
    let on_disk: BTreeMap<&str, ()> = found.iter().map(|f| (f.relative.as_str(), ())).collect();
    for (file, checked) in found.iter().zip(checked) {
        let hashes = match checked {
            Checked::Matched(hashes, compared) => {
                result.matched.push(file.relative.clone());
                actions(&hashes, |f| f == compared, Action::Verified, &date)
            }
            Checked::Changed(hashes, changed) => {
                let compared = HashFormat::from_name(&changed.format);
                result.changed.push(changed);
                actions(&hashes, |f| Some(f) == compared, Action::Failed, &date)
            }
            Checked::Unlisted(hashes) => {
                result.unlisted.push(file.relative.clone());
                // Recorded as new files, as the reference tool's `create` does.
                entries(&hashes, Action::Original, &date)
            }
            Checked::Unchecked(unchecked) => {
                result.unchecked.push(unchecked);
                Vec::new()
            }
            Checked::Unreadable(why) => {
                result.unreadable.push((file.relative.clone(), why));
                Vec::new()
            }
        };
        if !hashes.is_empty() {
            let (size, modified) = file_facts(&file.path)?;
            listed.push(FileEntry {
                path: file.relative.clone(),
                size: Some(size),
                last_modification_date: modified,
                hashes,
                previous_path: None,
            });
        }
    }
    result.missing = records
        .keys()
        .filter(|path| !on_disk.contains_key(path.as_str()) && !spec.ignores_file(path))
        .cloned()
        .collect();

    if options.record {
        let generation = Generation {
            creator: creator_info(&options.tool_version, now),
            process: Process::InPlace,
            ignore_patterns: ignore_patterns(Some(&loaded)),
            files: listed,
        };
        result.recorded = Some(record_generation(root, Some(&loaded), &generation, now)?);
    }
    Ok(result)
}

/// Entries for computed hashes: `action` for the formats `compared` picks, `original` for the rest
/// (formats the history did not have for this file).
fn actions(
    hashes: &[(HashFormat, String)],
    compared: impl Fn(HashFormat) -> bool,
    action: Action,
    date: &str,
) -> Vec<HashEntry> {
    hashes
        .iter()
        .flat_map(|(format, value)| {
            let this = if compared(*format) {
                action
            } else {
                Action::Original
            };
            entries(&[(*format, value.clone())], this, date)
        })
        .collect()
}

/// Hash one file and compare it with its record, in the fastest format the record has (and XXH128
/// too when recording).
fn check(file: &Found, record: Option<&Record>, recording: bool, bar: &ProgressBar) -> Checked {
    let progress = |n: u64| bar.inc(n);
    let Some(record) = record else {
        if !recording {
            bar.inc(file.size);
            return Checked::Unlisted(Vec::new());
        }
        return match hash_file(&file.path, &[HashFormat::Xxh128], &progress) {
            Ok(hashes) => Checked::Unlisted(hashes),
            Err(e) => Checked::Unreadable(e.to_string()),
        };
    };
    let best = record
        .hashes
        .iter()
        .filter_map(|h| match h.kind {
            HashKind::Known(format) => Some((format, h.value.as_str())),
            HashKind::Other(_) => None,
        })
        .min_by_key(|(format, _)| format.check_preference());
    let Some((format, expected)) = best else {
        bar.inc(file.size);
        return Checked::Unchecked(UncheckedFile {
            path: file.relative.clone(),
            formats: record
                .hashes
                .iter()
                .map(|h| h.kind.name().to_string())
                .collect(),
        });
    };
    let mut formats = vec![format];
    if recording && format != HashFormat::Xxh128 {
        formats.push(HashFormat::Xxh128);
    }
    let hashes = match hash_file(&file.path, &formats, &progress) {
        Ok(hashes) => hashes,
        Err(e) => return Checked::Unreadable(e.to_string()),
    };
    let found = hashes
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if found.eq_ignore_ascii_case(expected) {
        Checked::Matched(hashes, format)
    } else {
        Checked::Changed(
            hashes,
            ChangedFile {
                path: file.relative.clone(),
                format: format.name().to_string(),
                expected: expected.to_string(),
                found,
            },
        )
    }
}

/// Every file below `folder` that no ignore pattern covers (ignored folders are not entered).
/// Symbolic links are followed to files, not to folders.
fn walk(
    root: &Path,
    folder: &Path,
    spec: &IgnoreSpec,
    found: &mut Vec<Found>,
) -> Result<(), ManifestError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ManifestError::Io { path, source }
    };
    for entry in fs::read_dir(folder).map_err(io(folder))? {
        let entry = entry.map_err(io(folder))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            // A name that is not UTF-8 cannot be listed; show it as unlisted.
            let metadata = fs::metadata(&path).map_err(io(&path))?;
            if metadata.is_file() {
                found.push(Found {
                    relative: path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .into_owned(),
                    size: metadata.len(),
                    path,
                });
            }
            continue;
        };
        let relative = match path.strip_prefix(root).ok().and_then(Path::to_str) {
            Some(relative) => relative.replace(std::path::MAIN_SEPARATOR, "/"),
            None => name.clone(),
        };
        let file_type = entry.file_type().map_err(io(&path))?;
        if file_type.is_dir() {
            if !spec.matches(&relative, true) {
                walk(root, &path, spec, found)?;
            }
            continue;
        }
        let metadata = fs::metadata(&path).map_err(io(&path))?;
        if metadata.is_file() && !spec.matches(&relative, false) {
            found.push(Found {
                relative,
                path,
                size: metadata.len(),
            });
        }
    }
    Ok(())
}
