//! Why a plugin could not be found or loaded, in words a user can act on.

use super::*;

/// Why a plugin could not be found or loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The name cannot be a plugin name.
    #[error("`{name}` is not a plugin name (use letters, digits, `-` and `_`)")]
    BadName {
        /// The name as written.
        name: String,
    },
    /// No library of that name in the search path.
    #[error("plugin `{name}` not found: no {file_name} in {}", display_dirs(.searched))]
    NotFound {
        /// The plugin name.
        name: String,
        /// The library file name looked for.
        file_name: String,
        /// The folders searched, in order.
        searched: Vec<PathBuf>,
    },
    /// The file is not a loadable rollcall plugin.
    #[error("plugin `{name}` ({}) is not a rollcall plugin: {reason}", .file.display())]
    NotAPlugin {
        /// The plugin name.
        name: String,
        /// The library file.
        file: PathBuf,
        /// Why, one line.
        reason: String,
    },
    /// The plugin was built against an SDK this rollcall cannot use.
    #[error("plugin `{name}` ({}) was built against rollcall-sdk {plugin_sdk}, incompatible with rollcall-sdk {host_sdk} of this rollcall; rebuild the plugin against it{}", .file.display(), detail_lines(.details))]
    IncompatibleSdk {
        /// The plugin name.
        name: String,
        /// The library file.
        file: PathBuf,
        /// The SDK version the plugin was built against.
        plugin_sdk: String,
        /// This host's SDK version.
        host_sdk: String,
        /// The `Error:` lines of the layout check, at most a few.
        details: Vec<String>,
    },
    /// The library declares another plugin name than its file name says.
    #[error("plugin `{name}` ({}) declares itself as `{declared}`", .file.display())]
    NameMismatch {
        /// The plugin name looked for.
        name: String,
        /// The library file.
        file: PathBuf,
        /// The name the library declares.
        declared: String,
    },
    /// The plugin needs a feature this host does not support (its hello said so).
    #[error("plugin `{name}` ({}) needs `{feature}`, which this rollcall (SDK {host_sdk}) does not support; update rollcall", .file.display())]
    MissingFeature {
        /// The plugin name.
        name: String,
        /// The library file.
        file: PathBuf,
        /// The first feature it needs that the host lacks.
        feature: String,
        /// This host's SDK version.
        host_sdk: String,
    },
    /// A plugin folder or library that someone other than its owner (or root) can write; nothing is
    /// loaded while the search path holds one.
    #[error("refusing to load plugins: {kind} {} cannot be trusted: {reason}", .path.display())]
    Untrusted {
        /// `plugin folder` or `plugin library`.
        kind: &'static str,
        /// The folder or library.
        path: PathBuf,
        /// Why, one line.
        reason: String,
    },
    /// A `ROLLCALL_PLUGIN_PATH` library would replace another library of the same name.
    #[error("plugin `{name}`: {} (in ROLLCALL_PLUGIN_PATH) and {} are different libraries of one name; ROLLCALL_PLUGIN_PATH does not replace a plugin: remove one, or give the folder you mean with --plugin-dir", .shadowing.display(), .other.display())]
    Shadowing {
        /// The plugin name.
        name: String,
        /// The library in a `ROLLCALL_PLUGIN_PATH` folder.
        shadowing: PathBuf,
        /// The other library of that name in the search path.
        other: PathBuf,
    },
    /// The library failed while loading.
    #[error("plugin `{name}` ({}) failed to load: {reason}", .file.display())]
    LoadFailed {
        /// The plugin name.
        name: String,
        /// The library file.
        file: PathBuf,
        /// Why, condensed.
        reason: String,
    },
}

pub(crate) fn display_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "(no plugin folders)".to_string();
    }
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn detail_lines(details: &[String]) -> String {
    details.iter().map(|d| format!("\n  {d}")).collect()
}

/// Most `Error:` lines kept from an `AbiInstability` report.
const MAX_DETAIL_LINES: usize = 4;

/// Keep the `Error:` lines of an abi_stable layout report (about 900 lines) and drop the rest.
pub fn condense_abi_report(report: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in report.lines() {
        let line = line.trim();
        if line.starts_with("Error:") && !lines.iter().any(|l| l == line) {
            lines.push(line.chars().take(200).collect());
        }
    }
    if lines.len() > MAX_DETAIL_LINES {
        let more = lines.len() - MAX_DETAIL_LINES;
        lines.truncate(MAX_DETAIL_LINES);
        lines.push(format!("... and {more} more layout errors"));
    }
    lines
}

/// The first non-empty line of a message, for errors that must stay short.
pub(crate) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}
