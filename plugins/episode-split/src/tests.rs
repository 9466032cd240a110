use super::*;
use std::path::Path;

fn build(dir: &Path, config: &str) -> Result<EpisodeSplitStep, StepError> {
    EpisodeSplitStep::new(&StepContext::new(
        config.parse().unwrap(),
        dir.to_path_buf(),
    ))
}

fn with_csv(csv: &str, config: &str) -> Result<EpisodeSplitStep, StepError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("episodes.csv"), csv).unwrap();
    build(dir.path(), &format!("scenes = \"episodes.csv\"\n{config}"))
}

fn take(scene: Option<&str>, tape: Option<&str>) -> Take {
    let mut ixml = BTreeMap::new();
    if let Some(s) = scene {
        ixml.insert("SCENE".to_string(), s.to_string());
    }
    if let Some(t) = tape {
        ixml.insert("TAPE".to_string(), t.to_string());
    }
    {
        let mut built = Take::default();
        built.source_name = "A.WAV".into();
        built.file_name = "A.WAV".into();
        built.ixml = Some(ixml);
        built
    }
}

fn placed(episode: &str, folder: &str) -> Vec<Edit> {
    vec![
        Edit::SetToken {
            name: "episode".into(),
            value: episode.into(),
        },
        Edit::SetFolder(folder.into()),
    ]
}

fn failed(edits: Vec<Edit>) -> String {
    match edits.as_slice() {
        [Edit::Fail(reason)] => reason.clone(),
        other => panic!("expected a failure, got {other:?}"),
    }
}

const CSV: &str = "scene,episode,tape\n24A,101,\n24a,101,\n25,102,\n25,103,D07\n";

#[test]
fn scenes_csv_gives_episode_and_folder() {
    let s = with_csv(CSV, "").unwrap();
    assert_eq!(
        s.apply(&take(Some("24A"), Some("D01"))).unwrap(),
        placed("101", "101/D01")
    );
    // Case-insensitive scene match.
    assert_eq!(
        s.apply(&take(Some(" 24a "), Some("D01"))).unwrap(),
        placed("101", "101/D01")
    );
}

#[test]
fn tape_row_wins_over_generic_row() {
    let s = with_csv(CSV, "folder = \"EP{episode}\"").unwrap();
    assert_eq!(
        s.apply(&take(Some("25"), Some("d07"))).unwrap(),
        placed("103", "EP103")
    );
    assert_eq!(
        s.apply(&take(Some("25"), Some("D08"))).unwrap(),
        placed("102", "EP102")
    );
    assert_eq!(
        s.apply(&take(Some("25"), None)).unwrap(),
        placed("102", "EP102")
    );
}

#[test]
fn unknown_scene_fails_unless_unassigned() {
    let s = with_csv(CSV, "").unwrap();
    let reason = failed(s.apply(&take(Some("99"), Some("D01"))).unwrap());
    assert!(
        reason.contains("scene `99` is not in episodes.csv"),
        "{reason}"
    );
    let reason = failed(s.apply(&take(None, Some("D01"))).unwrap());
    assert!(reason.contains("no scene"), "{reason}");

    let s = with_csv(CSV, "unassigned = \"UNASSIGNED/{tape}\"").unwrap();
    let edits = s.apply(&take(Some("99"), Some("D01"))).unwrap();
    assert!(matches!(&edits[0], Edit::Warn(w) if w.contains("99")));
    assert_eq!(edits[1], Edit::SetFolder("UNASSIGNED/D01".into()));
    assert_eq!(edits.len(), 2);
}

#[test]
fn missing_tape_in_default_folder_fails_naming_the_token() {
    let s = with_csv(CSV, "").unwrap();
    let reason = failed(s.apply(&take(Some("24A"), None)).unwrap());
    assert!(reason.contains("{tape}"), "{reason}");
}

