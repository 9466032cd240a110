//! The run report: one CSV row per input file, in the output root.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::execute::RunSummary;
use crate::output::TEMP_SUFFIX;
use crate::qc::{track_label, TakeQc};

/// `rollcall-report-<UTC timestamp>.csv` for a time.
pub fn report_file_name(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "rollcall-report-{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z.csv",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Gregorian date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A cell a spreadsheet cannot run as a formula: one starting with `=`, `+`, `-` or `@` (or a tab or
/// carriage return) gets a leading `'`.
pub fn spreadsheet_safe(value: &str) -> String {
    // Terminal escapes and bidi controls from names and metadata are shown escaped (`\u{1b}`).
    let escaped;
    let value = if value.chars().any(rollcall_sdk::template::is_hidden_control) {
        escaped = value
            .chars()
            .map(|c| {
                if rollcall_sdk::template::is_hidden_control(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>();
        escaped.as_str()
    } else {
        value
    };
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// The report's QC cells of one file.
#[derive(Default)]
struct QcCells {
    /// `4 CAPTAIN REYES (DPA 4060); 6 HARBORMASTER (COS-11D)`.
    silent: String,
    /// `2 Boom: 3 runs`.
    clipped: String,
    /// `1:-6.0 2:-0.1 3:-inf`: each track's sample peak (`-inf` for digital silence).
    peaks: String,
}

impl QcCells {
    fn of(qc: &TakeQc) -> QcCells {
        let without_word = |t: &crate::qc::TrackQc| {
            let label = track_label(t);
            label.strip_prefix("track ").unwrap_or(&label).to_string()
        };
        let silent: Vec<String> = qc
            .tracks
            .iter()
            .filter(|t| t.silent)
            .map(without_word)
            .collect();
        let clipped: Vec<String> = qc
            .tracks
            .iter()
            .filter(|t| t.clipped_runs > 0)
            .map(|t| format!("{}: {} runs", without_word(t), t.clipped_runs))
            .collect();
        let peaks: Vec<String> = qc
            .tracks
            .iter()
            .map(|t| match t.peak_dbfs {
                Some(db) => format!("{}:{db:.1}", t.track),
                None => format!("{}:-inf", t.track),
            })
            .collect();
        QcCells {
            silent: silent.join("; "),
            clipped: clipped.join("; "),
            peaks: peaks.join(" "),
        }
    }
}

/// Write the report into the output root; never replaces an existing report.
pub fn write_report(out_root: &Path, summary: &RunSummary) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(out_root)?;
    let mut body = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    body.write_record([
        "source",
        "destination",
        "status",
        "reason",
        "xxh128",
        "silent_tracks",
        "clipped_tracks",
        "peak_dbfs",
        "findings",
        "superseded",
    ])
    .map_err(std::io::Error::other)?;
    for file in &summary.files {
        // Relative to the output root, as in `run --json` and the dry run's plan.
        let destination = file
            .destination
            .as_ref()
            .map(|d| d.strip_prefix(out_root).unwrap_or(d).display().to_string())
            .unwrap_or_default();
        let qc_cells = file.qc.as_ref().map(QcCells::of).unwrap_or_default();
        body.write_record([
            spreadsheet_safe(&file.source.display().to_string()),
            spreadsheet_safe(&destination),
            file.status.as_str().to_string(),
            spreadsheet_safe(file.reason.as_deref().unwrap_or("")),
            file.checksum.clone().unwrap_or_default(),
            spreadsheet_safe(&qc_cells.silent),
            spreadsheet_safe(&qc_cells.clipped),
            qc_cells.peaks,
            spreadsheet_safe(
                &file
                    .findings
                    .iter()
                    .map(|f| format!("{} {}: {}", f.severity, f.rule, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            spreadsheet_safe(file.superseded.as_deref().unwrap_or("")),
        ])
        .map_err(std::io::Error::other)?;
    }
    let bytes = body
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let name = report_file_name(SystemTime::now());
    let stem = name.trim_end_matches(".csv").to_string();
    let mut attempt = 0u32;
    loop {
        let path = if attempt == 0 {
            out_root.join(&name)
        } else {
            out_root.join(format!("{stem}-{attempt}.csv"))
        };
        // Named like the engine's other temp files; written through the plain `File` so that an
        // error (a full disk) names the problem, not the temp file that is removed anyway.
        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(TEMP_SUFFIX)
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .tempfile_in(out_root)
            .map_err(|e| std::io::Error::new(e.kind(), strip_path(&e)))?;
        temp.as_file_mut().write_all(&bytes)?;
        temp.as_file().sync_all()?;
        match temp.persist_noclobber(&path) {
            Ok(_) => {
                crate::output::sync_folder(out_root).map_err(std::io::Error::other)?;
                return Ok(path);
            }
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// Write the run's summary document (recipe, rollcall version, totals, one entry per file: the
/// `run --json` document) beside the CSV report `report`, as `<same name>.json`; never replaces a file.
pub fn write_report_summary(report: &Path, document: &str) -> std::io::Result<PathBuf> {
    let folder = report.parent().unwrap_or(Path::new("."));
    let path = report.with_extension("json");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(TEMP_SUFFIX)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(folder)
        .map_err(|e| std::io::Error::new(e.kind(), strip_path(&e)))?;
    temp.as_file_mut().write_all(document.as_bytes())?;
    temp.as_file_mut().write_all(b"\n")?;
    temp.as_file().sync_all()?;
    temp.persist_noclobber(&path).map_err(|e| e.error)?;
    crate::output::sync_folder(folder).map_err(std::io::Error::other)?;
    Ok(path)
}

/// An I/O error's message without the path `tempfile` appends (`... at path "..."`).
fn strip_path(error: &std::io::Error) -> String {
    let text = error.to_string();
    text.split(" at path ")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn report_names_carry_the_utc_time() {
        let time = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(
            report_file_name(time),
            "rollcall-report-20261118T110640Z.csv"
        );
        assert_eq!(
            report_file_name(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "rollcall-report-20000229T000000Z.csv"
        );
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=1+1"), "'=1+1");
        assert_eq!(spreadsheet_safe("+cmd"), "'+cmd");
        assert_eq!(spreadsheet_safe("-2"), "'-2");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("/rolls/A.wav"), "/rolls/A.wav");
    }
}
