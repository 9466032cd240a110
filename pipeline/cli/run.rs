//! `rollcall run` and `rollcall check`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use rollcall_engine::{
    append_ledger, attach_findings, build_checks, build_steps, execute, ledger_rows, lock_output,
    mixer_reports, plan, reconcile_batch, roll_scheme, run_checks, run_stamp, start_watchdog,
    write_report, write_report_summary, write_sound_reports, BuiltCheck, BuiltStep, EngineError,
    ExecuteOptions, FileStatus, Plan, PlanOptions, RunSummary, SoundReport, SoundReportOptions,
    LOCK_FILE,
};
use rollcall_host::PluginHost;
use rollcall_recipe::{find_inputs, Recipe};
use serde::Serialize;

use crate::{Outcome, PluginDirs};

/// Arguments of `rollcall run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The recipe (TOML).
    recipe: PathBuf,
    /// Files or folders to process (folders are walked and matched against the recipe's [input]).
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Root of the delivered tree (overrides the recipe's [output] dir).
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the plan and write nothing.
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Files written at once (default: ROLLCALL_JOBS, else one per core).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Print one JSON document on stdout (the plan, or the run's per-file results).
    #[arg(long)]
    json: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
    /// Override a recipe value: `output.dir=/x`, `vars.show=TWD`, `step.2.template={scene}_{take}`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    plugin_dirs: PluginDirs,
    /// Do not read each output back to verify its audio.
    #[arg(long)]
    no_verify: bool,
    /// Deliver a file whose destination holds another version (a corrected cast CSV or recipe):
    /// the old one is moved aside under `superseded/<UTC time>/` in the output root, never deleted.
    #[arg(long)]
    supersede: bool,
    /// Seconds a plugin may spend on one take before the run stops, naming it (plugins run inside
    /// rollcall and cannot be stopped one by one).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    plugin_timeout: u64,
}

/// Arguments of `rollcall check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The recipe (TOML).
    recipe: PathBuf,
    /// Override a recipe value, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    plugin_dirs: PluginDirs,
}

pub(crate) fn load_recipe(path: &Path, overrides: &[String]) -> Result<Recipe, EngineError> {
    let env = crate::env_options::recipe_env();
    Recipe::load(path, overrides, &env).map_err(|error| {
        let text = error.to_string();
        match crate::env_options::known_variables_hint(&text) {
            Some(hint) => EngineError::Output(format!("{text}\n{hint}")),
            None => EngineError::Recipe(error),
        }
    })
}

/// What the recipe's steps do (plugins and tables, not comments), so derived values are deterministic.
pub(crate) fn derivation(recipe: &Recipe) -> String {
    recipe.fingerprint()
}

/// Load the recipe, exchange hellos with every plugin and build every step and check from its
/// table (a step's or check's `new` is its validation); touch no audio.
pub fn check(args: CheckArgs) -> Result<Outcome> {
    install_plugin_log(false);
    let result = load_recipe(&args.recipe, &args.set).and_then(|recipe| {
        let host = PluginHost::new(&args.plugin_dirs.dirs);
        let steps = build_steps(&recipe, &host);
        let checks = build_checks(&recipe, &host);
        match (steps, checks) {
            (Ok(steps), Ok(checks)) => Ok((recipe, steps, checks)),
            (Err(EngineError::Step(a)), Err(EngineError::Step(b))) => {
                Err(EngineError::Step(format!("{a}\n{b}")))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    });
    match result {
        Ok((recipe, steps, checks)) => {
            outln!(
                "{}: ok, {} step{}{}{}",
                recipe.path.display(),
                steps.len(),
                if steps.len() == 1 { "" } else { "s" },
                steps
                    .iter()
                    .map(|s| format!(" {}", s.plugin))
                    .collect::<String>(),
                if checks.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {} check{}{}",
                        checks.len(),
                        if checks.len() == 1 { "" } else { "s" },
                        checks
                            .iter()
                            .map(|c| format!(" {}", c.plugin))
                            .collect::<String>()
                    )
                }
            );
            Ok(Outcome::Success)
        }
        Err(e) => {
            eprintln!("rollcall: {}", printable_lines(&e.to_string()));
            Ok(Outcome::Invalid)
        }
    }
}

