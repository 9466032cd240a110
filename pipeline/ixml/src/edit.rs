//! Planning an edit of an iXML document: splices into the original bytes, new elements laid out as the document is.

use super::*;

pub(crate) fn new_track(rewrite: &TrackRewrite) -> NewElement {
    let mut children = vec![
        NewElement::leaf("CHANNEL_INDEX", &rewrite.channel_index.to_string()),
        NewElement::leaf("INTERLEAVE_INDEX", &rewrite.interleave_index.to_string()),
    ];
    if let Some(name) = &rewrite.name {
        children.push(NewElement::leaf("NAME", name));
    }
    if let Some(function) = &rewrite.function {
        children.push(NewElement::leaf("FUNCTION", function));
    }
    NewElement {
        name: "TRACK".to_string(),
        text: None,
        children,
    }
}

/// A replacement of `start..end` of the document by `bytes`.
#[derive(Debug, Clone)]
pub(crate) struct Splice {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) bytes: Vec<u8>,
}

/// An element to be created.
#[derive(Debug, Clone)]
pub(crate) struct NewElement {
    pub(crate) name: String,
    pub(crate) text: Option<String>,
    pub(crate) children: Vec<NewElement>,
}

impl NewElement {
    pub(crate) fn leaf(name: &str, text: &str) -> NewElement {
        NewElement {
            name: name.to_string(),
            text: Some(text.to_string()),
            children: Vec::new(),
        }
    }

    pub(crate) fn container(name: &str) -> NewElement {
        NewElement {
            name: name.to_string(),
            text: None,
            children: Vec::new(),
        }
    }

    /// Writes the element, whose start tag sits at `layout.indent`, with its children a level deeper.
    pub(crate) fn render(&self, layout: &Layout, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        out.push('>');
        if let Some(text) = &self.text {
            out.push_str(&escape(text));
        }
        if !self.children.is_empty() {
            let inner = Layout {
                newline: layout.newline,
                indent: format!("{}{}", layout.indent, layout.unit),
                unit: layout.unit.clone(),
            };
            for child in &self.children {
                out.push_str(inner.newline);
                out.push_str(&inner.indent);
                child.render(&inner, out);
            }
            out.push_str(layout.newline);
            out.push_str(&layout.indent);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// Whitespace around a new element: the line break, its indentation, one level of indentation.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) newline: &'static str,
    pub(crate) indent: String,
    pub(crate) unit: String,
}

impl Layout {
    /// Everything on one line, no whitespace added.
    pub(crate) fn inline() -> Layout {
        Layout {
            newline: "",
            indent: String::new(),
            unit: String::new(),
        }
    }
}

/// Edits collected before they are turned into splices.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Existing leaf element -> new text (later sets win).
    pub(crate) leaf_sets: BTreeMap<usize, (String, String)>,
    /// Existing element -> new child elements to append.
    pub(crate) new_children: BTreeMap<usize, Vec<NewElement>>,
    pub(crate) splices: Vec<Splice>,
}

impl Plan {
    pub(crate) fn set(
        &mut self,
        ixml: &Ixml,
        base: usize,
        path: &str,
        value: &str,
    ) -> Result<(), IxmlError> {
        let invalid = || IxmlError::InvalidPath {
            path: path.to_string(),
        };
        let segments = split_path(path).ok_or_else(invalid)?;
        if !segments.iter().all(|s| is_element_name(s)) {
            return Err(invalid());
        }
        let mut node = base;
        let mut matched = 0;
        for segment in &segments {
            match ixml.child(node, segment) {
                Some(child) => {
                    node = child;
                    matched += 1;
                }
                None => break,
            }
        }
        let element = ixml.elements.get(node).ok_or_else(invalid)?;
        let Some(missing) = segments.get(matched..).filter(|m| !m.is_empty()) else {
            if !element.children.is_empty() {
                return Err(IxmlError::NotALeaf {
                    path: path.to_string(),
                });
            }
            self.leaf_sets
                .insert(node, (path.to_string(), value.to_string()));
            return Ok(());
        };
        if element.children.is_empty() && !element.text.trim().is_empty() {
            return Err(IxmlError::NotAContainer {
                path: path.to_string(),
            });
        }
        let mut list = self.new_children.entry(node).or_default();
        let last = missing.len() - 1;
        for (i, segment) in missing.iter().enumerate() {
            let position = match list.iter().position(|e| e.name == *segment) {
                Some(p) => p,
                None => {
                    list.push(NewElement::container(segment));
                    list.len() - 1
                }
            };
            let Some(new_element) = list.get_mut(position) else {
                return Err(invalid());
            };
            if i == last {
                if !new_element.children.is_empty() {
                    return Err(IxmlError::NotALeaf {
                        path: path.to_string(),
                    });
                }
                new_element.text = Some(value.to_string());
                return Ok(());
            }
            if new_element.text.is_some() {
                return Err(IxmlError::NotAContainer {
                    path: path.to_string(),
                });
            }
            list = &mut new_element.children;
        }
        Ok(())
    }

