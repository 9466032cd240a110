//! `rollcall run` and `rollcall check` through the real binary: delivery, plan checks, reruns, kills.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use rollgen::{write_take, RecorderStyle, TakeSpec, TrackSpec};

use crate::support::{
    block_align, corpus, describe, plugin_dir, raw_chunks, rollcall, run_recipe, temp_dir, tree,
};

const COPY_RECIPE: &str = "[recipe]\nname = \"copy and verify\"\n";

fn write_recipe(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("recipe written");
    path
}

/// A Sound Devices-style take with `tracks` tracks and `frames` frames.
fn take_spec(scene: &str, take: &str, frames: u64, seed: u64) -> TakeSpec {
    let names = [
        "MixL", "MixR", "Boom", "Lav1", "Lav2", "Lav3", "Lav4", "Lav5",
    ];
    let tracks = names
        .iter()
        .enumerate()
        .map(|(i, n)| TrackSpec::new(i as u32 + 1, n))
        .collect();
    let mut spec = TakeSpec::new(RecorderStyle::SoundDevices, scene, take, tracks);
    spec.frames = frames;
    spec.seed = seed;
    spec.tape = "TST101".into();
    spec
}

/// A roll of `count` takes in `dir`.
fn make_roll(dir: &Path, count: usize, frames: u64) -> Vec<PathBuf> {
    fs::create_dir_all(dir).expect("roll folder");
    (0..count)
        .map(|i| {
            let path = dir.join(format!("T{:03}.WAV", i + 1));
            write_take(
                &path,
                &take_spec("12", &(i + 1).to_string(), frames, i as u64),
            )
            .expect("take written");
            path
        })
        .collect()
}

fn snapshot(files: &[PathBuf]) -> Vec<(Vec<u8>, std::time::SystemTime)> {
    files
        .iter()
        .map(|f| {
            (
                fs::read(f).expect("source readable"),
                fs::metadata(f).and_then(|m| m.modified()).expect("mtime"),
            )
        })
        .collect()
}

#[test]
fn a_recipe_without_steps_delivers_every_well_formed_corpus_file_byte_identical() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let out = work.path().join("out");
    let source_root = corpus();
    let output = run_recipe(&recipe, &[&source_root], &out, &["--quiet"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "broken corpus files fail: {}",
        describe(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let recovered: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("rollcall: recovered: "))
        .collect();
    let mut verbatim = 0;
    for relative in tree(&out) {
        if relative.starts_with("rollcall-report-") {
            continue;
        }
        let source = source_root.join(&relative);
        if recovered
            .iter()
            .any(|line| line.contains(relative.as_str()))
        {
            // Every whole frame on disk from the start of `data`, counted here from the source bytes.
            let bytes = fs::read(&source).expect("source");
            let data = raw_chunks(&source)
                .into_iter()
                .find(|c| &c.id == b"data")
                .expect("data chunk");
            let ba = block_align(&source);
            let on_disk = (bytes.len() - data.payload_offset) / ba;
            let delivered = raw_chunks(&out.join(&relative))
                .into_iter()
                .find(|c| &c.id == b"data")
                .expect("delivered data");
            assert_eq!(delivered.payload.len() / ba, on_disk, "{relative}: frames");
            assert_eq!(
                delivered.payload[..],
                bytes[data.payload_offset..data.payload_offset + on_disk * ba],
                "{relative}: recovered audio"
            );
            continue;
        }
        assert!(
            fs::read(out.join(&relative)).expect("delivered") == fs::read(&source).expect("source"),
            "{relative}: an untouched file is delivered byte for byte"
        );
        verbatim += 1;
    }
    assert_eq!(
        recovered.len(),
        4,
        "the corpus's four cut takes: {recovered:?}"
    );
    assert!(
        verbatim > 140,
        "only {verbatim} corpus files delivered verbatim"
    );
    for line in stderr
        .lines()
        .filter(|l| l.starts_with("rollcall: failed: "))
    {
        assert!(
            line.contains(".wav") || line.contains(".WAV"),
            "names the file: {line}"
        );
    }
    let reports: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.starts_with("rollcall-report-") && f.ends_with(".csv"))
        .collect();
    assert_eq!(reports.len(), 1);
    let report = fs::read_to_string(out.join(&reports[0])).expect("report readable");
    assert!(report.starts_with("\"source\",\"destination\",\"status\",\"reason\",\"xxh128\""));
    assert!(report.contains("\"delivered\""));
    assert!(report.contains("\"failed\""));
}

