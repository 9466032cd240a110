//! `rollcall finish`: the judge after every shard of a plan ran. Gathers the shards' parts, then
//! ends the run as `rollcall run` does (report, roll ledger, sound reports, manifest generation).

use std::path::PathBuf;

use anyhow::Result;
use rollcall_engine::{
    attach_findings, collect_shards, lock_output, read_mixer_reports, FileStatus, PlanFile,
};

use crate::run::{conclude, RunEnd};
use crate::Outcome;

/// Arguments of `rollcall finish`.
#[derive(clap::Args, Debug)]
pub struct FinishArgs {
    /// The plan file the shards delivered.
    plan: PathBuf,
    /// Print one JSON document on stdout (the run's per-file results).
    #[arg(long)]
    json: bool,
    /// Print nothing but errors.
    #[arg(short = 'q', long)]
    quiet: bool,
}

/// Check every planned file was reported by a shard (else name the shards to run again, exit 1,
/// write nothing), then merge the parts and write what a run writes. Exit codes as `run`.
pub fn finish_command(args: FinishArgs) -> Result<Outcome> {
    let invalid = |e: &dyn std::fmt::Display| {
        eprintln!("rollcall: {e}");
        Ok(Outcome::Invalid)
    };
    let plan = match PlanFile::read(&args.plan) {
        Ok(plan) => plan,
        Err(e) => return invalid(&e),
    };
    let _lock = match lock_output(&plan.out_root) {
        Ok(lock) => lock,
        Err(e) => return invalid(&e),
    };
    let collected = match collect_shards(&plan) {
        Ok(collected) => collected,
        Err(e) => return invalid(&e),
    };
    let rerun_line = |shard: &rollcall_engine::Shard| {
        format!("rollcall apply {} --shard {shard}", args.plan.display())
    };
    let Some(count) = collected.shards else {
        eprintln!(
            "rollcall: no shard of plan {} has reported into {}; run `{}` for every K of N first",
            plan.id,
            plan.out_root.display(),
            format_args!("rollcall apply {} --shard K/N", args.plan.display())
        );
        return Ok(Outcome::SomeFailed);
    };
    let interrupted: Vec<&rollcall_engine::Shard> = collected
        .rerun
        .iter()
        .filter(|(_, files)| {
            files.iter().any(|f| {
                collected
                    .summary
                    .files
                    .iter()
                    .any(|o| &o.source == f && o.status == FileStatus::Interrupted)
            })
        })
        .map(|(shard, _)| shard)
        .collect();
    if !collected.missing.is_empty() || !collected.unreported.is_empty() || !interrupted.is_empty()
    {
        for shard in &collected.missing {
            eprintln!(
                "rollcall: shard {shard} has not reported; run `{}`",
                rerun_line(shard)
            );
        }
        for shard in interrupted {
            eprintln!(
                "rollcall: shard {shard} was interrupted; run `{}`",
                rerun_line(shard)
            );
        }
        if collected.missing.is_empty() && !collected.unreported.is_empty() {
            eprintln!(
                "rollcall: {} planned files are in no part of the {count} shards (e.g. {}); run every shard of {count} again",
                collected.unreported.len(),
                collected.unreported.first().map(|p| p.display().to_string()).unwrap_or_default()
            );
        }
        eprintln!(
            "rollcall: not finished: {} of {} planned files reported; nothing was written",
            plan.files.len() - collected.unreported.len(),
            plan.files.len()
        );
        return Ok(Outcome::SomeFailed);
    }
    let mixer_reports = match read_mixer_reports(&plan.settings.mixer_reports) {
        Ok(reports) => reports,
        Err(e) => return invalid(&format!("the mixer's report: {e}")),
    };
    let mut summary = collected.summary;
    summary.findings.extend(plan.batch_findings.iter().cloned());
    attach_findings(&mut summary, plan.report_findings.clone());
    let end = RunEnd {
        recipe_name: plan.recipe.name.clone(),
        ledger: plan.settings.ledger.clone(),
        show: plan.settings.show.clone(),
        md5: plan.settings.md5,
        quiet: args.quiet,
        json: args.json,
    };
    let whole = plan.whole_plan();
    let outcome = conclude(&end, plan.out_root.clone(), whole, summary, mixer_reports)?;
    for (shard, files) in &collected.rerun {
        eprintln!(
            "rollcall: shard {shard} has {} file{} not delivered; after fixing the cause, run `{}` then finish again",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            rerun_line(shard)
        );
    }
    Ok(outcome)
}
