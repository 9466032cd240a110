//! Recipe files: parsing, validation with line numbers, layered overrides; and input discovery.
//!
//! A recipe is a TOML file (SPEC section 2). [`Recipe::load`] parses it keeping spans, so that every
//! error names the file, the line and the key; then layers the `ROLLCALL_*` environment variables and
//! the `--set KEY=VALUE` overrides over it with the `config` crate. [`find_inputs`] finds the files to
//! process under the command line's `INPUT`s.
//!
//! # Recipe keys
//!
//! - `[recipe]`: see [`RecipeTable`].
//! - `[vars]`: free `name = value` pairs usable as `{name}` in templates. Values are strings; integers
//!   and booleans are accepted and turned into their TOML text (`season = 8` is `"8"`); floats, dates,
//!   arrays and tables are errors.
//! - `[input]`: see [`InputRules`].
//! - `[output]`: see [`OutputRules`].
//! - `[manifest]`: see [`ManifestRules`].
//! - `[qc]`: audio QC thresholds, see [`QcSettings`]: `silence_dbfs` (default -60), `clip_run`
//!   (default 3), `loudness` (default false), `enabled` (default true).
//! - `[[step]]`: one table per step, run in order. `plugin` (required) names the plugin: letters,
//!   digits, `-` and `_` only. The other keys belong to the plugin, which checks them itself.
//! - `[[check]]`: one table per check plugin (SDK 1.1), loaded like a step: `plugin` (required),
//!   `severity` (optional, a table of rule id to `error`/`warning`/`info`, applied by the engine to
//!   every finding of that check); the other keys belong to the plugin. A `ledger` key (a path) names
//!   the roll ledger the engine appends to after a real run (see [`Recipe::ledger`]).
//!
//! # Overrides
//!
//! Applied in this order over the file, later ones winning:
//! 1. environment variables `ROLLCALL_<KEY>`, segments separated by `__` and lower-cased
//!    (`ROLLCALL_OUTPUT__DIR=/x`, `ROLLCALL_VARS__SHOW=TWD`, `ROLLCALL_STEP__2__TEMPLATE=...`).
//!    `ROLLCALL_PLUGIN_PATH` and `ROLLCALL_BIN` are not recipe keys and are ignored; any other `ROLLCALL_*` variable that
//!    is not a recipe key is an error.
//! 2. `--set KEY=VALUE`, with the key as written (case kept): `output.dir=/x`, `vars.show=TWD`,
//!    `step.2.template={scene}_{take}` (steps numbered from 1).
//!
//! The keys are `recipe.name`, `vars.NAME`, `input.include`, `input.exclude`, `output.dir`,
//! `manifest.hashes`, `qc.silence_dbfs`, `qc.clip_run`, `qc.loudness`, `qc.enabled` and `step.N.KEY`
//! with `N` an existing step; anything else is an error naming the override. Key segments
//! are letters, digits, `-` and `_`. Values are text: `input.include`/`input.exclude` take a TOML array
//! (`["*.wav"]`) or one pattern; a step key already in the file is typed like the value it replaces
//! (integer, float, boolean, or array: a TOML array or one string); a new step key is a string.
//! When overrides are present the merged tables go through `config`, which turns TOML date-times into
//! strings.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Largest recipe file accepted, in bytes.
pub const MAX_RECIPE_BYTES: u64 = 1 << 20;

mod error;
mod excerpt;
mod inputs;
mod load;
mod overrides;
mod spans;

use load::*;

pub use error::RecipeError;
pub use inputs::{find_inputs, InputFile, InputProblem, LeftOut, WalkReport};
pub use rollcall_qc::QcSettings;
pub use spans::KeyLines;

use spans::SpanIndex;

/// A loaded recipe: the file's values with the overrides applied.
#[derive(Clone, Debug, Default)]
pub struct Recipe {
    /// The recipe file, as given.
    pub path: PathBuf,
    /// The folder of the recipe file (`.` for a bare file name); relative paths in the recipe are
    /// relative to it.
    pub dir: PathBuf,
    /// `[recipe] name`.
    pub name: Option<String>,
    /// `[vars]`, all as strings.
    pub vars: BTreeMap<String, String>,
    /// `[input]`.
    pub input: InputRules,
    /// `[output]`, with `dir` resolved against [`Recipe::dir`].
    pub output: OutputRules,
    /// `[manifest]`.
    pub manifest: ManifestRules,
    /// `[qc]`: audio QC thresholds.
    pub qc: QcSettings,
    /// The `[[step]]` tables, in order.
    pub steps: Vec<StepSpec>,
    /// The `[[check]]` tables, in order.
    pub checks: Vec<CheckSpec>,
    /// Where each key is in the file, and which override set it; see [`Recipe::line_of`].
    pub lines: KeyLines,
}

