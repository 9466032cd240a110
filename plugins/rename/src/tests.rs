use super::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn step(toml_text: &str) -> Result<RenameStep, StepError> {
    RenameStep::new(&StepContext::new(
        toml_text.parse().unwrap(),
        PathBuf::from("."),
    ))
}

fn take(source: &str, ixml: &[(&str, &str)], channels: u16) -> Take {
    let map: BTreeMap<String, String> = ixml
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut t = {
        let mut built = Take::default();
        built.source_name = source.to_string();
        built.file_name = source.to_string();
        built.ixml = Some(map);
        built
    };
    t.fmt.channels = channels;
    t
}

fn renamed(step: &RenameStep, take: &Take) -> Vec<Edit> {
    step.apply(take).unwrap()
}

#[test]
fn default_template_keeps_extension_case() {
    let s = step("").unwrap();
    let t = take("T001.WAV", &[("SCENE", "24A"), ("TAKE", "3")], 2);
    assert_eq!(renamed(&s, &t), vec![Edit::SetFileName("24A-3.WAV".into())]);
    let t = take("t001.wav", &[("SCENE", "24A"), ("TAKE", "3")], 2);
    assert_eq!(renamed(&s, &t), vec![Edit::SetFileName("24A-3.wav".into())]);
}

#[test]
fn zero_pads_take_and_uses_vars() {
    let s = step("template = \"{show}_{scene}_T{take:03}\"").unwrap();
    let mut t = take("x.WAV", &[("SCENE", "12"), ("TAKE", "7")], 2);
    t.vars.insert("show".into(), "TWD".into());
    assert_eq!(
        renamed(&s, &t),
        vec![Edit::SetFileName("TWD_12_T007.WAV".into())]
    );
}

#[test]
fn bext_values_when_no_ixml() {
    let s = step("").unwrap();
    let mut t = take("A.WAV", &[], 1);
    t.ixml = None;
    for (key, value) in [("SCENE", "5B"), ("TAKE", "2")] {
        t.description.push({
            let mut built = rollcall_sdk::DescriptionKey::default();
            built.prefix = "s".into();
            built.key = key.into();
            built.value = value.into();
            built
        });
    }
    assert_eq!(renamed(&s, &t), vec![Edit::SetFileName("5B-2.WAV".into())]);
}

