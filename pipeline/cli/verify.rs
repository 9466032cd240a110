//! `rollcall verify`, and the delivery manifest written after `rollcall run`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rollcall_engine::{
    verify_tree, write_manifest, ManifestError, ManifestOptions, RunSummary, TreeCheck,
    VerifyOptions, WrittenManifest,
};

use crate::Outcome;

/// Arguments of `rollcall verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The delivered tree (or a copy of it): the folder holding `ascmhl/`.
    dir: PathBuf,
    /// Record the result as a new generation (process `in-place`), as `ascmhl create` does.
    #[arg(long)]
    record: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
    /// Print nothing but the files that differ and errors.
    #[arg(long)]
    quiet: bool,
    /// Files hashed at once (default: one per core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

/// Write the run's generation into the output root (after the run report, which it lists).
pub fn manifest_after_run(
    out_root: &Path,
    summary: &RunSummary,
    run_files: &[PathBuf],
    md5: bool,
) -> Result<Option<WrittenManifest>, ManifestError> {
    write_manifest(
        out_root,
        summary,
        run_files,
        &ManifestOptions {
            md5,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        },
    )
}

/// Say what the run's generation lists, and what needs a look.
pub fn print_manifest(written: &WrittenManifest, quiet: bool) {
    for path in &written.not_listed {
        eprintln!(
            "rollcall: manifest: {} cannot be listed (outside the output root, or not UTF-8)",
            path.display()
        );
    }
    for path in &written.failed {
        eprintln!("rollcall: manifest: {path} differs from its earlier record; listed as failed");
    }
    if quiet {
        return;
    }
    eprintln!(
        "rollcall: manifest {} ({} original, {} verified{})",
        written.generation.display(),
        written.original,
        written.verified,
        if written.rehashed.is_empty() {
            String::new()
        } else {
            format!(", {} read again to hash", written.rehashed.len())
        }
    );
}

/// Hash a delivered tree again and check it against its manifest: exit 0 all match, 1 some differ,
/// 2 no manifest (or one that cannot be read).
pub fn verify(args: VerifyArgs) -> Result<Outcome> {
    if args.jobs == Some(0) {
        eprintln!("rollcall: --jobs must be at least 1");
        return Ok(Outcome::Invalid);
    }
    let options = VerifyOptions {
        record: args.record,
        progress: !args.quiet && !args.json && std::io::stderr().is_terminal(),
        jobs: args.jobs,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let check = match verify_tree(&args.dir, &options) {
        Ok(check) => check,
        Err(e @ (ManifestError::Modified(_) | ManifestError::MissingGeneration(_))) => {
            eprintln!("rollcall: {e}");
            return Ok(Outcome::SomeFailed);
        }
        Err(e) => {
            eprintln!("rollcall: {e}");
            return Ok(Outcome::Invalid);
        }
    };
    if args.json {
        #[derive(serde::Serialize)]
        struct Document<'a> {
            all_match: bool,
            #[serde(flatten)]
            check: &'a TreeCheck,
        }
        let document = Document {
            all_match: check.all_match(),
            check: &check,
        };
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        print_check(&check, args.quiet);
    }
    Ok(if check.all_match() {
        Outcome::Success
    } else {
        Outcome::SomeFailed
    })
}

fn print_check(check: &TreeCheck, quiet: bool) {
    for changed in &check.changed {
        println!(
            "changed: {} ({} {} listed, {} found)",
            changed.path, changed.format, changed.expected, changed.found
        );
    }
    for path in &check.missing {
        println!("missing: {path}");
    }
    for path in &check.unlisted {
        println!("unlisted: {path}");
    }
    for (path, why) in &check.unreadable {
        println!("unreadable: {path}: {why}");
    }
    for unchecked in &check.unchecked {
        println!(
            "not checked: {} (listed only as {}, which rollcall cannot compute)",
            unchecked.path,
            unchecked.formats.join(", ")
        );
    }
    if !quiet {
        eprintln!(
            "rollcall: {} match, {} changed, {} missing, {} unlisted{} ({} generation{}){}",
            check.matched.len(),
            check.changed.len(),
            check.missing.len(),
            check.unlisted.len(),
            if check.unchecked.is_empty() {
                String::new()
            } else {
                format!(", {} not checked", check.unchecked.len())
            },
            check.generations,
            if check.generations == 1 { "" } else { "s" },
            match &check.recorded {
                Some(path) => format!("; recorded {}", path.display()),
                None => String::new(),
            }
        );
    }
}
