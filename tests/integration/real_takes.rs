//! Real takes through the binary: unfinalized takes recovered (never emptied), untouched files
//! delivered byte for byte, files readable by the team and by libsndfile and hound, per-channel chunks
//! moved with a re-layout, family TRACKs kept, slate disagreements brought in step, and no guessed
//! timecode rate.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{
    block_align, corpus, describe, eight_track_take, external, not_run, plugin_dir, raw_chunks,
    raw_chunks_of, rollcall, run_recipe, temp_dir, write_recipe, write_take_file,
};

const COPY_RECIPE: &str = "[recipe]\nname = \"copy and verify\"\n";
const RENAME_RECIPE: &str =
    "[recipe]\nname = \"rename\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}-{take}\"\n";
/// Drops `MixR` and puts `Lav1` first: source channels 4 1 3 5 6 7 8 (1-based) in that order.
const LAYOUT_RECIPE: &str = "[recipe]\nname = \"re-layout\"\n\n[[step]]\nplugin = \"channel-layout\"\nmix = [\"Lav1\"]\ndrop = [\"MixR\"]\n";
const LAYOUT_ORDER: [usize; 7] = [3, 2, 0, 4, 5, 6, 7];

/// A RIFF file from chunks `(id, payload)`, pad bytes added, sizes correct.
fn riff(chunks: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (id, payload) in chunks {
        body.extend_from_slice(id);
        body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        body.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&body);
    file
}

/// The same chunks as an RF64 file (`ds64` first, the `data` size in it).
fn rf64(chunks: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let data = chunks
        .iter()
        .find(|(id, _)| id == b"data")
        .map_or(0, |(_, p)| p.len() as u64);
    let mut body = b"WAVE".to_vec();
    body.extend_from_slice(b"ds64");
    body.extend_from_slice(&28u32.to_le_bytes());
    let ds64_at = body.len();
    body.extend_from_slice(&[0u8; 8]); // RIFF size, filled in below
    body.extend_from_slice(&data.to_le_bytes());
    body.extend_from_slice(&0u64.to_le_bytes()); // sample count (unused by readers)
    body.extend_from_slice(&0u32.to_le_bytes());
    for (id, payload) in chunks {
        body.extend_from_slice(id);
        let field = if id == b"data" {
            u32::MAX
        } else {
            payload.len() as u32
        };
        body.extend_from_slice(&field.to_le_bytes());
        body.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            body.push(0);
        }
    }
    let riff_size = body.len() as u64;
    body[ds64_at..ds64_at + 8].copy_from_slice(&riff_size.to_le_bytes());
    let mut file = b"RF64".to_vec();
    file.extend_from_slice(&u32::MAX.to_le_bytes());
    file.extend_from_slice(&body);
    file
}

/// Chunks of a generated take as `(id, payload)`.
fn chunks_of(path: &Path) -> Vec<([u8; 4], Vec<u8>)> {
    raw_chunks(path)
        .into_iter()
        .map(|c| (c.id, c.payload))
        .collect()
}

/// Offset of the `data` size field in a RIFF file.
fn data_size_field(bytes: &[u8]) -> usize {
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        if &bytes[at..at + 4] == b"data" {
            return at + 4;
        }
        at += 8 + size + (size & 1);
    }
    panic!("no data chunk");
}

/// What libsndfile reads: the frame count, or a failure with its output.
fn sndfile_frames(path: &Path) -> Option<u64> {
    let mut command = Command::new("sndfile-info");
    command.arg(path);
    let output = external(
        command,
        "sndfile-info",
        "`apt-get install sndfile-programs`",
    )?;
    let text = String::from_utf8_lossy(&output.stdout);
    let frames = text
        .lines()
        .find_map(|l| l.strip_prefix("Frames      : "))
        .and_then(|n| n.trim().parse().ok());
    assert!(
        frames.is_some() && !text.contains("Error"),
        "libsndfile cannot open {}:\n{text}",
        path.display()
    );
    frames
}

