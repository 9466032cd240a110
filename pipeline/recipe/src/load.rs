//! Loading a recipe file: TOML parsed with spans, every table checked, overrides layered, errors with their line.

use super::*;

/// The recipe file's text, parsed with spans.
pub(crate) struct Loader<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) index: SpanIndex,
}

impl<'a> Loader<'a> {
    pub(crate) fn parse(path: &'a Path, text: &'a str) -> Result<Loader<'a>, RecipeError> {
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            syntax_error(path, text, span, e.message())
        })?;
        Ok(Loader {
            path,
            text,
            index: SpanIndex::new(text, &doc),
        })
    }

    pub(crate) fn line(&self, path: &[&str]) -> usize {
        self.index.line_of(path).unwrap_or(1)
    }

    /// Turn a serde error from the file into one naming the line and the key.
    pub(crate) fn deserialize_error(&self, e: &toml::de::Error) -> RecipeError {
        let message = e.message();
        let offset = e.span().map(|s| s.start);
        let line = offset.map_or(1, |o| self.index.line_at(o));
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let key = rest.split('`').next().unwrap_or(rest).to_string();
            let entry = offset.and_then(|o| self.index.key_at(o));
            let table = entry.and_then(|e| e.path.split_last()).map_or_else(
                || "the recipe".to_string(),
                |(_, parent)| table_name(parent),
            );
            let line = entry
                .and_then(|e| e.key.as_ref())
                .map_or(line, |k| self.index.line_at(k.start));
            let hint = match excerpt::unknown_key_hint(&key) {
                Some(help) => {
                    let column = self
                        .text
                        .lines()
                        .nth(line.saturating_sub(1))
                        .and_then(|l| l.find(key.as_str()))
                        .map_or(1, |at| {
                            1 + excerpt::line_text(self.text, line)
                                .get(..at)
                                .map_or(0, |t| t.chars().count())
                        });
                    format!(
                        "{}\n  help: {help}",
                        excerpt::excerpt(self.text, line, column, key.chars().count())
                    )
                }
                None => String::new(),
            };
            return RecipeError::UnknownKey {
                path: self.path.to_path_buf(),
                line,
                key,
                table,
                hint,
            };
        }
        if let Some(rest) = message.strip_prefix("invalid type: ") {
            let (found_serde, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
            let entry = offset.and_then(|o| self.index.value_at(o));
            let key = entry.map_or_else(|| "?".to_string(), |e| dotted(&e.path));
            let found = entry.map_or_else(|| found_serde.to_string(), |e| e.kind.to_string());
            return RecipeError::WrongType {
                path: self.path.to_path_buf(),
                line,
                key,
                expected: plain_expected(expected),
                found,
            };
        }
        let span = e.span().unwrap_or(0..0);
        syntax_error(self.path, self.text, span, message)
    }

    /// Checks that serde does not make: plugin names, globs, empty paths.
    pub(crate) fn check(&self, file: &RecipeFile) -> Result<(), RecipeError> {
        for (which, patterns) in [
            ("include", &file.input.include),
            ("exclude", &file.input.exclude),
        ] {
            for (i, pattern) in patterns.iter().enumerate() {
                check_glob(pattern).map_err(|message| RecipeError::InvalidValue {
                    path: self.path.to_path_buf(),
                    line: self
                        .index
                        .line_of(&["input", which, &(i + 1).to_string()])
                        .unwrap_or_else(|| self.line(&["input", which])),
                    key: format!("input.{which}"),
                    message,
                })?;
            }
        }
        if file
            .output
            .dir
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(RecipeError::InvalidValue {
                path: self.path.to_path_buf(),
                line: self.line(&["output", "dir"]),
                key: "output.dir".into(),
                message: "must not be empty".into(),
            });
        }
        check_manifest_hashes(&file.manifest.hashes).map_err(|message| {
            RecipeError::InvalidValue {
                path: self.path.to_path_buf(),
                line: self.line(&["manifest", "hashes"]),
                key: "manifest.hashes".into(),
                message,
            }
        })?;
        if let Err(e) = file.qc.validate() {
            let key = if file.qc.clip_run == 0 {
                "clip_run"
            } else {
                "silence_dbfs"
            };
            return Err(RecipeError::InvalidValue {
                path: self.path.to_path_buf(),
                line: self.line(&["qc", key]),
                key: format!("qc.{key}"),
                message: e.to_string(),
            });
        }
        for (i, table) in file.step.iter().enumerate() {
            let n = (i + 1).to_string();
            match table.get("plugin") {
                None => {
                    return Err(RecipeError::MissingKey {
                        path: self.path.to_path_buf(),
                        line: self.line(&["step", &n]),
                        key: "plugin".into(),
                        table: format!("[[step]] #{n}"),
                    })
                }
                Some(toml::Value::String(name)) => {
                    check_plugin_name(name).map_err(|message| RecipeError::InvalidValue {
                        path: self.path.to_path_buf(),
                        line: self.line(&["step", &n, "plugin"]),
                        key: format!("step.{n}.plugin"),
                        message,
                    })?;
                }
                Some(other) => {
                    return Err(RecipeError::WrongType {
                        path: self.path.to_path_buf(),
                        line: self.line(&["step", &n, "plugin"]),
                        key: format!("step.{n}.plugin"),
                        expected: "a string".into(),
                        found: toml_kind(other).into(),
                    })
                }
            }
        }
        for (i, table) in file.check.iter().enumerate() {
            let n = (i + 1).to_string();
            match table.get("plugin") {
                None => {
                    return Err(RecipeError::MissingKey {
                        path: self.path.to_path_buf(),
                        line: self.line(&["check", &n]),
                        key: "plugin".into(),
                        table: format!("[[check]] #{n}"),
                    })
                }
                Some(toml::Value::String(name)) => {
                    check_plugin_name(name).map_err(|message| RecipeError::InvalidValue {
                        path: self.path.to_path_buf(),
                        line: self.line(&["check", &n, "plugin"]),
                        key: format!("check.{n}.plugin"),
                        message,
                    })?;
                }
                Some(other) => {
                    return Err(RecipeError::WrongType {
                        path: self.path.to_path_buf(),
                        line: self.line(&["check", &n, "plugin"]),
                        key: format!("check.{n}.plugin"),
                        expected: "a string".into(),
                        found: toml_kind(other).into(),
                    })
                }
            }
            self.severity_overrides(&n, table.get("severity"))?;
        }
        Ok(())
    }

    /// The `severity` table of check `n`: rule id to `error`, `warning` or `info`.
    pub(crate) fn severity_overrides(
        &self,
        n: &str,
        value: Option<&toml::Value>,
    ) -> Result<rollcall_findings::SeverityOverrides, RecipeError> {
        let mut overrides = rollcall_findings::SeverityOverrides::default();
        let table = match value {
            None => return Ok(overrides),
            Some(toml::Value::Table(table)) => table,
            Some(other) => {
                return Err(RecipeError::WrongType {
                    path: self.path.to_path_buf(),
                    line: self.line(&["check", n, "severity"]),
                    key: format!("check.{n}.severity"),
                    expected: "a table of rule = \"error\" | \"warning\" | \"info\"".into(),
                    found: toml_kind(other).into(),
                })
            }
        };
        for (rule, word) in table {
            let line = self
                .index
                .line_of(&["check", n, "severity", rule])
                .unwrap_or_else(|| self.line(&["check", n, "severity"]));
            let severity = match word {
                toml::Value::String(word) => rollcall_findings::Severity::parse(word),
                _ => None,
            };
            let shown = match word {
                toml::Value::String(word) => word.clone(),
                other => other.to_string(),
            };
            match severity {
                Some(severity) => {
                    overrides.by_rule.insert(rule.clone(), severity);
                }
                None => {
                    return Err(RecipeError::InvalidValue {
                        path: self.path.to_path_buf(),
                        line,
                        key: format!("check.{n}.severity.{rule}"),
                        message: format!(
                            "`{shown}` is not a severity: use \"error\", \"warning\" or \"info\""
                        ),
                    })
                }
            }
        }
        Ok(overrides)
    }

    /// The [`Recipe`] from a checked file.
    pub(crate) fn build(&self, file: RecipeFile) -> Result<Recipe, RecipeError> {
        let dir = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut steps = Vec::new();
        for (i, mut table) in file.step.into_iter().enumerate() {
            let index = i + 1;
            let n = index.to_string();
            let plugin = match table.remove("plugin") {
                Some(toml::Value::String(name)) => name,
                _ => {
                    return Err(RecipeError::MissingKey {
                        path: self.path.to_path_buf(),
                        line: self.line(&["step", &n]),
                        key: "plugin".into(),
                        table: format!("[[step]] #{n}"),
                    })
                }
            };
            steps.push(StepSpec {
                index,
                plugin,
                table,
                line: self.line(&["step", &n]),
            });
        }
        let mut checks = Vec::new();
        for (i, mut table) in file.check.into_iter().enumerate() {
            let index = i + 1;
            let n = index.to_string();
            let severity = self.severity_overrides(&n, table.remove("severity").as_ref())?;
            let Some(toml::Value::String(plugin)) = table.remove("plugin") else {
                return Err(RecipeError::MissingKey {
                    path: self.path.to_path_buf(),
                    line: self.line(&["check", &n]),
                    key: "plugin".into(),
                    table: format!("[[check]] #{n}"),
                });
            };
            checks.push(CheckSpec {
                index,
                plugin,
                table,
                severity,
                line: self.line(&["check", &n]),
            });
        }
        Ok(Recipe {
            path: self.path.to_path_buf(),
            output: OutputRules {
                dir: file.output.dir.map(|d| dir.join(d)),
                deliver_on_error: file.output.deliver_on_error,
            },
            manifest: file.manifest,
            checks,
            dir,
            qc: file.qc,
            name: file.recipe.name,
            vars: file.vars.into_iter().map(|(k, v)| (k, v.0)).collect(),
            input: file.input,
            steps,
            lines: KeyLines::default(),
        })
    }
}

