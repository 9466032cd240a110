//! Finds and loads rollcall step plugins.
//!
//! A plugin named `track-names` is the shared library `librollcall_track_names.so` (on Linux), looked up
//! in each `--plugin-dir`, then each folder of `ROLLCALL_PLUGIN_PATH`, then the folder of the running
//! executable, then `<prefix>/lib/rollcall/` beside the executable's real `<prefix>/bin/`. Libraries
//! are loaded once per process and never unloaded.
//!
//! Nothing is loaded from a folder or library that someone other than its owner (or root) can write
//! (see [`HostError::Untrusted`]): every folder of the search path and every plugin library in it is
//! checked before the first library is opened. A library in a `ROLLCALL_PLUGIN_PATH` folder whose name
//! is also found elsewhere in the search path with other bytes is refused ([`HostError::Shadowing`]),
//! so the environment never replaces a plugin silently.

use std::collections::HashMap;
use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use abi_stable::library::{AbiHeaderRef, LibHeader, LibraryError, RawLibrary, RootModule};
use abi_stable::std_types::{RResult, RStr, RVec, Tuple2};
use rollcall_sdk::ffi::check::{CheckModule_Ref, FfiCheckBox, CHECK_SYMBOL_PREFIX};
use rollcall_sdk::ffi::hello::{FfiHello, HelloModule_Ref, HostHello, HELLO_SYMBOL_PREFIX};
use rollcall_sdk::ffi::{self, FfiStepBox, FfiTake, HostLogger, StepModule_Ref};
use rollcall_sdk::{Edit, Finding, StepContext, StepError, Take};

pub use rollcall_sdk::ffi::hello::HOST_FEATURES;

mod check;
mod error;
mod open;
mod trust;

use check::open_check_plugin;
pub use check::{CheckPlugin, LoadedCheck};
pub use error::*;
use open::*;

/// The environment variable listing extra plugin folders, `:`-separated.
pub const PLUGIN_PATH_VAR: &str = "ROLLCALL_PLUGIN_PATH";

/// The SDK version this host was built with.
pub const HOST_SDK_VERSION: &str = rollcall_sdk::SDK_VERSION;

/// A plugin library found in the search path, for `rollcall plugins`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginListing {
    /// The plugin name (as declared by the library, else from its file name).
    pub name: String,
    /// The plugin's version, when it loaded.
    pub version: Option<String>,
    /// The SDK version it was built against, when known.
    pub sdk_version: Option<String>,
    /// The library file.
    pub file: PathBuf,
    /// Why it cannot be loaded, when it cannot.
    pub error: Option<String>,
}

/// A loaded plugin library; cheap to clone.
#[derive(Clone)]
pub struct Plugin {
    meta: Arc<PluginMeta>,
    module: StepModule_Ref,
}

struct PluginMeta {
    name: String,
    version: String,
    sdk_version: String,
    file: PathBuf,
    hello: Option<HostHello>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.meta.name)
            .field("version", &self.meta.version)
            .field("sdk_version", &self.meta.sdk_version)
            .field("file", &self.meta.file)
            .finish()
    }
}

impl Plugin {
    /// The plugin's declared name (`track-names`).
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The plugin's version.
    pub fn version(&self) -> &str {
        &self.meta.version
    }

    /// The SDK version the plugin was built against.
    pub fn sdk_version(&self) -> &str {
        &self.meta.sdk_version
    }

    /// The library file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.meta.file
    }

    /// The plugin's answer to the host's hello; `None` for a 1.0 plugin (which has no hello).
    pub fn hello(&self) -> Option<&HostHello> {
        self.meta.hello.as_ref()
    }

    /// Build a step from its recipe table; the plugin's error (or panic) comes back as `Err`.
    pub fn build(&self, context: &StepContext) -> Result<LoadedStep, StepError> {
        let table = ffi::table_to_toml(&with_known_tokens(context, self.meta.hello.as_ref()))?;
        let recipe_dir = context.recipe_dir.to_string_lossy();
        let logger = HostLogger { log: host_log };
        let new_step = self.module.new_step();
        match new_step(RStr::from_str(&table), RStr::from_str(&recipe_dir), logger) {
            RResult::ROk(step) => Ok(LoadedStep {
                step,
                plugin: self.clone(),
            }),
            RResult::RErr(error) => Err(StepError::from(error)),
        }
    }
}

