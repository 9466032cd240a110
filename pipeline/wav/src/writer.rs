//! Streaming writer: a layout of copied / new chunks and the (optionally re-laid) audio.

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

use crate::audio::permute;
use crate::{Chunk, Container, Fmt, Header, WavError};

/// One chunk of the output file, in output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutChunk {
    /// A source chunk copied verbatim (a `ds64` is skipped: the writer makes its own).
    Copy(Chunk),
    /// A new chunk with this payload.
    New {
        /// Chunk id.
        id: [u8; 4],
        /// Payload (the writer adds the pad byte).
        payload: Vec<u8>,
    },
    /// The source's audio as the `data` chunk (re-laid when a channel map is given).
    Audio,
}

/// Output channel `i` takes source channel `order[i]` (0-based); unlisted channels are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMap {
    /// Source channel index for each output channel.
    pub order: Vec<u16>,
}

/// Writer settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Output file size above which RF64 is written.
    pub rf64_threshold: u64,
    /// Audio block size in bytes (rounded down to whole frames, at least one).
    pub block_bytes: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            rf64_threshold: u64::from(u32::MAX),
            block_bytes: 1 << 20,
        }
    }
}

/// What `write_file` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Container of the output.
    pub container: Container,
    /// Bytes written (the output file length).
    pub bytes_written: u64,
    /// Whole frames of audio written.
    pub frames: u64,
}

/// Sees every block of output audio as it is written: whole interleaved frames in the output's
/// channel order (for measurements made in the delivery pass, such as audio QC).
pub trait AudioTap {
    /// Called with each block of whole output frames, in order.
    fn audio(&mut self, frames: &[u8]);
}

/// A tap that looks at nothing.
pub struct NoTap;

impl AudioTap for NoTap {
    fn audio(&mut self, _frames: &[u8]) {}
}

/// Size field value meaning "see ds64".
const SIZE_IN_DS64: u32 = 0xFFFF_FFFF;
/// Buffer size for copying metadata chunks.
const COPY_BLOCK: usize = 64 << 10;

/// One planned output chunk with its payload size.
struct Planned<'a> {
    id: [u8; 4],
    size: u64,
    source: &'a OutChunk,
}

/// A writer that counts bytes.
struct Counting<W: Write> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Checks the map against the source and returns the byte offset of each kept sample in a source frame.
fn map_offsets(map: &ChannelMap, source: &Fmt) -> Result<Vec<usize>, WavError> {
    if map.order.is_empty() {
        return Err(WavError::ChannelMap("no output channels".to_string()));
    }
    if map.order.len() > usize::from(crate::MAX_CHANNELS) {
        return Err(WavError::TooManyChannels {
            channels: map.order.len(),
            limit: crate::MAX_CHANNELS,
        });
    }
    let bps = usize::from(source.bytes_per_sample());
    map.order
        .iter()
        .map(|&c| {
            if c < source.channels {
                Ok(usize::from(c) * bps)
            } else {
                Err(WavError::ChannelMap(format!(
                    "source channel {c} does not exist (the source has {} channels, numbered from 0)",
                    source.channels
                )))
            }
        })
        .collect()
}

/// Checks the layout's fmt against the audio that will be written.
fn check_fmt(
    layout: &[OutChunk],
    header: &Header,
    out_channels: usize,
    mapped: bool,
) -> Result<(), WavError> {
    let fmt_entry = layout.iter().find(|c| match c {
        OutChunk::Copy(chunk) => &chunk.id == b"fmt ",
        OutChunk::New { id, .. } => id == b"fmt ",
        OutChunk::Audio => false,
    });
    let out_fmt =
        match fmt_entry {
            None => return Err(WavError::Layout("no fmt chunk".to_string())),
            Some(OutChunk::Copy(_)) if mapped => return Err(WavError::Layout(
                "with a channel map the fmt chunk must be OutChunk::New (built with Fmt::relaid)"
                    .to_string(),
            )),
            Some(OutChunk::New { payload, .. }) => Fmt::parse(payload)?,
            Some(_) => header.fmt.clone(),
        };
    if usize::from(out_fmt.channels) != out_channels {
        return Err(WavError::Layout(format!(
            "the output fmt says {} channels but the audio has {out_channels}",
            out_fmt.channels
        )));
    }
    if out_fmt.bytes_per_sample() != header.fmt.bytes_per_sample()
        || usize::from(out_fmt.block_align)
            != out_channels * usize::from(header.fmt.bytes_per_sample())
    {
        return Err(WavError::Layout(format!(
            "the output fmt block_align {} does not fit {out_channels} channels of {}-byte samples",
            out_fmt.block_align,
            header.fmt.bytes_per_sample()
        )));
    }
    Ok(())
}