/// Plan the batch, check it whole, then (unless dry) write, verify and report.
pub fn run(args: RunArgs) -> Result<Outcome> {
    install_plugin_log(args.quiet);
    let jobs = match args.jobs {
        Some(jobs) => Some(jobs),
        None => match crate::env_options::jobs_from_env() {
            Ok(jobs) => jobs,
            Err(e) => {
                eprintln!("rollcall: {e}");
                return Ok(Outcome::Invalid);
            }
        },
    };
    let prepared = prepare(&args);
    let (recipe, steps, checks, out_root) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            eprintln!("rollcall: {}", printable_lines(&e.to_string()));
            return Ok(Outcome::Invalid);
        }
    };
    let walk = match find_inputs(&args.inputs, &recipe.input) {
        Ok(walk) => walk,
        Err(e) => {
            eprintln!("rollcall: {}", printable_lines(&e.to_string()));
            return Ok(Outcome::Invalid);
        }
    };
    let left_out = &walk.left_out;
    let examples = || {
        left_out
            .examples
            .iter()
            .map(|p| printable(&p.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if walk.files.is_empty() && walk.problems.is_empty() {
        let inputs = args
            .inputs
            .iter()
            .map(|p| printable(&p.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ");
        let also = if left_out.count > 0 {
            format!(
                " ({} other files are not taken by the recipe's [input] globs, e.g. {})",
                left_out.count,
                examples()
            )
        } else {
            String::new()
        };
        eprintln!("rollcall: no WAV files found under {inputs}{also}; nothing to do");
        return Ok(Outcome::Invalid);
    }
    if left_out.count > 0 && !args.quiet {
        eprintln!(
            "rollcall: note: {} files under the inputs are not taken by the recipe's [input] globs (e.g. {})",
            left_out.count,
            examples()
        );
    }
    let options = PlanOptions {
        out_root: out_root.clone(),
        vars: recipe.vars.clone(),
        derivation: derivation(&recipe),
        roll_scheme: roll_scheme(&recipe),
        keep_for_checks: !checks.is_empty(),
        supersede: args.supersede,
    };
    // A real run holds the output root's lock from planning to the report: two runs never write
    // into one tree at once.
    let _lock = if args.dry_run {
        None
    } else {
        match lock_output(&out_root) {
            Ok(lock) => Some(lock),
            Err(e) => {
                eprintln!("rollcall: {}", printable_lines(&e.to_string()));
                return Ok(Outcome::Invalid);
            }
        }
    };
    let lock_path = (!args.dry_run).then(|| out_root.join(LOCK_FILE));
    start_watchdog(
        std::time::Duration::from_secs(args.plugin_timeout.max(1)),
        Box::new(move |sentence| {
            eprintln!("rollcall: {sentence}");
            if let Some(lock) = &lock_path {
                let _ = std::fs::remove_file(lock);
            }
            crate::finished();
            std::process::exit(2);
        }),
    );
    let planning = crate::progress::PlanningLine::start(!args.quiet && !args.json);
    let planned = plan(&walk, &steps, &options);
    drop(planning);
    let mut plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("rollcall: {}", printable_lines(&e.to_string()));
            return Ok(Outcome::Invalid);
        }
    };
    let batch_findings = run_checks(&checks, &mut plan);
    if args.dry_run {
        return print_plan(&plan, args.json);
    }
    // The mixer's reports (the sound-report steps' `csv`) against the whole batch.
    let mixer_reports = match mixer_reports(&recipe) {
        Ok(reports) => reports,
        Err(e) => {
            eprintln!("rollcall: {}", printable_lines(&e.to_string()));
            return Ok(Outcome::Invalid);
        }
    };
    let report_findings = reconcile_batch(&mixer_reports, &plan);
    let interrupt = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&interrupt);
        // Ctrl-C stops new files from starting; what was delivered is reported (exit 130).
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    }
    let progress = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let mut summary = execute(
        &plan,
        &ExecuteOptions {
            jobs,
            verify: !args.no_verify,
            progress,
            qc: recipe.qc.clone(),
            deliver_on_error: recipe.output.deliver_on_error,
            interrupt: Some(Arc::clone(&interrupt)),
            md5: recipe.manifest.md5(),
            ..ExecuteOptions::default()
        },
    );
    summary.findings.extend(batch_findings);
    attach_findings(&mut summary, report_findings);
    let end = RunEnd {
        recipe_name: recipe.name.clone(),
        ledger: recipe.ledger(),
        show: recipe.vars.get("show").cloned(),
        md5: recipe.manifest.md5(),
        quiet: args.quiet,
        json: args.json,
    };
    conclude(&end, out_root, plan, summary, mixer_reports)
}

