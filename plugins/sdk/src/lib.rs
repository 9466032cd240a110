//! `rollcall-sdk`: everything a rollcall step plugin depends on.
//!
//! A plugin implements [`Step`]: it is built once from its recipe table and then called for each take
//! with a read-only [`Take`], returning a list of [`Edit`]s. The engine applies the edits and keeps
//! every mirror coherent (iXML and bext, `TRACK_LIST` and `fmt ` and the audio), so a plugin never
//! touches bytes.
//!
//! A check plugin (SDK 1.1) implements [`Check`]: it sees each take as it will be delivered beside
//! the source's description ([`CheckedTake`]) and returns [`Finding`]s, and sees the whole batch
//! once at the end.
//!
//! # Layout and stability
//!
//! - [`ffi`] is the frozen ABI (abi_stable layouts, fixed for all of SDK 1.x; it grows through data
//!   and new symbols only). It depends on `abi_stable` and nothing of the helpers.
//! - The plain types here ([`Take`], [`Edit`], ...) are `#[non_exhaustive]`: build them with their
//!   constructors or `Default` and set fields, so new fields do not break plugin source.
//! - [`table`] (CSV tables) and [`template`] (name templates) are helpers a plugin may use; their
//!   dependencies (`csv`) are not part of the ABI.

pub mod table;
pub mod template;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub mod ffi;

pub use rollcall_findings::{Finding, Severity};

/// The version of this SDK, compared by the host at load time.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Audio format facts of a take, from its `fmt ` and `data` chunks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FmtFacts {
    /// Number of interleaved channels.
    pub channels: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// Bits per sample as stored (container bits).
    pub bits_per_sample: u16,
    /// True for IEEE float samples.
    pub float: bool,
    /// Number of sample frames in the `data` chunk.
    pub frames: u64,
}

/// The fields of a `bext` chunk, as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BextFields {
    /// The 256-byte description (usually `KEY=value` lines).
    pub description: String,
    /// Originator (32 bytes).
    pub originator: String,
    /// Originator reference (32 bytes).
    pub originator_reference: String,
    /// `yyyy-mm-dd`.
    pub origination_date: String,
    /// `hh:mm:ss`.
    pub origination_time: String,
    /// Samples since midnight of the first sample.
    pub time_reference: u64,
    /// bext version (0, 1 or 2).
    pub version: u16,
    /// Coding history lines, as stored.
    pub coding_history: String,
}

/// One `KEY=value` line of the bext description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DescriptionKey {
    /// The vendor prefix before the key: `s` (Sound Devices), `g` (Metacorder), or empty.
    pub prefix: String,
    /// The key without prefix, upper case as written: `SCENE`, `TAKE`, `TRK1`, `TR1`.
    pub key: String,
    /// The value after `=`.
    pub value: String,
}

/// One track of the take, in interleave order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Track {
    /// 1-based position in this file (iXML `INTERLEAVE_INDEX`).
    pub interleave_index: u32,
    /// The recorder's track number (iXML `CHANNEL_INDEX`), when known.
    pub channel_index: Option<u32>,
    /// Track name (iXML `NAME`, else the bext `TRKn` line), when present.
    pub name: Option<String>,
    /// iXML `FUNCTION`, when present.
    pub function: Option<String>,
}

/// A read-only description of one take, as a step sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Take {
    /// File name with extension, as it will be delivered so far (`A101_1.WAV`).
    pub file_name: String,
    /// The source file name with extension, never changed by steps.
    pub source_name: String,
    /// Folder under the output root, `/`-separated, empty for the root.
    pub folder: String,
    /// Format facts.
    pub fmt: FmtFacts,
    /// `bext` fields, when the file has a `bext` chunk.
    pub bext: Option<BextFields>,
    /// Parsed `KEY=value` lines of the bext description.
    pub description: Vec<DescriptionKey>,
    /// iXML leaf values by path (`SCENE`, `SPEED/TIMECODE_RATE`, `HISTORY/CURRENT_FILENAME`), when the file
    /// has iXML. An element present but empty maps to an empty string; an absent one is not in the map.
    pub ixml: Option<BTreeMap<String, String>>,
    /// Tracks in interleave order.
    pub tracks: Vec<Track>,
    /// The recipe's `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// Values set by earlier steps with [`Edit::SetToken`] (`episode`, ...).
    pub tokens: BTreeMap<String, String>,
    /// Chunk ids in file order (`fmt `, `bext`, `iXML`, `data`, `chna`, ...).
    pub chunk_ids: Vec<String>,
    /// Facts the engine knows about the take (SDK 1.1): see the `FACT_*` constants.
    pub facts: BTreeMap<String, String>,
}

