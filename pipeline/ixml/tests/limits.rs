//! The hard limits of the iXML reader: each refused with an error naming the limit.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use rollcall_ixml::{Ixml, IxmlError, MAX_DEPTH, MAX_ELEMENTS, MAX_PAYLOAD_LEN, MAX_TRACKS};

#[test]
fn payload_over_the_size_limit_is_refused_before_parsing() {
    let mut payload = b"<BWFXML>".to_vec();
    payload.resize(MAX_PAYLOAD_LEN + 1, b'x');
    let err = Ixml::parse(&payload).expect_err("too large");
    assert_eq!(
        err,
        IxmlError::TooLarge {
            len: MAX_PAYLOAD_LEN + 1
        }
    );
    assert!(err.to_string().contains("16 MiB limit"), "{err}");
}

#[test]
fn nesting_deeper_than_the_limit_is_refused() {
    let nested = |levels: usize| {
        let mut doc = String::from("<BWFXML>");
        for _ in 1..levels {
            doc.push_str("<A>");
        }
        for _ in 1..levels {
            doc.push_str("</A>");
        }
        doc.push_str("</BWFXML>");
        doc
    };
    assert!(Ixml::parse(nested(MAX_DEPTH).as_bytes()).is_ok());
    let err = Ixml::parse(nested(MAX_DEPTH + 1).as_bytes()).expect_err("too deep");
    assert_eq!(err, IxmlError::TooDeep);
    assert!(err.to_string().contains("64 levels"), "{err}");
}

#[test]
fn more_elements_than_the_limit_are_refused() {
    let doc = |elements: usize| {
        let mut doc = String::from("<BWFXML>");
        for _ in 1..elements {
            doc.push_str("<A/>");
        }
        doc.push_str("</BWFXML>");
        doc
    };
    assert!(Ixml::parse(doc(MAX_ELEMENTS).as_bytes()).is_ok());
    let err = Ixml::parse(doc(MAX_ELEMENTS + 1).as_bytes()).expect_err("too many elements");
    assert_eq!(err, IxmlError::TooManyElements);
    assert!(err.to_string().contains("65536 elements"), "{err}");
}

#[test]
fn a_track_list_over_the_limit_is_refused_when_read() {
    let doc = |tracks: usize| {
        let mut doc = String::from("<BWFXML><TRACK_LIST>");
        for i in 0..tracks {
            doc.push_str(&format!(
                "<TRACK><CHANNEL_INDEX>{}</CHANNEL_INDEX></TRACK>",
                i + 1
            ));
        }
        doc.push_str("</TRACK_LIST></BWFXML>");
        doc
    };
    let ok = Ixml::parse(doc(MAX_TRACKS).as_bytes()).expect("at the limit");
    assert_eq!(ok.tracks().len(), MAX_TRACKS);
    let err = Ixml::parse(doc(MAX_TRACKS + 1).as_bytes()).expect_err("too many tracks");
    assert_eq!(err, IxmlError::TooManyTracks { count: 1025 });
    assert!(
        err.to_string().contains("more than the 1024 limit"),
        "{err}"
    );
}

#[test]
fn utf16_text_is_named_as_such() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><BWFXML><SCENE>9</SCENE></BWFXML>";
    let mut with_bom = vec![0xFF, 0xFE];
    let mut without = Vec::new();
    for unit in text.encode_utf16() {
        with_bom.extend(unit.to_le_bytes());
        without.extend(unit.to_le_bytes());
    }
    for payload in [with_bom, without] {
        let err = Ixml::parse(&payload).expect_err("UTF-16");
        assert_eq!(err, IxmlError::Utf16);
        assert!(err.to_string().contains("UTF-16"), "{err}");
    }
}