/// The table sent to a plugin: the step's own, plus the known tokens when the context has them and
/// the plugin's hello accepts them (a plugin of an older SDK would refuse the extra key).
fn with_known_tokens(context: &StepContext, hello: Option<&HostHello>) -> toml::Table {
    let mut table = context.table.clone();
    let accepts = hello.is_some_and(|h| {
        h.accepts
            .iter()
            .any(|a| a == rollcall_sdk::ffi::hello::ACCEPT_KNOWN_TOKENS)
    });
    if let (true, Some(known)) = (accepts, &context.known_tokens) {
        table.insert(
            rollcall_sdk::KNOWN_TOKENS_KEY.to_string(),
            toml::Value::Array(known.iter().cloned().map(toml::Value::String).collect()),
        );
    }
    table
}

/// A step built by a plugin, ready to be applied to takes from any thread.
pub struct LoadedStep {
    step: FfiStepBox,
    plugin: Plugin,
}

impl std::fmt::Debug for LoadedStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedStep")
            .field("plugin", &self.plugin)
            .finish()
    }
}

impl LoadedStep {
    /// Describe the edits for one take; a plugin error or panic comes back as its message.
    pub fn apply(&self, take: &Take) -> Result<Vec<Edit>, String> {
        let document = FfiTake::from(take);
        match self.step.apply(&document) {
            RResult::ROk(edits) => ffi::decode_edits(&edits).map_err(|e| {
                format!(
                    "plugin `{}` {}: {e}",
                    self.plugin.name(),
                    self.plugin.version()
                )
            }),
            RResult::RErr(error) => Err(StepError::from(error).to_string()),
        }
    }

    /// The name of the plugin that built this step.
    pub fn plugin_name(&self) -> &str {
        self.plugin.name()
    }

    /// The plugin that built this step.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }
}

/// A log message level from a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Information.
    Info,
    /// A warning.
    Warn,
}

/// Where plugin log messages go: `(level, plugin name, message)`.
pub type LogSink = Arc<dyn Fn(LogLevel, &str, &str) + Send + Sync>;

static LOG_SINK: RwLock<Option<LogSink>> = RwLock::new(None);

/// Send plugin log messages to `sink` instead of stderr (the CLI uses this for `--quiet`).
pub fn set_plugin_log_sink(sink: LogSink) {
    if let Ok(mut slot) = LOG_SINK.write() {
        *slot = Some(sink);
    }
}

extern "C" fn host_log(level: u32, plugin: RStr<'_>, message: RStr<'_>) {
    let level = if level == ffi::LOG_WARN {
        LogLevel::Warn
    } else {
        LogLevel::Info
    };
    // Nothing may unwind back into the plugin.
    let _ = std::panic::catch_unwind(|| {
        let sink = LOG_SINK.read().ok().and_then(|s| s.clone());
        match sink {
            Some(sink) => sink(level, plugin.as_str(), message.as_str()),
            None => {
                use std::io::Write;
                let label = match level {
                    LogLevel::Info => "info",
                    LogLevel::Warn => "warning",
                };
                let _ = writeln!(
                    std::io::stderr(),
                    "rollcall: plugin `{plugin}`: {label}: {message}"
                );
            }
        }
    });
}

/// The plugin folders that come with the executable at `exe`: its folder as invoked, then from its
/// real path (links resolved) its folder and `../lib/rollcall` (the installed layout
/// `<prefix>/bin/rollcall` + `<prefix>/lib/rollcall/`). Duplicates are left for the caller to drop.
pub fn installed_plugin_dirs(exe: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = exe.parent() {
        dirs.push(dir.to_path_buf());
    }
    if let Some(real_dir) = std::fs::canonicalize(exe)
        .ok()
        .and_then(|real| real.parent().map(Path::to_path_buf))
    {
        dirs.push(real_dir.clone());
        if let Some(prefix) = real_dir.parent() {
            dirs.push(prefix.join("lib").join("rollcall"));
        }
    }
    dirs
}

