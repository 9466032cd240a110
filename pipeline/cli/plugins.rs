//! `rollcall plugins`: the plugins found, with their versions.

use anyhow::Result;
use rollcall_host::{HostError, PluginHost};
use serde::Serialize;

use crate::{Outcome, PluginDirs};

/// Arguments of `rollcall plugins`.
#[derive(clap::Args, Debug)]
pub struct PluginsArgs {
    #[command(flatten)]
    plugin_dirs: PluginDirs,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// Print what plugin NAME does and its recipe keys with their docs (from the plugin itself).
    #[arg(long, value_name = "NAME")]
    describe: Option<String>,
}

/// List every plugin in the search path; a library that cannot be loaded is listed with its error.
pub fn plugins(args: PluginsArgs) -> Result<Outcome> {
    let host = PluginHost::new(&args.plugin_dirs.dirs);
    if let Some(name) = &args.describe {
        return describe(&host, name, args.json);
    }
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

/// `rollcall plugins --describe NAME --json`.
#[derive(Serialize)]
struct DescriptionDocument<'a> {
    name: &'a str,
    version: &'a str,
    sdk_version: &'a str,
    file: String,
    description: Option<&'a str>,
    keys: Vec<KeyDocument<'a>>,
}

#[derive(Serialize)]
struct KeyDocument<'a> {
    key: &'a str,
    doc: &'a str,
}

/// Print plugin `name`'s description and keys, as the plugin sends them in its hello; a plugin
/// that sends none (SDK 1.0, or 1.1 before descriptions) says "no description".
fn describe(host: &PluginHost, name: &str, json: bool) -> Result<Outcome> {
    let (name, version, sdk_version, file, hello) = match host.load(name) {
        Ok(plugin) => (
            plugin.name().to_string(),
            plugin.version().to_string(),
            plugin.sdk_version().to_string(),
            plugin.file().to_path_buf(),
            plugin.hello().cloned(),
        ),
        Err(HostError::NotAPlugin { .. }) if host.load_check(name).is_ok() => {
            let check = host.load_check(name)?;
            (
                check.name().to_string(),
                check.version().to_string(),
                check.sdk_version().to_string(),
                check.file().to_path_buf(),
                check.hello().cloned(),
            )
        }
        Err(error) => {
            eprintln!("rollcall: {error}");
            return Ok(Outcome::Invalid);
        }
    };
    let description = hello.as_ref().and_then(|h| h.description.as_deref());
    let keys: Vec<KeyDocument<'_>> = hello
        .as_ref()
        .map(|h| {
            h.recipe_keys
                .iter()
                .map(|(key, doc)| KeyDocument { key, doc })
                .collect()
        })
        .unwrap_or_default();
    if json {
        let document = DescriptionDocument {
            name: &name,
            version: &version,
            sdk_version: &sdk_version,
            file: file.display().to_string(),
            description,
            keys,
        };
        outln!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(Outcome::Success);
    }
    outln!("{name} {version} (SDK {sdk_version}, {})", file.display());
    match description {
        None => outln!("no description (the plugin does not describe itself)"),
        Some(text) => {
            outln!("{text}");
            if !keys.is_empty() {
                outln!("");
                outln!("keys:");
                let width = keys
                    .iter()
                    .map(|k| k.key.chars().count())
                    .max()
                    .unwrap_or(0);
                for key in &keys {
                    outln!("  {:<width$}  {}", key.key, key.doc);
                }
            }
        }
    }
    Ok(Outcome::Success)
}