/// `[recipe]`: facts about the recipe itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeTable {
    /// A name for the recipe, shown in reports. Optional.
    #[serde(default)]
    pub name: Option<String>,
}

/// `[input]`: which files under an `INPUT` folder are processed.
///
/// Patterns are globs matched against a file's path relative to the `INPUT` folder, with `/` between
/// folders; `*` and `?` also match `/`, so `**/*.wav` matches `A.wav` at the top as well as
/// `day1/A.wav`. Matching ignores letter case (`*.wav` takes `A.WAV`). A file named directly as an
/// `INPUT` is always taken.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputRules {
    /// A file is taken when one of these matches. Default `["**/*.wav", "**/*.bwav", "**/*.bwf"]`
    /// (every Broadcast WAV extension, in any letter case).
    #[serde(default = "default_include")]
    pub include: Vec<String>,
    /// ... and none of these matches. Default `["**/._*"]` (macOS resource forks).
    #[serde(default = "default_exclude")]
    pub exclude: Vec<String>,
}

impl Default for InputRules {
    fn default() -> Self {
        InputRules {
            include: default_include(),
            exclude: default_exclude(),
        }
    }
}

fn default_include() -> Vec<String> {
    vec![
        "**/*.wav".to_string(),
        "**/*.bwav".to_string(),
        "**/*.bwf".to_string(),
    ]
}

fn default_exclude() -> Vec<String> {
    vec!["**/._*".to_string()]
}

/// `[output]`: where delivered files go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRules {
    /// Root of the delivered tree. Optional; `--out` wins. A relative path is relative to the recipe
    /// file's folder (after loading it is resolved against it).
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Deliver files that have an `error` finding instead of withholding them. Default false.
    #[serde(default)]
    pub deliver_on_error: bool,
}

/// `[manifest]`: the delivery manifest (ASC MHL) written after each run.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestRules {
    /// The hash formats listed for each delivered file: `xxh128` (always) and optionally `md5`.
    /// Default `["xxh128"]`.
    #[serde(default = "default_manifest_hashes")]
    pub hashes: Vec<String>,
}

impl Default for ManifestRules {
    fn default() -> Self {
        ManifestRules {
            hashes: default_manifest_hashes(),
        }
    }
}

impl ManifestRules {
    /// Whether `md5` is asked for.
    pub fn md5(&self) -> bool {
        self.hashes.iter().any(|h| h == "md5")
    }
}

fn default_manifest_hashes() -> Vec<String> {
    vec!["xxh128".to_string()]
}

/// The hash formats `[manifest] hashes` may name.
pub const MANIFEST_HASHES: [&str; 2] = ["xxh128", "md5"];

/// Check `[manifest] hashes`: known formats, `xxh128` among them.
pub(crate) fn check_manifest_hashes(hashes: &[String]) -> Result<(), String> {
    if let Some(unknown) = hashes
        .iter()
        .find(|h| !MANIFEST_HASHES.contains(&h.as_str()))
    {
        return Err(format!(
            "unknown hash format `{unknown}`: use \"xxh128\" and optionally \"md5\""
        ));
    }
    if !hashes.iter().any(|h| h == "xxh128") {
        return Err("must include \"xxh128\" (the ASC MHL default, always written)".into());
    }
    Ok(())
}

/// One `[[step]]` of a recipe.
#[derive(Clone, Debug, PartialEq)]
pub struct StepSpec {
    /// Position in the recipe, from 1.
    pub index: usize,
    /// `plugin`: the plugin's name (letters, digits, `-`, `_`).
    pub plugin: String,
    /// The step's other keys, for the plugin to check and use.
    pub table: toml::Table,
    /// 1-based line of the step's `[[step]]` header.
    pub line: usize,
}

/// One `[[check]]` of a recipe.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSpec {
    /// Position among the recipe's checks, from 1.
    pub index: usize,
    /// `plugin`: the check plugin's name.
    pub plugin: String,
    /// The check's other keys (without `plugin` and `severity`), for the plugin to check and use.
    pub table: toml::Table,
    /// `severity`: the recipe's severity per rule id, applied to this check's findings.
    pub severity: rollcall_findings::SeverityOverrides,
    /// 1-based line of the check's `[[check]]` header.
    pub line: usize,
}

