//! Reading a take's header and metadata, and describing it to steps.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use rollcall_ixml::Ixml;
use rollcall_sdk::{BextFields, DescriptionKey, FmtFacts, Take, Track};
use rollcall_wav::{
    read_header, read_payload, Bext, HeadReader, Header, SampleFormat, HEAD_BYTES,
    MAX_METADATA_CHUNK,
};

use crate::TakeError;

/// Largest `PEAK` payload read: 8 bytes of header and 8 per channel, for the channel limit.
const PEAK_LIMIT: u64 = 8 + 8 * rollcall_wav::MAX_CHANNELS as u64;

/// The start timecode of a take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timecode {
    /// `HH:MM:SS:FF` (`;` before the frames for drop frame); `HH:MM:SS.mmm` clock time when the
    /// file records no timecode rate.
    pub text: String,
    /// The iXML `TIMECODE_RATE` it was computed at (`24000/1001`); `None` when the file records none
    /// (never guessed).
    pub rate: Option<String>,
}

/// One source file's header and metadata, read without its audio.
#[derive(Clone, Debug)]
pub struct SourceTake {
    /// Where the file was read from.
    pub path: PathBuf,
    /// The container header: chunks, `fmt `, `data`.
    pub header: Header,
    /// Index into `header.chunks` of the `bext` chunk, when present.
    pub bext_chunk: Option<usize>,
    /// The parsed `bext`, when present.
    pub bext: Option<Bext>,
    /// Index into `header.chunks` of the `iXML` chunk, when present.
    pub ixml_chunk: Option<usize>,
    /// The parsed iXML, when present and readable.
    pub ixml: Option<Ixml>,
    /// Why the iXML chunk could not be read, when it is present but unreadable (its bytes are kept).
    pub ixml_error: Option<String>,
    /// The `PEAK` chunk's payload, when present (it moves with the channels on a re-layout).
    pub peak: Option<Vec<u8>>,
    /// Size of the file when read, to notice a source that changes before it is written.
    pub file_len: u64,
    /// Modification time when read, to notice a source that changes before it is written.
    pub modified: Option<std::time::SystemTime>,
}

impl SourceTake {
    /// Read a file's header and metadata chunks (never its audio).
    pub fn read(path: &Path) -> Result<SourceTake, TakeError> {
        // Opening a FIFO for reading blocks until a writer comes: look before opening.
        let kind = std::fs::metadata(path)?.file_type();
        if !kind.is_file() {
            use std::os::unix::fs::FileTypeExt;
            return Err(TakeError::NotAFile(if kind.is_dir() {
                "a folder"
            } else if kind.is_fifo() {
                "a named pipe"
            } else if kind.is_socket() {
                "a socket"
            } else {
                "a device"
            }));
        }
        let file = File::open(path)?;
        SourceTake::read_open(path, &file)
    }

    /// Read the header and metadata chunks of `path` through a handle the caller already opened (and
    /// keeps, to read the audio through the same handle).
    pub fn read_open(path: &Path, file: &File) -> Result<SourceTake, TakeError> {
        let meta = file.metadata()?;
        let reader = HeadReader::new(file, meta.len(), HEAD_BYTES)?;
        SourceTake::read_from(path, reader, meta.len(), meta.modified().ok())
    }