/// Every sample hound reads, and its channel count.
fn hound_samples(path: &Path) -> (usize, Vec<i32>) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("hound opens {}: {e}", path.display()));
    let channels = usize::from(reader.spec().channels);
    let samples = reader
        .samples::<i32>()
        .map(|s| s.expect("hound reads every sample"))
        .collect();
    (channels, samples)
}

/// `run --json` results keyed by source file name.
fn run_results(recipe: &Path, input: &Path, out: &Path) -> (std::process::Output, Vec<Value>) {
    let output = run_recipe(recipe, &[input], out, &["--json"]);
    let files = serde_json::from_slice::<Value>(&output.stdout)
        .ok()
        .and_then(|v| v["files"].as_array().cloned())
        .unwrap_or_default();
    (output, files)
}

#[test]
fn unfinalized_takes_are_recovered_with_every_frame_on_disk_never_emptied() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("roll");
    fs::create_dir_all(&roll).expect("roll");
    // Four different takes (each its own FILE_UID), each left unfinalized in its own way.
    let take = |n: u64| {
        let clean = write_take_file(
            &work.path().join("clean"),
            &format!("T{n:03}.WAV"),
            &eight_track_take("12", &n.to_string(), 48_000, n),
        );
        fs::read(&clean).expect("take")
    };
    let bytes = take(1);
    let field = data_size_field(&bytes);
    let data_start = field + 4;
    let ba = block_align(&work.path().join("clean").join("T001.WAV"));

    // Power lost: data and RIFF sizes left at 0.
    let mut zero = bytes.clone();
    zero[4..8].copy_from_slice(&0u32.to_le_bytes());
    zero[field..field + 4].copy_from_slice(&0u32.to_le_bytes());
    // The size never filled in.
    let bytes = take(2);
    let mut never = bytes.clone();
    never[field..field + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    // The card pulled mid-frame: the file ends inside data.
    let bytes = take(3);
    let cut = bytes[..bytes.len() - 1000].to_vec();
    // The header last updated a tenth of the way in: sizes say 0.1 of the take.
    let bytes = take(4);
    let mut stale = bytes.clone();
    let stale_size = (48_000 / 10 * ba) as u32;
    stale[field..field + 4].copy_from_slice(&stale_size.to_le_bytes());
    stale[4..8].copy_from_slice(&(data_start as u32 - 8 + stale_size).to_le_bytes());
    let cases = [
        ("ZERO.WAV", zero, "0 bytes"),
        ("NEVER.WAV", never, "0xFFFFFFFF"),
        ("CUT.WAV", cut, "on disk"),
        ("STALE.WAV", stale, "follow the declared end"),
    ];
    for (name, content, _) in &cases {
        fs::write(roll.join(name), content).expect("case written");
    }
    // inspect says which files need recovery, and why.
    let inspect = rollcall()
        .arg("inspect")
        .arg("--json")
        .args(cases.iter().map(|(n, _, _)| roll.join(n)))
        .output()
        .expect("inspect runs");
    let inspected: Vec<Value> = serde_json::from_slice(&inspect.stdout).expect("inspect JSON");
    for ((name, _, why), entry) in cases.iter().zip(&inspected) {
        let recovery = entry["recovery"].as_str().unwrap_or_default();
        assert!(recovery.contains(why), "{name}: {entry}");
    }

    let out = work.path().join("out");
    let (output, files) = run_results(&recipe, &roll, &out);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(files.len(), cases.len());
    for (name, content, why) in &cases {
        let entry = files
            .iter()
            .find(|f| f["source"].as_str().is_some_and(|s| s.ends_with(name)))
            .unwrap_or_else(|| panic!("{name} in the results"));
        assert_eq!(entry["status"], "recovered", "{name}: {entry}");
        assert!(
            entry["reason"].as_str().is_some_and(|r| r.contains(why)),
            "{name}: {entry}"
        );
        // Whole frames on disk from the start of data, counted here.
        let frames = (content.len() - data_start) / ba;
        let delivered = out.join(name);
        let audio = raw_chunks(&delivered)
            .into_iter()
            .find(|c| &c.id == b"data")
            .expect("data")
            .payload;
        assert_eq!(audio.len(), frames * ba, "{name}: every whole frame");
        assert_eq!(
            audio[..],
            content[data_start..data_start + frames * ba],
            "{name}: the audio on disk"
        );
        let (channels, samples) = hound_samples(&delivered);
        assert_eq!(
            samples.len() / channels,
            frames,
            "{name}: hound reads every frame"
        );
        if let Some(read) = sndfile_frames(&delivered) {
            assert_eq!(read, frames as u64, "{name}: libsndfile reads every frame");
        }
    }
    // A rerun finds them delivered: recovery is idempotent.
    let again = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 delivered, 4 already delivered"));
}

