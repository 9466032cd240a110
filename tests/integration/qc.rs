//! Audio QC through the binary: `inspect --audio` against a direct computation and sox `stats`,
//! `inspect --loudness` against FFmpeg's `ebur128`, and a run whose findings name the characters.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{
    describe, eight_track_take, external, report_text, rollcall, run_json, temp_dir, write_recipe,
    write_take_file,
};

const RATE: u32 = 48_000;
const FRAMES: usize = 48_000;

/// Full-scale runs written into the clipped channel: (start frame, length, polarity).
const CLIPS: [(usize, usize, f64); 5] = [
    (4_000, 3, 1.0),
    (9_000, 4, -1.0),
    (14_000, 2, 1.0), // too short to count
    (20_000, 5, 1.0),
    (30_000, 1, -1.0), // too short to count
];
const CLIPPED_RUNS: u64 = 3;

/// A deterministic value in -1..1.
fn noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// The four test channels at frame `f`: digital silence, -75 dBFS noise, a -20 dBFS tone with
/// full-scale runs, a -6 dBFS tone.
fn four_channels(f: usize, state: &mut u64) -> [f64; 4] {
    let t = f as f64 / f64::from(RATE);
    let clipped = CLIPS
        .iter()
        .find(|(start, len, _)| (*start..start + len).contains(&f))
        .map_or(0.1 * (2.0 * std::f64::consts::PI * 440.0 * t).sin(), |c| {
            c.2
        });
    [
        0.0,
        10f64.powf(-75.0 / 20.0) * noise(state),
        clipped,
        0.5 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin(),
    ]
}

/// An integer sample of `bits` bits for a level in -1..=1 (clamped to full scale).
fn quantise(x: f64, bits: u16) -> i32 {
    let scale = 2f64.powi(i32::from(bits) - 1);
    (x * scale).round().clamp(-scale, scale - 1.0) as i32
}

/// Writes the four-channel take with hound; returns each channel's peak computed directly from
/// the samples written (as a fraction of full scale).
fn write_four_channels(path: &Path, bits: u16, float: bool) -> [f64; 4] {
    let spec = hound::WavSpec {
        channels: 4,
        sample_rate: RATE,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("hound writes");
    let mut peaks = [0f64; 4];
    let mut state = 3u64;
    for f in 0..FRAMES {
        for (c, x) in four_channels(f, &mut state).into_iter().enumerate() {
            let written = if float {
                writer.write_sample(x as f32).expect("sample");
                f64::from(x as f32)
            } else {
                let v = quantise(x, bits);
                writer.write_sample(v).expect("sample");
                f64::from(v) / 2f64.powi(i32::from(bits) - 1)
            };
            peaks[c] = peaks[c].max(written.abs());
        }
    }
    writer.finalize().expect("hound finalises");
    peaks
}

/// `rollcall inspect ARGS --json`, parsed.
fn inspect_json(args: &[&str], files: &[&Path]) -> Vec<serde_json::Value> {
    let output = rollcall()
        .arg("inspect")
        .args(args)
        .arg("--json")
        .args(files)
        .output()
        .expect("rollcall runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .expect("JSON")
        .as_array()
        .cloned()
        .expect("an array")
}

/// sox `stats`' `Pk lev dB` of each channel (`None` for -inf).
fn sox_peaks(path: &Path) -> Option<Vec<Option<f64>>> {
    let mut command = Command::new("sox");
    command.arg(path).args(["-n", "stats"]);
    let output = external(command, "sox", "apt-get install sox")?;
    let text = String::from_utf8_lossy(&output.stderr);
    let line = text
        .lines()
        .find(|l| l.starts_with("Pk lev dB"))
        .unwrap_or_else(|| panic!("sox stats has a peak line: {text}"));
    // "Pk lev dB  Overall  Ch1  Ch2 ...": the first value is the overall peak.
    Some(
        line.split_whitespace()
            .skip(3 + 1)
            .map(|v| v.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect(),
    )
}

#[test]
fn inspect_audio_gives_peaks_clipped_runs_and_silence_at_each_bit_depth() {
    let work = temp_dir();
    for (bits, float) in [(16, false), (24, false), (32, false), (32, true)] {
        let path = work
            .path()
            .join(format!("four-{bits}{}.wav", if float { "f" } else { "" }));
        let peaks = write_four_channels(&path, bits, float);
        let files = inspect_json(&["--audio"], &[&path]);
        let tracks = files[0]["tracks"].as_array().expect("tracks");
        assert_eq!(tracks.len(), 4, "{bits}-bit");
        let sox = sox_peaks(&path);
        for (c, track) in tracks.iter().enumerate() {
            let what = format!(
                "{bits}-bit{} channel {}",
                if float { " float" } else { "" },
                c + 1
            );
            let got = track["peak_dbfs"].as_f64();
            let direct = (peaks[c] > 0.0).then(|| 20.0 * peaks[c].log10());
            match (got, direct) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() < 0.05, "{what}: {got} vs {want}")
                }
                (got, want) => assert_eq!(got, want, "{what}: {track}"),
            }
            if let Some(sox) = &sox {
                match (got, sox[c]) {
                    (Some(got), Some(want)) => {
                        assert!((got - want).abs() < 0.05, "{what}: {got} vs sox {want}")
                    }
                    (got, want) => assert_eq!(got, want, "{what} vs sox: {track}"),
                }
            }
            let runs = if c == 2 { CLIPPED_RUNS } else { 0 };
            assert_eq!(track["clipped_runs"], runs, "{what}");
            assert_eq!(track["silent"], c < 2, "{what}");
        }
        assert!(tracks[0]["peak_dbfs"].is_null(), "digital silence is null");
    }
}