/// Fact: the source file's path, as the engine reports it.
pub const FACT_PATH: &str = "path";
/// Fact: present when the take was not finalized by its recorder and is recovered; the value says
/// what is repaired.
pub const FACT_RECOVERED: &str = "recovered";

impl FmtFacts {
    /// Format facts of a PCM take.
    pub fn new(channels: u16, sample_rate: u32, bits_per_sample: u16, frames: u64) -> FmtFacts {
        FmtFacts {
            channels,
            sample_rate,
            bits_per_sample,
            float: false,
            frames,
        }
    }
}

impl DescriptionKey {
    /// A `KEY=value` line with its vendor prefix.
    pub fn new(prefix: &str, key: &str, value: &str) -> DescriptionKey {
        DescriptionKey {
            prefix: prefix.to_string(),
            key: key.to_string(),
            value: value.to_string(),
        }
    }
}

impl Track {
    /// A track at a 1-based interleave index, with a name when given.
    pub fn new(interleave_index: u32, name: Option<&str>) -> Track {
        Track {
            interleave_index,
            channel_index: None,
            name: name.map(str::to_string),
            function: None,
        }
    }
}

impl Take {
    /// An empty take delivered and read under `file_name`.
    pub fn named(file_name: &str) -> Take {
        Take {
            file_name: file_name.to_string(),
            source_name: file_name.to_string(),
            ..Take::default()
        }
    }

    /// A fact the engine set (see the `FACT_*` constants).
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts.get(name).map(String::as_str)
    }

    /// The value of an iXML element by path, if present (empty string when present but empty).
    pub fn ixml(&self, path: &str) -> Option<&str> {
        self.ixml.as_ref()?.get(path).map(String::as_str)
    }

    /// The value of a bext description key, whatever its vendor prefix (`SCENE` finds `sSCENE=`).
    pub fn description_key(&self, key: &str) -> Option<&str> {
        self.description
            .iter()
            .find(|k| k.key.eq_ignore_ascii_case(key))
            .map(|k| k.value.as_str())
    }

    /// The value of a metadata field: iXML first (when non-empty), then the bext description key.
    pub fn field(&self, name: &str) -> Option<&str> {
        let upper = name.to_ascii_uppercase();
        match self.ixml(&upper) {
            Some(v) if !v.trim().is_empty() => Some(v.trim()),
            _ => self
                .description_key(&upper)
                .map(str::trim)
                .filter(|v| !v.is_empty()),
        }
    }

    /// The source file name without its extension.
    pub fn stem(&self) -> &str {
        match self.source_name.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem,
            _ => &self.source_name,
        }
    }

    /// The value of a template token: a token set by an earlier step, a `[vars]` key, `stem`, or a
    /// metadata field (`scene`, `take`, `tape`, `project`, `circled`, `note`).
    pub fn token(&self, name: &str) -> Option<String> {
        if let Some(v) = self.tokens.get(name) {
            return Some(v.clone());
        }
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        match name {
            "stem" => Some(self.stem().to_string()),
            _ => self.field(name).map(str::to_string),
        }
    }
}

/// Token a step sets ([`Edit::SetToken`]) to give the show-wide width, in characters (at least 3),
/// the bext `?TRKn=` track names are cut to; the same for every take of a show (`track-names` sets
/// it from its `bext_name_width` key). A host that does not know it keeps it as a plain token.
pub const BEXT_NAME_WIDTH_TOKEN: &str = "bext_name_width";

