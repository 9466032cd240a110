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

mod apply;
mod audit;
mod env_options;
mod finish;
mod generate;
mod inspect;
mod inspect_view;
mod new;
mod plan;
mod plugins;
mod progress;
mod run;
mod run_document;
mod style;
mod verify;
mod warnings;

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Batch engine for production-sound Broadcast WAV files.
#[derive(Parser, Debug)]
#[command(name = "rollcall", version, about)]
pub struct Cli {
    /// Colour the status words on stderr: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = style::ColorChoice::Auto, global = true)]
    color: style::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

/// What `--version` prints: rollcall's version and the plugin SDK version it loads.
static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{} (plugin SDK {})",
        env!("CARGO_PKG_VERSION"),
        rollcall_host::HOST_SDK_VERSION
    )
});

/// The clap definition of the whole command line (also the source of completions and the man page).
pub fn cli_command() -> clap::Command {
    base_command().after_long_help(ENVIRONMENT_HELP)
}

/// The clap definition without the `--help` epilogue (the man page has its own sections for it).
pub fn base_command() -> clap::Command {
    Cli::command().version(VERSION.as_str())
}

/// The environment variables rollcall reads, for `--help` and the man page.
const ENVIRONMENT_HELP: &str = "Environment:
  ROLLCALL_JOBS                files written at once (the default of --jobs)
  ROLLCALL_PLUGIN_PATH         extra plugin folders, `:`-separated, after --plugin-dir
  ROLLCALL_<SECTION>__<KEY>    a recipe value, as --set section.key=value (ROLLCALL_OUTPUT__DIR=/x)
  NO_COLOR                     no colour with --color auto
Any other ROLLCALL_* variable is refused (exit 2).

Exit codes: 0 every file delivered; 1 some failed or withheld (the rest delivered); 2 invalid
recipe, plugin, argument, output folder or plan (nothing written); 130 interrupted.";

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
    /// Check a delivered tree (or a copy) against its ASC MHL manifest: exit 0 all match, 1 some
    /// differ, 2 no manifest.
    Verify(verify::VerifyArgs),
    /// Plan a batch once for delivery in shards: write the plan file (`apply`, then `finish`).
    Plan(plan::PlanArgs),
    /// Deliver one shard of a plan (`--shard K/N`, a Slurm array task or a Kubernetes Indexed Job).
    Apply(apply::ApplyArgs),
    /// After every shard: check the plan is delivered, then write the report, ledger, sound
    /// reports and manifest (exit codes as `run`).
    Finish(finish::FinishArgs),
    /// Start a show: write a commented recipe, a cast CSV and an episodes CSV into DIR.
    New(new::NewArgs),
    /// Print shell completions for bash, zsh, fish, elvish or powershell on stdout.
    #[command(hide = true)]
    Completions(generate::CompletionsArgs),
    /// Print the man page (roff) on stdout.
    #[command(hide = true)]
    Man,
}

/// Writes one line to stdout, ignoring a closed pipe (see `outln!`). Terminal escapes and bidi
/// controls that reach it from names or metadata are written as `\u001b`, `\u202e` (a form that is
/// also a valid escape inside a JSON string); line breaks and tabs are kept.
pub fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let text = args.to_string();
    // Every hidden control's UTF-8 holds one of these bytes (C0, DEL, C1 = 0xC2 0x80-0x9F,
    // U+061C = 0xD8 0x9C, the U+200E-2069 marks = 0xE2 ...): most lines skip the char walk.
    let suspect = text
        .bytes()
        .any(|b| (b < 0x20 && b != b'\n' && b != b'\t') || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2));
    let text = if suspect
        && text
            .chars()
            .any(|c| c != '\n' && c != '\t' && run::is_hidden_control(c))
    {
        text.chars()
            .map(|c| {
                if c != '\n' && c != '\t' && run::is_hidden_control(c) {
                    format!("\\u{:04x}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text
    };
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"));
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

/// Set once rollcall itself decides to end; an exit before that came from a plugin.
static FINISHED: AtomicBool = AtomicBool::new(false);

/// Marks the process as ending by rollcall's own decision.
pub fn finished() {
    FINISHED.store(true, Ordering::SeqCst);
}

/// Runs at process exit: an exit rollcall did not decide (a plugin calling `exit(0)`) must never look
/// like success. It names the plugin calls in progress and turns the status into 2.
extern "C" fn exit_guard() {
    if FINISHED.load(Ordering::SeqCst) {
        return;
    }
    let calls = rollcall_engine::calls_in_progress();
    let who = calls
        .first()
        .map(|c| format!("plugin `{}` on {}", c.plugin, c.take.display()))
        .unwrap_or_else(|| "a plugin".to_string());
    eprintln!("rollcall: {who} ended the process before the run finished; nothing was delivered after that point and no report was written");
    // SAFETY: `_exit` ends the process at once without running exit handlers again.
    #[allow(unsafe_code)]
    unsafe {
        libc::_exit(2)
    }
}

fn main() -> ExitCode {
    // Parsed first: `--help` and argument errors end the process by rollcall's own decision.
    let cli = match Cli::from_arg_matches(&cli_command().get_matches()) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    style::init(cli.color);
    // SAFETY: registers a plain `extern "C"` function with no captured state.
    #[allow(unsafe_code)]
    unsafe {
        libc::atexit(exit_guard);
    }
    let code = run_command(cli);
    finished();
    code
}

fn run_command(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => run::check(args),
        Command::Audit(args) => audit::audit(args),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Plugins(args) => plugins::plugins(args),
        Command::Verify(args) => verify::verify(args),
        Command::Plan(args) => plan::plan_command(args),
        Command::Apply(args) => apply::apply_command(args),
        Command::Finish(args) => finish::finish_command(args),
        Command::New(args) => new::new(args),
        Command::Completions(args) => generate::completions(args),
        Command::Man => generate::man(),
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
    /// folder of the rollcall executable, then <prefix>/lib/rollcall beside its real <prefix>/bin.
    #[arg(long = "plugin-dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}
