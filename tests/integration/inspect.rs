//! `rollcall inspect` over the real corpus, checked against wavinfo (PyPI).

use std::collections::HashMap;
use std::process::Command;

use serde_json::Value;

use crate::support::{
    corpus, corpus_files, describe, external, not_run, python_module, repo, rollcall,
};

fn inspect_json(files: &[std::path::PathBuf]) -> (Option<i32>, Vec<Value>) {
    let output = rollcall()
        .arg("inspect")
        .arg("--json")
        .args(files)
        .output()
        .expect("rollcall runs");
    let parsed: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("inspect --json prints JSON ({e}): {}", describe(&output)));
    let Value::Array(objects) = parsed else {
        panic!("inspect --json prints an array");
    };
    (output.status.code(), objects)
}

#[test]
fn inspect_json_gives_one_object_per_corpus_file_and_never_panics() {
    let files = corpus_files();
    assert!(files.len() > 150, "the corpus is beside the repository");
    let (code, objects) = inspect_json(&files);
    assert_eq!(objects.len(), files.len());
    assert_eq!(code, Some(1), "some corpus files are broken on purpose");
    let mut readable = 0;
    for (object, path) in objects.iter().zip(&files) {
        assert_eq!(object["path"], path.display().to_string());
        match &object["container"] {
            Value::Null => {
                let error = object["error"].as_str().unwrap_or_default();
                assert!(
                    !error.is_empty(),
                    "{}: unreadable without a reason",
                    path.display()
                );
                assert!(!error.contains('\n'), "one-line reasons: {error}");
            }
            _ => {
                readable += 1;
                let channels = object["channels"].as_u64().unwrap_or(0);
                assert!(channels > 0, "{}", path.display());
                assert_eq!(
                    object["tracks"].as_array().map(Vec::len),
                    Some(channels as usize),
                    "{}: one track per channel",
                    path.display()
                );
                let chunks = object["chunks"].as_array().expect("chunks");
                assert!(chunks.iter().any(|c| c["id"] == "data"));
                assert!(chunks.iter().any(|c| c["id"] == "fmt "));
            }
        }
    }
    assert!(readable > 140, "only {readable} corpus files readable");
}

#[test]
fn inspect_reads_sound_devices_metadata_and_timecode() {
    let file = corpus().join("wavinfo/tests/test_files/sounddevices/A101_1.WAV");
    let (code, objects) = inspect_json(std::slice::from_ref(&file));
    assert_eq!(code, Some(0));
    let object = &objects[0];
    assert_eq!(object["scene"], "A101");
    assert_eq!(object["take"], "1");
    assert_eq!(object["tape"], "18Y12M31");
    assert_eq!(object["project"], "BMH");
    assert_eq!(object["tracks"][0]["name"], "MKH516 A");
    assert_eq!(object["tracks"][1]["name"], "Boom");
    assert_eq!(object["container"], "RIFF");
    assert_eq!(object["bits_per_sample"], 24);

    let human = rollcall().arg("inspect").arg(&file).output().expect("runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("scene A101  take 1  tape 18Y12M31"), "{text}");
    assert!(text.contains("MKH516 A"), "{text}");
    let timecode = objects[0]["timecode"].as_str().expect("a start timecode");
    assert!(text.contains(&format!("start {timecode} @ ")), "{text}");
    let parts: Vec<&str> = timecode.split([':', ';']).collect();
    assert_eq!(parts.len(), 4, "HH:MM:SS:FF, got {timecode}");
}

/// What wavinfo reads (scene, take, tape, track names), by path.
fn wavinfo_view(files: &[std::path::PathBuf]) -> Option<HashMap<String, Value>> {
    if !python_module("wavinfo") {
        not_run("wavinfo", "`pip install wavinfo`");
        return None;
    }
    let script = repo().join("tests/integration/wavinfo_dump.py");
    let mut command = Command::new("python3");
    command.arg(script).args(files);
    let output = external(command, "wavinfo", "`pip install wavinfo`")?;
    let parsed: Vec<Value> = serde_json::from_slice(&output.stdout).expect("wavinfo JSON");
    Some(
        parsed
            .into_iter()
            .map(|v| (v["path"].as_str().unwrap_or_default().to_string(), v))
            .collect(),
    )
}

#[test]
fn inspect_agrees_with_wavinfo_on_scene_take_tape_and_track_names() {
    let files = corpus_files();
    let Some(theirs) = wavinfo_view(&files) else {
        return;
    };
    let (_, ours) = inspect_json(&files);
    let mut compared = 0;
    for object in &ours {
        let path = object["path"].as_str().unwrap_or_default();
        let Some(their) = theirs.get(path) else {
            continue;
        };
        if !their["error"].is_null() || object["container"].is_null() {
            continue;
        }
        for field in ["scene", "take", "tape"] {
            if let Some(value) = their[field].as_str().filter(|v| !v.trim().is_empty()) {
                assert_eq!(
                    object[field].as_str(),
                    Some(value.trim()),
                    "{path}: {field} differs from wavinfo"
                );
                compared += 1;
            }
        }
        if let Some(names) = their["tracks"].as_array() {
            for (index, name) in names.iter().enumerate() {
                if let Some(name) = name.as_str() {
                    // wavinfo reports a TRACK without NAME as ""; rollcall keeps it absent (null).
                    let ours = object["tracks"][index]["name"].as_str().unwrap_or("");
                    assert_eq!(
                        ours.trim(),
                        name.trim(),
                        "{path}: track {} name differs from wavinfo",
                        index + 1
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(
        compared > 100,
        "only {compared} values compared with wavinfo"
    );
}
