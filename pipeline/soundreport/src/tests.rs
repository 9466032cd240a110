use std::path::{Path, PathBuf};

use crate::*;

fn real_report_bytes() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/wavinfo/tests/test_files/WaveAgentSoundReport.csv");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn real_report() -> SoundReport {
    SoundReport::parse(&real_report_bytes(), "WaveAgentSoundReport.csv")
        .expect("the real report reads")
}

#[test]
fn the_real_wave_agent_report_reads() {
    let bytes = real_report_bytes();
    assert!(
        bytes.contains(&b'\r') && !bytes.contains(&b'\n'),
        "the corpus report has CR-only line ends"
    );
    let report = real_report();
    assert_eq!(report.layout, ReportLayout::WaveAgent);
    assert_eq!(
        report.header.get("Project"),
        Some("WAVINFO WaveAgent Otput")
    );
    assert_eq!(report.header.get("Sound Mixer"), Some("Jamie Hardt"));
    assert_eq!(
        report.header.get("Roll"),
        None,
        "empty values read as absent"
    );
    assert_eq!(report.rows.len(), 9);
    let family = &report.rows[1];
    assert_eq!(
        family.line, 8,
        "rows are numbered by their line in the file"
    );
    assert_eq!(family.file_name, "A101_1_X.WAV");
    assert_eq!(
        family.channels,
        Some(Channels {
            count: 2,
            mono: true
        })
    );
    assert_eq!(
        (
            family.tape.as_str(),
            family.scene.as_str(),
            family.take.as_str()
        ),
        ("18Y12M31", "A101", "01")
    );
    assert_eq!(family.frame_rate, "23.97 ND");
    assert_eq!(family.start_tc, "12:39:59:00");
    assert_eq!(family.length, "00:00:05");
    assert_eq!(family.tracks, vec!["MKH516 A", "Boom"]);
    assert!(!family.circled && !family.wild);
    assert!(family.lists("A101_1_1.WAV") && family.lists("a101_1_2.wav"));
    assert!(!family.lists("A101_1.WAV") && !family.lists("A101_1_1.BWF"));
    assert_eq!(family.member_index("A101_1_2.WAV"), Some(2));
    let poly = &report.rows[2];
    assert_eq!(
        poly.channels,
        Some(Channels {
            count: 2,
            mono: false
        })
    );
    let metacorder = &report.rows[8];
    assert_eq!(metacorder.note, "Tail Slate Cloth noise");
    assert_eq!(
        metacorder.channels,
        Some(Channels {
            count: 5,
            mono: true
        })
    );
    assert_eq!(metacorder.tracks.len(), 5);
    assert!(metacorder.lists("Sr001-2C-01_03.WAV"));
    assert_eq!(
        report.row_for("A101_1.WAV").map(|r| r.line),
        Some(9),
        "the poly file is its own row, not the family's"
    );
    let bullet = &report.rows[0];
    assert!(bullet.tape.is_empty() && bullet.tracks.is_empty());
}

#[test]
fn every_line_end_reads_the_same() {
    let cr = real_report_bytes();
    let text = String::from_utf8(cr.clone()).expect("utf-8");
    let lf = text.replace('\r', "\n");
    let crlf = text.replace('\r', "\r\n");
    let expected = real_report();
    for bytes in [lf.as_bytes(), crlf.as_bytes()] {
        let report = SoundReport::parse(bytes, "WaveAgentSoundReport.csv").expect("reads");
        assert_eq!(report, expected);
    }
}

#[test]
fn marks_read_as_the_spec_says() {
    for yes in ["Y", "y", "Yes", "TRUE", "true", "C", "x", "*", "1", " Y "] {
        assert_eq!(truthy(yes), Some(true), "{yes:?}");
    }
    for no in ["", " ", "N", "no", "FALSE", "0"] {
        assert_eq!(truthy(no), Some(false), "{no:?}");
    }
    for bad in ["maybe", "2", "circled"] {
        assert_eq!(truthy(bad), None, "{bad:?}");
    }
    let csv = "file,scene,take,circled,note\nA.WAV,1,1,Y,\nB.WAV,1,2,perhaps,hi\n";
    let error =
        SoundReport::parse(csv.as_bytes(), "report.csv").expect_err("a bad mark is an error");
    assert_eq!(
        error,
        ReportError::Cell {
            file: "report.csv".into(),
            row: 3,
            column: "circled".into(),
            message:
                "`perhaps` is neither a mark (Y, Yes, TRUE, C, X, *, 1) nor blank (N, No, FALSE, 0)"
                    .into(),
        }
    );
    assert!(error
        .to_string()
        .starts_with("report.csv: row 3, column `circled`"));
}

