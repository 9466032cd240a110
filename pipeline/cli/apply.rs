//! `rollcall apply`: deliver one shard of a plan (on a Slurm array task, a Kubernetes Indexed Job
//! pod, or by hand).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use rollcall_engine::{
    apply_shard, lock_output_for_plan, ExecuteOptions, FileStatus, PlanFile, Shard,
};

use crate::run::printable;
use crate::Outcome;

/// Arguments of `rollcall apply`.
#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    /// The plan file written by `rollcall plan`.
    plan: PathBuf,
    /// Which slice to deliver, `K/N` (1-based). Without it: the Slurm array task, or the Kubernetes
    /// Indexed Job's `JOB_COMPLETION_INDEX` with `--shards N`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// How many shards (with `JOB_COMPLETION_INDEX`; checked against a Slurm array's size).
    #[arg(long, value_name = "N")]
    shards: Option<usize>,
    /// Files written at once (default: ROLLCALL_JOBS, else four per core).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Print one JSON document on stdout (the shard's per-file results).
    #[arg(long)]
    json: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

/// Deliver the shard's slice and write its report part. Exit 0 every file of the slice delivered,
/// 1 some failed or were withheld (`finish` is the judge), 2 invalid plan or shard, 130
/// interrupted.
pub fn apply_command(args: ApplyArgs) -> Result<Outcome> {
    let invalid = |e: &dyn std::fmt::Display| {
        eprintln!("rollcall: {e}");
        Ok(Outcome::Invalid)
    };
    if args.jobs == Some(0) {
        return invalid(&"--jobs must be at least 1");
    }
    let jobs = match args.jobs {
        Some(jobs) => Some(jobs),
        None => match crate::env_options::jobs_from_env() {
            Ok(jobs) => jobs,
            Err(e) => return invalid(&e),
        },
    };
    let plan = match PlanFile::read(&args.plan) {
        Ok(plan) => plan,
        Err(e) => return invalid(&e),
    };
    let shard = match &args.shard {
        Some(text) => Shard::parse(text),
        None => Shard::from_scheduler(&|name| std::env::var(name).ok(), args.shards),
    };
    let shard = match shard {
        Ok(shard) => shard,
        Err(e) => return invalid(&e),
    };
    let _lock = match lock_output_for_plan(&plan.out_root, &plan.id) {
        Ok(lock) => lock,
        Err(e) => return invalid(&e),
    };
    let interrupt = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&interrupt);
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    }
    let options = ExecuteOptions {
        jobs,
        verify: plan.settings.verify,
        progress: !args.quiet && !args.json && std::io::stderr().is_terminal(),
        qc: plan.settings.qc.clone(),
        deliver_on_error: plan.settings.deliver_on_error,
        interrupt: Some(Arc::clone(&interrupt)),
        md5: plan.settings.md5,
        ..ExecuteOptions::default()
    };
    let applied = match apply_shard(&plan, shard, &options) {
        Ok(applied) => applied,
        Err(e) => return invalid(&e),
    };
    let summary = &applied.summary;
    for file in &summary.files {
        if let (Some(reason), false) = (&file.reason, file.status == FileStatus::Recovered) {
            if !args.quiet || file.status == FileStatus::Failed {
                eprintln!(
                    "rollcall: {}: {}: {}",
                    file.status.as_str(),
                    file.source.display(),
                    printable(reason)
                );
            }
        }
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(summary)?);
    }
    let count = |status| summary.files.iter().filter(|f| f.status == status).count();
    if !args.quiet {
        eprintln!(
            "rollcall: shard {shard}: {} files, {} delivered{}, {} already delivered, {} failed, {} withheld; part {}",
            summary.files.len(),
            count(FileStatus::Delivered) + count(FileStatus::Recovered),
            if applied.earlier > 0 {
                format!(" ({} of them by an earlier run of this shard)", applied.earlier)
            } else {
                String::new()
            },
            count(FileStatus::AlreadyDelivered),
            count(FileStatus::Failed),
            count(FileStatus::Withheld),
            applied.part.display()
        );
    }
    if summary.interrupted() {
        eprintln!(
            "rollcall: interrupted; run `rollcall apply {} --shard {shard}` again to finish this shard",
            args.plan.display()
        );
        return Ok(Outcome::Interrupted);
    }
    Ok(if summary.failed() > 0 {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    })
}
