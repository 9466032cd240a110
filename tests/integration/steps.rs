//! The standard steps (SPEC section 3) through the real binary: the example rolls with the shipped
//! recipes, and real recorder files from the corpus with small recipes written here.
//!
//! Every check reads the written files with the test's own chunk reader (support.rs), a plain-text
//! iXML scan and `hound` for the samples, never with rollcall's own crates.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{
    corpus, data_of, describe, external, not_run, python_module, raw_chunks, repo, run_recipe,
    temp_dir, tree, RawChunk,
};

// ---------------------------------------------------------------------------------------------
// Readers for what was written.

/// One `TRACK` of an iXML `TRACK_LIST`, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IxmlTrack {
    channel_index: Option<String>,
    interleave_index: Option<String>,
    name: Option<String>,
    function: Option<String>,
}

fn chunk(path: &Path, id: &[u8; 4]) -> Option<Vec<u8>> {
    raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == id)
        .map(|c| c.payload)
}

/// The iXML document of a file, trailing NUL/space padding removed; it must be valid UTF-8.
fn ixml(path: &Path) -> String {
    let bytes = chunk(path, b"iXML").unwrap_or_else(|| panic!("{}: no iXML", path.display()));
    let text = String::from_utf8(bytes).expect("iXML is UTF-8");
    text.trim_end_matches(['\0', ' ', '\r', '\n']).to_string()
}

/// The text of the first `<TAG>...</TAG>` in `xml`.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(&xml[start..end])
}

/// Every `<TAG>...</TAG>` span replaced by `<TAG/>`, so the rest can be compared byte for byte.
fn masked(xml: &str, tags: &[&str]) -> String {
    let mut text = xml.to_string();
    for tag in tags {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let mut from = 0;
        while let Some(at) = text[from..].find(&open).map(|i| i + from) {
            let Some(end) = text[at..].find(&close).map(|i| i + at + close.len()) else {
                break;
            };
            text.replace_range(at..end, &format!("<{tag}/>"));
            from = at + 1;
        }
    }
    text
}

fn tracks(xml: &str) -> Vec<IxmlTrack> {
    let Some(list) = element(xml, "TRACK_LIST") else {
        return Vec::new();
    };
    list.split("<TRACK>")
        .skip(1)
        .map(|t| {
            let field = |tag: &str| element(t, tag).map(str::to_string);
            IxmlTrack {
                channel_index: field("CHANNEL_INDEX"),
                interleave_index: field("INTERLEAVE_INDEX"),
                name: field("NAME"),
                function: field("FUNCTION"),
            }
        })
        .collect()
}

fn names(xml: &str) -> Vec<String> {
    tracks(xml)
        .into_iter()
        .map(|t| t.name.unwrap_or_default())
        .collect()
}

fn channel_indexes(xml: &str) -> Vec<u32> {
    tracks(xml)
        .iter()
        .map(|t| {
            t.channel_index
                .as_deref()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(0)
        })
        .collect()
}

fn interleave_indexes(xml: &str) -> Vec<u32> {
    tracks(xml)
        .iter()
        .map(|t| {
            t.interleave_index
                .as_deref()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(0)
        })
        .collect()
}

/// The bext description (first 256 bytes, up to the first NUL).
fn bext_description(path: &Path) -> String {
    let bext = chunk(path, b"bext").unwrap_or_else(|| panic!("{}: no bext", path.display()));
    let field = &bext[..256.min(bext.len())];
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The bext coding history (after the 602-byte fixed part, up to the first NUL).
fn coding_history(path: &Path) -> String {
    let bext = chunk(path, b"bext").unwrap_or_default();
    let rest = bext.get(602..).unwrap_or_default();
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

/// File offset of the first byte of the `data` payload.
fn data_offset(path: &Path) -> u64 {
    let bytes = fs::read(path).expect("readable");
    let mut at = 12usize;
    while let Some(header) = bytes.get(at..at + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if &header[..4] == b"data" {
            return at as u64 + 8;
        }
        at += 8 + size + (size & 1);
    }
    panic!("{}: no data chunk", path.display());
}

/// The numbered track lines of a bext description (`sTRK1=`, `TR1=`, `gTRK1=`): (number, name).
fn trk_lines(description: &str) -> Vec<(u32, String)> {
    description
        .lines()
        .filter_map(|line| {
            let line = line.trim_end_matches('\r');
            let (key, value) = line.split_once('=')?;
            let key = key.trim_start_matches(|c: char| c.is_ascii_lowercase());
            let number = key.strip_prefix("TRK").or_else(|| key.strip_prefix("TR"))?;
            Some((number.parse().ok()?, value.to_string()))
        })
        .collect()
}

/// The bext description lines that are neither track lines nor the file name, in order.
fn other_description_lines(description: &str) -> Vec<String> {
    description
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| {
            let key = l.split('=').next().unwrap_or_default();
            let key = key.trim_start_matches(|c: char| c.is_ascii_lowercase());
            let numbered = key
                .strip_prefix("TRK")
                .or_else(|| key.strip_prefix("TR"))
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            !numbered && key != "FILENAME"
        })
        .collect()
}

/// The bext fields after the description, which no step edits: originator and its reference as
/// text (Metacorder leaves stray bytes after their NUL, which a rewrite need not keep), then date,
/// time, time reference, version, UMID, loudness and reserved bytes exactly.
fn bext_fixed_fields(path: &Path) -> (String, String, Vec<u8>) {
    let bext = chunk(path, b"bext").unwrap_or_default();
    let text = |range: std::ops::Range<usize>| {
        let field = bext.get(range).unwrap_or_default();
        let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
        String::from_utf8_lossy(&field[..end]).into_owned()
    };
    (
        text(256..288),
        text(288..320),
        bext.get(320..602).map(<[u8]>::to_vec).unwrap_or_default(),
    )
}

/// Samples of each channel, read by `hound`.
fn channels(path: &Path) -> Vec<Vec<i32>> {
    let reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("hound reads {}: {e}", path.display()));
    let count = usize::from(reader.spec().channels);
    let mut out = vec![Vec::new(); count];
    for (i, sample) in reader.into_samples::<i32>().enumerate() {
        let sample = sample.unwrap_or_else(|e| panic!("{}: sample {i}: {e}", path.display()));
        out[i % count].push(sample);
    }
    out
}

