//! Planning a batch from headers only, and checking the plan as a whole before anything is written.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use rayon::prelude::*;
use rollcall_recipe::{InputFile, WalkReport};
use rollcall_take::{check_folder, render, Changes, FieldChange, SourceTake};

use rollcall_findings::{Finding, Severity};
use rollcall_sdk::Take;

use crate::destination::{examine_destination, Existing};
use crate::execute::FileStatus;
use crate::produce::HashingWriter;
use crate::steps::BuiltStep;
use crate::EngineError;

/// What a plan is made with.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Root of the delivered tree.
    pub out_root: PathBuf,
    /// The recipe's `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// Identifies the recipe's steps, so derived values (a new `FILE_UID`) are deterministic.
    pub derivation: String,
    /// How roll labels are read into `{roll}`, `{unit}`, `{recorder}` ([`crate::roll_scheme`]).
    pub roll_scheme: rollcall_rolls::Scheme,
    /// Whether practice checks will run over the plan: they need every take as described, so the
    /// descriptions are kept until they ran; without checks each is dropped once its file is planned.
    pub keep_for_checks: bool,
    /// `--supersede`: a destination holding another version is not a conflict; it is moved aside
    /// under `superseded/` when the new version is delivered.
    pub supersede: bool,
}

/// One file the run will deliver. It holds what the steps decided, not the rendered chunks: the
/// file is read and rendered again when it is written, so a season's plan stays small.
#[derive(Debug)]
pub struct PlannedFile {
    /// The source file.
    pub source: PathBuf,
    /// The source's size when planned.
    pub source_len: u64,
    /// The source's modification time when planned.
    pub source_modified: Option<SystemTime>,
    /// What the steps asked for.
    pub changes: Changes,
    /// The channel map (1-based source channels in output order), when the take is re-laid.
    pub channel_map: Option<Vec<u16>>,
    /// Every field that changes, old -> new.
    pub field_changes: Vec<FieldChange>,
    /// Warnings of the steps and the engine.
    pub warnings: Vec<String>,
    /// Destination relative to the output root, `/`-separated.
    pub relative_destination: String,
    /// Full destination path.
    pub destination: PathBuf,
    /// The take's iXML `FILE_UID`, when it has one (a dual-media mirror shares it).
    pub file_uid: Option<String>,
    /// Set when the destination already holds exactly what this run would write: its XXH3-128
    /// (lowercase hex), the hash of every byte.
    pub already_delivered: Option<String>,
    /// Set (with `--supersede`) when the destination holds another version of this file: how it
    /// differs. The old file is moved aside under `superseded/` just before the new one is renamed
    /// into place.
    pub supersedes: Option<String>,
    /// The roll label (`tape`) of the take, when it has one.
    pub roll: Option<String>,
    /// Findings of the steps and the checks about this file.
    pub findings: Vec<Finding>,
    /// The take as it will be delivered and as read, for the checks; dropped once they ran.
    pub described: Option<Box<(Take, Take)>>,
    /// What the roll ledger records of this file (set with the checks).
    pub ledger_entry: Option<crate::ledger::LedgerEntry>,
}

/// An input left out of the plan, with the reason.
#[derive(Clone, Debug)]
pub struct SkippedFile {
    /// The input file.
    pub path: PathBuf,
    /// Why it is left out (unreadable, a step failed, a collision, a mirror).
    pub reason: String,
    /// `Failed`, `Withheld` (a collision or an error finding) or `Mirror` (the same take on another
    /// card, delivered from there).
    pub status: FileStatus,
    /// Where it would have gone, when known.
    pub destination: Option<PathBuf>,
    /// Findings about it.
    pub findings: Vec<Finding>,
}

impl SkippedFile {
    /// A file that failed before it could be planned.
    pub fn failed(path: PathBuf, reason: String) -> SkippedFile {
        SkippedFile {
            path,
            reason,
            status: FileStatus::Failed,
            destination: None,
            findings: Vec::new(),
        }
    }
}

/// The whole batch: what will be written where, and what was left out.
#[derive(Debug)]
pub struct Plan {
    /// Root of the delivered tree.
    pub out_root: PathBuf,
    /// Identifies the recipe's steps (see [`PlanOptions::derivation`]).
    pub derivation: String,
    /// Files to deliver, in input order.
    pub files: Vec<PlannedFile>,
    /// Inputs left out, with reasons.
    pub skipped: Vec<SkippedFile>,
}

