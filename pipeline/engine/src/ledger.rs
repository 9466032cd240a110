//! The roll ledger: one CSV row per roll and production day delivered, kept in the show's repo
//! (`ledger = "rolls.csv"` in a `[[check]]`), appended after every real run and read by the next
//! (the `practice` check catches a roll number reused on a later day).
//!
//! Appending is safe against two runs and a crash: a lock file beside the ledger (created
//! exclusively, waited for), then the whole new ledger written to a temp file in the same folder,
//! synced, and renamed over the old one.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use rollcall_rolls::{ledger_text, production_day, read_ledger, LedgerRow};
use rollcall_sdk::Take;

use crate::execute::{FileStatus, RunSummary};
use crate::plan::Plan;

/// What the ledger needs to know of one planned file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LedgerEntry {
    /// The roll label.
    pub roll: String,
    /// The production day (`YYYY-MM-DD`), empty when the file has no date.
    pub day: String,
    /// The recorder (bext originator).
    pub recorder: String,
    /// `FILE_UID`, else the source file name.
    pub identity: String,
    /// Start (bext time reference), for first and last.
    pub start: u64,
}

/// The ledger entry of a described source take, with the production day's cutoff in minutes.
pub fn ledger_entry(source: &Take, cutoff_minutes: u32) -> Option<LedgerEntry> {
    let roll = source.field("tape")?.to_string();
    let bext = source.bext.as_ref();
    let day = bext
        .and_then(|b| production_day(&b.origination_date, &b.origination_time, cutoff_minutes))
        .unwrap_or_default();
    Some(LedgerEntry {
        roll,
        day,
        recorder: bext
            .map(|b| b.originator.trim().to_string())
            .unwrap_or_default(),
        identity: source
            .ixml("FILE_UID")
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| source.source_name.clone()),
        start: bext.map_or(0, |b| b.time_reference),
    })
}

/// The rows a run adds: per roll and production day, the files delivered (or already delivered).
pub fn ledger_rows(plan: &Plan, summary: &RunSummary, run: &str) -> Vec<LedgerRow> {
    let delivered: std::collections::BTreeSet<&Path> = summary
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.status,
                FileStatus::Delivered | FileStatus::Recovered | FileStatus::AlreadyDelivered
            )
        })
        .map(|f| f.source.as_path())
        .collect();
    let mut groups: BTreeMap<(String, String), Vec<&LedgerEntry>> = BTreeMap::new();
    for file in &plan.files {
        if let Some(entry) = &file.ledger_entry {
            if delivered.contains(file.source.as_path()) {
                groups
                    .entry((entry.roll.clone(), entry.day.clone()))
                    .or_default()
                    .push(entry);
            }
        }
    }
    groups
        .into_iter()
        .map(|((roll, day), mut entries)| {
            entries.sort_by(|a, b| a.start.cmp(&b.start).then(a.identity.cmp(&b.identity)));
            let mut recorders: Vec<&str> = entries.iter().map(|e| e.recorder.as_str()).collect();
            recorders.dedup();
            LedgerRow {
                roll,
                day,
                recorder: recorders.join(" + "),
                files: entries.len(),
                first: entries
                    .first()
                    .map(|e| e.identity.clone())
                    .unwrap_or_default(),
                last: entries
                    .last()
                    .map(|e| e.identity.clone())
                    .unwrap_or_default(),
                run: run.to_string(),
            }
        })
        .collect()
}

/// The run time as the ledger writes it (`2026-11-30T01:00:00Z`).
pub fn run_stamp(time: SystemTime) -> String {
    let name = crate::report::report_file_name(time);
    // `rollcall-report-YYYYMMDDTHHMMSSZ.csv`
    let stamp = name
        .trim_start_matches("rollcall-report-")
        .trim_end_matches(".csv");
    let chars: Vec<char> = stamp.chars().collect();
    let part = |from: usize, to: usize| chars.get(from..to).map(|c| c.iter().collect::<String>());
    if let (16, Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        chars.len(),
        part(0, 4),
        part(4, 6),
        part(6, 8),
        part(9, 11),
        part(11, 13),
        part(13, 15),
    ) {
        format!("{y}-{mo}-{d}T{h}:{mi}:{s}Z")
    } else {
        stamp.to_string()
    }
}

/// How long an append waits for another run's lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// The ledger's lock, removed when dropped.
struct LedgerLock {
    path: PathBuf,
}

impl Drop for LedgerLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn lock(ledger: &Path) -> io::Result<LedgerLock> {
    let mut name = ledger.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let path = ledger.with_file_name(name);
    let started = Instant::now();
    loop {
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                let _ = writeln!(file, "{}", std::process::id());
                return Ok(LedgerLock { path });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(io::Error::new(
                    e.kind(),
                    format!(
                    "the ledger is locked by another run ({}); remove it if no rollcall is running",
                    path.display()
                ),
                ))
            }
            Err(e) => return Err(e),
        }
    }
}

/// Append `rows` to the ledger at `path` (created with its header when absent); rows already in it
/// (same roll, day, first and last file) are not added twice. Returns how many rows were added.
pub fn append_ledger(path: &Path, rows: &[LedgerRow]) -> io::Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let _lock = lock(path)?;
    let existing = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let known = read_ledger(&existing).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })?;
    let new: Vec<LedgerRow> = rows
        .iter()
        .filter(|r| {
            !known.iter().any(|k| {
                k.roll == r.roll && k.day == r.day && k.first == r.first && k.last == r.last
            })
        })
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(0);
    }
    let mut text = existing.clone();
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend(ledger_text(&new, existing.is_empty()));
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".rolls.")
        .suffix(crate::output::TEMP_SUFFIX)
        .tempfile_in(&folder)?;
    temp.as_file_mut().write_all(&text)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    if let Ok(dir) = File::open(&folder) {
        let _ = dir.sync_all();
    }
    Ok(new.len())
}

/// Seconds since the epoch, for tests of the stamp.
#[cfg(test)]
fn at(seconds: u64) -> SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(roll: &str, first: &str) -> LedgerRow {
        LedgerRow {
            roll: roll.into(),
            day: "2024-03-01".into(),
            recorder: "Sound Dev".into(),
            files: 2,
            first: first.into(),
            last: "L".into(),
            run: "r".into(),
        }
    }

    #[test]
    fn appends_keep_old_rows_skip_known_ones_and_leave_no_lock() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let ledger = dir.path().join("rolls.csv");
        assert_eq!(append_ledger(&ledger, &[row("A001", "F1")])?, 1);
        assert_eq!(
            append_ledger(&ledger, &[row("A001", "F1"), row("A002", "F2")])?,
            1
        );
        let rows = read_ledger(&fs::read(&ledger)?).map_err(io::Error::other)?;
        assert_eq!(rows.len(), 2);
        let names: Vec<String> = fs::read_dir(dir.path())?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["rolls.csv".to_string()]);
        Ok(())
    }

    #[test]
    fn two_appenders_at_once_lose_nothing() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let ledger = dir.path().join("rolls.csv");
        std::thread::scope(|scope| {
            for t in 0..4 {
                let ledger = &ledger;
                scope.spawn(move || {
                    for i in 0..5 {
                        let _ = append_ledger(ledger, &[row(&format!("R{t}{i}"), "F")]);
                    }
                });
            }
        });
        let rows = read_ledger(&fs::read(&ledger)?).map_err(io::Error::other)?;
        assert_eq!(rows.len(), 20);
        Ok(())
    }

    #[test]
    fn run_stamp_is_iso_utc() {
        assert_eq!(run_stamp(at(1_795_000_000)), "2026-11-18T11:06:40Z");
    }
}
