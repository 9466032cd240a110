//! The rules about rolls and the whole batch: one rate across the batch, roll labels, repeated
//! rolls (two recorders, two production days, the ledger), mixed card folders, mirrors that differ.

use std::collections::{BTreeMap, BTreeSet};

use rollcall_rolls::{parse_label, production_day, LabelError, Scheme};
use rollcall_sdk::{CheckedTake, Finding, Severity};

use crate::rules::{finding, roll_of, timecode_rate};
use crate::PracticeCheck;

/// Every batch rule.
pub(crate) fn batch_findings(check: &PracticeCheck, batch: &[CheckedTake]) -> Vec<Finding> {
    let mut out = Vec::new();
    if check.sample_rate.is_none() {
        one_value_across_batch(
            batch,
            "format/sample-rate",
            "sample rate",
            |t| Some(format!("{} Hz", t.source.fmt.sample_rate)),
            &mut out,
        );
    }
    if check.timecode_rate.is_none() {
        one_value_across_batch(
            batch,
            "format/timecode-rate",
            "timecode rate",
            |t| timecode_rate(&t.source).map(|r| r.label()),
            &mut out,
        );
    }
    labels(check, batch, &mut out);
    repeated(check, batch, &mut out);
    mixed_folders(batch, &mut out);
    mirrors(batch, &mut out);
    out
}

/// Files whose value differs from the batch's most common one (ties: the smallest value wins).
fn one_value_across_batch(
    batch: &[CheckedTake],
    rule: &str,
    what: &str,
    value: impl Fn(&CheckedTake) -> Option<String>,
    out: &mut Vec<Finding>,
) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let values: Vec<Option<String>> = batch.iter().map(&value).collect();
    for v in values.iter().flatten() {
        *counts.entry(v.clone()).or_default() += 1;
    }
    if counts.len() < 2 {
        return;
    }
    let Some((common, _)) = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
    else {
        return;
    };
    for (take, v) in batch.iter().zip(&values) {
        if let Some(v) = v.as_ref().filter(|v| *v != common) {
            out.push(finding(
                take,
                rule,
                Severity::Warning,
                format!("{what} {v}; the rest of the batch is {common}"),
            ));
        }
    }
}

fn scheme_of(
    check: &PracticeCheck,
    batch: &[CheckedTake],
) -> (Scheme, Option<String>, Option<String>) {
    let vars = batch.first().map(|t| &t.source.vars);
    let show = vars.and_then(|v| v.get("show")).cloned();
    let season = vars.and_then(|v| v.get("season")).cloned();
    let scheme = check
        .scheme
        .unwrap_or_else(|| Scheme::default_for(season.as_deref()));
    (scheme, show, season)
}

/// Each roll label that does not follow the scheme, once per roll; a take without a label, per take.
fn labels(check: &PracticeCheck, batch: &[CheckedTake], out: &mut Vec<Finding>) {
    let (scheme, show, season) = scheme_of(check, batch);
    let mut judged: BTreeSet<String> = BTreeSet::new();
    for take in batch {
        match roll_of(take) {
            None => out.push(finding(
                take,
                "roll/label",
                Severity::Warning,
                "no roll label (iXML TAPE or bext TAPE)".to_string(),
            )),
            Some(label) => {
                if !judged.insert(label.clone()) {
                    continue;
                }
                match parse_label(&label, scheme, show.as_deref(), season.as_deref()) {
                    Ok(_) => {}
                    // Without [vars] show (or season for a series) there is no scheme to judge by.
                    Err(LabelError::NoShow | LabelError::NoSeason) => {}
                    Err(e) => out.push(
                        Finding::batch("roll/label", Severity::Warning, e.to_string())
                            .in_roll(Some(label)),
                    ),
                }
            }
        }
    }
}

/// The recorder of a take: bext originator (model and serial), else iXML `BWF_ORIGINATOR`.
fn recorder_of(take: &CheckedTake) -> Option<String> {
    take.source
        .bext
        .as_ref()
        .map(|b| b.originator.trim().to_string())
        .filter(|o| !o.is_empty())
        .or_else(|| {
            take.source
                .ixml("BWF_ORIGINATOR")
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
        })
}

/// The production day of a take, from bext origination date and time (else iXML `BWF_ORIGINATION_*`).
pub(crate) fn day_of(check: &PracticeCheck, take: &CheckedTake) -> Option<String> {
    let source = &take.source;
    let (date, time) = match &source.bext {
        Some(b) if !b.origination_date.trim().is_empty() => {
            (b.origination_date.clone(), b.origination_time.clone())
        }
        _ => (
            source
                .ixml("BWF_ORIGINATION_DATE")
                .unwrap_or("")
                .to_string(),
            source
                .ixml("BWF_ORIGINATION_TIME")
                .unwrap_or("")
                .to_string(),
        ),
    };
    production_day(&date, &time, check.cutoff_minutes)
}

