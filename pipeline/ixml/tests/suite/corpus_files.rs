//! Reading and single-element edits on real recorder and DAW iXML documents.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use common::*;
use rollcall_ixml::{Ixml, IxmlEdits, IxmlTrack, TrackRewrite};

fn track(ch: u32, il: u32, name: Option<&str>, function: Option<&str>) -> IxmlTrack {
    IxmlTrack {
        channel_index: Some(ch),
        interleave_index: Some(il),
        name: name.map(str::to_string),
        function: function.map(str::to_string),
    }
}

fn set(path: &str, value: &str) -> IxmlEdits {
    IxmlEdits {
        set: vec![(path.to_string(), value.to_string())],
        tracks: None,
    }
}

/// Rewrites the track list in its own order, changing only track `index`'s NAME.
fn rename_track(ixml: &Ixml, index: usize, name: &str) -> IxmlEdits {
    let tracks = ixml
        .tracks()
        .iter()
        .enumerate()
        .map(|(i, t)| TrackRewrite {
            source: Some(i),
            channel_index: t.channel_index.unwrap(),
            interleave_index: t.interleave_index.unwrap(),
            name: (i == index).then(|| name.to_string()),
            function: None,
        })
        .collect();
    IxmlEdits {
        set: Vec::new(),
        tracks: Some(tracks),
    }
}

#[test]
fn sound_devices_reads_known_values() {
    let ixml = Ixml::parse(&ixml_chunk(SOUND_DEVICES)).unwrap();
    assert_eq!(ixml.get("SCENE").as_deref(), Some("A101"));
    assert_eq!(ixml.get("TAKE").as_deref(), Some("1"));
    assert_eq!(ixml.get("TAPE").as_deref(), Some("18Y12M31"));
    assert_eq!(ixml.get("PROJECT").as_deref(), Some("BMH"));
    assert_eq!(ixml.get("NOTE").as_deref(), Some(""));
    assert_eq!(ixml.get("CIRCLED"), None);
    assert_eq!(
        ixml.get("SPEED/TIMECODE_RATE").as_deref(),
        Some("24000/1001")
    );
    assert_eq!(
        ixml.get("HISTORY/CURRENT_FILENAME").as_deref(),
        Some("A101_1.WAV")
    );
    assert_eq!(ixml.get("SPEED"), None, "a container is not a leaf");
    assert_eq!(
        ixml.tracks(),
        vec![
            track(1, 1, Some("MKH516 A"), None),
            track(2, 2, Some("Boom"), None)
        ]
    );
    let leaves = ixml.leaf_values();
    assert_eq!(leaves.get("SPEED/NOTE").map(String::as_str), Some(""));
    assert_eq!(
        leaves.get("FILE_SET/FAMILY_UID").map(String::as_str),
        Some("USSDVGR1112089007124001008206300")
    );
    assert!(leaves.keys().all(|k| !k.starts_with("TRACK_LIST")));
    assert_eq!(leaves.len(), 24);
}

#[test]
fn zoom_f8_reads_known_values() {
    let ixml = Ixml::parse(&ixml_chunk(ZOOM_F8)).unwrap();
    assert_eq!(ixml.get("SCENE").as_deref(), Some("Scene_1_2AG"));
    assert_eq!(ixml.get("TAKE").as_deref(), Some("001"));
    assert_eq!(ixml.get("TAPE").as_deref(), Some("WINFO"));
    assert_eq!(ixml.get("CIRCLED").as_deref(), Some("FALSE"));
    assert_eq!(ixml.get("HISTORY/CURRENT_FILENAME"), None);
    assert_eq!(
        ixml.tracks(),
        vec![
            track(1, 1, Some("Mix-L"), None),
            track(2, 2, Some("Mix-R"), None)
        ]
    );
}

#[test]
fn nuendo_reads_known_values() {
    let ixml = Ixml::parse(&ixml_chunk(NUENDO_STEREO)).unwrap();
    assert_eq!(ixml.get("SCENE"), None);
    assert_eq!(ixml.get("TAKE"), None);
    assert_eq!(ixml.get("TAPE"), None);
    assert_eq!(ixml.get("IXML_VERSION"), None);
    assert_eq!(ixml.get("PROJECT").as_deref(), Some("wavinfo Test Project"));
    assert_eq!(
        ixml.get("BEXT/BWF_CODING_HISTORY").as_deref(),
        Some("A=PCM,F=48000,W=24,T=Nuendo\r")
    );
    assert_eq!(
        ixml.tracks(),
        vec![
            track(1, 1, None, Some("L-MIX")),
            track(2, 2, None, Some("R-MIX"))
        ]
    );
    // Repeated paths: the first ATTR's NAME wins.
    assert_eq!(
        ixml.leaf_values()
            .get("STEINBERG/ATTR_LIST/ATTR/NAME")
            .map(String::as_str),
        Some("AudioSampleFormatSize")
    );
}