#[test]
fn missing_scene_or_take_fails_with_reason() {
    let s = step("").unwrap();
    let t = take("A.WAV", &[("TAKE", "3")], 2);
    match renamed(&s, &t).as_slice() {
        [Edit::Fail(reason)] => assert!(reason.contains("no scene"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let t = take("A.WAV", &[("SCENE", "3"), ("TAKE", " ")], 2);
    match renamed(&s, &t).as_slice() {
        [Edit::Fail(reason)] => assert!(reason.contains("no take"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsafe_characters_are_replaced_and_name_stays_in_folder() {
    let s = step("").unwrap();
    let t = take("A.WAV", &[("SCENE", "../../etc/24:A"), ("TAKE", "3?")], 2);
    assert_eq!(
        renamed(&s, &t),
        vec![Edit::SetFileName("_._.._etc_24_A-3_.WAV".into())]
    );
    let t = take("A.WAV", &[("SCENE", "CON"), ("TAKE", "1")], 2);
    let s2 = step("template = \"{scene}\"").unwrap();
    assert_eq!(renamed(&s2, &t), vec![Edit::SetFileName("_CON.WAV".into())]);
    assert_eq!(renamed(&s, &t), vec![Edit::SetFileName("CON-1.WAV".into())]);
}

#[test]
fn extension_in_template_is_not_doubled() {
    let s = step("template = \"{scene}.wav\"").unwrap();
    let t = take("A.WAV", &[("SCENE", "9")], 2);
    assert_eq!(renamed(&s, &t), vec![Edit::SetFileName("9.WAV".into())]);
}

#[test]
fn unchanged_name_gives_no_edit() {
    let s = step("").unwrap();
    let t = take("24A-3.WAV", &[("SCENE", "24A"), ("TAKE", "3")], 2);
    assert!(renamed(&s, &t).is_empty());
}

#[test]
fn too_long_name_fails() {
    let s = step("").unwrap();
    let long = "S".repeat(300);
    let t = take("A.WAV", &[("SCENE", &long), ("TAKE", "1")], 2);
    assert!(matches!(renamed(&s, &t).as_slice(), [Edit::Fail(r)] if r.contains("255")));
}

fn sound_devices(member: &str, index: &str) -> Take {
    take(
        &format!("A101_1_{member}.WAV"),
        &[
            ("SCENE", "24A"),
            ("TAKE", "3"),
            ("FILE_SET/TOTAL_FILES", "2"),
            ("FILE_SET/FILE_SET_INDEX", index),
        ],
        1,
    )
}

#[test]
fn sound_devices_family_members_keep_apart() {
    let s = step("").unwrap();
    assert_eq!(
        renamed(&s, &sound_devices("1", "1")),
        vec![Edit::SetFileName("24A-3_1.WAV".into())]
    );
    assert_eq!(
        renamed(&s, &sound_devices("2", "2")),
        vec![Edit::SetFileName("24A-3_2.WAV".into())]
    );
}

#[test]
fn poly_file_with_one_file_in_set_is_not_a_member() {
    let s = step("").unwrap();
    let t = take(
        "A101_1.WAV",
        &[
            ("SCENE", "24A"),
            ("TAKE", "3"),
            ("FILE_SET/TOTAL_FILES", "1"),
            ("FILE_SET/FILE_SET_INDEX", "A"),
        ],
        2,
    );
    assert_eq!(family_member(&t), None);
    assert_eq!(renamed(&s, &t), vec![Edit::SetFileName("24A-3.WAV".into())]);
}

#[test]
fn mono_without_file_set_uses_take_number() {
    // A101_1_2: take 1, member 2. A101_2: a one-channel take 2, not a family member.
    let member = take("A101_1_2.WAV", &[("SCENE", "A101"), ("TAKE", "1")], 1);
    assert_eq!(
        family_member(&member),
        Some(FamilyMember {
            suffix: "_2".into(),
            index: "2".into()
        })
    );
    let single = take("A101_2.WAV", &[("SCENE", "A101"), ("TAKE", "2")], 1);
    assert_eq!(family_member(&single), None);
    let poly = take("A101_1_2.WAV", &[("SCENE", "A101"), ("TAKE", "1")], 2);
    assert_eq!(family_member(&poly), None);
}

#[test]
fn zoom_family_members_keep_apart() {
    let s = step("").unwrap();
    let base = [
        ("SCENE", "24A"),
        ("TAKE", "3"),
        ("FILE_SET/TOTAL_FILES", "9"),
    ];
    for (suffix, expected) in [
        ("_Tr1", "24A-3_Tr1.WAV"),
        ("_Tr1_D", "24A-3_Tr1_D.WAV"),
        ("_TrL_R", "24A-3_TrL_R.WAV"),
        ("_Tr12", "24A-3_Tr12.WAV"),
    ] {
        let t = take(&format!("Scene_1_2AG-T001{suffix}.WAV"), &base, 1);
        assert_eq!(renamed(&s, &t), vec![Edit::SetFileName(expected.into())]);
    }
    let not_zoom = take("Scene-T001_Trumpet.WAV", &base, 1);
    assert_eq!(family_member(&not_zoom), None);
}

#[test]
fn index_token_replaces_the_suffix() {
    let s = step("template = \"{scene}-{take}-{index:02}\"").unwrap();
    assert_eq!(
        renamed(&s, &sound_devices("2", "2")),
        vec![Edit::SetFileName("24A-3-02.WAV".into())]
    );
    // Zoom: index from FILE_SET_INDEX, else from the suffix.
    let t = take(
        "X-T001_Tr1_D.WAV",
        &[
            ("SCENE", "24A"),
            ("TAKE", "3"),
            ("FILE_SET/FILE_SET_INDEX", "7"),
        ],
        1,
    );
    assert_eq!(
        renamed(&s, &t),
        vec![Edit::SetFileName("24A-3-07.WAV".into())]
    );
    let t = take("X-T001_Tr1_D.WAV", &[("SCENE", "24A"), ("TAKE", "3")], 1);
    assert_eq!(
        renamed(&s, &t),
        vec![Edit::SetFileName("24A-3-1_D.WAV".into())]
    );
}

#[test]
fn index_on_a_non_member_fails() {
    let s = step("template = \"{scene}-{index}\"").unwrap();
    let t = take("A.WAV", &[("SCENE", "24A"), ("TAKE", "3")], 2);
    assert!(
        matches!(renamed(&s, &t).as_slice(), [Edit::Fail(r)] if r.contains("split-mono family"))
    );
}

#[test]
fn family_suffix_can_be_turned_off() {
    let s = step("keep_family_suffix = false").unwrap();
    assert_eq!(
        renamed(&s, &sound_devices("2", "2")),
        vec![Edit::SetFileName("24A-3.WAV".into())]
    );
}

#[test]
fn stem_template_is_not_given_the_suffix_twice() {
    let s = step("template = \"{scene}_{stem}\"").unwrap();
    assert_eq!(
        renamed(&s, &sound_devices("2", "2")),
        vec![Edit::SetFileName("24A_A101_1_2.WAV".into())]
    );
}

#[test]
fn earlier_tokens_are_usable() {
    let s = step("template = \"EP{episode}_{scene}-{take}\"").unwrap();
    let mut t = take("A.WAV", &[("SCENE", "24A"), ("TAKE", "3")], 2);
    t.tokens.insert("episode".into(), "101".into());
    assert_eq!(
        renamed(&s, &t),
        vec![Edit::SetFileName("EP101_24A-3.WAV".into())]
    );
}

#[test]
fn unknown_token_fails_the_file_naming_it() {
    let s = step("template = \"{scene}-{shw}\"").unwrap();
    let t = take("A.WAV", &[("SCENE", "24A"), ("TAKE", "3")], 2);
    assert!(matches!(renamed(&s, &t).as_slice(), [Edit::Fail(r)] if r.contains("{shw}")));
}

#[test]
fn config_errors_name_the_key() {
    let e = step("templat = \"{scene}\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("templat"));
    let e = step("template = \"{scene\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("template"));
    let e = step("template = \"fixed\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("template"));
    let e = step("keep_family_suffix = \"yes\"").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("keep_family_suffix"));
}
