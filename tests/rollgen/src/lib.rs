//! Synthetic production-sound Broadcast WAV files, written the way real set recorders write them.
//!
//! This crate is deliberately independent of the rollcall pipeline crates: it has its own tiny RIFF
//! writer, so files it writes are an outside check on the reader and the engine. Three recorder
//! styles are modelled on the real files in `shared/corpus` (metadata style, not bytes):
//!
//! - [`RecorderStyle::SoundDevices`] (a 7/8-series poly file): chunks `bext iXML fmt data`; bext v1
//!   with `sSCENE=`-style description lines, a 256-byte coding history field; iXML tab-indented with
//!   CRLF line ends and padded with spaces to [`SOUND_DEVICES_IXML_SIZE`].
//! - [`RecorderStyle::Zoom`] (an F8 poly file): chunks `bext iXML fmt PAD data`; bext description
//!   lines without a prefix (`SCENE=`, `TR1=`), a 512-byte coding history field; iXML padded with NUL
//!   bytes to [`ZOOM_IXML_SIZE`]; the `PAD ` chunk makes the audio start at a multiple of
//!   [`ZOOM_DATA_ALIGN`] (128 KiB, as the real F8 does).
//! - [`RecorderStyle::Metacorder`]: chunks `bext fmt data iXML iXTC`; bext v0 with `gSCENE=` lines
//!   and a `YYYY:MM:DD` date; iXML after the audio, ended by CRLF and 1024 spaces; a 20-byte `iXTC`.
//!
//! Output is a pure function of the [`TakeSpec`] and the file name: no clock, no randomness other
//! than the spec's seed. Audio is streamed, so long multichannel files cost no memory.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Which real recorder's metadata style a file imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecorderStyle {
    /// Sound Devices 7/8-series poly file (`sSCENE=` bext lines, space-padded iXML before the audio).
    SoundDevices,
    /// Zoom F8 poly file (`SCENE=` bext lines, NUL-padded iXML, `PAD ` chunk aligning the audio).
    Zoom,
    /// Gallery Metacorder file (`gSCENE=` bext lines, iXML and iXTC after the audio).
    Metacorder,
}

/// Everything that defines one synthetic take file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeSpec {
    /// Recorder style to imitate.
    pub style: RecorderStyle,
    /// iXML `PROJECT` (and Sound Devices `sPROJECT=`).
    pub project: String,
    /// Slate scene, written verbatim (e.g. `24A`).
    pub scene: String,
    /// Slate take, written verbatim (Zoom writes `001`, Metacorder `01`, Sound Devices `1`).
    pub take: String,
    /// Tape (roll) name.
    pub tape: String,
    /// Circled (print) take.
    pub circled: bool,
    /// Take note.
    pub note: String,
    /// Tracks in interleave order; the file has one channel per track.
    pub tracks: Vec<TrackSpec>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Bits per sample: 16, 24 or 32 (integer PCM).
    pub bits: u16,
    /// Number of sample frames.
    pub frames: u64,
    /// Timecode rate as a fraction, e.g. `(24000, 1001)`.
    pub timecode_rate: (u32, u32),
    /// Start time in samples since midnight (bext time reference).
    pub start_samples: u64,
    /// iXML `FILE_UID` (Sound Devices also uses it as the bext originator reference).
    pub file_uid: String,
    /// Seed of the audio and of every derived value; see [`sample`].
    pub seed: u64,
    /// iXML `PRE_RECORD_SAMPLECOUNT`: Sound Devices and Zoom write it only when set; Metacorder
    /// always writes it (a quarter of the take when not set).
    pub pre_roll: Option<u64>,
    /// Marked wild (iXML `WILD_TRACK` TRUE); Sound Devices writes FALSE otherwise.
    pub wild: bool,
}

/// One recorder track of a take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSpec {
    /// The recorder's track number (iXML `CHANNEL_INDEX`, 1-based).
    pub channel_index: u32,
    /// Track name as the mixer typed it on the recorder.
    pub name: String,
    /// Optional iXML `FUNCTION` (e.g. `L-MIX`).
    pub function: Option<String>,
}

impl TrackSpec {
    /// A track with a channel index and a name, no `FUNCTION`.
    pub fn new(channel_index: u32, name: &str) -> TrackSpec {
        TrackSpec {
            channel_index,
            name: name.to_string(),
            function: None,
        }
    }
}

impl TakeSpec {
    /// A take with common defaults: 48 kHz, 24 bit, 0.1 s, 23.976 fps, 10:00:00 start, project `ROLLGEN`.
    pub fn new(style: RecorderStyle, scene: &str, take: &str, tracks: Vec<TrackSpec>) -> TakeSpec {
        TakeSpec {
            style,
            project: "ROLLGEN".to_string(),
            scene: scene.to_string(),
            take: take.to_string(),
            tape: "ROLL01".to_string(),
            circled: false,
            note: String::new(),
            tracks,
            sample_rate: 48_000,
            bits: 24,
            frames: 4_800,
            timecode_rate: (24_000, 1_001),
            start_samples: 10 * 3600 * 48_000,
            file_uid: format!("ROLLGEN{scene}T{take}"),
            seed: 1,
            pre_roll: None,
            wild: false,
        }
    }