/// Writes `layout` in order: new RIFF/RF64/BW64 header (and ds64), copied and new chunks, the audio
/// streamed in blocks (re-laid by `map`), sizes and pad bytes correct. Needs no seeking on `out`.
pub fn write_file<R: Read + Seek, W: Write>(
    src: &mut R,
    header: &Header,
    layout: &[OutChunk],
    map: Option<&ChannelMap>,
    out: &mut W,
    opts: &WriteOptions,
) -> Result<WriteReport, WavError> {
    write_file_tapped(src, header, layout, map, out, opts, &mut NoTap)
}

/// [`write_file`], showing every block of output audio to `tap` on the way.
pub fn write_file_tapped<R: Read + Seek, W: Write>(
    src: &mut R,
    header: &Header,
    layout: &[OutChunk],
    map: Option<&ChannelMap>,
    out: &mut W,
    opts: &WriteOptions,
    tap: &mut dyn AudioTap,
) -> Result<WriteReport, WavError> {
    let src_fmt = &header.fmt;
    src_fmt.check_supported()?;
    let src_channels = usize::from(src_fmt.channels);
    let bps = usize::from(src_fmt.bytes_per_sample());
    let src_ba = usize::from(src_fmt.block_align);
    if src_ba == 0 || bps == 0 {
        return Err(WavError::UnsupportedFormat("block_align 0".to_string()));
    }
    let offsets = map.map(|m| map_offsets(m, src_fmt)).transpose()?;
    let out_channels = offsets.as_ref().map_or(src_channels, Vec::len);
    let out_ba = out_channels * bps;
    let data = header.data();
    let src_frames = data.size / src_ba as u64;
    let audio_size = match offsets {
        None => data.size,
        Some(_) => src_frames * out_ba as u64,
    };
    check_fmt(layout, header, out_channels, map.is_some())?;

    let mut plan = Vec::with_capacity(layout.len());
    let mut audio_count = 0;
    for entry in layout {
        match entry {
            OutChunk::Copy(chunk) => {
                if &chunk.id == b"ds64" {
                    continue;
                }
                if chunk.payload_offset().saturating_add(chunk.size) > header.file_len {
                    return Err(WavError::Layout(format!(
                        "copied {} chunk at offset {} runs past the end of the source",
                        chunk.id_str(),
                        chunk.offset
                    )));
                }
                plan.push(Planned {
                    id: chunk.id,
                    size: chunk.size,
                    source: entry,
                });
            }
            OutChunk::New { id, payload } => {
                plan.push(Planned {
                    id: *id,
                    size: payload.len() as u64,
                    source: entry,
                });
            }
            OutChunk::Audio => {
                audio_count += 1;
                plan.push(Planned {
                    id: *b"data",
                    size: audio_size,
                    source: entry,
                });
            }
        }
    }
    if audio_count != 1 {
        return Err(WavError::Layout(format!(
            "the layout must hold the audio exactly once, not {audio_count} times"
        )));
    }

    // Sizes are known: choose the container.
    let big = |s: u64| s >= u64::from(SIZE_IN_DS64);
    let mut body: u64 = 4 + plan.iter().map(|p| 8 + p.size + (p.size & 1)).sum::<u64>();
    let need64 = 8 + body > opts.rf64_threshold || big(body) || plan.iter().any(|p| big(p.size));
    let container = match (need64, header.container) {
        (_, Container::Bw64) => Container::Bw64,
        (true, _) | (_, Container::Rf64) => Container::Rf64,
        (false, Container::Riff) => Container::Riff,
    };
    let table: Vec<([u8; 4], u64)> = plan
        .iter()
        .filter(|p| !matches!(p.source, OutChunk::Audio) && big(p.size))
        .map(|p| (p.id, p.size))
        .collect();
    let ds64_size = 28 + 12 * table.len() as u64;
    if container.is_64() {
        body += 8 + ds64_size;
    }

    let mut out = Counting {
        inner: BufWriter::with_capacity(COPY_BLOCK, out),
        count: 0,
    };
    let mut head = Vec::with_capacity(12 + 8 + ds64_size as usize);
    head.extend_from_slice(&container.magic());
    if container.is_64() {
        head.extend_from_slice(&SIZE_IN_DS64.to_le_bytes());
    } else {
        head.extend_from_slice(&(body as u32).to_le_bytes());
    }
    head.extend_from_slice(b"WAVE");
    if container.is_64() {
        head.extend_from_slice(b"ds64");
        head.extend_from_slice(&(ds64_size as u32).to_le_bytes());
        head.extend_from_slice(&body.to_le_bytes());
        head.extend_from_slice(&audio_size.to_le_bytes());
        head.extend_from_slice(&(audio_size / out_ba as u64).to_le_bytes());
        head.extend_from_slice(&(table.len() as u32).to_le_bytes());
        for (id, size) in &table {
            head.extend_from_slice(id);
            head.extend_from_slice(&size.to_le_bytes());
        }
    }
    out.write_all(&head)?;

    let mut copy_buf = Vec::new();
    for p in &plan {
        let is_audio = matches!(p.source, OutChunk::Audio);
        let field = if container.is_64() && (is_audio || big(p.size)) {
            SIZE_IN_DS64
        } else {
            p.size as u32
        };
        let mut ch = [0u8; 8];
        ch[..4].copy_from_slice(&p.id);
        ch[4..].copy_from_slice(&field.to_le_bytes());
        out.write_all(&ch)?;
        match p.source {
            OutChunk::Copy(chunk) => {
                if copy_buf.is_empty() {
                    copy_buf = vec![0u8; COPY_BLOCK];
                }
                src.seek(SeekFrom::Start(chunk.payload_offset()))?;
                copy_bytes(src, &mut out, chunk.size, &mut copy_buf)?;
            }
            OutChunk::New { payload, .. } => out.write_all(payload)?,
            OutChunk::Audio => {
                // A small file gets a buffer of its own size, not a whole block.
                let frames_per_block = (opts.block_bytes / src_ba)
                    .min(usize::try_from(src_frames).unwrap_or(usize::MAX))
                    .max(1);
                let mut in_buf = vec![0u8; frames_per_block * src_ba];
                let mut out_buf = match offsets {
                    Some(_) => vec![0u8; frames_per_block * out_ba],
                    None => Vec::new(),
                };
                src.seek(SeekFrom::Start(data.payload_offset()))?;
                let mut left = src_frames;
                while left > 0 {
                    let n =
                        usize::try_from(left).map_or(frames_per_block, |l| l.min(frames_per_block));
                    let block = &mut in_buf[..n * src_ba];
                    src.read_exact(block)?;
                    let written: &[u8] = match &offsets {
                        None => block,
                        Some(offs) => {
                            let relaid = &mut out_buf[..n * out_ba];
                            permute(bps, block, src_ba, offs, relaid);
                            relaid
                        }
                    };
                    tap.audio(written);
                    out.write_all(written)?;
                    left -= n as u64;
                }
                if offsets.is_none() {
                    // A trailing partial frame is copied verbatim.
                    let partial = data.size - src_frames * src_ba as u64;
                    copy_bytes(src, &mut out, partial, &mut in_buf)?;
                }
            }
        }
        if p.size % 2 == 1 {
            out.write_all(&[0])?;
        }
    }
    out.flush()?;
    Ok(WriteReport {
        container,
        bytes_written: out.count,
        frames: src_frames,
    })
}

