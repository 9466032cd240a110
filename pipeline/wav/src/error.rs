//! Typed errors of the container layer: each message is one line saying why.

use std::io;

/// Why a WAV file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The file has no bytes at all.
    #[error("empty file")]
    Empty,
    /// The file does not start with a RIFF/RF64/BW64 WAVE header.
    #[error("not a WAV file: {0}")]
    NotWav(String),
    /// A big-endian RIFX file.
    #[error("RIFX (big-endian) files are not supported")]
    Rifx,
    /// A chunk (usually `data`) claims more bytes than the file holds.
    #[error("truncated: {id} chunk claims {claims} bytes but the file ends at {file_len}")]
    Truncated {
        /// Chunk id, e.g. `data`.
        id: String,
        /// Payload size the chunk claims.
        claims: u64,
        /// Length of the file.
        file_len: u64,
    },
    /// The chunk structure is broken (bad chunk id, bad ds64, file cut inside a header).
    #[error("malformed: {0}")]
    Malformed(String),
    /// An RF64 or BW64 file whose first chunk is not `ds64`.
    #[error("{0} file without a ds64 chunk")]
    MissingDs64(&'static str),
    /// No `fmt ` chunk.
    #[error("no fmt chunk")]
    NoFmt,
    /// No `data` chunk.
    #[error("no data chunk")]
    NoData,
    /// A compressed or otherwise unsupported codec.
    #[error("unsupported codec: {name} (format 0x{tag:04X})")]
    UnsupportedCodec {
        /// Human name of the codec.
        name: &'static str,
        /// The fmt format tag (or EXTENSIBLE sub-format tag).
        tag: u16,
    },
    /// A PCM/float layout we do not handle (bit depth, channel count...).
    #[error("unsupported sample format: {0}")]
    UnsupportedFormat(String),
    /// `block_align` disagrees with channels and bit depth.
    #[error("block_align {block_align} does not match {channels} channels of {bits}-bit samples (expected {expected})")]
    BadBlockAlign {
        /// block_align stored in fmt.
        block_align: u16,
        /// Channel count stored in fmt.
        channels: u16,
        /// bits_per_sample stored in fmt.
        bits: u16,
        /// channels * bytes per sample.
        expected: u32,
    },
    /// More chunks than the reader accepts.
    #[error("malformed: more than {0} chunks (the chunk count limit)")]
    TooManyChunks(usize),
    /// A fmt (or channel map) with more channels than [`crate::MAX_CHANNELS`].
    #[error("{channels} channels, more than the {limit}-channel limit")]
    TooManyChannels {
        /// Channels claimed.
        channels: usize,
        /// The limit.
        limit: u16,
    },
    /// A chunk payload larger than the caller's limit.
    #[error("{id} chunk is {size} bytes, more than the {limit}-byte limit")]
    ChunkTooLarge {
        /// Chunk id.
        id: String,
        /// Payload size.
        size: u64,
        /// Limit given by the caller.
        limit: u64,
    },
    /// A bext field that cannot be encoded.
    #[error("bext {field}: {reason}")]
    BextField {
        /// Field name, e.g. `description`.
        field: &'static str,
        /// Why it cannot be written.
        reason: String,
    },
    /// The output layout given to the writer is inconsistent.
    #[error("invalid output layout: {0}")]
    Layout(String),
    /// The channel map does not fit the source or the output fmt.
    #[error("invalid channel map: {0}")]
    ChannelMap(String),
    /// An I/O error from the underlying reader or writer.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}