#[test]
fn plain_csv_reads_with_optional_tape_and_wild() {
    let csv = "\u{feff}File,Scene,Take,Circled,Note,Tape,Wild\r\n12_1.WAV,12,1,,\"slate late, reset\",HBL101,\r\n\r\n12_2.WAV,12,2,yes,,HBL101,Y\r\n";
    let report = SoundReport::parse(csv.as_bytes(), "report.csv").expect("reads");
    assert_eq!(report.layout, ReportLayout::Plain);
    assert_eq!(report.rows.len(), 2);
    assert_eq!(report.rows[0].note, "slate late, reset");
    assert_eq!(report.rows[1].line, 4);
    assert!(report.rows[1].circled && report.rows[1].wild);
    assert_eq!(report.rows[1].tape, "HBL101");
    let no_file =
        SoundReport::parse(b"scene,take\n1,1\n", "x.csv").expect_err("needs a file column");
    assert!(matches!(no_file, ReportError::Header { .. }), "{no_file}");
    let empty_name = SoundReport::parse(b"file,scene\n,1\n", "x.csv").expect_err("empty name");
    assert!(
        empty_name.to_string().contains("row 2, column `file`"),
        "{empty_name}"
    );
    let bad_channels = "SOUND REPORT\nProject:,\"x\"\n\nFile Name,Channels\nA.WAV,many\n";
    let error = SoundReport::parse(bad_channels.as_bytes(), "r.csv").expect_err("bad channels");
    assert!(
        error.to_string().contains("row 5, column `Channels`"),
        "{error}"
    );
}

#[test]
fn hostile_and_odd_input_gives_errors_not_panics() {
    for bytes in [
        &b""[..],
        b"SOUND REPORT\r",
        b"SOUND REPORT\nnot a key,\n",
        b"\"unterminated",
        b"\xff\xfe\x00\x01",
        b"SOUND REPORT\n\nFile Name,T99999999999\nA.WAV,x\n",
    ] {
        let _ = SoundReport::parse(bytes, "r.csv");
    }
    let huge_track =
        SoundReport::parse(b"SOUND REPORT\n\nFile Name,T4000000000\nA.WAV,x\n", "r.csv")
            .expect("an absurd track column is ignored");
    assert!(huge_track.rows[0].tracks.is_empty());
    let latin1 = b"file,note\nA.WAV,caf\xe9\n";
    let report = SoundReport::parse(latin1, "r.csv").expect("Latin-1 reads");
    assert_eq!(report.rows[0].note, "caf\u{e9}");
}

#[test]
fn written_layout_reads_back_the_same_takes() {
    let mut report = real_report();
    report.rows[2].circled = true;
    report.rows[3].wild = true;
    report.rows[3].note = "plane, \"loud\"; retake\nafter lunch".into();
    report.rows[4].tracks = vec!["ZOË (COS-11D)".into(), String::new(), "Lav, 3".into()];
    report.header.set("Roll", "18Y12M31");
    report.header.set("Shoot Date", "2018-12-31");
    let bytes = report.to_wave_agent();
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    assert!(text.starts_with("SOUND REPORT\r\nProject:,\"WAVINFO WaveAgent Otput\",Sound Mixer:,\"Jamie Hardt\",Roll:,\"18Y12M31\"\r\n"));
    assert!(text.contains("\r\n\r\nFile Name,Channels,Tape,Scene,Take,Sample Rate,Frame Rate,Bit Depth,Length,Start TC,Wild,Circled,User,Notes,T1,T2,T3,T4,T5\r\n"));
    assert!(text.contains("\"A101_1_X.WAV\",2(MONO),\"18Y12M31\",\"A101\",\"01\",48000,23.97 ND,24,00:00:05,12:39:59:00,,,\"\",\"\",\"MKH516 A\",\"Boom\""));
    let again = SoundReport::parse(&bytes, "ours.csv").expect("our layout reads");
    assert_eq!(again.layout, ReportLayout::WaveAgent);
    assert_eq!(again.header.get("Roll"), Some("18Y12M31"));
    assert_eq!(again.header.get("Shoot Date"), Some("2018-12-31"));
    assert_eq!(again.rows.len(), report.rows.len());
    for (ours, theirs) in again.rows.iter().zip(&report.rows) {
        let mut expected = theirs.clone();
        expected.line = ours.line;
        expected.note = expected.note.replace('\n', " ");
        assert_eq!(ours, &expected);
    }
    let formula = SoundReport {
        source: "x".into(),
        layout: ReportLayout::WaveAgent,
        header: ReportHeader::default(),
        rows: vec![ReportRow {
            file_name: "A.WAV".into(),
            note: "=HYPERLINK(\"x\")".into(),
            ..ReportRow::default()
        }],
    };
    let text = String::from_utf8(formula.to_wave_agent()).expect("utf-8");
    assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
}