/// Read every input's header in parallel, run the steps on its description, render its edits, and
/// check the plan as a whole: two files on one destination, or a destination that exists with other
/// content, make the plan invalid (nothing is written).
pub fn plan(
    walk: &WalkReport,
    steps: &[BuiltStep],
    options: &PlanOptions,
) -> Result<Plan, EngineError> {
    let out_canonical = options.out_root.canonicalize().ok();
    let inputs: Vec<&InputFile> = walk
        .files
        .iter()
        .filter(|f| match &out_canonical {
            // Only when the output root exists: `canonicalize` costs a `readlink` per component.
            Some(out) => f
                .path
                .canonicalize()
                .map_or(true, |path| !path.starts_with(out)),
            None => true,
        })
        .collect();
    let ticker = crate::plan_progress::PlanTicker::start(inputs.len());
    let results: Vec<Result<PlannedFile, SkippedFile>> = inputs
        .par_iter()
        .map(|input| {
            let planned = plan_one(input, steps, options)
                .map_err(|reason| SkippedFile::failed(input.path.clone(), reason));
            ticker.tick();
            planned
        })
        .collect();
    let mut files = Vec::new();
    let mut skipped: Vec<SkippedFile> = walk
        .problems
        .iter()
        .map(|p| SkippedFile::failed(p.path.clone(), p.reason.clone()))
        .collect();
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(skip) => skipped.push(skip),
        }
    }

    let (mut files, held) = hold_mirrors_and_collisions(files);
    skipped.extend(held);
    let mut problems = Vec::new();
    let checks: Vec<Result<Existing, String>> = files
        .par_iter()
        .map(|file| examine_destination(file, &options.derivation))
        .collect();
    for (file, check) in files.iter_mut().zip(checks) {
        match check {
            Ok(Existing::Absent) => {}
            Ok(Existing::Same(hash)) => file.already_delivered = Some(hash),
            Ok(Existing::Differs { why, conflict }) => {
                if options.supersede {
                    file.supersedes = Some(why);
                } else {
                    problems.push(format!("{conflict}; {}", crate::supersede::SUPERSEDE_HINT));
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(EngineError::Plan(problems));
    }
    Ok(Plan {
        out_root: options.out_root.clone(),
        derivation: options.derivation.clone(),
        files,
        skipped,
    })
}

fn plan_one(
    input: &InputFile,
    steps: &[BuiltStep],
    options: &PlanOptions,
) -> Result<PlannedFile, String> {
    let source = SourceTake::read(&input.path).map_err(|e| e.to_string())?;
    let input_folder = input
        .relative
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    let mut take = source.describe(&input_folder, &options.vars);
    crate::checks::add_roll_tokens(&mut take, options.roll_scheme);
    let described_source = take.clone();
    let mut changes = Changes::new(&source);
    // A step that fails on a file whose iXML could not be read is told why (its metadata is missing
    // because of that, not because the recorder left it out).
    let ixml_unread = source
        .ixml_error
        .as_ref()
        .map(|why| format!("; the iXML could not be read: {why}"))
        .unwrap_or_default();
    for built in steps {
        let edits = crate::watch::watched(&built.plugin, &input.path, || built.step.apply(&take))
            .map_err(|e| {
            format!("step {} ({}): {e}{ixml_unread}", built.index, built.plugin)
        })?;
        changes
            .apply(&mut take, edits)
            .map_err(|e| format!("step {} ({}): {e}{ixml_unread}", built.index, built.plugin))?;
    }
    let rendered = render(&source, &changes, &options.derivation).map_err(|e| e.to_string())?;
    let folder = check_folder(rendered.folder.as_deref().unwrap_or(&input_folder))?;
    let relative_destination = if folder.is_empty() {
        rendered.file_name.clone()
    } else {
        format!("{folder}/{}", rendered.file_name)
    };
    let mut destination = options.out_root.clone();
    for part in relative_destination.split('/') {
        destination.push(part);
    }
    check_destination_length(&destination)?;
    let roll = described_source.field("tape").map(str::to_string);
    let findings = std::mem::take(&mut changes.findings);
    let (described, ledger_entry) = if options.keep_for_checks {
        (Some(Box::new((take, described_source))), None)
    } else {
        let entry =
            crate::ledger::ledger_entry(&described_source, crate::checks::DEFAULT_DAY_CUTOFF);
        (None, entry)
    };
    Ok(PlannedFile {
        roll,
        findings,
        described,
        ledger_entry,
        source: source.path,
        source_len: source.file_len,
        source_modified: source.modified,
        changes,
        channel_map: rendered
            .map
            .as_ref()
            .map(|m| m.order.iter().map(|c| c + 1).collect()),
        field_changes: rendered.changes,
        warnings: rendered.warnings,
        relative_destination,
        destination,
        file_uid: source
            .ixml
            .as_ref()
            .and_then(|x| x.get("FILE_UID"))
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
        already_delivered: None,
        supersedes: None,
    })
}

/// The longest absolute path Linux opens, in bytes (`PATH_MAX` less its NUL).
pub const MAX_PATH_BYTES: usize = 4095;

/// Refuse a destination that no file system call could open: a path longer than [`MAX_PATH_BYTES`]
/// or one name longer than 255 bytes (metadata can make either). Fails that file alone.
fn check_destination_length(destination: &std::path::Path) -> Result<(), String> {
    let absolute = std::path::absolute(destination).unwrap_or_else(|_| destination.to_path_buf());
    let length = absolute.as_os_str().len();
    let shown = rollcall_take::abbreviated(&absolute.to_string_lossy());
    if let Some(part) = absolute
        .components()
        .map(|c| c.as_os_str().len())
        .find(|&n| n > 255)
    {
        return Err(format!(
            "destination {shown} has a name of {part} bytes, longer than the 255 bytes file systems allow in one name"
        ));
    }
    if length > MAX_PATH_BYTES {
        return Err(format!(
            "destination {shown} is {length} bytes long, more than the {MAX_PATH_BYTES} bytes a path may have; shorten the names the recipe builds from metadata"
        ));
    }
    Ok(())
}

/// Dual-media mirrors and collisions, before anything is written.
///
/// Files sharing a `FILE_UID` are the same take on two cards: when their audio is identical the first
/// is delivered and the others are reported as its mirrors; when it differs every one of them is
/// withheld with a `take/mirror-differs` error finding naming the cards. Then two different takes on
/// one destination (compared as the file systems editorial uses compare names: Unicode-normalised
/// and case-folded) are both withheld with the reason; the rest of the batch goes on.
fn hold_mirrors_and_collisions(files: Vec<PlannedFile>) -> (Vec<PlannedFile>, Vec<SkippedFile>) {
    let mut held = Vec::new();
    let mut by_uid: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        if let Some(uid) = &file.file_uid {
            by_uid.entry(uid.clone()).or_default().push(index);
        }
    }
    let mut drop: HashMap<usize, SkippedFile> = HashMap::new();
    for (uid, group) in by_uid.iter().filter(|(_, g)| g.len() > 1) {
        let audio: Vec<Option<u128>> = group
            .iter()
            .map(|&i| files.get(i).and_then(|f| audio_identity(&f.source)))
            .collect();
        let all_same = audio.iter().all(|a| a.is_some() && *a == audio[0]);
        let cards: Vec<String> = group
            .iter()
            .filter_map(|&i| files.get(i))
            .map(|f| f.source.display().to_string())
            .collect();
        for (position, &index) in group.iter().enumerate() {
            let Some(file) = files.get(index) else {
                continue;
            };
            if all_same && position == 0 {
                continue;
            }
            let (status, reason, findings) = if all_same {
                (
                    FileStatus::Mirror,
                    format!(
                        "the same take (FILE_UID {uid}, same audio) as {}, delivered from there",
                        cards.first().map_or("", String::as_str)
                    ),
                    Vec::new(),
                )
            } else {
                let message = format!(
                    "FILE_UID {uid} is on {} cards with different audio: {}",
                    cards.len(),
                    cards.join(", ")
                );
                (
                    FileStatus::Withheld,
                    message.clone(),
                    vec![Finding::file(
                        "take/mirror-differs",
                        Severity::Error,
                        file.source.clone(),
                        message,
                    )],
                )
            };
            drop.insert(
                index,
                SkippedFile {
                    path: file.source.clone(),
                    reason,
                    status,
                    destination: Some(file.destination.clone()),
                    findings,
                },
            );
        }
    }
    let mut by_destination: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        if !drop.contains_key(&index) {
            by_destination
                .entry(name_key(&file.relative_destination))
                .or_default()
                .push(index);
        }
    }
    for group in by_destination.values().filter(|g| g.len() > 1) {
        let sources: Vec<String> = group
            .iter()
            .filter_map(|&i| files.get(i))
            .map(|f| f.source.display().to_string())
            .collect();
        for &index in group {
            let Some(file) = files.get(index) else {
                continue;
            };
            drop.insert(
                index,
                SkippedFile {
                    path: file.source.clone(),
                    reason: format!(
                        "collision: {} different takes would be delivered as {}: {}; both withheld",
                        group.len(),
                        file.relative_destination,
                        sources.join(", ")
                    ),
                    status: FileStatus::Withheld,
                    destination: Some(file.destination.clone()),
                    findings: Vec::new(),
                },
            );
        }
    }
    let mut kept = Vec::with_capacity(files.len());
    for (index, file) in files.into_iter().enumerate() {
        match drop.remove(&index) {
            Some(skip) => held.push(skip),
            None => kept.push(file),
        }
    }
    held.sort_by(|a, b| a.path.cmp(&b.path));
    (kept, held)
}

/// A destination as case-insensitive, normalising file systems (APFS, SMB, NTFS) compare it: NFC,
/// then full case folding (`ß` and `SS`, final and medial sigma are one name).
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc()
        .flat_map(char::to_lowercase)
        .flat_map(|c| match c {
            'ß' | 'ẞ' => vec!['s', 's'],
            'ς' => vec!['σ'],
            other => vec![other],
        })
        .collect::<String>()
        .nfc()
        .collect()
}

/// XXH3-128 of a file's audio (its `data` chunk, as recovered), to tell mirrors apart.
fn audio_identity(path: &std::path::Path) -> Option<u128> {
    let file = File::open(path).ok()?;
    let source = SourceTake::read_open(path, &file).ok()?;
    let data = source.header.data();
    let mut reader = &file;
    io::Seek::seek(&mut reader, io::SeekFrom::Start(data.payload_offset())).ok()?;
    let mut hasher = HashingWriter::new(io::sink());
    io::copy(&mut io::Read::take(reader, data.size), &mut hasher).ok()?;
    (hasher.bytes_written() == data.size).then(|| hasher.xxh128())
}
