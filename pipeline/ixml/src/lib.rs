//! iXML model and byte-preserving editor.
//!
//! [`Ixml::parse`] reads an iXML chunk payload into an index of element byte spans, built from
//! `quick-xml` events. [`Ixml::edit`] produces a new payload by splicing: only the content of the
//! edited elements (and the places where new elements are created) change, every other byte of
//! the original document is carried over as it was.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;

mod edit;
mod index;
mod timecode;

use edit::*;
use index::*;

pub use timecode::format_timecode;

/// Largest iXML payload accepted, in bytes.
pub const MAX_PAYLOAD_LEN: usize = 16 * 1024 * 1024;
/// Most `TRACK` elements accepted in a `TRACK_LIST` (read or written).
pub const MAX_TRACKS: usize = 1024;
/// Deepest element nesting accepted (the `BWFXML` root is level 1).
pub const MAX_DEPTH: usize = 64;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 65_536;

const ROOT_NAME: &str = "BWFXML";
const ROOT: usize = 0;

/// Why an iXML payload could not be read or edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IxmlError {
    /// The payload is over [`MAX_PAYLOAD_LEN`].
    #[error("iXML payload is {len} bytes, more than the 16 MiB limit")]
    TooLarge {
        /// Payload length in bytes.
        len: usize,
    },
    /// The payload holds nothing but padding.
    #[error("iXML payload is empty")]
    Empty,
    /// The XML is not well formed.
    #[error("iXML is not well-formed XML at byte {position}: {reason}")]
    Malformed {
        /// Byte offset of the problem in the payload.
        position: u64,
        /// What the XML reader reported.
        reason: String,
    },
    /// The document ends before an element is closed.
    #[error("iXML document ends inside <{element}>")]
    Unclosed {
        /// Name of the innermost open element.
        element: String,
    },
    /// The payload is UTF-16 text (a byte order mark, or NUL bytes between ASCII characters).
    #[error("iXML is UTF-16 encoded; iXML is UTF-8 text")]
    Utf16,
    /// The document has no element at all.
    #[error("iXML has no root element")]
    NoRoot,
    /// The root element is not `BWFXML`.
    #[error("iXML root element is <{found}>, not <BWFXML>")]
    WrongRoot {
        /// Name of the root element found.
        found: String,
    },
    /// Elements nest deeper than [`MAX_DEPTH`].
    #[error("iXML elements nest deeper than 64 levels")]
    TooDeep,
    /// The document has more than [`MAX_ELEMENTS`] elements.
    #[error("iXML has more than 65536 elements")]
    TooManyElements,
    /// A `TRACK_LIST` holds, or an edit asks for, more than [`MAX_TRACKS`] tracks.
    #[error("iXML TRACK_LIST has {count} tracks, more than the 1024 limit")]
    TooManyTracks {
        /// Number of tracks found or asked for.
        count: usize,
    },
    /// An edit path is empty or has a segment that is not an XML element name.
    #[error("invalid iXML path {path:?}")]
    InvalidPath {
        /// The path as given.
        path: String,
    },
    /// An edit sets text on an element that has child elements.
    #[error("iXML element {path} has child elements, so its text cannot be set")]
    NotALeaf {
        /// The path as given.
        path: String,
    },
    /// An edit creates an element inside an element that holds text.
    #[error("iXML element {path} holds text, so no element can be created inside it")]
    NotAContainer {
        /// The path as given.
        path: String,
    },
    /// A track rewrite names a source track that does not exist.
    #[error("track rewrite refers to source track {index}, but the document has {count} tracks")]
    TrackSourceOutOfRange {
        /// The source index asked for.
        index: usize,
        /// Number of tracks in the document.
        count: usize,
    },
    /// Two edits touch the same element in incompatible ways.
    #[error("conflicting iXML edits: {reason}")]
    Conflict {
        /// Which edits conflict.
        reason: String,
    },
    /// The edited document failed to parse again (a bug in the editor).
    #[error("edited iXML no longer parses: {reason}")]
    EditBroke {
        /// The parse error of the edited document.
        reason: String,
    },
}

