//! The `practice` check through the real binary: every rule fires on a generated take that breaks
//! it, clean takes of every recorder style stay silent, findings withhold files on `run`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use rollgen::{RecorderStyle, TakeSpec, TrackSpec};
use serde_json::Value;

use crate::support::{
    describe, plugin_dir, rollcall, run_recipe, temp_dir, tree, write_recipe, write_take_file,
};

const RECIPE: &str = r#"
[vars]
show = "TST"
season = "1"

[[check]]
plugin = "practice"
"#;

/// `rollcall audit RECIPE INPUT --json`: the output and the findings.
fn audit_json(recipe: &Path, input: &Path) -> (Output, Vec<Value>) {
    let output = rollcall()
        .arg("audit")
        .arg(recipe)
        .arg(input)
        .arg("--json")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("rollcall runs");
    let findings: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap_or_default();
    (output, findings)
}

/// The rules found per source file name (file findings only).
fn rules_by_file(findings: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for finding in findings {
        if let Some(path) = finding["path"].as_str() {
            let name = Path::new(path);
            let parent = name
                .parent()
                .and_then(Path::file_name)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file = name
                .file_name()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            by_file
                .entry(format!("{parent}/{file}"))
                .or_default()
                .insert(finding["rule"].as_str().unwrap_or("").to_string());
        }
    }
    by_file
}

fn tracks(names: &[&str]) -> Vec<TrackSpec> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| TrackSpec::new(i as u32 + 1, n))
        .collect()
}

/// A take that keeps the practice: 48 kHz, 24-bit, 23.976, mix, boom, a named ISO, 10 s pre-roll.
fn clean(style: RecorderStyle, scene: &str, take: &str, tape: &str) -> TakeSpec {
    let mut spec = TakeSpec::new(
        style,
        scene,
        take,
        tracks(&["Mix", "Boom", "ZOE (COS-11D)"]),
    );
    spec.tape = tape.into();
    spec.pre_roll = Some(10 * 48_000);
    spec.file_uid = format!("UID-{tape}-{scene}-{take}");
    spec
}

/// Clean takes from each recorder style, main unit, recorder B and second unit.
fn write_clean_rolls(dir: &Path) -> Vec<String> {
    let takes = [
        (
            "TST1001",
            "12_1.WAV",
            clean(RecorderStyle::SoundDevices, "12", "1", "TST1001"),
        ),
        (
            "TST1001",
            "12_2.WAV",
            clean(RecorderStyle::SoundDevices, "12", "2", "TST1001"),
        ),
        (
            "TST1002B",
            "14-T001.WAV",
            clean(RecorderStyle::Zoom, "14", "001", "TST1002B"),
        ),
        (
            "TST1002B",
            "14-T002.WAV",
            clean(RecorderStyle::Zoom, "14", "002", "TST1002B"),
        ),
        (
            "TSTX101",
            "31A-02.WAV",
            clean(RecorderStyle::Metacorder, "31A", "02", "TSTX101"),
        ),
    ];
    let mut names = Vec::new();
    for (folder, file, spec) in takes {
        write_take_file(&dir.join(folder), file, &spec);
        names.push(format!("{folder}/{file}"));
    }
    names
}

#[test]
fn clean_takes_of_every_recorder_style_raise_nothing() {
    let dir = temp_dir();
    let rolls = dir.path().join("rolls");
    write_clean_rolls(&rolls);
    let recipe = write_recipe(dir.path(), "r.toml", RECIPE);
    let (output, findings) = audit_json(&recipe, &rolls);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(findings.is_empty(), "{findings:#?}");

    let human = rollcall()
        .arg("audit")
        .arg(&recipe)
        .arg(&rolls)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("audit: 5 files in 3 rolls: 0 errors, 0 warnings, 0 info"),
        "{text}"
    );
}

/// Overwrite the first occurrence of `from` in a generated file with `to` (same length).
fn patch(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).expect("read");
    let at = bytes
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .expect("the text to patch is in the file");
    bytes[at..at + to.len()].copy_from_slice(to.as_bytes());
    std::fs::write(path, bytes).expect("write");
}

