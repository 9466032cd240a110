//! Turning collected changes into the chunk layout and channel map the writer streams.

use rollcall_ixml::{Ixml, IxmlEdits, TrackRewrite};
use rollcall_wav::{parse_description, remove_description_key, set_description_key};
use rollcall_wav::{ChannelMap, OutChunk};

use crate::ascii::to_bext_ascii;
use crate::changes::Changes;
use crate::source::SourceTake;
use crate::TakeError;

/// Longest bext description EBU Tech 3285 allows, in bytes.
const BEXT_DESCRIPTION_BYTES: usize = 256;

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

/// Everything the writer needs to deliver one take.
#[derive(Clone, Debug)]
pub struct RenderedTake {
    /// The output chunks in order.
    pub layout: Vec<OutChunk>,
    /// The channel permutation and drop, when the take is re-laid.
    pub map: Option<ChannelMap>,
    /// The delivered file name.
    pub file_name: String,
    /// The folder a step set, when one did.
    pub folder: Option<String>,
    /// Every field that changes, old -> new.
    pub changes: Vec<FieldChange>,
    /// Warnings (steps' and the engine's).
    pub warnings: Vec<String>,
}

impl RenderedTake {
    /// Whether the layout changes anything inside the file (a new chunk or a re-layout). A take that
    /// changes nothing, and needs no recovery, is delivered byte for byte.
    pub fn changes_bytes(&self) -> bool {
        self.map.is_some()
            || self
                .layout
                .iter()
                .any(|chunk| matches!(chunk, OutChunk::New { .. }))
    }
}

/// Chunk kinds that hold one entry per channel and so move with the channels on a re-layout.
///
/// `PEAK` (peak value and position per channel) is permuted and dropped with its channels; `levl`
/// (EBU peak envelope, interleaved per channel) cannot be kept in step and is left out with a warning;
/// `chna` and `axml` (ADM) files are refused by the channel-layout step before they get here.
pub const PER_CHANNEL_CHUNKS: [&[u8; 4]; 2] = [b"PEAK", b"levl"];

/// The slate keys whose bext description lines mirror iXML (iXML wins when they disagree).
const SLATE_KEYS: [&str; 3] = ["SCENE", "TAKE", "TAPE"];

