//! Lossless Broadcast WAV / RF64 / BW64 container layer: read every chunk, stream-write with edits.
//!
//! Reading ([`read_header`]) lists every chunk in file order with its offset and size, resolving
//! `ds64` sizes, and checks the `fmt ` is integer PCM (8-32 bit) or IEEE float (32/64 bit).
//! Chunks are read to the end of the file whatever the RIFF size says. Bytes after the last chunk that
//! cannot form one (fewer than 8, or junk past the declared RIFF end) are ignored and not copied
//! ([`Header::trailing_bytes`]). Writing ([`write_file`]) streams the audio in blocks, optionally
//! permuting/dropping channels, and hashes each channel on the way.

mod audio;
mod bext;
mod description;
mod error;
mod fmt;
mod head;
mod header;
mod writer;

pub use audio::{digest_audio, AudioDigest};
pub use bext::{Bext, BEXT_FIXED_LEN};
pub use description::{
    parse_description, remove_description_key, set_description_key, DescriptionLine,
};
pub use error::WavError;
pub use fmt::{Fmt, SampleFormat, FORMAT_EXTENSIBLE, FORMAT_IEEE_FLOAT, FORMAT_PCM, MAX_CHANNELS};
pub use head::{HeadReader, HEAD_BYTES};
pub use header::{
    read_header, read_payload, Chunk, Container, Header, Recovery, MAX_CHUNKS, MAX_METADATA_CHUNK,
};
pub use writer::{
    copy_verbatim, write_file, write_file_tapped, AudioTap, ChannelMap, NoTap, OutChunk,
    WriteOptions, WriteReport,
};

/// The identity layout of a file: every chunk copied in order, `data` replaced by the audio.
pub fn identity_layout(header: &Header) -> Vec<OutChunk> {
    header
        .chunks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == header.data_index {
                OutChunk::Audio
            } else {
                OutChunk::Copy(c.clone())
            }
        })
        .collect()
}
