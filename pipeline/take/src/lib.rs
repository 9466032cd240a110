//! A take read from its header, and edits applied to it with every mirror kept coherent.
//!
//! [`SourceTake::read`] reads a file's header and metadata (never its audio) and describes it to steps
//! as an SDK [`rollcall_sdk::Take`]. [`Changes`] collects the edits of every step, keeping the
//! description the next step sees up to date. [`render`] turns the collected changes into the chunk
//! layout and channel map the writer streams, keeping iXML, bext, `fmt ` and the audio in step.

mod ascii;
mod changes;
mod description;
mod render;
mod source;
mod track_name;

pub use ascii::to_bext_ascii;
pub use changes::{abbreviated, check_file_name, check_folder, Changes, TrackState, BEXT_FIELDS};
pub use description::FieldChange;
pub use render::{derive_uid, render, RenderedTake};
pub use source::{SourceTake, Timecode};
pub use track_name::{shorten_track_name, DEFAULT_BEXT_NAME_WIDTH, MIN_BEXT_NAME_WIDTH};

/// Why a take could not be read or rendered.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The container is unreadable or unsupported.
    #[error("{0}")]
    Wav(#[from] rollcall_wav::WavError),
    /// An edit cannot be applied to this take.
    #[error("{0}")]
    Edit(String),
    /// The path is not a regular file (a folder, a FIFO, a device): never opened, so never hung on.
    #[error("not a regular file ({0})")]
    NotAFile(&'static str),
}