/// Takes that each break one rule (or, for the roll rules, a roll that breaks it), beside the clean
/// rolls; returns the expected rules per `folder/file`.
fn write_broken_rolls(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |folder: &str, file: &str, spec: &TakeSpec, rules: &[&str]| -> PathBuf {
        let path = write_take_file(&dir.join(folder), file, spec);
        expected.insert(
            format!("{folder}/{file}"),
            rules.iter().map(|r| r.to_string()).collect(),
        );
        path
    };
    let sd = RecorderStyle::SoundDevices;

    let mut s = clean(sd, "70", "1", "TST1010");
    s.bits = 16;
    add("TST1010", "70_1.WAV", &s, &["format/bit-depth"]);

    let mut s = clean(sd, "71", "1", "TST1011");
    s.sample_rate = 96_000;
    s.pre_roll = Some(10 * 96_000);
    add("TST1011", "71_1.WAV", &s, &["format/sample-rate"]);

    let mut s = clean(sd, "72", "1", "TST1012");
    s.timecode_rate = (25, 1);
    add("TST1012", "72_1.WAV", &s, &["format/timecode-rate"]);

    let mut s = clean(sd, "73", "1", "TST1013");
    s.tracks = tracks(&["Mix"]);
    add("TST1013", "73_1_1.WAV", &s, &["format/poly"]);

    // Two recorders on one roll label.
    add(
        "TST1020",
        "40_1.WAV",
        &clean(sd, "40", "1", "TST1020"),
        &["roll/repeated"],
    );
    add(
        "TST1020",
        "40-T002.WAV",
        &clean(RecorderStyle::Zoom, "40", "002", "TST1020"),
        &["roll/repeated"],
    );
    // Two production days on one roll label: 04:00 belongs to the day before (cutoff 06:00).
    let mut late = clean(sd, "41", "1", "TST1021");
    late.start_samples = 4 * 3600 * 48_000;
    add("TST1021", "41_1.WAV", &late, &["roll/repeated"]);
    add(
        "TST1021",
        "41_2.WAV",
        &clean(sd, "41", "2", "TST1021"),
        &["roll/repeated"],
    );
    // (A night shoot past midnight is one production day: rollgen stamps one date per roll, so
    // that case is tested on the day arithmetic in pipeline/rolls.)

    // One card folder, two rolls: a batch finding; the files themselves are clean.
    add("MIXED", "43_1.WAV", &clean(sd, "43", "1", "TST1030"), &[]);
    add("MIXED", "44_1.WAV", &clean(sd, "44", "1", "TST1031"), &[]);
    // A label outside the scheme: a roll finding.
    add("TST101", "45_1.WAV", &clean(sd, "45", "1", "TST101"), &[]);

    add(
        "TST1040",
        "NOSLATE.WAV",
        &clean(sd, "", "1", "TST1040"),
        &["slate/missing"],
    );
    let mut wild = clean(sd, "", "", "TST1041");
    wild.wild = true;
    add("TST1041", "WILD.WAV", &wild, &[]);
    add(
        "TST1042",
        "WRONG.WAV",
        &clean(sd, "50", "1", "TST1042"),
        &["slate/name"],
    );
    let disagree = add(
        "TST1043",
        "51_1.WAV",
        &clean(sd, "51", "1", "TST1043"),
        &["slate/disagree"],
    );
    patch(&disagree, "sSCENE=51", "sSCENE=52");

    let mut s = clean(sd, "60", "1", "TST1044");
    s.tracks = tracks(&["Boom", "Mix", "ZOE (COS-11D)"]);
    add("TST1044", "60_1.WAV", &s, &["tracks/layout"]);
    let mut s = clean(sd, "61", "1", "TST1045");
    s.tracks = tracks(&["Mix", "Boom", "Tr3"]);
    add("TST1045", "61_1.WAV", &s, &["tracks/iso-named"]);

    let mut s = clean(sd, "62", "1", "TST1046");
    s.pre_roll = Some(48_000);
    add("TST1046", "62_1.WAV", &s, &["take/pre-roll"]);
    let mut s = clean(sd, "63", "1", "TST1047");
    s.pre_roll = None;
    add("TST1047", "63_1.WAV", &s, &["take/pre-roll"]);

    // One FILE_UID on two cards with different audio.
    let mut a = clean(sd, "64", "1", "TST1050");
    a.file_uid = "MIRROR-UID-1".into();
    let mut b = a.clone();
    b.frames += 480;
    add("CARD_A", "64_1.WAV", &a, &["take/mirror-differs"]);
    add("CARD_B", "64_1.WAV", &b, &["take/mirror-differs"]);
    expected
}