    /// Number of audio channels (one per track).
    pub fn channels(&self) -> usize {
        self.tracks.len()
    }
}

/// Size of a Sound Devices iXML chunk body (space-padded; grows in 4 KiB steps if the text is longer).
pub const SOUND_DEVICES_IXML_SIZE: usize = 8192;
/// Size of a Zoom iXML chunk body (NUL-padded, as the real F8; grows in 1 KiB steps if needed).
pub const ZOOM_IXML_SIZE: usize = 5226;
/// Zoom files pad so that the `data` payload starts at a multiple of this (the real F8: 128 KiB).
pub const ZOOM_DATA_ALIGN: u64 = 128 * 1024;
/// Spaces a Metacorder iXML ends with, after `</BWFXML>` and CRLF.
pub const METACORDER_IXML_TAIL: usize = 1024;

/// The deterministic sample value written for `channel` (0-based interleave position) at `frame`.
///
/// A per-channel triangle tone (a different period per channel) plus seeded noise; always within
/// the 16-bit range, and written unchanged at every bit depth, so a reader of a 16-, 24- or 32-bit
/// file returns exactly this value. Channels differ, so a permutation error is detectable.
pub fn sample(spec_seed: u64, channel: u16, frame: u64) -> i32 {
    let ch = u64::from(channel);
    let period = 64 + 22 * ch;
    let phase = (frame.wrapping_add(spec_seed % period)) % period;
    let half = period / 2;
    // Triangle from -amp to +amp; the amplitude steps down per channel.
    let amp = 6000 - 500 * (ch % 8) as i64;
    let pos = if phase < half { phase } else { period - phase } as i64;
    let tri = (pos * 2 * amp) / half as i64 - amp;
    let h = splitmix64(
        spec_seed
            ^ ch.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ frame.wrapping_mul(0xD1B5_4A32_D192_ED03),
    );
    let noise = (h >> 54) as i64 - 512; // -512..511
    (tri + noise) as i32
}

/// SplitMix64 finaliser: a well-mixed 64-bit hash.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of a string, for values derived from names (dates, serials).
fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Writes one take file in the spec's recorder style; returns the number of bytes written.
///
/// The file name written into the metadata (`sFILENAME=`, `ORIGINAL_FILENAME`) is `path`'s name.
/// Fails with `InvalidInput` for no tracks, an unsupported bit depth, a zero sample or timecode
/// rate, or audio that would not fit a RIFF file (4 GiB).
pub fn write_take(path: &Path, spec: &TakeSpec) -> io::Result<u64> {
    let channels = u16::try_from(spec.channels())
        .ok()
        .filter(|c| *c > 0)
        .ok_or_else(|| invalid(format!("{} tracks: need 1 to 65535", spec.channels())))?;
    if !matches!(spec.bits, 16 | 24 | 32) {
        return Err(invalid(format!(
            "{} bits per sample: need 16, 24 or 32",
            spec.bits
        )));
    }
    if spec.sample_rate == 0 || spec.timecode_rate.0 == 0 || spec.timecode_rate.1 == 0 {
        return Err(invalid(
            "sample rate and timecode rate must be non-zero".into(),
        ));
    }
    let bytes_per_sample = u64::from(spec.bits / 8);
    let block_align = u64::from(channels) * bytes_per_sample;
    let data_size = spec
        .frames
        .checked_mul(block_align)
        .filter(|s| *s <= u64::from(u32::MAX) - 1024 * 1024)
        .ok_or_else(|| invalid("audio too large for a RIFF file".into()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();

    let fmt = fmt_chunk(spec, channels);
    let (before, after): (Vec<Vec<u8>>, Vec<Vec<u8>>) = match spec.style {
        RecorderStyle::SoundDevices => (
            vec![
                chunk(b"bext", &sound_devices_bext(spec, &file_name)),
                chunk(b"iXML", &sound_devices_ixml(spec, &file_name)),
                fmt,
            ],
            Vec::new(),
        ),
        RecorderStyle::Zoom => {
            let mut head = vec![
                chunk(b"bext", &zoom_bext(spec)),
                chunk(b"iXML", &zoom_ixml(spec, &file_name)),
                fmt,
            ];
            // RIFF header (12) + chunks so far + PAD header (8) + data header (8).
            let used = 12 + head.iter().map(|c| c.len() as u64).sum::<u64>() + 16;
            let mut pad = (ZOOM_DATA_ALIGN - used % ZOOM_DATA_ALIGN) % ZOOM_DATA_ALIGN;
            if pad % 2 == 1 {
                pad += ZOOM_DATA_ALIGN; // never happens with even chunks; keeps the body even anyway
            }
            head.push(chunk(b"PAD ", &vec![0u8; pad as usize]));
            (head, Vec::new())
        }
        RecorderStyle::Metacorder => (
            vec![chunk(b"bext", &metacorder_bext(spec)), fmt],
            vec![
                chunk(b"iXML", &metacorder_ixml(spec, &file_name)),
                chunk(b"iXTC", &metacorder_ixtc(spec)),
            ],
        ),
    };

    let data_padded = data_size + data_size % 2;
    let riff_size = 4
        + before.iter().map(|c| c.len() as u64).sum::<u64>()
        + 8
        + data_padded
        + after.iter().map(|c| c.len() as u64).sum::<u64>();
    let riff_size32 =
        u32::try_from(riff_size).map_err(|_| invalid("file too large for RIFF".into()))?;
    let data_size32 =
        u32::try_from(data_size).map_err(|_| invalid("audio too large for RIFF".into()))?;

    let mut out = BufWriter::with_capacity(256 * 1024, File::create(path)?);
    out.write_all(b"RIFF")?;
    out.write_all(&riff_size32.to_le_bytes())?;
    out.write_all(b"WAVE")?;
    for c in &before {
        out.write_all(c)?;
    }
    out.write_all(b"data")?;
    out.write_all(&data_size32.to_le_bytes())?;
    write_audio(&mut out, spec, channels)?;
    if data_size % 2 == 1 {
        out.write_all(&[0])?;
    }
    for c in &after {
        out.write_all(c)?;
    }
    out.flush()?;
    Ok(riff_size + 8)
}

/// Streams the interleaved samples in blocks.
fn write_audio<W: Write>(out: &mut W, spec: &TakeSpec, channels: u16) -> io::Result<()> {
    const BLOCK_FRAMES: u64 = 4096;
    let width = usize::from(spec.bits / 8);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK_FRAMES as usize * usize::from(channels) * 4);
    let mut frame = 0u64;
    while frame < spec.frames {
        let end = spec.frames.min(frame + BLOCK_FRAMES);
        buf.clear();
        for f in frame..end {
            for ch in 0..channels {
                let v = sample(spec.seed, ch, f).to_le_bytes();
                buf.extend(v.iter().take(width));
            }
        }
        out.write_all(&buf)?;
        frame = end;
    }
    Ok(())
}

/// A chunk: id, little-endian size, body, and the pad byte when the body is odd.
fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(body.len() + 9);
    c.extend_from_slice(id);
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// A 16-byte `WAVE_FORMAT_PCM` fmt chunk, as all three recorders write.
fn fmt_chunk(spec: &TakeSpec, channels: u16) -> Vec<u8> {
    let block_align = channels * (spec.bits / 8);
    let mut b = Vec::with_capacity(16);
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&spec.sample_rate.to_le_bytes());
    b.extend_from_slice(&(spec.sample_rate.wrapping_mul(u32::from(block_align))).to_le_bytes());
    b.extend_from_slice(&block_align.to_le_bytes());
    b.extend_from_slice(&spec.bits.to_le_bytes());
    chunk(b"fmt ", &b)
}

