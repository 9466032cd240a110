//! Reading a sound report: the Wave Agent layout or a plain `file,scene,take,circled,note` CSV.

use crate::{ReportError, MAX_REPORT_BYTES, MAX_REPORT_COLUMNS};

/// Which layout a report was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportLayout {
    /// Sound Devices Wave Agent: `SOUND REPORT`, a header block, then the take rows.
    WaveAgent,
    /// A plain CSV with a header row `file,scene,take,circled,note[,tape][,wild]`.
    Plain,
}

/// The header block of a Wave Agent report: `Key:,"value"` pairs in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportHeader {
    /// `(key without its colon, value)` in file order (`("Sound Mixer", "Jamie Hardt")`).
    pub fields: Vec<(String, String)>,
}

impl ReportHeader {
    /// The value of a key (case ignored, without the colon), when present and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Sets a key's value, adding the key when absent.
    pub fn set(&mut self, key: &str, value: &str) {
        match self
            .fields
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, v)) => *v = value.to_string(),
            None => self.fields.push((key.to_string(), value.to_string())),
        }
    }
}

/// The Channels column: `2(POLY)` (one file holding the tracks) or `5(MONO)` (a split-mono family).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channels {
    /// Number of tracks.
    pub count: u32,
    /// True for a split-mono family (one file per track).
    pub mono: bool,
}

impl Channels {
    /// Parses `2(POLY)`, `5(MONO)` or a bare number (poly), spaces and case ignored.
    pub fn parse(cell: &str) -> Option<Channels> {
        let compact: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
        let upper = compact.to_ascii_uppercase();
        let (digits, mono) = if let Some(n) = upper.strip_suffix("(MONO)") {
            (n, true)
        } else if let Some(n) = upper.strip_suffix("(POLY)") {
            (n, false)
        } else {
            (upper.as_str(), false)
        };
        digits.parse().ok().map(|count| Channels { count, mono })
    }

    /// The Wave Agent spelling: `2(POLY)`, `5(MONO)`.
    pub fn to_cell(self) -> String {
        format!(
            "{}({})",
            self.count,
            if self.mono { "MONO" } else { "POLY" }
        )
    }
}

/// One take the report lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportRow {
    /// 1-based line of this row in the report file.
    pub line: u64,
    /// File name as listed (`A101_1.WAV`; a mono family once as `A101_1_X.WAV`).
    pub file_name: String,
    /// The Channels column, when given.
    pub channels: Option<Channels>,
    /// Roll label (Tape column).
    pub tape: String,
    /// Scene.
    pub scene: String,
    /// Take.
    pub take: String,
    /// Sample rate as written (`48000`).
    pub sample_rate: String,
    /// Timecode rate as written (`23.97 ND`, `25 ND`).
    pub frame_rate: String,
    /// Bit depth as written (`24`).
    pub bit_depth: String,
    /// Duration as written (`00:00:05`).
    pub length: String,
    /// Start timecode as written (`12:39:59:00`).
    pub start_tc: String,
    /// Marked wild (no picture).
    pub wild: bool,
    /// Marked circled.
    pub circled: bool,
    /// The User column.
    pub user: String,
    /// The mixer's note.
    pub note: String,
    /// Track names T1..Tn as listed (an empty cell is an empty name).
    pub tracks: Vec<String>,
}

impl ReportRow {
    /// True when this row lists `file_name`: the same name (case ignored), or, for a family row
    /// `NAME_X.EXT`, a member `NAME_<1 to 3 digits>.EXT`.
    pub fn lists(&self, file_name: &str) -> bool {
        self.file_name.eq_ignore_ascii_case(file_name) || self.member_index(file_name).is_some()
    }

    /// The member number of `file_name` in this row's mono family (`A101_1_2.WAV` in `A101_1_X.WAV`
    /// is 2), when this row is a family row and the name is one of its members.
    pub fn member_index(&self, file_name: &str) -> Option<u32> {
        let (row_stem, row_ext) = split_extension(&self.file_name);
        let family = row_stem
            .strip_suffix("_X")
            .or_else(|| row_stem.strip_suffix("_x"))?;
        let (stem, ext) = split_extension(file_name);
        if !ext.eq_ignore_ascii_case(row_ext) {
            return None;
        }
        let mut chars = stem.chars();
        for expected in family.chars().chain(std::iter::once('_')) {
            let got = chars.next()?;
            if !got.eq_ignore_ascii_case(&expected) {
                return None;
            }
        }
        let digits: String = chars.collect();
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// What a person calls this take: `scene A101 take 1`, or the file name when there is no slate.
    pub fn slate(&self) -> String {
        match (self.scene.is_empty(), self.take.is_empty()) {
            (false, false) => format!("scene {} take {}", self.scene, self.take),
            (false, true) => format!("scene {}", self.scene),
            (true, false) => format!("take {}", self.take),
            (true, true) => "no slate".to_string(),
        }
    }
}

/// `("A101_1", "WAV")` from `A101_1.WAV`; no extension gives `""`.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => (
            name.get(..dot).unwrap_or(name),
            name.get(dot + 1..).unwrap_or(""),
        ),
        _ => (name, ""),
    }
}