#[test]
fn a_take_that_cannot_be_recovered_fails_with_its_reason() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let take = write_take_file(
        &work.path().join("roll"),
        "T001.WAV",
        &eight_track_take("12", "1", 4_800, 1),
    );
    let bytes = fs::read(&take).expect("take");
    // Cut inside the header, before any audio: nothing to recover.
    fs::write(&take, &bytes[..200]).expect("cut");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&work.path().join("roll")], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed: ") && stderr.contains("T001.WAV") && stderr.contains("truncated"),
        "{stderr}"
    );
    assert!(!out.join("T001.WAV").exists());
}

#[test]
fn untouched_files_with_odd_sizes_trailing_bytes_and_rf64_are_delivered_byte_for_byte() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("12", "1", 4_801, 2));
    // Other takes (their own FILE_UIDs), written with quirks.
    let chunks_of_take = |n: u64| {
        let made = write_take_file(
            &work.path().join("made"),
            "T.WAV",
            &eight_track_take("12", &n.to_string(), 4_801, n),
        );
        chunks_of(&made)
    };
    // A wrong RIFF size, an odd chunk at the end without its pad byte, and 5 stray bytes.
    let chunks = chunks_of_take(2);
    let mut odd = riff(&chunks);
    odd[4..8].copy_from_slice(&12345u32.to_le_bytes());
    odd.extend_from_slice(b"note\x03\x00\x00\x00abc");
    fs::write(roll.join("ODD.WAV"), &odd).expect("odd");
    let chunks = chunks_of_take(3);
    let mut trailing = riff(&chunks);
    trailing.extend_from_slice(&[1, 2, 3, 4, 5]);
    fs::write(roll.join("TRAILING.WAV"), &trailing).expect("trailing");
    fs::write(roll.join("LONG.WAV"), rf64(&chunks_of_take(4))).expect("rf64");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    for name in ["T001.WAV", "ODD.WAV", "TRAILING.WAV", "LONG.WAV"] {
        assert!(
            fs::read(out.join(name)).expect("delivered") == fs::read(roll.join(name)).expect("src"),
            "{name}: byte for byte"
        );
    }
}

#[test]
fn delivered_files_and_the_report_get_the_mode_cp_gives_under_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("12", "1", 480, 1));
    for (umask, mode) in [("027", 0o640), ("022", 0o644), ("002", 0o664)] {
        let out = work.path().join(format!("out{umask}"));
        let command = format!(
            "umask {umask}; exec \"$0\" run \"$1\" \"$2\" --out \"$3\" --plugin-dir \"$4\" --quiet"
        );
        let output = Command::new("sh")
            .arg("-c")
            .arg(command)
            .arg(env!("CARGO_BIN_EXE_rollcall"))
            .arg(&recipe)
            .arg(&roll)
            .arg(&out)
            .arg(plugin_dir())
            .output()
            .expect("sh runs");
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        // The delivered files, the run report and the sound reports (`reports/`).
        let reports = fs::read_dir(out.join("reports")).expect("reports");
        for entry in fs::read_dir(&out).expect("out").chain(reports) {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                continue;
            }
            let got = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(got, mode, "{} under umask {umask}", path.display());
        }
    }
}

