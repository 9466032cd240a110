//! `rollcall plan`: every whole-batch decision once, written to a plan file for `apply` and `finish`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use rollcall_engine::{
    build_checks, build_steps, lock_output, mixer_report_paths, mixer_reports, plan,
    reconcile_batch, roll_scheme, run_checks, start_watchdog, PlanFile, PlanOptions, PlanRecipe,
    PlanSettings,
};
use rollcall_host::PluginHost;
use rollcall_recipe::find_inputs;

use crate::run::{check_output_root, derivation, load_recipe, printable};
use crate::{Outcome, PluginDirs};

/// Arguments of `rollcall plan`.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// The recipe (TOML).
    recipe: PathBuf,
    /// Files or folders to process (folders are walked and matched against the recipe's [input]).
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Root of the delivered tree (overrides the recipe's [output] dir); shared by every shard.
    #[arg(short = 'o', long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Where to write the plan (JSON, `rollcall-plan/1`).
    #[arg(long, value_name = "PLAN")]
    plan_file: PathBuf,
    /// Override a recipe value, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    plugin_dirs: PluginDirs,
    /// Do not read each output back to verify it when the shards write it.
    #[arg(long)]
    no_verify: bool,
    /// Plan to deliver files whose destination holds another version, moving the old one aside
    /// under `superseded/<UTC time>/` (recorded per file in the plan; `apply` follows it).
    #[arg(long)]
    supersede: bool,
    /// Seconds a plugin may spend on one take before planning stops, naming it.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    plugin_timeout: u64,
    /// Print nothing but errors.
    #[arg(short = 'q', long)]
    quiet: bool,
}

/// A path made absolute against the current folder (shards may start elsewhere).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Plan the batch, run the practice checks and the mixer's reports against it, and write the plan
/// file. Exit 0 planned, 1 planned with inputs left out, 2 invalid (nothing written).
pub fn plan_command(args: PlanArgs) -> Result<Outcome> {
    let invalid = |e: &dyn std::fmt::Display| {
        eprintln!("rollcall: {e}");
        Ok(Outcome::Invalid)
    };
    let recipe = match load_recipe(&args.recipe, &args.set) {
        Ok(recipe) => recipe,
        Err(e) => return invalid(&e),
    };
    let Some(out_root) = args.out.clone().or_else(|| recipe.output.dir.clone()) else {
        return invalid(&"no output folder: give --out DIR or set [output] dir in the recipe");
    };
    let out_root = absolute(&out_root);
    if args.inputs.is_empty() {
        return invalid(&"no INPUT: give the files or folders to process");
    }
    if let Err(e) = check_output_root(&out_root, &args.inputs) {
        return invalid(&e);
    }
    let host = PluginHost::new(&args.plugin_dirs.dirs);
    let (steps, checks) = match (build_steps(&recipe, &host), build_checks(&recipe, &host)) {
        (Ok(steps), Ok(checks)) => (steps, checks),
        (Err(e), _) | (_, Err(e)) => return invalid(&e),
    };
    let inputs: Vec<PathBuf> = args.inputs.iter().map(|p| absolute(p)).collect();
    let walk = match find_inputs(&inputs, &recipe.input) {
        Ok(walk) => walk,
        Err(e) => return invalid(&e),
    };
    if walk.files.is_empty() && walk.problems.is_empty() {
        return invalid(&format!(
            "no WAV files found under {}; nothing to plan",
            args.inputs
                .iter()
                .map(|p| printable(&p.display().to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Planning looks at the output tree (what is delivered already): no run may write meanwhile.
    let _lock = match lock_output(&out_root) {
        Ok(lock) => lock,
        Err(e) => return invalid(&e),
    };
    start_watchdog(
        std::time::Duration::from_secs(args.plugin_timeout.max(1)),
        Box::new(move |sentence| {
            eprintln!("rollcall: {sentence}");
            crate::finished();
            std::process::exit(2);
        }),
    );
    let options = PlanOptions {
        out_root: out_root.clone(),
        vars: recipe.vars.clone(),
        derivation: derivation(&recipe),
        roll_scheme: roll_scheme(&recipe),
        keep_for_checks: !checks.is_empty(),
        supersede: args.supersede,
    };
    let mut planned = match plan(&walk, &steps, &options) {
        Ok(planned) => planned,
        Err(e) => return invalid(&e),
    };
    let batch_findings = run_checks(&checks, &mut planned);
    let reports = match mixer_reports(&recipe) {
        Ok(reports) => reports,
        Err(e) => return invalid(&e),
    };
    let report_findings = reconcile_batch(&reports, &planned);
    let document = PlanFile::new(
        &planned,
        PlanRecipe {
            path: absolute(&recipe.path),
            fingerprint: derivation(&recipe),
            overrides: args.set.clone(),
            name: recipe.name.clone(),
        },
        PlanSettings {
            verify: !args.no_verify,
            qc: recipe.qc.clone(),
            deliver_on_error: recipe.output.deliver_on_error,
            md5: recipe.manifest.md5(),
            show: recipe.vars.get("show").cloned(),
            ledger: recipe.ledger().map(|l| absolute(&l)),
            mixer_reports: mixer_report_paths(&recipe)
                .iter()
                .map(|p| absolute(p))
                .collect(),
        },
        batch_findings,
        report_findings,
        env!("CARGO_PKG_VERSION"),
    );
    let document = match document {
        Ok(document) => document,
        Err(e) => return invalid(&e),
    };
    if let Err(e) = document.write(&args.plan_file) {
        return invalid(&e);
    }
    if !args.quiet {
        for skipped in &document.skipped {
            eprintln!(
                "rollcall: left out: {}: {}",
                skipped.path.display(),
                printable(&skipped.reason)
            );
        }
        let already = document
            .files
            .iter()
            .filter(|f| f.already_delivered.is_some())
            .count();
        let bytes: u64 = document.files.iter().map(|f| f.size).sum();
        eprintln!(
            "rollcall: plan {} ({}): {} files ({} bytes, {already} already delivered) into {}, {} left out; deliver with `rollcall apply {} --shard K/N`, then `rollcall finish {}`",
            args.plan_file.display(),
            document.id,
            document.files.len(),
            bytes,
            out_root.display(),
            document.skipped.len(),
            args.plan_file.display(),
            args.plan_file.display()
        );
    }
    Ok(if document.skipped.is_empty() {
        Outcome::Success
    } else {
        Outcome::SomeFailed
    })
}
