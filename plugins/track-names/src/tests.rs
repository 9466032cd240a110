use super::*;
use std::path::Path;

fn step_in(dir: &Path, csv: &str, extra: &str) -> Result<TrackNamesStep, StepError> {
    std::fs::write(dir.join("cast.csv"), csv).unwrap();
    TrackNamesStep::new(&StepContext::new(
        format!("csv = \"cast.csv\"\n{extra}").parse().unwrap(),
        dir.to_path_buf(),
    ))
}

fn step(csv: &str) -> TrackNamesStep {
    let dir = tempfile::tempdir().unwrap();
    step_in(dir.path(), csv, "").unwrap()
}

fn track(interleave: u32, channel: Option<u32>, name: Option<&str>) -> Track {
    {
        let mut built = Track::default();
        built.interleave_index = interleave;
        built.channel_index = channel;
        built.name = name.map(str::to_string);
        built.function = None;
        built
    }
}

fn take(scene: &str, tape: &str, tracks: Vec<Track>) -> Take {
    let mut ixml = BTreeMap::new();
    ixml.insert("SCENE".to_string(), scene.to_string());
    ixml.insert("TAPE".to_string(), tape.to_string());
    {
        let mut built = Take::default();
        built.source_name = "A.WAV".into();
        built.file_name = "A.WAV".into();
        built.ixml = Some(ixml);
        built.tracks = tracks;
        built
    }
}

/// The step's edits without the bext width token it gives every take.
fn renames(s: &TrackNamesStep, t: &Take) -> Vec<Edit> {
    s.apply(t)
        .unwrap()
        .into_iter()
        .filter(|e| !matches!(e, Edit::SetToken { name, .. } if name == BEXT_NAME_WIDTH_TOKEN))
        .collect()
}

/// The bext width token the step gives a take.
fn width_token(s: &TrackNamesStep, t: &Take) -> Vec<String> {
    s.apply(t)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            Edit::SetToken { name, value } if name == BEXT_NAME_WIDTH_TOKEN => Some(value),
            _ => None,
        })
        .collect()
}

fn name(i: u32, n: &str) -> Edit {
    Edit::SetTrackName {
        interleave_index: i,
        name: n.to_string(),
    }
}

#[test]
fn names_by_track_name_and_number() {
    let s = step("track,character,mic\nboom,,\nLav 1,ZOË,\n3,Rick,COS11\n");
    let t = take(
        "24A",
        "D01",
        vec![
            track(1, Some(1), Some("Boom")),
            track(2, Some(2), Some("LAV 1")),
            track(3, Some(3), Some("Lav 2")),
            track(4, Some(4), Some("Lav 3")),
        ],
    );
    assert_eq!(
        renames(&s, &t),
        vec![name(2, "ZOË (LAV 1)"), name(3, "Rick (COS11)")]
    );
}

#[test]
fn number_is_the_channel_index_not_the_position() {
    let s = step("track,character\n5,Negan\n");
    let t = take(
        "1",
        "D01",
        vec![track(1, Some(5), Some("Lav")), track(2, Some(1), None)],
    );
    assert_eq!(renames(&s, &t), vec![name(1, "Negan (Lav)")]);
    // Without CHANNEL_INDEX, the position in the file.
    let t = take("1", "D01", vec![track(5, None, Some("Lav"))]);
    assert_eq!(renames(&s, &t), vec![name(5, "Negan (Lav)")]);
}

#[test]
fn no_mic_and_no_old_name_gives_the_character_alone() {
    let s = step("track,character\n1,Carol\n");
    let t = take("1", "D01", vec![track(1, Some(1), None)]);
    assert_eq!(renames(&s, &t), vec![name(1, "Carol")]);
}

#[test]
fn custom_format_with_take_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let s = step_in(
        dir.path(),
        "track,character\nBoom,Daryl\n",
        "format = \"{character}-{track}-{scene}\"",
    )
    .unwrap();
    let t = take("24A", "D01", vec![track(1, Some(1), Some("Boom"))]);
    assert_eq!(renames(&s, &t), vec![name(1, "Daryl-Boom-24A")]);
}