/// A mixer's sound report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoundReport {
    /// The report's file name, for messages.
    pub source: String,
    /// Which layout it was read from.
    pub layout: ReportLayout,
    /// The header block (empty for a plain CSV).
    pub header: ReportHeader,
    /// The takes, in file order.
    pub rows: Vec<ReportRow>,
}

/// Reads a Wave Agent or plain cell as a mark: `Y`, `Yes`, `TRUE`, `C`, `X`, `*`, `1` (any case) are
/// true; blank, `N`, `No`, `FALSE`, `0` false; anything else is `None` (an error for the caller).
pub fn truthy(cell: &str) -> Option<bool> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(false);
    }
    match cell.to_ascii_uppercase().as_str() {
        "Y" | "YES" | "TRUE" | "C" | "X" | "*" | "1" => Some(true),
        "N" | "NO" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// The columns a row is read from, by position in the header row.
#[derive(Default)]
struct Columns {
    names: Vec<String>,
    file: Option<usize>,
    channels: Option<usize>,
    tape: Option<usize>,
    scene: Option<usize>,
    take: Option<usize>,
    sample_rate: Option<usize>,
    frame_rate: Option<usize>,
    bit_depth: Option<usize>,
    length: Option<usize>,
    start_tc: Option<usize>,
    wild: Option<usize>,
    circled: Option<usize>,
    user: Option<usize>,
    note: Option<usize>,
    /// `(track number, column)` for `T1..Tn`.
    tracks: Vec<(usize, usize)>,
}

impl Columns {
    fn new(names: Vec<String>) -> Columns {
        let mut columns = Columns::default();
        for (at, name) in names.iter().enumerate() {
            let key = name.trim().to_ascii_lowercase();
            let slot = match key.as_str() {
                "file name" | "file" | "filename" => &mut columns.file,
                "channels" => &mut columns.channels,
                "tape" | "roll" => &mut columns.tape,
                "scene" => &mut columns.scene,
                "take" => &mut columns.take,
                "sample rate" => &mut columns.sample_rate,
                "frame rate" => &mut columns.frame_rate,
                "bit depth" => &mut columns.bit_depth,
                "length" | "duration" => &mut columns.length,
                "start tc" | "start" => &mut columns.start_tc,
                "wild" => &mut columns.wild,
                "circled" | "circle" => &mut columns.circled,
                "user" => &mut columns.user,
                "notes" | "note" => &mut columns.note,
                _ => {
                    if let Some(n) = key
                        .strip_prefix('t')
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|&n| (1..=MAX_REPORT_COLUMNS).contains(&n))
                    {
                        columns.tracks.push((n, at));
                    }
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(at);
            }
        }
        columns.tracks.sort_unstable();
        columns.names = names;
        columns
    }
}

/// Text of the report: UTF-8 (a byte order mark ignored), else Latin-1; CR and CRLF made LF so
/// that line numbers count the file's lines whatever its line ends.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    text.replace("\r\n", "\n").replace('\r', "\n")
}

