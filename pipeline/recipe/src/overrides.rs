//! `--set KEY=VALUE` and `ROLLCALL_*` overrides: parsing, schema check, coercion to config values.

use std::path::Path;

use crate::{check_glob, check_manifest_hashes, check_plugin_name, RecipeError, RecipeFile};

/// The keys an override may name, for error messages.
const KNOWN_KEYS: &str =
    "recipe.name, vars.NAME, input.include, input.exclude, output.dir, manifest.hashes, \
     qc.silence_dbfs, qc.clip_run, qc.loudness, qc.enabled, step.N.KEY (N from 1)";

/// The environment variables that are not recipe keys: the plugin path, and the binary the cluster
/// scripts run (`cluster/slurm/*.sbatch`).
const NOT_RECIPE_VARS: [&str; 2] = ["ROLLCALL_PLUGIN_PATH", "ROLLCALL_BIN"];

/// One override as given, before it is checked.
#[derive(Clone, Debug)]
pub(crate) struct Override {
    /// `--set output.dir=/x` or `environment variable ROLLCALL_OUTPUT__DIR`.
    pub origin: String,
    /// Key path segments (`output`, `dir`).
    pub segments: Vec<String>,
    /// The value, as text.
    pub value: String,
    /// Given with `--set` (its paths are from the current folder), not by the environment.
    pub command_line: bool,
}

/// An override checked against the schema: where it goes and what it sets.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedOverride {
    /// Path expression for `config` (`output.dir`, `step[1].template`).
    pub expression: String,
    /// The value, typed.
    pub value: config::Value,
    /// Key path for [`crate::KeyLines`] (`step`, `2`, `template`).
    pub key_path: Vec<String>,
    /// As given, for errors.
    pub origin: String,
}

/// Collect the environment overrides (first) and the `--set` overrides (last, so they win).
pub(crate) fn collect(
    recipe: &Path,
    sets: &[String],
    env: &[(String, String)],
) -> Result<Vec<Override>, RecipeError> {
    let mut out = Vec::new();
    let mut env_vars: Vec<&(String, String)> = env
        .iter()
        .filter(|(name, _)| {
            name.starts_with("ROLLCALL_") && !NOT_RECIPE_VARS.contains(&name.as_str())
        })
        .collect();
    env_vars.sort();
    for (name, value) in env_vars {
        let rest = name.strip_prefix("ROLLCALL_").unwrap_or(name);
        out.push(Override {
            origin: format!("environment variable {name}"),
            segments: rest.split("__").map(str::to_lowercase).collect(),
            value: value.clone(),
            command_line: false,
        });
    }
    for set in sets {
        let origin = format!("--set {set}");
        let Some((key, value)) = set.split_once('=') else {
            return Err(override_error(recipe, &origin, "expected KEY=VALUE"));
        };
        out.push(Override {
            origin,
            segments: key.trim().split('.').map(str::to_string).collect(),
            value: value.to_string(),
            command_line: true,
        });
    }
    Ok(out)
}