#[test]
fn every_rule_fires_on_the_take_that_breaks_it_and_nowhere_else() {
    let dir = temp_dir();
    let rolls = dir.path().join("rolls");
    let clean_files = write_clean_rolls(&rolls);
    let mut expected = write_broken_rolls(&rolls);
    for file in clean_files {
        expected.insert(file, BTreeSet::new());
    }
    let recipe = write_recipe(dir.path(), "r.toml", RECIPE);
    let (output, findings) = audit_json(&recipe, &rolls);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let found = rules_by_file(&findings);
    for (file, rules) in &expected {
        let got = found.get(file).cloned().unwrap_or_default();
        assert_eq!(&got, rules, "{file}: {findings:#?}");
    }
    let batch: BTreeSet<(String, String)> = findings
        .iter()
        .filter(|f| f["path"].is_null())
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["roll"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        batch.contains(&("roll/label".to_string(), "TST101".to_string())),
        "{batch:?}"
    );
    assert!(
        batch.iter().any(|(rule, _)| rule == "roll/mixed-folder"),
        "{batch:?}"
    );
    assert_eq!(batch.len(), 2, "{batch:?}");
    // Severities as SPEC section 6 gives them.
    let severity = |rule: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["severity"].as_str().unwrap_or("").to_string())
            .collect::<BTreeSet<_>>()
    };
    for (rule, wanted) in [
        ("slate/missing", "error"),
        ("roll/repeated", "error"),
        ("take/mirror-differs", "error"),
        ("format/sample-rate", "warning"),
        ("tracks/iso-named", "warning"),
        ("slate/name", "warning"),
    ] {
        assert_eq!(
            severity(rule),
            BTreeSet::from([wanted.to_string()]),
            "{rule}"
        );
    }
    assert_eq!(
        severity("take/pre-roll"),
        BTreeSet::from(["info".to_string(), "warning".to_string()])
    );
    let every_rule = [
        "format/bit-depth",
        "format/sample-rate",
        "format/timecode-rate",
        "format/poly",
        "roll/label",
        "roll/repeated",
        "roll/mixed-folder",
        "slate/missing",
        "slate/name",
        "slate/disagree",
        "tracks/layout",
        "tracks/iso-named",
        "take/pre-roll",
        "take/mirror-differs",
    ];
    for rule in every_rule {
        assert!(!severity(rule).is_empty(), "{rule} never fired");
    }
}

#[test]
fn a_declared_rate_is_an_error_and_the_recipe_changes_severities() {
    let dir = temp_dir();
    let rolls = dir.path().join("rolls");
    write_clean_rolls(&rolls);
    let mut s = clean(RecorderStyle::SoundDevices, "61", "1", "TST1045");
    s.tracks = tracks(&["Mix", "Boom", "ISO 3"]);
    write_take_file(&rolls.join("TST1045"), "61_1.WAV", &s);
    let recipe = write_recipe(
        dir.path(),
        "r.toml",
        &format!(
            "{RECIPE}sample_rate = 96000\ntimecode_rate = \"25\"\n\
             severity = {{ \"tracks/iso-named\" = \"error\", \"format/timecode-rate\" = \"info\" }}\n"
        ),
    );
    let (output, findings) = audit_json(&recipe, &rolls);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let of =
        |rule: &str| -> Vec<&Value> { findings.iter().filter(|f| f["rule"] == rule).collect() };
    assert_eq!(of("format/sample-rate").len(), 6);
    assert!(of("format/sample-rate")
        .iter()
        .all(|f| f["severity"] == "error"));
    assert!(of("format/timecode-rate")
        .iter()
        .all(|f| f["severity"] == "info"));
    assert_eq!(of("tracks/iso-named").len(), 1);
    assert_eq!(of("tracks/iso-named")[0]["severity"], "error");
}

