//! The `rollcall` command line: a thin layer that maps the engine's results to output and exit codes.
//!
//! Exit codes: `0` every file delivered; `1` some files failed (the rest were delivered); `2` the
//! recipe, a plugin, a CLI argument or the plan is invalid (nothing written); `130` interrupted.

/// Prints a line on stdout. Output into a closed pipe (`rollcall inspect ... | head -1`) is dropped
/// quietly, never a panic; the command still ends with its own exit code.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::print_line(format_args!($($arg)*))
    };
}

mod audit;
mod inspect;
mod plugins;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Batch engine for production-sound Broadcast WAV files.
#[derive(Parser, Debug)]
#[command(name = "rollcall", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a recipe over sound rolls: plan the whole batch, then write every file once.
    Run(run::RunArgs),
    /// Check a recipe and its plugins' configuration; touches no audio.
    Check(run::CheckArgs),
    /// Practice findings of sound rolls, grouped by roll, from headers only (exit 1 on errors).
    Audit(audit::AuditArgs),
    /// Show what rollcall reads from files.
    Inspect(inspect::InspectArgs),
    /// List the plugins found: name, version, SDK version, file.
    Plugins(plugins::PluginsArgs),
}

/// Writes one line to stdout, ignoring a closed pipe (see `outln!`).
pub fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
}

/// How a command ended, mapped to the exit code.
pub enum Outcome {
    /// Everything went through (exit 0).
    Success,
    /// Some files failed; the rest went through (exit 1).
    SomeFailed,
    /// Invalid recipe, plugin, argument or plan; nothing written (exit 2).
    Invalid,
    /// Interrupted (Ctrl-C); what was delivered is reported (exit 130).
    Interrupted,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => run::check(args),
        Command::Audit(args) => audit::audit(args),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Plugins(args) => plugins::plugins(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::SomeFailed) => ExitCode::from(1),
        Ok(Outcome::Invalid) => ExitCode::from(2),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(error) => {
            eprintln!("rollcall: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The `--plugin-dir` option shared by several commands.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PluginDirs {
    /// A folder to search for plugins first (repeatable); then ROLLCALL_PLUGIN_PATH, then the
    /// folder of the rollcall executable.
    #[arg(long = "plugin-dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}
