//! Errors raised while loading a recipe or finding inputs.

use std::path::PathBuf;

/// Why a recipe could not be loaded, or why input discovery could not start.
///
/// Errors about the recipe file name the file and the line (`recipes/dailies.toml:14: ...`); errors about
/// an override name the file and the override (`--set outptu.dir=x` or the environment variable).
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The recipe file could not be read.
    #[error("{path}: cannot read recipe: {source}", path = path.display())]
    Read {
        /// The recipe file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The recipe file is larger than [`crate::MAX_RECIPE_BYTES`].
    #[error("{path}: recipe is {len} bytes, more than the {limit}-byte recipe size limit", path = path.display())]
    TooLarge {
        /// The recipe file.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is not valid TOML: line, column, the line with a caret under the error, and the fix
    /// for common mistakes (an unquoted template).
    #[error("{path}:{line}:{column}: {message}{excerpt}", path = path.display())]
    Syntax {
        /// The recipe file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// What the TOML parser said.
        message: String,
        /// The offending line and a caret (and a `help:` line), each on its own line after the message.
        excerpt: String,
    },
    /// A key that the recipe schema does not know (a typo must not pass silently).
    #[error("{path}:{line}: unknown key `{key}` in {table}{hint}", path = path.display())]
    UnknownKey {
        /// The recipe file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The unknown key.
        key: String,
        /// Where it was found: `[output]`, `[recipe]`, `the top-level table`, ...
        table: String,
        /// For a common mistake (`[[steps]]`): the line with a caret and the fix; else empty.
        hint: String,
    },
    /// A value of the wrong type.
    #[error("{path}:{line}: `{key}`: expected {expected}, found {found}", path = path.display())]
    WrongType {
        /// The recipe file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// Dotted path of the key (`vars.season`, `step.2.plugin`).
        key: String,
        /// What the schema wants (`a string`).
        expected: String,
        /// What the file has (`an integer`).
        found: String,
    },
    /// A required key is missing.
    #[error("{path}:{line}: missing key `{key}` in {table}", path = path.display())]
    MissingKey {
        /// The recipe file.
        path: PathBuf,
        /// 1-based line of the table that lacks the key.
        line: usize,
        /// The missing key.
        key: String,
        /// The table (`[[step]] #2`).
        table: String,
    },
    /// A value has the right type but is not acceptable (bad plugin name, bad glob, empty path).
    #[error("{path}:{line}: `{key}`: {message}", path = path.display())]
    InvalidValue {
        /// The recipe file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// Dotted path of the key.
        key: String,
        /// Why it is refused.
        message: String,
    },
    /// A `--set` or `ROLLCALL_*` override is malformed, names a key outside the schema, or has a bad value.
    #[error("{path}: {origin}: {message}", path = path.display())]
    Override {
        /// The recipe file.
        path: PathBuf,
        /// The override as given: `--set outptu.dir=x` or `environment variable ROLLCALL_OUTPTU__DIR`.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// Layering the overrides over the file failed in the `config` crate.
    #[error("{path}: applying overrides: {message}", path = path.display())]
    Layering {
        /// The recipe file.
        path: PathBuf,
        /// What `config` said.
        message: String,
    },
    /// A glob pattern given programmatically to [`crate::find_inputs`] is invalid.
    #[error("invalid glob pattern `{pattern}`: {message}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// Why it is invalid.
        message: String,
    },
    /// An `INPUT` given on the command line does not exist or cannot be examined.
    #[error("input {path}: {source}", path = path.display())]
    Input {
        /// The input as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