/// Fixed fields of a bext chunk.
struct BextFields<'a> {
    description: String,
    originator: &'a str,
    originator_reference: &'a str,
    date: String,
    time: String,
    time_reference: u64,
    version: u16,
    coding_history: Vec<u8>,
}

/// bext text is ASCII (EBU Tech 3285): anything else becomes `?`.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// Joins `KEY=value\r\n` lines, keeping only whole lines that fit the 256-byte description.
fn description(lines: &[String]) -> String {
    let mut d = String::new();
    for line in lines {
        let l = format!("{}\r\n", ascii(line));
        if d.len() + l.len() > 256 {
            break;
        }
        d.push_str(&l);
    }
    d
}

fn fixed(s: &[u8], len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = s.iter().copied().take(len).collect();
    v.resize(len, 0);
    v
}

fn bext_body(f: &BextFields) -> Vec<u8> {
    let mut b = Vec::with_capacity(602 + f.coding_history.len());
    b.extend(fixed(f.description.as_bytes(), 256));
    b.extend(fixed(ascii(f.originator).as_bytes(), 32));
    b.extend(fixed(ascii(f.originator_reference).as_bytes(), 32));
    b.extend(fixed(f.date.as_bytes(), 10));
    b.extend(fixed(f.time.as_bytes(), 8));
    b.extend_from_slice(&f.time_reference.to_le_bytes());
    b.extend_from_slice(&f.version.to_le_bytes());
    b.extend_from_slice(&[0u8; 64]); // UMID: none, as the real recorders
    b.extend_from_slice(&[0u8; 190]); // loudness (v1) / reserved
    b.extend_from_slice(&f.coding_history);
    b
}

/// The shoot day of a roll, derived from the tape name: (year, month, day).
fn shoot_date(spec: &TakeSpec) -> (u32, u32, u32) {
    tape_date(&spec.tape)
}

/// The shoot day of the roll named `tape`: (year, month, day).
fn tape_date(tape: &str) -> (u32, u32, u32) {
    let h = name_hash(tape);
    (2024, 1 + (h % 12) as u32, 1 + ((h >> 8) % 28) as u32)
}

