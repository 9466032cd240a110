use super::*;
use rollcall_sdk::{Take, Track, FACT_PATH, FACT_RECOVERED};

fn check(table: &str) -> Result<PracticeCheck, StepError> {
    PracticeCheck::new(&StepContext::new(
        toml::from_str(table).unwrap_or_default(),
        ".",
    ))
}

fn take() -> CheckedTake {
    let mut source = Take::named("12_1.WAV");
    source.fmt = rollcall_sdk::FmtFacts::new(2, 48_000, 24, 48_000);
    source.ixml = Some(
        [
            ("SCENE", "12"),
            ("TAKE", "1"),
            ("TAPE", "TWD8056"),
            ("PRE_RECORD_SAMPLECOUNT", "480000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    );
    source.tracks = vec![Track::new(1, Some("Mix")), Track::new(2, Some("Boom"))];
    source
        .facts
        .insert(FACT_PATH.to_string(), "/cards/TWD8056/12_1.WAV".to_string());
    CheckedTake::new(source.clone(), source)
}

fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn a_clean_take_raises_nothing_and_a_recovered_one_says_so() -> Result<(), StepError> {
    let practice = check("")?;
    assert_eq!(practice.check_take(&take())?, Vec::new());
    let mut recovered = take();
    recovered.source.facts.insert(
        FACT_RECOVERED.to_string(),
        "unfinalized take: the data size field says 0 bytes".to_string(),
    );
    let findings = practice.check_take(&recovered)?;
    assert_eq!(rules(&findings), vec!["take/recovered"]);
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(findings[0].roll.as_deref(), Some("TWD8056"));
    assert_eq!(
        findings[0].path.as_deref(),
        Some(std::path::Path::new("/cards/TWD8056/12_1.WAV"))
    );
    Ok(())
}

#[test]
fn wild_takes_are_exempt_from_the_slate_rules() -> Result<(), StepError> {
    let practice = check("")?;
    let mut wild = take();
    if let Some(ixml) = wild.source.ixml.as_mut() {
        ixml.remove("SCENE");
        ixml.insert("WILD_TRACK".into(), "TRUE".into());
    }
    assert_eq!(practice.check_take(&wild)?, Vec::new());
    if let Some(ixml) = wild.source.ixml.as_mut() {
        ixml.insert("WILD_TRACK".into(), "FALSE".into());
    }
    assert_eq!(rules(&practice.check_take(&wild)?), vec!["slate/missing"]);
    Ok(())
}

#[test]
fn table_errors_name_the_key() {
    for (table, key) in [
        ("bit_depth = 20", "bit_depth"),
        ("timecode_rate = \"fast\"", "timecode_rate"),
        ("roll_scheme = \"anime\"", "roll_scheme"),
        ("day_cutoff = \"6am\"", "day_cutoff"),
        ("pre_roll = -1.0", "pre_roll"),
    ] {
        let error = check(table).err();
        assert_eq!(error.and_then(|e| e.key), Some(key.to_string()), "{table}");
    }
    let unknown = check("bit_dept = 24")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(unknown.contains("bit_dept"), "{unknown}");
}

#[test]
fn timecode_rates_read_as_recorders_and_recipes_write_them() {
    let parse = |t: &str, f: Option<&str>| TimecodeRate::parse(t, f).map(TimecodeRate::label);
    assert_eq!(
        parse("24000/1001", Some("NDF")).as_deref(),
        Some("23.976ND")
    );
    assert_eq!(parse("23.976ND", None).as_deref(), Some("23.976ND"));
    assert_eq!(parse("30000/1001", Some("DF")).as_deref(), Some("29.97DF"));
    assert_eq!(parse("25", None).as_deref(), Some("25"));
    let (a, b) = (
        TimecodeRate::parse("23.98", None),
        TimecodeRate::parse("24000/1001", Some("NDF")),
    );
    assert!(a.zip(b).is_some_and(|(a, b)| a.matches(b)));
}

#[test]
fn every_rule_has_its_spec_severity() {
    let errors: Vec<&str> = RULES
        .iter()
        .filter(|(_, s, _)| *s == Severity::Error)
        .map(|(id, _, _)| *id)
        .collect();
    assert_eq!(
        errors,
        vec!["roll/repeated", "slate/missing", "take/mirror-differs"]
    );
    assert_eq!(RULES.len(), 15);
}