#[test]
fn two_different_takes_on_one_destination_are_withheld_and_the_rest_delivered() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    make_roll(&work.path().join("a"), 2, 480);
    // Another take (scene 14) under the same file name on another card.
    let other = work.path().join("b");
    fs::create_dir_all(&other).expect("b");
    write_take(&other.join("T001.WAV"), &take_spec("14", "1", 480, 9)).expect("take");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&work.path().join("a"), &other], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("withheld: ").count(),
        2,
        "both takes withheld: {stderr}"
    );
    assert!(
        stderr.contains("collision: 2 different takes would be delivered as T001.WAV"),
        "{stderr}"
    );
    assert_eq!(delivered_wavs(&out), vec!["T002.WAV".to_string()]);
}

#[test]
fn the_same_take_on_two_cards_is_delivered_once_and_a_differing_copy_is_withheld() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    // Dual-media recording: the same takes on card A and card B.
    make_roll(&work.path().join("A"), 2, 480);
    make_roll(&work.path().join("B"), 2, 480);
    let out = work.path().join("out");
    let inputs = [&work.path().join("A"), &work.path().join("B")];
    let inputs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
    let output = run_recipe(&recipe, &inputs, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("mirror: ").count(), 2, "{stderr}");
    assert_eq!(delivered_wavs(&out), vec!["T001.WAV", "T002.WAV"]);
    // Card B's copy of take 2 differs (a bad card): both copies are withheld with the finding.
    let b2 = work.path().join("B").join("T002.WAV");
    let mut bytes = fs::read(&b2).expect("b2");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    fs::write(&b2, bytes).expect("damaged");
    let out = work.path().join("out2");
    let output = run_recipe(&recipe, &inputs, &out, &["--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let withheld: Vec<&serde_json::Value> = document["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["status"] == "withheld")
        .collect();
    assert_eq!(withheld.len(), 2, "{document}");
    for file in withheld {
        assert_eq!(file["findings"][0]["rule"], "take/mirror-differs", "{file}");
        assert_eq!(file["findings"][0]["severity"], "error", "{file}");
    }
    assert_eq!(delivered_wavs(&out), vec!["T001.WAV"]);
}

/// The WAV files delivered under `out`.
fn delivered_wavs(out: &Path) -> Vec<String> {
    tree(out)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect()
}

#[test]
fn a_destination_with_other_content_is_a_conflict_and_nothing_is_written() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    make_roll(&roll, 3, 480);
    let out = work.path().join("out");
    fs::create_dir_all(&out).expect("out");
    fs::write(out.join("T002.WAV"), b"someone else's file").expect("conflicting file");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("conflict:"));
    assert_eq!(tree(&out), vec!["T002.WAV".to_string()]);
    assert_eq!(
        fs::read(out.join("T002.WAV")).expect("kept"),
        b"someone else's file"
    );
}