    pub(crate) fn push_new(&mut self, node: usize, element: NewElement) {
        self.new_children.entry(node).or_default().push(element);
    }

    /// Turns the plan into sorted, non-overlapping splices.
    pub(crate) fn finish(mut self, ixml: &Ixml) -> Result<Vec<Splice>, IxmlError> {
        for (&node, (path, value)) in &self.leaf_sets {
            let Some(element) = ixml.elements.get(node) else {
                continue;
            };
            if self.new_children.contains_key(&node) {
                return Err(IxmlError::Conflict {
                    reason: format!("{path} is set and also gets new child elements"),
                });
            }
            if element.text == *value {
                continue;
            }
            let escaped = escape(value);
            if element.self_closing {
                let mut bytes = ixml.opening_tag_of_empty(element);
                bytes.extend_from_slice(escaped.as_bytes());
                bytes.extend_from_slice(format!("</{}>", element.name).as_bytes());
                self.splices.push(Splice {
                    start: element.start,
                    end: element.end,
                    bytes,
                });
            } else {
                self.splices.push(Splice {
                    start: element.start_tag_end,
                    end: element.end_tag_start,
                    bytes: escaped.into_bytes(),
                });
            }
        }
        for (&node, new_children) in &self.new_children {
            let Some(element) = ixml.elements.get(node) else {
                continue;
            };
            let layout = ixml.child_layout(node);
            let mut text = String::new();
            for child in new_children {
                text.push_str(layout.newline);
                text.push_str(&layout.indent);
                child.render(&layout, &mut text);
            }
            let closing_indent = || format!("{}{}", ixml.newline, ixml.indent_of(node));
            if element.self_closing {
                let mut bytes = ixml.opening_tag_of_empty(element);
                bytes.extend_from_slice(text.as_bytes());
                bytes.extend_from_slice(closing_indent().as_bytes());
                bytes.extend_from_slice(format!("</{}>", element.name).as_bytes());
                self.splices.push(Splice {
                    start: element.start,
                    end: element.end,
                    bytes,
                });
            } else if element.last_significant_end > element.start_tag_end {
                self.splices.push(Splice {
                    start: element.last_significant_end,
                    end: element.last_significant_end,
                    bytes: text.into_bytes(),
                });
            } else if ixml
                .bytes(element.start_tag_end, element.end_tag_start)
                .contains(&b'\n')
            {
                self.splices.push(Splice {
                    start: element.start_tag_end,
                    end: element.start_tag_end,
                    bytes: text.into_bytes(),
                });
            } else {
                text.push_str(&closing_indent());
                self.splices.push(Splice {
                    start: element.start_tag_end,
                    end: element.end_tag_start,
                    bytes: text.into_bytes(),
                });
            }
        }
        self.splices.sort_by_key(|s| (s.start, s.end));
        if self.splices.windows(2).any(|pair| match pair {
            [a, b] => a.end > b.start,
            _ => false,
        }) {
            return Err(IxmlError::Conflict {
                reason: "two edits change overlapping parts of the document".to_string(),
            });
        }
        Ok(self.splices)
    }
}

/// Copies `source` (which starts at document offset `offset`) with the sorted `splices` applied.
pub(crate) fn apply_splices(source: &[u8], offset: usize, splices: &[Splice]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(source.len() + splices.iter().map(|s| s.bytes.len()).sum::<usize>());
    let mut cursor = 0;
    for splice in splices {
        let start = splice.start.saturating_sub(offset).min(source.len());
        let end = splice.end.saturating_sub(offset).min(source.len());
        out.extend_from_slice(source.get(cursor..start).unwrap_or_default());
        out.extend_from_slice(&splice.bytes);
        cursor = cursor.max(end);
    }
    out.extend_from_slice(source.get(cursor..).unwrap_or_default());
    out
}
