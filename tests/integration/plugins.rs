//! Plugins through the real binary: the listing, and a plugin that panics or errors on one file.

use std::fs;
use std::path::Path;

use rollgen::{write_take, RecorderStyle, TakeSpec, TrackSpec};
use serde_json::Value;

use crate::support::{describe, plugin_dir, rollcall, run_recipe, temp_dir, tree};

#[test]
fn plugins_lists_the_standard_steps_and_the_template_with_versions() {
    let output = rollcall()
        .arg("plugins")
        .arg("--json")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let listing: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON array");
    for name in [
        "rename",
        "track-names",
        "episode-split",
        "channel-layout",
        "template",
    ] {
        let entry = listing
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed: {listing:?}"));
        assert_eq!(entry["sdk_version"], "1.1.0", "{name}");
        assert!(entry["error"].is_null(), "{name}: {entry}");
        assert!(entry["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(&format!("librollcall_{}.so", name.replace('-', "_")))));
    }
    let incompatible = listing
        .iter()
        .find(|p| p["name"] == "incompatible")
        .expect("the incompatible test plugin is listed with its error");
    let error = incompatible["error"].as_str().expect("an error");
    assert!(
        error.contains("2.0.0") && error.contains("1.1.0"),
        "{error}"
    );
    assert!(error.lines().count() <= 3, "short: {error}");

    let human = rollcall()
        .arg("plugins")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("channel-layout") && l.contains("1.1.0")),
        "{text}"
    );
}

fn roll_of_three(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for (i, scene) in ["7", "8", "9"].iter().enumerate() {
        let tracks = vec![TrackSpec::new(1, "MixL"), TrackSpec::new(2, "Boom")];
        let mut spec = TakeSpec::new(RecorderStyle::SoundDevices, scene, "1", tracks);
        spec.seed = i as u64;
        write_take(&dir.join(format!("S{scene}.WAV")), &spec).unwrap();
    }
}

#[test]
fn a_plugin_that_panics_or_errors_fails_that_file_and_the_batch_goes_on() {
    for (mode, message) in [("panic", "panicked"), ("error", "refused s8.wav")] {
        let work = temp_dir();
        let roll = work.path().join("R1");
        roll_of_three(&roll);
        let recipe = work.path().join("recipe.toml");
        fs::write(
            &recipe,
            format!("[[step]]\nplugin = \"misbehaving\"\nmode = \"{mode}\"\nscene = \"8\"\n"),
        )
        .unwrap();
        let out = work.path().join("out");
        let output = run_recipe(&recipe, &[&roll], &out, &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{mode}: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let failed: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("rollcall: failed:"))
            .collect();
        assert_eq!(failed.len(), 1, "{stderr}");
        assert!(
            failed[0].contains("S8.WAV"),
            "names the file: {}",
            failed[0]
        );
        assert!(
            failed[0].contains("misbehaving"),
            "names the step: {}",
            failed[0]
        );
        assert!(
            failed[0].to_lowercase().contains(message),
            "{mode}: {}",
            failed[0]
        );
        let files = tree(&out);
        assert!(
            files.contains(&"S7.WAV".to_string()) && files.contains(&"S9.WAV".to_string()),
            "{files:?}"
        );
        assert!(!files.contains(&"S8.WAV".to_string()));
        let report = files
            .iter()
            .find(|f| f.starts_with("rollcall-report-"))
            .expect("report");
        let report = fs::read_to_string(out.join(report)).unwrap();
        assert!(
            report
                .lines()
                .any(|l| l.contains("S8.WAV") && l.contains("\"failed\"")),
            "{report}"
        );
    }
}