#[test]
fn pattern_gives_episode() {
    let dir = tempfile::tempdir().unwrap();
    let s = build(
        dir.path(),
        "pattern = '^(?P<episode>\\d{3})-'\nfolder = \"EP{episode}/{tape}\"",
    )
    .unwrap();
    assert_eq!(
        s.apply(&take(Some("101-24A"), Some("D01"))).unwrap(),
        placed("101", "EP101/D01")
    );
    let reason = failed(s.apply(&take(Some("24A"), Some("D01"))).unwrap());
    assert!(reason.contains("does not match pattern"), "{reason}");
}

#[test]
fn values_cannot_climb_out_of_the_output_root() {
    let dir = tempfile::tempdir().unwrap();
    let s = build(
        dir.path(),
        "pattern = '(?P<episode>.+)'\nfolder = \"{episode}/{scene}\"",
    )
    .unwrap();
    // A `/` inside a value is flattened, so `../` cannot make a parent step.
    assert_eq!(
        s.apply(&take(Some("../../etc"), None)).unwrap(),
        placed("../../etc", "_._.._etc/_._.._etc")
    );
    // A value that is exactly `..` is refused.
    let reason = failed(s.apply(&take(Some(".."), None)).unwrap());
    assert!(reason.contains(".."), "{reason}");
    // Unsafe characters in a value are replaced.
    assert_eq!(
        s.apply(&take(Some("a:b"), None)).unwrap(),
        placed("a:b", "a_b/a_b")
    );
}

#[test]
fn vars_are_usable_in_folder() {
    let s = with_csv(CSV, "folder = \"{show}/EP{episode}\"").unwrap();
    let mut t = take(Some("24A"), None);
    t.vars.insert("show".into(), "TWD".into());
    assert_eq!(s.apply(&t).unwrap(), placed("101", "TWD/EP101"));
}

#[test]
fn conflicting_rows_are_an_error_naming_both_rows() {
    let e = with_csv("scene,episode\n24A,101\n25,102\n24a,103\n", "").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("scenes"));
    assert_eq!(
        e.message,
        "episodes.csv: row 4, column `episode`: scene `24a` is episode `101` in row 2 and `103` in row 4"
    );
}

#[test]
fn csv_errors_name_file_row_and_column() {
    let e = with_csv("scene,episode\n24A,\n", "").unwrap_err();
    assert_eq!(
        e.message,
        "episodes.csv: row 2, column `episode`: empty value"
    );
    let e = with_csv("scene,ep\n24A,1\n", "").unwrap_err();
    assert_eq!(
        e.message,
        "episodes.csv: no column `episode` in the header row"
    );
    let dir = tempfile::tempdir().unwrap();
    let e = build(dir.path(), "scenes = \"gone.csv\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("scenes"));
    assert!(e.message.contains("gone.csv"), "{}", e.message);
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = |config: &str| build(dir.path(), config).unwrap_err().key;
    assert_eq!(key("pattern = '^(\\d+)-'").as_deref(), Some("pattern"));
    assert_eq!(key("pattern = '(?P<episode>'").as_deref(), Some("pattern"));
    assert_eq!(
        key("pattern = '(?P<episode>.)'\nscenes = \"x.csv\"").as_deref(),
        Some("pattern")
    );
    assert_eq!(key("").as_deref(), Some("scenes"));
    assert_eq!(
        key("pattern = '(?P<episode>.)'\nfolders = \"x\"").as_deref(),
        Some("folders")
    );
    assert_eq!(
        key("pattern = '(?P<episode>.)'\nfolder = \"{episode\"").as_deref(),
        Some("folder")
    );
    assert_eq!(
        key("pattern = '(?P<episode>.)'\nunassigned = \"../x\"").as_deref(),
        Some("unassigned")
    );
    assert_eq!(
        key("pattern = '(?P<episode>.)'\nfolder = \"/abs\"").as_deref(),
        Some("folder")
    );
}