/// Time of day of the start, `HH:MM:SS`.
fn start_time(spec: &TakeSpec, sep: char) -> String {
    let secs = (spec.start_samples / u64::from(spec.sample_rate.max(1))) % 86_400;
    format!(
        "{:02}{sep}{:02}{sep}{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Frames per second in thousandths, rounded down (24000/1001 -> 23976).
fn fps_milli(spec: &TakeSpec) -> u64 {
    u64::from(spec.timecode_rate.0) * 1000 / u64::from(spec.timecode_rate.1.max(1))
}

fn timecode_rate(spec: &TakeSpec) -> String {
    format!("{}/{}", spec.timecode_rate.0, spec.timecode_rate.1)
}

fn circled(spec: &TakeSpec) -> &'static str {
    if spec.circled {
        "TRUE"
    } else {
        "FALSE"
    }
}

/// The file set's family UID: the file UID with its last character replaced by `0`.
fn family_uid(spec: &TakeSpec) -> String {
    let mut u = spec.file_uid.clone();
    if u.pop().is_some() {
        u.push('0');
    }
    u
}

/// Sound Devices user bits: shoot date `MMDDYY` and the take number, as the 7-series writes them.
fn sound_devices_ubits(spec: &TakeSpec) -> String {
    let (y, m, d) = shoot_date(spec);
    let take: u32 = spec
        .take
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    format!("{m:02}{d:02}{:02}{:02}", y % 100, take % 100)
}

fn mode(spec: &TakeSpec) -> &'static str {
    match spec.channels() {
        1 => "mono",
        2 => "stereo",
        _ => "poly",
    }
}

/// Originator of the Sound Devices style: model and serial, as the real `Sound Dev: 702T S#...`.
const SOUND_DEVICES_ORIGINATOR: &str = "Sound Dev: 888 S#HX0419230117";
/// Sound Devices firmware version written as `sSWVER=`.
const SOUND_DEVICES_SWVER: &str = "7.50";

fn sound_devices_bext(spec: &TakeSpec, file_name: &str) -> Vec<u8> {
    let fps = fps_milli(spec);
    let mut lines = vec![
        format!("sSPEED={:03}.{:03}-ND", fps / 1000, fps % 1000),
        format!("sTAKE={}", spec.take),
        format!("sUBITS=${}", sound_devices_ubits(spec)),
        format!("sSWVER={SOUND_DEVICES_SWVER}"),
        format!("sPROJECT={}", spec.project),
        format!("sSCENE={}", spec.scene),
        format!("sFILENAME={file_name}"),
        format!("sTAPE={}", spec.tape),
    ];
    for (i, t) in spec.tracks.iter().enumerate() {
        lines.push(format!("sTRK{}={}", i + 1, t.name));
    }
    lines.push(format!("sNOTE={}", spec.note));
    let (y, m, d) = shoot_date(spec);
    let history = format!(
        "A=PCM,F={},W={},M={},R={},T={} Ch\r\n",
        spec.sample_rate,
        spec.bits,
        mode(spec),
        spec.sample_rate,
        spec.channels()
    );
    bext_body(&BextFields {
        description: description(&lines),
        originator: SOUND_DEVICES_ORIGINATOR,
        originator_reference: &spec.file_uid,
        date: format!("{y:04}-{m:02}-{d:02}"),
        time: start_time(spec, ':'),
        time_reference: spec.start_samples,
        version: 1,
        coding_history: fixed(history.as_bytes(), 256),
    })
}

fn zoom_bext(spec: &TakeSpec) -> Vec<u8> {
    let fps = fps_milli(spec);
    let mut lines = vec![
        format!("SPEED={}.{:03}ND", fps / 1000, fps % 1000),
        format!("TAKE={}", spec.take),
        "UBITS=00000000".to_string(),
        format!("SCENE={}", spec.scene),
        format!("TAPE={}", spec.tape),
        format!("CIRCLED={}", circled(spec)),
    ];
    for (i, t) in spec.tracks.iter().enumerate() {
        lines.push(format!("TR{}={}", i + 1, t.name));
    }
    lines.push(format!("NOTE={}", spec.note));
    let (y, m, d) = shoot_date(spec);
    let mut history = format!(
        "A=PCM,F={},W={},M={},T=F8;VERSION=1.10;",
        spec.sample_rate,
        spec.bits,
        mode(spec)
    );
    for t in &spec.tracks {
        history.push_str(&format!("{}:1 0 0 CNTR - 30;", t.channel_index));
    }
    history.push_str("FaderOffset=  00   00   00   00   00   00   00   00;");
    bext_body(&BextFields {
        description: description(&lines),
        originator: "ZOOM F8",
        originator_reference: "",
        date: format!("{y:04}-{m:02}-{d:02}"),
        time: start_time(spec, ':'),
        time_reference: spec.start_samples,
        version: 1,
        coding_history: fixed(history.as_bytes(), 512),
    })
}

fn metacorder_bext(spec: &TakeSpec) -> Vec<u8> {
    let lines = vec![
        format!("gSCENE={}", spec.scene),
        format!("gTAKE={}", spec.take),
        format!("gTAPE={}", spec.tape),
        format!("gNOTE={}", spec.note),
        "gUBITS=00000000".to_string(),
    ];
    let (y, m, d) = shoot_date(spec);
    bext_body(&BextFields {
        description: description(&lines),
        originator: "Metacorder",
        originator_reference: "",
        date: format!("{y:04}:{m:02}:{d:02}"),
        time: start_time(spec, ':'),
        time_reference: spec.start_samples,
        version: 0,
        coding_history: vec![0u8; 256],
    })
}

/// XML text escaping for element content.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            _ => o.push(c),
        }
    }
    o
}

