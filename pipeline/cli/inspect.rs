//! `rollcall inspect`: what rollcall reads from files.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;
use rollcall_engine::qc::{measure_audio, source_labels, LoudnessQc, TrackQc};
use rollcall_engine::QcSettings;
use rollcall_recipe::{find_inputs, InputRules};
use rollcall_take::SourceTake;
use rollcall_wav::Container;
use serde::Serialize;

use crate::Outcome;

/// Arguments of `rollcall inspect`.
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// WAV files to read, or folders to walk (every .wav, .bwav and .bwf, as `run` takes them).
    #[arg(required = true, value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
    /// Print a JSON array with one object per file.
    #[arg(long)]
    json: bool,
    /// One line per take: file, scene, take, circled, start TC, length, channels, track names.
    #[arg(long, conflicts_with = "json")]
    table: bool,
    /// Also read the audio: each track's sample peak (dBFS), clipped runs and whether it is silent.
    #[arg(long)]
    audio: bool,
    /// With the audio, the integrated loudness (LUFS) and true peak (dBTP) of the mix track (or track 1).
    #[arg(long)]
    loudness: bool,
}

/// One file as `inspect --json` prints it.
#[derive(Serialize, Debug, Default)]
pub(crate) struct InspectedFile {
    pub(crate) path: String,
    pub(crate) container: Option<&'static str>,
    pub(crate) channels: Option<u16>,
    pub(crate) sample_rate: Option<u32>,
    pub(crate) bits_per_sample: Option<u16>,
    /// `int` or `float`.
    pub(crate) sample_format: Option<&'static str>,
    pub(crate) frames: Option<u64>,
    /// The length in seconds (frames / sample rate).
    pub(crate) duration_seconds: Option<f64>,
    pub(crate) scene: Option<String>,
    pub(crate) take: Option<String>,
    pub(crate) tape: Option<String>,
    pub(crate) project: Option<String>,
    /// The circled mark as a boolean (iXML `CIRCLED`, else bext); `null` when the file has none.
    pub(crate) circled: Option<bool>,
    pub(crate) note: Option<String>,
    pub(crate) timecode: Option<String>,
    pub(crate) timecode_rate: Option<String>,
    /// iXML `SPEED/TIMECODE_FLAG` (`DF`, `NDF`).
    pub(crate) timecode_flag: Option<String>,
    pub(crate) bext: Option<InspectedBext>,
    pub(crate) tracks: Vec<InspectedTrack>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) loudness: Option<LoudnessQc>,
    pub(crate) chunks: Vec<InspectedChunk>,
    /// Set when the take was not finalized: what is wrong and how many frames a run recovers.
    pub(crate) recovery: Option<String>,
    pub(crate) error: Option<String>,
    #[serde(skip)]
    audio_failed: bool,
}

/// The bext chunk's text fields.
#[derive(Serialize, Debug, Default)]
pub(crate) struct InspectedBext {
    /// The description, one entry per line (`sSCENE=12`, ...).
    pub(crate) description: Vec<String>,
    pub(crate) originator: String,
    pub(crate) originator_reference: String,
    pub(crate) origination_date: String,
    pub(crate) origination_time: String,
    /// The UMID as hex (32 bytes, or 64 when the extended half is used); `null` when all zero.
    pub(crate) umid: Option<String>,
}

#[derive(Serialize, Debug)]
pub(crate) struct InspectedTrack {
    pub(crate) interleave_index: u32,
    pub(crate) channel_index: Option<u32>,
    pub(crate) name: Option<String>,
    pub(crate) function: Option<String>,
    /// With `--audio`: `peak_dbfs`, `clipped_runs`, `silent`.
    #[serde(flatten)]
    pub(crate) audio: Option<TrackAudio>,
}

/// The audio figures of one track, as `inspect --audio` prints them.
#[derive(Serialize, Debug)]
pub(crate) struct TrackAudio {
    pub(crate) peak_dbfs: Option<f64>,
    pub(crate) clipped_runs: u64,
    pub(crate) silent: bool,
}

impl From<&TrackQc> for TrackAudio {
    fn from(track: &TrackQc) -> Self {
        TrackAudio {
            peak_dbfs: track.peak_dbfs,
            clipped_runs: track.clipped_runs,
            silent: track.silent,
        }
    }
}

#[derive(Serialize, Debug)]
pub(crate) struct InspectedChunk {
    pub(crate) id: String,
    pub(crate) offset: u64,
    pub(crate) size: u64,
}

fn container_name(container: Container) -> &'static str {
    match container {
        Container::Riff => "RIFF",
        Container::Rf64 => "RF64",
        Container::Bw64 => "BW64",
    }
}

/// What `inspect` reads besides the header.
#[derive(Clone, Copy, Debug)]
struct Reading {
    audio: bool,
    loudness: bool,
}

