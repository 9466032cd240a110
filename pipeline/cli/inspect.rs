//! `rollcall inspect`: what rollcall reads from files.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;
use rollcall_engine::qc::{measure_audio, source_labels, LoudnessQc, TrackQc};
use rollcall_engine::QcSettings;
use rollcall_take::SourceTake;
use rollcall_wav::Container;
use serde::Serialize;

use crate::Outcome;

/// Arguments of `rollcall inspect`.
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// WAV files to read.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print a JSON array with one object per file.
    #[arg(long)]
    json: bool,
    /// Also read the audio: each track's sample peak (dBFS), clipped runs and whether it is silent.
    #[arg(long)]
    audio: bool,
    /// With the audio, the integrated loudness (LUFS) and true peak (dBTP) of the mix track (or track 1).
    #[arg(long)]
    loudness: bool,
}

/// One file as `inspect --json` prints it.
#[derive(Serialize, Debug, Default)]
struct InspectedFile {
    path: String,
    container: Option<&'static str>,
    channels: Option<u16>,
    sample_rate: Option<u32>,
    bits_per_sample: Option<u16>,
    frames: Option<u64>,
    scene: Option<String>,
    take: Option<String>,
    tape: Option<String>,
    project: Option<String>,
    circled: Option<String>,
    note: Option<String>,
    timecode: Option<String>,
    timecode_rate: Option<String>,
    tracks: Vec<InspectedTrack>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loudness: Option<LoudnessQc>,
    chunks: Vec<InspectedChunk>,
    /// Set when the take was not finalized: what is wrong and how many frames a run recovers.
    recovery: Option<String>,
    error: Option<String>,
    #[serde(skip)]
    audio_failed: bool,
}

#[derive(Serialize, Debug)]
struct InspectedTrack {
    interleave_index: u32,
    channel_index: Option<u32>,
    name: Option<String>,
    function: Option<String>,
    /// With `--audio`: `peak_dbfs`, `clipped_runs`, `silent`.
    #[serde(flatten)]
    audio: Option<TrackAudio>,
}

/// The audio figures of one track, as `inspect --audio` prints them.
#[derive(Serialize, Debug)]
struct TrackAudio {
    peak_dbfs: Option<f64>,
    clipped_runs: u64,
    silent: bool,
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
struct InspectedChunk {
    id: String,
    offset: u64,
    size: u64,
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
    file.frames = Some(header.frames());
    file.recovery = header
        .recovery
        .as_ref()
        .map(|r| r.describe(header.fmt.block_align));
    file.scene = take.field("SCENE");
    file.take = take.field("TAKE");
    file.tape = take.field("TAPE");
    file.project = take.field("PROJECT");
    file.circled = take.field("CIRCLED");
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

/// Read every file in parallel and print what rollcall sees; exit 1 when some cannot be read.
pub fn inspect(args: InspectArgs) -> Result<Outcome> {
    let reading = Reading {
        audio: args.audio || args.loudness,
        loudness: args.loudness,
    };
    let files: Vec<InspectedFile> = args
        .files
        .par_iter()
        .map(|p| inspect_one(p, reading))
        .collect();
    let failed = files
        .iter()
        .any(|f| (f.error.is_some() && f.container.is_none()) || f.audio_failed);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&files)?);
    } else {
        for file in &files {
            print_human(file);
        }
    }
    Ok(if failed {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    })
}

fn print_human(file: &InspectedFile) {
    outln!("{}", file.path);
    let Some(container) = file.container else {
        outln!("  error: {}", file.error.as_deref().unwrap_or("unreadable"));
        outln!("");
        return;
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    outln!(
        "  {container}, {} ch, {} Hz, {}-bit, {} frames",
        file.channels.unwrap_or(0),
        file.sample_rate.unwrap_or(0),
        file.bits_per_sample.unwrap_or(0),
        file.frames.unwrap_or(0)
    );
    outln!(
        "  scene {}  take {}  tape {}  circled {}",
        dash(&file.scene),
        dash(&file.take),
        dash(&file.tape),
        dash(&file.circled)
    );
    match (&file.timecode, &file.timecode_rate) {
        (Some(tc), Some(rate)) => outln!("  start {tc} @ {rate}"),
        (Some(clock), None) => outln!("  start {clock} (clock time; timecode rate unknown)"),
        _ => outln!("  start -"),
    }
    if let Some(recovery) = &file.recovery {
        outln!("  needs recovery: {recovery}");
    }
    if let Some(project) = &file.project {
        outln!("  project {project}");
    }
    if let Some(error) = &file.error {
        outln!("  warning: {error}");
    }
    let measured = file.tracks.iter().any(|t| t.audio.is_some());
    if measured {
        outln!(
            "  {:>3} {:>4}  {:<24} {:<10} {:>9} {:>7}  SILENT",
            "#",
            "CH",
            "NAME",
            "FUNCTION",
            "PEAK dBFS",
            "CLIPPED"
        );
    } else {
        outln!("  {:>3} {:>4}  {:<24} FUNCTION", "#", "CH", "NAME");
    }
    for track in &file.tracks {
        let channel = track
            .channel_index
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into());
        let name = track.name.as_deref().unwrap_or("-");
        let function = track.function.as_deref().unwrap_or("-");
        match &track.audio {
            Some(audio) => outln!(
                "  {:>3} {:>4}  {:<24} {:<10} {:>9} {:>7}  {}",
                track.interleave_index,
                channel,
                name,
                function,
                audio
                    .peak_dbfs
                    .map_or_else(|| "-inf".to_string(), |db| format!("{db:.1}")),
                audio.clipped_runs,
                if audio.silent { "silent" } else { "-" }
            ),
            None => outln!(
                "  {:>3} {:>4}  {:<24} {}",
                track.interleave_index,
                channel,
                name,
                function
            ),
        }
    }
    if let Some(loudness) = &file.loudness {
        let level = |v: Option<f64>, unit: &str| {
            v.map_or_else(|| format!("- {unit}"), |v| format!("{v:.1} {unit}"))
        };
        outln!(
            "  loudness of track {}: {}, true peak {}",
            loudness.track,
            level(loudness.integrated_lufs, "LUFS"),
            level(loudness.true_peak_dbtp, "dBTP")
        );
    }
    let chunks: Vec<String> = file
        .chunks
        .iter()
        .map(|c| format!("{}({})", c.id.trim_end(), c.size))
        .collect();
    outln!("  chunks: {}", chunks.join(" "));
    outln!("");
}