#[test]
fn inspect_without_audio_stays_header_only_and_the_human_form_shows_the_figures() {
    let work = temp_dir();
    let path = work.path().join("four.wav");
    write_four_channels(&path, 24, false);
    let files = inspect_json(&[], &[&path]);
    let track = &files[0]["tracks"][0];
    assert!(
        track.get("peak_dbfs").is_none() && track.get("silent").is_none(),
        "{track}"
    );

    let output = rollcall()
        .args(["inspect", "--audio"])
        .arg(&path)
        .output()
        .expect("rollcall runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("PEAK dBFS"), "{text}");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(
        rows[0].contains("-inf") && rows[0].ends_with("silent"),
        "{text}"
    );
    assert!(rows[1].ends_with("silent"), "{text}");
    assert!(
        rows[2].contains(" 3 ") && !rows[2].ends_with("silent"),
        "{text}"
    );
    assert!(rows[3].contains("-6.0"), "{text}");
}

/// FFmpeg's `ebur128` summary: integrated loudness (LUFS) and true peak (dBTP).
fn ffmpeg_loudness(path: &Path) -> Option<(f64, f64)> {
    let mut command = Command::new("ffmpeg");
    command
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"]);
    let output = external(command, "ffmpeg", "apt-get install ffmpeg")?;
    let text = String::from_utf8_lossy(&output.stderr);
    let summary = text.rsplit("Summary:").next().unwrap_or_default();
    let value = |key: &str| {
        summary
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("ffmpeg's summary has {key}: {text}"))
    };
    Some((value("I:"), value("Peak:")))
}

#[test]
fn loudness_and_true_peak_agree_with_ffmpeg_ebur128() {
    let work = temp_dir();
    let path = work.path().join("tone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).expect("hound writes");
    // 10 s of 997 Hz at -18 dBFS, its level stepping down 6 dB for the last 4 s.
    for f in 0..(10 * RATE as usize) {
        let t = f as f64 / f64::from(RATE);
        let level = if t < 6.0 { 0.125 } else { 0.0625 };
        let x = level * (2.0 * std::f64::consts::PI * 997.0 * t).sin();
        writer.write_sample(quantise(x, 24)).expect("sample");
    }
    writer.finalize().expect("hound finalises");

    let files = inspect_json(&["--loudness"], &[&path]);
    let loudness = &files[0]["loudness"];
    let lufs = loudness["integrated_lufs"]
        .as_f64()
        .expect("integrated loudness");
    let dbtp = loudness["true_peak_dbtp"].as_f64().expect("true peak");
    assert_eq!(loudness["track"], 1);
    let Some((ffmpeg_lufs, ffmpeg_dbtp)) = ffmpeg_loudness(&path) else {
        return;
    };
    // FFmpeg prints one decimal: allow its rounding on top of the tolerance.
    assert!(
        (lufs - ffmpeg_lufs).abs() <= 0.1 + 0.05,
        "{lufs} LUFS vs ffmpeg {ffmpeg_lufs}"
    );
    assert!(
        (dbtp - ffmpeg_dbtp).abs() <= 0.2 + 0.05,
        "{dbtp} dBTP vs ffmpeg {ffmpeg_dbtp}"
    );
}

/// Byte offset and size of the `data` payload of a RIFF file, by walking its chunks.
fn data_payload(path: &Path) -> (usize, usize) {
    let bytes = std::fs::read(path).expect("readable");
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if &bytes[at..at + 4] == b"data" {
            return (at + 8, size);
        }
        at += 8 + size + (size & 1);
    }
    panic!("no data chunk in {}", path.display());
}

/// A Sound Devices take (MixL MixR Boom Lav1..Lav5, 24-bit) whose Lav2 is a dead lav at about
/// -91 dBFS and whose Boom clips twice; returns the file and the dead lav's peak in dBFS.
fn take_with_a_dead_lav_and_a_clipped_boom(dir: &Path) -> (PathBuf, f64) {
    let spec = eight_track_take("27", "1", FRAMES as u64, 5);
    let path = write_take_file(dir, "27_1.WAV", &spec);
    let (offset, size) = data_payload(&path);
    assert_eq!(size, FRAMES * 8 * 3);
    let mut bytes = std::fs::read(&path).expect("readable");
    let mut state = 11u64;
    let mut dead_peak = 0i32;
    for f in 0..FRAMES {
        let t = f as f64 / f64::from(RATE);
        for c in 0..8 {
            let tone = 0.25 * (2.0 * std::f64::consts::PI * (200.0 + 50.0 * c as f64) * t).sin();
            let v = match c {
                2 if (1_000..1_004).contains(&f) => quantise(1.0, 24),
                2 if (30_000..30_006).contains(&f) => quantise(-1.0, 24),
                4 => {
                    let v = quantise(10f64.powf(-91.4 / 20.0) * noise(&mut state), 24);
                    dead_peak = dead_peak.max(v.abs());
                    v
                }
                _ => quantise(tone, 24),
            };
            let at = offset + (f * 8 + c) * 3;
            bytes[at..at + 3].copy_from_slice(&v.to_le_bytes()[..3]);
        }
    }
    std::fs::write(&path, bytes).expect("audio rewritten");
    (
        path,
        20.0 * (f64::from(dead_peak) / f64::from(1 << 23)).log10(),
    )
}