#[test]
fn most_specific_row_wins() {
    let s = step(
        "track,character,tape,scene\n\
         1,Any,,\n\
         1,OnTape,D02,\n\
         1,InScene,,24a\n\
         1,Both,D02,24A\n",
    );
    let one = |scene: &str, tape: &str| {
        let t = take(scene, tape, vec![track(1, Some(1), Some("L1"))]);
        renames(&s, &t)
    };
    assert_eq!(one("24A", "D02"), vec![name(1, "Both (L1)")]);
    assert_eq!(one("24A", "D01"), vec![name(1, "InScene (L1)")]);
    assert_eq!(one("25", "d02"), vec![name(1, "OnTape (L1)")]);
    assert_eq!(one("25", "D01"), vec![name(1, "Any (L1)")]);
}

#[test]
fn scene_row_with_empty_character_leaves_the_track() {
    let s = step("track,character,scene\nBoom,Rick,\nBoom,,7\n");
    let t = take("7", "D01", vec![track(1, Some(1), Some("Boom"))]);
    assert!(renames(&s, &t).is_empty());
    let t = take("8", "D01", vec![track(1, Some(1), Some("Boom"))]);
    assert_eq!(renames(&s, &t), vec![name(1, "Rick (Boom)")]);
}

#[test]
fn same_track_twice_is_an_error_naming_both_rows() {
    let dir = tempfile::tempdir().unwrap();
    let e = step_in(
        dir.path(),
        "track,character,scene\nBoom,A,1\nLav,B,\nboom,C, 1\n",
        "",
    )
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("csv"));
    assert!(
        e.message
            .starts_with("cast.csv: row 4, column `track`: row 2 and row 4"),
        "{}",
        e.message
    );
}

#[test]
fn name_and_number_rows_matching_one_track_fail_the_file() {
    let s = step("track,character\nBoom,A\n1,B\n");
    let t = take("1", "D01", vec![track(1, Some(1), Some("Boom"))]);
    assert!(matches!(renames(&s, &t).as_slice(),
        [Edit::Fail(r)] if r.contains("row 2") && r.contains("row 3")));
}

#[test]
fn csv_errors_name_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let e = step_in(dir.path(), "track,character\nBoom,A\n,B\n", "").unwrap_err();
    assert_eq!(e.message, "cast.csv: row 3, column `track`: empty value");
    assert_eq!(e.key.as_deref(), Some("csv"));
    let e = step_in(dir.path(), "track,mic\nBoom,A\n", "").unwrap_err();
    assert_eq!(
        e.message,
        "cast.csv: no column `character` in the header row"
    );
}

#[test]
fn missing_csv_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let e = TrackNamesStep::new(&StepContext::new(
        "csv = \"nope/cast.csv\"".parse().unwrap(),
        dir.path().to_path_buf(),
    ))
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("csv"));
    assert!(e.message.contains("nope/cast.csv"), "{}", e.message);
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let e = step_in(dir.path(), "track,character\n", "fromat = \"x\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("fromat"));
    let e = step_in(dir.path(), "track,character\n", "format = \"{character\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("format"));
    let e = TrackNamesStep::new(&StepContext::new(
        "".parse().unwrap(),
        dir.path().to_path_buf(),
    ))
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("csv"));
}

#[test]
fn unchanged_name_gives_no_edit() {
    let s = step("track,character,mic\n1,Rick,MKH\n");
    let t = take("1", "D01", vec![track(1, Some(1), Some("Rick (MKH)"))]);
    assert!(renames(&s, &t).is_empty());
}

#[test]
fn the_bext_name_width_comes_from_the_cast_list_or_the_recipe_never_the_take() {
    let cast = "track,character,mic,scene\nBoom,ZOË,COS-11D,\n2,CAPTAIN REYES,DPA 4060,\n3,AL,,7\n";
    let s = step(cast);
    let renamed = take("7", "D01", vec![track(1, Some(1), Some("Boom"))]);
    let untouched = take("9", "D01", vec![track(5, Some(5), Some("Lav 9"))]);
    // The longest character (13) capped at 12, for a take that is renamed and one that is not.
    assert_eq!(width_token(&s, &renamed), vec!["12".to_string()]);
    assert_eq!(width_token(&s, &untouched), vec!["12".to_string()]);
    // A short cast: the longest character name, without its mic.
    let s = step("track,character,mic\nBoom,ZOË,COS-11D\n2,RICK,\n");
    assert_eq!(width_token(&s, &renamed), vec!["4".to_string()]);
    // The recipe key wins; too narrow is refused at the key.
    let dir = tempfile::tempdir().unwrap();
    let s = step_in(dir.path(), cast, "bext_name_width = 20").unwrap();
    assert_eq!(width_token(&s, &renamed), vec!["20".to_string()]);
    let e = step_in(dir.path(), cast, "bext_name_width = 2").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("bext_name_width"));
}
