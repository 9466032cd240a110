//! bext parse/encode on real chunks, and description `KEY=value` lines from real recorders.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use std::io::Cursor;

use rollcall_wav::{
    parse_description, read_header, read_payload, remove_description_key, set_description_key,
    Bext, DescriptionLine, BEXT_FIXED_LEN, MAX_METADATA_CHUNK,
};

fn bext_payload(rel: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(common::corpus(rel)).ok()?;
    let mut cur = Cursor::new(&bytes);
    let header = read_header(&mut cur).ok()?;
    let chunk = header.find(b"bext")?;
    read_payload(&mut cur, chunk, MAX_METADATA_CHUNK).ok()
}

/// Each fixed text field holds nothing but NULs after its first NUL (no leftover memory).
fn clean_text_fields(p: &[u8]) -> bool {
    [(0, 256), (256, 32), (288, 32), (320, 10), (330, 8)]
        .iter()
        .all(|&(at, len)| {
            let field = &p[at..at + len];
            let end = field.iter().position(|&b| b == 0).unwrap_or(len);
            field[end..].iter().all(|&b| b == 0) && field[..end].is_ascii()
        })
}

#[test]
fn real_bext_chunks_round_trip() {
    let mut identical = Vec::new();
    let mut checked = 0;
    for (rel, _) in common::corpus_wavs() {
        let Some(p) = bext_payload(&rel) else {
            continue;
        };
        let bext = Bext::parse(&p).expect("parse");
        checked += 1;
        if let Ok(encoded) = bext.to_bytes() {
            // Semantic round trip for every encodable chunk.
            assert_eq!(Bext::parse(&encoded).expect("re-parse"), bext, "{rel}");
        }
        let history_is_text = p.get(BEXT_FIXED_LEN..).is_some_and(|h| {
            let end = h.iter().position(|&b| b == 0).unwrap_or(h.len());
            h[end..].iter().all(|&b| b == 0) && h[..end].is_ascii()
        });
        if bext.version >= 1
            && p.len() >= BEXT_FIXED_LEN
            && clean_text_fields(&p)
            && history_is_text
        {
            assert_eq!(
                bext.to_bytes_like(&p).expect("encode"),
                p,
                "{rel}: not byte-identical"
            );
            let mut trimmed = p.len();
            while trimmed > BEXT_FIXED_LEN && p[trimmed - 1] == 0 {
                trimmed -= 1;
            }
            assert_eq!(
                bext.to_bytes().expect("encode"),
                p[..trimmed],
                "{rel}: to_bytes"
            );
            identical.push(rel);
        }
    }
    assert_eq!(checked, 87, "bext chunks in the corpus");
    for must in [
        "wavinfo/tests/test_files/sounddevices/A101_1.WAV",
        "bwavfile/tests/media/sounddevices_6_cue_points.wav",
        "wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_TrL_R.WAV",
        "wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 7.1.wav",
        "bwavfile/tests/media/pt_24bit.wav",
        "bwavfile/tests/media/ff_bwav_51.wav",
        "music-metadata/test/samples/issue_75.wav",
    ] {
        assert!(identical.iter().any(|r| r == must), "{must} not checked byte for byte");
    }
    assert!(
        identical.len() >= 55,
        "only {} byte-identical",
        identical.len()
    );
}

#[test]
fn known_fields_of_real_chunks() {
    let sd = Bext::parse(
        &bext_payload("wavinfo/tests/test_files/sounddevices/A101_1.WAV").expect("bext"),
    )
    .expect("parse");
    assert_eq!(sd.version, 1);
    assert!(sd.originator.starts_with("Sound Dev"), "{}", sd.originator);
    assert_eq!(sd.origination_date.len(), 10);
    assert!(sd.time_reference > 0);
    // iZotope RX writes a v0 chunk of odd size (603 bytes).
    let p = bext_payload("bwavfile/tests/media/izotope_test.wav").expect("bext");
    assert_eq!(p.len(), 603);
    assert_eq!(Bext::parse(&p).expect("parse").version, 0);
    // Short chunks read missing fields as zero.
    let short = Bext::parse(b"hello").expect("short");
    assert_eq!(
        (
            short.description.as_str(),
            short.version,
            short.reserved.len()
        ),
        ("hello", 0, 0)
    );
    assert_eq!(short.to_bytes().expect("encode").len(), BEXT_FIXED_LEN);
}