/// How a table is named in errors.
pub(crate) fn table_name(path: &[String]) -> String {
    match path {
        [] => "the top-level table".to_string(),
        [step, n] if step == "step" => format!("[[step]] #{n}"),
        [check, n] if check == "check" => format!("[[check]] #{n}"),
        _ => format!("[{}]", path.join(".")),
    }
}

/// A key path as written in errors (`vars.season`, `step.2.plugin`).
pub(crate) fn dotted(path: &[String]) -> String {
    path.join(".")
}

/// serde's "expected" text in the words of a TOML user.
pub(crate) fn plain_expected(expected: &str) -> String {
    match expected {
        "a sequence" => "an array".to_string(),
        "a map" => "a table".to_string(),
        "path string" => "a string".to_string(),
        e if e.starts_with("struct ") => "a table".to_string(),
        e => e.to_string(),
    }
}

/// The kind of a TOML value as said in errors.
pub(crate) fn toml_kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// The first line of a multi-line parser message.
/// A syntax error at byte span `span` of `text`: line, column, the line with a caret, and the fix
/// when it is a common mistake.
pub(crate) fn syntax_error(
    path: &Path,
    text: &str,
    span: std::ops::Range<usize>,
    message: &str,
) -> RecipeError {
    let (line, column) = excerpt::position(text, span.start);
    let width = text
        .get(span.clone())
        .map_or(1, |t| t.lines().next().unwrap_or_default().chars().count());
    let hint = excerpt::syntax_hint(excerpt::line_text(text, line))
        .map(|h| format!("\n  help: {h}"))
        .unwrap_or_default();
    RecipeError::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message: first_line(message),
        excerpt: format!("{}{hint}", excerpt::excerpt(text, line, column, width)),
    }
}

pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}
