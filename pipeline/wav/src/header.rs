//! Reading the chunk list of a RIFF / RF64 / BW64 WAVE file.

use std::io::{Read, Seek, SeekFrom};

use crate::{Fmt, WavError};

/// Most chunks a file may have before it is refused.
pub const MAX_CHUNKS: usize = 4096;
/// Largest payload `read_payload` is normally asked for (bext, iXML, fmt...).
pub const MAX_METADATA_CHUNK: u64 = 16 << 20;
/// Largest `fmt ` or `ds64` payload the reader accepts.
const MAX_SMALL_CHUNK: u64 = 64 << 10;
/// Size field value meaning "look the size up in ds64".
const SIZE_IN_DS64: u32 = 0xFFFF_FFFF;

/// The outer container of a WAVE file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// Classic 32-bit `RIFF`.
    Riff,
    /// EBU Tech 3306 `RF64` (64-bit sizes in `ds64`).
    Rf64,
    /// ITU-R BS.2088 `BW64` (64-bit sizes in `ds64`).
    Bw64,
}

impl Container {
    /// The four magic bytes at the start of the file.
    pub fn magic(self) -> [u8; 4] {
        match self {
            Container::Riff => *b"RIFF",
            Container::Rf64 => *b"RF64",
            Container::Bw64 => *b"BW64",
        }
    }

    /// Whether sizes may live in a `ds64` chunk.
    pub fn is_64(self) -> bool {
        !matches!(self, Container::Riff)
    }
}

/// One chunk of the source file, located by offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Four-character chunk id.
    pub id: [u8; 4],
    /// File offset of the 8-byte chunk header.
    pub offset: u64,
    /// Payload size (ds64-resolved).
    pub size: u64,
    /// A pad byte follows the odd payload in the source file.
    pub pad: bool,
}

impl Chunk {
    /// The id as text, lossily (e.g. `"fmt "`).
    pub fn id_str(&self) -> String {
        id_text(&self.id)
    }

    /// File offset of the first payload byte.
    pub fn payload_offset(&self) -> u64 {
        self.offset + 8
    }

    /// File offset just past the payload and its pad byte.
    pub fn end(&self) -> u64 {
        self.payload_offset() + self.size + u64::from(self.pad)
    }
}

/// A chunk id as text: printable ASCII kept, other bytes escaped.
pub(crate) fn id_text(id: &[u8]) -> String {
    id.iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}

/// Whether four bytes look like a chunk id (printable ASCII, not starting with a space).
fn plausible_id(id: &[u8]) -> bool {
    id.len() == 4 && id[0] != b' ' && id.iter().all(|&b| (0x20..=0x7E).contains(&b))
}

/// How the audio of a take the recorder did not finalize was found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The `data` size the file declares (`0xFFFFFFFF` as stored, 0, or a stale count).
    pub declared_size: u64,
    /// The `data` size recovered: every whole frame from the start of `data` to the end of the file.
    pub recovered_size: u64,
    /// Why the declared size cannot be right, in words (`the data size field says 0 bytes`).
    pub why: String,
}

impl Recovery {
    /// One line for reports: what was wrong and what was repaired.
    pub fn describe(&self, block_align: u16) -> String {
        let ba = u64::from(block_align.max(1));
        format!(
            "unfinalized take: {}; {} frames recovered from the bytes on disk (the header declared {})",
            self.why,
            self.recovered_size / ba,
            self.declared_size / ba
        )
    }
}

/// Everything known about a WAVE file before its audio is touched.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// RIFF, RF64 or BW64.
    pub container: Container,
    /// RIFF size as declared (ds64-resolved); may disagree with the file.
    pub riff_size: u64,
    /// Length of the file in bytes.
    pub file_len: u64,
    /// Every chunk in file order (including `ds64`).
    pub chunks: Vec<Chunk>,
    /// The parsed `fmt ` chunk.
    pub fmt: Fmt,
    /// The `fmt ` payload as stored.
    pub fmt_payload: Vec<u8>,
    /// Index of the `data` chunk in `chunks`.
    pub data_index: usize,
    /// Set when the take was not finalized: `chunks[data_index].size` is then the recovered size.
    pub recovery: Option<Recovery>,
}

