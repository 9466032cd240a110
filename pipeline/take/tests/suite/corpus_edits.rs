//! Edits applied to real corpus takes keep iXML and bext in step, and leave the rest byte-identical.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::PathBuf;

use rollcall_ixml::Ixml;
use rollcall_sdk::Edit;
use rollcall_take::{render, Changes, SourceTake};
use rollcall_wav::{parse_description, read_header, read_payload, write_file, Bext, WriteOptions};

fn corpus(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(path)
}

/// Apply one step's edits to a corpus file and write the result into memory.
fn edited(path: &str, edits: Vec<Edit>) -> (SourceTake, Vec<u8>, Vec<String>) {
    let source = SourceTake::read(&corpus(path)).expect("corpus take reads");
    let mut take = source.describe("", &BTreeMap::new());
    let mut changes = Changes::new(&source);
    changes.apply(&mut take, edits).expect("edits apply");
    let rendered = render(&source, &changes, "test recipe").expect("renders");
    let mut file = std::fs::File::open(&source.path).expect("opens");
    let mut out = Vec::new();
    write_file(
        &mut file,
        &source.header,
        &rendered.layout,
        rendered.map.as_ref(),
        &mut out,
        &WriteOptions::default(),
    )
    .expect("writes");
    (source, out, rendered.warnings)
}

/// Every chunk of a file as (id, payload).
fn chunks(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut cursor = Cursor::new(bytes);
    let header = read_header(&mut cursor).expect("output reads back");
    header
        .chunks
        .iter()
        .filter(|c| &c.id != b"ds64")
        .map(|c| {
            (
                c.id,
                read_payload(&mut cursor, c, u64::MAX).expect("payload"),
            )
        })
        .collect()
}

fn chunk(bytes: &[u8], id: &[u8; 4]) -> Vec<u8> {
    chunks(bytes)
        .into_iter()
        .find(|(i, _)| i == id)
        .map(|(_, p)| p)
        .expect("chunk present")
}

fn source_chunk(source: &SourceTake, id: &[u8; 4]) -> Vec<u8> {
    chunk(&std::fs::read(&source.path).expect("source"), id)
}

