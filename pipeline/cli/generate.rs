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
    let command = crate::cli_command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
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

fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
