//! `rollcall inspect`: what rollcall reads from files.

use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;
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
    chunks: Vec<InspectedChunk>,
    /// Set when the take was not finalized: what is wrong and how many frames a run recovers.
    recovery: Option<String>,
    error: Option<String>,
}

#[derive(Serialize, Debug)]
struct InspectedTrack {
    interleave_index: u32,
    channel_index: Option<u32>,
    name: Option<String>,
    function: Option<String>,
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

fn inspect_one(path: &Path) -> InspectedFile {
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
    file
}

/// Read every file in parallel and print what rollcall sees; exit 1 when some cannot be read.
pub fn inspect(args: InspectArgs) -> Result<Outcome> {
    let files: Vec<InspectedFile> = args.files.par_iter().map(|p| inspect_one(p)).collect();
    let failed = files
        .iter()
        .any(|f| f.error.is_some() && f.container.is_none());
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
    outln!("  {:>3} {:>4}  {:<24} FUNCTION", "#", "CH", "NAME");
    for track in &file.tracks {
        outln!(
            "  {:>3} {:>4}  {:<24} {}",
            track.interleave_index,
            track
                .channel_index
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            track.name.as_deref().unwrap_or("-"),
            track.function.as_deref().unwrap_or("-")
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