/// Finds plugin libraries in a search path and loads them, once per file.
#[derive(Debug)]
pub struct PluginHost {
    search_path: Vec<PathBuf>,
    /// The folders that came from `ROLLCALL_PLUGIN_PATH` (and not also from `--plugin-dir` or the
    /// executable's folder).
    environment_dirs: Vec<PathBuf>,
    /// Whether every folder and library of the search path may be loaded from, checked once.
    trusted: OnceLock<Result<(), HostError>>,
    loaded: Mutex<HashMap<PathBuf, Plugin>>,
    loaded_checks: Mutex<HashMap<PathBuf, CheckPlugin>>,
}

impl PluginHost {
    /// A host searching each of `plugin_dirs`, then `ROLLCALL_PLUGIN_PATH`, then the executable's
    /// folder, then (from the executable's real path, links resolved) its folder and the installed
    /// layout's `<prefix>/lib/rollcall/` beside `<prefix>/bin/rollcall`.
    pub fn new(plugin_dirs: &[PathBuf]) -> PluginHost {
        let mut search_path: Vec<PathBuf> = plugin_dirs.to_vec();
        let mut environment_dirs: Vec<PathBuf> = Vec::new();
        if let Some(value) = std::env::var_os(PLUGIN_PATH_VAR) {
            environment_dirs
                .extend(std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()));
            search_path.extend(environment_dirs.iter().cloned());
        }
        // The executable's folder and the installed layout's `<prefix>/lib/rollcall`.
        let executable_dirs = std::env::current_exe()
            .map(|exe| installed_plugin_dirs(&exe))
            .unwrap_or_default();
        search_path.extend(executable_dirs.iter().cloned());
        environment_dirs.retain(|dir| !plugin_dirs.contains(dir) && !executable_dirs.contains(dir));
        let mut unique: Vec<PathBuf> = Vec::with_capacity(search_path.len());
        for dir in search_path {
            if !unique.contains(&dir) {
                unique.push(dir);
            }
        }
        PluginHost {
            search_path: unique,
            environment_dirs,
            trusted: OnceLock::new(),
            loaded: Mutex::new(HashMap::new()),
            loaded_checks: Mutex::new(HashMap::new()),
        }
    }

    /// The folders searched, in order.
    pub fn search_path(&self) -> &[PathBuf] {
        &self.search_path
    }

    /// The library file name of a plugin (`track-names` -> `librollcall_track_names.so`).
    pub fn library_file_name(name: &str) -> Result<String, HostError> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(HostError::BadName {
                name: name.to_string(),
            });
        }
        Ok(format!(
            "{DLL_PREFIX}rollcall_{}{DLL_SUFFIX}",
            name.replace('-', "_")
        ))
    }

    /// Every `rollcall_*` library in the search path; the first of each name wins, failures carry `error`.
    pub fn list(&self) -> Vec<PluginListing> {
        let prefix = format!("{DLL_PREFIX}rollcall_");
        let mut seen: Vec<String> = Vec::new();
        let mut listings = Vec::new();
        for dir in &self.search_path {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let folder_distrust = trust::folder_distrust(dir);
            let mut files: Vec<(String, PathBuf)> = entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let file_name = entry.file_name().to_str()?.to_string();
                    let stem = file_name
                        .strip_prefix(prefix.as_str())?
                        .strip_suffix(DLL_SUFFIX)?
                        .to_string();
                    let valid = !stem.is_empty()
                        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    valid.then(|| (stem, entry.path()))
                })
                .collect();
            files.sort();
            for (stem, file) in files {
                if seen.contains(&stem) {
                    continue;
                }
                seen.push(stem.clone());
                let file_name_plugin = stem.replace('_', "-");
                // Never opened when anyone else could have written it.
                let distrust = match &folder_distrust {
                    Some(reason) => Some(untrusted("plugin folder", dir, reason.clone())),
                    None => trust::library_distrust(&file)
                        .map(|reason| untrusted("plugin library", &file, reason)),
                };
                if let Some(error) = distrust {
                    listings.push(PluginListing {
                        name: file_name_plugin,
                        version: None,
                        sdk_version: None,
                        file,
                        error: Some(error.to_string()),
                    });
                    continue;
                }
                let loaded = match self.load_file(&file_name_plugin, &file) {
                    // A check plugin (SDK 1.1) has no step module: list it from its check module.
                    Err(HostError::NotAPlugin { .. }) => {
                        match open_check_plugin(&file_name_plugin, &file) {
                            Ok(check) => {
                                listings.push(PluginListing {
                                    name: check.name().to_string(),
                                    version: Some(check.version().to_string()),
                                    sdk_version: Some(check.sdk_version().to_string()),
                                    file,
                                    error: None,
                                });
                                continue;
                            }
                            Err(_) => self.load_file(&file_name_plugin, &file),
                        }
                    }
                    other => other,
                };
                listings.push(match loaded {
                    Ok(plugin) => PluginListing {
                        name: plugin.name().to_string(),
                        version: Some(plugin.version().to_string()),
                        sdk_version: Some(plugin.sdk_version().to_string()),
                        file,
                        error: None,
                    },
                    Err(error) => PluginListing {
                        name: file_name_plugin,
                        version: None,
                        sdk_version: match &error {
                            HostError::IncompatibleSdk { plugin_sdk, .. } => {
                                Some(plugin_sdk.clone())
                            }
                            _ => None,
                        },
                        file,
                        error: Some(error.to_string()),
                    },
                });
            }
        }
        listings.sort_by(|a, b| a.name.cmp(&b.name));
        listings
    }

    /// Check, once, that every folder of the search path and every plugin library in it may be
    /// loaded from; before any library is opened.
    fn check_trust(&self) -> Result<(), HostError> {
        self.trusted
            .get_or_init(|| {
                let prefix = format!("{DLL_PREFIX}rollcall_");
                for dir in &self.search_path {
                    if let Some(reason) = trust::folder_distrust(dir) {
                        return Err(untrusted("plugin folder", dir, reason));
                    }
                    let Ok(entries) = std::fs::read_dir(dir) else {
                        continue;
                    };
                    let mut libraries: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .filter(|entry| {
                            entry.file_name().to_str().is_some_and(|n| {
                                n.starts_with(prefix.as_str()) && n.ends_with(DLL_SUFFIX)
                            })
                        })
                        .map(|entry| entry.path())
                        .collect();
                    libraries.sort();
                    for library in libraries {
                        if let Some(reason) = trust::library_distrust(&library) {
                            return Err(untrusted("plugin library", &library, reason));
                        }
                    }
                }
                Ok(())
            })
            .clone()
    }

    /// The library file of plugin `name`: the first folder of the search path that has it. A copy
    /// in a `ROLLCALL_PLUGIN_PATH` folder with other bytes than another copy is refused.
    fn find(&self, name: &str) -> Result<PathBuf, HostError> {
        let file_name = Self::library_file_name(name)?;
        self.check_trust()?;
        let candidates: Vec<(&PathBuf, PathBuf)> = self
            .search_path
            .iter()
            .map(|dir| (dir, dir.join(&file_name)))
            .filter(|(_, candidate)| candidate.is_file())
            .collect();
        for (dir, candidate) in &candidates {
            if !self.environment_dirs.contains(*dir) {
                continue;
            }
            for (_, other) in &candidates {
                if other != candidate && !trust::same_library(candidate, other).unwrap_or(false) {
                    return Err(HostError::Shadowing {
                        name: name.to_string(),
                        shadowing: candidate.clone(),
                        other: other.clone(),
                    });
                }
            }
        }
        candidates
            .into_iter()
            .next()
            .map(|(_, file)| file)
            .ok_or_else(|| HostError::NotFound {
                name: name.to_string(),
                file_name: file_name.clone(),
                searched: self.search_path.clone(),
            })
    }

    /// Load the step plugin `name` (`-` read as `_`) from the first folder of the search path that has it.
    pub fn load(&self, name: &str) -> Result<Plugin, HostError> {
        let file = self.find(name)?;
        self.load_file(name, &file)
    }

    /// Load the check plugin `name` (SDK 1.1) the same way as a step plugin.
    pub fn load_check(&self, name: &str) -> Result<CheckPlugin, HostError> {
        let file = self.find(name)?;
        let key = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
        if let Some(plugin) = self
            .loaded_checks
            .lock()
            .ok()
            .and_then(|l| l.get(&key).cloned())
        {
            return Ok(plugin);
        }
        let plugin = open_check_plugin(name, &file)?;
        if let Ok(mut loaded) = self.loaded_checks.lock() {
            loaded.insert(key, plugin.clone());
        }
        Ok(plugin)
    }

    /// Load a library file as plugin `name`, or return the copy loaded before.
    fn load_file(&self, name: &str, file: &Path) -> Result<Plugin, HostError> {
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        if let Some(plugin) = self.loaded.lock().ok().and_then(|l| l.get(&key).cloned()) {
            return Ok(plugin);
        }
        let plugin = open_plugin(name, file)?;
        if let Ok(mut loaded) = self.loaded.lock() {
            loaded.insert(key, plugin.clone());
        }
        Ok(plugin)
    }
}

