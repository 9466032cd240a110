use super::*;
use std::path::PathBuf;

fn step(config: &str) -> Result<ChannelLayoutStep, StepError> {
    ChannelLayoutStep::new(&StepContext::new(
        config.parse().unwrap(),
        PathBuf::from("."),
    ))
}

fn track(i: u32, name: Option<&str>, function: Option<&str>) -> Track {
    {
        let mut built = Track::default();
        built.interleave_index = i;
        built.channel_index = Some(i + 10);
        built.name = name.map(str::to_string);
        built.function = function.map(str::to_string);
        built
    }
}

fn take(tracks: Vec<Track>) -> Take {
    let mut t = {
        let mut built = Take::default();
        built.source_name = "A.WAV".into();
        built.file_name = "A.WAV".into();
        built.chunk_ids = vec!["bext".into(), "iXML".into(), "fmt ".into(), "data".into()];
        built
    };
    t.fmt.channels = u16::try_from(tracks.len()).unwrap();
    t.tracks = tracks;
    t
}

fn function(i: u32) -> Edit {
    Edit::SetTrackFunction {
        interleave_index: i,
        function: "MIX".into(),
    }
}

#[test]
fn globs_ignore_case() {
    assert!(glob_match("Mix*", "MIX-L"));
    assert!(glob_match("mix?", "MixL"));
    assert!(!glob_match("mix?", "Mix"));
    assert!(glob_match("*lav*", "Lav 2 (Rick)"));
    assert!(glob_match("L-MIX", "l-mix"));
    assert!(!glob_match("Boom*", "Lav Boom"));
    assert!(glob_match("*", ""));
    assert!(glob_match("a*b*c", "aXbYbZc"));
    assert!(!glob_match("a*b*c", "aXbYbZ"));
    assert!(glob_match("ZOË*", "zoë 1"));
}

#[test]
fn mix_then_boom_then_isos_in_original_order() {
    let s = step("").unwrap();
    let t = take(vec![
        track(1, Some("Lav 1"), None),
        track(2, Some("Boom"), None),
        track(3, Some("Lav 2"), None),
        track(4, Some("Mix-L"), None),
        track(5, Some("Mix-R"), Some("MIX")),
    ]);
    assert_eq!(
        s.apply(&t).unwrap(),
        vec![function(4), Edit::SetChannelOrder(vec![4, 5, 2, 1, 3])]
    );
}

#[test]
fn function_values_match_too() {
    let s = step("").unwrap();
    let t = take(vec![
        track(1, Some("Lav 1"), None),
        track(2, None, Some("BOOM")),
        track(3, Some("Rick"), Some("MIX")),
    ]);
    assert_eq!(
        s.apply(&t).unwrap(),
        vec![Edit::SetChannelOrder(vec![3, 2, 1])]
    );
}

#[test]
fn drop_wins_over_mix_and_boom() {
    let s = step("mix = [\"Mix*\"]\ndrop = [\"MixR\", \"boom 2\"]").unwrap();
    let t = take(vec![
        track(1, Some("Boom 2"), None),
        track(2, Some("MixL"), None),
        track(3, Some("MixR"), None),
        track(4, Some("Boom 1"), None),
    ]);
    assert_eq!(
        s.apply(&t).unwrap(),
        vec![function(2), Edit::SetChannelOrder(vec![2, 4])]
    );
}

#[test]
fn no_mix_keeps_the_layout_with_a_warning() {
    let s = step("drop = [\"Lav 2\"]").unwrap();
    let t = take(vec![
        track(1, Some("Lav 1"), None),
        track(2, Some("Lav 2"), None),
        track(3, Some("Boom"), None),
    ]);
    match s.apply(&t).unwrap().as_slice() {
        [Edit::Warn(w)] => assert!(w.starts_with("no track matches mix"), "{w}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn identity_order_gives_no_order_edit() {
    let s = step("").unwrap();
    let t = take(vec![
        track(1, Some("Mix"), Some("MIX")),
        track(2, Some("Boom"), None),
        track(3, Some("Lav"), None),
    ]);
    assert!(s.apply(&t).unwrap().is_empty());
    // Function still set when the order is already right.
    let t = take(vec![
        track(1, Some("MixL"), None),
        track(2, Some("Lav"), None),
    ]);
    assert_eq!(s.apply(&t).unwrap(), vec![function(1)]);
}

#[test]
fn adm_files_are_refused() {
    let s = step("").unwrap();
    for id in ["chna", "axml"] {
        let mut t = take(vec![
            track(1, Some("Lav"), None),
            track(2, Some("Mix"), None),
        ]);
        t.chunk_ids.push(id.into());
        assert_eq!(
            s.apply(&t).unwrap(),
            vec![Edit::Fail(ADM_REFUSAL.to_string())]
        );
    }
}

#[test]
fn dropping_every_track_fails() {
    let s = step("drop = [\"*\"]").unwrap();
    let t = take(vec![
        track(1, Some("Mix"), None),
        track(2, Some("Lav"), None),
    ]);
    assert!(
        matches!(s.apply(&t).unwrap().as_slice(), [Edit::Fail(r)] if r.contains("every track"))
    );
}

#[test]
fn channels_missing_from_the_track_list_are_kept_as_isos() {
    let s = step("").unwrap();
    let mut t = take(vec![track(2, Some("Mix"), Some("MIX"))]);
    t.fmt.channels = 3;
    assert_eq!(
        s.apply(&t).unwrap(),
        vec![Edit::SetChannelOrder(vec![2, 1, 3])]
    );
}

#[test]
fn config_errors_name_the_key() {
    assert_eq!(step("mixx = []").unwrap_err().key.as_deref(), Some("mixx"));
    assert_eq!(
        step("mix = \"Mix*\"").unwrap_err().key.as_deref(),
        Some("mix")
    );
    assert_eq!(step("mix = []").unwrap_err().key.as_deref(), Some("mix"));
    assert_eq!(
        step("drop = [\"\"]").unwrap_err().key.as_deref(),
        Some("drop")
    );
    assert_eq!(step("boom = [3]").unwrap_err().key.as_deref(), Some("boom"));
}

#[test]
fn a_stereo_mix_kept_whole_keeps_its_sides_and_a_lone_side_becomes_mix() {
    let s = step("mix = [\"Mix*\"]").unwrap();
    let t = take(vec![
        track(1, Some("MixL"), Some("L-MIX")),
        track(2, Some("MixR"), Some("R-MIX")),
        track(3, Some("Boom"), None),
    ]);
    assert!(s.apply(&t).unwrap().is_empty());
    let s = step("mix = [\"Mix*\"]\ndrop = [\"MixR\"]").unwrap();
    assert_eq!(
        s.apply(&t).unwrap(),
        vec![function(1), Edit::SetChannelOrder(vec![1, 3])]
    );
}

#[test]
fn glob_syntax_these_patterns_lack_is_refused_at_its_key() {
    for (config, key) in [
        ("mix = [\"Mix[*\"]", "mix"),
        ("boom = [\"{Boom,Fish}*\"]", "boom"),
        ("drop = [\"Lav[12]\"]", "drop"),
    ] {
        let error = step(config).unwrap_err();
        assert_eq!(error.key.as_deref(), Some(key), "{config}");
        assert!(
            error.message.contains("invalid pattern"),
            "{}",
            error.message
        );
    }
}