#[test]
fn a_rerun_recognises_what_is_delivered_and_sources_stay_untouched() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    let sources = make_roll(&roll, 4, 4800);
    let before = snapshot(&sources);
    let out = work.path().join("out");

    let dry = run_recipe(&recipe, &[&roll], &out, &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", describe(&dry));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("T001.WAV -> T001.WAV"));
    assert!(!out.exists(), "a dry run writes nothing");

    let first = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    assert!(String::from_utf8_lossy(&first.stderr)
        .contains("4 delivered, 0 already delivered, 0 failed"));
    let delivered: Vec<PathBuf> = sources
        .iter()
        .map(|s| out.join(s.file_name().unwrap()))
        .collect();
    let first_state = snapshot(&delivered);
    for (source, output) in sources.iter().zip(&delivered) {
        assert_eq!(
            fs::read(source).unwrap(),
            fs::read(output).unwrap(),
            "a copy is byte-identical"
        );
    }

    std::thread::sleep(Duration::from_millis(20));
    let second = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("0 delivered, 4 already delivered, 0 failed"),
        "{}",
        describe(&second)
    );
    assert_eq!(
        snapshot(&delivered),
        first_state,
        "delivered files left alone"
    );
    assert_eq!(snapshot(&sources), before, "sources untouched");
    let reports = tree(&out)
        .into_iter()
        .filter(|f| f.starts_with("rollcall-report-"))
        .count();
    assert!(reports >= 1);
}

#[test]
fn recipe_errors_name_the_file_and_the_line_and_exit_2() {
    let work = temp_dir();
    let roll = work.path().join("TST101");
    make_roll(&roll, 1, 480);
    let out = work.path().join("out");
    let cases = [
        (
            "unknown-key.toml",
            "[recipe]\nname = \"x\"\n\n[output]\ndri = \"x\"\n",
            "unknown-key.toml:5",
            "dri",
        ),
        (
            "wrong-type.toml",
            "[recipe]\nname = 3\n",
            "wrong-type.toml:2",
            "name",
        ),
        (
            "unknown-plugin.toml",
            "[recipe]\nname = \"x\"\n\n[[step]]\nplugin = \"no-such-step\"\n",
            "unknown-plugin.toml:4",
            "no-such-step",
        ),
        (
            "missing-csv.toml",
            "[[step]]\nplugin = \"track-names\"\ncsv = \"cast-missing.csv\"\n",
            "missing-csv.toml:3",
            "cast-missing.csv",
        ),
        (
            "step-key.toml",
            "[[step]]\nplugin = \"rename\"\ntempalte = \"{scene}\"\n",
            "step-key.toml:3",
            "tempalte",
        ),
    ];
    for (name, text, location, key) in cases {
        let recipe = write_recipe(work.path(), name, text);
        for command in ["check", "run"] {
            let mut cmd = rollcall();
            cmd.arg(command).arg(&recipe);
            if command == "run" {
                cmd.arg(&roll).arg("--out").arg(&out);
            }
            let output = cmd
                .arg("--plugin-dir")
                .arg(plugin_dir())
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{name} {command}: {}",
                describe(&output)
            );
            assert!(
                stderr.contains(location),
                "{name} {command}: wants {location}: {stderr}"
            );
            assert!(
                stderr.contains(key),
                "{name} {command}: wants {key}: {stderr}"
            );
        }
    }
    assert!(!out.exists(), "nothing written");
}

#[test]
fn check_accepts_the_bundled_recipes() {
    for recipe in [
        "series-dailies.toml",
        "feature-dailies.toml",
        "copy-and-verify.toml",
    ] {
        let output = rollcall()
            .arg("check")
            .arg(crate::support::repo().join("recipes").join(recipe))
            .arg("--plugin-dir")
            .arg(plugin_dir())
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{recipe}: {}",
            describe(&output)
        );
    }
}