/// What the end of a run needs (the ledger, the report, the sound reports, the manifest, the exit
/// code); `rollcall finish` ends a sharded run the same way.
pub(crate) struct RunEnd {
    /// The recipe's `[recipe] name`, for `--json`.
    pub recipe_name: Option<String>,
    /// The roll ledger, when a check keeps one.
    pub ledger: Option<PathBuf>,
    /// `[vars] show`.
    pub show: Option<String>,
    /// `[manifest] hashes` has `md5`.
    pub md5: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `--json`.
    pub json: bool,
}

/// The end of a run once every file is delivered or not: append the roll ledger, write the report,
/// the sound reports and the manifest generation, say what happened, and choose the exit code.
pub(crate) fn conclude(
    args: &RunEnd,
    out_root: PathBuf,
    plan: Plan,
    summary: RunSummary,
    mixer_reports: Vec<SoundReport>,
) -> Result<Outcome> {
    // The roll ledger, after delivery (never on a dry run): what the next day's run checks against.
    let ledger_failed = match args.ledger.clone() {
        Some(ledger) => {
            let rows = ledger_rows(&plan, &summary, &run_stamp(std::time::SystemTime::now()));
            match append_ledger(&ledger, &rows) {
                Ok(_) => false,
                Err(e) => {
                    eprintln!("rollcall: roll ledger {}: {e}", ledger.display());
                    true
                }
            }
        }
        None => false,
    };
    let report = write_report(&out_root, &summary)
        .with_context(|| format!("writing the report into {}", out_root.display()));
    let sound_reports = write_sound_reports(
        &out_root,
        &summary,
        &SoundReportOptions {
            show: args.show.clone(),
            mixer_reports,
        },
    )
    .with_context(|| format!("writing the sound reports into {}", out_root.display()));
    if !args.quiet {
        for finding in summary
            .findings
            .iter()
            .chain(summary.files.iter().flat_map(|f| f.findings.iter()))
            .filter(|f| f.rule.starts_with("report/"))
        {
            eprintln!(
                "rollcall: {}: {}: {}",
                finding.severity,
                finding.rule,
                printable(&finding.message)
            );
        }
    }
    // The summary beside the CSV: the recipe, the rollcall version and the totals, which a CSV of
    // one row per file cannot carry.
    let report_files: Vec<PathBuf> = match &report {
        Ok(csv) => {
            let summary_written =
                crate::run_document::document(&summary, args.recipe_name.as_deref(), &out_root)
                    .and_then(|text| Ok(write_report_summary(csv, &text)?));
            match summary_written {
                Ok(json) => vec![csv.clone(), json],
                Err(e) => {
                    eprintln!("rollcall: the report summary was not written: {e:#}");
                    vec![csv.clone()]
                }
            }
        }
        Err(_) => Vec::new(),
    };
    let manifest = crate::verify::manifest_after_run(&out_root, &summary, &report_files, args.md5);
    crate::warnings::print_file_lines(&summary, args.quiet, printable);
    if !args.quiet {
        for finding in &summary.findings {
            if finding.severity != rollcall_engine::Severity::Info {
                eprintln!(
                    "rollcall: {}: roll {}: {}: {}",
                    finding.severity,
                    finding.roll.as_deref().unwrap_or("-"),
                    finding.rule,
                    printable(&finding.message)
                );
            }
        }
    }
    if args.json {
        crate::run_document::print(&summary, args.recipe_name.as_deref(), &out_root)?;
    }
    let count = |status| summary.files.iter().filter(|f| f.status == status).count();
    if !args.quiet {
        let optional = |n: usize, word: &str| {
            if n > 0 {
                format!(", {n} {word}")
            } else {
                String::new()
            }
        };
        let superseded = summary
            .files
            .iter()
            .filter(|f| f.superseded.is_some())
            .count();
        eprintln!(
            "rollcall: {} delivered{}{}, {} already delivered, {} failed{}{}{}",
            count(FileStatus::Delivered),
            optional(
                superseded,
                "superseding an earlier version (kept under superseded/)"
            ),
            optional(count(FileStatus::Recovered), "recovered"),
            count(FileStatus::AlreadyDelivered),
            count(FileStatus::Failed),
            optional(count(FileStatus::Withheld), "withheld"),
            optional(count(FileStatus::Interrupted), "not started (interrupted)"),
            match &report {
                Ok(path) => format!("; report {}", path.display()),
                Err(_) => String::new(),
            }
        );
    }
    let report_failed = match report {
        Ok(_) => false,
        Err(e) => {
            eprintln!("rollcall: {e:#}");
            true
        }
    };
    if let (false, Ok(Some(index))) = (args.quiet, sound_reports.as_ref().map(|p| p.last())) {
        eprintln!("rollcall: sound reports: {}", index.display());
    }
    let report_failed = match sound_reports {
        Ok(_) => report_failed,
        Err(e) => {
            eprintln!("rollcall: {e:#}");
            true
        }
    };
    let manifest_failed = match manifest {
        Ok(written) => {
            if let Some(written) = &written {
                crate::verify::print_manifest(written, args.quiet);
            }
            written.is_some_and(|w| !w.not_listed.is_empty())
        }
        Err(e) => {
            eprintln!("rollcall: the delivery manifest was not written: {e}");
            true
        }
    };
    if summary.interrupted() {
        eprintln!("rollcall: interrupted; run the same command again to finish the delivery");
        return Ok(Outcome::Interrupted);
    }
    Ok(
        if summary.failed() > 0 || report_failed || manifest_failed || ledger_failed {
            Outcome::SomeFailed
        } else {
            Outcome::Success
        },
    )
}

