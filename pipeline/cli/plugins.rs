//! `rollcall plugins`: the plugins found, with their versions.

use anyhow::Result;
use rollcall_host::PluginHost;

use crate::{Outcome, PluginDirs};

/// Arguments of `rollcall plugins`.
#[derive(clap::Args, Debug)]
pub struct PluginsArgs {
    #[command(flatten)]
    plugin_dirs: PluginDirs,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// List every plugin in the search path; a library that cannot be loaded is listed with its error.
pub fn plugins(args: PluginsArgs) -> Result<Outcome> {
    let host = PluginHost::new(&args.plugin_dirs.dirs);
    let listing = host.list();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&listing)?);
        return Ok(Outcome::Success);
    }
    if listing.is_empty() {
        outln!("no plugins found in:");
        for dir in host.search_path() {
            outln!("  {}", dir.display());
        }
        return Ok(Outcome::Success);
    }
    outln!("{:<20} {:<10} {:<8} FILE", "NAME", "VERSION", "SDK");
    for plugin in &listing {
        match &plugin.error {
            None => outln!(
                "{:<20} {:<10} {:<8} {}",
                plugin.name,
                plugin.version.as_deref().unwrap_or("-"),
                plugin.sdk_version.as_deref().unwrap_or("-"),
                plugin.file.display()
            ),
            Some(error) => outln!(
                "{:<20} {:<10} {:<8} {}\n    error: {}",
                plugin.name,
                "-",
                "-",
                plugin.file.display(),
                error.lines().next().unwrap_or_default()
            ),
        }
    }
    Ok(Outcome::Success)
}
