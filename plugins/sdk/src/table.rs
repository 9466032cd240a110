//! Tables a step reads: its recipe table (with errors naming the key) and CSV files (with errors
//! naming the file, the row and the column).
//!
//! A CSV file has a header row; column names are matched without regard to case or surrounding
//! spaces; every cell is trimmed. Rows are numbered by their line in the file (the header is line 1),
//! as a spreadsheet shows them: `cast.csv: row 4, column `character`: empty value`. A UTF-8 byte order
//! mark (Excel writes one) is ignored; other encodings are refused. Blank rows are skipped, and a row
//! shorter than the header reads its missing cells as empty ([`CsvRow::cell`] tells them apart). A
//! quote left open, and a line break inside a cell, are refused naming the row and the column.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use crate::{StepContext, StepError};

/// The largest CSV file read, in bytes.
pub const MAX_CSV_BYTES: u64 = 16 * 1024 * 1024;
/// The most columns a CSV header row may have.
pub const MAX_CSV_COLUMNS: usize = 1024;
/// The most cells (data rows times columns) a CSV table may hold.
pub const MAX_CSV_CELLS: usize = 1 << 20;

/// Why a CSV table could not be read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The file does not exist.
    #[error("{path}: no such file")]
    Missing {
        /// The path tried.
        path: String,
    },
    /// The file could not be read.
    #[error("{path}: {message}")]
    Unreadable {
        /// The path tried.
        path: String,
        /// The reason.
        message: String,
    },
    /// The file is not valid CSV (or not UTF-8).
    #[error("{file}: row {row}: {message}")]
    Syntax {
        /// File name.
        file: String,
        /// 1-based line.
        row: u64,
        /// The reason.
        message: String,
    },
    /// The file has no header row, or a header row with an empty or repeated name.
    #[error("{file}: {message}")]
    Header {
        /// File name.
        file: String,
        /// The reason.
        message: String,
    },
    /// The table is over one of the limits ([`MAX_CSV_BYTES`], [`MAX_CSV_COLUMNS`], [`MAX_CSV_CELLS`]).
    #[error("{file}: {message}")]
    TooLarge {
        /// File name.
        file: String,
        /// Which limit, and by how much.
        message: String,
    },
    /// A required column is not in the header row.
    #[error("{file}: no column `{column}` in the header row")]
    MissingColumn {
        /// File name.
        file: String,
        /// The column required.
        column: String,
    },
    /// A cell is wrong.
    #[error("{file}: row {row}, column `{column}`: {message}")]
    Cell {
        /// File name.
        file: String,
        /// 1-based line.
        row: u64,
        /// Column name.
        column: String,
        /// The reason (`empty value`).
        message: String,
    },
}

impl TableError {
    /// This error as a [`StepError`] about the recipe key that named the file.
    pub fn at_key(&self, key: &str) -> StepError {
        StepError::at_key(key, self.to_string())
    }
}

/// A CSV file read whole: its columns and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    file: String,
    columns: Vec<String>,
    rows: Vec<CsvRow>,
}

/// One row of a [`CsvTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    file: String,
    row: u64,
    columns: Arc<[String]>,
    cells: Vec<String>,
    /// How many cells the row really had (fewer than the columns when it stops early).
    written: usize,
}

