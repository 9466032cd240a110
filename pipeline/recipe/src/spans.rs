//! Where each key of a recipe file is: line numbers for errors raised now or later.

use std::collections::BTreeMap;
use std::ops::Range;

/// One key (or array element, or `[[step]]` entry) of the recipe file and where it is.
#[derive(Clone, Debug)]
pub(crate) struct SpanEntry {
    /// Path from the root; array elements and array-of-tables entries are numbered from 1.
    pub path: Vec<String>,
    /// Byte range of the key (or of the `[[step]]` header for entries).
    pub key: Option<Range<usize>>,
    /// Byte range of the value.
    pub value: Option<Range<usize>>,
    /// What the value is, as said in errors: `a string`, `an integer`, ...
    pub kind: &'static str,
}

/// Every key of a recipe file with its position, built from a span-keeping TOML parse.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanIndex {
    pub entries: Vec<SpanEntry>,
    line_starts: Vec<usize>,
}

impl SpanIndex {
    /// Index `doc`, parsed from `text`.
    pub fn new(text: &str, doc: &toml_edit::ImDocument<&str>) -> SpanIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut index = SpanIndex {
            entries: Vec::new(),
            line_starts,
        };
        index.table(&[], doc.as_table());
        index
    }

    /// 1-based line of a byte offset.
    pub fn line_at(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .max(1)
    }

    /// The entry at exactly this path.
    pub fn get(&self, path: &[&str]) -> Option<&SpanEntry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Line of the key at this path (or of its value, or of its header).
    pub fn line_of(&self, path: &[&str]) -> Option<usize> {
        let entry = self.get(path)?;
        let start = entry.key.as_ref().or(entry.value.as_ref())?.start;
        Some(self.line_at(start))
    }

    /// The entry whose key span contains `offset` (an unknown key is reported at its key).
    pub fn key_at(&self, offset: usize) -> Option<&SpanEntry> {
        self.entries
            .iter()
            .filter(|e| e.key.as_ref().is_some_and(|k| k.contains(&offset)))
            .min_by_key(|e| e.key.as_ref().map_or(usize::MAX, |k| k.len()))
    }

    /// The narrowest entry whose value span contains `offset`.
    pub fn value_at(&self, offset: usize) -> Option<&SpanEntry> {
        self.entries
            .iter()
            .filter(|e| {
                e.value
                    .as_ref()
                    .is_some_and(|v| v.contains(&offset) || v.start == offset)
            })
            .min_by_key(|e| e.value.as_ref().map_or(usize::MAX, |v| v.len()))
    }

    fn push(&mut self, path: Vec<String>, key: Option<Range<usize>>, item: &toml_edit::Item) {
        let value = item.span();
        self.entries.push(SpanEntry {
            path: path.clone(),
            key,
            value,
            kind: item_kind(item),
        });
        match item {
            toml_edit::Item::Table(table) => self.table(&path, table),
            toml_edit::Item::ArrayOfTables(array) => {
                for (i, table) in array.iter().enumerate() {
                    let mut entry_path = path.clone();
                    entry_path.push((i + 1).to_string());
                    self.entries.push(SpanEntry {
                        path: entry_path.clone(),
                        key: table.span(),
                        value: table.span(),
                        kind: "a table",
                    });
                    self.table(&entry_path, table);
                }
            }
            toml_edit::Item::Value(value) => self.value(&path, value),
            toml_edit::Item::None => {}
        }
    }

    fn table(&mut self, prefix: &[String], table: &toml_edit::Table) {
        for (name, _) in table.iter() {
            if let Some((key, item)) = table.get_key_value(name) {
                let mut path = prefix.to_vec();
                path.push(name.to_string());
                self.push(path, key.span(), item);
            }
        }
    }

    fn value(&mut self, prefix: &[String], value: &toml_edit::Value) {
        match value {
            toml_edit::Value::InlineTable(table) => {
                for (name, _) in table.iter() {
                    if let Some((key, item)) = table.get_key_value(name) {
                        let mut path = prefix.to_vec();
                        path.push(name.to_string());
                        self.push(path, key.span(), item);
                    }
                }
            }
            toml_edit::Value::Array(array) => {
                for (i, element) in array.iter().enumerate() {
                    let mut path = prefix.to_vec();
                    path.push((i + 1).to_string());
                    let span = element.span();
                    self.entries.push(SpanEntry {
                        path: path.clone(),
                        key: span.clone(),
                        value: span,
                        kind: value_kind(element),
                    });
                    self.value(&path, element);
                }
            }
            _ => {}
        }
    }
}

/// The kind of an item as said in errors.
fn item_kind(item: &toml_edit::Item) -> &'static str {
    match item {
        toml_edit::Item::None => "nothing",
        toml_edit::Item::Value(value) => value_kind(value),
        toml_edit::Item::Table(_) => "a table",
        toml_edit::Item::ArrayOfTables(_) => "an array of tables",
    }
}

/// The kind of a value as said in errors.
fn value_kind(value: &toml_edit::Value) -> &'static str {
    match value {
        toml_edit::Value::String(_) => "a string",
        toml_edit::Value::Integer(_) => "an integer",
        toml_edit::Value::Float(_) => "a float",
        toml_edit::Value::Boolean(_) => "a boolean",
        toml_edit::Value::Datetime(_) => "a date-time",
        toml_edit::Value::Array(_) => "an array",
        toml_edit::Value::InlineTable(_) => "a table",
    }
}

/// Where each key of a loaded recipe came from: its line in the file, and the override that replaced it.
///
/// Kept in [`crate::Recipe`] so that errors raised later (by plugins validating their step tables) can
/// name a line.
#[derive(Clone, Debug, Default)]
pub struct KeyLines {
    /// Dotted-path segments (steps as `step`, `N`, `key`) to 1-based line.
    lines: BTreeMap<Vec<String>, usize>,
    /// Dotted-path segments to the override that set the value last.
    overrides: BTreeMap<Vec<String>, String>,
}

impl KeyLines {
    /// Build from a file's index.
    pub(crate) fn from_index(index: &SpanIndex) -> KeyLines {
        let mut lines = BTreeMap::new();
        for entry in &index.entries {
            let segments: Vec<&str> = entry.path.iter().map(String::as_str).collect();
            if let Some(line) = index.line_of(&segments) {
                lines.entry(entry.path.clone()).or_insert(line);
            }
        }
        KeyLines {
            lines,
            overrides: BTreeMap::new(),
        }
    }

    /// Record that `path` was set by `origin`.
    pub(crate) fn set_override(&mut self, path: Vec<String>, origin: String) {
        self.overrides.insert(path, origin);
    }

    /// 1-based line of the key at `path` in the recipe file, if it is in the file.
    pub fn line(&self, path: &[&str]) -> Option<usize> {
        self.lines
            .iter()
            .find(|(k, _)| k.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, line)| *line)
    }

    /// The override (`--set ...` or `environment variable ROLLCALL_...`) that set the key at `path`.
    pub fn override_of(&self, path: &[&str]) -> Option<&str> {
        self.overrides
            .iter()
            .find(|(k, _)| k.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, origin)| origin.as_str())
    }
}
