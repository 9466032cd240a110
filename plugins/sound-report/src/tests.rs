use super::*;
use std::collections::BTreeMap;

fn step_with(report: &str, extra: &str) -> (tempfile::TempDir, Result<SoundReportStep, StepError>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("SoundReport.csv"), report).expect("report written");
    let table = format!("csv = \"SoundReport.csv\"\n{extra}");
    let step = SoundReportStep::new(&StepContext::new(
        table.parse().expect("toml"),
        dir.path().to_path_buf(),
    ));
    (dir, step)
}

fn take(source: &str, ixml: &[(&str, &str)]) -> Take {
    {
        let mut built = Take::default();
        built.source_name = source.to_string();
        built.file_name = source.to_string();
        built.ixml = Some(
            ixml.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        );
        built
    }
}

const PLAIN: &str = "file,scene,take,circled,note,tape,wild\n\
12_1.WAV,12,1,Y,\"good, use\nthis one\",A001,\n\
12_2.WAV,12,2,,,A001,\n\
WT_X.WAV,,,no,room tone,A001,yes\n";

#[test]
fn circled_note_wild_and_token() {
    let (_dir, step) = step_with(PLAIN, "");
    let step = step.expect("builds");
    let edits = step
        .apply(&take("12_1.WAV", &[("SCENE", "12"), ("TAKE", "1")]))
        .expect("applies");
    assert_eq!(
        edits,
        vec![
            Edit::SetIxml {
                path: "CIRCLED".into(),
                value: "TRUE".into()
            },
            Edit::SetIxml {
                path: "NOTE".into(),
                value: "good, use this one".into()
            },
            Edit::SetToken {
                name: "circled".into(),
                value: "circled".into()
            },
        ]
    );
    let edits = step
        .apply(&take("12_2.WAV", &[("CIRCLED", "FALSE")]))
        .expect("applies");
    assert_eq!(
        edits,
        vec![Edit::SetToken {
            name: "circled".into(),
            value: String::new()
        }],
        "nothing to change: no edit but the token"
    );
    let edits = step.apply(&take("WT_3.WAV", &[])).expect("applies");
    assert!(edits.contains(&Edit::SetIxml {
        path: "WILD_TRACK".into(),
        value: "TRUE".into()
    }));
    assert!(step
        .apply(&take("13_1.WAV", &[]))
        .expect("applies")
        .is_empty());
}

#[test]
fn fix_slate_lets_the_report_win_with_a_warning() {
    let (_dir, step) = step_with(PLAIN, "fix_slate = true");
    let step = step.expect("builds");
    let edits = step
        .apply(&take("12_1.WAV", &[("SCENE", "21"), ("TAKE", "01")]))
        .expect("applies");
    assert!(edits.contains(&Edit::SetIxml {
        path: "SCENE".into(),
        value: "12".into()
    }));
    assert!(edits.contains(&Edit::Warn(
        "mis-slated: the file says scene 21, the sound report (row 2) says 12; the report wins"
            .into()
    )));
    assert!(
        !edits
            .iter()
            .any(|e| matches!(e, Edit::SetIxml { path, .. } if path == "TAKE")),
        "take 01 is take 1"
    );
    let (_dir, plain) = step_with(PLAIN, "");
    let edits = plain
        .expect("builds")
        .apply(&take("12_1.WAV", &[("SCENE", "21")]))
        .expect("applies");
    assert!(!edits.iter().any(|e| matches!(e, Edit::Warn(_))));
}

#[test]
fn errors_name_the_key_row_and_column() {
    let (_dir, step) = step_with("file,circled\nA.WAV,sometimes\n", "");
    let error = step.expect_err("a bad mark fails the step");
    assert_eq!(error.key.as_deref(), Some("csv"));
    assert!(
        error
            .message
            .contains("SoundReport.csv: row 2, column `circled`"),
        "{error}"
    );
    let (_dir, step) = step_with(PLAIN, "fix_slat = true");
    assert_eq!(step.expect_err("typo").key.as_deref(), Some("fix_slat"));
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = SoundReportStep::new(&StepContext::new(
        "csv = \"nope.csv\"".parse().expect("toml"),
        dir.path().to_path_buf(),
    ))
    .expect_err("missing file");
    assert!(missing.message.contains("nope.csv"), "{missing}");
}
