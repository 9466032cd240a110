//! TRACK_LIST rewrites: reorder, drop, new tracks, escaping.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use common::*;
use rollcall_ixml::{Ixml, IxmlEdits, TrackRewrite};

fn copy(source: usize, channel: u32, interleave: u32) -> TrackRewrite {
    TrackRewrite {
        source: Some(source),
        channel_index: channel,
        interleave_index: interleave,
        name: None,
        function: None,
    }
}

fn tracks_only(rewrites: Vec<TrackRewrite>) -> IxmlEdits {
    IxmlEdits {
        set: Vec::new(),
        tracks: Some(rewrites),
    }
}

/// Byte spans of each `<TRACK>...</TRACK>` in `doc`.
fn track_spans(doc: &[u8]) -> Vec<(usize, usize)> {
    let text = std::str::from_utf8(doc).unwrap();
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("<TRACK>") {
        let start = from + start;
        let end = start + text[start..].find("</TRACK>").unwrap() + "</TRACK>".len();
        spans.push((start, end));
        from = end;
    }
    spans
}

#[test]
fn nuendo_51_reorder_and_drop() {
    let original = ixml_chunk(NUENDO_51);
    let ixml = Ixml::parse(&original).unwrap();
    assert_eq!(ixml.tracks().len(), 6);
    // New order: C, L, R (sources 2, 0, 1); LFE, Ls, Rs dropped.
    let out = ixml
        .edit(&tracks_only(vec![
            copy(2, 3, 1),
            copy(0, 1, 2),
            copy(1, 2, 3),
        ]))
        .unwrap();

    let reread = Ixml::parse(&out).unwrap();
    let tracks = reread.tracks();
    let summary: Vec<(Option<u32>, Option<u32>, Option<&str>)> = tracks
        .iter()
        .map(|t| (t.channel_index, t.interleave_index, t.function.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some(3), Some(1), Some("C-5.1")),
            (Some(1), Some(2), Some("L-5.1")),
            (Some(2), Some(3), Some("R-5.1")),
        ]
    );
    assert!(tracks.iter().all(|t| t.name.is_none()), "no NAME invented");
    assert_eq!(reread.get("TRACK_LIST/TRACK_COUNT").as_deref(), Some("3"));

    // Build the expected bytes from the original: each copied TRACK is byte-identical except
    // its INTERLEAVE_INDEX text; the same separator precedes each; everything else untouched.
    let (pad, _) = padding(&original);
    let doc = &original[..original.len() - pad];
    let spans = track_spans(doc);
    assert_eq!(spans.len(), 6);
    let separator = b"\r\n\t\t";
    let block_start = spans[0].0 - separator.len();
    assert_eq!(&doc[block_start..spans[0].0], separator);
    let block_end = spans[5].1;
    let mut expected = doc[..block_start].to_vec();
    for (source, old_il, new_il) in [(2usize, 3, 1), (0, 1, 2), (1, 2, 3)] {
        let (s, e) = spans[source];
        let element = String::from_utf8(doc[s..e].to_vec()).unwrap().replace(
            &format!("<INTERLEAVE_INDEX>{old_il}</INTERLEAVE_INDEX>"),
            &format!("<INTERLEAVE_INDEX>{new_il}</INTERLEAVE_INDEX>"),
        );
        expected.extend_from_slice(separator);
        expected.extend_from_slice(element.as_bytes());
    }
    let rest = String::from_utf8(doc[block_end..].to_vec())
        .unwrap()
        .replace(
            "<TRACK_COUNT>6</TRACK_COUNT>",
            "<TRACK_COUNT>3</TRACK_COUNT>",
        );
    expected.extend_from_slice(rest.as_bytes());
    expected.resize(original.len(), b' ');
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out, expected);
}

#[test]
fn names_are_escaped_and_utf8_round_trips() {
    let original = ixml_chunk(NUENDO_51);
    let ixml = Ixml::parse(&original).unwrap();
    let mut first = copy(0, 1, 1);
    first.name = Some("A<&>B".to_string());
    first.function = Some("MIX".to_string());
    let mut second = copy(1, 2, 2);
    second.name = Some("ZOË".to_string());
    let out = ixml.edit(&tracks_only(vec![first, second])).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("<NAME>A&lt;&amp;&gt;B</NAME>"));
    assert!(text.contains("<FUNCTION>MIX</FUNCTION>"));
    assert!(text.contains("<NAME>ZOË</NAME>"));
    let tracks = Ixml::parse(&out).unwrap().tracks();
    assert_eq!(tracks[0].name.as_deref(), Some("A<&>B"));
    assert_eq!(tracks[0].function.as_deref(), Some("MIX"));
    assert_eq!(tracks[1].name.as_deref(), Some("ZOË"));
    assert_eq!(tracks[1].function.as_deref(), Some("R-5.1"));
}