    /// Read a take held in memory, as if it were the file `path` (which is not opened).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<SourceTake, TakeError> {
        SourceTake::read_from(path, Cursor::new(bytes), bytes.len() as u64, None)
    }

    /// Read the header and metadata chunks from `reader`, a file of `len` bytes named `path`.
    fn read_from<R: Read + Seek>(
        path: &Path,
        mut reader: R,
        len: u64,
        modified: Option<std::time::SystemTime>,
    ) -> Result<SourceTake, TakeError> {
        let header = read_header(&mut reader)?;
        let bext_chunk = header.chunks.iter().position(|c| &c.id == b"bext");
        let bext = match bext_chunk.and_then(|i| header.chunks.get(i)) {
            Some(chunk) => Some(Bext::parse(&read_payload(
                &mut reader,
                chunk,
                MAX_METADATA_CHUNK,
            )?)?),
            None => None,
        };
        let ixml_chunk = header.chunks.iter().position(|c| &c.id == b"iXML");
        let (ixml, ixml_error) = match ixml_chunk.and_then(|i| header.chunks.get(i)) {
            Some(chunk) => {
                let payload = read_payload(&mut reader, chunk, MAX_METADATA_CHUNK)?;
                match Ixml::parse(&payload) {
                    Ok(doc) => (Some(doc), None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
            None => (None, None),
        };
        let peak = match header.find(b"PEAK") {
            Some(chunk) => Some(read_payload(&mut reader, chunk, PEAK_LIMIT)?),
            None => None,
        };
        Ok(SourceTake {
            path: path.to_path_buf(),
            header,
            bext_chunk,
            bext,
            ixml_chunk,
            ixml,
            ixml_error,
            peak,
            file_len: len,
            modified,
        })
    }

    /// The parsed `KEY=value` lines of the bext description.
    pub fn description(&self) -> Vec<DescriptionKey> {
        match &self.bext {
            Some(bext) => rollcall_wav::parse_description(&bext.description)
                .into_iter()
                .map(|line| DescriptionKey::new(&line.prefix, &line.key, &line.value))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The tracks in interleave order: from iXML `TRACK_LIST` when it describes every channel, else
    /// from the bext `TRKn`/`TRn` lines, else unnamed.
    pub fn tracks(&self) -> Vec<Track> {
        let channels = u32::from(self.header.fmt.channels);
        let mut tracks: Vec<Track> = (1..=channels).map(|i| Track::new(i, None)).collect();
        let description = self.description();
        for key in &description {
            let number = key
                .key
                .strip_prefix("TRK")
                .or_else(|| key.key.strip_prefix("TR"))
                .and_then(|n| n.parse::<u32>().ok());
            if let Some(track) = number
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| tracks.get_mut(n as usize))
            {
                if track.name.is_none() {
                    track.name = Some(key.value.trim().to_string());
                }
            }
        }
        if let Some(ixml) = &self.ixml {
            for (position, ixml_track) in ixml.tracks().into_iter().enumerate() {
                let interleave = ixml_track.interleave_index.unwrap_or(position as u32 + 1);
                let Some(track) = interleave
                    .checked_sub(1)
                    .and_then(|n| tracks.get_mut(n as usize))
                else {
                    continue;
                };
                track.channel_index = ixml_track.channel_index;
                if let Some(name) = ixml_track.name {
                    track.name = Some(name);
                }
                track.function = ixml_track.function;
            }
        }
        tracks
    }

    /// Describe this take to a step: file name, folder, fmt facts, bext, iXML, tracks and the vars.
    pub fn describe(&self, folder: &str, vars: &BTreeMap<String, String>) -> Take {
        let fmt = &self.header.fmt;
        let source_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut take = Take::named(&source_name);
        take.folder = folder.to_string();
        take.fmt = FmtFacts::new(
            fmt.channels,
            fmt.sample_rate,
            fmt.bits_per_sample,
            self.header.frames(),
        );
        take.fmt.float = fmt.sample_format() == SampleFormat::Float;
        take.bext = self.bext.as_ref().map(|b| {
            let mut fields = BextFields::default();
            fields.description = b.description.clone();
            fields.originator = b.originator.clone();
            fields.originator_reference = b.originator_reference.clone();
            fields.origination_date = b.origination_date.clone();
            fields.origination_time = b.origination_time.clone();
            fields.time_reference = b.time_reference;
            fields.version = b.version;
            fields.coding_history = b.coding_history.clone();
            fields
        });
        take.description = self.description();
        take.ixml = self.ixml.as_ref().map(Ixml::leaf_values);
        take.tracks = self.tracks();
        take.vars = vars.clone();
        take.chunk_ids = self.header.chunks.iter().map(|c| c.id_str()).collect();
        take.facts.insert(
            rollcall_sdk::FACT_PATH.to_string(),
            self.path.display().to_string(),
        );
        if let Some(recovery) = &self.header.recovery {
            take.facts.insert(
                rollcall_sdk::FACT_RECOVERED.to_string(),
                recovery.describe(fmt.block_align),
            );
        }
        take
    }

    /// A metadata field: iXML first (when non-empty), then the bext description key.
    pub fn field(&self, name: &str) -> Option<String> {
        if let Some(value) = self.ixml.as_ref().and_then(|x| x.get(name)) {
            if !value.trim().is_empty() {
                return Some(value.trim().to_string());
            }
        }
        self.description()
            .into_iter()
            .find(|k| k.key.eq_ignore_ascii_case(name))
            .map(|k| k.value.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The start timecode: samples since midnight from iXML (else bext time reference) at the iXML
    /// `TIMECODE_RATE` (else 25 fps when only bext is known).
    pub fn start_timecode(&self) -> Option<Timecode> {
        let ixml = self.ixml.as_ref();
        let get = |path: &str| ixml.and_then(|x| x.get(path)).filter(|v| !v.is_empty());
        let samples = match (
            get("SPEED/TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI"),
            get("SPEED/TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO"),
        ) {
            (Some(hi), Some(lo)) => {
                let hi: u64 = hi.trim().parse().ok()?;
                let lo: u64 = lo.trim().parse().ok()?;
                Some((hi << 32) | lo)
            }
            _ => self.bext.as_ref().map(|b| b.time_reference),
        }?;
        let sample_rate = get("SPEED/TIMESTAMP_SAMPLE_RATE")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(self.header.fmt.sample_rate);
        let Some(rate) = get("SPEED/TIMECODE_RATE") else {
            // No rate recorded: the start as clock time, never a guessed frame count.
            if sample_rate == 0 {
                return None;
            }
            let millis = samples.checked_mul(1000)? / u64::from(sample_rate);
            let text = format!(
                "{:02}:{:02}:{:02}.{:03}",
                millis / 3_600_000,
                millis / 60_000 % 60,
                millis / 1000 % 60,
                millis % 1000
            );
            return Some(Timecode { text, rate: None });
        };
        let drop_frame = get("SPEED/TIMECODE_FLAG")
            .map(|f| f.trim().eq_ignore_ascii_case("DF"))
            .unwrap_or(false);
        let text = rollcall_ixml::format_timecode(samples, sample_rate, rate.trim(), drop_frame)?;
        Some(Timecode {
            text,
            rate: Some(rate.trim().to_string()),
        })
    }
}