/// Builds tab-indented, CRLF-terminated iXML as all three recorders write it.
struct IxmlText {
    text: String,
    depth: usize,
}

impl IxmlText {
    fn new(version: &str) -> IxmlText {
        let mut x = IxmlText {
            text: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<BWFXML>\r\n".to_string(),
            depth: 1,
        };
        x.el("IXML_VERSION", version);
        x
    }
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.text.push('\t');
        }
    }
    fn el(&mut self, name: &str, value: &str) {
        self.indent();
        self.text
            .push_str(&format!("<{name}>{}</{name}>\r\n", esc(value)));
    }
    fn open(&mut self, name: &str) {
        self.indent();
        self.text.push_str(&format!("<{name}>\r\n"));
        self.depth += 1;
    }
    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.text.push_str(&format!("</{name}>\r\n"));
    }
    fn track_list(&mut self, spec: &TakeSpec) {
        self.open("TRACK_LIST");
        self.el("TRACK_COUNT", &spec.channels().to_string());
        for (i, t) in spec.tracks.iter().enumerate() {
            self.open("TRACK");
            self.el("CHANNEL_INDEX", &t.channel_index.to_string());
            self.el("INTERLEAVE_INDEX", &(i + 1).to_string());
            self.el("NAME", &t.name);
            if let Some(f) = &t.function {
                self.el("FUNCTION", f);
            }
            self.close("TRACK");
        }
        self.close("TRACK_LIST");
    }
    /// Ends the document: `</BWFXML>` without a line end (Sound Devices, Zoom).
    fn finish(mut self) -> Vec<u8> {
        self.text.push_str("</BWFXML>");
        self.text.into_bytes()
    }
}

fn timestamp_hi_lo(spec: &TakeSpec) -> (String, String) {
    (
        format!("{:010}", spec.start_samples >> 32),
        format!("{:010}", spec.start_samples & 0xFFFF_FFFF),
    )
}

/// Pads `body` with `fill` to `size`, or to the next multiple of `step` above its length.
fn pad_to(mut body: Vec<u8>, fill: u8, size: usize, step: usize) -> Vec<u8> {
    let target = if body.len() <= size {
        size
    } else {
        body.len().div_ceil(step) * step
    };
    body.resize(target, fill);
    body
}

fn sound_devices_ixml(spec: &TakeSpec, file_name: &str) -> Vec<u8> {
    let (hi, lo) = timestamp_hi_lo(spec);
    let rate = timecode_rate(spec);
    let (y, m, d) = shoot_date(spec);
    let mut x = IxmlText::new("1.61");
    x.el("PROJECT", &spec.project);
    x.el("SCENE", &spec.scene);
    x.el("TAKE", &spec.take);
    x.el("TAPE", &spec.tape);
    x.el("UBITS", &sound_devices_ubits(spec));
    x.el("FILE_UID", &spec.file_uid);
    x.el("NOTE", &spec.note);
    x.el("CIRCLED", circled(spec));
    x.el("WILD_TRACK", if spec.wild { "TRUE" } else { "FALSE" });
    if let Some(pre_roll) = spec.pre_roll {
        x.el("PRE_RECORD_SAMPLECOUNT", &pre_roll.to_string());
    }
    x.open("SPEED");
    x.el("NOTE", "");
    x.el("MASTER_SPEED", &rate);
    x.el("CURRENT_SPEED", &rate);
    x.el("TIMECODE_FLAG", "NDF");
    x.el("TIMECODE_RATE", &rate);
    x.el("FILE_SAMPLE_RATE", &spec.sample_rate.to_string());
    x.el("AUDIO_BIT_DEPTH", &spec.bits.to_string());
    x.el("DIGITIZER_SAMPLE_RATE", &spec.sample_rate.to_string());
    x.el("TIMESTAMP_SAMPLE_RATE", &spec.sample_rate.to_string());
    x.el("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI", &hi);
    x.el("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO", &lo);
    x.close("SPEED");
    x.open("HISTORY");
    x.el("ORIGINAL_FILENAME", file_name);
    x.el("CURRENT_FILENAME", file_name);
    x.el("PARENT_FILENAME", "");
    x.el("PARENT_UID", "");
    x.close("HISTORY");
    x.open("FILE_SET");
    x.el("TOTAL_FILES", "1");
    x.el("FAMILY_UID", &family_uid(spec));
    x.el("FILE_SET_INDEX", "A");
    x.close("FILE_SET");
    x.track_list(spec);
    x.open("BEXT");
    x.el("BWF_ORIGINATOR", SOUND_DEVICES_ORIGINATOR);
    x.el("BWF_ORIGINATOR_REFERENCE", &spec.file_uid);
    x.el("BWF_ORIGINATION_DATE", &format!("{y:04}-{m:02}-{d:02}"));
    x.el("BWF_ORIGINATION_TIME", &start_time(spec, ':'));
    x.el(
        "BWF_TIME_REFERENCE_LOW",
        &(spec.start_samples & 0xFFFF_FFFF).to_string(),
    );
    x.el(
        "BWF_TIME_REFERENCE_HIGH",
        &(spec.start_samples >> 32).to_string(),
    );
    x.el("BWF_VERSION", "1");
    x.close("BEXT");
    x.el("USER", "");
    pad_to(x.finish(), b' ', SOUND_DEVICES_IXML_SIZE, 4096)
}

