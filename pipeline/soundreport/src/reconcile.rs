//! Reconciling the mixer's report with the files that came: missing takes, unlisted files, and
//! takes whose metadata disagrees with the report.

use std::path::PathBuf;

use rollcall_findings::{Finding, Severity};

use crate::read::{ReportRow, SoundReport};

/// One track of a take in the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchTrack {
    /// The recorder's track number (iXML `CHANNEL_INDEX`), when known.
    pub channel_index: Option<u32>,
    /// The track's name, when it has one.
    pub name: Option<String>,
}

/// What reconciliation needs of one file of the batch (read from its header).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchTake {
    /// The source file (findings name it).
    pub path: PathBuf,
    /// The source file name (`A101_1_2.WAV`), matched against the report's File Name column.
    pub file_name: String,
    /// Scene, when the file has one.
    pub scene: Option<String>,
    /// Take, when the file has one.
    pub take: Option<String>,
    /// Roll label (iXML or bext `TAPE`), when the file has one.
    pub tape: Option<String>,
    /// Start timecode `HH:MM:SS:FF`, when known.
    pub start_tc: Option<String>,
    /// Duration in seconds.
    pub length_seconds: Option<f64>,
    /// Tracks in interleave order.
    pub tracks: Vec<BatchTrack>,
}

/// The findings of comparing a report with the takes of a batch:
/// - `report/no-file` (warning, about the roll): a row no file of the batch matches: a missing take;
/// - `report/no-row` (info, about the file): a file the report does not list;
/// - `report/mismatch` (warning, about the file): tape, scene, take, start TC, length (more than one
///   second apart) or a track name differ. Values the report leaves empty are not compared.
///
/// Findings come in report order (missing takes first), then in the batch's order.
pub fn reconcile(report: &SoundReport, takes: &[BatchTake]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut listed = vec![false; takes.len()];
    for row in &report.rows {
        let mut matched = false;
        for (take, seen) in takes.iter().zip(listed.iter_mut()) {
            if *seen || !row.lists(&take.file_name) {
                continue;
            }
            // A name listed exactly by a later row belongs to that row, not to a family row.
            let exact_elsewhere = !row.file_name.eq_ignore_ascii_case(&take.file_name)
                && report
                    .rows
                    .iter()
                    .any(|r| r.file_name.eq_ignore_ascii_case(&take.file_name));
            if exact_elsewhere {
                continue;
            }
            *seen = true;
            matched = true;
            findings.extend(mismatches(report, row, take));
        }
        if !matched {
            let tape = Some(row.tape.clone()).filter(|t| !t.is_empty());
            findings.push(
                Finding::batch(
                    "report/no-file",
                    Severity::Warning,
                    format!(
                        "missing take: {} (row {}) lists {} ({}) but no such file came",
                        report.source,
                        row.line,
                        row.file_name,
                        row.slate()
                    ),
                )
                .in_roll(tape),
            );
        }
    }
    for (take, seen) in takes.iter().zip(&listed) {
        if !seen {
            findings.push(
                Finding::file(
                    "report/no-row",
                    Severity::Info,
                    &take.path,
                    format!(
                        "{} is not listed in the sound report {}",
                        take.file_name, report.source
                    ),
                )
                .in_roll(take.tape.clone()),
            );
        }
    }
    findings
}

fn mismatches(report: &SoundReport, row: &ReportRow, take: &BatchTake) -> Vec<Finding> {
    let mut differences = Vec::new();
    let text = |what: &str, listed: &str, found: Option<&str>, same: fn(&str, &str) -> bool| {
        let listed = listed.trim();
        if listed.is_empty() {
            return None;
        }
        let found = found.map(str::trim).unwrap_or("");
        (!same(listed, found)).then(|| {
            format!(
                "{what}: the report says {listed}, the file {}",
                if found.is_empty() {
                    "has none".to_string()
                } else {
                    format!("says {found}")
                }
            )
        })
    };
    differences.extend(text("tape", &row.tape, take.tape.as_deref(), same_text));
    differences.extend(text("scene", &row.scene, take.scene.as_deref(), same_text));
    differences.extend(text("take", &row.take, take.take.as_deref(), same_take));
    differences.extend(text(
        "start TC",
        &row.start_tc,
        take.start_tc.as_deref(),
        same_timecode,
    ));
    if let (Some(listed), Some(seconds)) = (parse_length(&row.length), take.length_seconds) {
        if (listed - seconds).abs() > 1.0 {
            differences.push(format!(
                "length: the report says {}, the file is {}",
                row.length,
                format_length(seconds)
            ));
        }
    }
    let member = row.member_index(&take.file_name);
    for (position, track) in take.tracks.iter().enumerate() {
        // A family member carries the recorder's track `channel_index` (else its member number);
        // a poly file lists its tracks in order.
        let number = match member {
            Some(index) => track.channel_index.unwrap_or(index),
            None => position as u32 + 1,
        };
        let listed = number
            .checked_sub(1)
            .and_then(|i| row.tracks.get(i as usize))
            .map(|n| n.trim())
            .unwrap_or("");
        if listed.is_empty() {
            continue;
        }
        let found = track.name.as_deref().map(str::trim).unwrap_or("");
        if !same_text(listed, found) {
            differences.push(format!(
                "track {number} name: the report says {listed}, the file {}",
                if found.is_empty() {
                    "has none".to_string()
                } else {
                    format!("says {found}")
                }
            ));
        }
    }
    differences
        .into_iter()
        .map(|difference| {
            Finding::file(
                "report/mismatch",
                Severity::Warning,
                &take.path,
                format!(
                    "{} differs from {} row {}: {difference}",
                    take.file_name, report.source, row.line
                ),
            )
            .in_roll(take.tape.clone().filter(|t| !t.is_empty()))
        })
        .collect()
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Takes compare as numbers when both are numbers (`01` is `1`).
fn same_take(a: &str, b: &str) -> bool {
    match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => same_text(a, b),
    }
}

/// Timecodes compare whatever separates the frames (`:`, `;` or `.`).
fn same_timecode(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().replace([';', '.'], ":");
    norm(a) == norm(b)
}

/// Seconds of `HH:MM:SS`, `MM:SS` or `SS` (fractions allowed in the last field).
pub(crate) fn parse_length(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut seconds = 0.0;
    for part in text.split(':') {
        let value: f64 = part.trim().parse().ok()?;
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        seconds = seconds * 60.0 + value;
    }
    Some(seconds)
}

/// `HH:MM:SS` of a duration, rounded to the nearest second (the Wave Agent Length column).
pub fn format_length(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    format!(
        "{:02}:{:02}:{:02}",
        total / 3600,
        total / 60 % 60,
        total % 60
    )
}