/// A change a step asks for; the engine applies it and keeps every mirror coherent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Edit {
    /// Set an iXML leaf element by path (`NOTE`, `HISTORY/ORIGINAL_FILENAME`), creating it when absent.
    SetIxml {
        /// Element path below `BWFXML`, `/`-separated.
        path: String,
        /// New text (escaped by the engine).
        value: String,
    },
    /// Set a fixed bext field: `description`, `originator`, `originator_reference`,
    /// `origination_date`, `origination_time`, `time_reference` or `coding_history`.
    SetBext {
        /// Field name.
        field: String,
        /// New value (ASCII; too long fails the file).
        value: String,
    },
    /// Set a `KEY=value` line of the bext description, keeping the file's vendor prefix.
    SetDescriptionKey {
        /// Key without prefix (`SCENE`).
        key: String,
        /// New value.
        value: String,
    },
    /// Set a track's name in iXML `TRACK/NAME` and the bext `?TRKn=` line together.
    SetTrackName {
        /// 1-based interleave index of the track, as described to this step.
        interleave_index: u32,
        /// New name.
        name: String,
    },
    /// Set a track's iXML `FUNCTION`.
    SetTrackFunction {
        /// 1-based interleave index of the track, as described to this step.
        interleave_index: u32,
        /// New function (`MIX`, `BOOM`, ...).
        function: String,
    },
    /// Set the delivered file name (with extension); updates `HISTORY/CURRENT_FILENAME` and `?FILENAME=`.
    SetFileName(String),
    /// Set the delivered folder under the output root (`/`-separated, relative).
    SetFolder(String),
    /// Set the channel order: output channel `i` takes the track with interleave index `order[i]`
    /// (1-based, as described to this step); tracks not listed are dropped.
    SetChannelOrder(Vec<u32>),
    /// Set a value later steps can use as a template token (`episode`); the token
    /// [`BEXT_NAME_WIDTH_TOKEN`] also sets the width of the bext track names.
    SetToken {
        /// Token name.
        name: String,
        /// Value.
        value: String,
    },
    /// Fail this file with a reason; the batch goes on.
    Fail(String),
    /// Report a warning for this file; it is still delivered.
    Warn(String),
    /// Report a finding about this file (SDK 1.1; to a 1.0 host it goes as a warning).
    Finding(Finding),
}

/// What a step or check is built from: its recipe table and where the recipe lives.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StepContext {
    /// The step's `[[step]]` table without the `plugin` key, as TOML.
    pub table: toml::Table,
    /// Folder of the recipe file; relative paths in the table are relative to it.
    pub recipe_dir: PathBuf,
    /// The tokens a template of this step may use besides [`template::TOKENS`] (the recipe's
    /// `[vars]` keys, the engine's roll tokens, tokens earlier steps set), when the host said them;
    /// `None` when it did not (then templates are only checked take by take).
    pub known_tokens: Option<std::collections::BTreeSet<String>>,
}

/// The key under which a host passes [`StepContext::known_tokens`] with a step's table (to plugins
/// whose hello accepts it); the SDK takes it out before the step sees its table.
pub const KNOWN_TOKENS_KEY: &str = "rollcall:known_tokens";

impl StepContext {
    /// A context for a table of a recipe in `recipe_dir`.
    pub fn new(table: toml::Table, recipe_dir: impl Into<PathBuf>) -> StepContext {
        StepContext {
            table,
            recipe_dir: recipe_dir.into(),
            known_tokens: None,
        }
    }

    /// This context with the tokens templates may use besides the standard ones (see
    /// [`StepContext::known_tokens`]).
    pub fn with_known_tokens(mut self, tokens: impl IntoIterator<Item = String>) -> StepContext {
        self.known_tokens = Some(tokens.into_iter().collect());
        self
    }

