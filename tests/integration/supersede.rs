//! Redelivery without a dead end (issue 19): a corrected cast CSV makes delivered files conflicts
//! (exit 2, with a hint); `--supersede` delivers the new versions and moves the old ones aside under
//! `superseded/<UTC time>/`, and the report, the JSON, the dry run and the manifest say so.

use std::path::{Path, PathBuf};

use crate::manifest::{ascmhl, reference_accepts, reference_verify, schema_check};
use crate::support::{
    describe, raw_chunks, rollcall, run_json, run_recipe, temp_dir, tree_all, write_recipe,
    write_take_file,
};

const CAST: &str = "track,character,mic\nLav1,CAPTAIN REYES,DPA 4060\nLav2,ZOË,COS-11D\n";
/// One character renamed (same length, so no other file changes).
const CORRECTED_CAST: &str =
    "track,character,mic\nLav1,CAPTAIN REYES,DPA 4060\nLav2,ZOEY,COS-11D\n";

/// A Sound Devices take with the given tracks.
fn write_take(dir: &Path, name: &str, take: &str, tracks: &[&str]) -> PathBuf {
    let tracks = tracks
        .iter()
        .enumerate()
        .map(|(i, n)| rollgen::TrackSpec::new(i as u32 + 1, n))
        .collect();
    let mut spec = rollgen::TakeSpec::new(rollgen::RecorderStyle::SoundDevices, "31", take, tracks);
    spec.tape = "HBL101".into();
    spec.frames = 480;
    write_take_file(dir, name, &spec)
}

fn ixml(path: &Path) -> String {
    raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == b"iXML")
        .map(|c| String::from_utf8_lossy(&c.payload).into_owned())
        .unwrap_or_default()
}