impl CsvTable {
    /// Read a CSV file with a header row. Errors name the path (missing file) or the file name.
    pub fn read(path: &Path) -> Result<CsvTable, TableError> {
        let shown = path.display().to_string();
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone());
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(TableError::Missing { path: shown })
            }
            Err(e) => {
                return Err(TableError::Unreadable {
                    path: shown,
                    message: e.to_string(),
                })
            }
        };
        if meta.len() > MAX_CSV_BYTES {
            return Err(TableError::TooLarge {
                file,
                message: format!(
                    "{} bytes, more than the {MAX_CSV_BYTES}-byte CSV size limit",
                    meta.len()
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| TableError::Unreadable {
            path: shown,
            message: e.to_string(),
        })?;
        CsvTable::parse(&file, &bytes)
    }

    /// Parse CSV bytes; `file` is the name errors use.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<CsvTable, TableError> {
        if bytes.len() as u64 > MAX_CSV_BYTES {
            return Err(TableError::TooLarge {
                file: file.to_string(),
                message: format!(
                    "{} bytes, more than the {MAX_CSV_BYTES}-byte CSV size limit",
                    bytes.len()
                ),
            });
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let open_quote = open_quote(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.records();
        // csv's own line count skips blank lines; count from the byte offset instead.
        let lines = RefCell::new(LineCounter {
            bytes,
            at: 0,
            newlines: 0,
        });
        let line_at = |byte: u64| lines.borrow_mut().line_at(byte);
        let syntax = |e: csv::Error| {
            let row = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
            let message = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                _ => e.to_string(),
            };
            TableError::Syntax {
                file: file.to_string(),
                row,
                message,
            }
        };
        let header = loop {
            match records.next() {
                None => {
                    return Err(TableError::Header {
                        file: file.to_string(),
                        message: "empty file: a header row is required".to_string(),
                    })
                }
                Some(record) => {
                    let record = record.map_err(syntax)?;
                    if record.iter().any(|c| !c.trim().is_empty()) {
                        break record;
                    }
                }
            }
        };
        let mut columns: Vec<String> = Vec::new();
        for name in header.iter() {
            let name = name.trim().to_lowercase();
            if name.is_empty() {
                return Err(TableError::Header {
                    file: file.to_string(),
                    message: "a column of the header row has no name".to_string(),
                });
            }
            if columns.len() >= MAX_CSV_COLUMNS {
                return Err(TableError::TooLarge {
                    file: file.to_string(),
                    message: format!(
                        "the header row has more than the {MAX_CSV_COLUMNS}-column limit"
                    ),
                });
            }
            if columns.contains(&name) {
                return Err(TableError::Header {
                    file: file.to_string(),
                    message: format!("column `{name}` appears twice in the header row"),
                });
            }
            columns.push(name);
        }
        if let Some((row, field)) = open_quote {
            return Err(TableError::Cell {
                file: file.to_string(),
                row,
                column: columns
                    .get(field)
                    .cloned()
                    .unwrap_or_else(|| format!("{}", field + 1)),
                message: "a quote opens here and is never closed".to_string(),
            });
        }
        let shared: Arc<[String]> = columns.clone().into();
        let mut rows = Vec::new();
        for record in records {
            let record = record.map_err(syntax)?;
            let row = record.position().map(|p| line_at(p.byte())).unwrap_or(0);
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if let Some(extra) = record
                .iter()
                .skip(columns.len())
                .find(|c| !c.trim().is_empty())
            {
                return Err(TableError::Syntax {
                    file: file.to_string(),
                    row,
                    message: format!(
                        "more cells than the {} columns of the header row (`{}`)",
                        columns.len(),
                        extra.trim()
                    ),
                });
            }
            if (rows.len() + 1).saturating_mul(columns.len()) > MAX_CSV_CELLS {
                return Err(TableError::TooLarge {
                    file: file.to_string(),
                    message: format!(
                        "more than {} rows of {} columns, over the {MAX_CSV_CELLS}-cell limit",
                        rows.len(),
                        columns.len()
                    ),
                });
            }
            if let Some(i) = record.iter().position(|c| c.contains(['\n', '\r'])) {
                return Err(TableError::Cell {
                    file: file.to_string(),
                    row,
                    column: columns.get(i).cloned().unwrap_or_default(),
                    message: "a line break inside the cell; a cell holds one line".to_string(),
                });
            }
            let cells = (0..columns.len())
                .map(|i| record.get(i).unwrap_or("").trim().to_string())
                .collect();
            rows.push(CsvRow {
                file: file.to_string(),
                row,
                columns: Arc::clone(&shared),
                cells,
                written: record.len(),
            });
        }
        Ok(CsvTable {
            file: file.to_string(),
            columns,
            rows,
        })
    }

    /// The file name errors use.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Column names, lower case, in header order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// True when the header row has this column (case-insensitive).
    pub fn has_column(&self, column: &str) -> bool {
        let column = column.trim().to_lowercase();
        self.columns.contains(&column)
    }

    /// Fail with an error naming the file and the first of `columns` the header row lacks.
    pub fn require_columns(&self, columns: &[&str]) -> Result<(), TableError> {
        match columns.iter().find(|c| !self.has_column(c)) {
            Some(column) => Err(TableError::MissingColumn {
                file: self.file.clone(),
                column: column.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// The data rows (blank rows left out), in file order.
    pub fn rows(&self) -> &[CsvRow] {
        &self.rows
    }
}

/// Where a quote opens a field and is never closed: its 1-based line and the 0-based field of its
/// record. Quotes count only at the start of a field, as CSV readers treat them.
fn open_quote(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut line = 1u64;
    let mut field = 0usize;
    let mut at_start = true;
    let mut open: Option<(u64, usize)> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if open.is_some() {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    open = None;
                    at_start = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else {
            match b {
                b'"' if at_start => open = Some((line, field)),
                b',' => {
                    field += 1;
                    at_start = true;
                }
                b'\n' => {
                    line += 1;
                    field = 0;
                    at_start = true;
                }
                b'\r' => {}
                _ => at_start = false,
            }
        }
        i += 1;
    }
    open
}

/// 1-based line numbers of byte offsets, counted incrementally (offsets mostly increase).
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Offset up to which newlines are counted.
    at: usize,
    /// Newlines in `bytes[..at]`.
    newlines: u64,
}

impl LineCounter<'_> {
    /// The line of the first non-blank byte at or after `byte`.
    fn line_at(&mut self, byte: u64) -> u64 {
        let start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // A record's position may point at the blank lines csv skipped before it.
        let skipped = self
            .bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let target = start + skipped;
        if target < self.at {
            self.at = 0;
            self.newlines = 0;
        }
        let counted = self
            .bytes
            .get(self.at..target)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.newlines += counted as u64;
        self.at = target;
        1 + self.newlines
    }
}

impl CsvRow {
    /// The 1-based line of this row in its file.
    pub fn row(&self) -> u64 {
        self.row
    }

    /// The trimmed cell of a column (case-insensitive), `None` when the file has no such column.
    pub fn get(&self, column: &str) -> Option<&str> {
        let column = column.trim().to_lowercase();
        let i = self.columns.iter().position(|c| *c == column)?;
        self.cells.get(i).map(String::as_str)
    }

    /// The trimmed cell of a column, possibly empty: an error naming file, row and column when the
    /// file has no such column or the row ends before that cell.
    pub fn cell(&self, column: &str) -> Result<&str, TableError> {
        let wanted = column.trim().to_lowercase();
        let Some(i) = self.columns.iter().position(|c| *c == wanted) else {
            return Err(TableError::MissingColumn {
                file: self.file.clone(),
                column: column.to_string(),
            });
        };
        if i >= self.written {
            return Err(self.error(
                column,
                format!(
                    "no cell: the row ends after {} of the {} columns",
                    self.written,
                    self.columns.len()
                ),
            ));
        }
        Ok(self.cells.get(i).map(String::as_str).unwrap_or(""))
    }

    /// The cell of a column when the column exists and the cell is not empty.
    pub fn value(&self, column: &str) -> Option<&str> {
        self.get(column).filter(|v| !v.is_empty())
    }

    /// The cell of a required column: an error naming file, row and column when it is empty or absent.
    pub fn required(&self, column: &str) -> Result<&str, TableError> {
        match self.get(column) {
            Some(v) if !v.is_empty() => Ok(v),
            Some(_) => Err(self.error(column, "empty value")),
            None => Err(TableError::MissingColumn {
                file: self.file.clone(),
                column: column.to_string(),
            }),
        }
    }

    /// An error about one cell of this row.
    pub fn error(&self, column: &str, message: impl Into<String>) -> TableError {
        TableError::Cell {
            file: self.file.clone(),
            row: self.row,
            column: column.to_string(),
            message: message.into(),
        }
    }
}

/// Deserialize the step's recipe table into its config type, like [`StepContext::config`], but with
/// the key the error is about (an unknown key, a missing one, a value of the wrong type) in
/// [`StepError::key`], so the engine can point at the recipe line.
pub fn step_config<T: serde::de::DeserializeOwned>(context: &StepContext) -> Result<T, StepError> {
    T::deserialize(toml::Value::Table(context.table.clone())).map_err(|e| {
        let message = e.message().to_string();
        let full = e.to_string();
        let key = key_in(&message, "unknown field `")
            .or_else(|| key_in(&message, "missing field `"))
            .or_else(|| {
                full.lines()
                    .rev()
                    .find_map(|line| key_in(line.trim(), "in `"))
            });
        match key {
            Some(key) => StepError::at_key(key, message),
            None => StepError::new(message),
        }
    })
}

/// The top-level key in `` prefix`key...` `` at the start of `text`.
fn key_in(text: &str, prefix: &str) -> Option<String> {
    let rest = text.strip_prefix(prefix)?;
    let (path, _) = rest.split_once('`')?;
    let key = path.split(['.', '[']).next().unwrap_or(path);
    (!key.is_empty()).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &[u8]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn limits_are_named_in_the_errors() {
        let big = vec![b'a'; MAX_CSV_BYTES as usize + 1];
        let err = CsvTable::parse("big.csv", &big).unwrap_err();
        assert!(matches!(err, TableError::TooLarge { .. }), "{err}");
        assert!(
            err.to_string().contains("16777216-byte CSV size limit"),
            "{err}"
        );

        let header: Vec<String> = (0..=MAX_CSV_COLUMNS).map(|i| format!("c{i}")).collect();
        let err = CsvTable::parse("wide.csv", header.join(",").as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("wide.csv: the header row has more than the 1024-column limit"),
            "{err}"
        );
        let ok = CsvTable::parse("wide.csv", header[..MAX_CSV_COLUMNS].join(",").as_bytes());
        assert_eq!(ok.unwrap().columns().len(), MAX_CSV_COLUMNS);

        // 1024 columns: 1024 rows fill the cell limit exactly, one more is refused.
        let mut text = header[..MAX_CSV_COLUMNS].join(",");
        for _ in 0..MAX_CSV_CELLS / MAX_CSV_COLUMNS {
            text.push_str("\nx");
        }
        let table = CsvTable::parse("tall.csv", text.as_bytes()).unwrap();
        assert_eq!(table.rows().len(), MAX_CSV_CELLS / MAX_CSV_COLUMNS);
        text.push_str("\nx");
        let err = CsvTable::parse("tall.csv", text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("1048576-cell limit"), "{err}");
    }

    #[test]
    fn many_rows_keep_their_line_numbers_and_parse_in_linear_time() {
        // 400k short rows with blank lines between: a quadratic line count would take minutes.
        let mut text = String::from("scene,take\n");
        for i in 0..400_000 {
            text.push_str(&format!("{i},1\n\n"));
        }
        let started = std::time::Instant::now();
        let table = CsvTable::parse("long.csv", text.as_bytes()).unwrap();
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        assert_eq!(table.rows().len(), 400_000);
        assert_eq!(table.rows()[0].row(), 2);
        assert_eq!(table.rows()[399_999].row(), 2 + 2 * 399_999);
        assert_eq!(table.rows()[399_999].get("scene"), Some("399999"));
    }

    #[test]
    fn reads_rows_by_column_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "cast.csv",
            b"\xEF\xBB\xBFTrack , Character\nBoom, \n\n  Lav 1 , ZO\xC3\x8B \n2\n",
        );
        let table = CsvTable::read(&path).unwrap();
        assert_eq!(table.columns(), ["track", "character"]);
        let rows = table.rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].row(), 2);
        assert_eq!(rows[1].row(), 4);
        assert_eq!(rows[1].get("TRACK"), Some("Lav 1"));
        assert_eq!(rows[1].required("character").unwrap(), "ZOË");
        assert_eq!(rows[2].get("character"), Some(""));
        assert_eq!(rows[0].value("character"), None);
        let err = rows[2].required("character").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cast.csv: row 5, column `character`: empty value"
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.csv");
        let err = CsvTable::read(&path).unwrap_err();
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(err.at_key("csv").key.as_deref() == Some("csv"));
    }

    #[test]
    fn missing_column_names_file_and_column() {
        let table = CsvTable::parse("cast.csv", b"track,mic\n1,x\n").unwrap();
        let err = table.require_columns(&["track", "character"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cast.csv: no column `character` in the header row"
        );
    }

    #[test]
    fn header_problems_are_errors() {
        assert!(CsvTable::parse("a.csv", b"").is_err());
        assert!(CsvTable::parse("a.csv", b"track,,x\n").is_err());
        let err = CsvTable::parse("a.csv", b"track,Track\n").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn extra_cells_and_bad_utf8_name_the_row() {
        let err = CsvTable::parse("a.csv", b"scene,episode\n1,2\n3,4,5\n").unwrap_err();
        assert!(
            err.to_string().starts_with("a.csv: row 3: more cells"),
            "{err}"
        );
        let err = CsvTable::parse("a.csv", b"scene,episode\n1,2\n\xFF,4\n").unwrap_err();
        assert_eq!(err.to_string(), "a.csv: row 3: not UTF-8 text");
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Config {
        csv: String,
        #[serde(default)]
        mix: Vec<String>,
    }

    fn context(toml_text: &str) -> StepContext {
        StepContext::new(toml_text.parse().unwrap(), ".")
    }

    #[test]
    fn step_config_names_the_key() {
        let err = step_config::<Config>(&context("csv = \"a\"\nmixx = []")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("mixx"));
        let err = step_config::<Config>(&context("mix = []")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("csv"));
        let err = step_config::<Config>(&context("csv = 3")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("csv"));
        let err = step_config::<Config>(&context("csv = \"a\"\nmix = [1]")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("mix"));
        assert!(step_config::<Config>(&context("csv = \"a\"")).is_ok());
    }

    #[test]
    fn open_quotes_line_breaks_and_short_rows_name_row_and_column() {
        let open =
            CsvTable::parse("cast.csv", b"track,character\nLav1,\"ZOE\nLav2,B\n").unwrap_err();
        assert_eq!(
            open.to_string(),
            "cast.csv: row 2, column `character`: a quote opens here and is never closed"
        );
        let broken = CsvTable::parse("cast.csv", b"track,character\nLav1,\"ZO\nE\"\n").unwrap_err();
        assert!(
            broken
                .to_string()
                .starts_with("cast.csv: row 2, column `character`: a line break inside the cell"),
            "{broken}"
        );
        let doubled = CsvTable::parse("cast.csv", b"track,character\nLav1,\"say \"\"hi\"\"\"\n");
        assert_eq!(
            doubled.unwrap().rows()[0].get("character"),
            Some("say \"hi\"")
        );
        let short = CsvTable::parse("cast.csv", b"track,character,mic\nLav1\nLav2,,\n").unwrap();
        let error = short.rows()[0].cell("character").unwrap_err();
        assert_eq!(
            error.to_string(),
            "cast.csv: row 2, column `character`: no cell: the row ends after 1 of the 3 columns"
        );
        assert_eq!(short.rows()[1].cell("character"), Ok(""));
    }
}