#[test]
fn a_run_with_track_names_names_the_dead_lav_and_the_clipped_boom() {
    let work = temp_dir();
    let (source, dead_peak) = take_with_a_dead_lav_and_a_clipped_boom(&work.path().join("roll"));
    std::fs::write(
        work.path().join("cast.csv"),
        "track,character,mic\nLav1,ZOË,COS-11D\nLav2,CAPTAIN REYES,DPA 4060\nLav3,DECKHAND #2,DPA 4060\n",
    )
    .expect("cast written");
    let recipe = write_recipe(
        work.path(),
        "dailies.toml",
        r#"[[step]]
plugin = "track-names"
csv = "cast.csv"

[[step]]
plugin = "channel-layout"
mix = ["Mix*"]
boom = ["Boom*"]
drop = ["MixR"]
"#,
    );
    let out = work.path().join("out");
    let (output, files) = run_json(
        work.path(),
        &[
            recipe.as_os_str(),
            source.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let file = &files[0];
    let tracks = file["qc"]["tracks"].as_array().expect("qc tracks");
    let names: Vec<&str> = tracks
        .iter()
        .map(|t| t["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "MixL",
            "Boom",
            "ZOË (COS-11D)",
            "CAPTAIN REYES (DPA 4060)",
            "DECKHAND #2 (DPA 4060)",
            "Lav4",
            "Lav5"
        ]
    );
    let silent: Vec<bool> = tracks
        .iter()
        .map(|t| t["silent"].as_bool().unwrap())
        .collect();
    assert_eq!(silent, [false, false, false, true, false, false, false]);
    let runs: Vec<u64> = tracks
        .iter()
        .map(|t| t["clipped_runs"].as_u64().unwrap())
        .collect();
    assert_eq!(runs, [0, 2, 0, 0, 0, 0, 0]);
    let peak = tracks[3]["peak_dbfs"].as_f64().expect("a peak");
    assert!((peak - dead_peak).abs() < 0.05, "{peak} vs {dead_peak}");

    let findings = file["findings"].as_array().expect("findings");
    let messages: Vec<(&str, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                "audio/clipping",
                "warning",
                "track 2 Boom clips: 2 clipped runs, peak 0.0 dBFS"
            ),
            (
                "audio/silent-track",
                "warning",
                format!("track 4 CAPTAIN REYES (DPA 4060) is silent, peak {dead_peak:.1} dBFS")
                    .as_str()
            ),
        ]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("track 4 CAPTAIN REYES (DPA 4060) is silent"),
        "{stderr}"
    );
    let report = report_text(&out);
    assert!(
        report.contains("\"4 CAPTAIN REYES (DPA 4060)\",\"2 Boom: 2 runs\",\"1:"),
        "{report}"
    );
}

#[test]
fn qc_follows_the_recipe_thresholds_with_or_without_verification() {
    let work = temp_dir();
    let (source, _) = take_with_a_dead_lav_and_a_clipped_boom(&work.path().join("roll"));
    let recipe = write_recipe(
        work.path(),
        "copy.toml",
        "[qc]\nsilence_dbfs = -95\nclip_run = 5\n",
    );
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            recipe.as_os_str(),
            source.as_os_str(),
            "--out".as_ref(),
            out.as_ref(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        let (output, files) = run_json(work.path(), &args);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        files[0].clone()
    };
    // Below -95 dBFS only is silent, runs of 5 or more only are clipping: the 6-sample run.
    let verified = run("a", &[]);
    let runs: Vec<u64> = verified["qc"]["tracks"]
        .as_array()
        .expect("qc tracks")
        .iter()
        .map(|t| t["clipped_runs"].as_u64().unwrap())
        .collect();
    assert_eq!(runs, [0, 0, 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        verified["findings"].as_array().map(Vec::len),
        Some(1),
        "{verified}"
    );
    // --set wins over the recipe.
    let file = run("b", &["--set", "qc.silence_dbfs=-60"]);
    assert_eq!(file["findings"].as_array().map(Vec::len), Some(2), "{file}");
    // QC is measured in the write pass, so it does not need the verification read; QC off, none.
    assert_eq!(run("c", &["--no-verify"])["qc"], verified["qc"]);
    assert!(run("d", &["--set", "qc.enabled=false"])["qc"].is_null());
}