/// The bytes of `after` equal `before` except inside one span: returns the differing middles.
fn differing_span(before: &[u8], after: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let suffix = before[prefix..]
        .iter()
        .rev()
        .zip(after[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    (
        before[prefix..before.len() - suffix].to_vec(),
        after[prefix..after.len() - suffix].to_vec(),
    )
}

#[test]
fn a_track_name_goes_to_ixml_and_the_sound_devices_bext_line_together() {
    let path = "wavinfo/tests/test_files/sounddevices/A101_1.WAV";
    let (source, out, _) = edited(
        path,
        vec![Edit::SetTrackName {
            interleave_index: 2,
            name: "ZOË (MKH50)".into(),
        }],
    );
    let ixml = Ixml::parse(&chunk(&out, b"iXML")).expect("iXML parses");
    assert_eq!(ixml.tracks()[1].name.as_deref(), Some("ZOË (MKH50)"));
    assert_eq!(ixml.tracks()[0].name.as_deref(), Some("MKH516 A"));
    let bext = Bext::parse(&chunk(&out, b"bext")).expect("bext parses");
    let lines = parse_description(&bext.description);
    let trk2 = lines.iter().find(|l| l.key == "TRK2").expect("sTRK2 kept");
    assert_eq!(
        (trk2.prefix.as_str(), trk2.value.as_str()),
        ("s", "ZOE (MKH50)")
    );
    assert!(lines
        .iter()
        .any(|l| l.key == "TRK1" && l.value == "MKH516 A"));

    // Only the NAME element changed in iXML (the padding after the document may shrink or go).
    let trim = |b: Vec<u8>| {
        let end = b
            .iter()
            .rposition(|&c| c != b' ' && c != 0)
            .map_or(0, |i| i + 1);
        b[..end].to_vec()
    };
    let (old, new) = differing_span(
        &trim(source_chunk(&source, b"iXML")),
        &trim(chunk(&out, b"iXML")),
    );
    let old = String::from_utf8_lossy(&old);
    let new = String::from_utf8_lossy(&new);
    assert_eq!(old, "Boom", "only the name changed");
    assert_eq!(new, "ZOË (MKH50)");
    // Every other chunk and the audio are byte-identical, in order.
    let before = chunks(&std::fs::read(&source.path).unwrap());
    let after = chunks(&out);
    assert_eq!(
        before.iter().map(|c| c.0).collect::<Vec<_>>(),
        after.iter().map(|c| c.0).collect::<Vec<_>>()
    );
    for ((id, a), (_, b)) in before.iter().zip(&after) {
        if id != b"iXML" && id != b"bext" {
            assert_eq!(a, b, "{}", String::from_utf8_lossy(id));
        }
    }
}

#[test]
fn a_rename_updates_history_and_the_filename_line_and_keeps_the_file_uid() {
    let path = "wavinfo/tests/test_files/sounddevices/A101_2.WAV";
    let (source, out, _) = edited(path, vec![Edit::SetFileName("A101-2.WAV".into())]);
    let before = source.ixml.as_ref().expect("source iXML");
    let ixml = Ixml::parse(&chunk(&out, b"iXML")).expect("iXML parses");
    assert_eq!(
        ixml.get("HISTORY/CURRENT_FILENAME").as_deref(),
        Some("A101-2.WAV")
    );
    assert_eq!(ixml.get("FILE_UID"), before.get("FILE_UID"));
    assert!(ixml
        .get("HISTORY/ORIGINAL_FILENAME")
        .is_some_and(|v| !v.is_empty()));
    let bext = Bext::parse(&chunk(&out, b"bext")).expect("bext parses");
    assert!(parse_description(&bext.description)
        .iter()
        .any(|l| l.key == "FILENAME" && l.value == "A101-2.WAV"));
    assert_eq!(chunk(&out, b"data"), source_chunk(&source, b"data"));
}

#[test]
fn zoom_track_lines_keep_their_tr_spelling_and_no_prefix() {
    let path =
        "wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_TrL_R.WAV";
    let (_, out, _) = edited(
        path,
        vec![Edit::SetTrackName {
            interleave_index: 1,
            name: "MIX".into(),
        }],
    );
    let bext = Bext::parse(&chunk(&out, b"bext")).expect("bext parses");
    let lines = parse_description(&bext.description);
    assert!(
        lines
            .iter()
            .any(|l| l.key == "TR1" && l.prefix.is_empty() && l.value == "MIX"),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.key.starts_with("TRK")));
    let ixml = Ixml::parse(&chunk(&out, b"iXML")).expect("iXML parses");
    assert_eq!(ixml.tracks()[0].name.as_deref(), Some("MIX"));
}

#[test]
fn a_relayout_moves_audio_fmt_track_list_and_history_together() {
    let path = "wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 5.1.wav";
    let (source, out, _) = edited(path, vec![Edit::SetChannelOrder(vec![3, 1, 2])]);
    let mut cursor = Cursor::new(&out);
    let header = read_header(&mut cursor).expect("reads back");
    assert_eq!(header.fmt.channels, 3);
    assert_eq!(
        header.fmt.block_align,
        3 * source.header.fmt.bytes_per_sample()
    );
    assert_eq!(header.fmt.channel_mask.unwrap_or(0), 0, "mask cleared");
    let ixml = Ixml::parse(&chunk(&out, b"iXML")).expect("iXML parses");
    let tracks = ixml.tracks();
    let source_tracks = source.ixml.as_ref().unwrap().tracks();
    assert_eq!(tracks.len(), 3);
    for (position, (track, from)) in tracks.iter().zip([2usize, 0, 1]).enumerate() {
        assert_eq!(track.interleave_index, Some(position as u32 + 1));
        assert_eq!(track.channel_index, source_tracks[from].channel_index);
        assert_eq!(track.function, source_tracks[from].function);
    }
    assert_eq!(ixml.get("TRACK_LIST/TRACK_COUNT").as_deref(), Some("3"));
    assert_eq!(
        ixml.get("HISTORY/PARENT_FILENAME").as_deref(),
        Some("wavinfo Test Project - Audio - 5.1.wav")
    );
    let uid = ixml.get("FILE_UID").expect("a new FILE_UID");
    assert_ne!(
        Some(uid.clone()),
        source.ixml.as_ref().unwrap().get("FILE_UID")
    );
    // Deterministic: the same edits give the same FILE_UID.
    let (_, again, _) = edited(path, vec![Edit::SetChannelOrder(vec![3, 1, 2])]);
    assert_eq!(out, again);
    // Audio exactly permuted, checked frame by frame.
    let width = usize::from(source.header.fmt.bytes_per_sample());
    let src = source_chunk(&source, b"data");
    let dst = chunk(&out, b"data");
    let frames = src.len() / (6 * width);
    assert_eq!(dst.len(), frames * 3 * width);
    for frame in 0..frames {
        for (out_channel, src_channel) in [2usize, 0, 1].into_iter().enumerate() {
            let a = &src[(frame * 6 + src_channel) * width..][..width];
            let b = &dst[(frame * 3 + out_channel) * width..][..width];
            assert_eq!(a, b, "frame {frame} channel {out_channel}");
        }
    }
    // The coding history gained exactly one line.
    let before = Bext::parse(&source_chunk(&source, b"bext")).unwrap();
    let after = Bext::parse(&chunk(&out, b"bext")).unwrap();
    assert!(after
        .coding_history
        .starts_with(before.coding_history.trim_end_matches('\0')));
    let added = &after.coding_history[before.coding_history.len()..];
    assert_eq!(
        added.trim_start_matches("\r\n").matches("\r\n").count(),
        1,
        "{added:?}"
    );
}

#[test]
fn nonsense_edits_fail_the_file_with_a_reason() {
    let source =
        SourceTake::read(&corpus("wavinfo/tests/test_files/sounddevices/A101_1.WAV")).unwrap();
    let cases = [
        (
            Edit::SetTrackName {
                interleave_index: 9,
                name: "x".into(),
            },
            "track 9 does not exist",
        ),
        (
            Edit::SetFolder("../../etc".into()),
            "leaves the output root",
        ),
        (Edit::SetFolder("/abs".into()), "absolute"),
        (Edit::SetFileName("../x.wav".into()), "unsafe"),
        (Edit::SetChannelOrder(vec![1, 1]), "twice"),
        (Edit::SetChannelOrder(vec![]), "drops every track"),
        (
            Edit::SetIxml {
                path: "TRACK_LIST/TRACK".into(),
                value: "x".into(),
            },
            "TRACK_LIST",
        ),
        (Edit::Fail("no slate".into()), "no slate"),
    ];
    for (edit, reason) in cases {
        let mut take = source.describe("", &BTreeMap::new());
        let mut changes = Changes::new(&source);
        let error = changes
            .apply(&mut take, vec![edit.clone()])
            .expect_err("refused");
        assert!(error.contains(reason), "{edit:?}: {error}");
    }
    // A bext field too long fails at render time, naming the field.
    let mut take = source.describe("", &BTreeMap::new());
    let mut changes = Changes::new(&source);
    changes
        .apply(
            &mut take,
            vec![Edit::SetBext {
                field: "originator".into(),
                value: "x".repeat(40),
            }],
        )
        .unwrap();
    let error = render(&source, &changes, "").expect_err("too long");
    assert!(error.to_string().contains("originator"), "{error}");
}

#[test]
fn a_split_mono_member_keeps_the_recorders_track_line_number() {
    let path = "wavinfo/tests/test_files/sounddevices/A101_1_2.WAV";
    let (source, out, _) = edited(
        path,
        vec![Edit::SetTrackName {
            interleave_index: 1,
            name: "BOOM OP".into(),
        }],
    );
    let before = Bext::parse(&source_chunk(&source, b"bext"))
        .unwrap()
        .description;
    let after = Bext::parse(&chunk(&out, b"bext")).unwrap().description;
    // The recorder numbered this member's line by its track (sTRK2=); only that value changes,
    // in place, and every other line stays as it was.
    assert_eq!(after, before.replace("sTRK2=Boom", "sTRK2=BOOM OP"));
    assert_ne!(after, before);
}

#[test]
fn note_and_circled_set_in_ixml_are_mirrored_in_bext() {
    let edits = vec![
        Edit::SetIxml {
            path: "CIRCLED".into(),
            value: "TRUE".into(),
        },
        Edit::SetIxml {
            path: "NOTE".into(),
            value: "Tail slate, plane at the end. ZOË".into(),
        },
    ];
    let (_, out, warnings) = edited("wavinfo/tests/test_files/sounddevices/A101_1.WAV", edits);
    assert!(warnings.is_empty(), "{warnings:?}");
    let bext = Bext::parse(&chunk(&out, b"bext")).expect("bext");
    let lines = parse_description(&bext.description);
    let value = |key: &str| {
        lines
            .iter()
            .find(|l| l.key == key)
            .map(|l| (l.prefix.clone(), l.value.clone()))
    };
    assert_eq!(
        value("NOTE"),
        Some(("s".into(), "Tail slate, plane at the end. ZOE".into())),
        "the existing sNOTE= line is filled, in ASCII"
    );
    assert_eq!(value("CIRCLED"), Some(("s".into(), "TRUE".into())));
    assert_eq!(value("SCENE"), Some(("s".into(), "A101".into())));
    let ixml = Ixml::parse(&chunk(&out, b"iXML")).expect("iXML");
    assert_eq!(
        ixml.get("NOTE").as_deref(),
        Some("Tail slate, plane at the end. ZOË")
    );
    assert_eq!(ixml.get("CIRCLED").as_deref(), Some("TRUE"));

    let long = "x".repeat(300);
    let (_, out, warnings) = edited(
        "wavinfo/tests/test_files/metacorder/Sr001-2C-01_01.WAV",
        vec![Edit::SetIxml {
            path: "NOTE".into(),
            value: long.clone(),
        }],
    );
    let bext = Bext::parse(&chunk(&out, b"bext")).expect("bext");
    assert!(bext.description.len() <= 256);
    let note = parse_description(&bext.description)
        .into_iter()
        .find(|l| l.key == "NOTE")
        .expect("gNOTE kept");
    assert_eq!((note.prefix.as_str(), note.value.len()), ("g", 64));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let ixml = Ixml::parse(&chunk(&out, b"iXML")).expect("iXML");
    assert_eq!(ixml.get("NOTE"), Some(long));
}