/// `fmt ` channel count and block align.
fn fmt_layout(path: &Path) -> (u16, u16) {
    let fmt = chunk(path, b"fmt ").expect("fmt chunk");
    (
        u16::from_le_bytes([fmt[2], fmt[3]]),
        u16::from_le_bytes([fmt[12], fmt[13]]),
    )
}

fn ids(chunks: &[RawChunk]) -> Vec<String> {
    chunks
        .iter()
        .map(|c| String::from_utf8_lossy(&c.id).into_owned())
        .collect()
}

/// Every chunk not named in `touched` is byte-identical and in the same order.
fn untouched_chunks_identical(source: &Path, output: &Path, touched: &[&[u8; 4]]) {
    let theirs = raw_chunks(source);
    let ours = raw_chunks(output);
    assert_eq!(
        ids(&ours),
        ids(&theirs),
        "{}: chunk order",
        output.display()
    );
    for (a, b) in ours.iter().zip(&theirs) {
        if touched.contains(&&a.id) {
            continue;
        }
        assert!(
            a.payload == b.payload,
            "{}: chunk {:?} no step touched differs",
            output.display(),
            String::from_utf8_lossy(&a.id)
        );
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("file written");
    path
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn delivered(out: &Path) -> Vec<String> {
    tree(out)
        .into_iter()
        .filter(|f| !f.starts_with("rollcall-report-"))
        .collect()
}

fn example_rolls() -> PathBuf {
    repo().join("recipes/example-rolls")
}

fn test_files() -> PathBuf {
    corpus().join("wavinfo/tests/test_files")
}

// ---------------------------------------------------------------------------------------------
// What a re-layout must do, checked on one source/output pair.

struct Relayout<'a> {
    /// Source channel (1-based) of each output channel.
    map: &'a [u32],
    /// Expected iXML track names, in output order.
    names: &'a [&'a str],
    /// Expected bext track lines (number, ASCII name); `None` when they must be absent.
    bext_tracks: Option<&'a [(u32, &'a str)]>,
}

fn check_relayout(source: &Path, output: &Path, expected: &Relayout<'_>) {
    let what = output.display().to_string();
    // Audio: output channel i is source channel map[i], sample for sample.
    let theirs = channels(source);
    let ours = channels(output);
    assert_eq!(ours.len(), expected.map.len(), "{what}: channel count");
    for (i, &from) in expected.map.iter().enumerate() {
        assert!(
            ours[i] == theirs[from as usize - 1],
            "{what}: output channel {} is not source channel {from}",
            i + 1
        );
    }
    let source_fmt = fmt_layout(source);
    let bytes_per_sample = source_fmt.1 / source_fmt.0;
    assert_eq!(
        fmt_layout(output),
        (
            expected.map.len() as u16,
            bytes_per_sample * expected.map.len() as u16
        ),
        "{what}: fmt channels and block align"
    );

    // TRACK_LIST: CHANNEL_INDEX kept, INTERLEAVE_INDEX renumbered, FUNCTION=MIX on the mix.
    let (src_xml, out_xml) = (ixml(source), ixml(output));
    let src_channel_indexes = channel_indexes(&src_xml);
    let expected_channel_indexes: Vec<u32> = expected
        .map
        .iter()
        .map(|&from| src_channel_indexes[from as usize - 1])
        .collect();
    assert_eq!(
        channel_indexes(&out_xml),
        expected_channel_indexes,
        "{what}"
    );
    assert_eq!(
        interleave_indexes(&out_xml),
        (1..=expected.map.len() as u32).collect::<Vec<_>>(),
        "{what}"
    );
    assert_eq!(names(&out_xml), expected.names, "{what}: iXML names");
    assert_eq!(
        element(&out_xml, "TRACK_COUNT").map(str::trim),
        Some(expected.map.len().to_string().as_str()),
        "{what}: TRACK_COUNT"
    );
    assert_eq!(
        tracks(&out_xml)[0].function.as_deref(),
        Some("MIX"),
        "{what}: FUNCTION=MIX on the mix"
    );

    // A new FILE_UID, derived; the parent recorded.
    let source_uid = element(&src_xml, "FILE_UID").expect("source FILE_UID");
    let new_uid = element(&out_xml, "FILE_UID").expect("new FILE_UID");
    assert_ne!(
        new_uid, source_uid,
        "{what}: a re-layout gets a new FILE_UID"
    );
    assert!(!new_uid.trim().is_empty());
    assert_eq!(element(&out_xml, "PARENT_UID"), Some(source_uid), "{what}");
    assert_eq!(
        element(&out_xml, "PARENT_FILENAME"),
        source.file_name().and_then(|n| n.to_str()),
        "{what}"
    );

    // One coding-history line appended, the old history kept.
    let (old, new) = (coding_history(source), coding_history(output));
    let added = new
        .strip_prefix(old.as_str())
        .unwrap_or_else(|| panic!("{what}: history kept: {old:?} -> {new:?}"));
    // A history whose last line lacks its CR/LF (Zoom) gets it before the new line.
    let added = if old.is_empty() || old.ends_with("\r\n") {
        added
    } else {
        added
            .strip_prefix("\r\n")
            .unwrap_or_else(|| panic!("{what}: old last line terminated: {added:?}"))
    };
    assert_eq!(
        added.matches("\r\n").count(),
        1,
        "{what}: one line appended: {added:?}"
    );
    assert!(added.starts_with("A=PCM"), "{what}: {added:?}");

    // bext track lines numbered by position, none for a dropped channel.
    let lines = trk_lines(&bext_description(output));
    match expected.bext_tracks {
        Some(want) => {
            let want: Vec<(u32, String)> = want.iter().map(|(n, s)| (*n, s.to_string())).collect();
            assert_eq!(lines, want, "{what}: bext track lines");
        }
        None => {
            // Shortened to fit the 256-byte description: one line per position, each a prefix of
            // the (ASCII) iXML name, never a stale name of another channel.
            assert_eq!(
                lines.len(),
                expected.names.len(),
                "{what}: bext track lines {lines:?}"
            );
            for ((number, value), (position, name)) in
                lines.iter().zip(expected.names.iter().enumerate())
            {
                assert_eq!(*number, position as u32 + 1, "{what}: numbered by position");
                let ascii = name.replace('Ë', "E");
                assert!(
                    value.len() >= 3 && ascii.starts_with(value.as_str()),
                    "{what}: bext TRK{number}={value:?} is not a shortened {ascii:?}"
                );
            }
        }
    }
    assert!(
        bext_description(output).is_ascii(),
        "{what}: bext stays ASCII"
    );
    assert_eq!(
        other_description_lines(&bext_description(output)),
        other_description_lines(&bext_description(source)),
        "{what}: the other bext description lines are kept"
    );
    assert!(
        bext_fixed_fields(output) == bext_fixed_fields(source),
        "{what}: bext originator, time reference, UMID... kept"
    );

    // Everything else in iXML byte for byte.
    let edited = ["FILE_UID", "HISTORY", "TRACK_LIST"];
    assert_eq!(
        masked(&out_xml, &edited),
        masked(&src_xml, &edited),
        "{what}: iXML outside the edited elements"
    );
    untouched_chunks_identical(source, output, &[b"bext", b"iXML", b"fmt ", b"data"]);
}