/// The error for a folder or library that cannot be trusted.
fn untrusted(kind: &'static str, path: &Path, reason: String) -> HostError {
    HostError::Untrusted {
        kind,
        path: path.to_path_buf(),
        reason,
    }
}

/// A short form of another load error: its non-empty lines joined, cut at 300 characters.
fn condense_load_error(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    joined.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_plugins_and_steps_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<PluginHost>();
        send_sync::<Plugin>();
        send_sync::<LoadedStep>();
    }

    #[test]
    fn library_file_name_reads_dash_as_underscore() {
        assert_eq!(
            PluginHost::library_file_name("track-names"),
            Ok(format!("{DLL_PREFIX}rollcall_track_names{DLL_SUFFIX}"))
        );
    }

    #[test]
    fn paths_are_not_plugin_names() {
        for name in ["../x", "a/b", "", "x.so"] {
            assert!(matches!(
                PluginHost::library_file_name(name),
                Err(HostError::BadName { .. })
            ));
        }
    }

    #[test]
    fn abi_report_is_condensed_to_error_lines() {
        let mut report = String::new();
        for i in 0..900 {
            report.push_str(&format!("    field {i}: something\n"));
            if i % 300 == 0 {
                report.push_str("  Error:unexpected field name\n");
            }
        }
        report.push_str("Error:mismatched number of fields\n");
        assert_eq!(
            condense_abi_report(&report),
            vec![
                "Error:unexpected field name".to_string(),
                "Error:mismatched number of fields".to_string()
            ]
        );
    }

    #[test]
    fn plugin_dirs_come_first_then_the_executable_folder() {
        let host = PluginHost::new(&[PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(host.search_path().first(), Some(&PathBuf::from("/a")));
        assert_eq!(host.search_path().get(1), Some(&PathBuf::from("/b")));
        let exe_dir = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf));
        assert_eq!(host.search_path().get(2), exe_dir.as_ref());
        assert!(host
            .search_path()
            .last()
            .is_some_and(|dir| dir.ends_with("lib/rollcall")));
    }

    #[test]
    fn an_installed_binary_finds_lib_rollcall_through_its_real_path() {
        let prefix = tempfile::tempdir().unwrap();
        let bin = prefix.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("rollcall"), b"").unwrap();
        let elsewhere = prefix.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(bin.join("rollcall"), elsewhere.join("rollcall")).unwrap();
        let dirs = installed_plugin_dirs(&elsewhere.join("rollcall"));
        let real_prefix = std::fs::canonicalize(prefix.path()).unwrap();
        assert_eq!(
            dirs,
            vec![
                elsewhere.clone(),
                real_prefix.join("bin"),
                real_prefix.join("lib").join("rollcall")
            ]
        );
    }
}