#[test]
fn new_track_follows_the_documents_indentation() {
    let original = ixml_chunk(SOUND_DEVICES);
    let ixml = Ixml::parse(&original).unwrap();
    let new = TrackRewrite {
        source: None,
        channel_index: 9,
        interleave_index: 2,
        name: Some("Plant".to_string()),
        function: None,
    };
    let out = ixml.edit(&tracks_only(vec![copy(1, 2, 1), new])).unwrap();
    let expected = expected_with(
        &original,
        &[
            (b"<TRACK_COUNT>2</TRACK_COUNT>", b"<TRACK_COUNT>2</TRACK_COUNT>"),
            (
                b"\t\t<TRACK>\r\n\t\t\t<CHANNEL_INDEX>1</CHANNEL_INDEX>\r\n\t\t\t<INTERLEAVE_INDEX>1</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>MKH516 A</NAME>\r\n\t\t</TRACK>\r\n\t\t<TRACK>\r\n\t\t\t<CHANNEL_INDEX>2</CHANNEL_INDEX>\r\n\t\t\t<INTERLEAVE_INDEX>2</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>Boom</NAME>\r\n\t\t</TRACK>",
                b"\t\t<TRACK>\r\n\t\t\t<CHANNEL_INDEX>2</CHANNEL_INDEX>\r\n\t\t\t<INTERLEAVE_INDEX>1</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>Boom</NAME>\r\n\t\t</TRACK>\r\n\t\t<TRACK>\r\n\t\t\t<CHANNEL_INDEX>9</CHANNEL_INDEX>\r\n\t\t\t<INTERLEAVE_INDEX>2</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>Plant</NAME>\r\n\t\t</TRACK>",
            ),
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out, expected);
}

#[test]
fn track_list_created_when_absent_and_emptied_when_all_dropped() {
    let doc = b"<?xml version=\"1.0\"?>\n<BWFXML>\n  <SCENE>1</SCENE>\n</BWFXML>\n";
    let ixml = Ixml::parse(doc).unwrap();
    assert!(ixml.tracks().is_empty());
    let new = TrackRewrite {
        source: None,
        channel_index: 1,
        interleave_index: 1,
        name: Some("Mix".to_string()),
        function: Some("MIX".to_string()),
    };
    let out = ixml.edit(&tracks_only(vec![new])).unwrap();
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        "<?xml version=\"1.0\"?>\n<BWFXML>\n  <SCENE>1</SCENE>\n  <TRACK_LIST>\n    <TRACK_COUNT>1</TRACK_COUNT>\n    <TRACK>\n      <CHANNEL_INDEX>1</CHANNEL_INDEX>\n      <INTERLEAVE_INDEX>1</INTERLEAVE_INDEX>\n      <NAME>Mix</NAME>\n      <FUNCTION>MIX</FUNCTION>\n    </TRACK>\n  </TRACK_LIST>\n</BWFXML>\n"
    );
    let emptied = Ixml::parse(&out)
        .unwrap()
        .edit(&tracks_only(Vec::new()))
        .unwrap();
    assert_eq!(
        String::from_utf8(emptied).unwrap(),
        "<?xml version=\"1.0\"?>\n<BWFXML>\n  <SCENE>1</SCENE>\n  <TRACK_LIST>\n    <TRACK_COUNT>0</TRACK_COUNT>\n  </TRACK_LIST>\n</BWFXML>\n"
    );
}

#[test]
fn track_rewrite_errors() {
    let ixml = Ixml::parse(&ixml_chunk(SOUND_DEVICES)).unwrap();
    assert!(matches!(
        ixml.edit(&tracks_only(vec![copy(2, 1, 1)])),
        Err(rollcall_ixml::IxmlError::TrackSourceOutOfRange { index: 2, count: 2 })
    ));
    let conflict = IxmlEdits {
        set: vec![("TRACK_LIST/TRACK_COUNT".to_string(), "9".to_string())],
        tracks: Some(vec![copy(0, 1, 1)]),
    };
    assert!(matches!(
        ixml.edit(&conflict),
        Err(rollcall_ixml::IxmlError::Conflict { .. })
    ));
    let too_many = (0..1025).map(|i| TrackRewrite {
        source: None,
        channel_index: i,
        interleave_index: i + 1,
        name: None,
        function: None,
    });
    assert!(matches!(
        ixml.edit(&tracks_only(too_many.collect())),
        Err(rollcall_ixml::IxmlError::TooManyTracks { count: 1025 })
    ));
}

#[test]
fn missing_function_is_created_after_the_last_child() {
    let original = ixml_chunk(SOUND_DEVICES);
    let ixml = Ixml::parse(&original).unwrap();
    let mut boom = copy(1, 2, 2);
    boom.function = Some("MIX".to_string());
    let out = ixml.edit(&tracks_only(vec![copy(0, 1, 1), boom])).unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[(
                b"<NAME>Boom</NAME>",
                b"<NAME>Boom</NAME>\r\n\t\t\t<FUNCTION>MIX</FUNCTION>"
            )]
        )
    );
}
