//! Reading and editing rules on small generated documents.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use common::*;
use rollcall_ixml::{Ixml, IxmlEdits, IxmlError, TrackRewrite};

fn set(pairs: &[(&str, &str)]) -> IxmlEdits {
    IxmlEdits {
        set: pairs
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect(),
        tracks: None,
    }
}

fn edited(doc: &str, pairs: &[(&str, &str)]) -> String {
    let out = Ixml::parse(doc.as_bytes())
        .unwrap()
        .edit(&set(pairs))
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn absent_and_empty_are_kept_apart() {
    let doc = "<BWFXML><SCENE></SCENE><TAKE/><NOTE> </NOTE></BWFXML>";
    let ixml = Ixml::parse(doc.as_bytes()).unwrap();
    assert_eq!(ixml.get("SCENE").as_deref(), Some(""));
    assert_eq!(ixml.get("TAKE").as_deref(), Some(""));
    assert_eq!(ixml.get("NOTE").as_deref(), Some(" "));
    assert_eq!(ixml.get("TAPE"), None);
    assert_eq!(ixml.get("SCENE/X"), None);
    assert_eq!(ixml.get(""), None);
    // Setting empty creates an empty element; the result reads back as Some("").
    let out = edited(doc, &[("TAPE", "")]);
    assert_eq!(
        out,
        "<BWFXML><SCENE></SCENE><TAKE/><NOTE> </NOTE><TAPE></TAPE></BWFXML>"
    );
    assert_eq!(
        Ixml::parse(out.as_bytes()).unwrap().get("TAPE").as_deref(),
        Some("")
    );
    // Setting an element to empty keeps it present.
    let out = edited(doc, &[("NOTE", "")]);
    assert_eq!(out, "<BWFXML><SCENE></SCENE><TAKE/><NOTE></NOTE></BWFXML>");
    // A self-closing element gets text.
    assert_eq!(
        edited(doc, &[("TAKE", "3")]),
        "<BWFXML><SCENE></SCENE><TAKE>3</TAKE><NOTE> </NOTE></BWFXML>"
    );
}

#[test]
fn creates_missing_element_in_existing_parent() {
    let original = ixml_chunk(SOUND_DEVICES);
    let ixml = Ixml::parse(&original).unwrap();
    let out = ixml
        .edit(&set(&[("HISTORY/PARENT_UID", "USSDV-PARENT")]))
        .unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[(
                b"<CURRENT_FILENAME>A101_1.WAV</CURRENT_FILENAME>",
                b"<CURRENT_FILENAME>A101_1.WAV</CURRENT_FILENAME>\r\n\t\t<PARENT_UID>USSDV-PARENT</PARENT_UID>",
            )]
        )
    );
    assert_eq!(
        Ixml::parse(&out)
            .unwrap()
            .get("HISTORY/PARENT_UID")
            .as_deref(),
        Some("USSDV-PARENT")
    );
}

#[test]
fn creates_missing_parent_with_all_its_new_children() {
    let original = ixml_chunk(NUENDO_STEREO);
    let ixml = Ixml::parse(&original).unwrap();
    let out = ixml
        .edit(&set(&[
            ("HISTORY/PARENT_UID", "P1"),
            ("HISTORY/PARENT_FILENAME", "A&B.wav"),
        ]))
        .unwrap();
    assert_eq!(
        out,
        expected_with(
            &original,
            &[(
                b"</TRACK_LIST>",
                b"</TRACK_LIST>\r\n\t<HISTORY>\r\n\t\t<PARENT_UID>P1</PARENT_UID>\r\n\t\t<PARENT_FILENAME>A&amp;B.wav</PARENT_FILENAME>\r\n\t</HISTORY>",
            )]
        )
    );
    let reread = Ixml::parse(&out).unwrap();
    assert_eq!(
        reread.get("HISTORY/PARENT_FILENAME").as_deref(),
        Some("A&B.wav")
    );
}

