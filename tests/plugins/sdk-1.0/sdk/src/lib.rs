//! `rollcall-sdk`: everything a rollcall step plugin depends on.
//!
//! A plugin implements [`Step`]: it is built once from its recipe table and then called for each take
//! with a read-only [`Take`], returning a list of [`Edit`]s. The engine applies the edits and keeps
//! every mirror coherent (iXML and bext, `TRACK_LIST` and `fmt ` and the audio), so a plugin never
//! touches bytes.

pub mod table;
pub mod template;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub mod ffi;

/// The version of this SDK, compared by the host at load time.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Audio format facts of a take, from its `fmt ` and `data` chunks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
}

impl Take {
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
        match self.source_name.rfind('.') {
            Some(dot) if dot > 0 => &self.source_name[..dot],
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
    /// Set a value later steps can use as a template token (`episode`).
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
}

/// What a step is built from: its recipe table and where the recipe lives.
#[derive(Clone, Debug)]
pub struct StepContext {
    /// The step's `[[step]]` table without the `plugin` key, as TOML.
    pub table: toml::Table,
    /// Folder of the recipe file; relative paths in the table are relative to it.
    pub recipe_dir: PathBuf,
}

impl StepContext {
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
/// (`-` and `_` are read alike by the host). The plugin's version is its crate
/// version. Every entry point the host calls (building the step, `apply`, dropping it) catches panics
/// inside the library and returns them as errors: a panic fails one file, never the batch.
#[macro_export]
macro_rules! export_step {
    ($step:ty, $name:expr) => {
        /// The root module of this rollcall plugin library (read by the host at load time). Its symbol
        /// name carries the plugin name, so several plugin crates can link into one program as rlibs.
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
        fn __rollcall_root_module() -> $crate::ffi::StepModule_Ref {
            $crate::ffi::step_module::<$step>($name, env!("CARGO_PKG_VERSION"))
        }
    };
}