fn zoom_ixml(spec: &TakeSpec, file_name: &str) -> Vec<u8> {
    let (hi, lo) = timestamp_hi_lo(spec);
    let rate = timecode_rate(spec);
    let mut x = IxmlText::new("1.62");
    x.el("PROJECT", &spec.project);
    x.el("SCENE", &spec.scene);
    x.el("TAKE", &spec.take);
    x.el("TAPE", &spec.tape);
    x.el("CIRCLED", circled(spec));
    x.el("FILE_UID", &spec.file_uid);
    x.el("UBITS", "00000000");
    x.el("NOTE", &spec.note);
    if spec.wild {
        x.el("WILD_TRACK", "TRUE");
    }
    if let Some(pre_roll) = spec.pre_roll {
        x.el("PRE_RECORD_SAMPLECOUNT", &pre_roll.to_string());
    }
    x.open("SPEED");
    x.el("NOTE", "");
    x.el("MASTER_SPEED", &rate);
    x.el("CURRENT_SPEED", &rate);
    x.el("TIMECODE_RATE", &rate);
    x.el("TIMECODE_FLAG", "NDF");
    x.el("FILE_SAMPLE_RATE", &spec.sample_rate.to_string());
    x.el("AUDIO_BIT_DEPTH", &spec.bits.to_string());
    x.el("DIGITIZER_SAMPLE_RATE", &spec.sample_rate.to_string());
    x.el("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI", &hi);
    x.el("TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO", &lo);
    x.el("TIMESTAMP_SAMPLE_RATE", &spec.sample_rate.to_string());
    x.close("SPEED");
    x.open("HISTORY");
    x.el("ORIGINAL_FILENAME", file_name);
    x.close("HISTORY");
    x.open("FILE_SET");
    x.el("TOTAL_FILES", "1");
    x.el("FAMILY_UID", &family_uid(spec));
    x.el("FILE_SET_INDEX", "A");
    x.close("FILE_SET");
    x.track_list(spec);
    pad_to(x.finish(), 0, ZOOM_IXML_SIZE, 1024)
}

fn metacorder_ixml(spec: &TakeSpec, file_name: &str) -> Vec<u8> {
    let rate = timecode_rate(spec);
    let (y, m, d) = shoot_date(spec);
    let pre_roll = spec.pre_roll.unwrap_or(spec.frames / 4).to_string();
    let mut x = IxmlText::new("1.41");
    x.el("PROJECT", &spec.project);
    x.el("SCENE", &spec.scene);
    x.el("TAKE", &spec.take);
    x.el("TAPE", &spec.tape);
    x.el("PRE_RECORD_SAMPLECOUNT", &pre_roll);
    if spec.wild {
        x.el("WILD_TRACK", "TRUE");
    }
    x.el("CIRCLED", circled(spec));
    x.el("FILE_UID", &spec.file_uid);
    x.open("SPEED");
    x.el("MASTER_SPEED", &rate);
    x.el("CURRENT_SPEED", &rate);
    x.el("TIMECODE_RATE", &rate);
    x.el("TIMECODE_FLAG", "NDF");
    x.close("SPEED");
    x.el("UBITS", "00000000");
    x.open("SYNC_POINT_LIST");
    x.el("SYNC_POINT_COUNT", "1");
    x.open("SYNC_POINT");
    x.el("SYNC_POINT_TYPE", "RELATIVE");
    x.el("SYNC_POINT_FUNCTION", "PRE_RECORD_SAMPLECOUNT");
    x.el("SYNC_POINT_COMMENT", "REC-START");
    x.el("SYNC_POINT_LOW", &pre_roll);
    x.el("SYNC_POINT_HIGH", "0");
    x.close("SYNC_POINT");
    x.close("SYNC_POINT_LIST");
    x.el("NOTE", &spec.note);
    x.open("HISTORY");
    x.el("ORIGINAL_FILENAME", file_name);
    x.close("HISTORY");
    x.open("FILE_SET");
    x.el("TOTAL_FILES", "1");
    x.el("FAMILY_UID", &family_uid(spec));
    x.el("FILE_SET_INDEX", "01");
    x.close("FILE_SET");
    x.track_list(spec);
    x.open("BEXT");
    // The real Metacorder prints the low 32 bits of the time reference as a signed number.
    x.el(
        "BWF_TIME_REFERENCE_LOW",
        &((spec.start_samples & 0xFFFF_FFFF) as u32 as i32).to_string(),
    );
    x.el(
        "BWF_TIME_REFERENCE_HIGH",
        &(spec.start_samples >> 32).to_string(),
    );
    x.el("BWF_ORIGINATOR", "Metacorder");
    x.el("BWF_ORIGINATOR_REFERENCE", "");
    let desc = format!(
        "gSCENE={}\r\ngTAKE={}\r\ngTAPE={}\r\ngNOTE={}\r\ngUBITS=00000000\r\n",
        ascii(&spec.scene),
        ascii(&spec.take),
        ascii(&spec.tape),
        ascii(&spec.note)
    );
    x.el("BWF_DESCRIPTION", &desc);
    x.el("BWF_ORIGINATION_DATE", &format!("{y:04}:{m:02}:{d:02}"));
    x.el("BWF_ORIGINATION_TIME", &start_time(spec, ':'));
    x.el("BWF_VERSION", "0");
    x.el("BWF_CODING_HISTORY", "");
    x.close("BEXT");
    let mut body = x.finish();
    body.extend_from_slice(b"\r\n");
    body.resize(body.len() + METACORDER_IXML_TAIL, b' ');
    if body.len() % 2 == 1 {
        body.push(b' ');
    }
    body
}

