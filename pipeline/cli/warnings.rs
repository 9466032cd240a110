//! The per-file lines of `rollcall run`'s human output on stderr: why files failed, one line each,
//! and warnings and findings grouped, so "200 files: no track matches the mix patterns" is said once.
//! Files found already delivered do not repeat the warnings of the run that delivered them.

use rollcall_engine::{FileOutcome, FileStatus, RunSummary};

use crate::run::shown;
use crate::style::status;

/// Most example file names shown after a grouped line.
const EXAMPLES: usize = 3;

/// One message said about one or more files, in first-seen order.
struct Group<'a> {
    label: String,
    message: String,
    files: Vec<&'a FileOutcome>,
}

/// Print each failed, withheld, recovered or mirror file with its reason (errors even when
/// `quiet`), then, unless `quiet`, the warnings and findings of the files this run handled, grouped
/// by message.
pub fn print_file_lines(summary: &RunSummary, quiet: bool, printable: fn(&str) -> String) {
    for file in &summary.files {
        if let Some(reason) = &file.reason {
            let word = match file.status {
                FileStatus::Recovered => "recovered",
                FileStatus::Withheld => "withheld",
                FileStatus::Mirror if quiet => continue,
                FileStatus::Mirror => "mirror",
                FileStatus::Interrupted => continue,
                _ => "failed",
            };
            eprintln!(
                "rollcall: {}: {}: {}",
                status(word),
                shown(&file.source),
                printable(reason.strip_prefix("withheld: ").unwrap_or(reason))
            );
        }
    }
    if quiet {
        return;
    }
    for group in groups(summary, printable) {
        match group.files.as_slice() {
            [one] => eprintln!(
                "rollcall: {}: {}: {}",
                group.label,
                shown(&one.source),
                group.message
            ),
            files => {
                let examples: Vec<String> = files
                    .iter()
                    .take(EXAMPLES)
                    .map(|f| shown(&f.source))
                    .collect();
                let more = if files.len() > EXAMPLES { ", ..." } else { "" };
                eprintln!(
                    "rollcall: {}: {} files: {} (e.g. {}{more})",
                    group.label,
                    files.len(),
                    group.message,
                    examples.join(", ")
                );
            }
        }
    }
}

/// The warnings and findings of the files this run delivered or tried, grouped by what they say.
/// Files found already delivered are left out: their warnings were said when they were delivered.
/// `report/` findings are printed with the batch's reconciliation, not here.
fn groups<'a>(summary: &'a RunSummary, printable: fn(&str) -> String) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut add = |label: String, message: String, file: &'a FileOutcome| match groups
        .iter_mut()
        .find(|g| g.label == label && g.message == message)
    {
        Some(group) => {
            if !group.files.iter().any(|f| std::ptr::eq(*f, file)) {
                group.files.push(file);
            }
        }
        None => groups.push(Group {
            label,
            message,
            files: vec![file],
        }),
    };
    for file in &summary.files {
        if file.status == FileStatus::AlreadyDelivered {
            continue;
        }
        for warning in &file.warnings {
            add(status("warning"), printable(warning), file);
        }
        for finding in file
            .findings
            .iter()
            .filter(|f| !f.rule.starts_with("report/"))
        {
            add(
                status(&finding.severity.to_string()),
                format!("{}: {}", finding.rule, printable(&finding.message)),
                file,
            );
        }
    }
    groups
}