#[test]
fn fields_that_do_not_fit_are_named() {
    let mut b = Bext::parse(&[]).expect("empty");
    b.description = "x".repeat(257);
    let err = b.to_bytes().expect_err("too long").to_string();
    assert!(
        err.contains("description") && err.contains("257 bytes"),
        "{err}"
    );
    b.description = "x".repeat(256);
    assert!(b.to_bytes().is_ok(), "exactly 256 bytes fits");
    b.originator = "Zoé".to_string();
    let err = b.to_bytes().expect_err("non-ASCII").to_string();
    assert!(err.contains("originator") && err.contains("ASCII"), "{err}");
    b.originator.clear();
    b.origination_date = "2024-01-011".to_string();
    assert!(b
        .to_bytes()
        .expect_err("date")
        .to_string()
        .contains("origination_date"));
    // Latin-1 bytes decode to the same code points.
    let mut p = vec![0u8; 602];
    p[0] = 0xE9;
    assert_eq!(Bext::parse(&p).expect("parse").description, "é");
}

fn value_of<'a>(lines: &'a [DescriptionLine], key: &str) -> Option<(&'a str, &'a str)> {
    lines
        .iter()
        .find(|l| l.key == key)
        .map(|l| (l.prefix.as_str(), l.value.as_str()))
}

#[test]
fn recorder_description_keys() {
    let sd = Bext::parse(
        &bext_payload("wavinfo/tests/test_files/sounddevices/A101_1.WAV").expect("bext"),
    )
    .expect("parse");
    let lines = parse_description(&sd.description);
    assert_eq!(value_of(&lines, "SCENE"), Some(("s", "A101")));
    assert_eq!(value_of(&lines, "TAKE"), Some(("s", "1")));
    assert_eq!(value_of(&lines, "TRK1").map(|v| v.0), Some("s"));

    let zoom = "wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_TrL_R.WAV";
    let z = Bext::parse(&bext_payload(zoom).expect("bext")).expect("parse");
    let lines = parse_description(&z.description);
    assert_eq!(value_of(&lines, "SCENE"), Some(("", "Scene_1_2AG")));
    assert_eq!(value_of(&lines, "TR1"), Some(("", "Tr1")));
    assert_eq!(value_of(&lines, "TRL"), Some(("", "TrL")));
    assert_eq!(value_of(&lines, "NOTE"), Some(("", "Test 01 wavinfo")));

    let mc = Bext::parse(
        &bext_payload("wavinfo/tests/test_files/metacorder/Sr001-2C-01_01.WAV").expect("bext"),
    )
    .expect("parse");
    let lines = parse_description(&mc.description);
    assert_eq!(value_of(&lines, "SCENE"), Some(("g", "2C")));
    assert_eq!(value_of(&lines, "TAKE"), Some(("g", "01")));
    assert_eq!(
        value_of(&lines, "NOTE"),
        Some(("g", "Tail Slate Cloth noise"))
    );
}

#[test]
fn setting_and_removing_keys_keeps_other_lines() {
    let sd = Bext::parse(
        &bext_payload("wavinfo/tests/test_files/sounddevices/A101_1.WAV").expect("bext"),
    )
    .expect("parse");
    let text = sd.description.as_str();
    let changed = set_description_key(text, "SCENE", "B202", "s");
    assert_eq!(changed, text.replace("sSCENE=A101\r\n", "sSCENE=B202\r\n"));
    let added = set_description_key(text, "CIRCLED", "TRUE", "s");
    assert_eq!(added, format!("{text}sCIRCLED=TRUE\r\n"));
    let removed = remove_description_key(text, "TAKE");
    assert_eq!(removed, text.replace("sTAKE=1\r\n", ""));

    // \n style, a line without '=', and no final line ending.
    let t = "free text\nTR1=Boom\nTR2=Lav";
    assert_eq!(
        set_description_key(t, "TR2", "Plant", ""),
        "free text\nTR1=Boom\nTR2=Plant"
    );
    assert_eq!(
        set_description_key(t, "TR3", "X", ""),
        "free text\nTR1=Boom\nTR2=Lav\nTR3=X"
    );
    assert_eq!(remove_description_key(t, "TR1"), "free text\nTR2=Lav");
    assert_eq!(set_description_key("", "SCENE", "1", "s"), "sSCENE=1\r\n");
    let lines = parse_description("free text\r\nsTRK1=Boom\r\nlower=case\r\n=empty");
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (
            lines[0].prefix.as_str(),
            lines[0].key.as_str(),
            lines[0].value.as_str()
        ),
        ("s", "TRK1", "Boom")
    );
    assert_eq!(
        (lines[1].prefix.as_str(), lines[1].key.as_str()),
        ("", "lower")
    );
    assert_eq!(lines[2].key, "");
}