#[test]
fn wave_agent_reads_known_values() {
    let ixml = Ixml::parse(&ixml_chunk(WAVE_AGENT)).unwrap();
    assert_eq!(ixml.get("SCENE").as_deref(), Some(""));
    assert_eq!(ixml.get("TAKE").as_deref(), Some(""));
    assert_eq!(ixml.get("TAPE").as_deref(), Some(""));
    assert_eq!(ixml.get("FILE_SET/TOTAL_FILES").as_deref(), Some("\u{1}"));
    assert_eq!(ixml.get("BEXT/BWF_VERSION").as_deref(), Some("\0\0"));
    assert_eq!(
        ixml.get("HISTORY/CURRENT_FILENAME").as_deref(),
        Some("one_sample_of_sine_bext.wav")
    );
    assert_eq!(ixml.tracks(), vec![track(1, 1, Some(" "), Some(""))]);
}

#[test]
fn sound_devices_scene_edit_keeps_everything_else() {
    let original = ixml_chunk(SOUND_DEVICES);
    let ixml = Ixml::parse(&original).unwrap();
    let out = ixml.edit(&set("SCENE", "B202")).unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[(b"<SCENE>A101</SCENE>", b"<SCENE>B202</SCENE>")]
        )
    );
    assert_eq!(
        out.len(),
        original.len(),
        "space padding restored to the same length"
    );
    assert_eq!(*out.last().unwrap(), b' ');
    assert_eq!(
        Ixml::parse(&out).unwrap().get("SCENE").as_deref(),
        Some("B202")
    );
}

#[test]
fn sound_devices_track_name_edit_keeps_everything_else() {
    let original = ixml_chunk(SOUND_DEVICES);
    let ixml = Ixml::parse(&original).unwrap();
    let out = ixml.edit(&rename_track(&ixml, 1, "JOHN (Boom)")).unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[(b"<NAME>Boom</NAME>", b"<NAME>JOHN (Boom)</NAME>")]
        )
    );
}

#[test]
fn zoom_scene_and_track_name_edit_keeps_everything_else() {
    let original = ixml_chunk(ZOOM_F8);
    let ixml = Ixml::parse(&original).unwrap();
    let mut edits = rename_track(&ixml, 0, "MIX L");
    edits.set.push(("SCENE".to_string(), "12A".to_string()));
    let out = ixml.edit(&edits).unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[
                (b"<SCENE>Scene_1_2AG</SCENE>", b"<SCENE>12A</SCENE>"),
                (b"<NAME>Mix-L</NAME>", b"<NAME>MIX L</NAME>"),
            ]
        )
    );
    assert_eq!(out.len(), original.len());
    assert_eq!(*out.last().unwrap(), 0, "NUL padding restored");
}

#[test]
fn nuendo_scene_created_and_missing_track_name_created() {
    let original = ixml_chunk(NUENDO_STEREO);
    let ixml = Ixml::parse(&original).unwrap();
    let mut edits = rename_track(&ixml, 0, "Dialog");
    edits.set.push(("SCENE".to_string(), "7".to_string()));
    let out = ixml.edit(&edits).unwrap();
    let expected = expected_with(
        &original,
        &[
            (
                b"<INTERLEAVE_INDEX>1</INTERLEAVE_INDEX>",
                b"<INTERLEAVE_INDEX>1</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>Dialog</NAME>",
            ),
            (b"</TRACK_LIST>", b"</TRACK_LIST>\r\n\t<SCENE>7</SCENE>"),
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out, expected);
    // The document grew past its one byte of padding: written without padding.
    assert!(out.ends_with(b"</BWFXML>\r\n"));
    let reread = Ixml::parse(&out).unwrap();
    assert_eq!(reread.get("SCENE").as_deref(), Some("7"));
    assert_eq!(
        reread.tracks()[0],
        track(1, 1, Some("Dialog"), Some("L-MIX"))
    );
    assert_eq!(reread.tracks()[1], track(2, 2, None, Some("R-MIX")));
}

#[test]
fn wave_agent_edit_keeps_control_bytes() {
    let original = ixml_chunk(WAVE_AGENT);
    let ixml = Ixml::parse(&original).unwrap();
    let mut edits = rename_track(&ixml, 0, "Boom");
    edits.set.push(("SCENE".to_string(), "12A".to_string()));
    let out = ixml.edit(&edits).unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[
                (b"<SCENE></SCENE>", b"<SCENE>12A</SCENE>"),
                (b"<NAME> </NAME>", b"<NAME>Boom</NAME>"),
            ]
        )
    );
    assert!(out
        .windows(28)
        .any(|w| w == b"<TOTAL_FILES>\x01</TOTAL_FILES>"));
}

#[test]
fn empty_edits_return_original_bytes() {
    for path in [SOUND_DEVICES, ZOOM_F8, NUENDO_STEREO, WAVE_AGENT] {
        let original = ixml_chunk(path);
        let ixml = Ixml::parse(&original).unwrap();
        assert_eq!(ixml.payload(), &original[..]);
        assert_eq!(ixml.edit(&IxmlEdits::default()).unwrap(), original);
        // Setting a value to what it already is, or rewriting tracks as they are, changes nothing.
        let same = IxmlEdits {
            set: vec![("PROJECT".to_string(), ixml.get("PROJECT").unwrap())],
            tracks: rename_track(&ixml, usize::MAX, "").tracks,
        };
        assert_eq!(ixml.edit(&same).unwrap(), original, "{path}");
    }
}
