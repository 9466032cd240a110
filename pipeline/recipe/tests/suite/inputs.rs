//! Input discovery on temporary trees.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use rollcall_recipe::{find_inputs, InputRules, RecipeError, WalkReport};

/// A tree of small files under a temp folder:
/// `A.wav B.WAV ._A.wav notes.txt sub/C.wav sub/._C.wav sub/deeper/D.wav`.
fn tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("roll");
    for name in [
        "A.wav",
        "B.WAV",
        "._A.wav",
        "notes.txt",
        "sub/C.wav",
        "sub/._C.wav",
        "sub/deeper/D.wav",
    ] {
        let path = root.join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, name.as_bytes()).expect("write");
    }
    (dir, root)
}

fn relatives(report: &WalkReport) -> Vec<String> {
    report
        .files
        .iter()
        .map(|f| f.relative.to_string_lossy().into_owned())
        .collect()
}

const ALL: [&str; 4] = ["A.wav", "B.WAV", "sub/C.wav", "sub/deeper/D.wav"];

#[test]
fn defaults_take_wav_and_skip_resource_forks() {
    let (_dir, root) = tree();
    let report = find_inputs(std::slice::from_ref(&root), &InputRules::default()).expect("walks");
    assert_eq!(relatives(&report), ALL);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    for file in &report.files {
        assert_eq!(file.root, root);
        assert_eq!(file.path, root.join(&file.relative));
        assert!(file.path.is_file());
    }
}

#[test]
fn folder_given_twice_or_nested_yields_each_file_once() {
    let (_dir, root) = tree();
    let inputs = [root.clone(), root.join("sub"), root.clone()];
    let report = find_inputs(&inputs, &InputRules::default()).expect("walks");
    assert_eq!(relatives(&report), ALL);
    let c = report
        .files
        .iter()
        .find(|f| f.path.ends_with("sub/C.wav"))
        .expect("C.wav found");
    // The first INPUT that reaches a file gives its root.
    assert_eq!(c.root, root);

    let report =
        find_inputs(&[root.join("sub"), root.clone()], &InputRules::default()).expect("walks");
    let c = report
        .files
        .iter()
        .find(|f| f.path.ends_with("sub/C.wav"))
        .expect("C.wav found");
    assert_eq!(c.root, root.join("sub"));
    assert_eq!(c.relative, Path::new("C.wav"));
    assert_eq!(report.files.len(), 4);
}

#[test]
fn file_input_is_taken_even_when_not_matching() {
    let (_dir, root) = tree();
    let notes = root.join("notes.txt");
    let report =
        find_inputs(&[notes.clone(), root.clone()], &InputRules::default()).expect("walks");
    assert_eq!(report.files.len(), 5);
    let taken = report
        .files
        .iter()
        .find(|f| f.path == notes)
        .expect("notes.txt taken");
    assert_eq!(taken.relative, Path::new("notes.txt"));
    assert_eq!(taken.root, root);
}

#[test]
fn symlinked_file_is_deduplicated() {
    let (_dir, root) = tree();
    symlink(root.join("A.wav"), root.join("sub/link-to-A.wav")).expect("symlink");
    let report = find_inputs(std::slice::from_ref(&root), &InputRules::default()).expect("walks");
    assert_eq!(relatives(&report), ALL);
}

#[test]
fn symlink_loop_is_reported_not_followed() {
    let (_dir, root) = tree();
    let link = root.join("sub/deeper/back");
    symlink(&root, &link).expect("symlink");
    let report = find_inputs(std::slice::from_ref(&root), &InputRules::default()).expect("walks");
    assert_eq!(relatives(&report), ALL);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].path, link);
    assert!(
        report.problems[0].reason.contains("symbolic link loop"),
        "{}",
        report.problems[0].reason
    );
}

#[test]
fn symlinked_folder_elsewhere_is_walked() {
    let (dir, root) = tree();
    let other = dir.path().join("other");
    fs::create_dir(&other).expect("mkdir");
    fs::write(other.join("E.wav"), b"E").expect("write");
    symlink(&other, root.join("linked")).expect("symlink");
    let report = find_inputs(std::slice::from_ref(&root), &InputRules::default()).expect("walks");
    assert!(relatives(&report).contains(&"linked/E.wav".to_string()));
    assert!(report.problems.is_empty());
}

#[test]
fn broken_symlink_is_a_problem() {
    let (dir, root) = tree();
    let link = root.join("gone.wav");
    symlink(dir.path().join("nowhere.wav"), &link).expect("symlink");
    let report = find_inputs(std::slice::from_ref(&root), &InputRules::default()).expect("walks");
    assert_eq!(relatives(&report), ALL);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].path, link);
    assert!(report.problems[0]
        .reason
        .starts_with("broken symbolic link"));
}

#[test]
fn unreadable_folder_is_a_problem() {
    let (_dir, root) = tree();
    let locked = root.join("sub/deeper");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let report = find_inputs(std::slice::from_ref(&root), &InputRules::default());
    let can_still_read = fs::read_dir(&locked).is_ok();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
    let report = report.expect("walks");
    if can_still_read {
        // Running as root (or with CAP_DAC_OVERRIDE): mode 000 does not stop reads, so the folder is
        // walked like any other. The weaker check: the walk still finishes with every file.
        assert_eq!(relatives(&report), ALL);
    } else {
        assert_eq!(relatives(&report), ["A.wav", "B.WAV", "sub/C.wav"]);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(report.problems[0].path, locked);
        assert!(report.problems[0].reason.starts_with("cannot read folder"));
    }
}

#[test]
fn missing_input_is_an_error() {
    let (_dir, root) = tree();
    let missing = root.join("no-such-folder");
    let err = find_inputs(&[root.clone(), missing.clone()], &InputRules::default())
        .expect_err("missing input");
    match &err {
        RecipeError::Input { path, .. } => assert_eq!(path, &missing),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.to_string().contains("no-such-folder"));
}

#[test]
fn custom_rules_match_relative_paths() {
    let (_dir, root) = tree();
    let rules = InputRules {
        include: vec!["*.wav".into()],
        exclude: vec!["sub/deeper/*".into()],
    };
    let report = find_inputs(std::slice::from_ref(&root), &rules).expect("walks");
    // `*` crosses `/`, so `*.wav` also takes `sub/._C.wav`; letter case is ignored, so `B.WAV` too.
    assert_eq!(
        relatives(&report),
        ["._A.wav", "A.wav", "B.WAV", "sub/._C.wav", "sub/C.wav"]
    );

    let bad = InputRules {
        include: vec!["[*.wav".into()],
        exclude: vec![],
    };
    assert!(matches!(
        find_inputs(std::slice::from_ref(&root), &bad),
        Err(RecipeError::Glob { .. })
    ));
}

#[test]
fn a_fifo_given_as_a_file_input_is_a_problem_not_a_hang() {
    let (_dir, root) = tree();
    let fifo = root.join("pipe.wav");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let report =
        find_inputs(&[fifo.clone(), root.join("A.wav")], &InputRules::default()).expect("walks");
    assert_eq!(relatives(&report), ["A.wav"]);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].path, fifo);
    assert_eq!(report.problems[0].reason, "not a regular file");
}