    /// Refuse a template (of the table's `key`) using a token no file, step or `[vars]` key can
    /// provide: not standard, not in [`StepContext::known_tokens`], not one of the step's `own`
    /// tokens (`character`). Passes everything when the host did not say its known tokens.
    pub fn check_tokens(
        &self,
        key: &str,
        template: &template::Template,
        own: &[&str],
    ) -> Result<(), StepError> {
        let Some(known) = &self.known_tokens else {
            return Ok(());
        };
        match template
            .tokens()
            .find(|t| !template::TOKENS.contains(t) && !own.contains(t) && !known.contains(*t))
        {
            None => Ok(()),
            Some(unknown) => {
                let mut names: Vec<&str> = template::TOKENS.to_vec();
                names.extend(own);
                names.extend(known.iter().map(String::as_str));
                Err(StepError::at_key(
                    key,
                    format!(
                        "template `{}`: no file, step or [vars] key provides `{{{unknown}}}` (known: {})",
                        template.source(),
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    /// Deserialize the step's table into the plugin's own config type (use `deny_unknown_fields`).
    pub fn config<T: serde::de::DeserializeOwned>(&self) -> Result<T, StepError> {
        T::deserialize(toml::Value::Table(self.table.clone()))
            .map_err(|e| StepError::new(e.message().to_string()))
    }

    /// Resolve a path from the recipe against the recipe's folder.
    pub fn resolve(&self, path: &str) -> PathBuf {
        self.recipe_dir.join(path)
    }
}

/// An error of a step: a message, and the recipe key it concerns when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepError {
    /// What went wrong, one line.
    pub message: String,
    /// The key of the step's table the error is about (`csv`), when known.
    pub key: Option<String>,
}

impl StepError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        StepError {
            message: message.into(),
            key: None,
        }
    }

    /// An error about one key of the step's table.
    pub fn at_key(key: impl Into<String>, message: impl Into<String>) -> Self {
        StepError {
            message: message.into(),
            key: Some(key.into()),
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            Some(key) => write!(f, "key `{key}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for StepError {}

/// A recipe step, implemented by a plugin.
pub trait Step: Send + Sync + Sized + 'static {
    /// Build the step once from its recipe table.
    fn new(context: &StepContext) -> Result<Self, StepError>;

    /// Describe the edits for one take. Return `Err` (or [`Edit::Fail`]) to fail this file.
    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError>;

    /// What the step does and its recipe keys, for `rollcall plugins --describe` (sent in the
    /// hello; default: no description).
    fn describe() -> PluginDescription {
        PluginDescription::default()
    }
}

/// What a plugin does and its recipe keys with their docs (`rollcall plugins --describe NAME`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PluginDescription {
    /// One paragraph: what the step or check does.
    pub summary: String,
    /// Its recipe keys in order: `(name, what it is, with its default)`.
    pub keys: Vec<(String, String)>,
}

impl PluginDescription {
    /// A description with its summary and no keys yet.
    pub fn new(summary: &str) -> PluginDescription {
        PluginDescription {
            summary: summary.to_string(),
            keys: Vec::new(),
        }
    }

    /// Add one recipe key and its doc.
    pub fn key(mut self, name: &str, doc: &str) -> PluginDescription {
        self.keys.push((name.to_string(), doc.to_string()));
        self
    }
}

/// A take as a check sees it: as it will be delivered (after the steps), beside the source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckedTake {
    /// The take as it will be delivered: name, folder, track order and names after the steps.
    pub take: Take,
    /// The source as read from the file, before any step.
    pub source: Take,
}

impl CheckedTake {
    /// A delivered take beside its source.
    pub fn new(take: Take, source: Take) -> CheckedTake {
        CheckedTake { take, source }
    }

    /// The source file's path (the engine's `path` fact, else the source file name).
    pub fn path(&self) -> &str {
        self.source
            .fact(FACT_PATH)
            .or_else(|| self.take.fact(FACT_PATH))
            .unwrap_or(&self.source.source_name)
    }
}

/// A check, implemented by a plugin (SDK 1.1): findings per take, then about the whole batch.
pub trait Check: Send + Sync + Sized + 'static {
    /// Build the check once from its `[[check]]` table (also what `rollcall check` runs).
    fn new(context: &StepContext) -> Result<Self, StepError>;

    /// Findings about one take. Called from several threads at once.
    fn check_take(&self, take: &CheckedTake) -> Result<Vec<Finding>, StepError>;

    /// Findings about rolls and the batch, with every take of the batch, once, after `check_take`.
    fn check_batch(&self, batch: &[CheckedTake]) -> Result<Vec<Finding>, StepError> {
        let _ = batch;
        Ok(Vec::new())
    }

    /// What the check does and its recipe keys, as [`Step::describe`].
    fn describe() -> PluginDescription {
        PluginDescription::default()
    }
}

/// Whether the host running this plugin announced `feature` in its hello (`findings`, `check`,
/// `validate`); false on a 1.0 host, and outside a call from a host.
pub fn host_supports(feature: &str) -> bool {
    ffi::current_host_supports(feature)
}

/// Log an information message through the host (stderr when the step runs in-process).
pub fn log_info(message: &str) {
    ffi::log(ffi::LOG_INFO, message);
}

/// Log a warning through the host (stderr when the step runs in-process).
pub fn log_warn(message: &str) {
    ffi::log(ffi::LOG_WARN, message);
}

/// Export a [`Step`] implementation as a rollcall plugin: `export_step!(MyStep, "my-step");`.
///
/// Invoke it once, at the root of the plugin crate (a `cdylib`); the name must be a string literal
/// (`-` and `_` are read alike by the host). The plugin's version is its crate version. A plugin that
/// needs host features names them: `export_step!(MyStep, "my-step", needs = ["findings"]);` and a
/// host without them refuses it at `rollcall check`. Every entry point the host calls (building the
/// step, `apply`, dropping it) catches panics inside the library and returns them as errors: a panic
/// fails one file, never the batch. A library exports one step or one check.
#[macro_export]
macro_rules! export_step {
    ($step:ty, $name:expr) => {
        $crate::export_step!($step, $name, needs = []);
    };
    ($step:ty, $name:expr, needs = [$($need:expr),* $(,)?]) => {
        $crate::__export_plugin_state!($name, [$($need),*], "step", <$step as $crate::Step>::describe);

        /// The step root module of this rollcall plugin library (read by the host at load time). Its
        /// symbol name carries the plugin name, so several plugin crates can link into one program.
        #[doc(hidden)]
        #[export_name = concat!("rollcall_step_", $name)]
        pub static __ROLLCALL_STEP_ROOT_MODULE: $crate::ffi::abi_stable::library::LibHeader = {
            extern "C" fn __rollcall_erased_root_module(
            ) -> $crate::ffi::abi_stable::library::RootModuleResult {
                $crate::ffi::abi_stable::library::__call_root_module_loader(__rollcall_root_module)
            }
            // SAFETY: the constructor returns a `StepModule_Ref`, the type named here.
            unsafe {
                $crate::ffi::abi_stable::library::LibHeader::from_constructor::<
                    $crate::ffi::StepModule_Ref,
                >(
                    __rollcall_erased_root_module,
                    $crate::ffi::abi_stable::library::CheckTypeLayout::Yes,
                )
            }
        };

        #[doc(hidden)]
        extern "C" fn __rollcall_new_step(
            config_toml: $crate::ffi::abi_stable::std_types::RStr<'_>,
            recipe_dir: $crate::ffi::abi_stable::std_types::RStr<'_>,
            log: $crate::ffi::HostLogger,
        ) -> $crate::ffi::abi_stable::std_types::RResult<
            $crate::ffi::FfiStepBox,
            $crate::ffi::FfiStepError,
        > {
            $crate::ffi::new_step_entry::<$step>(&__ROLLCALL_PLUGIN, config_toml, recipe_dir, log)
        }

        #[doc(hidden)]
        fn __rollcall_root_module() -> $crate::ffi::StepModule_Ref {
            // One module per plugin: this static is declared by the macro in the plugin's crate.
            static MODULE: ::std::sync::OnceLock<$crate::ffi::StepModule_Ref> =
                ::std::sync::OnceLock::new();
            *MODULE.get_or_init(|| $crate::ffi::step_module(&__ROLLCALL_PLUGIN, __rollcall_new_step))
        }
    };
}

/// Export a [`Check`] implementation as a rollcall check plugin: `export_check!(MyCheck, "my-check");`
/// (SDK 1.1; `needs = [...]` as for [`export_step!`]). Panics are caught as for steps.
#[macro_export]
macro_rules! export_check {
    ($check:ty, $name:expr) => {
        $crate::export_check!($check, $name, needs = []);
    };
    ($check:ty, $name:expr, needs = [$($need:expr),* $(,)?]) => {
        $crate::__export_plugin_state!(
            $name,
            ["check", "findings" $(, $need)*],
            "check",
            <$check as $crate::Check>::describe
        );

        /// The check root module of this rollcall plugin library (read by the host at load time).
        #[doc(hidden)]
        #[export_name = concat!("rollcall_check_", $name)]
        pub static __ROLLCALL_CHECK_ROOT_MODULE: $crate::ffi::abi_stable::library::LibHeader = {
            extern "C" fn __rollcall_erased_root_module(
            ) -> $crate::ffi::abi_stable::library::RootModuleResult {
                $crate::ffi::abi_stable::library::__call_root_module_loader(__rollcall_root_module)
            }
            // SAFETY: the constructor returns a `CheckModule_Ref`, the type named here.
            unsafe {
                $crate::ffi::abi_stable::library::LibHeader::from_constructor::<
                    $crate::ffi::check::CheckModule_Ref,
                >(
                    __rollcall_erased_root_module,
                    $crate::ffi::abi_stable::library::CheckTypeLayout::Yes,
                )
            }
        };

        #[doc(hidden)]
        extern "C" fn __rollcall_new_check(
            config_toml: $crate::ffi::abi_stable::std_types::RStr<'_>,
            recipe_dir: $crate::ffi::abi_stable::std_types::RStr<'_>,
            log: $crate::ffi::HostLogger,
        ) -> $crate::ffi::abi_stable::std_types::RResult<
            $crate::ffi::check::FfiCheckBox,
            $crate::ffi::FfiStepError,
        > {
            $crate::ffi::new_check_entry::<$check>(&__ROLLCALL_PLUGIN, config_toml, recipe_dir, log)
        }

        #[doc(hidden)]
        fn __rollcall_root_module() -> $crate::ffi::check::CheckModule_Ref {
            static MODULE: ::std::sync::OnceLock<$crate::ffi::check::CheckModule_Ref> =
                ::std::sync::OnceLock::new();
            *MODULE
                .get_or_init(|| $crate::ffi::check_module(&__ROLLCALL_PLUGIN, __rollcall_new_check))
        }
    };
}

/// The per-plugin state and the hello root module; used by [`export_step!`] and [`export_check!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __export_plugin_state {
    ($name:expr, [$($need:expr),*], $provides:expr, $describe:expr) => {
        /// This plugin's own state (name, host logger, what the host said in its hello).
        #[doc(hidden)]
        pub static __ROLLCALL_PLUGIN: $crate::ffi::PluginState =
            $crate::ffi::PluginState::new($name, env!("CARGO_PKG_VERSION"), &[$($need),*]);

        /// The hello root module of this plugin library (SDK 1.1).
        #[doc(hidden)]
        #[export_name = concat!("rollcall_hello_", $name)]
        pub static __ROLLCALL_HELLO_ROOT_MODULE: $crate::ffi::abi_stable::library::LibHeader = {
            extern "C" fn __rollcall_erased_hello(
            ) -> $crate::ffi::abi_stable::library::RootModuleResult {
                $crate::ffi::abi_stable::library::__call_root_module_loader(__rollcall_hello_module)
            }
            // SAFETY: the constructor returns a `HelloModule_Ref`, the type named here.
            unsafe {
                $crate::ffi::abi_stable::library::LibHeader::from_constructor::<
                    $crate::ffi::hello::HelloModule_Ref,
                >(
                    __rollcall_erased_hello,
                    $crate::ffi::abi_stable::library::CheckTypeLayout::Yes,
                )
            }
        };

        #[doc(hidden)]
        extern "C" fn __rollcall_hello(
            host: &$crate::ffi::hello::FfiHello,
        ) -> $crate::ffi::hello::FfiHello {
            __ROLLCALL_PLUGIN.answer_described(host, &[$provides], $describe)
        }

        #[doc(hidden)]
        fn __rollcall_hello_module() -> $crate::ffi::hello::HelloModule_Ref {
            static MODULE: ::std::sync::OnceLock<$crate::ffi::hello::HelloModule_Ref> =
                ::std::sync::OnceLock::new();
            *MODULE.get_or_init(|| $crate::ffi::hello::hello_module(__rollcall_hello))
        }
    };
}