/// Every file under a tree with its bytes.
fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    tree_all(root)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(root.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn a_corrected_cast_is_delivered_with_supersede_and_the_old_files_are_kept() {
    let work = temp_dir();
    let cast = work.path().join("cast.csv");
    std::fs::write(&cast, CAST).unwrap();
    let recipe = write_recipe(
        work.path(),
        "show.toml",
        "[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n\n\
         [[check]]\nplugin = \"practice\"\nledger = \"rolls.csv\"\n",
    );
    let rolls = work.path().join("rolls");
    // 31_1 has ZOË's track, 31_2 does not.
    write_take(&rolls, "31_1.WAV", "1", &["MixL", "Boom", "Lav1", "Lav2"]);
    write_take(&rolls, "31_2.WAV", "2", &["MixL", "Boom", "Lav1"]);
    let out = work.path().join("delivery");
    let first = run_recipe(&recipe, &[&rolls], &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    let first_bytes = std::fs::read(out.join("31_1.WAV")).unwrap();
    assert!(ixml(&out.join("31_1.WAV")).contains("<NAME>ZOË (COS-11D)</NAME>"));

    std::fs::write(&cast, CORRECTED_CAST).unwrap();
    let before = snapshot(&out);

    // Without --supersede: the conflict, with the hint; nothing written.
    let refused = run_recipe(&recipe, &[&rolls], &out, &[]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(
        err.contains("already exists with other content") && err.contains("use --supersede"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before, "a refused run changes nothing");

    // The dry run lists what would be superseded and writes nothing.
    let dry = run_recipe(&recipe, &[&rolls], &out, &["-n", "--supersede"]);
    let said = String::from_utf8_lossy(&dry.stdout);
    assert_eq!(dry.status.code(), Some(0), "{}", describe(&dry));
    let line = said
        .lines()
        .find(|l| l.contains("31_1.WAV") && l.contains("->"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains("supersedes"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("31_2.WAV") && l.contains("already delivered")),
        "{said}"
    );
    assert_eq!(snapshot(&out), before, "a dry run writes nothing");

    // With --supersede: the new version under the same name, the old one kept.
    let (run, files) = run_json(
        work.path(),
        &[
            recipe.as_os_str(),
            rolls.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--supersede".as_ref(),
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let entry = |name: &str| {
        files
            .iter()
            .find(|f| f["destination"] == name)
            .unwrap_or_else(|| panic!("{name} in {files:?}"))
            .clone()
    };
    let changed = entry("31_1.WAV");
    assert_eq!(changed["status"], "delivered", "{changed}");
    let moved = changed["superseded"].as_str().expect("superseded path");
    let stamp = moved
        .strip_prefix("superseded/")
        .and_then(|rest| rest.strip_suffix("/31_1.WAV"))
        .unwrap_or_else(|| panic!("{moved}"));
    assert!(
        stamp.len() == 16 && stamp.ends_with('Z') && stamp.chars().nth(8) == Some('T'),
        "a UTC time folder: {stamp}"
    );
    assert!(changed.get("written_as").is_none(), "{changed}");
    let unchanged = entry("31_2.WAV");
    assert_eq!(unchanged["status"], "already-delivered", "{unchanged}");
    assert!(unchanged["superseded"].is_null(), "{unchanged}");
    // The same takes again for the roll ledger: no repeated roll.
    assert!(
        files
            .iter()
            .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
            .all(|f| f["rule"] != "roll/repeated"),
        "{files:?}"
    );
    let ledger = std::fs::read_to_string(work.path().join("rolls.csv")).unwrap();
    assert!(ledger.contains("HBL101"), "{ledger}");

    assert_eq!(
        std::fs::read(out.join(moved)).unwrap(),
        first_bytes,
        "the old version is kept byte for byte"
    );
    let new_ixml = ixml(&out.join("31_1.WAV"));
    assert!(
        new_ixml.contains("<NAME>ZOEY (COS-11D)</NAME>") && !new_ixml.contains("ZOË"),
        "{new_ixml}"
    );
    // The report names the same path in its `superseded` column.
    let reports: Vec<String> = tree_all(&out)
        .into_iter()
        .filter(|f| f.starts_with("rollcall-report-") && f.ends_with(".csv"))
        .map(|f| std::fs::read_to_string(out.join(f)).unwrap())
        .collect();
    assert_eq!(reports.len(), 2, "one report per run");
    for report in &reports {
        let header = report.lines().next().unwrap();
        assert!(header.ends_with(",\"superseded\""), "{header}");
    }
    assert!(
        reports
            .iter()
            .flat_map(|r| r.lines())
            .any(|l| l.contains("31_1.WAV")
                && l.contains("\"delivered\"")
                && l.ends_with(&format!("\"{moved}\""))),
        "{reports:?}"
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("1 superseding an earlier version"), "{err}");

    // The manifest: both checkers accept the tree (the new version at its name, the old one
    // under superseded/).
    let verified = rollcall().arg("verify").arg(&out).output().unwrap();
    assert_eq!(verified.status.code(), Some(0), "{}", describe(&verified));
    reference_accepts(reference_verify(&out), "ascmhl-debug verify");
    let mut diff = ascmhl("ascmhl");
    diff.arg("diff").arg(&out);
    reference_accepts(diff, "ascmhl diff");
    let scratch = work.path().join("xsd");
    std::fs::create_dir_all(&scratch).unwrap();
    schema_check(&out, &scratch);

    // Running again is a no-op: everything already delivered, still verified.
    let again = run_recipe(&recipe, &[&rolls], &out, &["--supersede"]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("0 delivered"),
        "{}",
        describe(&again)
    );
    let verified = rollcall().arg("verify").arg(&out).output().unwrap();
    assert_eq!(verified.status.code(), Some(0), "{}", describe(&verified));
    reference_accepts(reference_verify(&out), "ascmhl-debug verify");
}

/// One take with ZOË's track delivered with the first cast list, then the cast list corrected.
struct Corrected {
    work: tempfile::TempDir,
    recipe: PathBuf,
    rolls: PathBuf,
    out: PathBuf,
    first_bytes: Vec<u8>,
}

fn delivered_then_corrected() -> Corrected {
    let work = temp_dir();
    let cast = work.path().join("cast.csv");
    std::fs::write(&cast, CAST).unwrap();
    let recipe = write_recipe(
        work.path(),
        "show.toml",
        "[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n",
    );
    let rolls = work.path().join("rolls");
    write_take(&rolls, "31_1.WAV", "1", &["MixL", "Boom", "Lav1", "Lav2"]);
    let out = work.path().join("delivery");
    let first = run_recipe(&recipe, &[&rolls], &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    let first_bytes = std::fs::read(out.join("31_1.WAV")).unwrap();
    std::fs::write(&cast, CORRECTED_CAST).unwrap();
    Corrected {
        work,
        recipe,
        rolls,
        out,
        first_bytes,
    }
}

#[test]
fn a_plan_made_with_supersede_is_applied_the_same_way() {
    let Corrected {
        work,
        recipe,
        rolls,
        out,
        first_bytes,
    } = delivered_then_corrected();

    let plan_file = work.path().join("show.plan.json");
    let plan = |supersede: bool| {
        let mut command = rollcall();
        command
            .arg("plan")
            .arg(&recipe)
            .arg(&rolls)
            .arg("--out")
            .arg(&out)
            .arg("--plan-file")
            .arg(&plan_file)
            .arg("--plugin-dir")
            .arg(crate::support::plugin_dir());
        if supersede {
            command.arg("--supersede");
        }
        command.output().unwrap()
    };
    let refused = plan(false);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("use --supersede"),
        "{}",
        describe(&refused)
    );
    let planned = plan(true);
    assert_eq!(planned.status.code(), Some(0), "{}", describe(&planned));
    let apply = rollcall()
        .arg("apply")
        .arg(&plan_file)
        .arg("--shard")
        .arg("1/1")
        .output()
        .unwrap();
    assert_eq!(apply.status.code(), Some(0), "{}", describe(&apply));
    let moved: Vec<String> = tree_all(&out)
        .into_iter()
        .filter(|f| f.starts_with("superseded/") && f.ends_with("/31_1.WAV"))
        .collect();
    assert_eq!(moved.len(), 1, "{:?}", tree_all(&out));
    assert_eq!(std::fs::read(out.join(&moved[0])).unwrap(), first_bytes);
    assert!(ixml(&out.join("31_1.WAV")).contains("<NAME>ZOEY (COS-11D)</NAME>"));
}

/// A `--supersede` run killed after moving the old version aside but before the new one took its
/// name (simulated by the move alone): the same command finishes, and the manifest records the
/// move, so both checkers accept the tree.
#[test]
fn a_run_killed_between_the_move_and_the_rename_is_finished_by_the_same_command() {
    // `_work` keeps the temp folder alive to the end of the test.
    let Corrected {
        work: _work,
        recipe,
        rolls,
        out,
        first_bytes,
    } = delivered_then_corrected();

    let aside = out.join("superseded/20261130T031500Z");
    std::fs::create_dir_all(&aside).unwrap();
    std::fs::rename(out.join("31_1.WAV"), aside.join("31_1.WAV")).unwrap();
    let finished = run_recipe(&recipe, &[&rolls], &out, &["--supersede"]);
    assert_eq!(finished.status.code(), Some(0), "{}", describe(&finished));
    assert_eq!(std::fs::read(aside.join("31_1.WAV")).unwrap(), first_bytes);
    assert!(ixml(&out.join("31_1.WAV")).contains("<NAME>ZOEY (COS-11D)</NAME>"));
    let verified = rollcall().arg("verify").arg(&out).output().unwrap();
    assert_eq!(verified.status.code(), Some(0), "{}", describe(&verified));
    reference_accepts(reference_verify(&out), "ascmhl-debug verify");
}

/// A destination that is not a regular file stays a conflict with `--supersede`: nothing is moved.
#[test]
fn a_destination_that_is_not_a_regular_file_is_never_superseded() {
    let work = temp_dir();
    std::fs::write(work.path().join("cast.csv"), CAST).unwrap();
    let recipe = write_recipe(
        work.path(),
        "show.toml",
        "[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n",
    );
    let rolls = work.path().join("rolls");
    write_take(&rolls, "31_1.WAV", "1", &["MixL", "Boom", "Lav1", "Lav2"]);
    let out = work.path().join("delivery");
    std::fs::create_dir_all(out.join("31_1.WAV")).unwrap();
    let refused = run_recipe(&recipe, &[&rolls], &out, &["--supersede"]);
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a regular file"),
        "{}",
        describe(&refused)
    );
    assert!(out.join("31_1.WAV").is_dir());
    assert!(!out.join("superseded").exists());
}

#[test]
fn a_superseded_folder_that_is_a_link_is_never_followed() {
    let Corrected {
        work,
        recipe,
        rolls,
        out,
        first_bytes,
    } = delivered_then_corrected();
    // `superseded` inside the output tree points elsewhere.
    let elsewhere = work.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("superseded")).unwrap();
    let output = run_recipe(&recipe, &[&rolls], &out, &["--supersede"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("symbolic link"),
        "{}",
        describe(&output)
    );
    assert!(
        tree_all(&elsewhere).is_empty(),
        "nothing moved out of the output root"
    );
    assert_eq!(
        std::fs::read(out.join("31_1.WAV")).unwrap(),
        first_bytes,
        "the delivered version stays under its name"
    );
}
