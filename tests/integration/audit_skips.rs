//! `rollcall audit` on files the plan leaves out: each is reported by the engine's own findings, not
//! by the wording of its reason.

use std::path::Path;

use crate::support::{describe, eight_track_take, plugin_dir, rollcall, temp_dir, write_take_file};

/// `rollcall audit RECIPE INPUT --json`: the output and the rules found.
fn audit_rules(recipe: &Path, input: &Path) -> (std::process::Output, Vec<(String, String)>) {
    let output = rollcall()
        .arg("audit")
        .arg(recipe)
        .arg(input)
        .arg("--json")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("rollcall runs");
    let findings: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).unwrap_or_default();
    let rules = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (output, rules)
}

#[test]
fn audit_reports_mirrors_by_the_engines_findings_and_a_same_audio_mirror_is_no_error() {
    let work = temp_dir();
    let recipe = crate::support::write_recipe(work.path(), "r.toml", "[recipe]\nname = \"r\"\n");
    // The same take on two cards, byte for byte: one is delivered, the other is its mirror.
    let same = work.path().join("same");
    let mut take = eight_track_take("64", "1", 4_800, 1);
    take.file_uid = "MIRROR-SAME".into();
    write_take_file(&same.join("CARD_A"), "64_1.WAV", &take);
    write_take_file(&same.join("CARD_B"), "64_1.WAV", &take);
    let (output, rules) = audit_rules(&recipe, &same);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(rules.is_empty(), "a mirror is not a problem: {rules:?}");

    // The same FILE_UID with different audio: the engine's `take/mirror-differs`, on both.
    let differs = work.path().join("differs");
    write_take_file(&differs.join("CARD_A"), "64_1.WAV", &take);
    let mut longer = take.clone();
    longer.frames += 480;
    write_take_file(&differs.join("CARD_B"), "64_1.WAV", &longer);
    let (output, rules) = audit_rules(&recipe, &differs);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(
        rules.iter().all(|(rule, _)| rule == "take/mirror-differs"),
        "{rules:?}"
    );
}
