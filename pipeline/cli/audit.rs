//! `rollcall audit`: the practice findings of a batch, grouped by roll, from headers only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rollcall_engine::{
    build_checks, build_steps, plan, roll_scheme, run_checks, FileStatus, Finding, PlanOptions,
    Severity,
};
use rollcall_host::PluginHost;
use rollcall_recipe::{find_inputs, Recipe};

use crate::{Outcome, PluginDirs};

/// Arguments of `rollcall audit`.
#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// The recipe (TOML).
    recipe: PathBuf,
    /// Files or folders to audit (folders are walked and matched against the recipe's [input]).
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<PathBuf>,
    /// Print the findings as a JSON array instead of the report.
    #[arg(long)]
    json: bool,
    /// Override a recipe value, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    plugin_dirs: PluginDirs,
}

/// A file's findings as the audit prints them.
struct AuditedFile {
    path: PathBuf,
    roll: Option<String>,
    findings: Vec<Finding>,
}

/// Plan the batch from headers (the steps' planning, nothing written), run the checks, print.
pub fn audit(args: AuditArgs) -> Result<Outcome> {
    let env = crate::env_options::recipe_env();
    let prepared = Recipe::load(&args.recipe, &args.set, &env)
        .map_err(rollcall_engine::EngineError::from)
        .and_then(|recipe| {
            let host = PluginHost::new(&args.plugin_dirs.dirs);
            let steps = build_steps(&recipe, &host)?;
            let checks = build_checks(&recipe, &host)?;
            Ok((recipe, steps, checks))
        });
    let (recipe, steps, checks) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            eprintln!("rollcall: {e}");
            return Ok(Outcome::Invalid);
        }
    };
    let walk = match find_inputs(&args.inputs, &recipe.input) {
        Ok(walk) => walk,
        Err(e) => {
            eprintln!("rollcall: {e}");
            return Ok(Outcome::Invalid);
        }
    };
    // Destinations are only named, never looked at: a root that does not exist.
    let options = PlanOptions {
        out_root: std::env::temp_dir().join(format!("rollcall-audit-{}", std::process::id())),
        vars: recipe.vars.clone(),
        derivation: String::new(),
        roll_scheme: roll_scheme(&recipe),
        keep_for_checks: !checks.is_empty(),
        supersede: false,
    };
    let mut planned = match plan(&walk, &steps, &options) {
        Ok(planned) => planned,
        Err(e) => {
            eprintln!("rollcall: {e}");
            return Ok(Outcome::Invalid);
        }
    };
    let batch = run_checks(&checks, &mut planned);
    let mut files: Vec<AuditedFile> = planned
        .files
        .iter()
        .map(|f| AuditedFile {
            path: f.source.clone(),
            roll: f.roll.clone(),
            findings: f.findings.clone(),
        })
        .collect();
    for skipped in &planned.skipped {
        // The engine's own findings say why a file is left out (a differing mirror carries
        // `take/mirror-differs`); a mirror of a take delivered from another card is no problem; any
        // other file left out without a finding could not be read or planned.
        let findings = if !skipped.findings.is_empty() {
            skipped.findings.clone()
        } else if skipped.status == FileStatus::Mirror {
            Vec::new()
        } else {
            vec![Finding::file(
                "file/unreadable",
                Severity::Error,
                skipped.path.clone(),
                skipped.reason.clone(),
            )]
        };
        files.push(AuditedFile {
            path: skipped.path.clone(),
            roll: None,
            findings,
        });
    }
    let all: Vec<&Finding> = files
        .iter()
        .flat_map(|f| &f.findings)
        .chain(&batch)
        .collect();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        print_by_roll(&files, &batch);
    }
    Ok(if all.iter().any(|f| f.severity == Severity::Error) {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn line(finding: &Finding) -> String {
    format!(
        "{:<7}  {:<20}  {}",
        finding.severity.as_str(),
        finding.rule,
        finding.message
    )
}

/// The report a sound editor reads: per roll, the roll's own findings, then each file's, worst first.
fn print_by_roll(files: &[AuditedFile], batch: &[Finding]) {
    let mut rolls: BTreeMap<Option<&str>, Vec<&AuditedFile>> = BTreeMap::new();
    for file in files {
        rolls.entry(file.roll.as_deref()).or_default().push(file);
    }
    let mut roll_findings: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for finding in batch {
        roll_findings
            .entry(finding.roll.as_deref())
            .or_default()
            .push(finding);
    }
    for (roll, group) in &rolls {
        let name = roll.unwrap_or("(no roll label)");
        let count = group.len();
        outln!(
            "roll {name}: {count} file{}",
            if count == 1 { "" } else { "s" }
        );
        if let Some(own) = roll_findings.remove(roll) {
            for finding in own {
                outln!("  {}", line(finding));
            }
        }
        let mut sorted: Vec<&&AuditedFile> =
            group.iter().filter(|f| !f.findings.is_empty()).collect();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        for file in sorted {
            outln!("  {}", file_name(&file.path));
            let mut findings: Vec<&Finding> = file.findings.iter().collect();
            findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
            for finding in findings {
                outln!("    {}", line(finding));
            }
        }
    }
    let rest: Vec<&Finding> = roll_findings.into_values().flatten().collect();
    if !rest.is_empty() {
        outln!("batch");
        for finding in rest {
            outln!("  {}", line(finding));
        }
    }
    let count = |severity| {
        files
            .iter()
            .flat_map(|f| &f.findings)
            .chain(batch)
            .filter(|f| f.severity == severity)
            .count()
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    outln!(
        "audit: {} in {}: {}, {}, {} info",
        plural(files.len(), "file"),
        plural(rolls.len(), "roll"),
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        count(Severity::Info)
    );
}