impl Header {
    /// The `data` chunk.
    pub fn data(&self) -> &Chunk {
        // data_index is set by read_header; fall back to the first chunk rather than panic.
        self.chunks
            .get(self.data_index)
            .or_else(|| self.chunks.first())
            .unwrap_or(&EMPTY_CHUNK)
    }

    /// Whole frames in the `data` chunk.
    pub fn frames(&self) -> u64 {
        self.data()
            .size
            .checked_div(u64::from(self.fmt.block_align))
            .unwrap_or(0)
    }

    /// The first chunk with this id.
    pub fn find(&self, id: &[u8; 4]) -> Option<&Chunk> {
        self.chunks.iter().find(|c| &c.id == id)
    }

    /// Bytes after the last chunk that belong to no chunk (fewer than 8, or junk past the RIFF size).
    /// They are ignored by the reader and not copied by the writer.
    pub fn trailing_bytes(&self) -> u64 {
        let end = self.chunks.last().map_or(12, Chunk::end);
        self.file_len.saturating_sub(end)
    }
}

static EMPTY_CHUNK: Chunk = Chunk {
    id: *b"data",
    offset: 0,
    size: 0,
    pad: false,
};

/// Sizes from a `ds64` chunk.
#[derive(Debug, Default)]
struct Ds64 {
    riff_size: u64,
    data_size: u64,
    table: Vec<([u8; 4], u64)>,
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

fn parse_ds64(payload: &[u8]) -> Result<Ds64, WavError> {
    let bad = || {
        WavError::Malformed(format!(
            "ds64 chunk is {} bytes, shorter than 28",
            payload.len()
        ))
    };
    let riff_size = le_u64(payload, 0).ok_or_else(bad)?;
    let data_size = le_u64(payload, 8).ok_or_else(bad)?;
    let count = payload
        .get(24..28)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(bad)?;
    let mut table = Vec::new();
    // Entries are 12 bytes; only as many as the payload holds are read.
    for entry in payload
        .get(28..)
        .unwrap_or(&[])
        .chunks_exact(12)
        .take(count as usize)
    {
        let mut id = [0u8; 4];
        id.copy_from_slice(&entry[..4]);
        let size = le_u64(entry, 4).unwrap_or(0);
        table.push((id, size));
    }
    Ok(Ds64 {
        riff_size,
        data_size,
        table,
    })
}

/// Reads up to `buf.len()` bytes at `offset`; returns how many were read.
fn read_at<R: Read + Seek>(r: &mut R, offset: u64, buf: &mut [u8]) -> Result<usize, WavError> {
    r.seek(SeekFrom::Start(offset))?;
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// Reads a chunk's payload, refusing one larger than `limit` bytes.
pub fn read_payload<R: Read + Seek>(
    r: &mut R,
    chunk: &Chunk,
    limit: u64,
) -> Result<Vec<u8>, WavError> {
    if chunk.size > limit {
        return Err(WavError::ChunkTooLarge {
            id: chunk.id_str(),
            size: chunk.size,
            limit,
        });
    }
    let len = usize::try_from(chunk.size).map_err(|_| WavError::ChunkTooLarge {
        id: chunk.id_str(),
        size: chunk.size,
        limit,
    })?;
    // Never allocate for bytes the source does not hold, whatever the limit.
    let source_len = r.seek(SeekFrom::End(0))?;
    if chunk.payload_offset().saturating_add(chunk.size) > source_len {
        return Err(WavError::Truncated {
            id: chunk.id_str().trim_end().to_string(),
            claims: chunk.size,
            file_len: source_len,
        });
    }
    let mut buf = vec![0u8; len];
    r.seek(SeekFrom::Start(chunk.payload_offset()))?;
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// Decides whether an odd payload ending at `payload_end` is followed by a pad byte.
///
/// At the end of the file: a pad byte only if one byte is left. Inside the file: a pad byte unless the
/// byte right after the payload starts a plausible chunk id and the byte after it does not.
fn has_pad<R: Read + Seek>(r: &mut R, payload_end: u64, file_len: u64) -> Result<bool, WavError> {
    let left = file_len - payload_end;
    if left == 0 {
        return Ok(false);
    }
    if left < 9 {
        return Ok(true);
    }
    let mut peek = [0u8; 5];
    if read_at(r, payload_end, &mut peek)? < 5 {
        return Ok(true);
    }
    if plausible_id(&peek[1..5]) {
        return Ok(true);
    }
    Ok(!plausible_id(&peek[0..4]))
}

/// Reads the RIFF/RF64/BW64 header and every chunk header; parses and checks `fmt `.
pub fn read_header<R: Read + Seek>(r: &mut R) -> Result<Header, WavError> {
    let file_len = r.seek(SeekFrom::End(0))?;
    if file_len == 0 {
        return Err(WavError::Empty);
    }
    let mut head = [0u8; 12];
    let got = read_at(r, 0, &mut head)?;
    let magic = &head[..got.min(4)];
    let container = match magic {
        b"RIFF" => Container::Riff,
        b"RF64" => Container::Rf64,
        b"BW64" => Container::Bw64,
        b"RIFX" | b"FFIR" => return Err(WavError::Rifx),
        _ => {
            return Err(WavError::NotWav(format!(
                "starts with \"{}\"",
                id_text(magic)
            )))
        }
    };
    if got < 12 {
        return Err(WavError::NotWav(format!("only {file_len} bytes long")));
    }
    if &head[8..12] != b"WAVE" {
        return Err(WavError::NotWav(format!(
            "form type is \"{}\", not WAVE",
            id_text(&head[8..12])
        )));
    }
    let riff_field = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let mut riff_size = u64::from(riff_field);
    let mut ds64: Option<Ds64> = None;
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut offset = 12u64;
    // The size a last `data` chunk claimed when it ran past the end of the file.
    let mut claimed_data: Option<u64> = None;
    while offset + 8 <= file_len {
        let mut ch = [0u8; 8];
        read_at(r, offset, &mut ch)?;
        let mut id = [0u8; 4];
        id.copy_from_slice(&ch[..4]);
        let field = u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]);
        let past_riff_end = offset >= riff_size.saturating_add(8);
        let after_data = chunks.last().is_some_and(|c| &c.id == b"data");
        if !plausible_id(&id) {
            if past_riff_end || after_data {
                break; // junk after the declared RIFF end: ignored
            }
            return Err(WavError::Malformed(format!(
                "invalid chunk id \"{}\" at offset {offset}",
                id_text(&id)
            )));
        }
        let mut size = u64::from(field);
        if container.is_64() {
            if chunks.is_empty() {
                if &id != b"ds64" {
                    return Err(WavError::MissingDs64(if container == Container::Rf64 {
                        "RF64"
                    } else {
                        "BW64"
                    }));
                }
            } else if field == SIZE_IN_DS64 {
                let table = ds64.as_ref().ok_or(WavError::MissingDs64("RF64"))?;
                size = if &id == b"data" {
                    table.data_size
                } else {
                    table
                        .table
                        .iter()
                        .find(|(tid, _)| tid == &id)
                        .map(|(_, s)| *s)
                        .ok_or_else(|| {
                            WavError::Malformed(format!(
                                "{} chunk size is 0xFFFFFFFF but ds64 has no entry for it",
                                id_text(&id)
                            ))
                        })?
                };
            }
        }
        let payload_end = (offset + 8).checked_add(size).filter(|&e| e <= file_len);
        let Some(payload_end) = payload_end else {
            if &id == b"data" && !chunks.is_empty() {
                // A last `data` chunk claiming more than the file holds: the recorder stopped
                // writing (or the size field was never filled in). Recovered below.
                let on_disk = file_len - (offset + 8);
                claimed_data = Some(size);
                chunks.push(Chunk {
                    id,
                    offset,
                    size: on_disk,
                    pad: false,
                });
                break;
            }
            if (past_riff_end || after_data)
                && !chunks.is_empty()
                && chunks.iter().any(|c| &c.id == b"data")
            {
                break; // junk after the declared RIFF end (or audio past a stale data size)
            }
            return Err(WavError::Truncated {
                id: id_text(&id).trim_end().to_string(),
                claims: size,
                file_len,
            });
        };
        if chunks.len() >= MAX_CHUNKS {
            return Err(WavError::TooManyChunks(MAX_CHUNKS));
        }
        let pad = size % 2 == 1 && has_pad(r, payload_end, file_len)?;
        let chunk = Chunk {
            id,
            offset,
            size,
            pad,
        };
        if container.is_64() && chunks.is_empty() {
            let payload = read_payload(r, &chunk, MAX_SMALL_CHUNK)?;
            let parsed = parse_ds64(&payload)?;
            if riff_field == SIZE_IN_DS64 {
                riff_size = parsed.riff_size;
            }
            ds64 = Some(parsed);
        }
        offset = chunk.end();
        chunks.push(chunk);
    }
    let fmt_chunk = chunks
        .iter()
        .find(|c| &c.id == b"fmt ")
        .ok_or(WavError::NoFmt)?;
    let data_index = chunks
        .iter()
        .position(|c| &c.id == b"data")
        .ok_or(WavError::NoData)?;
    let fmt_payload = read_payload(r, fmt_chunk, MAX_SMALL_CHUNK)?;
    let fmt = Fmt::parse(&fmt_payload)?;
    fmt.check_supported()?;
    let recovery = recover_data(&mut chunks, data_index, claimed_data, &fmt, file_len);
    if let Some(empty) = recovery.as_ref().filter(|r| r.recovered_size == 0) {
        // Not one whole frame on disk: nothing to recover.
        return Err(WavError::Truncated {
            id: "data".to_string(),
            claims: empty.declared_size,
            file_len,
        });
    }
    Ok(Header {
        container,
        riff_size,
        file_len,
        chunks,
        fmt,
        fmt_payload,
        data_index,
        recovery,
    })
}

/// Finds the audio of a take the recorder did not finalize, and makes `data` hold every whole frame
/// from its start to the end of the file.
///
/// Only a **last** `data` chunk is recovered: one whose size field is 0 or `0xFFFFFFFF`, claims more
/// than the file holds, or is followed by at least one whole frame of bytes that start no valid chunk
/// (a header last updated before the take ended). Bytes after any other last chunk are not audio.
fn recover_data(
    chunks: &mut [Chunk],
    data_index: usize,
    claimed: Option<u64>,
    fmt: &Fmt,
    file_len: u64,
) -> Option<Recovery> {
    if data_index + 1 != chunks.len() {
        return None;
    }
    let data = chunks.get_mut(data_index)?;
    let ba = u64::from(fmt.block_align);
    if ba == 0 {
        return None;
    }
    let on_disk = file_len.saturating_sub(data.payload_offset());
    let whole = on_disk / ba * ba;
    let declared = claimed.unwrap_or(data.size);
    let why = if claimed.is_some() {
        if declared == u64::from(SIZE_IN_DS64) {
            "the data size field says 0xFFFFFFFF (never filled in)".to_string()
        } else {
            format!("the data chunk claims {declared} bytes but only {on_disk} are on disk")
        }
    } else if declared == 0 && whole > 0 {
        "the data size field says 0 bytes".to_string()
    } else if file_len.saturating_sub(data.end()) >= ba && whole > declared {
        format!(
            "{} bytes of audio follow the declared end of data (header last updated before the take ended)",
            file_len - data.end()
        )
    } else {
        return None;
    };
    data.size = whole;
    data.pad = false;
    Some(Recovery {
        declared_size: declared,
        recovered_size: whole,
        why,
    })
}
