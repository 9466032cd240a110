//! Turning collected changes into the chunk layout and channel map the writer streams.

use rollcall_ixml::{Ixml, IxmlEdits, TrackRewrite};
use rollcall_wav::{parse_description, set_description_key};
use rollcall_wav::{ChannelMap, OutChunk};

use crate::ascii::to_bext_ascii;
use crate::changes::Changes;
use crate::description::*;
use crate::source::SourceTake;
use crate::track_name::{shorten_track_name, DEFAULT_BEXT_NAME_WIDTH};
use crate::TakeError;

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
                // Whole lines only, at one width for the whole show: the recipe's budget (the
                // `track-names` step's `bext_name_width`) or, without one, the names in full when
                // they fit and else cut to the default width. A take whose description cannot hold
                // the lines at that width carries no track lines at all, never a narrower width of
                // its own, so a late take changes no delivered file. iXML keeps the full names and
                // is authoritative.
                let render_with = |names: &[(usize, Option<String>)]| {
                    with_track_lines(&description, &lines, spelling, &prefix, names, rewrite_all)
                };
                let cut_to = |width: usize| -> Vec<(usize, Option<String>)> {
                    names
                        .iter()
                        .map(|(number, name)| {
                            (
                                *number,
                                name.as_deref().map(|n| shorten_track_name(n, width)),
                            )
                        })
                        .collect()
                };
                // The lines, and the default width when names had to be cut without a budget.
                let (candidate, cut_by_default) = match changes.bext_name_width {
                    Some(width) => (render_with(&cut_to(width)), false),
                    None => {
                        let full = render_with(&names);
                        if full.len() <= BEXT_DESCRIPTION_BYTES {
                            (full, false)
                        } else {
                            (render_with(&cut_to(DEFAULT_BEXT_NAME_WIDTH)), true)
                        }
                    }
                };
                if candidate.len() <= BEXT_DESCRIPTION_BYTES {
                    if cut_by_default {
                        warnings.push(format!(
                            "the track names do not fit in the {BEXT_DESCRIPTION_BYTES}-byte bext description; its {spelling}n lines carry them shortened to {DEFAULT_BEXT_NAME_WIDTH} characters (iXML has them in full)"
                        ));
                    }
                    description = candidate;
                } else {
                    description =
                        with_track_lines(&description, &lines, spelling, &prefix, &[], true);
                    warnings.push(format!(
                        "the track names do not fit in the {BEXT_DESCRIPTION_BYTES}-byte bext description; its {spelling}n lines were removed and the names are in iXML only"
                    ));
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