#[test]
fn creates_in_empty_and_self_closing_parents() {
    assert_eq!(
        edited(
            "<BWFXML>\n\t<HISTORY></HISTORY>\n</BWFXML>",
            &[("HISTORY/PARENT_UID", "u")]
        ),
        "<BWFXML>\n\t<HISTORY>\n\t\t<PARENT_UID>u</PARENT_UID>\n\t</HISTORY>\n</BWFXML>"
    );
    assert_eq!(
        edited(
            "<BWFXML>\n\t<HISTORY>\n\t</HISTORY>\n</BWFXML>",
            &[("HISTORY/PARENT_UID", "u")]
        ),
        "<BWFXML>\n\t<HISTORY>\n\t\t<PARENT_UID>u</PARENT_UID>\n\t</HISTORY>\n</BWFXML>"
    );
    assert_eq!(
        edited(
            "<BWFXML>\n\t<HISTORY a=\"1\"/>\n</BWFXML>",
            &[("HISTORY/PARENT_UID", "u")]
        ),
        "<BWFXML>\n\t<HISTORY a=\"1\">\n\t\t<PARENT_UID>u</PARENT_UID>\n\t</HISTORY>\n</BWFXML>"
    );
    // Children written on one line get their new sibling on that line too.
    assert_eq!(
        edited(
            "<BWFXML>\n\t<HISTORY><A>1</A></HISTORY>\n</BWFXML>",
            &[("HISTORY/B/C", "u")]
        ),
        "<BWFXML>\n\t<HISTORY><A>1</A><B><C>u</C></B></HISTORY>\n</BWFXML>"
    );
    // A one-line document stays on one line.
    assert_eq!(
        edited("<BWFXML><SCENE>1</SCENE></BWFXML>", &[("HISTORY/PARENT_UID", "u"), ("TAKE", "2")]),
        "<BWFXML><SCENE>1</SCENE><HISTORY><PARENT_UID>u</PARENT_UID></HISTORY><TAKE>2</TAKE></BWFXML>"
    );
    // Wave Agent style: no indentation at all.
    assert_eq!(
        edited("<BWFXML>\r\n<SCENE>1</SCENE>\r\n</BWFXML>", &[("HISTORY/PARENT_UID", "u")]),
        "<BWFXML>\r\n<SCENE>1</SCENE>\r\n<HISTORY>\r\n<PARENT_UID>u</PARENT_UID>\r\n</HISTORY>\r\n</BWFXML>"
    );
}

#[test]
fn text_is_escaped_and_entities_unescaped() {
    let doc =
        "<BWFXML><NOTE>R&amp;D &lt;1&gt; &#233;</NOTE><SCENE><![CDATA[a<b]]></SCENE></BWFXML>";
    let ixml = Ixml::parse(doc.as_bytes()).unwrap();
    assert_eq!(ixml.get("NOTE").as_deref(), Some("R&D <1> é"));
    assert_eq!(ixml.get("SCENE").as_deref(), Some("a<b"));
    // Another element's edit leaves the entity and CDATA bytes alone.
    assert_eq!(
        edited(doc, &[("TAKE", "x<y & z>")]),
        "<BWFXML><NOTE>R&amp;D &lt;1&gt; &#233;</NOTE><SCENE><![CDATA[a<b]]></SCENE><TAKE>x&lt;y &amp; z&gt;</TAKE></BWFXML>"
    );
    // Setting the value it already has changes nothing, even when written differently.
    assert_eq!(edited(doc, &[("SCENE", "a<b")]), doc);
}

#[test]
fn bom_and_missing_declaration_are_tolerated() {
    let doc = "\u{feff}<BWFXML>\n  <SCENE>1</SCENE>\n</BWFXML>";
    let ixml = Ixml::parse(doc.as_bytes()).unwrap();
    assert_eq!(ixml.get("SCENE").as_deref(), Some("1"));
    assert_eq!(
        edited(doc, &[("SCENE", "22"), ("TAKE", "3")]),
        "\u{feff}<BWFXML>\n  <SCENE>22</SCENE>\n  <TAKE>3</TAKE>\n</BWFXML>"
    );
}

#[test]
fn padding_kept_when_it_fits_and_dropped_when_not() {
    let mut doc = b"<BWFXML><SCENE>1</SCENE></BWFXML>".to_vec();
    doc.extend_from_slice(&[0; 8]);
    let ixml = Ixml::parse(&doc).unwrap();
    let out = ixml.edit(&set(&[("SCENE", "12345")])).unwrap();
    assert_eq!(
        out,
        b"<BWFXML><SCENE>12345</SCENE></BWFXML>\0\0\0\0".to_vec()
    );
    let out = ixml.edit(&set(&[("SCENE", "1234567890")])).unwrap();
    assert_eq!(out, b"<BWFXML><SCENE>1234567890</SCENE></BWFXML>".to_vec());
    // No padding in the original: none added.
    let out = Ixml::parse(b"<BWFXML><SCENE>1234</SCENE></BWFXML>")
        .unwrap()
        .edit(&set(&[("SCENE", "1")]))
        .unwrap();
    assert_eq!(out, b"<BWFXML><SCENE>1</SCENE></BWFXML>".to_vec());
}