type Prepared = (Recipe, Vec<BuiltStep>, Vec<BuiltCheck>, PathBuf);

fn prepare(args: &RunArgs) -> Result<Prepared, EngineError> {
    let recipe = load_recipe(&args.recipe, &args.set)?;
    let out_root = args
        .out
        .clone()
        .or_else(|| recipe.output.dir.clone())
        .ok_or_else(|| {
            EngineError::Output(
                "no output folder: give --out DIR or set [output] dir in the recipe".into(),
            )
        })?;
    if args.inputs.is_empty() {
        return Err(EngineError::Output(
            "no INPUT: give the files or folders to process".into(),
        ));
    }
    check_output_root(&out_root, &args.inputs)?;
    if let Some(jobs) = args.jobs {
        if jobs == 0 {
            return Err(EngineError::Output("--jobs must be at least 1".into()));
        }
    }
    let host = PluginHost::new(&args.plugin_dirs.dirs);
    let steps = build_steps(&recipe, &host)?;
    let checks = build_checks(&recipe, &host)?;
    Ok((recipe, steps, checks, out_root))
}

#[derive(Serialize)]
struct PlanDocument<'a> {
    out_root: String,
    files: Vec<PlannedEntry<'a>>,
    skipped: Vec<SkippedEntry<'a>>,
}

#[derive(Serialize)]
struct PlannedEntry<'a> {
    source: String,
    destination: &'a str,
    already_delivered: bool,
    /// Set when the destination holds another version that `--supersede` moves aside: how it
    /// differs.
    supersedes: Option<&'a str>,
    channel_map: Option<Vec<u16>>,
    changes: &'a [rollcall_take::FieldChange],
    warnings: &'a [String],
}

#[derive(Serialize)]
struct SkippedEntry<'a> {
    source: String,
    reason: &'a str,
}

fn print_plan(plan: &Plan, json: bool) -> Result<Outcome> {
    if json {
        let document = PlanDocument {
            out_root: plan.out_root.display().to_string(),
            files: plan
                .files
                .iter()
                .map(|f| PlannedEntry {
                    source: f.source.display().to_string(),
                    destination: &f.relative_destination,
                    already_delivered: f.already_delivered.is_some(),
                    supersedes: f.supersedes.as_deref(),
                    channel_map: f.channel_map.clone(),
                    changes: &f.field_changes,
                    warnings: &f.warnings,
                })
                .collect(),
            skipped: plan
                .skipped
                .iter()
                .map(|s| SkippedEntry {
                    source: s.path.display().to_string(),
                    reason: &s.reason,
                })
                .collect(),
        };
        outln!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        for file in &plan.files {
            let superseding;
            let state = if file.already_delivered.is_some() {
                "  (already delivered)"
            } else if let Some(why) = &file.supersedes {
                superseding = format!(
                    "  (supersedes the version there: {}; it would be moved to {}/<UTC time>/)",
                    printable(why),
                    rollcall_engine::SUPERSEDED_FOLDER
                );
                superseding.as_str()
            } else {
                ""
            };
            outln!(
                "{} -> {}{state}",
                shown(&file.source),
                printable(&file.relative_destination)
            );
            for change in &file.field_changes {
                match &change.old {
                    Some(old) => outln!(
                        "    {}: {} -> {}",
                        change.field,
                        printable(old),
                        printable(&change.new)
                    ),
                    None => outln!("    {}: {}", change.field, printable(&change.new)),
                }
            }
            for warning in &file.warnings {
                outln!("    warning: {}", printable(warning));
            }
        }
        for skipped in &plan.skipped {
            outln!(
                "{} -> skipped: {}",
                shown(&skipped.path),
                printable(&skipped.reason)
            );
        }
        outln!(
            "{} files planned into {}, {} skipped; nothing written (dry run)",
            plan.files.len(),
            plan.out_root.display(),
            plan.skipped.len()
        );
    }
    Ok(if plan.skipped.is_empty() {
        Outcome::Success
    } else {
        Outcome::SomeFailed
    })
}