/// The 20-byte `iXTC` chunk of a Metacorder file (QuickTime-style atom headers and a counter).
fn metacorder_ixtc(spec: &TakeSpec) -> Vec<u8> {
    let mut b = Vec::with_capacity(20);
    b.extend_from_slice(&8u32.to_be_bytes());
    b.extend_from_slice(b"wide");
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(b"mdat");
    b.extend_from_slice(
        &((splitmix64(spec.seed) & 0x00FF_FFFF) as u32 | 0x0010_0000).to_be_bytes(),
    );
    b
}

/// One take of the bundled example rolls: its folder, file name and spec.
struct ExampleTake {
    folder: &'static str,
    file: String,
    spec: TakeSpec,
}

/// Frames of every example take: 0.25 s at 48 kHz.
const EXAMPLE_FRAMES: u64 = 12_000;

/// Samples since midnight of a time of day at 48 kHz.
fn tod(h: u64, m: u64, s: u64) -> u64 {
    ((h * 60 + m) * 60 + s) * 48_000
}

/// One example slate: scene, take, circled, note, start time of day (h, m, s).
type Slate = (
    &'static str,
    &'static str,
    bool,
    &'static str,
    (u64, u64, u64),
);

fn example_takes() -> Vec<ExampleTake> {
    let mut takes = Vec::new();
    // Roll HBL101: Sound Devices 888, 7 tracks, 23.976 fps. Scenes of episodes 101 and 102.
    let sd_tracks = vec![
        TrackSpec {
            channel_index: 1,
            name: "MixL".into(),
            function: Some("L-MIX".into()),
        },
        TrackSpec {
            channel_index: 2,
            name: "MixR".into(),
            function: Some("R-MIX".into()),
        },
        TrackSpec::new(3, "Boom"),
        TrackSpec::new(4, "Lav1"),
        TrackSpec::new(5, "Lav2"),
        TrackSpec::new(6, "Lav3"),
        TrackSpec::new(7, "Lav4"),
    ];
    let sd: [Slate; 6] = [
        ("12", "1", false, "plane overhead at end", (9, 12, 4)),
        ("12", "2", true, "", (9, 15, 40)),
        ("12A", "1", false, "pickup from line 4", (9, 31, 17)),
        ("27", "1", false, "false start", (11, 2, 9)),
        ("27", "2", false, "", (11, 4, 51)),
        ("27", "3", true, "best perf", (11, 8, 30)),
    ];
    for (i, (scene, take, circ, note, (h, m, s))) in sd.into_iter().enumerate() {
        takes.push(ExampleTake {
            folder: "HBL101",
            file: format!("{scene}_{take}.WAV"),
            spec: TakeSpec {
                style: RecorderStyle::SoundDevices,
                project: "HBL".into(),
                scene: scene.into(),
                take: take.into(),
                tape: "HBL101".into(),
                circled: circ,
                note: note.into(),
                tracks: sd_tracks.clone(),
                sample_rate: 48_000,
                bits: 24,
                frames: EXAMPLE_FRAMES,
                timecode_rate: (24_000, 1_001),
                start_samples: tod(h, m, s),
                file_uid: format!("USSDVHX0419230117{:02}{:012}1", i + 1, tod(h, m, s)),
                seed: 101_000 + i as u64,
                pre_roll: None,
                wild: false,
            },
        });
    }
    // Roll HBL102B: Zoom F8 on the B unit, 6 tracks, 23.976 fps.
    let zoom_tracks = vec![
        TrackSpec::new(1, "MixL"),
        TrackSpec::new(2, "MixR"),
        TrackSpec::new(3, "Boom"),
        TrackSpec::new(4, "Lav1"),
        TrackSpec::new(5, "Lav2"),
        TrackSpec::new(6, "Lav3"),
    ];
    let zoom: [Slate; 3] = [
        ("14", "001", false, "wind on boom", (14, 20, 0)),
        ("14", "002", true, "", (14, 23, 12)),
        ("31", "001", false, "B cam only", (15, 40, 45)),
    ];
    for (i, (scene, take, circ, note, (h, m, s))) in zoom.into_iter().enumerate() {
        takes.push(ExampleTake {
            folder: "HBL102B",
            file: format!("{scene}-T{take}.WAV"),
            spec: TakeSpec {
                style: RecorderStyle::Zoom,
                project: "HBL".into(),
                scene: scene.into(),
                take: take.into(),
                tape: "HBL102B".into(),
                circled: circ,
                note: note.into(),
                tracks: zoom_tracks.clone(),
                sample_rate: 48_000,
                bits: 24,
                frames: EXAMPLE_FRAMES,
                timecode_rate: (24_000, 1_001),
                start_samples: tod(h, m, s),
                file_uid: {
                    let (y, mo, d) = tape_date("HBL102B");
                    format!(
                        "ZOOM F8    {y:04}{mo:02}{d:02}{h:02}{m:02}{s:02}018{:03}A",
                        i + 1
                    )
                },
                seed: 102_000 + i as u64,
                pre_roll: None,
                wild: false,
            },
        });
    }
    // Roll HBL2U01: second unit on a Metacorder, 3 tracks; iXML after the audio.
    takes.push(ExampleTake {
        folder: "HBL2U01",
        file: "2U01-31A-02.WAV".into(),
        spec: TakeSpec {
            style: RecorderStyle::Metacorder,
            project: "Harbor Lights".into(),
            scene: "31A".into(),
            take: "02".into(),
            tape: "2U01".into(),
            circled: true,
            note: "insert: rope on cleat".into(),
            tracks: vec![
                TrackSpec::new(1, "Boom"),
                TrackSpec::new(2, "Lav1"),
                TrackSpec::new(3, "Lav2"),
            ],
            sample_rate: 48_000,
            bits: 24,
            frames: EXAMPLE_FRAMES,
            timecode_rate: (24_000, 1_001),
            start_samples: tod(16, 5, 33),
            file_uid: "1716297935".into(),
            seed: 200_001,
            pre_roll: None,
            wild: false,
        },
    });
    takes
}