/// The whole file, as the schema reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipeFile {
    /// `[recipe]`: name of the recipe.
    #[serde(default)]
    recipe: RecipeTable,
    /// `[vars]`: free values usable as `{name}` in templates (strings; integers and booleans allowed).
    #[serde(default)]
    vars: BTreeMap<String, VarValue>,
    /// `[input]`: which files of an `INPUT` folder are processed.
    #[serde(default)]
    input: InputRules,
    /// `[output]`: where delivered files go.
    #[serde(default)]
    output: OutputRules,
    /// `[manifest]`: the delivery manifest's hash formats.
    #[serde(default)]
    manifest: ManifestRules,
    /// `[qc]`: audio QC thresholds.
    #[serde(default)]
    qc: QcSettings,
    /// `[[step]]`: the steps, in order; each needs `plugin`, the other keys belong to the plugin.
    #[serde(default)]
    pub(crate) step: Vec<toml::Table>,
    /// `[[check]]`: the check plugins; each needs `plugin`, `severity` is the engine's, the other
    /// keys belong to the plugin.
    #[serde(default)]
    pub(crate) check: Vec<toml::Table>,
}

/// A `[vars]` value: a string, or an integer or boolean turned into a string.
#[derive(Debug)]
struct VarValue(String);

impl<'de> Deserialize<'de> for VarValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = VarValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<VarValue, E> {
                Ok(VarValue(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Recipe {
    /// A canonical fingerprint of the steps (plugin names and tables, keys sorted, values in one
    /// fixed spelling), so derived values such as a re-laid file's `FILE_UID` depend on what the
    /// recipe says, never on how a TOML library prints it: an upgrade can finish a half-delivered
    /// tree.
    pub fn fingerprint(&self) -> String {
        let mut text = String::from("rollcall-recipe-1");
        for step in &self.steps {
            text.push('\n');
            text.push_str(&step.plugin);
            text.push(':');
            canonical_value(&toml::Value::Table(step.table.clone()), &mut text);
        }
        text
    }
    /// Load a recipe file, then layer `env` (`ROLLCALL_*` only) and `overrides` (`KEY=VALUE`) over it.
    ///
    /// `env` is the process environment; variables not starting with `ROLLCALL_`, and
    /// `ROLLCALL_PLUGIN_PATH` and `ROLLCALL_BIN`, are ignored.
    pub fn load(
        path: &Path,
        overrides: &[String],
        env: &[(String, String)],
    ) -> Result<Recipe, RecipeError> {
        let read_error = |source| RecipeError::Read {
            path: path.to_path_buf(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read_error)?.len();
        if len > MAX_RECIPE_BYTES {
            return Err(RecipeError::TooLarge {
                path: path.to_path_buf(),
                len,
                limit: MAX_RECIPE_BYTES,
            });
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_RECIPE_BYTES + 1).read_to_string(&mut text))
            .map_err(read_error)?;
        if text.len() as u64 > MAX_RECIPE_BYTES {
            return Err(RecipeError::TooLarge {
                path: path.to_path_buf(),
                len: text.len() as u64,
                limit: MAX_RECIPE_BYTES,
            });
        }
        Recipe::parse(path, &text, overrides, env)
    }

    /// Like [`Recipe::load`] for recipe text already read; `path` is the name errors use.
    pub fn parse(
        path: &Path,
        text: &str,
        overrides: &[String],
        env: &[(String, String)],
    ) -> Result<Recipe, RecipeError> {
        if text.len() as u64 > MAX_RECIPE_BYTES {
            return Err(RecipeError::TooLarge {
                path: path.to_path_buf(),
                len: text.len() as u64,
                limit: MAX_RECIPE_BYTES,
            });
        }
        let loader = Loader::parse(path, text)?;
        let file: RecipeFile = toml::from_str(text).map_err(|e| loader.deserialize_error(&e))?;
        // Check the file alone first, so its errors carry lines.
        loader.check(&file)?;

        let wanted = overrides::collect(path, overrides, env)?;
        let mut lines = KeyLines::from_index(&loader.index);
        let file = if wanted.is_empty() {
            file
        } else {
            let mut resolved = Vec::new();
            for o in &wanted {
                resolved.push(overrides::resolve(path, &file, o)?);
            }
            let layering = |e: config::ConfigError| RecipeError::Layering {
                path: path.to_path_buf(),
                message: e.to_string(),
            };
            let mut builder = config::Config::builder()
                .add_source(config::File::from_str(text, config::FileFormat::Toml));
            for r in resolved {
                builder = builder
                    .set_override(&r.expression, r.value)
                    .map_err(layering)?;
                lines.set_override(r.key_path, r.origin);
            }
            let merged: RecipeFile = builder
                .build()
                .and_then(config::Config::try_deserialize)
                .map_err(layering)?;
            loader.check(&merged)?;
            merged
        };
        let mut recipe = loader.build(file)?;
        recipe.lines = lines;
        Ok(recipe)
    }

    /// 1-based line of `key` in step `step_index` (from 1) in the recipe file, or of the step's
    /// `[[step]]` header when `key` is `None` or not in the file; 0 when there is no such step.
    pub fn line_of(&self, step_index: usize, key: Option<&str>) -> usize {
        let number = step_index.to_string();
        key.and_then(|k| self.lines.line(&["step", &number, k]))
            .or_else(|| self.lines.line(&["step", &number]))
            .or_else(|| {
                self.steps
                    .iter()
                    .find(|s| s.index == step_index)
                    .map(|s| s.line)
            })
            .unwrap_or(0)
    }

    /// 1-based line of `key` in check `check_index` (from 1), or of its `[[check]]` header.
    pub fn check_line_of(&self, check_index: usize, key: Option<&str>) -> usize {
        let number = check_index.to_string();
        key.and_then(|k| self.lines.line(&["check", &number, k]))
            .or_else(|| self.lines.line(&["check", &number]))
            .or_else(|| {
                self.checks
                    .iter()
                    .find(|c| c.index == check_index)
                    .map(|c| c.line)
            })
            .unwrap_or(0)
    }

    /// The roll ledger: the first `ledger` key of a `[[check]]`, resolved against the recipe's folder.
    pub fn ledger(&self) -> Option<PathBuf> {
        self.checks
            .iter()
            .find_map(|c| match c.table.get("ledger") {
                Some(toml::Value::String(path)) if !path.is_empty() => Some(self.dir.join(path)),
                _ => None,
            })
    }

    /// The override (`--set ...` or `environment variable ROLLCALL_...`) that set `key` of step
    /// `step_index`, if one did: errors about that value should name it rather than the file's line.
    pub fn override_of(&self, step_index: usize, key: &str) -> Option<&str> {
        self.lines
            .override_of(&["step", &step_index.to_string(), key])
    }
}

/// Check a plugin name: letters, digits, `-` and `_` only (a recipe never loads a library by path).
pub(crate) fn check_plugin_name(name: &str) -> Result<(), String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(format!(
            "bad plugin name `{name}`: only letters, digits, '-' and '_' are allowed \
             (a recipe names a plugin, never a library path)"
        ))
    }
}

/// Check a glob pattern.
pub(crate) fn check_glob(pattern: &str) -> Result<(), String> {
    glob::Pattern::new(pattern)
        .map(|_| ())
        .map_err(|e| format!("invalid glob pattern `{pattern}`: {}", e.msg))
}

/// Appends a TOML value in a fixed spelling: tables with sorted keys, strings quoted with every
/// special character escaped, numbers and dates as TOML writes them.
fn canonical_value(value: &toml::Value, out: &mut String) {
    match value {
        toml::Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        toml::Value::Integer(i) => out.push_str(&i.to_string()),
        toml::Value::Float(f) => out.push_str(&format!("{f:?}")),
        toml::Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        toml::Value::Datetime(d) => out.push_str(&d.to_string()),
        toml::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_value(item, out);
            }
            out.push(']');
        }
        toml::Value::Table(table) => {
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_value(&toml::Value::String(key.clone()), out);
                out.push('=');
                if let Some(value) = table.get(key) {
                    canonical_value(value, out);
                }
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    fn recipe(text: &str) -> Recipe {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.toml");
        std::fs::write(&path, text).expect("recipe");
        Recipe::load(&path, &[], &[]).expect("recipe loads")
    }

    #[test]
    fn the_fingerprint_ignores_spelling_and_order_but_not_values() {
        let a =
            recipe("[[step]]\nplugin = \"channel-layout\"\nmix = [\"Mix*\"]\ndrop = ['MixR']\n");
        let b =
            recipe("[[step]]\nplugin = \"channel-layout\"\ndrop = [ \"MixR\" ]\nmix = ['Mix*']\n");
        let c =
            recipe("[[step]]\nplugin = \"channel-layout\"\nmix = [\"Mix*\"]\ndrop = ['Boom']\n");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_eq!(
            a.fingerprint(),
            "rollcall-recipe-1\nchannel-layout:{\"drop\"=[\"MixR\"],\"mix\"=[\"Mix*\"]}"
        );
    }
}