/// Render the changes of all steps into a layout, keeping every mirror coherent:
/// track names in iXML and bext, file names in iXML `HISTORY` and bext `FILENAME`, and a re-layout in
/// `fmt `, `TRACK_LIST`, bext `TRKn` lines, `FILE_UID`/`HISTORY` and the coding history.
/// `derivation` identifies the recipe so that a derived `FILE_UID` is deterministic.
pub fn render(
    source: &SourceTake,
    changes: &Changes,
    derivation: &str,
) -> Result<RenderedTake, TakeError> {
    let source_name = source
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A source name carrying terminal escapes or bidi controls is delivered with `_` in their place.
    let file_name = changes.file_name.clone().unwrap_or_else(|| {
        source_name
            .chars()
            .map(|c| {
                if rollcall_sdk::template::is_hidden_control(c) {
                    '_'
                } else {
                    c
                }
            })
            .collect()
    });
    let renamed = file_name != source_name;
    let source_tracks = source.tracks();
    let mut report = Vec::new();
    let mut warnings = changes.warnings.clone();

    if renamed {
        report.push(FieldChange {
            field: "file name".into(),
            old: Some(source_name.clone()),
            new: file_name.clone(),
        });
    }
    if let Some(folder) = &changes.folder {
        report.push(FieldChange {
            field: "folder".into(),
            old: None,
            new: folder.clone(),
        });
    }

    let map = changes.relaid.then(|| ChannelMap {
        order: changes
            .tracks
            .iter()
            .map(|t| (t.source_interleave.saturating_sub(1)) as u16)
            .collect(),
    });
    if let Some(map) = &map {
        let listing = map
            .order
            .iter()
            .enumerate()
            .map(|(out, &src)| {
                let name = source_tracks
                    .get(usize::from(src))
                    .and_then(|t| t.name.as_deref())
                    .unwrap_or("-");
                format!("{}<-{} {name}", out + 1, src + 1)
            })
            .collect::<Vec<_>>()
            .join(", ");
        report.push(FieldChange {
            field: "channels".into(),
            old: Some(source.header.fmt.channels.to_string()),
            new: format!("{}: {listing}", map.order.len()),
        });
    }

    let names_changed = changes
        .tracks
        .iter()
        .any(|t| t.name.is_some() || t.function.is_some());
    for (position, track) in changes.tracks.iter().enumerate() {
        let old = source_tracks
            .get(track.source_interleave.saturating_sub(1) as usize)
            .and_then(|t| t.name.clone());
        if let Some(name) = &track.name {
            if Some(name) != old.as_ref() {
                report.push(FieldChange {
                    field: format!("track {} name", position + 1),
                    old,
                    new: name.clone(),
                });
            }
        }
        if let Some(function) = &track.function {
            let old = source_tracks
                .get(track.source_interleave.saturating_sub(1) as usize)
                .and_then(|t| t.function.clone());
            if Some(function) != old.as_ref() {
                report.push(FieldChange {
                    field: format!("track {} function", position + 1),
                    old,
                    new: function.clone(),
                });
            }
        }
    }

    // iXML.
    let source_uid = source
        .ixml
        .as_ref()
        .and_then(|x| x.get("FILE_UID"))
        .filter(|u| !u.trim().is_empty());
    let mut ixml_edits = IxmlEdits::default();
    for (path, value) in &changes.ixml {
        ixml_edits.set.push((path.clone(), value.clone()));
    }
    let explicit_ixml = !changes.ixml.is_empty() || names_changed;
    if renamed {
        ixml_edits
            .set
            .push(("HISTORY/CURRENT_FILENAME".into(), file_name.clone()));
        let has_original = source
            .ixml
            .as_ref()
            .and_then(|x| x.get("HISTORY/ORIGINAL_FILENAME"))
            .is_some_and(|v| !v.trim().is_empty());
        if !has_original {
            ixml_edits
                .set
                .push(("HISTORY/ORIGINAL_FILENAME".into(), source_name.clone()));
        }
    }
    if changes.relaid {
        let new_uid = derive_uid(
            source_uid.as_deref().unwrap_or(&source_name),
            derivation,
            map.as_ref().map(|m| m.order.as_slice()).unwrap_or(&[]),
        );
        ixml_edits.set.push(("FILE_UID".into(), new_uid));
        if let Some(uid) = &source_uid {
            ixml_edits
                .set
                .push(("HISTORY/PARENT_UID".into(), uid.trim().to_string()));
        }
        ixml_edits
            .set
            .push(("HISTORY/PARENT_FILENAME".into(), source_name.clone()));
    }
    if changes.relaid || names_changed {
        let ixml_tracks = source.ixml.as_ref().map(Ixml::tracks).unwrap_or_default();
        let rewrites = changes
            .tracks
            .iter()
            .enumerate()
            .map(|(position, state)| {
                let found = ixml_tracks.iter().enumerate().find(|(i, t)| {
                    t.interleave_index.unwrap_or(*i as u32 + 1) == state.source_interleave
                });
                let described =
                    source_tracks.get(state.source_interleave.saturating_sub(1) as usize);
                TrackRewrite {
                    source: found.map(|(i, _)| i),
                    channel_index: found
                        .and_then(|(_, t)| t.channel_index)
                        .or_else(|| described.and_then(|t| t.channel_index))
                        .unwrap_or(state.source_interleave),
                    interleave_index: position as u32 + 1,
                    name: state.name.clone().or_else(|| {
                        found
                            .is_none()
                            .then(|| described.and_then(|t| t.name.clone()))
                            .flatten()
                    }),
                    function: state.function.clone(),
                }
            })
            .collect::<Vec<TrackRewrite>>();
        let mut rewrites = rewrites;
        if !changes.relaid {
            // A split-mono member's TRACK_LIST may describe its whole family (a Metacorder M/S
            // pair): TRACKs that are not this file's channels stay, untouched, in their place.
            let mut all: Vec<TrackRewrite> = ixml_tracks
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    rewrites
                        .iter()
                        .find(|r| r.source == Some(i))
                        .cloned()
                        .unwrap_or(TrackRewrite {
                            source: Some(i),
                            channel_index: t.channel_index.unwrap_or(i as u32 + 1),
                            interleave_index: t.interleave_index.unwrap_or(i as u32 + 1),
                            name: None,
                            function: None,
                        })
                })
                .collect();
            all.extend(rewrites.iter().filter(|r| r.source.is_none()).cloned());
            rewrites = all;
        }
        ixml_edits.tracks = Some(rewrites);
    }
    for (path, value) in &ixml_edits.set {
        let old = source.ixml.as_ref().and_then(|x| x.get(path));
        if old.as_deref() != Some(value.as_str()) {
            report.push(FieldChange {
                field: format!("iXML {path}"),
                old,
                new: value.clone(),
            });
        }
    }
    let touches_ixml = !ixml_edits.set.is_empty() || ixml_edits.tracks.is_some();
    let ixml_payload = match (&source.ixml, &source.ixml_error) {
        _ if !touches_ixml => None,
        (Some(doc), _) => Some(
            doc.edit(&ixml_edits)
                .map_err(|e| TakeError::Edit(format!("iXML edit failed: {e}")))?,
        ),
        (None, Some(reason)) => {
            return Err(TakeError::Edit(format!(
                "the iXML chunk is unreadable ({reason}), so its metadata cannot be kept in step"
            )))
        }
        (None, None) if explicit_ixml || changes.relaid => Some(
            Ixml::new_document(&ixml_edits)
                .map_err(|e| TakeError::Edit(format!("iXML could not be created: {e}")))?,
        ),
        (None, None) => None,
    };

    let ixml_payload = ixml_payload.map(even_ixml);
    let rewriting = ixml_payload.is_some() || map.is_some() || source.header.recovery.is_some();

    // bext.
    let bext_payload = match &source.bext {
        None => {
            if !changes.bext.is_empty() || !changes.description.is_empty() {
                warnings.push("the file has no bext chunk; bext edits were not applied".into());
            }
            None
        }
        Some(original) => {
            let mut bext = original.clone();
            for (field, value) in &changes.bext {
                crate::changes::set_bext_field!(bext, field.as_str(), value);
            }
            let lines = parse_description(&bext.description);
            let prefix = lines.first().map(|l| l.prefix.clone()).unwrap_or_default();
            let mut description = bext.description.clone();
            for (key, value) in &changes.description {
                description =
                    set_description_key(&description, key, &to_bext_ascii(value), &prefix);
            }
            description = mirror_ixml_lines(&description, &lines, &prefix, changes, &mut warnings);
            if renamed && lines.iter().any(|l| l.key == "FILENAME") {
                description = set_description_key(
                    &description,
                    "FILENAME",
                    &to_bext_ascii(&file_name),
                    &prefix,
                );
            }
            let zoom_spelling = lines.iter().any(|l| is_track_key(&l.key, "TR"));
            let has_track_lines =
                zoom_spelling || lines.iter().any(|l| is_track_key(&l.key, "TRK"));
            if (changes.relaid && has_track_lines) || names_changed {
                let spelling = if zoom_spelling { "TR" } else { "TRK" };
                // A re-layout, or a file without track lines, gets every track line by position (as
                // Avid reads them). Otherwise only the renamed tracks' lines change, in place; a
                // split-mono file keeps the recorder's numbering (`A101_1_2.WAV` carries `sTRK2=`).
                let rewrite_all = changes.relaid || !has_track_lines;
                let mono = changes.tracks.len() == 1;
                let names: Vec<(usize, Option<String>)> = changes
                    .tracks
                    .iter()
                    .enumerate()
                    .filter(|(_, state)| rewrite_all || state.name.is_some())
                    .map(|(position, state)| {
                        let described =
                            source_tracks.get(state.source_interleave.saturating_sub(1) as usize);
                        let number = match described.and_then(|t| t.channel_index) {
                            Some(channel) if mono && !rewrite_all => channel as usize,
                            _ => position + 1,
                        };
                        let name = state
                            .name
                            .clone()
                            .or_else(|| described.and_then(|t| t.name.clone()))
                            .map(|name| to_bext_ascii(&name));
                        (number, name)
                    })
                    .collect();
                let longest = names
                    .iter()
                    .filter_map(|(_, name)| name.as_ref().map(String::len))
                    .max()
                    .unwrap_or(0);
                // Whole lines only: when every name does not fit, names are shortened evenly (never
                // below 3 characters); failing that the bext carries no track lines at all. Either
                // way iXML keeps the full names and is authoritative.
                // The description only grows with the width, so the widest that fits is found by
                // bisection: a few renders, whatever the names' length.
                let render_at = |width: usize| {
                    with_track_lines(
                        &description,
                        &lines,
                        spelling,
                        &prefix,
                        &names,
                        width,
                        rewrite_all,
                    )
                };
                let fits = |width: usize| render_at(width).len() <= BEXT_DESCRIPTION_BYTES;
                let fitted = if fits(longest.max(3)) {
                    Some(longest.max(3))
                } else if fits(3) {
                    let (mut good, mut bad) = (3, longest.max(3));
                    while bad - good > 1 {
                        let middle = good + (bad - good) / 2;
                        if fits(middle) {
                            good = middle;
                        } else {
                            bad = middle;
                        }
                    }
                    Some(good)
                } else {
                    None
                }
                .map(|width| (width, render_at(width)));
                match fitted {
                    Some((width, text)) => {
                        if width < longest {
                            warnings.push(format!(
                                "the track names do not fit in the {BEXT_DESCRIPTION_BYTES}-byte bext description; its {spelling}n lines carry them shortened to {width} characters (iXML has them in full)"
                            ));
                        }
                        description = text;
                    }
                    None => {
                        description =
                            with_track_lines(&description, &lines, spelling, &prefix, &[], 0, true);
                        warnings.push(format!(
                            "the track names do not fit in the {BEXT_DESCRIPTION_BYTES}-byte bext description; its {spelling}n lines were removed and the names are in iXML only"
                        ));
                    }
                }
            }
            let disagreements = slate_disagreements(source, changes, &description);
            if !disagreements.is_empty() {
                let in_step =
                    rewriting || description != original.description || !changes.bext.is_empty();
                for (key, bext_value, ixml_value) in &disagreements {
                    let line = lines.iter().find(|l| &l.key == key);
                    let shown = line.map_or(key.clone(), |l| format!("{}{}", l.prefix, l.key));
                    if in_step {
                        description = set_description_key(
                            &description,
                            key,
                            &to_bext_ascii(ixml_value),
                            &prefix,
                        );
                        warnings.push(format!(
                            "slate disagreement: bext {shown}={bext_value} but iXML {key}={ixml_value}; iXML wins and the bext line now says {ixml_value}"
                        ));
                    } else {
                        warnings.push(format!(
                            "slate disagreement: bext {shown}={bext_value} but iXML {key}={ixml_value}; the file is delivered verbatim, so the bext line is left as recorded"
                        ));
                    }
                }
            }
            if description.len() > BEXT_DESCRIPTION_BYTES {
                return Err(TakeError::Edit(format!(
                    "the bext description would be {} bytes, more than the {BEXT_DESCRIPTION_BYTES} bext allows",
                    description.len()
                )));
            }
            bext.description = description;
            if changes.relaid {
                let fmt = &source.header.fmt;
                let channels = changes.tracks.len();
                let mode = match channels {
                    1 => "mono",
                    2 => "dual-mono",
                    _ => "multitrack",
                };
                if !bext.coding_history.is_empty() && !bext.coding_history.ends_with("\r\n") {
                    bext.coding_history.push_str("\r\n");
                }
                bext.coding_history.push_str(&format!(
                    "A=PCM,F={},W={},M={mode},T=rollcall {};re-layout {}\r\n",
                    fmt.sample_rate,
                    fmt.bits_per_sample,
                    env!("CARGO_PKG_VERSION"),
                    changes
                        .tracks
                        .iter()
                        .map(|t| t.source_interleave.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ));
            }
            // bext text is read leniently (a Latin-1 byte is that character). When the chunk is
            // written anew, its text is written as ASCII: each line the recorder wrote with other
            // characters is transliterated, and said. A chunk left as it is stays byte for byte.
            if bext != *original {
                if !bext.description.is_ascii() {
                    for line in bext.description.split("\r\n").filter(|l| !l.is_ascii()) {
                        warnings.push(format!(
                            "bext description line `{line}` is not plain ASCII; written as `{}`",
                            ascii_text(line)
                        ));
                    }
                    let ascii = ascii_text(&bext.description);
                    if ascii.len() > BEXT_DESCRIPTION_BYTES {
                        return Err(TakeError::Edit(format!(
                            "the bext description would be {} bytes in ASCII, more than the {BEXT_DESCRIPTION_BYTES} bext allows; its lines not in ASCII: {}",
                            ascii.len(),
                            bext.description
                                .split("\r\n")
                                .filter(|l| !l.is_ascii())
                                .collect::<Vec<_>>()
                                .join(" | ")
                        )));
                    }
                    bext.description = ascii;
                }
                for text in [
                    &mut bext.originator,
                    &mut bext.originator_reference,
                    &mut bext.origination_date,
                    &mut bext.origination_time,
                    &mut bext.coding_history,
                ] {
                    if !text.is_ascii() {
                        *text = ascii_text(text);
                    }
                }
            }
            if bext == *original {
                None
            } else {
                report.extend(description_changes(
                    &original.description,
                    &bext.description,
                ));
                if original.coding_history != bext.coding_history {
                    let appended = bext
                        .coding_history
                        .strip_prefix(original.coding_history.as_str())
                        .filter(|_| !original.coding_history.is_empty());
                    report.push(match appended {
                        Some(line) => FieldChange {
                            field: "bext coding history".into(),
                            old: None,
                            new: format!("+ {}", line.trim_end()),
                        },
                        None => FieldChange {
                            field: "bext coding history".into(),
                            old: Some(original.coding_history.clone()),
                            new: bext.coding_history.clone(),
                        },
                    });
                }
                for (field, old, new) in [
                    ("originator", &original.originator, &bext.originator),
                    (
                        "originator reference",
                        &original.originator_reference,
                        &bext.originator_reference,
                    ),
                    (
                        "origination date",
                        &original.origination_date,
                        &bext.origination_date,
                    ),
                    (
                        "origination time",
                        &original.origination_time,
                        &bext.origination_time,
                    ),
                ] {
                    if old != new {
                        report.push(FieldChange {
                            field: format!("bext {field}"),
                            old: Some(old.clone()),
                            new: new.clone(),
                        });
                    }
                }
                if original.time_reference != bext.time_reference {
                    report.push(FieldChange {
                        field: "bext time reference".into(),
                        old: Some(original.time_reference.to_string()),
                        new: bext.time_reference.to_string(),
                    });
                }
                Some(bext_bytes(&bext, source)?)
            }
        }
    };

    // Layout, in source order.
    let header = &source.header;
    let mut layout = Vec::with_capacity(header.chunks.len() + 1);
    for (index, chunk) in header.chunks.iter().enumerate() {
        if index == header.data_index {
            if source.ixml_chunk.is_none() {
                if let Some(payload) = &ixml_payload {
                    layout.push(OutChunk::New {
                        id: *b"iXML",
                        payload: payload.clone(),
                    });
                }
            }
            layout.push(OutChunk::Audio);
        } else if changes.relaid && PER_CHANNEL_CHUNKS.contains(&&chunk.id) {
            match (&chunk.id, &source.peak) {
                (b"PEAK", Some(peak)) => match relaid_peak(peak, header.fmt.channels, &map) {
                    Some(payload) => layout.push(OutChunk::New {
                        id: *b"PEAK",
                        payload,
                    }),
                    None => warnings.push(
                        "the PEAK chunk does not describe every channel, so it was left out of the re-laid file"
                            .into(),
                    ),
                },
                _ => warnings.push(format!(
                    "the {} chunk holds per-channel data that cannot follow a re-layout, so it was left out",
                    chunk.id_str().trim_end()
                )),
            }
        } else if &chunk.id == b"fmt " && changes.relaid {
            let fmt = header.fmt.relaid(changes.tracks.len() as u16);
            layout.push(OutChunk::New {
                id: *b"fmt ",
                payload: fmt.to_bytes(&header.fmt_payload),
            });
        } else if Some(index) == source.bext_chunk && bext_payload.is_some() {
            if let Some(payload) = &bext_payload {
                layout.push(OutChunk::New {
                    id: *b"bext",
                    payload: payload.clone(),
                });
            }
        } else if Some(index) == source.ixml_chunk && ixml_payload.is_some() {
            if let Some(payload) = &ixml_payload {
                layout.push(OutChunk::New {
                    id: *b"iXML",
                    payload: payload.clone(),
                });
            }
        } else {
            layout.push(OutChunk::Copy(chunk.clone()));
        }
    }

    Ok(RenderedTake {
        layout,
        map,
        file_name,
        folder: changes.folder.clone(),
        changes: report,
        warnings,
    })
}