#[test]
fn an_rf64_take_with_an_odd_ixml_opens_in_libsndfile_after_a_rename() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "rename.toml", RENAME_RECIPE);
    let roll = work.path().join("roll");
    let made = write_take_file(&roll, "T001.WAV", &eight_track_take("12", "1", 4_800, 4));
    let mut chunks = chunks_of(&made);
    // Trim the Sound Devices space padding so the iXML is odd-sized, then move it after the audio.
    let at = chunks
        .iter()
        .position(|(id, _)| id == b"iXML")
        .expect("iXML");
    let (_, mut ixml) = chunks.remove(at);
    while ixml.last() == Some(&b' ') {
        ixml.pop();
    }
    if ixml.len() % 2 == 0 {
        ixml.push(b'\n');
    }
    chunks.push((*b"iXML", ixml));
    fs::remove_file(&made).expect("removed");
    let source = roll.join("T001.WAV");
    fs::write(&source, rf64(&chunks)).expect("rf64 source");
    assert!(sndfile_frames(&source).is_some_and(|f| f == 4_800) || which("sndfile-info").is_none());
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let delivered = out.join("12-1.WAV");
    let bytes = fs::read(&delivered).expect("delivered");
    assert_eq!(&bytes[..4], b"RF64");
    for chunk in raw_chunks_of(&bytes) {
        if &chunk.id == b"iXML" {
            assert_eq!(chunk.payload.len() % 2, 0, "iXML kept even");
            let text = String::from_utf8_lossy(&chunk.payload);
            assert!(text.contains("<CURRENT_FILENAME>12-1.WAV</CURRENT_FILENAME>"));
        }
    }
    if let Some(frames) = sndfile_frames(&delivered) {
        assert_eq!(frames, 4_800);
    }
}

/// `Some(path)` of a program on PATH.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

#[test]
fn a_relayout_moves_the_peak_chunk_with_its_channels() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "layout.toml", LAYOUT_RECIPE);
    let roll = work.path().join("roll");
    let made = write_take_file(&roll, "T001.WAV", &eight_track_take("12", "1", 4_800, 5));
    let mut chunks = chunks_of(&made);
    // PEAK: version 1, timestamp, then (value, position) per channel; channel c peaks at c/10.
    let mut peak = Vec::new();
    peak.extend_from_slice(&1u32.to_le_bytes());
    peak.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    for channel in 0..8u32 {
        peak.extend_from_slice(&(channel as f32 / 10.0).to_le_bytes());
        peak.extend_from_slice(&(channel * 100).to_le_bytes());
    }
    let fmt_at = chunks
        .iter()
        .position(|(id, _)| id == b"fmt ")
        .expect("fmt");
    chunks.insert(fmt_at + 1, (*b"PEAK", peak.clone()));
    fs::write(&made, riff(&chunks)).expect("with PEAK");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let delivered = out.join("T001.WAV");
    let written = raw_chunks(&delivered)
        .into_iter()
        .find(|c| &c.id == b"PEAK")
        .expect("PEAK kept")
        .payload;
    let mut expected = peak[..8].to_vec();
    for &channel in &LAYOUT_ORDER {
        expected.extend_from_slice(&peak[8 + channel * 8..16 + channel * 8]);
    }
    assert_eq!(
        written, expected,
        "PEAK entries permuted and dropped with the channels"
    );
    if let Some(frames) = sndfile_frames(&delivered) {
        assert_eq!(frames, 4_800);
    }
    let (channels, _) = hound_samples(&delivered);
    assert_eq!(channels, 7);
}