#[test]
fn new_document_is_minimal_and_complete() {
    let edits = IxmlEdits {
        set: vec![
            ("SCENE".to_string(), "12A".to_string()),
            (
                "HISTORY/CURRENT_FILENAME".to_string(),
                "12A-1.wav".to_string(),
            ),
        ],
        tracks: Some(vec![TrackRewrite {
            source: None,
            channel_index: 1,
            interleave_index: 1,
            name: Some("Boom".to_string()),
            function: None,
        }]),
    };
    let out = Ixml::new_document(&edits).unwrap();
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<BWFXML>\r\n\t<IXML_VERSION>2.10</IXML_VERSION>\r\n\t<TRACK_LIST>\r\n\t\t<TRACK_COUNT>1</TRACK_COUNT>\r\n\t\t<TRACK>\r\n\t\t\t<CHANNEL_INDEX>1</CHANNEL_INDEX>\r\n\t\t\t<INTERLEAVE_INDEX>1</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>Boom</NAME>\r\n\t\t</TRACK>\r\n\t</TRACK_LIST>\r\n\t<SCENE>12A</SCENE>\r\n\t<HISTORY>\r\n\t\t<CURRENT_FILENAME>12A-1.wav</CURRENT_FILENAME>\r\n\t</HISTORY>\r\n</BWFXML>\r\n"
    );
    let reread = Ixml::parse(&out).unwrap();
    assert_eq!(reread.get("IXML_VERSION").as_deref(), Some("2.10"));
    assert_eq!(reread.tracks().len(), 1);
    let empty = Ixml::new_document(&IxmlEdits::default()).unwrap();
    assert_eq!(Ixml::parse(&empty).unwrap().leaf_values().len(), 1);
}

#[test]
fn unreadable_payloads_give_reasons() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "empty"),
        (vec![0; 64], "empty"),
        (b"hello world".to_vec(), "outside the root"),
        (b"<foo><SCENE>1</SCENE></foo>".to_vec(), "not <BWFXML>"),
        (b"<BWFXML><SCENE>1</SCENE>".to_vec(), "ends inside <BWFXML>"),
        (
            b"<BWFXML><SCENE>1</TAKE></BWFXML>".to_vec(),
            "not well-formed",
        ),
        (b"<?xml version=\"1.0\"?>".to_vec(), "no root"),
        (
            format!("<BWFXML>{}{}</BWFXML>", "<A>".repeat(64), "</A>".repeat(64)).into_bytes(),
            "deeper than 64",
        ),
        (
            format!(
                "<BWFXML><TRACK_LIST>{}</TRACK_LIST></BWFXML>",
                "<TRACK/>".repeat(1025)
            )
            .into_bytes(),
            "more than the 1024 limit",
        ),
        (vec![b' '; 16 * 1024 * 1024 + 1], "16 MiB"),
    ];
    for (payload, reason) in cases {
        let error = Ixml::parse(&payload).unwrap_err().to_string();
        assert!(
            error.contains(reason),
            "{error:?} should mention {reason:?}"
        );
        assert!(!error.contains('\n'));
    }
    // 63 levels below the root and 1024 tracks are fine.
    let deep = format!("<BWFXML>{}{}</BWFXML>", "<A>".repeat(63), "</A>".repeat(63));
    assert!(Ixml::parse(deep.as_bytes()).is_ok());
    let many = format!(
        "<BWFXML><TRACK_LIST>{}</TRACK_LIST></BWFXML>",
        "<TRACK/>".repeat(1024)
    );
    assert_eq!(Ixml::parse(many.as_bytes()).unwrap().tracks().len(), 1024);
}

#[test]
fn invalid_edits_give_reasons() {
    let ixml = Ixml::parse(&ixml_chunk(SOUND_DEVICES)).unwrap();
    for path in ["", "A//B", "/A", "1A", "A B", "A<B"] {
        assert_eq!(
            ixml.edit(&set(&[(path, "x")])),
            Err(IxmlError::InvalidPath {
                path: path.to_string()
            })
        );
    }
    assert!(matches!(
        ixml.edit(&set(&[("SPEED", "x")])),
        Err(IxmlError::NotALeaf { .. })
    ));
    assert!(matches!(
        ixml.edit(&set(&[("SCENE/SUB", "x")])),
        Err(IxmlError::NotAContainer { .. })
    ));
    assert!(matches!(
        ixml.edit(&set(&[("NOTE", "x"), ("NOTE/SUB", "y")])),
        Err(IxmlError::Conflict { .. })
    ));
    assert!(matches!(
        ixml.edit(&set(&[("NEW/A", "x"), ("NEW/A/B", "y")])),
        Err(IxmlError::NotAContainer { .. })
    ));
    // The later of two sets of one path wins.
    let out = ixml.edit(&set(&[("SCENE", "x"), ("SCENE", "y")])).unwrap();
    assert_eq!(
        Ixml::parse(&out).unwrap().get("SCENE").as_deref(),
        Some("y")
    );
}