/// iXML elements whose bext description line (`sSCENE=`, `gNOTE=`, `CIRCLED=`) a step's `SetIxml`
/// keeps in step, as the iXML usage rules ask of writers.
pub const MIRRORED_DESCRIPTION_KEYS: [&str; 5] = ["SCENE", "TAKE", "TAPE", "NOTE", "CIRCLED"];

/// Most characters of a note carried in the bext description (iXML `NOTE` keeps it whole).
const BEXT_NOTE_CHARS: usize = 64;

/// The description with the lines of [`MIRRORED_DESCRIPTION_KEYS`] set from the steps' iXML edits
/// (ASCII, the file's vendor prefix), unless a step set that description key itself. A free-text
/// description (not `KEY=value` lines) is left alone. A note is cut to what fits (at most
/// [`BEXT_NOTE_CHARS`] characters), with a warning.
fn mirror_ixml_lines(
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
fn is_track_key(key: &str, spelling: &str) -> bool {
    key.strip_prefix(spelling)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A deterministic `FILE_UID` for derived audio: a function of the parent's id, the recipe and the
/// channel order, never random, so a rerun writes the same bytes.
pub fn derive_uid(parent: &str, derivation: &str, order: &[u16]) -> String {
    let mut seed = Vec::with_capacity(parent.len() + derivation.len() + order.len() * 2 + 2);
    seed.extend_from_slice(parent.as_bytes());
    seed.push(0);
    seed.extend_from_slice(derivation.as_bytes());
    seed.push(0);
    for channel in order {
        seed.extend_from_slice(&channel.to_le_bytes());
    }
    format!("RC{:030X}", xxhash_rust::xxh3::xxh3_128(&seed) >> 8)
}

/// The description's `KEY=value` lines that differ, one change per key (`bext sFILENAME`).
fn description_changes(old: &str, new: &str) -> Vec<FieldChange> {
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
fn with_track_lines(
    description: &str,
    lines: &[rollcall_wav::DescriptionLine],
    spelling: &str,
    prefix: &str,
    names: &[(usize, Option<String>)],
    width: usize,
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
            let short: String = name.chars().take(width).collect();
            text = set_description_key(
                &text,
                &format!("{spelling}{number}"),
                short.trim_end(),
                prefix,
            );
        }
    }
    text
}

/// The encoded bext, keeping the source chunk's size when the edit fits (recorders reserve room after
/// the coding history, and Zoom aligns `data` to 128 KiB behind it); a chunk that has to grow is
/// NUL-padded to an even size, since some readers (hound 3.5) ignore the RIFF pad byte.
fn bext_bytes(bext: &rollcall_wav::Bext, source: &SourceTake) -> Result<Vec<u8>, TakeError> {
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

/// The `PEAK` payload for the re-laid channels: version and timestamp kept, one 8-byte entry (value,
/// position) per output channel taken from its source channel. `None` when the chunk does not hold
/// exactly one entry per source channel.
fn relaid_peak(peak: &[u8], channels: u16, map: &Option<ChannelMap>) -> Option<Vec<u8>> {
    let map = map.as_ref()?;
    let entries = peak.get(8..)?;
    if entries.len() != usize::from(channels) * 8 {
        return None;
    }
    let mut payload = peak.get(..8)?.to_vec();
    for &source in &map.order {
        let at = usize::from(source) * 8;
        payload.extend_from_slice(entries.get(at..at + 8)?);
    }
    Some(payload)
}

/// An iXML payload of even length, so the chunk needs no pad byte (libsndfile's RF64 reader does not
/// skip one): a trailing NUL or space is dropped, or a newline added after the document.
fn even_ixml(mut payload: Vec<u8>) -> Vec<u8> {
    if payload.len() % 2 == 1 {
        match payload.last() {
            Some(0 | b' ') => {
                payload.pop();
            }
            _ => payload.push(b'\n'),
        }
    }
    payload
}

/// The slate keys whose bext description line (as it will be written) disagrees with iXML (as it will
/// be written): `(key, bext value, iXML value)`.
fn slate_disagreements(
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
fn ascii_text(text: &str) -> String {
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