/// What a metadata-only delivery must keep: audio, fmt, FILE_UID, coding history, other chunks.
fn check_metadata_only(source: &Path, output: &Path) {
    let what = output.display().to_string();
    assert!(
        data_of(source) == data_of(output),
        "{what}: audio bit-identical"
    );
    let (src_xml, out_xml) = (ixml(source), ixml(output));
    assert_eq!(
        element(&out_xml, "FILE_UID"),
        element(&src_xml, "FILE_UID"),
        "{what}: FILE_UID kept on a rename"
    );
    assert_eq!(
        channel_indexes(&out_xml),
        channel_indexes(&src_xml),
        "{what}"
    );
    assert_eq!(
        interleave_indexes(&out_xml),
        interleave_indexes(&src_xml),
        "{what}"
    );
    assert_eq!(
        coding_history(output),
        coding_history(source),
        "{what}: no coding history line without a re-layout"
    );
    let name = output.file_name().and_then(|n| n.to_str()).expect("name");
    assert_eq!(
        element(&out_xml, "CURRENT_FILENAME"),
        Some(name),
        "{what}: CURRENT_FILENAME"
    );
    let original = element(&src_xml, "ORIGINAL_FILENAME")
        .or_else(|| source.file_name().and_then(|n| n.to_str()));
    assert_eq!(
        element(&out_xml, "ORIGINAL_FILENAME"),
        original,
        "{what}: ORIGINAL_FILENAME kept or set"
    );
    // Outside the names, the mix FUNCTION and the file name, the iXML is the source's byte for byte.
    let without_functions = |xml: &str| {
        xml.split_inclusive('\n')
            .filter(|line| !line.contains("<FUNCTION>"))
            .collect::<String>()
    };
    let out_masked = masked(&without_functions(&out_xml), &["HISTORY", "NAME"]);
    let src_masked = masked(&without_functions(&src_xml), &["HISTORY", "NAME"]);
    assert!(
        src_xml.contains("<HISTORY>"),
        "{what}: corpus sources have HISTORY"
    );
    assert_eq!(out_masked, src_masked, "{what}: iXML outside the edits");
    if chunk(source, b"bext").is_some() {
        assert_eq!(
            other_description_lines(&bext_description(output)),
            other_description_lines(&bext_description(source)),
            "{what}: the other bext description lines are kept"
        );
        assert!(
            bext_fixed_fields(output) == bext_fixed_fields(source),
            "{what}: bext originator, time reference, UMID... kept"
        );
    }
    untouched_chunks_identical(source, output, &[b"bext", b"iXML"]);
    assert_eq!(
        chunk(output, b"fmt "),
        chunk(source, b"fmt "),
        "{what}: fmt kept"
    );
}

// ---------------------------------------------------------------------------------------------
// The example rolls and the shipped recipes.

const SERIES_TREE: [&str; 10] = [
    "EP101/HBL101/12-1.WAV",
    "EP101/HBL101/12-2.WAV",
    "EP101/HBL101/12A-1.WAV",
    "EP101/HBL102B/14-001.WAV",
    "EP101/HBL102B/14-002.WAV",
    "EP102/2U01/31A-02.WAV",
    "EP102/HBL101/27-1.WAV",
    "EP102/HBL101/27-2.WAV",
    "EP102/HBL101/27-3.WAV",
    "EP102/HBL102B/31-001.WAV",
];

/// (delivered file, source under example-rolls, scene, take, tape).
const SERIES_SOURCES: [(&str, &str, &str, &str, &str); 10] = [
    (
        "EP101/HBL101/12-1.WAV",
        "HBL101/12_1.WAV",
        "12",
        "1",
        "HBL101",
    ),
    (
        "EP101/HBL101/12-2.WAV",
        "HBL101/12_2.WAV",
        "12",
        "2",
        "HBL101",
    ),
    (
        "EP101/HBL101/12A-1.WAV",
        "HBL101/12A_1.WAV",
        "12A",
        "1",
        "HBL101",
    ),
    (
        "EP101/HBL102B/14-001.WAV",
        "HBL102B/14-T001.WAV",
        "14",
        "001",
        "HBL102B",
    ),
    (
        "EP101/HBL102B/14-002.WAV",
        "HBL102B/14-T002.WAV",
        "14",
        "002",
        "HBL102B",
    ),
    (
        "EP102/2U01/31A-02.WAV",
        "HBL2U01/2U01-31A-02.WAV",
        "31A",
        "02",
        "2U01",
    ),
    (
        "EP102/HBL101/27-1.WAV",
        "HBL101/27_1.WAV",
        "27",
        "1",
        "HBL101",
    ),
    (
        "EP102/HBL101/27-2.WAV",
        "HBL101/27_2.WAV",
        "27",
        "2",
        "HBL101",
    ),
    (
        "EP102/HBL101/27-3.WAV",
        "HBL101/27_3.WAV",
        "27",
        "3",
        "HBL101",
    ),
    (
        "EP102/HBL102B/31-001.WAV",
        "HBL102B/31-T001.WAV",
        "31",
        "001",
        "HBL102B",
    ),
];