/// Check an override against the schema and the file's steps; type its value.
pub(crate) fn resolve(
    recipe: &Path,
    file: &RecipeFile,
    o: &Override,
) -> Result<ResolvedOverride, RecipeError> {
    let err = |message: String| override_error(recipe, &o.origin, &message);
    if let Some(bad) = o
        .segments
        .iter()
        .find(|s| s.is_empty() || !s.chars().all(is_key_char))
    {
        return Err(err(format!(
            "key segment `{bad}` must be letters, digits, '-' or '_' (recipe keys: {KNOWN_KEYS})"
        )));
    }
    let segments: Vec<&str> = o.segments.iter().map(String::as_str).collect();
    let string = || config::Value::new(None, config::ValueKind::String(o.value.clone()));
    let (expression, value) = match segments.as_slice() {
        ["recipe", "name"] | ["vars", _] => (segments.join("."), string()),
        ["output", "dir"] => {
            if o.value.is_empty() {
                return Err(err("`output.dir` must not be empty".into()));
            }
            // With `--set`, like `--out`, from the current folder (the recipe's own `dir` and an
            // environment variable's are from the recipe's folder).
            let dir = if o.command_line {
                from_current_folder(&o.value)
            } else {
                o.value.clone()
            };
            (
                segments.join("."),
                config::Value::new(None, config::ValueKind::String(dir)),
            )
        }
        ["input", which @ ("include" | "exclude")] => {
            let patterns = parse_list(&o.value).map_err(err)?;
            for pattern in &patterns {
                check_glob(pattern).map_err(|m| err(format!("`input.{which}`: {m}")))?;
            }
            let array = patterns
                .into_iter()
                .map(|p| config::Value::new(None, config::ValueKind::String(p)))
                .collect();
            (
                segments.join("."),
                config::Value::new(None, config::ValueKind::Array(array)),
            )
        }
        ["manifest", "hashes"] => {
            let hashes = parse_list(&o.value).map_err(err)?;
            check_manifest_hashes(&hashes).map_err(|m| err(format!("`manifest.hashes`: {m}")))?;
            let array = hashes
                .into_iter()
                .map(|h| config::Value::new(None, config::ValueKind::String(h)))
                .collect();
            (
                segments.join("."),
                config::Value::new(None, config::ValueKind::Array(array)),
            )
        }
        ["step", number, key] => {
            let count = file.step.len();
            let n: usize = number
                .parse()
                .ok()
                .filter(|n| (1..=count).contains(n))
                .ok_or_else(|| {
                    err(format!(
                        "there is no step {number}: the recipe has {count} step(s), numbered from 1"
                    ))
                })?;
            let existing = file.step.get(n - 1).and_then(|t| t.get(*key));
            if *key == "plugin" {
                check_plugin_name(&o.value).map_err(|m| err(format!("`plugin`: {m}")))?;
            }
            // A value naming a file or folder that exists from the current folder (`cast.csv`) is
            // that path, like `--out`; steps resolve other relative paths from the recipe's folder.
            let text = if o.command_line
                && existing.is_none_or(toml::Value::is_str)
                && Path::new(&o.value).is_relative()
                && !o.value.trim().is_empty()
                && Path::new(&o.value).exists()
            {
                from_current_folder(&o.value)
            } else {
                o.value.clone()
            };
            let value =
                coerce_like(existing, &text).map_err(|m| err(format!("`step.{n}.{key}`: {m}")))?;
            (format!("step[{}].{key}", n - 1), value)
        }
        ["qc", key @ ("silence_dbfs" | "clip_run" | "loudness" | "enabled")] => {
            let text = o.value.trim();
            let kind = match *key {
                "silence_dbfs" => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(config::ValueKind::Float)
                    .ok_or_else(|| err(format!("`qc.{key}`: expected a number, found `{text}`")))?,
                "clip_run" => text
                    .parse::<u32>()
                    .map(|v| config::ValueKind::I64(i64::from(v)))
                    .map_err(|_| err(format!("`qc.{key}`: expected a count, found `{text}`")))?,
                _ => text
                    .parse::<bool>()
                    .map(config::ValueKind::Boolean)
                    .map_err(|_| {
                        err(format!(
                            "`qc.{key}`: expected true or false, found `{text}`"
                        ))
                    })?,
            };
            (segments.join("."), config::Value::new(None, kind))
        }
        [table @ ("recipe" | "input" | "output" | "manifest" | "qc"), key, ..] => {
            return Err(err(format!("unknown key `{key}` in [{table}]")));
        }
        _ => {
            return Err(err(format!(
                "unknown key `{}` (recipe keys: {KNOWN_KEYS})",
                segments.join(".")
            )))
        }
    };
    Ok(ResolvedOverride {
        expression,
        value,
        key_path: o.segments.clone(),
        origin: o.origin.clone(),
    })
}