#[test]
fn a_mono_member_keeps_the_tracks_of_its_family_and_inspect_shows_its_own() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    let spec = {
        let mut spec = rollgen::TakeSpec::new(
            rollgen::RecorderStyle::Metacorder,
            "21",
            "3",
            vec![rollgen::TrackSpec::new(1, "Mid")],
        );
        spec.frames = 4_800;
        spec
    };
    let made = write_take_file(&roll, "MS_01.WAV", &spec);
    let mut chunks = chunks_of(&made);
    let ixml = chunks
        .iter_mut()
        .find(|(id, _)| id == b"iXML")
        .expect("iXML");
    let text = String::from_utf8(ixml.1.clone()).expect("utf-8");
    let end = text.find("</TRACK_LIST>").expect("track list");
    let side = "<TRACK><CHANNEL_INDEX>2</CHANNEL_INDEX><INTERLEAVE_INDEX>2</INTERLEAVE_INDEX><NAME>Side</NAME></TRACK>";
    let family = format!("{}{side}{}", &text[..end], &text[end..]).replace(
        "<TRACK_COUNT>1</TRACK_COUNT>",
        "<TRACK_COUNT>2</TRACK_COUNT>",
    );
    ixml.1 = family.into_bytes();
    fs::write(&made, riff(&chunks)).expect("family iXML");
    fs::write(
        work.path().join("cast.csv"),
        "track,character,mic\nMid,NARRATOR,MKH 50\n",
    )
    .expect("cast");
    let recipe = write_recipe(
        work.path(),
        "names.toml",
        "[recipe]\nname = \"names\"\n\n[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n",
    );
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let delivered = out.join("MS_01.WAV");
    let ixml = raw_chunks(&delivered)
        .into_iter()
        .find(|c| &c.id == b"iXML")
        .expect("iXML");
    let text = String::from_utf8_lossy(&ixml.payload);
    assert!(
        text.contains(side),
        "the family's second TRACK is kept: {text}"
    );
    assert!(text.contains("<NAME>NARRATOR (MKH 50)</NAME>"), "{text}");
    assert!(text.contains("<TRACK_COUNT>2</TRACK_COUNT>"), "{text}");
    let inspect = rollcall()
        .args(["inspect", "--json"])
        .arg(&delivered)
        .output()
        .expect("inspect");
    let entry: Value = serde_json::from_slice(&inspect.stdout).expect("JSON");
    let tracks = entry[0]["tracks"].as_array().expect("tracks");
    assert_eq!(tracks.len(), 1, "this file's own channel: {entry}");
    assert_eq!(tracks[0]["name"], "NARRATOR (MKH 50)");
}

#[test]
fn a_slate_disagreement_is_brought_in_step_with_ixml_and_warned_about() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "rename.toml", RENAME_RECIPE);
    let roll = work.path().join("roll");
    let mut spec = rollgen::TakeSpec::new(
        rollgen::RecorderStyle::Metacorder,
        "21",
        "33",
        vec![rollgen::TrackSpec::new(1, "Boom")],
    );
    spec.frames = 4_800;
    let made = write_take_file(&roll, "Sr01.WAV", &spec);
    let mut chunks = chunks_of(&made);
    let bext = chunks
        .iter_mut()
        .find(|(id, _)| id == b"bext")
        .expect("bext");
    let description = String::from_utf8_lossy(&bext.1[..256])
        .trim_end_matches('\0')
        .replace("gSCENE=21", "gSCENE=66a");
    assert!(description.contains("gSCENE=66a"), "{description}");
    let mut field = description.into_bytes();
    field.resize(256, 0);
    bext.1[..256].copy_from_slice(&field);
    fs::write(&made, riff(&chunks)).expect("disagreeing slate");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("slate disagreement")
            && stderr.contains("gSCENE=66a")
            && stderr.contains("SCENE=21"),
        "warned with both values: {stderr}"
    );
    let delivered = out.join("21-33.WAV");
    let bext = raw_chunks(&delivered)
        .into_iter()
        .find(|c| &c.id == b"bext")
        .expect("bext");
    let text = String::from_utf8_lossy(&bext.payload[..256]).into_owned();
    assert!(
        text.contains("gSCENE=21") && !text.contains("66a"),
        "{text}"
    );
}

#[test]
fn inspect_never_invents_a_timecode_rate() {
    let file = corpus().join("bwavfile/tests/media/ff_bwav_stereo.wav");
    if !file.exists() {
        not_run("corpus", "../shared/corpus is missing");
        return;
    }
    let output = rollcall()
        .args(["inspect", "--json"])
        .arg(&file)
        .output()
        .expect("inspect");
    let entry: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(entry[0]["timecode_rate"], Value::Null, "{entry}");
    let human = rollcall()
        .arg("inspect")
        .arg(&file)
        .output()
        .expect("inspect");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!text.contains("25/1"), "{text}");
    assert!(
        text.contains("timecode rate unknown") || text.contains("start -"),
        "{text}"
    );
}