/// The identity the ledger keeps for a file: its `FILE_UID`, else its source file name.
pub(crate) fn identity_of(take: &CheckedTake) -> String {
    take.source
        .ixml("FILE_UID")
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| take.source.source_name.clone())
}

/// One label on two recorders, two production days, or already in the ledger from an earlier day
/// with files it does not know. Every file of the roll (not in the ledger) gets the error.
fn repeated(check: &PracticeCheck, batch: &[CheckedTake], out: &mut Vec<Finding>) {
    let mut rolls: BTreeMap<String, Vec<&CheckedTake>> = BTreeMap::new();
    for take in batch {
        if let Some(label) = roll_of(take) {
            rolls
                .entry(label.to_ascii_uppercase())
                .or_default()
                .push(take);
        }
    }
    for takes in rolls.values() {
        let label = takes.first().and_then(|t| roll_of(t)).unwrap_or_default();
        let recorders: BTreeSet<String> = takes.iter().filter_map(|t| recorder_of(t)).collect();
        let days: BTreeSet<String> = takes.iter().filter_map(|t| day_of(check, t)).collect();
        let known: BTreeSet<&str> = check
            .ledger
            .iter()
            .filter(|r| r.roll.eq_ignore_ascii_case(&label))
            .flat_map(|r| [r.first.as_str(), r.last.as_str()])
            .collect();
        let mut reason = None;
        if recorders.len() > 1 {
            reason = Some(format!(
                "roll {label} holds files from {} recorders ({}): DO NOT repeat sound roll numbers",
                recorders.len(),
                recorders.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        } else if days.len() > 1 {
            reason = Some(format!(
                "roll {label} holds files from {} production days ({}): DO NOT repeat sound roll numbers",
                days.len(),
                days.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        } else if let Some(day) = days.first() {
            let earlier: Vec<&rollcall_rolls::LedgerRow> = check
                .ledger
                .iter()
                .filter(|r| {
                    r.roll.eq_ignore_ascii_case(&label) && !r.day.is_empty() && r.day < *day
                })
                .collect();
            let resumed = takes
                .iter()
                .any(|t| known.contains(identity_of(t).as_str()));
            if let (Some(first), false) = (earlier.first(), resumed) {
                reason = Some(format!(
                    "roll {label} was already delivered for production day {} (ledger, {} files); \
                     this batch is from {day}: DO NOT repeat sound roll numbers",
                    first.day, first.files
                ));
            }
        }
        if let Some(reason) = reason {
            for take in takes {
                if known.contains(identity_of(take).as_str()) {
                    continue;
                }
                out.push(finding(
                    take,
                    "roll/repeated",
                    Severity::Error,
                    reason.clone(),
                ));
            }
        }
    }
}

/// The source card folder of a take: the folder of its path.
fn folder_of(take: &CheckedTake) -> String {
    let path = take.path();
    match path.rfind(['/', '\\']) {
        Some(slash) => path.get(..slash).unwrap_or("").to_string(),
        None => String::new(),
    }
}

/// One card folder holding several roll labels.
fn mixed_folders(batch: &[CheckedTake], out: &mut Vec<Finding>) {
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for take in batch {
        if let Some(label) = roll_of(take) {
            folders.entry(folder_of(take)).or_default().insert(label);
        }
    }
    for (folder, labels) in folders {
        if labels.len() > 1 {
            let list: Vec<String> = labels.into_iter().collect();
            out.push(Finding::batch(
                "roll/mixed-folder",
                Severity::Warning,
                format!(
                    "card folder {} holds {} rolls ({}); one card folder per roll",
                    if folder.is_empty() { "." } else { &folder },
                    list.len(),
                    list.join(", ")
                ),
            ));
        }
    }
}

/// Two takes with one `FILE_UID` whose format or length differ: not a mirror, an error on both.
fn mirrors(batch: &[CheckedTake], out: &mut Vec<Finding>) {
    let mut by_uid: BTreeMap<String, Vec<&CheckedTake>> = BTreeMap::new();
    for take in batch {
        if let Some(uid) = take
            .source
            .ixml("FILE_UID")
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            by_uid.entry(uid.to_string()).or_default().push(take);
        }
    }
    for (uid, takes) in by_uid {
        if takes.len() < 2 {
            continue;
        }
        let shape = |t: &CheckedTake| {
            let f = &t.source.fmt;
            (f.channels, f.sample_rate, f.bits_per_sample, f.frames)
        };
        let first = shape(takes[0]);
        if takes.iter().all(|t| shape(t) == first) {
            continue;
        }
        let cards: Vec<&str> = takes.iter().map(|t| t.path()).collect();
        for take in &takes {
            out.push(finding(
                take,
                "take/mirror-differs",
                Severity::Error,
                format!(
                    "FILE_UID {uid} is on {} cards with different audio ({}): {}",
                    takes.len(),
                    takes
                        .iter()
                        .map(|t| format!("{} frames", t.source.fmt.frames))
                        .collect::<Vec<_>>()
                        .join(" vs "),
                    cards.join(", ")
                ),
            ));
        }
    }
}
