//! The rollcall engine: builds a recipe's steps, plans a whole batch from headers, checks the plan
//! as a whole, then writes every file once, in parallel, safely, verifies it and reports.
//!
//! The engine is the only part of rollcall that writes files. Sources are opened read-only; every
//! output is written to a temp name in its final folder, synced, and renamed without replacing
//! anything, so a crash never leaves a half file under a final name.

mod checks;
mod destination;
mod execute;
mod ledger;
mod manifest;
mod manifest_store;
mod manifest_supersede;
mod manifest_verify;
mod output;
mod plan;
mod plan_progress;
mod planfile;
mod produce;
pub mod qc;
mod report;
mod shard;
mod shard_apply;
mod shard_collect;
mod shard_lock;
mod soundreports;
mod steps;
mod supersede;
mod watch;

pub use checks::{add_roll_tokens, build_checks, roll_scheme, run_checks, withholding, BuiltCheck};
pub use execute::{execute, ContentHash, ExecuteOptions, FileOutcome, FileStatus, RunSummary};
pub use ledger::{append_ledger, ledger_entry, ledger_rows, run_stamp, LedgerEntry};
pub use manifest::{
    write_manifest, ManifestError, ManifestOptions, WrittenManifest, ROLLCALL_IGNORE_PATTERNS,
};
pub use manifest_verify::{verify_tree, ChangedFile, TreeCheck, UncheckedFile, VerifyOptions};
pub use output::{lock_output, OutputLock, LOCK_FILE, TEMP_SUFFIX};
pub use plan::{plan, Plan, PlanOptions, PlannedFile, SkippedFile};
pub use plan_progress::{set_plan_progress, PlanProgressHook};
pub use planfile::{
    header_digest, mixer_report_paths, read_mixer_reports, FileTime, PlanChanges, PlanEntry,
    PlanFile, PlanFileError, PlanRecipe, PlanSettings, PlanSkipped, PLAN_FORMAT,
};
pub use produce::is_verbatim;
pub use qc::{TakeQc, TrackQc};
pub use report::{report_file_name, write_report, write_report_summary};
pub use rollcall_findings::{Finding, Severity};
pub use rollcall_qc::QcSettings;
pub use rollcall_rolls::Scheme;
pub use rollcall_soundreport::SoundReport;
pub use shard::{
    assign_shards, parts_folder, shard_files, write_atomically, PartEnvelope, PartFile, Shard,
    ShardError, ShardPart, BOOKKEEPING_FOLDER, PART_FORMAT,
};
pub use shard_apply::{apply_shard, AppliedShard};
pub use shard_collect::{collect_shards, CollectedShards};
pub use shard_lock::{lock_output_for_plan, PlanLock};
pub use soundreports::{
    attach_findings, mixer_reports, reconcile_batch, write_sound_reports, SoundReportOptions,
    REPORTS_FOLDER,
};
pub use steps::{build_steps, BuiltStep};
pub use supersede::{superseded_relative, superseded_stamp, SUPERSEDED_FOLDER, SUPERSEDE_HINT};
pub use watch::{calls_in_progress, start_watchdog, PluginCall};

/// A problem that makes the whole run invalid (exit code 2): nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The recipe is invalid.
    #[error("{0}")]
    Recipe(#[from] rollcall_recipe::RecipeError),
    /// A plugin cannot be loaded or a step cannot be built from its table.
    #[error("{0}")]
    Step(String),
    /// The plan as a whole is invalid (collisions, conflicts, destinations outside the root).
    #[error("the plan is invalid, nothing was written:\n{}", .0.join("\n"))]
    Plan(Vec<String>),
    /// The output folder cannot be used.
    #[error("{0}")]
    Output(String),
}