/// Wait for one child and return whether it succeeded and its peak resident memory in KiB, polled
/// from `/proc/PID/status` (`VmHWM` belongs to the child's own address space; `getrusage` and `wait4`
/// would also count the test process's memory, which the child shares until it calls exec).
fn wait_with_peak_rss(mut child: std::process::Child) -> (bool, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = fs::read_to_string(&status_file) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        match child.try_wait().expect("child state") {
            Some(status) => return (status.success(), peak),
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

#[test]
fn a_real_2_4_gb_rf64_file_goes_through_with_its_trailing_chunks_and_small_memory() {
    let gz = corpus().join("wavinfo/tests/test_files/rf64/Testfile_SEQ_RF64_Big.wav.gz");
    let work = temp_dir();
    let roll = work.path().join("rf64");
    fs::create_dir_all(&roll).unwrap();
    let source = roll.join("Testfile_SEQ_RF64_Big.wav");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc '{}' > '{}'",
            gz.display(),
            source.display()
        ))
        .status()
        .expect("gzip runs");
    assert!(status.success());
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let out = work.path().join("out");
    let started = Instant::now();
    let child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let (success, peak_kib) = wait_with_peak_rss(child);
    let elapsed = started.elapsed();
    eprintln!(
        "2.4 GB RF64: {:.1} s, peak RSS of the rollcall process {} KiB",
        elapsed.as_secs_f64(),
        peak_kib
    );
    assert!(success, "the run succeeds");
    let delivered = out.join("Testfile_SEQ_RF64_Big.wav");
    let header = fs::read(&delivered).map(|_| ()).ok();
    assert!(header.is_some());
    let mut magic = [0u8; 4];
    use std::io::Read;
    fs::File::open(&delivered)
        .unwrap()
        .read_exact(&mut magic)
        .unwrap();
    assert_eq!(&magic, b"RF64");
    let ids = |path: &Path| -> Vec<String> {
        let output = rollcall()
            .arg("inspect")
            .arg("--json")
            .arg(path)
            .output()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value[0]["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{}:{}", c["id"].as_str().unwrap(), c["size"]))
            .collect()
    };
    let source_ids = ids(&source);
    assert_eq!(ids(&delivered), source_ids);
    let after_data: Vec<&String> = source_ids
        .iter()
        .skip_while(|c| !c.starts_with("data:"))
        .skip(1)
        .collect();
    assert!(
        after_data.len() >= 6,
        "chunks after data kept: {after_data:?}"
    );
    assert!(peak_kib < 64 * 1024, "peak memory {peak_kib} KiB");
}

#[test]
fn overrides_from_set_and_the_environment_layer_over_the_recipe() {
    let work = temp_dir();
    let roll = work.path().join("TST101");
    make_roll(&roll, 2, 480);
    let recipe = write_recipe(
        work.path(),
        "rename.toml",
        "[output]\ndir = \"from-recipe\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}-{take}\"\n",
    );
    let output = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--set")
        .arg("step.1.template={show}_{scene}_T{take:03}")
        .arg("--set")
        .arg("vars.show=TWD")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .env("ROLLCALL_OUTPUT__DIR", work.path().join("from-env"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let delivered: Vec<String> = tree(&work.path().join("from-env"))
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert_eq!(delivered, vec!["TWD_12_T001.WAV", "TWD_12_T002.WAV"]);
    assert!(!work.path().join("from-recipe").exists());

    let bad = rollcall()
        .arg("check")
        .arg(&recipe)
        .arg("--set")
        .arg("outptu.dir=x")
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("outptu.dir"));
}

#[test]
fn run_json_prints_one_document_with_every_file() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    make_roll(&roll, 2, 480);
    fs::write(roll.join("broken.wav"), b"RIFF\x04\x00\x00\x00WAVE").unwrap();
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &["--json", "--quiet"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let document: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON document");
    let files = document["files"].as_array().expect("files");
    assert_eq!(files.len(), 3);
    let broken = files
        .iter()
        .find(|f| {
            f["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("broken.wav"))
        })
        .expect("the broken file is listed");
    assert_eq!(broken["status"], "failed");
    assert!(broken["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(
        files.iter().filter(|f| f["status"] == "delivered").count(),
        2
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.wav"),
        "the failure is named on stderr: {stderr}"
    );
}
