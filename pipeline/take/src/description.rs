//! The bext description's lines in a render: mirrored slate lines, track lines, what changed, the
//! slate checked against iXML.

use rollcall_wav::{parse_description, remove_description_key, set_description_key};

use crate::ascii::to_bext_ascii;
use crate::changes::Changes;
use crate::source::SourceTake;
use crate::TakeError;

/// Longest bext description EBU Tech 3285 allows, in bytes.
pub(crate) const BEXT_DESCRIPTION_BYTES: usize = 256;

/// One field a run changes, for the dry run and the report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    /// What changes: `file name`, `iXML SCENE`, `bext TRK3`, `track 3 name`, `channels`.
    pub field: String,
    /// The value before, when there was one.
    pub old: Option<String>,
    /// The value after.
    pub new: String,
}

/// The slate keys whose bext description lines mirror iXML (iXML wins when they disagree).
pub(crate) const SLATE_KEYS: [&str; 3] = ["SCENE", "TAKE", "TAPE"];

/// iXML elements whose bext description line (`sSCENE=`, `gNOTE=`, `CIRCLED=`) a step's `SetIxml`
/// keeps in step, as the iXML usage rules ask of writers.
pub const MIRRORED_DESCRIPTION_KEYS: [&str; 5] = ["SCENE", "TAKE", "TAPE", "NOTE", "CIRCLED"];

/// Most characters of a note carried in the bext description (iXML `NOTE` keeps it whole).
pub(crate) const BEXT_NOTE_CHARS: usize = 64;

/// The description with the lines of [`MIRRORED_DESCRIPTION_KEYS`] set from the steps' iXML edits
/// (ASCII, the file's vendor prefix), unless a step set that description key itself. A free-text
/// description (not `KEY=value` lines) is left alone. A note is cut to what fits (at most
/// [`BEXT_NOTE_CHARS`] characters), with a warning.
pub(crate) fn mirror_ixml_lines(
    description: &str,
    lines: &[rollcall_wav::DescriptionLine],
    prefix: &str,
    changes: &Changes,
    warnings: &mut Vec<String>,
) -> String {
    let keyed = !lines.is_empty() || description.trim_matches(['\0', ' ', '\r', '\n']).is_empty();
    if !keyed {
        return description.to_string();
    }
    let mut text = description.to_string();
    for key in MIRRORED_DESCRIPTION_KEYS {
        if changes.description.contains_key(key) {
            continue;
        }
        let Some(value) = changes.ixml.get(key) else {
            continue;
        };
        let mut ascii = to_bext_ascii(value);
        if key == "NOTE" {
            let without = remove_description_key(&text, key);
            let line_cost = prefix.len() + key.len() + 3;
            let room = BEXT_DESCRIPTION_BYTES
                .saturating_sub(without.len() + line_cost)
                .min(BEXT_NOTE_CHARS);
            if ascii.chars().count() > room {
                ascii = ascii
                    .chars()
                    .take(room)
                    .collect::<String>()
                    .trim_end()
                    .to_string();
                warnings.push(format!(
                    "the note is longer than the bext description can carry; its NOTE line has the first {} characters (iXML has it in full)",
                    ascii.chars().count()
                ));
            }
        }
        text = set_description_key(&text, key, &ascii, prefix);
    }
    text
}

/// True for `TRK1`.. (spelling `TRK`) or `TR1`.. (spelling `TR`).
pub(crate) fn is_track_key(key: &str, spelling: &str) -> bool {
    key.strip_prefix(spelling)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The description's `KEY=value` lines that differ, one change per key (`bext sFILENAME`).
pub(crate) fn description_changes(old: &str, new: &str) -> Vec<FieldChange> {
    let before = parse_description(old);
    let after = parse_description(new);
    let mut changes = Vec::new();
    for line in &after {
        let previous = before.iter().find(|l| l.key == line.key);
        if previous.map(|l| &l.value) != Some(&line.value) {
            changes.push(FieldChange {
                field: format!("bext {}{}", line.prefix, line.key),
                old: previous.map(|l| l.value.clone()),
                new: line.value.clone(),
            });
        }
    }
    for line in &before {
        if !after.iter().any(|l| l.key == line.key) {
            changes.push(FieldChange {
                field: format!("bext {}{}", line.prefix, line.key),
                old: Some(line.value.clone()),
                new: "(removed)".into(),
            });
        }
    }
    if changes.is_empty() && old != new {
        changes.push(FieldChange {
            field: "bext description".into(),
            old: Some(old.to_string()),
            new: new.to_string(),
        });
    }
    changes
}

/// The description with the track lines (`{prefix}{spelling}n=`) of `names` (line number, name) set in
/// place, each name cut to `width` characters; with `rewrite_all`, every existing track line is removed
/// first and an entry without a name gets no line.
pub(crate) fn with_track_lines(
    description: &str,
    lines: &[rollcall_wav::DescriptionLine],
    spelling: &str,
    prefix: &str,
    names: &[(usize, Option<String>)],
    rewrite_all: bool,
) -> String {
    let mut text = description.to_string();
    if rewrite_all {
        for line in lines {
            if is_track_key(&line.key, spelling) {
                text = remove_description_key(&text, &line.key);
            }
        }
    }
    for (number, name) in names {
        if let Some(name) = name {
            text = set_description_key(
                &text,
                &format!("{spelling}{number}"),
                name.trim_end(),
                prefix,
            );
        }
    }
    text
}

/// The encoded bext, keeping the source chunk's size when the edit fits (recorders reserve room after
/// the coding history, and Zoom aligns `data` to 128 KiB behind it); a chunk that has to grow is
/// NUL-padded to an even size, since some readers (hound 3.5) ignore the RIFF pad byte.
pub(crate) fn bext_bytes(
    bext: &rollcall_wav::Bext,
    source: &SourceTake,
) -> Result<Vec<u8>, TakeError> {
    let mut bytes = bext.to_bytes()?;
    let original = source
        .bext_chunk
        .and_then(|i| source.header.chunks.get(i))
        .map_or(0, |c| c.size)
        .min(rollcall_wav::MAX_METADATA_CHUNK);
    let original = usize::try_from(original).unwrap_or(0);
    if bytes.len() <= original {
        bytes.resize(original, 0);
    } else if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    Ok(bytes)
}

/// The slate keys whose bext description line (as it will be written) disagrees with iXML (as it will
/// be written): `(key, bext value, iXML value)`.
pub(crate) fn slate_disagreements(
    source: &SourceTake,
    changes: &Changes,
    description: &str,
) -> Vec<(String, String, String)> {
    let lines = parse_description(description);
    SLATE_KEYS
        .iter()
        .filter_map(|key| {
            let ixml = changes
                .ixml
                .get(*key)
                .cloned()
                .or_else(|| source.ixml.as_ref().and_then(|x| x.get(key)))?;
            let ixml = ixml.trim().to_string();
            let bext = lines
                .iter()
                .find(|l| l.key == *key)?
                .value
                .trim()
                .to_string();
            (!ixml.is_empty() && bext != to_bext_ascii(&ixml) && bext != ixml)
                .then(|| (key.to_string(), bext, ixml))
        })
        .collect()
}

/// bext text as ASCII: ASCII (line ends included) kept, every other character transliterated
/// (`É` to `E`, see [`to_bext_ascii`]).
pub(crate) fn ascii_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                to_bext_ascii(c.encode_utf8(&mut [0; 4]))
            }
        })
        .collect()
}