/// The example cast list: recorder track -> character and mic, with a scene-specific and a tape-specific row.
pub const EXAMPLE_CAST_CSV: &str = "\
track,character,mic,tape,scene
Lav1,ZOË,COS-11D,,
Lav2,CAPTAIN REYES,DPA 4060,,
Lav3,MARGUERITE,DPA 4060,,
Lav4,HARBORMASTER,COS-11D,,
Lav3,DECKHAND #2,DPA 4060,,27
Lav2,FERRY PILOT,MKE 2,HBL102B,
";

/// The example scene-to-episode list.
pub const EXAMPLE_EPISODES_CSV: &str = "\
scene,episode
12,101
12A,101
14,101
27,102
31,102
31A,102
";

/// Writes the bundled example rolls (three roll folders, `cast.csv`, `episodes.csv`) under `dir`.
///
/// Returns the WAV files written, in roll order. The same call always writes the same bytes.
pub fn example_rolls(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for t in example_takes() {
        let folder = dir.join(t.folder);
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(&t.file);
        write_take(&path, &t.spec)?;
        written.push(path);
    }
    std::fs::write(dir.join("cast.csv"), EXAMPLE_CAST_CSV)?;
    std::fs::write(dir.join("episodes.csv"), EXAMPLE_EPISODES_CSV)?;
    Ok(written)
}

/// A RIFF/WAVE file's bytes with the payload of every chunk `id` replaced by `payload`, or the
/// chunk removed when `payload` is `None`; the RIFF size is rewritten. Other chunks keep their bytes.
///
/// For fixtures a recorder never writes (an unreadable iXML, a file without bext): generate a take
/// with [`write_take`], then change one chunk here. Plain 32-bit RIFF only.
pub fn with_chunk(bytes: &[u8], id: &[u8; 4], payload: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + payload.map_or(0, <[u8]>::len));
    out.extend_from_slice(bytes.get(..12).unwrap_or(bytes));
    let mut at = 12usize;
    while let Some(head) = bytes.get(at..at + 8) {
        let this: [u8; 4] = [head[0], head[1], head[2], head[3]];
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let end = (at + 8 + size).min(bytes.len());
        let body = &bytes[at + 8..end];
        if &this == id {
            if let Some(payload) = payload {
                out.extend(chunk(id, payload));
            }
        } else {
            out.extend(chunk(&this, body));
        }
        at = end + (size & 1);
    }
    let riff_size = (out.len().saturating_sub(8)) as u32;
    if out.len() >= 8 {
        out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_fit_16_bits_and_differ_per_channel() {
        let mut differ = 0;
        for f in 0..10_000u64 {
            for ch in 0..8u16 {
                let v = sample(7, ch, f);
                assert!((i32::from(i16::MIN)..=i32::from(i16::MAX)).contains(&v));
            }
            if sample(7, 0, f) != sample(7, 1, f) {
                differ += 1;
            }
        }
        assert!(differ > 9_900, "channels 0 and 1 agree too often: {differ}");
        assert_ne!(sample(1, 0, 5), sample(2, 0, 5));
    }

    #[test]
    fn description_keeps_whole_lines_within_256_bytes() {
        let lines: Vec<String> = (0..40).map(|i| format!("sTRK{i}=Lavalier {i}")).collect();
        let d = description(&lines);
        assert!(d.len() <= 256);
        assert!(d.ends_with("\r\n"));
        assert_eq!(ascii("ZOË"), "ZO?");
    }

    #[test]
    fn ubits_follow_sound_devices_date_and_take() {
        let spec = TakeSpec::new(
            RecorderStyle::SoundDevices,
            "12",
            "3",
            vec![TrackSpec::new(1, "Boom")],
        );
        let u = sound_devices_ubits(&spec);
        assert_eq!(u.len(), 8);
        assert!(u.ends_with("03"));
    }
}
