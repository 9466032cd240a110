//! Practice checks (`[[check]]` plugins, SDK 1.1): building them, the roll tokens every template
//! sees, and running them over a planned batch.
//!
//! Each check sees every planned take as it will be delivered beside the source's description (in
//! parallel), then the whole batch once. The recipe's `severity` table of a check is applied to its
//! findings here; a finding without a roll gets the take's roll label.

use rayon::prelude::*;
use rollcall_findings::{Finding, Severity, SeverityOverrides};
use rollcall_host::{LoadedCheck, PluginHost};
use rollcall_recipe::Recipe;
use rollcall_rolls::{parse_label, Scheme};
use rollcall_sdk::{StepContext, Take};

use crate::plan::Plan;
use crate::EngineError;

/// A check ready to run: its position in the recipe, the plugin's check and the recipe's severities.
pub struct BuiltCheck {
    /// 1-based position among the recipe's checks.
    pub index: usize,
    /// Plugin name as written in the recipe.
    pub plugin: String,
    /// The built check.
    pub check: LoadedCheck,
    /// The recipe's `severity` table for this check.
    pub severity: SeverityOverrides,
    /// The check's `day_cutoff` (`HH:MM`) in minutes, when it has one: where the ledger's
    /// production day ends.
    pub day_cutoff: Option<u32>,
}

/// Load every check's plugin and build the check from its table (what `rollcall check` runs too);
/// any failure names the recipe file, the line and the check.
pub fn build_checks(recipe: &Recipe, host: &PluginHost) -> Result<Vec<BuiltCheck>, EngineError> {
    let mut built = Vec::with_capacity(recipe.checks.len());
    let mut problems = Vec::new();
    for spec in &recipe.checks {
        let location = format!(
            "{}:{}: check {} (`{}`)",
            recipe.path.display(),
            spec.line,
            spec.index,
            spec.plugin
        );
        let plugin = match host.load_check(&spec.plugin) {
            Ok(plugin) => plugin,
            Err(e) => {
                problems.push(format!("{location}: {e}"));
                continue;
            }
        };
        match plugin.build(&StepContext::new(spec.table.clone(), recipe.dir.clone())) {
            Ok(check) => built.push(BuiltCheck {
                index: spec.index,
                plugin: spec.plugin.clone(),
                check,
                severity: spec.severity.clone(),
                day_cutoff: match spec.table.get("day_cutoff") {
                    Some(toml::Value::String(text)) => rollcall_rolls::parse_cutoff(text),
                    _ => None,
                },
            }),
            Err(e) => problems.push(format!(
                "{}:{}: check {} (`{}`): {e}",
                recipe.path.display(),
                recipe.check_line_of(spec.index, e.key.as_deref()),
                spec.index,
                spec.plugin
            )),
        }
    }
    if problems.is_empty() {
        Ok(built)
    } else {
        Err(EngineError::Step(problems.join("\n")))
    }
}

/// The roll scheme templates read labels by: a check's `roll_scheme` key, else series when
/// `[vars]` has a season, film otherwise.
pub fn roll_scheme(recipe: &Recipe) -> Scheme {
    recipe
        .checks
        .iter()
        .find_map(|c| match c.table.get("roll_scheme") {
            Some(toml::Value::String(word)) => Scheme::parse(word),
            _ => None,
        })
        .unwrap_or_else(|| Scheme::default_for(recipe.vars.get("season").map(String::as_str)))
}

/// Give a take the tokens `{roll}`, `{unit}` and `{recorder}` when its roll label (`tape`) follows
/// the scheme with the recipe's `show` and `season`.
pub fn add_roll_tokens(take: &mut Take, scheme: Scheme) {
    let Some(label) = take.field("tape").map(str::to_string) else {
        return;
    };
    let parsed = parse_label(
        &label,
        scheme,
        take.vars.get("show").map(String::as_str),
        take.vars.get("season").map(String::as_str),
    );
    if let Ok(parsed) = parsed {
        take.tokens.insert("roll".into(), parsed.roll);
        take.tokens
            .insert("unit".into(), parsed.unit.as_str().into());
        take.tokens
            .insert("recorder".into(), parsed.recorder.to_string());
    }
}

/// An error finding for a check plugin that failed on a take or on the batch.
fn check_failed(built: &BuiltCheck, path: Option<&std::path::Path>, error: &str) -> Finding {
    let message = format!("check {} (`{}`) failed: {error}", built.index, built.plugin);
    match path {
        Some(path) => Finding::file("check/failed", Severity::Error, path, message),
        None => Finding::batch("check/failed", Severity::Error, message),
    }
}

/// Run every check over the plan: each planned file's findings go into its `findings`; findings
/// about rolls or the batch are returned. The described takes are dropped afterwards.
pub fn run_checks(checks: &[BuiltCheck], plan: &mut Plan) -> Vec<Finding> {
    let mut batch_findings = Vec::new();
    if !checks.is_empty() {
        let per_file: Vec<Vec<Finding>> = plan
            .files
            .par_iter()
            .map(|file| {
                let Some(described) = file.described.as_deref() else {
                    return Vec::new();
                };
                let (take, source) = described;
                let mut found = Vec::new();
                for built in checks {
                    match built.check.check_take(take, source) {
                        Ok(findings) => found.extend(findings.into_iter().map(|mut f| {
                            built.severity.apply(&mut f);
                            f
                        })),
                        Err(e) => found.push(check_failed(built, Some(&file.source), &e)),
                    }
                }
                found
            })
            .collect();
        for (file, found) in plan.files.iter_mut().zip(per_file) {
            file.findings.extend(found);
        }
        // The ledger entries first, so the batch can take the described takes instead of a copy.
        set_ledger_entries(checks, plan);
        let batch: Vec<(Take, Take)> = plan
            .files
            .iter_mut()
            .filter_map(|f| f.described.take().map(|described| *described))
            .collect();
        for built in checks {
            match built.check.check_batch(&batch) {
                Ok(findings) => {
                    for mut finding in findings {
                        built.severity.apply(&mut finding);
                        let file = finding
                            .path
                            .as_ref()
                            .and_then(|path| plan.files.iter_mut().find(|f| &f.source == path));
                        match file {
                            Some(file) => file.findings.push(finding),
                            None => batch_findings.push(finding),
                        }
                    }
                }
                Err(e) => batch_findings.push(check_failed(built, None, &e)),
            }
        }
    }
    set_ledger_entries(checks, plan);
    for file in &mut plan.files {
        for finding in &mut file.findings {
            if finding.roll.is_none() {
                finding.roll = file.roll.clone();
            }
            if finding.path.is_none() {
                finding.path = Some(file.source.clone());
            }
        }
        file.described = None;
    }
    batch_findings
}

/// Set each planned file's roll-ledger entry from its described source take, where it still has one.
fn set_ledger_entries(checks: &[BuiltCheck], plan: &mut Plan) {
    let cutoff = checks
        .iter()
        .find_map(|c| c.day_cutoff)
        .unwrap_or(DEFAULT_DAY_CUTOFF);
    for file in &mut plan.files {
        if let Some(described) = file.described.as_deref() {
            file.ledger_entry = crate::ledger::ledger_entry(&described.1, cutoff);
        }
    }
}

/// A production day runs to 06:00 unless a check says otherwise.
pub(crate) const DEFAULT_DAY_CUTOFF: u32 = 6 * 60;

/// Whether a file is withheld: an `error` finding, unless the recipe delivers on error.
pub fn withholding(findings: &[Finding]) -> Option<String> {
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect();
    (!errors.is_empty()).then(|| format!("withheld: {}", errors.join("; ")))
}