fn override_error(recipe: &Path, origin: &str, message: &str) -> RecipeError {
    RecipeError::Override {
        path: recipe.to_path_buf(),
        origin: origin.to_string(),
        message: message.to_string(),
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A list value: a TOML array of strings (`["a", "b"]`), or else one item.
fn parse_list(text: &str) -> Result<Vec<String>, String> {
    if text.trim_start().starts_with('[') {
        #[derive(serde::Deserialize)]
        struct List {
            v: Vec<String>,
        }
        toml::from_str::<List>(&format!("v = {text}"))
            .map(|l| l.v)
            .map_err(|e| format!("expected a TOML array of strings: {}", e.message()))
    } else {
        Ok(vec![text.to_string()])
    }
}

/// A path given on the command line, made absolute from the current folder.
fn from_current_folder(path: &str) -> String {
    std::path::absolute(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string())
}

/// A TOML array written on the command line (`["MixR", "Boom"]`).
fn toml_array(text: &str) -> Result<config::Value, String> {
    #[derive(serde::Deserialize)]
    struct List {
        v: toml::Value,
    }
    let list = toml::from_str::<List>(&format!("v = {text}"))
        .map_err(|e| format!("expected a TOML array: {}", e.message()))?;
    Ok(to_config(&list.v))
}

/// Type an override's text like the value it replaces (strings stay strings; a new key is a string,
/// or a list when written as a TOML array). A list-valued key takes a TOML array or one bare item; a
/// bare value with commas is refused, since a pattern may itself hold a comma.
fn coerce_like(existing: Option<&toml::Value>, text: &str) -> Result<config::Value, String> {
    let kind = match existing {
        None if text.trim_start().starts_with('[') => return toml_array(text),
        None | Some(toml::Value::String(_)) | Some(toml::Value::Datetime(_)) => {
            config::ValueKind::String(text.to_string())
        }
        Some(toml::Value::Integer(_)) => config::ValueKind::I64(
            text.trim()
                .parse()
                .map_err(|_| format!("expected an integer, found `{text}`"))?,
        ),
        Some(toml::Value::Float(_)) => config::ValueKind::Float(
            text.trim()
                .parse()
                .map_err(|_| format!("expected a float, found `{text}`"))?,
        ),
        Some(toml::Value::Boolean(_)) => match text.trim() {
            "true" => config::ValueKind::Boolean(true),
            "false" => config::ValueKind::Boolean(false),
            _ => return Err(format!("expected true or false, found `{text}`")),
        },
        Some(toml::Value::Array(_)) => {
            if text.trim_start().starts_with('[') {
                return toml_array(text);
            }
            if text.contains(',') {
                let items: Vec<String> = text
                    .split(',')
                    .map(|item| format!("{:?}", item.trim()))
                    .collect();
                return Err(format!(
                    "is a list: write it as a TOML array, `[{}]` (quote the whole --set for the shell); a bare value is a list of one item",
                    items.join(", ")
                ));
            }
            config::ValueKind::Array(vec![config::Value::new(
                None,
                config::ValueKind::String(text.to_string()),
            )])
        }
        Some(toml::Value::Table(_)) => {
            return Err("is a table; override its keys one by one instead".into());
        }
    };
    Ok(config::Value::new(None, kind))
}

/// A TOML value as a `config` value (date-times become strings, as `config` does with files).
pub(crate) fn to_config(value: &toml::Value) -> config::Value {
    let kind = match value {
        toml::Value::String(s) => config::ValueKind::String(s.clone()),
        toml::Value::Integer(i) => config::ValueKind::I64(*i),
        toml::Value::Float(f) => config::ValueKind::Float(*f),
        toml::Value::Boolean(b) => config::ValueKind::Boolean(*b),
        toml::Value::Datetime(d) => config::ValueKind::String(d.to_string()),
        toml::Value::Array(a) => config::ValueKind::Array(a.iter().map(to_config).collect()),
        toml::Value::Table(t) => {
            config::ValueKind::Table(t.iter().map(|(k, v)| (k.clone(), to_config(v))).collect())
        }
    };
    config::Value::new(None, kind)
}