fn inspect_one(path: &Path, reading: Reading) -> InspectedFile {
    let mut file = InspectedFile {
        path: path.display().to_string(),
        ..InspectedFile::default()
    };
    let take = match SourceTake::read(path) {
        Ok(take) => take,
        Err(e) => {
            file.error = Some(e.to_string());
            return file;
        }
    };
    let header = &take.header;
    file.container = Some(container_name(header.container));
    file.channels = Some(header.fmt.channels);
    file.sample_rate = Some(header.fmt.sample_rate);
    file.bits_per_sample = Some(header.fmt.bits_per_sample);
    file.sample_format = Some(match header.fmt.sample_format() {
        rollcall_wav::SampleFormat::Float => "float",
        _ => "int",
    });
    file.frames = Some(header.frames());
    file.duration_seconds = (header.fmt.sample_rate > 0)
        .then(|| header.frames() as f64 / f64::from(header.fmt.sample_rate));
    file.recovery = header
        .recovery
        .as_ref()
        .map(|r| r.describe(header.fmt.block_align));
    file.scene = take.field("SCENE");
    file.take = take.field("TAKE");
    file.tape = take.field("TAPE");
    file.project = take.field("PROJECT");
    file.circled = take.field("CIRCLED").and_then(|v| circled_flag(&v));
    file.timecode_flag = take
        .ixml
        .as_ref()
        .and_then(|x| x.get("SPEED/TIMECODE_FLAG"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    file.bext = take.bext.as_ref().map(|bext| InspectedBext {
        description: bext
            .description
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .filter(|l| !l.is_empty())
            .collect(),
        originator: bext.originator.clone(),
        originator_reference: bext.originator_reference.clone(),
        origination_date: bext.origination_date.clone(),
        origination_time: bext.origination_time.clone(),
        umid: umid_hex(&bext.umid),
    });
    file.note = take.field("NOTE");
    if let Some(tc) = take.start_timecode() {
        file.timecode = Some(tc.text);
        file.timecode_rate = tc.rate;
    }
    file.tracks = take
        .tracks()
        .into_iter()
        .map(|t| InspectedTrack {
            interleave_index: t.interleave_index,
            channel_index: t.channel_index,
            name: t.name,
            function: t.function,
            audio: None,
        })
        .collect();
    file.chunks = header
        .chunks
        .iter()
        .map(|c| InspectedChunk {
            id: c.id_str(),
            offset: c.offset,
            size: c.size,
        })
        .collect();
    if let Some(reason) = &take.ixml_error {
        file.error = Some(format!("iXML unreadable: {reason}"));
    }
    if reading.audio {
        let settings = QcSettings {
            loudness: reading.loudness,
            ..QcSettings::default()
        };
        let measured = File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|mut f| {
                measure_audio(&mut f, &take.header, &settings, &source_labels(&take))
                    .map_err(|e| e.to_string())
            });
        match measured {
            Ok(qc) => {
                for (track, measured) in file.tracks.iter_mut().zip(&qc.tracks) {
                    track.audio = Some(TrackAudio::from(measured));
                }
                file.loudness = qc.loudness;
            }
            Err(e) => {
                file.error = Some(format!("audio unreadable: {e}"));
                file.audio_failed = true;
            }
        }
    }
    file
}

/// A circled mark read as a boolean: `TRUE`/`YES`/`1` or `FALSE`/`NO`/`0` in any case.
fn circled_flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRUE" | "YES" | "1" | "Y" | "T" => Some(true),
        "FALSE" | "NO" | "0" | "N" | "F" => Some(false),
        _ => None,
    }
}

/// The UMID as hex: the basic 32 bytes, or all 64 when the extended half is set; `None` when zero.
fn umid_hex(umid: &[u8; 64]) -> Option<String> {
    if umid.iter().all(|b| *b == 0) {
        return None;
    }
    let used = if umid[32..].iter().all(|b| *b == 0) {
        &umid[..32]
    } else {
        &umid[..]
    };
    Some(used.iter().map(|b| format!("{b:02x}")).collect())
}

/// The files to read: each FILE as given, each DIR walked as `run` walks its inputs (sorted).
fn files_to_read(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            files.push(input.clone());
            continue;
        }
        match find_inputs(std::slice::from_ref(input), &InputRules::default()) {
            Ok(walk) => {
                let mut found: Vec<PathBuf> = walk.files.into_iter().map(|f| f.path).collect();
                found.extend(walk.problems.into_iter().map(|p| p.path));
                found.sort();
                files.extend(found);
            }
            Err(_) => files.push(input.clone()),
        }
    }
    files
}

/// Read every file in parallel and print what rollcall sees; exit 1 when some cannot be read.
pub fn inspect(args: InspectArgs) -> Result<Outcome> {
    let reading = Reading {
        audio: args.audio || args.loudness,
        loudness: args.loudness,
    };
    let paths = files_to_read(&args.files);
    let files: Vec<InspectedFile> = paths.par_iter().map(|p| inspect_one(p, reading)).collect();
    let failed = files
        .iter()
        .any(|f| (f.error.is_some() && f.container.is_none()) || f.audio_failed);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&files)?);
    } else if args.table {
        crate::inspect_view::print_table(&files);
    } else {
        for file in &files {
            crate::inspect_view::print_human(file);
        }
    }
    Ok(if failed {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    })
}