fn series_recipe() -> PathBuf {
    repo().join("recipes/series-dailies.toml")
}

#[test]
fn series_recipe_delivers_the_expected_tree_with_coherent_files_and_a_rerun_is_a_no_op() {
    let work = temp_dir();
    let out = work.path().join("delivery");
    let rolls = example_rolls();
    let first = run_recipe(&series_recipe(), &[&rolls], &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    let err = stderr(&first);
    assert!(
        err.contains("10 delivered, 0 already delivered, 0 failed"),
        "{err}"
    );
    assert_eq!(delivered(&out), SERIES_TREE, "the tree the README shows");

    // The 7-track Sound Devices takes have room for the names at the show-wide width (the cast's
    // longest character, capped at 12): no take is cut narrower or warned about (issue 19).
    assert!(!err.contains("256-byte bext description"), "{err}");
    // The Metacorder roll has no mix: it keeps its layout and the run says so.
    assert!(
        err.lines().any(|l| l.contains("2U01-31A-02.WAV")
            && l.contains("warning")
            && l.contains("no track matches mix")),
        "{err}"
    );

    for (relative, source, scene, take, tape) in SERIES_SOURCES {
        let output = out.join(relative);
        let source = rolls.join(source);
        let xml = ixml(&output);
        assert_eq!(element(&xml, "SCENE"), Some(scene), "{relative}");
        assert_eq!(element(&xml, "TAKE"), Some(take), "{relative}");
        assert_eq!(element(&xml, "TAPE"), Some(tape), "{relative}");
        let (lav3, lav3_bext) = if scene == "27" {
            ("DECKHAND #2 (DPA 4060)", "DECKHAND #2")
        } else {
            ("MARGUERITE (DPA 4060)", "MARGUERITE")
        };
        if tape == "HBL101" {
            // Sound Devices: MixL MixR Boom Lav1-4; MixR dropped; full names in iXML, the
            // show-wide shortened names in the bext track lines (the description is full).
            check_relayout(
                &source,
                &output,
                &Relayout {
                    map: &[1, 3, 4, 5, 6, 7],
                    names: &[
                        "MixL",
                        "Boom",
                        "ZOË (COS-11D)",
                        "CAPTAIN REYES (DPA 4060)",
                        lav3,
                        "HARBORMASTER (COS-11D)",
                    ],
                    bext_tracks: Some(&[
                        (1, "MixL"),
                        (2, "Boom"),
                        (3, "ZOE"),
                        (4, "CAPTAIN"),
                        (5, lav3_bext),
                        (6, "HARBORMASTER"),
                    ]),
                },
            );
            let description = bext_description(&output);
            let file_name = relative.rsplit('/').next().unwrap_or_default();
            assert!(
                description.contains(&format!("sFILENAME={file_name}\r\n")),
                "{relative}: {description:?}"
            );
        } else if tape == "HBL102B" {
            // Zoom F8: MixL MixR Boom Lav1-3; Lav2 is FERRY PILOT on this roll only.
            check_relayout(
                &source,
                &output,
                &Relayout {
                    map: &[1, 3, 4, 5, 6],
                    names: &[
                        "MixL",
                        "Boom",
                        "ZOË (COS-11D)",
                        "FERRY PILOT (MKE 2)",
                        "MARGUERITE (DPA 4060)",
                    ],
                    bext_tracks: Some(&[
                        (1, "MixL"),
                        (2, "Boom"),
                        (3, "ZOE"),
                        (4, "FERRY PILOT"),
                        (5, "MARGUERITE"),
                    ]),
                },
            );
            // The recorder's 128 KiB alignment padding is carried over, and the edited bext and
            // iXML keep their reserved room, so the audio still starts on the 128 KiB boundary.
            assert!(chunk(&output, b"PAD ").is_some());
            assert_eq!(
                data_offset(&source),
                128 * 1024,
                "{relative}: the source is aligned"
            );
            assert_eq!(
                data_offset(&output),
                128 * 1024,
                "{relative}: audio stays aligned"
            );
        } else {
            // Metacorder: Boom Lav1 Lav2, no mix: layout kept, audio bit-identical.
            assert_eq!(
                names(&xml),
                ["Boom", "ZOË (COS-11D)", "CAPTAIN REYES (DPA 4060)"]
            );
            check_metadata_only(&source, &output);
            assert_eq!(
                trk_lines(&bext_description(&output)),
                vec![
                    (1, "Boom".to_string()),
                    (2, "ZOE".to_string()),
                    (3, "CAPTAIN".to_string()),
                ]
            );
            assert_eq!(
                chunk(&output, b"iXTC"),
                chunk(&source, b"iXTC"),
                "timecode chunk after the audio"
            );
        }
    }

    // A second run recognises everything as delivered and leaves it alone.
    let before: Vec<Vec<u8>> = SERIES_TREE
        .iter()
        .map(|f| fs::read(out.join(f)).expect("delivered"))
        .collect();
    let second = run_recipe(&series_recipe(), &[&rolls], &out, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    assert!(
        stderr(&second).contains("0 delivered, 10 already delivered, 0 failed"),
        "{}",
        describe(&second)
    );
    // Deterministic: a fresh delivery elsewhere writes the same bytes (FILE_UIDs included).
    let elsewhere = work.path().join("again");
    let third = run_recipe(&series_recipe(), &[&rolls], &elsewhere, &["--quiet"]);
    assert_eq!(third.status.code(), Some(0), "{}", describe(&third));
    for (file, bytes) in SERIES_TREE.iter().zip(&before) {
        assert_eq!(
            &fs::read(out.join(file)).expect("still there"),
            bytes,
            "{file}: rerun left it alone"
        );
        assert!(
            &fs::read(elsewhere.join(file)).expect("delivered again") == bytes,
            "{file}: output is deterministic"
        );
    }
}

#[test]
fn series_dry_run_lists_the_plan_and_writes_nothing() {
    let work = temp_dir();
    let out = work.path().join("delivery");
    let rolls = example_rolls();
    let text = run_recipe(&series_recipe(), &[&rolls], &out, &["--dry-run"]);
    assert_eq!(text.status.code(), Some(0), "{}", describe(&text));
    let stdout = String::from_utf8_lossy(&text.stdout);
    for destination in SERIES_TREE {
        assert!(
            stdout.contains(&format!("-> {destination}")),
            "{destination}: {stdout}"
        );
    }
    assert!(
        stdout.contains("HBL101/12_1.WAV -> EP101/HBL101/12-1.WAV"),
        "{stdout}"
    );
    assert!(
        stdout.contains("track 3 name: Lav1 -> ZOË (COS-11D)"),
        "{stdout}"
    );
    assert!(stdout.contains("channels:"), "{stdout}");
    assert!(
        stdout.contains("1<-1 MixL, 2<-3 Boom, 3<-4 Lav1, 4<-5 Lav2, 5<-6 Lav3, 6<-7 Lav4"),
        "the channel map: {stdout}"
    );
    assert!(!out.exists(), "a dry run writes nothing");

    let json = run_recipe(&series_recipe(), &[&rolls], &out, &["--dry-run", "--json"]);
    assert_eq!(json.status.code(), Some(0), "{}", describe(&json));
    let plan: Value = serde_json::from_slice(&json.stdout)
        .unwrap_or_else(|e| panic!("one JSON document ({e}): {}", describe(&json)));
    let files = plan["files"].as_array().expect("files");
    let mut destinations: Vec<&str> = files
        .iter()
        .filter_map(|f| f["destination"].as_str())
        .collect();
    destinations.sort_unstable();
    assert_eq!(destinations, SERIES_TREE);
    let take = files
        .iter()
        .find(|f| f["destination"] == "EP101/HBL101/12-1.WAV")
        .expect("12-1 planned");
    assert!(take["source"]
        .as_str()
        .is_some_and(|s| s.ends_with("HBL101/12_1.WAV")));
    assert_eq!(take["channel_map"], serde_json::json!([1, 3, 4, 5, 6, 7]));
    let changes = take["changes"].as_array().expect("changes");
    assert!(
        changes.iter().any(|c| c["field"] == "track 3 name"
            && c["old"] == "Lav1"
            && c["new"] == "ZOË (COS-11D)"),
        "{changes:?}"
    );
    assert!(changes
        .iter()
        .any(|c| c["field"] == "file name" && c["old"] == "12_1.WAV" && c["new"] == "12-1.WAV"));
    let metacorder = files
        .iter()
        .find(|f| f["destination"] == "EP102/2U01/31A-02.WAV")
        .expect("metacorder planned");
    assert!(
        metacorder["warnings"]
            .as_array()
            .is_some_and(|w| w.iter().any(|w| w
                .as_str()
                .is_some_and(|w| w.contains("no track matches mix")))),
        "{metacorder}"
    );
    assert!(!out.exists(), "a dry run writes nothing");
}

#[test]
fn feature_recipe_pads_takes_names_characters_and_keeps_the_stereo_mix_in_place() {
    let work = temp_dir();
    let out = work.path().join("feature");
    let rolls = example_rolls();
    let recipe = repo().join("recipes/feature-dailies.toml");
    let output = run_recipe(&recipe, &[&rolls], &out, &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(
        delivered(&out),
        [
            "HBL101/12A_T001.WAV",
            "HBL101/12_T001.WAV",
            "HBL101/12_T002.WAV",
            "HBL101/27_T001.WAV",
            "HBL101/27_T002.WAV",
            "HBL101/27_T003.WAV",
            "HBL102B/14_T001.WAV",
            "HBL102B/14_T002.WAV",
            "HBL102B/31_T001.WAV",
            "HBL2U01/31A_T002.WAV",
        ]
    );
    // Mix and boom already lead on these recorders: no re-layout, audio and FILE_UID kept.
    for (relative, source) in [
        ("HBL101/27_T003.WAV", "HBL101/27_3.WAV"),
        ("HBL102B/14_T001.WAV", "HBL102B/14-T001.WAV"),
        ("HBL2U01/31A_T002.WAV", "HBL2U01/2U01-31A-02.WAV"),
    ] {
        check_metadata_only(&rolls.join(source), &out.join(relative));
    }
    assert_eq!(
        names(&ixml(&out.join("HBL101/27_T003.WAV"))),
        [
            "MixL",
            "MixR",
            "Boom",
            "ZOË",
            "CAPTAIN REYES",
            "DECKHAND #2",
            "HARBORMASTER"
        ]
    );
    assert_eq!(
        names(&ixml(&out.join("HBL102B/14_T001.WAV"))),
        ["MixL", "MixR", "Boom", "ZOË", "FERRY PILOT", "MARGUERITE"]
    );
    let functions = |file: &str| -> Vec<Option<String>> {
        tracks(&ixml(&out.join(file)))
            .into_iter()
            .take(2)
            .map(|t| t.function)
            .collect()
    };
    assert_eq!(
        functions("HBL101/27_T003.WAV"),
        [Some("L-MIX".to_string()), Some("R-MIX".to_string())],
        "a stereo mix kept whole keeps its sides"
    );
    assert_eq!(
        functions("HBL102B/14_T001.WAV"),
        [Some("MIX".to_string()), Some("MIX".to_string())],
        "mix tracks without a FUNCTION get MIX"
    );
    let zoom_lines = trk_lines(&bext_description(&out.join("HBL102B/14_T001.WAV")));
    assert_eq!(zoom_lines.get(3), Some(&(4, "ZOE".to_string())));
}

#[test]
fn copy_and_verify_delivers_the_rolls_byte_identical_in_their_folders() {
    let work = temp_dir();
    let out = work.path().join("backup");
    let rolls = example_rolls();
    let recipe = repo().join("recipes/copy-and-verify.toml");
    let output = run_recipe(&recipe, &[&rolls], &out, &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let sources: Vec<String> = tree(&rolls)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert_eq!(delivered(&out), sources);
    for file in &sources {
        assert!(
            fs::read(out.join(file)).expect("delivered")
                == fs::read(rolls.join(file)).expect("source"),
            "{file}: byte-identical copy"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Readers other than ours: wavinfo (PyPI) and ffprobe (Debian ffmpeg).

#[test]
fn the_delivered_series_tree_reads_back_in_wavinfo_and_ffprobe() {
    let work = temp_dir();
    let out = work.path().join("delivery");
    let run = run_recipe(&series_recipe(), &[&example_rolls()], &out, &["--quiet"]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let files: Vec<PathBuf> = SERIES_TREE.iter().map(|f| out.join(f)).collect();
    let expected_tracks = |tape: &str, scene: &str| -> Vec<&'static str> {
        match tape {
            "HBL101" => vec![
                "MixL",
                "Boom",
                "ZOË (COS-11D)",
                "CAPTAIN REYES (DPA 4060)",
                if scene == "27" {
                    "DECKHAND #2 (DPA 4060)"
                } else {
                    "MARGUERITE (DPA 4060)"
                },
                "HARBORMASTER (COS-11D)",
            ],
            "HBL102B" => vec![
                "MixL",
                "Boom",
                "ZOË (COS-11D)",
                "FERRY PILOT (MKE 2)",
                "MARGUERITE (DPA 4060)",
            ],
            _ => vec!["Boom", "ZOË (COS-11D)", "CAPTAIN REYES (DPA 4060)"],
        }
    };

    let mut wavinfo = Command::new("python3");
    wavinfo
        .arg(repo().join("tests/integration/wavinfo_dump.py"))
        .args(&files);
    let wavinfo_output = if python_module("wavinfo") {
        external(wavinfo, "wavinfo", "`pip install wavinfo`")
    } else {
        not_run("wavinfo", "`pip install wavinfo`");
        None
    };
    if let Some(output) = wavinfo_output {
        let parsed: Vec<Value> = serde_json::from_slice(&output.stdout).expect("wavinfo JSON");
        assert_eq!(parsed.len(), files.len());
        for (entry, (relative, _, scene, take, tape)) in parsed.iter().zip(SERIES_SOURCES) {
            assert!(entry["error"].is_null(), "{relative}: {entry}");
            assert_eq!(entry["scene"], scene, "{relative}");
            assert_eq!(entry["take"], take, "{relative}");
            assert_eq!(entry["tape"], tape, "{relative}");
            assert_eq!(
                entry["tracks"],
                serde_json::json!(expected_tracks(tape, scene)),
                "{relative}"
            );
            let width = expected_tracks(tape, scene).len();
            assert_eq!(entry["channels"], width, "{relative}: channel count");
        }
    }

    for (relative, _, scene, _, tape) in SERIES_SOURCES {
        let mut ffprobe = Command::new("ffprobe");
        ffprobe
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=channels,codec_name,sample_rate:stream_tags:format_tags",
                "-of",
                "json",
            ])
            .arg(out.join(relative));
        let Some(output) = external(ffprobe, "ffprobe", "`apt-get install ffmpeg`") else {
            return;
        };
        let probe: Value = serde_json::from_slice(&output.stdout).expect("ffprobe JSON");
        let stream = &probe["streams"][0];
        assert_eq!(
            stream["channels"],
            expected_tracks(tape, scene).len(),
            "{relative}: ffprobe channels"
        );
        assert_eq!(stream["codec_name"], "pcm_s24le", "{relative}");
        assert_eq!(stream["sample_rate"], "48000", "{relative}");
        // ffmpeg reads the bext description into `comment`: the delivered name is in it for SD.
        if tape == "HBL101" {
            let comment = probe["format"]["tags"]["comment"].as_str().unwrap_or("");
            let name = relative.rsplit('/').next().unwrap_or_default();
            assert!(
                comment.contains(&format!("sFILENAME={name}")),
                "{relative}: {probe}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real recorder files from the corpus.

#[test]
fn sound_devices_and_metacorder_rolls_rename_sort_and_name_without_touching_audio() {
    let work = temp_dir();
    write(
        work.path(),
        "cast.csv",
        "track,character,mic\nMKH516 A,ZOË,MKH516\nBoom,BOOM OP,\n",
    );
    write(
        work.path(),
        "episodes.csv",
        "scene,episode\nA101,101\n001,103\n2C,104\n",
    );
    let recipe = write(
        work.path(),
        "recipe.toml",
        r#"[recipe]
name = "corpus dailies"

[[step]]
plugin = "episode-split"
scenes = "episodes.csv"
folder = "EP{episode}/{tape}"

[[step]]
plugin = "rename"
template = "{scene}_T{take:03}"

[[step]]
plugin = "track-names"
csv = "cast.csv"
"#,
    );
    let sound_devices = test_files().join("sounddevices");
    let metacorder = test_files().join("metacorder");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&sound_devices, &metacorder], &out, &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let pairs = [
        ("EP101/18Y12M31/A101_T001.WAV", "sounddevices/A101_1.WAV"),
        (
            "EP101/18Y12M31/A101_T001_1.WAV",
            "sounddevices/A101_1_1.WAV",
        ),
        (
            "EP101/18Y12M31/A101_T001_2.WAV",
            "sounddevices/A101_1_2.WAV",
        ),
        ("EP101/18Y12M31/A101_T002.WAV", "sounddevices/A101_2.WAV"),
        ("EP101/18Y12M31/A101_T003.WAV", "sounddevices/A101_3.WAV"),
        ("EP101/18Y12M31/A101_T004.WAV", "sounddevices/A101_4.WAV"),
        (
            "EP103/Sr001/001_T006_01.WAV",
            "metacorder/Sr001-001-06_01.WAV",
        ),
        (
            "EP103/Sr001/001_T006_02.WAV",
            "metacorder/Sr001-001-06_02.WAV",
        ),
        (
            "EP103/Sr001/001_T006_03.WAV",
            "metacorder/Sr001-001-06_03.WAV",
        ),
        (
            "EP103/Sr001/001_T006_04.WAV",
            "metacorder/Sr001-001-06_04.WAV",
        ),
        (
            "EP103/Sr001/001_T006_05.WAV",
            "metacorder/Sr001-001-06_05.WAV",
        ),
        (
            "EP104/Sr001/2C_T001_01.WAV",
            "metacorder/Sr001-2C-01_01.WAV",
        ),
        (
            "EP104/Sr001/2C_T001_02.WAV",
            "metacorder/Sr001-2C-01_02.WAV",
        ),
        (
            "EP104/Sr001/2C_T001_03.WAV",
            "metacorder/Sr001-2C-01_03.WAV",
        ),
        (
            "EP104/Sr001/2C_T001_04.WAV",
            "metacorder/Sr001-2C-01_04.WAV",
        ),
        (
            "EP104/Sr001/2C_T001_05.WAV",
            "metacorder/Sr001-2C-01_05.WAV",
        ),
    ];
    let mut expected: Vec<&str> = pairs.iter().map(|(o, _)| *o).collect();
    expected.sort_unstable();
    assert_eq!(delivered(&out), expected, "family members kept apart");
    for (relative, source) in pairs {
        check_metadata_only(&test_files().join(source), &out.join(relative));
    }

    // The poly take: both names, exact in iXML, ASCII in bext, file name updated in bext.
    let poly = out.join("EP101/18Y12M31/A101_T001.WAV");
    assert_eq!(names(&ixml(&poly)), ["ZOË (MKH516)", "BOOM OP (Boom)"]);
    let description = bext_description(&poly);
    // bext: the show-wide shortening (issue 19) drops the mic part.
    assert_eq!(
        trk_lines(&description),
        vec![(1, "ZOE".to_string()), (2, "BOOM OP".to_string())]
    );
    assert!(
        description.contains("sFILENAME=A101_T001.WAV\r\n"),
        "{description:?}"
    );
    assert!(!description.contains("A101_1.WAV"), "{description:?}");
    // The second member of the split-mono family: recorder track 2, CHANNEL_INDEX kept.
    let member = ixml(&out.join("EP101/18Y12M31/A101_T001_2.WAV"));
    assert_eq!(channel_indexes(&member), [2]);
    assert_eq!(names(&member), ["BOOM OP (Boom)"]);
    let member_one = ixml(&out.join("EP101/18Y12M31/A101_T001_1.WAV"));
    assert_eq!(names(&member_one), ["ZOË (MKH516)"]);
    // Metacorder: iXML and iXTC stay after the audio, timecode untouched.
    let meta = out.join("EP103/Sr001/001_T006_01.WAV");
    assert_eq!(
        ids(&raw_chunks(&meta)),
        ["bext", "fmt ", "data", "iXML", "iXTC"]
    );
    assert_eq!(names(&ixml(&meta)), ["BOOM OP (Boom)"]);
}

#[test]
fn zoom_f8_family_keeps_members_apart_and_the_stereo_mix_loses_its_right_channel() {
    let work = temp_dir();
    // Track by recorder name, and by CHANNEL_INDEX (10 is Tr8, "Ajax").
    write(
        work.path(),
        "cast.csv",
        "track,character,mic\nMix-L,MIX,\nBOOM,BOOM OP,MKH416\nJade,JADE,COS-11D\n10,AJAX,DPA 4071\n",
    );
    let recipe = write(
        work.path(),
        "zoom.toml",
        r#"[recipe]
name = "zoom"

[[step]]
plugin = "episode-split"
pattern = '^Scene_(?P<episode>\d+)_'
folder = "EP{episode}"

[[step]]
plugin = "rename"
template = "{scene}-{take:03}"

[[step]]
plugin = "channel-layout"
mix = ["Mix*"]
drop = ["Mix-R"]

[[step]]
plugin = "track-names"
csv = "cast.csv"
"#,
    );
    let take = test_files().join("zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&take], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let members = [
        "Tr1", "Tr1_D", "Tr2", "Tr2_D", "Tr3", "Tr4", "Tr7", "Tr8", "TrL_R",
    ];
    let expected: Vec<String> = members
        .iter()
        .map(|m| format!("EP1/Scene_1_2AG-001_{m}.WAV"))
        .collect();
    assert_eq!(delivered(&out), expected, "all nine members kept apart");
    // Mono members: nothing matches mix, layout kept and said so once for all eight; names applied.
    let err = stderr(&output);
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("no track matches mix"))
            .collect::<Vec<_>>()
            .len(),
        1,
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains("warning: 8 files: no track matches mix")),
        "{err}"
    );
    for member in &members[..8] {
        check_metadata_only(
            &take.join(format!("Scene_1_2AG-T001_{member}.WAV")),
            &out.join(format!("EP1/Scene_1_2AG-001_{member}.WAV")),
        );
    }
    let boom = out.join("EP1/Scene_1_2AG-001_Tr1.WAV");
    assert_eq!(names(&ixml(&boom)), ["BOOM OP (MKH416)"]);
    assert_eq!(channel_indexes(&ixml(&boom)), [3]);
    let jade = out.join("EP1/Scene_1_2AG-001_Tr3.WAV");
    assert_eq!(names(&ixml(&jade)), ["JADE (COS-11D)"]);
    let ajax = out.join("EP1/Scene_1_2AG-001_Tr8.WAV");
    assert_eq!(
        names(&ixml(&ajax)),
        ["AJAX (DPA 4071)"],
        "a row by CHANNEL_INDEX"
    );
    assert_eq!(
        names(&ixml(&out.join("EP1/Scene_1_2AG-001_Tr4.WAV"))),
        ["Quinn"],
        "no row: name kept"
    );
    // The stereo mix: Mix-R matches both mix and drop, and drop wins.
    check_relayout(
        &take.join("Scene_1_2AG-T001_TrL_R.WAV"),
        &out.join("EP1/Scene_1_2AG-001_TrL_R.WAV"),
        &Relayout {
            map: &[1],
            names: &["MIX (Mix-L)"],
            bext_tracks: Some(&[(1, "MIX")]),
        },
    );
}

#[test]
fn a_sound_devices_take_re_laid_with_the_boom_as_mix_swaps_audio_and_metadata_together() {
    let work = temp_dir();
    write(
        work.path(),
        "cast.csv",
        "track,character,mic\nMKH516 A,ZOË,MKH516\nBoom,BOOM OP,\n",
    );
    let recipe = write(
        work.path(),
        "swap.toml",
        r#"[recipe]
name = "swap"

[[step]]
plugin = "channel-layout"
mix = ["Boom"]
boom = ["MKH*"]

[[step]]
plugin = "track-names"
csv = "cast.csv"
"#,
    );
    let source = test_files().join("sounddevices/A101_1.WAV");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&source], &out, &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let written = out.join("A101_1.WAV");
    check_relayout(
        &source,
        &written,
        &Relayout {
            map: &[2, 1],
            names: &["BOOM OP (Boom)", "ZOË (MKH516)"],
            bext_tracks: Some(&[(1, "BOOM OP"), (2, "ZOE")]),
        },
    );
}

#[test]
fn a_nuendo_5_1_file_is_re_laid_by_function_and_its_speaker_mask_cleared() {
    let work = temp_dir();
    let recipe = write(
        work.path(),
        "nuendo.toml",
        r#"[recipe]
name = "nuendo"

[[step]]
plugin = "channel-layout"
mix = ["C-5.1"]
boom = ["LFE*"]
drop = ["Ls-5.1"]
"#,
    );
    let source = test_files().join("nuendo/wavinfo Test Project - Audio - 5.1.wav");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&source], &out, &["--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let written = out.join("wavinfo Test Project - Audio - 5.1.wav");
    // Audio and layout by hand (Nuendo's tracks have FUNCTION but no NAME).
    let theirs = channels(&source);
    let ours = channels(&written);
    let map = [3usize, 4, 1, 2, 6];
    assert_eq!(ours.len(), map.len());
    for (i, from) in map.iter().enumerate() {
        assert!(
            ours[i] == theirs[from - 1],
            "channel {} is source {from}",
            i + 1
        );
    }
    let fmt = chunk(&written, b"fmt ").expect("fmt");
    assert_eq!(
        u16::from_le_bytes([fmt[0], fmt[1]]),
        0xFFFE,
        "still EXTENSIBLE"
    );
    assert_eq!(fmt_layout(&written), (5, 15));
    assert_eq!(&fmt[20..24], &[0, 0, 0, 0], "channel mask cleared");
    let out_xml = ixml(&written);
    assert_eq!(channel_indexes(&out_xml), [3, 4, 1, 2, 6]);
    assert_eq!(interleave_indexes(&out_xml), [1, 2, 3, 4, 5]);
    let functions: Vec<Option<String>> = tracks(&out_xml).into_iter().map(|t| t.function).collect();
    assert_eq!(
        functions,
        [
            Some("MIX".to_string()),
            Some("LFE-5.1".to_string()),
            Some("L-5.1".to_string()),
            Some("R-5.1".to_string()),
            Some("Rs-5.1".to_string()),
        ]
    );
    let (old, new) = (coding_history(&source), coding_history(&written));
    assert!(
        old.ends_with("\r\n")
            && new.starts_with(&old)
            && new[old.len()..].matches("\r\n").count() == 1,
        "one line appended: {old:?} -> {new:?}"
    );
    assert_eq!(bext_description(&written), bext_description(&source));
    untouched_chunks_identical(&source, &written, &[b"bext", b"iXML", b"fmt ", b"data"]);
}

#[test]
fn adm_files_are_refused_for_re_layout_with_a_clear_reason() {
    let work = temp_dir();
    let recipe = write(
        work.path(),
        "adm.toml",
        "[recipe]\nname = \"adm\"\n\n[[step]]\nplugin = \"channel-layout\"\nmix = [\"*\"]\n",
    );
    let files = [
        test_files().join("protools/Test_ADM_ProTools.wav"),
        corpus().join("ebu_adm_renderer/ear/test/data/test_bwf.wav"),
    ];
    let out = work.path().join("out");
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let output = run_recipe(&recipe, &inputs, &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let err = stderr(&output);
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            err.lines().any(|l| l.contains("failed")
                && l.contains(name)
                && l.contains("ADM")
                && l.contains("cannot be re-laid")),
            "{name}: {err}"
        );
    }
    assert!(delivered(&out).is_empty(), "{:?}", tree(&out));
}

#[test]
fn unsafe_characters_are_replaced_unassigned_takes_are_collected_and_a_take_without_scene_fails() {
    let work = temp_dir();
    write(work.path(), "episodes.csv", "scene,episode\n001,103\n");
    let recipe = write(
        work.path(),
        "unsafe.toml",
        r#"[recipe]
name = "unsafe"

[vars]
show = "HBL: S1/EP?"

[[step]]
plugin = "episode-split"
scenes = "episodes.csv"
unassigned = "UNSORTED"

[[step]]
plugin = "rename"
template = "{show} {scene}*{take}"
"#,
    );
    let metacorder = test_files().join("metacorder");
    let no_scene = test_files().join("nuendo/wavinfo Test Project - Audio - Mono.wav");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&metacorder, &no_scene], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let mut expected = Vec::new();
    for member in 1..=5 {
        expected.push(format!("103/Sr001/HBL_ S1_EP_ 001_06_0{member}.WAV"));
        expected.push(format!("UNSORTED/HBL_ S1_EP_ 2C_01_0{member}.WAV"));
    }
    expected.sort();
    assert_eq!(
        delivered(&out),
        expected,
        "no `:`, `/`, `?` or `*` in a name; default folder {{episode}}/{{tape}}"
    );
    let err = stderr(&output);
    assert!(
        err.lines().any(|l| l.contains("failed")
            && l.contains("Audio - Mono.wav")
            && l.contains("no scene")),
        "{err}"
    );
    assert!(
        err.lines().any(|l| l.contains("Sr001-2C-01_01.WAV")
            && l.contains("warning")
            && l.contains("UNSORTED")),
        "{err}"
    );
    for member in 1..=5 {
        check_metadata_only(
            &metacorder.join(format!("Sr001-2C-01_0{member}.WAV")),
            &out.join(format!("UNSORTED/HBL_ S1_EP_ 2C_01_0{member}.WAV")),
        );
    }
}