/// One `TRACK_LIST/TRACK` element as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IxmlTrack {
    /// `CHANNEL_INDEX`: the recorder's track number (None when absent or not a number).
    pub channel_index: Option<u32>,
    /// `INTERLEAVE_INDEX`: the 1-based position of the channel in this file.
    pub interleave_index: Option<u32>,
    /// `NAME` text (None when absent, Some("") when empty).
    pub name: Option<String>,
    /// `FUNCTION` text (None when absent, Some("") when empty).
    pub function: Option<String>,
}

/// Changes to apply to an iXML document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IxmlEdits {
    /// Leaf element path below `BWFXML` and its new text; missing elements (and parents) are created.
    pub set: Vec<(String, String)>,
    /// New `TRACK_LIST` content in the new order; None leaves `TRACK_LIST` untouched.
    pub tracks: Option<Vec<TrackRewrite>>,
}

/// One `TRACK` of a rewritten `TRACK_LIST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRewrite {
    /// Index into [`Ixml::tracks`] of the `TRACK` copied, or None for a new `TRACK`.
    pub source: Option<usize>,
    /// New `CHANNEL_INDEX`.
    pub channel_index: u32,
    /// New `INTERLEAVE_INDEX`.
    pub interleave_index: u32,
    /// New `NAME`, or None to keep the source's.
    pub name: Option<String>,
    /// New `FUNCTION`, or None to keep the source's.
    pub function: Option<String>,
}

/// Byte spans of one element in the (unpadded) document.
#[derive(Debug, Clone)]
struct Element {
    name: String,
    children: Vec<usize>,
    depth: usize,
    /// Start of whitespace-only text directly before the start tag (== `start` when none).
    lead_start: usize,
    /// The `<` of the start tag.
    start: usize,
    /// Just after the `>` of the start tag.
    start_tag_end: usize,
    /// The `<` of the end tag (== `end` for a self-closing element).
    end_tag_start: usize,
    /// Just after the end tag.
    end: usize,
    self_closing: bool,
    /// Unescaped text and CDATA directly inside the element.
    text: String,
    /// End of the last child node that is not whitespace-only text (`start_tag_end` when none).
    last_significant_end: usize,
}

/// A parsed iXML document: the original payload bytes and an index of its elements.
#[derive(Debug, Clone)]
pub struct Ixml {
    payload: Vec<u8>,
    /// Length of the document without trailing padding.
    doc_len: usize,
    /// The padding byte (space or NUL) when the payload had trailing padding.
    pad_byte: Option<u8>,
    elements: Vec<Element>,
    newline: &'static str,
    indent_unit: String,
}

/// True when a payload starts like UTF-16 text: a UTF-16 byte order mark, or `<` next to a NUL byte.
fn is_utf16(payload: &[u8]) -> bool {
    matches!(
        payload,
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] | [b'<', 0, ..] | [0, b'<', ..]
    )
}

