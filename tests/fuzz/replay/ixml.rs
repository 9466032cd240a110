// The iXML reader and editor: parse, read every view, apply a fixed edit with a track reorder.
//
// Shared by the fuzz target (tests/fuzz/fuzz_targets/ixml.rs) and the regression test that replays
// tests/fuzz/regressions/ixml/*, so both run exactly the same code. Panics are findings.

use rollcall_ixml::{Ixml, IxmlEdits, TrackRewrite};

/// Runs one fuzz input through the `ixml` target's code.
pub fn exercise(data: &[u8]) {
    let Ok(ixml) = Ixml::parse(data) else {
        return;
    };
    let _ = ixml.get("PROJECT");
    let _ = ixml.get("SPEED/TIMECODE_RATE");
    let _ = ixml.leaf_values();
    let tracks = ixml.tracks();
    // Reverse the tracks, rename the first, drop nothing, add one new track at the end.
    let mut rewrites: Vec<TrackRewrite> = (0..tracks.len())
        .rev()
        .enumerate()
        .map(|(i, source)| TrackRewrite {
            source: Some(source),
            channel_index: (source + 1) as u32,
            interleave_index: (i + 1) as u32,
            name: (i == 0).then(|| "Boom <&> \"1\"".to_string()),
            function: None,
        })
        .collect();
    rewrites.push(TrackRewrite {
        source: None,
        channel_index: 99,
        interleave_index: (tracks.len() + 1) as u32,
        name: Some("new".to_string()),
        function: Some("MIX".to_string()),
    });
    let edits = IxmlEdits {
        set: vec![
            ("PROJECT".to_string(), "Fuzz & <Co>".to_string()),
            ("SPEED/NOTE".to_string(), "]]> text".to_string()),
            ("BEXT/BWF_DESCRIPTION".to_string(), String::new()),
        ],
        tracks: Some(rewrites),
    };
    if let Ok(out) = ixml.edit(&edits) {
        // An edit's output must parse again and carry the edited values.
        let edited = match Ixml::parse(&out) {
            Ok(edited) => edited,
            Err(e) => panic!("edited iXML does not parse: {e}"),
        };
        assert_eq!(edited.get("PROJECT").as_deref(), Some("Fuzz & <Co>"));
        assert_eq!(edited.tracks().len(), tracks.len() + 1);
    }
    let only_set = IxmlEdits {
        set: vec![("PROJECT".to_string(), "x".to_string())],
        tracks: None,
    };
    let _ = ixml.edit(&only_set);
}
