//! Writing a report in the Wave Agent layout, so tools that read Wave Agent reports read ours.

use crate::read::{ReportRow, SoundReport};

/// The header block's keys, three to a line, as Wave Agent writes them.
const HEADER_LINES: [[&str; 3]; 3] = [
    ["Project", "Sound Mixer", "Roll"],
    ["File Type", "Bit Depth", "Media"],
    ["Frame Rate", "Sample Rate", "Tone/dB"],
];

/// The fixed columns before `T1..Tn`.
const COLUMNS: [&str; 14] = [
    "File Name",
    "Channels",
    "Tape",
    "Scene",
    "Take",
    "Sample Rate",
    "Frame Rate",
    "Bit Depth",
    "Length",
    "Start TC",
    "Wild",
    "Circled",
    "User",
    "Notes",
];

/// A quoted cell: `"` doubled, line breaks made spaces, and a leading `=`, `+`, `-` or `@` defused
/// with `'` so a spreadsheet never runs a value from a file as a formula.
fn quoted(value: &str) -> String {
    let flat: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let safe = match flat.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t') => format!("'{flat}"),
        _ => flat,
    };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

/// A bare cell (numbers, rates, timecodes), quoted only when it would otherwise break the row.
fn bare(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | ':' | ';' | '.' | '(' | ')' | '/'));
    if plain && !value.starts_with(' ') {
        value.to_string()
    } else {
        quoted(value)
    }
}

fn mark(value: bool) -> &'static str {
    if value {
        "Y"
    } else {
        ""
    }
}

impl SoundReport {
    /// The report in the Wave Agent layout: `SOUND REPORT`, the header block (the nine Wave Agent
    /// keys, then any other keys three to a line), a blank line, the column row with `T1..Tn` for the
    /// most tracks of any row, then one row per take. Lines end in CRLF. Marks are `Y` or empty.
    pub fn to_wave_agent(&self) -> Vec<u8> {
        let mut lines: Vec<String> = vec!["SOUND REPORT".to_string()];
        let value = |key: &str| {
            self.header
                .fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        for keys in HEADER_LINES {
            lines.push(pairs(keys.iter().map(|k| (k.to_string(), value(k)))));
        }
        let standard = |key: &str| {
            HEADER_LINES
                .iter()
                .flatten()
                .any(|k| k.eq_ignore_ascii_case(key))
        };
        let extra: Vec<(String, String)> = self
            .header
            .fields
            .iter()
            .filter(|(k, _)| !standard(k))
            .cloned()
            .collect();
        for chunk in extra.chunks(3) {
            lines.push(pairs(chunk.iter().cloned()));
        }
        lines.push(String::new());
        let track_columns = self.rows.iter().map(|r| r.tracks.len()).max().unwrap_or(0);
        let mut column_row: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        column_row.extend((1..=track_columns).map(|n| format!("T{n}")));
        lines.push(column_row.join(","));
        for row in &self.rows {
            lines.push(row_line(row, track_columns));
        }
        let mut text = lines.join("\r\n");
        text.push_str("\r\n");
        text.into_bytes()
    }
}

/// `Key:,"value"` pairs on one line.
fn pairs(fields: impl Iterator<Item = (String, String)>) -> String {
    fields
        .map(|(k, v)| format!("{}:,{}", k.replace([',', '"', '\r', '\n'], " "), quoted(&v)))
        .collect::<Vec<_>>()
        .join(",")
}

fn row_line(row: &ReportRow, track_columns: usize) -> String {
    let mut cells = vec![
        quoted(&row.file_name),
        row.channels.map(|c| c.to_cell()).unwrap_or_default(),
        quoted(&row.tape),
        quoted(&row.scene),
        quoted(&row.take),
        bare(&row.sample_rate),
        bare(&row.frame_rate),
        bare(&row.bit_depth),
        bare(&row.length),
        bare(&row.start_tc),
        mark(row.wild).to_string(),
        mark(row.circled).to_string(),
        quoted(&row.user),
        quoted(&row.note),
    ];
    for n in 0..track_columns {
        cells.push(quoted(row.tracks.get(n).map_or("", String::as_str)));
    }
    cells.join(",")
}