impl SoundReport {
    /// Reads a report's bytes; `source` is its file name, used in errors.
    pub fn parse(bytes: &[u8], source: &str) -> Result<SoundReport, ReportError> {
        if bytes.len() > MAX_REPORT_BYTES {
            return Err(ReportError::TooLarge {
                file: source.to_string(),
                len: bytes.len(),
            });
        }
        let text = decode(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        // The csv crate's own line count skips blank lines; count them from the byte offset instead.
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(at, _)| at)
            .collect();
        let line_at = |position: Option<&csv::Position>| -> u64 {
            position.map_or(0, |p| {
                let mut byte = usize::try_from(p.byte()).unwrap_or(usize::MAX);
                // A record's position may be that of the blank lines skipped before it.
                while text.as_bytes().get(byte) == Some(&b'\n') {
                    byte += 1;
                }
                newlines.partition_point(|&at| at < byte) as u64 + 1
            })
        };
        let mut records = Vec::new();
        for result in reader.records() {
            let record = result.map_err(|e| ReportError::Syntax {
                file: source.to_string(),
                row: line_at(e.position()),
                message: e.to_string(),
            })?;
            let line = line_at(record.position());
            if record.len() > MAX_REPORT_COLUMNS {
                return Err(ReportError::Syntax {
                    file: source.to_string(),
                    row: line,
                    message: format!(
                        "{} cells, more than the {MAX_REPORT_COLUMNS} a row may have",
                        record.len()
                    ),
                });
            }
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            records.push((line, cells));
        }
        let mut records = records.into_iter();
        let Some((first_line, first)) = records.next() else {
            return Err(ReportError::Header {
                file: source.to_string(),
                message: "the report is empty".to_string(),
            });
        };
        let wave_agent = first.len() <= 2
            && first
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case("SOUND REPORT"));
        let mut header = ReportHeader::default();
        let (layout, columns) = if wave_agent {
            let mut columns = None;
            for (line, cells) in records.by_ref() {
                let is_column_row = cells.first().is_some_and(|c| {
                    c.eq_ignore_ascii_case("File Name") || c.eq_ignore_ascii_case("Filename")
                });
                if is_column_row {
                    columns = Some(Columns::new(cells));
                    break;
                }
                read_header_pairs(&cells, &mut header).map_err(|message| ReportError::Syntax {
                    file: source.to_string(),
                    row: line,
                    message,
                })?;
            }
            let columns = columns.ok_or_else(|| ReportError::Header {
                file: source.to_string(),
                message: "no `File Name,Channels,Tape,Scene,Take,...` row after the SOUND REPORT header block".to_string(),
            })?;
            (ReportLayout::WaveAgent, columns)
        } else {
            let columns = Columns::new(first);
            if columns.file.is_none() {
                return Err(ReportError::Header {
                    file: source.to_string(),
                    message: format!(
                        "row {first_line}: neither a Wave Agent report (first line `SOUND REPORT`) nor a CSV with a `file` column (plain layout: file,scene,take,circled,note[,tape])"
                    ),
                });
            }
            (ReportLayout::Plain, columns)
        };
        let mut rows = Vec::new();
        for (line, cells) in records {
            rows.push(read_row(source, &columns, line, &cells)?);
        }
        Ok(SoundReport {
            source: source.to_string(),
            layout,
            header,
            rows,
        })
    }

    /// The row that lists a file (by source file name), when one does.
    pub fn row_for(&self, file_name: &str) -> Option<&ReportRow> {
        self.rows
            .iter()
            .find(|r| r.file_name.eq_ignore_ascii_case(file_name))
            .or_else(|| self.rows.iter().find(|r| r.lists(file_name)))
    }
}

/// Reads `Key:,"value",Key:,"value"` cells into the header.
fn read_header_pairs(cells: &[String], header: &mut ReportHeader) -> Result<(), String> {
    let mut cells = cells.iter();
    while let Some(key) = cells.next() {
        let value = cells.next().cloned().unwrap_or_default();
        if key.is_empty() && value.is_empty() {
            continue;
        }
        let Some(name) = key.strip_suffix(':') else {
            return Err(format!(
                "`{key}` is not a `Key:` cell of the header block (the column row `File Name,...` is missing?)"
            ));
        };
        header.fields.push((name.trim().to_string(), value));
    }
    Ok(())
}

fn read_row(
    source: &str,
    columns: &Columns,
    line: u64,
    cells: &[String],
) -> Result<ReportRow, ReportError> {
    let cell = |at: Option<usize>| -> String {
        at.and_then(|i| cells.get(i)).cloned().unwrap_or_default()
    };
    let name_of = |at: Option<usize>| -> String {
        at.and_then(|i| columns.names.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let cell_error = |at: Option<usize>, message: String| ReportError::Cell {
        file: source.to_string(),
        row: line,
        column: name_of(at),
        message,
    };
    let mark = |at: Option<usize>| -> Result<bool, ReportError> {
        let value = cell(at);
        truthy(&value).ok_or_else(|| {
            cell_error(
                at,
                format!(
                    "`{value}` is neither a mark (Y, Yes, TRUE, C, X, *, 1) nor blank (N, No, FALSE, 0)"
                ),
            )
        })
    };
    let file_name = cell(columns.file);
    if file_name.is_empty() {
        return Err(cell_error(columns.file, "empty file name".to_string()));
    }
    let channels_cell = cell(columns.channels);
    let channels = if channels_cell.is_empty() {
        None
    } else {
        Some(Channels::parse(&channels_cell).ok_or_else(|| {
            cell_error(
                columns.channels,
                format!("`{channels_cell}` is not a channel count such as 2(POLY) or 5(MONO)"),
            )
        })?)
    };
    let mut tracks = Vec::new();
    for &(number, at) in &columns.tracks {
        if tracks.len() < number {
            tracks.resize(number, String::new());
        }
        if let Some(slot) = number.checked_sub(1).and_then(|i| tracks.get_mut(i)) {
            *slot = cell(Some(at));
        }
    }
    while tracks.last().is_some_and(String::is_empty) {
        tracks.pop();
    }
    Ok(ReportRow {
        line,
        file_name,
        channels,
        tape: cell(columns.tape),
        scene: cell(columns.scene),
        take: cell(columns.take),
        sample_rate: cell(columns.sample_rate),
        frame_rate: cell(columns.frame_rate),
        bit_depth: cell(columns.bit_depth),
        length: cell(columns.length),
        start_tc: cell(columns.start_tc),
        wild: mark(columns.wild)?,
        circled: mark(columns.circled)?,
        user: cell(columns.user),
        note: cell(columns.note),
        tracks,
    })
}
