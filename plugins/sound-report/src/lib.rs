//! rollcall step plugin `sound-report`: circled takes, notes and wild takes from the mixer's report.
//!
//! ```toml
//! [[step]]
//! plugin = "sound-report"
//! csv = "SoundReport.csv"   # relative to the recipe: a Wave Agent report or file,scene,take,circled,note[,tape]
//! fix_slate = false         # default; true: the report's scene and take win over a mis-slated file
//! ```
//!
//! For each take the report lists (by its source file name; a mono family row `NAME_X.WAV` lists
//! `NAME_1.WAV`, `NAME_2.WAV`...), the step sets iXML `CIRCLED` (`TRUE`/`FALSE`) and, when the report
//! has one, `NOTE` (the engine keeps the bext `CIRCLED=`/`NOTE=` lines in step), marks a wild take
//! (iXML `WILD_TRACK` `TRUE`), and sets the template token `{circled}` to `circled` or empty. With
//! `fix_slate = true` a scene or take that differs from the report's is replaced by the report's,
//! with a warning naming both. A file the report does not list gets no edit (the engine's
//! reconciliation reports it as `report/no-row`).

use rollcall_sdk::table::step_config;
use rollcall_sdk::{Edit, Step, StepContext, StepError, Take};
use rollcall_soundreport::{ReportRow, SoundReport, MAX_REPORT_BYTES};
use serde::Deserialize;

/// The `sound-report` step's recipe keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoundReportConfig {
    /// The mixer's report, relative to the recipe's folder.
    pub csv: String,
    /// Let the report's scene and take win over the file's. Default `false`.
    #[serde(default)]
    pub fix_slate: bool,
}

/// The `sound-report` step.
#[derive(Debug, Clone)]
pub struct SoundReportStep {
    report: SoundReport,
    fix_slate: bool,
}

/// Reads the report a step's `csv` key names (relative to the recipe's folder).
pub fn read_report(context: &StepContext, csv: &str) -> Result<SoundReport, StepError> {
    let path = context.resolve(csv);
    let meta = std::fs::metadata(&path)
        .map_err(|e| StepError::at_key("csv", format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_REPORT_BYTES as u64 {
        return Err(StepError::at_key(
            "csv",
            format!(
                "{}: {} bytes, more than the {MAX_REPORT_BYTES} a sound report may have",
                path.display(),
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| StepError::at_key("csv", format!("{}: {e}", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| csv.to_string());
    SoundReport::parse(&bytes, &name).map_err(|e| StepError::at_key("csv", e.to_string()))
}

/// A value from the report as iXML text: control characters (a line break in a note) become spaces.
fn single_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn same_take(a: &str, b: &str) -> bool {
    match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

impl SoundReportStep {
    /// The edits for a take the report lists in `row`.
    fn edits_for(&self, take: &Take, row: &ReportRow) -> Vec<Edit> {
        let mut edits = Vec::new();
        let ixml = |path: &str| take.ixml(path).map(str::trim);
        let circled = if row.circled { "TRUE" } else { "FALSE" };
        if ixml("CIRCLED") != Some(circled) {
            edits.push(Edit::SetIxml {
                path: "CIRCLED".into(),
                value: circled.into(),
            });
        }
        let note = single_line(&row.note);
        if !note.is_empty() && take.field("note") != Some(note.as_str()) {
            edits.push(Edit::SetIxml {
                path: "NOTE".into(),
                value: note,
            });
        }
        if row.wild && ixml("WILD_TRACK").is_none_or(|w| !w.eq_ignore_ascii_case("TRUE")) {
            edits.push(Edit::SetIxml {
                path: "WILD_TRACK".into(),
                value: "TRUE".into(),
            });
        }
        if self.fix_slate {
            for (field, listed, same) in [
                (
                    "scene",
                    &row.scene,
                    (|a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim()))
                        as fn(&str, &str) -> bool,
                ),
                ("take", &row.take, same_take),
            ] {
                let listed = single_line(listed);
                if listed.is_empty() {
                    continue;
                }
                let found = take.field(field).unwrap_or("");
                if !same(&listed, found) {
                    edits.push(Edit::SetIxml {
                        path: field.to_ascii_uppercase(),
                        value: listed.clone(),
                    });
                    edits.push(Edit::Warn(format!(
                        "mis-slated: the file says {field} {}, the sound report (row {}) says {listed}; the report wins",
                        if found.is_empty() { "nothing" } else { found },
                        row.line
                    )));
                }
            }
        }
        edits.push(Edit::SetToken {
            name: "circled".into(),
            value: if row.circled {
                "circled".into()
            } else {
                String::new()
            },
        });
        edits
    }
}

impl Step for SoundReportStep {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new("Reads the mixer's sound report into iXML CIRCLED, NOTE and WILD_TRACK (bext lines in step) and the {circled} token; the run reconciles the report with the batch.")
            .key("csv", "the mixer's report (Wave Agent layout, or file,scene,take,circled,note[,tape][,wild]), relative to the recipe's folder. Required")
            .key("fix_slate", "let the report's scene and take win over the file's, with a warning. Default false")
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: SoundReportConfig = step_config(context)?;
        let report = read_report(context, &config.csv)?;
        Ok(SoundReportStep {
            report,
            fix_slate: config.fix_slate,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        Ok(match self.report.row_for(&take.source_name) {
            Some(row) => self.edits_for(take, row),
            None => Vec::new(),
        })
    }
}

rollcall_sdk::export_step!(SoundReportStep, "sound-report");

#[cfg(test)]
mod tests;