/// Values shown on one line: line breaks as `\n`, other control characters (terminal escapes) and
/// bidi controls escaped (`\u{1b}`, `\u{202e}`); an empty value as `""`.
pub(crate) fn printable(value: &str) -> String {
    if value.is_empty() {
        return "\"\"".to_string();
    }
    let mut shown = String::with_capacity(value.len());
    for c in value.replace("\r\n", "\n").chars() {
        match c {
            '\n' => shown.push_str("\\n"),
            c if is_hidden_control(c) => shown.extend(c.escape_default()),
            c => shown.push(c),
        }
    }
    shown
}

/// A control character (C0, DEL, C1: terminal escapes) or a bidirectional control that reorders
/// what a reader sees (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069).
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
                c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A message of several lines as shown in human output: each line through [`printable`].
pub fn printable_lines(text: &str) -> String {
    text.lines().map(printable).collect::<Vec<_>>().join("\n")
}

/// A path as shown in human output: see [`printable`].
pub fn shown(path: &Path) -> String {
    printable(&path.display().to_string())
}

/// Send plugins' log lines through rollcall's output: escaped, prefixed with the plugin's name;
/// information lines dropped under `--quiet`, warnings always shown.
fn install_plugin_log(quiet: bool) {
    rollcall_host::set_plugin_log_sink(Arc::new(move |level, plugin, message| {
        let label = match level {
            rollcall_host::LogLevel::Info if quiet => return,
            rollcall_host::LogLevel::Info => "info",
            rollcall_host::LogLevel::Warn => "warning",
        };
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "rollcall: plugin `{}`: {label}: {}",
            printable(plugin),
            printable(message)
        );
    }));
}

/// The output root must be a usable folder apart from every input: not an input, not above one
/// (the delivery would land among the sources), not inside one (sources are read-only), and not a
/// dangling link.
pub(crate) fn check_output_root(out_root: &Path, inputs: &[PathBuf]) -> Result<(), EngineError> {
    if let Ok(meta) = std::fs::symlink_metadata(out_root) {
        if meta.file_type().is_symlink() && std::fs::metadata(out_root).is_err() {
            return Err(EngineError::Output(format!(
                "--out {} is a symbolic link to nothing; remove it or point it at a folder",
                out_root.display()
            )));
        }
        if std::fs::metadata(out_root).is_ok_and(|m| !m.is_dir()) {
            return Err(EngineError::Output(format!(
                "--out {} exists and is not a folder",
                out_root.display()
            )));
        }
    }
    let out = resolved(out_root);
    for input in inputs {
        let Ok(input_path) = input.canonicalize() else {
            continue; // a missing input is reported by the walk
        };
        let input_folder = if input_path.is_dir() {
            input_path.clone()
        } else {
            input_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        };
        let problem = if out == input_folder {
            Some("is the input folder")
        } else if input_folder.starts_with(&out) {
            Some("is a folder above the input")
        } else if out.starts_with(&input_folder) && input_path.is_dir() {
            Some("is inside the input folder")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(EngineError::Output(format!(
                "--out {} {problem} {}; sources are read-only, so the delivery must go to a folder of its own",
                out_root.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// A path made absolute with its existing part resolved (links followed); the part that does not
/// exist yet is appended as written.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut full = real;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return full;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}
