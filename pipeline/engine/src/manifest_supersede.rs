//! How a generation records a superseded take (`--supersede`): the earlier version, moved aside,
//! is listed under its `superseded/...` path with the path it had as `previousPath` (a rename), its
//! bytes hashed again and checked against its record; the new version is listed as `original`
//! under the delivered path, renamed from the temp name it was written under. Both `rollcall
//! verify` and the reference implementation then check each path against the right version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rollcall_mhl::{Action, FileEntry, HashEntry, HashFormat, HashKind, Record};

use crate::manifest::{entries, file_facts, hash_file, WrittenManifest};
use crate::manifest_store::ManifestError;

/// A delivered file that superseded an earlier version.
pub(crate) struct Superseding<'a> {
    /// The delivered path, relative to the root.
    pub path: &'a str,
    /// The new version's size.
    pub size: u64,
    /// Where the earlier version was moved, relative to the root.
    pub moved_to: &'a str,
    /// The temp name the new version was written under, relative to the root.
    pub written_as: Option<&'a str>,
    /// The new version's hash entries (`original`).
    pub hashes: &'a [HashEntry],
}

/// What the generation is being built from.
pub(crate) struct GenerationContext<'a> {
    /// The output root.
    pub out_root: &'a Path,
    /// The history's records before this generation.
    pub records: &'a BTreeMap<String, Record>,
    /// The hash formats listed.
    pub formats: &'a [HashFormat],
    /// The hash date of this generation.
    pub date: &'a str,
}

/// List the moved earlier version (pushed onto `files`) and, when the history knew the path, the
/// new version's temp name; returns the `previousPath` of the new version's own entry.
pub(crate) fn superseded_entries(
    superseding: &Superseding<'_>,
    context: &GenerationContext<'_>,
    written: &mut WrittenManifest,
    files: &mut Vec<FileEntry>,
) -> Result<Option<String>, ManifestError> {
    let mut moved: PathBuf = context.out_root.to_path_buf();
    for part in superseding.moved_to.split('/') {
        moved.push(part);
    }
    let (size, modified) = file_facts(&moved)?;
    let record = context.records.get(superseding.path);
    // Read again: the entry says the moved bytes are the version the history lists.
    let computed = hash_file(&moved, context.formats, &|_| {})?;
    let mut hashes = Vec::new();
    let mut differs = false;
    let mut verified = false;
    for (format, value) in &computed {
        let recorded = record.and_then(|r| {
            r.hashes
                .iter()
                .find(|h| h.kind == HashKind::Known(*format))
                .map(|h| h.value.as_str())
        });
        let action = match recorded {
            Some(expected) if expected.eq_ignore_ascii_case(value) => {
                verified = true;
                Action::Verified
            }
            Some(_) => {
                differs = true;
                Action::Failed
            }
            None => Action::Original,
        };
        hashes.extend(entries(&[(*format, value.clone())], action, context.date));
    }
    if differs {
        written.failed.push(superseding.moved_to.to_string());
    } else if verified {
        written.verified += 1;
    } else {
        written.original += 1;
    }
    files.push(FileEntry {
        path: superseding.moved_to.to_string(),
        size: Some(size),
        last_modification_date: modified,
        hashes,
        previous_path: record.map(|_| superseding.path.to_string()),
    });
    // The new version came from its temp name: listed there too, so that a reader resolving the
    // delivered path through its renames (as the reference implementation does) finds the new
    // version's first `original` hashes, not the earlier version's. The temp name matches the
    // `*.rollcall-partial` ignore pattern, so no check misses the file.
    let Some(written_as) = superseding.written_as.filter(|_| record.is_some()) else {
        return Ok(None);
    };
    files.push(FileEntry {
        path: written_as.to_string(),
        size: Some(superseding.size),
        last_modification_date: None,
        hashes: superseding.hashes.to_vec(),
        previous_path: None,
    });
    Ok(Some(written_as.to_string()))
}

/// A delivered file whose path the history lists with another `xxh128`, while an earlier version
/// of it lies unlisted under `superseded/<UTC time>/`: a `--supersede` run moved it aside and was
/// killed before the new version took its name, and this run finished the delivery. Returns the
/// newest such path, relative to the root.
pub(crate) fn left_by_a_crash(
    out_root: &Path,
    path: &str,
    records: &BTreeMap<String, Record>,
    new_hashes: &[HashEntry],
) -> Option<String> {
    let xxh128 = |hashes: &[HashEntry]| {
        hashes
            .iter()
            .find(|h| h.kind == HashKind::Known(HashFormat::Xxh128))
            .map(|h| h.value.to_ascii_lowercase())
    };
    let recorded = xxh128(&records.get(path)?.hashes)?;
    if Some(recorded) == xxh128(new_hashes) {
        return None;
    }
    let folder = out_root.join(crate::supersede::SUPERSEDED_FOLDER);
    let mut stamps: Vec<String> = std::fs::read_dir(&folder)
        .ok()?
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .collect();
    stamps.sort();
    stamps.into_iter().rev().find_map(|stamp| {
        let moved = crate::supersede::superseded_relative(&stamp, path);
        let mut full = out_root.to_path_buf();
        for part in moved.split('/') {
            full.push(part);
        }
        (!records.contains_key(&moved) && full.is_file()).then_some(moved)
    })
}