/// Copies a file byte for byte (a take no step changed and that needs no recovery), showing its
/// whole frames of audio to `tap` on the way. Returns what was written.
pub fn copy_verbatim<R: Read + Seek, W: Write>(
    src: &mut R,
    header: &Header,
    out: &mut W,
    opts: &WriteOptions,
    tap: &mut dyn AudioTap,
) -> Result<WriteReport, WavError> {
    let ba = usize::from(header.fmt.block_align).max(1);
    let data = header.data();
    let frames = data.size / ba as u64;
    let audio_start = data.payload_offset();
    let audio_end = audio_start + frames * ba as u64;
    let frames_per_block = (opts.block_bytes / ba)
        .min(usize::try_from(frames).unwrap_or(usize::MAX))
        .max(1);
    let mut buf = vec![0u8; (frames_per_block * ba).max(COPY_BLOCK.min(opts.block_bytes))];
    let mut out = Counting {
        inner: out,
        count: 0,
    };
    src.seek(SeekFrom::Start(0))?;
    copy_bytes(src, &mut out, audio_start, &mut buf)?;
    let mut left = frames;
    while left > 0 {
        let n = usize::try_from(left).map_or(frames_per_block, |l| l.min(frames_per_block));
        let block = &mut buf[..n * ba];
        src.read_exact(block)?;
        tap.audio(block);
        out.write_all(block)?;
        left -= n as u64;
    }
    copy_bytes(src, &mut out, header.file_len - audio_end, &mut buf)?;
    out.flush()?;
    Ok(WriteReport {
        container: header.container,
        bytes_written: out.count,
        frames,
    })
}

/// Copies exactly `len` bytes from `src` to `out` through `buf`.
fn copy_bytes<R: Read, W: Write>(
    src: &mut R,
    out: &mut W,
    len: u64,
    buf: &mut [u8],
) -> Result<(), WavError> {
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
        let part = &mut buf[..n];
        src.read_exact(part)?;
        out.write_all(part)?;
        left -= n as u64;
    }
    Ok(())
}