fn take(
    name: &str,
    scene: &str,
    number: &str,
    tape: &str,
    tc: &str,
    seconds: f64,
    tracks: &[&str],
) -> BatchTake {
    BatchTake {
        path: PathBuf::from("/rolls").join(name),
        file_name: name.into(),
        scene: Some(scene.into()),
        take: Some(number.into()),
        tape: Some(tape.into()),
        start_tc: Some(tc.into()),
        length_seconds: Some(seconds),
        tracks: tracks
            .iter()
            .enumerate()
            .map(|(i, n)| BatchTrack {
                channel_index: Some(i as u32 + 1),
                name: Some(n.to_string()),
            })
            .collect(),
    }
}

#[test]
fn reconciliation_finds_missing_unlisted_and_differing_takes() {
    let report = real_report();
    let mut member = take(
        "A101_1_2.WAV",
        "A101",
        "1",
        "18Y12M31",
        "12:39:59:00",
        5.2,
        &["Boom"],
    );
    member.tracks[0].channel_index = Some(2);
    let takes = vec![
        take(
            "A101_1.WAV",
            "A101",
            "1",
            "18Y12M31",
            "12:39:59:00",
            5.4,
            &["MKH516 A", "Boom"],
        ),
        member,
        take(
            "A101_2.WAV",
            "A102",
            "2",
            "18Y12M31",
            "12:40:04:00",
            13.0,
            &["MKH516 A", "Lav"],
        ),
        take("EXTRA_9.WAV", "9", "9", "18Y12M31", "01:00:00:00", 1.0, &[]),
    ];
    let findings = reconcile(&report, &takes);
    let rules: Vec<(&str, Option<&Path>)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_deref()))
        .collect();
    let no_file: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == "report/no-file")
        .collect();
    assert_eq!(no_file.len(), 6, "{rules:?}");
    assert!(no_file
        .iter()
        .all(|f| f.severity == Severity::Warning && f.path.is_none()));
    assert!(
        no_file.iter().any(|f| f.message
            == "missing take: WaveAgentSoundReport.csv (row 11) lists A101_3.WAV (scene A101 take 03) but no such file came"
            && f.roll.as_deref() == Some("18Y12M31")),
        "{no_file:?}"
    );
    let no_row: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == "report/no-row")
        .collect();
    assert_eq!(no_row.len(), 1);
    assert_eq!(no_row[0].severity, Severity::Info);
    assert_eq!(
        no_row[0].path.as_deref(),
        Some(Path::new("/rolls/EXTRA_9.WAV"))
    );
    let mismatch: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "report/mismatch")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        mismatch,
        vec![
            "A101_2.WAV differs from WaveAgentSoundReport.csv row 10: scene: the report says A101, the file says A102",
            "A101_2.WAV differs from WaveAgentSoundReport.csv row 10: length: the report says 00:00:10, the file is 00:00:13",
            "A101_2.WAV differs from WaveAgentSoundReport.csv row 10: track 2 name: the report says Boom, the file says Lav",
        ],
        "takes compare as numbers (01 = 1), a family member by its channel, lengths within a second"
    );
}

#[test]
fn pages_show_hostile_values_as_text() {
    let hostile = "<script>alert(\"x\")</script> \u{202E}evil\u{2066} 'q' & done";
    let page = RollPage {
        show: Some("TWD <b>".into()),
        roll: "A001".into(),
        dates: vec!["2018-12-31".into()],
        takes: vec![PageTake {
            file: "A101_1.WAV".into(),
            scene: "A101".into(),
            take: "1".into(),
            circled: true,
            tracks: vec![
                PageTrack {
                    name: hostile.into(),
                    peak_dbfs: Some(-6.5),
                    silent: false,
                },
                PageTrack {
                    name: "Lav".into(),
                    peak_dbfs: None,
                    silent: true,
                },
            ],
            envelope: Some(Envelope {
                columns: vec![(-0.5, 0.5), (-1.0, 1.0), (f32::NAN, 0.1)],
            }),
            note: hostile.into(),
            findings: vec![Finding::file(
                "report/mismatch",
                Severity::Warning,
                "/x",
                hostile,
            )],
            ..PageTake::default()
        }],
        generator: "rollcall test".into(),
        ..RollPage::default()
    };
    let html = render_roll_page(&page);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains('\u{202E}') && !html.contains('\u{2066}'));
    assert!(html.contains(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;U+202E&gt;evil&lt;U+2066&gt;"
    ));
    assert!(html.contains("TWD &lt;b&gt;"));
    assert!(html.contains("@page { size: landscape"));
    assert!(html.contains("class=\"take circled\""));
    assert!(html.contains("<svg class=\"wave\""));
    assert!(
        !html.contains("http"),
        "nothing fetched: no URL in the page"
    );
    let index = render_index_page(&IndexPage {
        show: Some(hostile.into()),
        rolls: vec![IndexRoll {
            roll: hostile.into(),
            page: "A001.html".into(),
            csv: "A001.csv".into(),
            takes: 3,
            circled: 1,
            ..IndexRoll::default()
        }],
        findings: Vec::new(),
        generator: "rollcall test".into(),
    });
    assert!(!index.contains("<script"), "{index}");
    assert!(index.contains("href=\"A001.html\""));
}
