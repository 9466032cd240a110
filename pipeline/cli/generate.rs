//! `rollcall completions SHELL` and `rollcall man`: generated from the clap definitions.

use anyhow::Result;

use crate::Outcome;

/// Arguments of `rollcall completions`.
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Print the completion script of `args.shell` on stdout.
pub fn completions(args: CompletionsArgs) -> Result<Outcome> {
    let mut command = crate::cli_command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "rollcall", &mut script);
    write_stdout(&script)?;
    Ok(Outcome::Success)
}

/// Print the man page (roff, section 1) on stdout: the main page, then one section per command.
pub fn man() -> Result<Outcome> {
    let command = crate::base_command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    page.extend_from_slice(MAN_ENVIRONMENT.as_bytes());
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("rollcall {}", sub.get_name());
        let sub = sub.clone().bin_name(name);
        page.extend_from_slice(
            format!(".SH \"ROLLCALL {}\"\n", sub.get_name().to_uppercase()).as_bytes(),
        );
        let man = clap_mangen::Man::new(sub);
        man.render_synopsis_section(&mut page)?;
        man.render_description_section(&mut page)?;
        man.render_options_section(&mut page)?;
    }
    write_stdout(&page)?;
    Ok(Outcome::Success)
}

/// The man page's ENVIRONMENT and EXIT STATUS sections (roff).
const MAN_ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
\fBROLLCALL_JOBS\fR
Files written at once: the default of \-\-jobs.
.TP
\fBROLLCALL_PLUGIN_PATH\fR
Extra plugin folders, colon\-separated, searched after \-\-plugin\-dir and before the executable's folder and <prefix>/lib/rollcall.
.TP
\fBROLLCALL_\fISECTION\fB__\fIKEY\fR
A recipe value, as \-\-set section.key=value (ROLLCALL_OUTPUT__DIR=/x). Any other ROLLCALL_* variable is refused (exit 2).
.TP
\fBNO_COLOR\fR
No colour with \-\-color auto.
.SH "EXIT STATUS"
0 every file delivered; 1 some files failed or were withheld (the rest were delivered); 2 the recipe, a plugin, an argument, the output folder or the plan is invalid (nothing written); 130 interrupted.
"#;

fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