#[test]
fn run_withholds_files_with_an_error_unless_the_recipe_delivers_on_error() {
    let dir = temp_dir();
    let rolls = dir.path().join("rolls");
    write_clean_rolls(&rolls);
    write_take_file(
        &rolls.join("TST1040"),
        "NOSLATE.WAV",
        &clean(RecorderStyle::SoundDevices, "", "1", "TST1040"),
    );
    let recipe = write_recipe(dir.path(), "r.toml", RECIPE);
    let out = dir.path().join("out");
    let output = run_recipe(&recipe, &[&rolls], &out, &["--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let files = summary["files"].as_array().cloned().unwrap_or_default();
    let withheld: Vec<&Value> = files.iter().filter(|f| f["status"] == "withheld").collect();
    assert_eq!(withheld.len(), 1, "{files:#?}");
    assert!(withheld[0]["source"]
        .as_str()
        .is_some_and(|s| s.ends_with("NOSLATE.WAV")));
    assert_eq!(withheld[0]["findings"][0]["rule"], "slate/missing");
    assert_eq!(
        files.iter().filter(|f| f["status"] == "delivered").count(),
        5
    );
    let delivered = tree(&out);
    assert!(
        !delivered.iter().any(|f| f.contains("NOSLATE")),
        "{delivered:?}"
    );
    let report = delivered
        .iter()
        .find(|f| f.starts_with("rollcall-report-"))
        .map(|f| std::fs::read_to_string(out.join(f)).unwrap_or_default())
        .unwrap_or_default();
    assert!(report.contains("\"withheld\""), "{report}");
    assert!(report.contains("error slate/missing"), "{report}");

    let recipe = write_recipe(
        dir.path(),
        "deliver.toml",
        &format!("[output]\ndeliver_on_error = true\n{RECIPE}"),
    );
    let out = dir.path().join("out-all");
    let output = run_recipe(&recipe, &[&rolls], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(tree(&out).iter().any(|f| f.contains("NOSLATE")));
}

#[test]
fn check_refuses_a_plugin_needing_a_feature_this_rollcall_lacks() {
    let dir = temp_dir();
    let recipe = write_recipe(dir.path(), "r.toml", "[[step]]\nplugin = \"needy\"\n");
    let output = rollcall()
        .arg("check")
        .arg(&recipe)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("plugin `needy`") && stderr.contains("needs `teleport`"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let practice = write_recipe(dir.path(), "p.toml", &format!("{RECIPE}bit_dept = 24\n"));
    let output = rollcall()
        .arg("check")
        .arg(&practice)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("p.toml:") && stderr.contains("bit_dept"),
        "{stderr}"
    );
}

#[test]
fn a_roll_in_the_ledger_from_an_earlier_day_is_repeated_unless_the_delivery_resumes() {
    let dir = temp_dir();
    let rolls = dir.path().join("rolls");
    write_clean_rolls(&rolls);
    let ledger = "roll,day,recorder,files,first,last,run\n\
                  TST1001,2000-01-01,Sound Dev: 888,4,OTHER-1,OTHER-4,2000-01-02T01:00:00Z\n";
    std::fs::write(dir.path().join("rolls.csv"), ledger).expect("ledger");
    let recipe = write_recipe(
        dir.path(),
        "r.toml",
        &format!("{RECIPE}ledger = \"rolls.csv\"\n"),
    );
    let (output, findings) = audit_json(&recipe, &rolls);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let repeated: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "roll/repeated")
        .collect();
    assert_eq!(repeated.len(), 2, "{findings:#?}");
    assert!(repeated.iter().all(|f| f["roll"] == "TST1001"));

    // The ledger knows one of the roll's files: a resumed delivery, not a repeat.
    let resumed = ledger.replace("OTHER-4", "UID-TST1001-12-1");
    std::fs::write(dir.path().join("rolls.csv"), resumed).expect("ledger");
    let (output, findings) = audit_json(&recipe, &rolls);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(findings.is_empty(), "{findings:#?}");
}

/// What the real field-recorder files of the corpus raise, file by file, and why. None is an error:
/// the practice check has no false errors on real recorders' files.
#[test]
fn real_field_recorder_files_raise_only_what_they_really_break() {
    let dir = temp_dir();
    let recipe = write_recipe(dir.path(), "r.toml", RECIPE);
    let files = crate::support::corpus().join("wavinfo/tests/test_files");
    let output = rollcall()
        .arg("audit")
        .arg(&recipe)
        .arg(files.join("sounddevices"))
        .arg(files.join("zoom_F8"))
        .arg(files.join("metacorder"))
        .arg("--json")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let findings: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    let found = rules_by_file(&findings);
    let set =
        |rules: &[&str]| -> BTreeSet<String> { rules.iter().map(|r| r.to_string()).collect() };
    // Sound Devices 702T poly takes (A101_1..4): shot at 23.976 while the other real files of this
    // batch are 25 fps (format/timecode-rate: one rate across the batch); track 1 is the boom mic
    // `MKH516 A`, no mix (tracks/layout); the 702T writes no PRE_RECORD_SAMPLECOUNT (info).
    for take in ["A101_1.WAV", "A101_2.WAV", "A101_3.WAV", "A101_4.WAV"] {
        assert_eq!(
            found.get(&format!("sounddevices/{take}")),
            Some(&set(&[
                "format/timecode-rate",
                "tracks/layout",
                "take/pre-roll"
            ])),
            "{take}"
        );
    }
    // The 702T split-mono pair A101_1_1/_2 (iXML FILE_SET of 2): format/poly, the batch's rate, info.
    for take in ["A101_1_1.WAV", "A101_1_2.WAV"] {
        assert_eq!(
            found.get(&format!("sounddevices/{take}")),
            Some(&set(&[
                "format/poly",
                "format/timecode-rate",
                "take/pre-roll"
            ])),
            "{take}"
        );
    }
    // Zoom F8 discrete (split-mono) take of 9 files: format/poly; the F8 writes no pre-roll (info).
    let zoom: Vec<(&String, &BTreeSet<String>)> = found
        .iter()
        .filter(|(f, _)| f.starts_with("Scene_1_2AG-T001.TAKE/"))
        .collect();
    assert_eq!(zoom.len(), 9, "{found:#?}");
    for (file, rules) in zoom {
        assert_eq!(rules, &set(&["format/poly", "take/pre-roll"]), "{file}");
    }
    // Gallery Metacorder split-mono takes Sr001-*: format/poly only (pre-roll recorded, 25 fps).
    let metacorder: Vec<(&String, &BTreeSet<String>)> = found
        .iter()
        .filter(|(f, _)| f.starts_with("metacorder/"))
        .collect();
    assert_eq!(metacorder.len(), 10, "{found:#?}");
    for (file, rules) in metacorder {
        assert_eq!(rules, &set(&["format/poly"]), "{file}");
    }
    // Their roll labels (`18Y12M31`, `WINFO`, `Sr001`) follow no show's scheme: one roll finding each.
    let labels: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "roll/label")
        .filter_map(|f| f["roll"].as_str())
        .collect();
    assert_eq!(labels, BTreeSet::from(["18Y12M31", "Sr001", "WINFO"]));
    assert!(findings.iter().all(|f| f["severity"] != "error"));
}

#[test]
fn the_ledger_is_appended_by_real_runs_only_and_catches_a_roll_reused_on_day_two() {
    let dir = temp_dir();
    let day1 = dir.path().join("day1");
    write_clean_rolls(&day1);
    let recipe = write_recipe(
        dir.path(),
        "r.toml",
        &format!("{RECIPE}ledger = \"rolls.csv\"\n"),
    );
    let ledger = dir.path().join("rolls.csv");

    // A dry run never touches the ledger.
    let output = run_recipe(&recipe, &[&day1], &dir.path().join("out"), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(!ledger.exists(), "a dry run wrote the ledger");

    let output = run_recipe(&recipe, &[&day1], &dir.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = std::fs::read_to_string(&ledger).expect("the run wrote the ledger");
    let rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0].join(","), "roll,day,recorder,files,first,last,run");
    assert_eq!(rows.len(), 4, "{text}");
    let roll = rows
        .iter()
        .find(|r| r[0] == "TST1001")
        .cloned()
        .unwrap_or_default();
    assert_eq!(roll[3], "2", "{text}");
    assert_eq!(
        (roll[4].as_str(), roll[5].as_str()),
        ("UID-TST1001-12-1", "UID-TST1001-12-2")
    );
    let day1_date = roll[1].clone();
    assert_eq!(day1_date.len(), 10, "{text}");

    // Running day 1 again (a resumed delivery) adds nothing and raises nothing.
    let output = run_recipe(&recipe, &[&day1], &dir.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(std::fs::read_to_string(&ledger).unwrap_or_default(), text);

    // Day 2: the mixer reuses roll TST1001 on a new card, dated the next day.
    let day2 = dir.path().join("day2");
    let spec = clean(RecorderStyle::SoundDevices, "80", "1", "TST1001");
    let take = write_take_file(&day2.join("TST1001"), "80_1.WAV", &spec);
    let next = next_day(&day1_date);
    let mut bytes = std::fs::read(&take).expect("read");
    let (from, to) = (day1_date.as_bytes(), next.as_bytes());
    let mut at = 0;
    while let Some(found) = bytes[at..].windows(from.len()).position(|w| w == from) {
        bytes[at + found..at + found + to.len()].copy_from_slice(to);
        at += found + to.len();
    }
    std::fs::write(&take, bytes).expect("write");
    let (output, findings) = audit_json(&recipe, &day2);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "roll/repeated");
    let message = findings[0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(&day1_date) && message.contains(&next),
        "{message}"
    );
    // `run` withholds it and the ledger does not record the withheld take.
    let output = run_recipe(&recipe, &[&day2], &dir.path().join("out2"), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(std::fs::read_to_string(&ledger).unwrap_or_default(), text);
}

/// The day after `YYYY-MM-DD` (rollgen's dates are within 2024, day 1 to 28).
fn next_day(date: &str) -> String {
    let day: u32 = date.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(1);
    format!("{}{:02}", date.get(..8).unwrap_or("2024-01-"), day + 1)
}
