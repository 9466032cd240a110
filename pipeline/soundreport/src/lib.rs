//! Sound reports in and out: the mixer's report read, reconciled with the files of a batch, and a
//! report per delivered roll written back as CSV and as a printable HTML page.
//!
//! This crate is pure: it takes bytes and values and returns bytes, values and findings. The engine
//! reads and writes the files.
//!
//! - [`SoundReport::parse`] reads the Sound Devices Wave Agent layout (a `SOUND REPORT` line, a header
//!   block of `Key:,"value"` pairs, a blank line, then `File Name,Channels,Tape,Scene,Take,...,T1..Tn`;
//!   CR, LF or CRLF line ends; a mono family listed once as `NAME_X.WAV`) or a plain CSV with a header
//!   `file,scene,take,circled,note[,tape][,wild]`. Errors name the CSV row and column.
//! - [`SoundReport::to_wave_agent`] writes the Wave Agent layout back; the same reader reads it.
//! - [`reconcile`] compares the report's rows with the takes of a batch: `report/no-row`,
//!   `report/no-file`, `report/mismatch` findings.
//! - [`render_roll_page`] and [`render_index_page`] render self-contained HTML (inline CSS and SVG, no
//!   script, nothing fetched) that prints on A4 or Letter landscape.

mod html;
mod read;
mod reconcile;
mod write;

pub use html::{
    render_index_page, render_roll_page, Envelope, IndexPage, IndexRoll, PageTake, PageTrack,
    RollPage,
};
pub use read::{truthy, Channels, ReportHeader, ReportLayout, ReportRow, SoundReport};
pub use reconcile::{format_length, reconcile, BatchTake, BatchTrack};
pub use rollcall_findings::{Finding, Severity};

/// The largest report read, in bytes.
pub const MAX_REPORT_BYTES: usize = 16 * 1024 * 1024;
/// The most columns a report row may have.
pub const MAX_REPORT_COLUMNS: usize = 1024;

/// Why a sound report cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The report is larger than [`MAX_REPORT_BYTES`].
    #[error("{file}: {len} bytes, more than the {MAX_REPORT_BYTES} a sound report may have")]
    TooLarge {
        /// The report's file name.
        file: String,
        /// Its size.
        len: usize,
    },
    /// The text is not CSV the reader understands.
    #[error("{file}: row {row}: {message}")]
    Syntax {
        /// The report's file name.
        file: String,
        /// 1-based line in the file.
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// The header row is missing or lacks a required column.
    #[error("{file}: {message}")]
    Header {
        /// The report's file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// One cell is wrong.
    #[error("{file}: row {row}, column `{column}`: {message}")]
    Cell {
        /// The report's file name.
        file: String,
        /// 1-based line in the file.
        row: u64,
        /// The column's name as the header row writes it.
        column: String,
        /// What is wrong.
        message: String,
    },
}

#[cfg(test)]
mod tests;