impl Ixml {
    /// Parses an iXML chunk payload (trailing NUL/space padding, BOM, control bytes tolerated).
    pub fn parse(payload: &[u8]) -> Result<Ixml, IxmlError> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(IxmlError::TooLarge { len: payload.len() });
        }
        if is_utf16(payload) {
            return Err(IxmlError::Utf16);
        }
        let doc_len = payload
            .iter()
            .rposition(|&b| b != 0 && b != b' ')
            .map_or(0, |p| p + 1);
        if doc_len == 0 {
            return Err(IxmlError::Empty);
        }
        let pad_byte = if doc_len < payload.len() {
            payload.last().copied()
        } else {
            None
        };
        let doc = payload.get(..doc_len).unwrap_or_default();
        let elements = index_elements(doc)?;
        let root = elements.first().ok_or(IxmlError::NoRoot)?;
        if root.name != ROOT_NAME {
            return Err(IxmlError::WrongRoot {
                found: root.name.clone(),
            });
        }
        let newline = if contains(doc, b"\r\n") {
            "\r\n"
        } else if doc.contains(&b'\n') {
            "\n"
        } else {
            ""
        };
        let mut ixml = Ixml {
            payload: payload.to_vec(),
            doc_len,
            pad_byte,
            elements,
            newline,
            indent_unit: String::new(),
        };
        ixml.indent_unit = ixml.detect_indent_unit();
        let track_count = ixml.track_nodes().len();
        if track_count > MAX_TRACKS {
            return Err(IxmlError::TooManyTracks { count: track_count });
        }
        Ok(ixml)
    }

    /// The original payload bytes, untouched (padding included).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Unescaped text of the leaf element at `path` below `BWFXML` (first match); None when absent.
    ///
    /// Text is returned as written (not trimmed). Elements with child elements give None.
    pub fn get(&self, path: &str) -> Option<String> {
        let segments = split_path(path)?;
        let node = self.find(ROOT, &segments)?;
        let element = self.elements.get(node)?;
        element.children.is_empty().then(|| element.text.clone())
    }

    /// Every leaf element path below `BWFXML` and its text, `TRACK_LIST` excluded; first match wins.
    pub fn leaf_values(&self) -> BTreeMap<String, String> {
        let mut values = BTreeMap::new();
        let mut stack: Vec<(usize, String)> = self
            .children(ROOT)
            .iter()
            .rev()
            .filter(|&&c| self.name(c) != "TRACK_LIST")
            .map(|&c| (c, self.name(c).to_string()))
            .collect();
        while let Some((node, path)) = stack.pop() {
            let children = self.children(node);
            if children.is_empty() {
                if let Some(element) = self.elements.get(node) {
                    values.entry(path).or_insert_with(|| element.text.clone());
                }
            } else {
                for &c in children.iter().rev() {
                    stack.push((c, format!("{path}/{}", self.name(c))));
                }
            }
        }
        values
    }

    /// The `TRACK_LIST/TRACK` elements in document order.
    pub fn tracks(&self) -> Vec<IxmlTrack> {
        self.track_nodes()
            .into_iter()
            .map(|t| IxmlTrack {
                channel_index: self.child_text(t, "CHANNEL_INDEX").and_then(parse_u32),
                interleave_index: self.child_text(t, "INTERLEAVE_INDEX").and_then(parse_u32),
                name: self.child_text(t, "NAME").map(str::to_string),
                function: self.child_text(t, "FUNCTION").map(str::to_string),
            })
            .collect()
    }

    /// Applies `edits` and returns the new payload; the original bytes when nothing changes.
    pub fn edit(&self, edits: &IxmlEdits) -> Result<Vec<u8>, IxmlError> {
        let mut plan = Plan::default();
        if let Some(rewrites) = &edits.tracks {
            if let Some((path, _)) = edits
                .set
                .iter()
                .find(|(p, _)| split_path(p).and_then(|s| s.first().copied()) == Some("TRACK_LIST"))
            {
                return Err(IxmlError::Conflict {
                    reason: format!("{path} is set while TRACK_LIST is rewritten"),
                });
            }
            self.plan_tracks(&mut plan, rewrites)?;
        }
        for (path, value) in &edits.set {
            plan.set(self, ROOT, path, value)?;
        }
        let splices = plan.finish(self)?;
        let doc = self.doc();
        if splices.is_empty() {
            return Ok(self.payload.clone());
        }
        let mut out = apply_splices(doc, 0, &splices);
        if out == doc {
            return Ok(self.payload.clone());
        }
        if let Some(pad) = self.pad_byte {
            if out.len() <= self.payload.len() {
                out.resize(self.payload.len(), pad);
            }
        }
        Ixml::parse(&out).map_err(|e| IxmlError::EditBroke {
            reason: e.to_string(),
        })?;
        Ok(out)
    }

    /// A fresh minimal iXML document (`IXML_VERSION` 2.10) with `edits` applied, for files without one.
    pub fn new_document(edits: &IxmlEdits) -> Result<Vec<u8>, IxmlError> {
        const TEMPLATE: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<BWFXML>\r\n\t<IXML_VERSION>2.10</IXML_VERSION>\r\n</BWFXML>\r\n";
        let template = Ixml::parse(TEMPLATE)?;
        template.edit(edits)
    }

    fn doc(&self) -> &[u8] {
        self.payload.get(..self.doc_len).unwrap_or_default()
    }

    fn bytes(&self, start: usize, end: usize) -> &[u8] {
        self.doc().get(start..end).unwrap_or_default()
    }

    fn name(&self, node: usize) -> &str {
        self.elements.get(node).map_or("", |e| e.name.as_str())
    }

    fn children(&self, node: usize) -> &[usize] {
        self.elements
            .get(node)
            .map_or(&[][..], |e| e.children.as_slice())
    }

    fn child(&self, node: usize, name: &str) -> Option<usize> {
        self.children(node)
            .iter()
            .copied()
            .find(|&c| self.name(c) == name)
    }

    fn find(&self, base: usize, segments: &[&str]) -> Option<usize> {
        segments
            .iter()
            .try_fold(base, |node, segment| self.child(node, segment))
    }

    fn child_text(&self, node: usize, name: &str) -> Option<&str> {
        let child = self.child(node, name)?;
        let element = self.elements.get(child)?;
        element.children.is_empty().then_some(element.text.as_str())
    }

    fn track_nodes(&self) -> Vec<usize> {
        self.child(ROOT, "TRACK_LIST")
            .map_or_else(Vec::new, |list| {
                self.children(list)
                    .iter()
                    .copied()
                    .filter(|&c| self.name(c) == "TRACK")
                    .collect()
            })
    }

    /// The whitespace after the last newline before the element's start tag, when it starts a line.
    fn line_indent(&self, node: usize) -> Option<String> {
        let element = self.elements.get(node)?;
        let lead = self.bytes(element.lead_start, element.start);
        let newline = lead.iter().rposition(|&b| b == b'\n')?;
        let indent = lead.get(newline + 1..)?;
        Some(String::from_utf8_lossy(indent).into_owned())
    }

    fn detect_indent_unit(&self) -> String {
        if self.newline.is_empty() {
            return String::new();
        }
        self.children(ROOT)
            .first()
            .and_then(|&c| self.line_indent(c))
            .unwrap_or_else(|| "\t".to_string())
    }

    /// Indentation of the element's own start tag.
    fn indent_of(&self, node: usize) -> String {
        if self.newline.is_empty() || node == ROOT {
            return String::new();
        }
        self.line_indent(node).unwrap_or_else(|| {
            let depth = self.elements.get(node).map_or(0, |e| e.depth);
            self.indent_unit.repeat(depth)
        })
    }

    /// How a new child element of `node` is laid out: like its last child, or one level deeper.
    fn child_layout(&self, node: usize) -> Layout {
        match self.children(node).last() {
            _ if self.newline.is_empty() => Layout::inline(),
            Some(&last) => self.sibling_layout(last),
            None => Layout {
                newline: self.newline,
                indent: self.indent_of(node) + &self.indent_unit,
                unit: self.indent_unit.clone(),
            },
        }
    }

    /// Layout of a new element placed next to `sibling`: on its own line when the sibling is.
    fn sibling_layout(&self, sibling: usize) -> Layout {
        match self.line_indent(sibling) {
            Some(indent) if !self.newline.is_empty() => Layout {
                newline: self.newline,
                indent,
                unit: self.indent_unit.clone(),
            },
            _ => Layout::inline(),
        }
    }

    /// The start tag of a self-closing element, rewritten as an opening tag.
    fn opening_tag_of_empty(&self, element: &Element) -> Vec<u8> {
        let tag = self.bytes(element.start, element.end);
        let open = tag.strip_suffix(b"/>").unwrap_or(tag);
        // `<A //>` is self-closing too: drop every trailing `/` so the new start tag is not.
        let keep = open
            .iter()
            .rposition(|&b| b != b'/' && !b.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        let mut open = open.get(..keep).unwrap_or(open).to_vec();
        open.push(b'>');
        open
    }

    fn plan_tracks(&self, plan: &mut Plan, rewrites: &[TrackRewrite]) -> Result<(), IxmlError> {
        if rewrites.len() > MAX_TRACKS {
            return Err(IxmlError::TooManyTracks {
                count: rewrites.len(),
            });
        }
        let track_nodes = self.track_nodes();
        if let Some(index) = rewrites
            .iter()
            .filter_map(|r| r.source)
            .find(|&i| i >= track_nodes.len())
        {
            return Err(IxmlError::TrackSourceOutOfRange {
                index,
                count: track_nodes.len(),
            });
        }
        let count = rewrites.len().to_string();
        let Some(list) = self.child(ROOT, "TRACK_LIST") else {
            let mut children = vec![NewElement::leaf("TRACK_COUNT", &count)];
            children.extend(rewrites.iter().map(new_track));
            plan.push_new(
                ROOT,
                NewElement {
                    name: "TRACK_LIST".to_string(),
                    text: None,
                    children,
                },
            );
            return Ok(());
        };
        plan.set(self, list, "TRACK_COUNT", &count)?;
        let (Some(&first), Some(first_element)) = (
            track_nodes.first(),
            track_nodes.first().and_then(|&t| self.elements.get(t)),
        ) else {
            for rewrite in rewrites {
                plan.push_new(list, new_track(rewrite));
            }
            return Ok(());
        };
        let lead = self.bytes(first_element.lead_start, first_element.start);
        let layout = self.sibling_layout(first);
        let mut rendered = Vec::new();
        for rewrite in rewrites {
            rendered.extend_from_slice(lead);
            match rewrite.source.and_then(|i| track_nodes.get(i)) {
                Some(&source) => rendered.extend(self.rewrite_track(source, rewrite)?),
                None => {
                    let mut text = String::new();
                    new_track(rewrite).render(&layout, &mut text);
                    rendered.extend_from_slice(text.as_bytes());
                }
            }
        }
        plan.splices.push(Splice {
            start: first_element.lead_start,
            end: first_element.end,
            bytes: rendered,
        });
        for element in track_nodes
            .iter()
            .skip(1)
            .filter_map(|&t| self.elements.get(t))
        {
            plan.splices.push(Splice {
                start: element.lead_start,
                end: element.end,
                bytes: Vec::new(),
            });
        }
        Ok(())
    }

    /// The bytes of TRACK element `source` with the rewrite's children changed.
    fn rewrite_track(&self, source: usize, rewrite: &TrackRewrite) -> Result<Vec<u8>, IxmlError> {
        let element = self.elements.get(source).ok_or(IxmlError::Conflict {
            reason: "track element missing from index".to_string(),
        })?;
        let mut plan = Plan::default();
        // An index that already says this value is left byte for byte as it is.
        for (tag, value) in [
            ("CHANNEL_INDEX", rewrite.channel_index),
            ("INTERLEAVE_INDEX", rewrite.interleave_index),
        ] {
            if self.child_text(source, tag).and_then(parse_u32) != Some(value) {
                plan.set(self, source, tag, &value.to_string())?;
            }
        }
        if let Some(name) = &rewrite.name {
            plan.set(self, source, "NAME", name)?;
        }
        if let Some(function) = &rewrite.function {
            plan.set(self, source, "FUNCTION", function)?;
        }
        let splices = plan.finish(self)?;
        Ok(apply_splices(
            self.bytes(element.start, element.end),
            element.start,
            &splices,
        ))
    }
}

/// Splits "A/B/C" into segments; None for an empty path or an empty segment.
fn split_path(path: &str) -> Option<Vec<&str>> {
    let segments: Vec<&str> = path.split('/').collect();
    (!path.is_empty() && segments.iter().all(|s| !s.is_empty())).then_some(segments)
}

/// Whether `name` can be written as an element name without escaping.
fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    first_ok && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

/// Escapes text for element content (`&`, `<`, `>`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn parse_u32(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
