//! Indexing an iXML document: its elements with their byte spans, within the size and depth limits.

use super::*;

/// Reads the document into an element index (root first, then document order).
pub(crate) fn index_elements(doc: &[u8]) -> Result<Vec<Element>, IxmlError> {
    // quick-xml skips a UTF-8 BOM without counting it in its positions: skip it here instead.
    let bom = if doc.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut reader = Reader::from_reader(doc.get(bom..).unwrap_or_default());
    let position = |p: u64| usize::try_from(p).map_or(usize::MAX, |p| p.saturating_add(bom));
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    loop {
        let before = position(reader.buffer_position());
        let event = reader.read_event().map_err(|e| IxmlError::Malformed {
            position: reader.error_position().saturating_add(bom as u64),
            reason: e.to_string(),
        })?;
        let after = position(reader.buffer_position());
        let parent = stack.last().copied();
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                if parent.is_none() && !elements.is_empty() {
                    break; // a second root: everything after the first root is carried over as is
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(IxmlError::TooDeep);
                }
                if elements.len() >= MAX_ELEMENTS {
                    return Err(IxmlError::TooManyElements);
                }
                let self_closing = matches!(event, Event::Empty(_));
                let index = elements.len();
                let lead_start = parent
                    .and_then(|p| elements.get(p))
                    .map_or(before, |p| p.last_significant_end);
                elements.push(Element {
                    name: String::from_utf8_lossy(tag.name().as_ref()).into_owned(),
                    children: Vec::new(),
                    depth: stack.len(),
                    lead_start,
                    start: before,
                    start_tag_end: after,
                    end_tag_start: if self_closing { after } else { usize::MAX },
                    end: if self_closing { after } else { usize::MAX },
                    self_closing,
                    text: String::new(),
                    last_significant_end: after,
                });
                if let Some(p) = parent.and_then(|p| elements.get_mut(p)) {
                    p.children.push(index);
                    if self_closing {
                        p.last_significant_end = after;
                    }
                }
                if self_closing {
                    if parent.is_none() {
                        break;
                    }
                } else {
                    stack.push(index);
                }
            }
            Event::End(_) => {
                let Some(closed) = stack.pop() else {
                    return Err(IxmlError::Malformed {
                        position: before as u64,
                        reason: "end tag without start tag".to_string(),
                    });
                };
                if let Some(e) = elements.get_mut(closed) {
                    e.end_tag_start = before;
                    e.end = after;
                }
                match stack.last().and_then(|&p| elements.get_mut(p)) {
                    Some(p) => p.last_significant_end = after,
                    None => break,
                }
            }
            Event::Text(ref text) => {
                let whitespace = text.iter().all(u8::is_ascii_whitespace);
                match parent.and_then(|p| elements.get_mut(p)) {
                    Some(p) => {
                        match text.unescape() {
                            Ok(s) => p.text.push_str(&s),
                            Err(_) => p.text.push_str(&String::from_utf8_lossy(text)),
                        }
                        if !whitespace {
                            p.last_significant_end = after;
                        }
                    }
                    None if !whitespace => {
                        return Err(IxmlError::Malformed {
                            position: before as u64,
                            reason: "text outside the root element".to_string(),
                        });
                    }
                    None => {}
                }
            }
            Event::CData(ref data) => {
                if let Some(p) = parent.and_then(|p| elements.get_mut(p)) {
                    p.text.push_str(&String::from_utf8_lossy(data));
                    p.last_significant_end = after;
                }
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {
                if let Some(p) = parent.and_then(|p| elements.get_mut(p)) {
                    p.last_significant_end = after;
                }
            }
            Event::Eof => {
                if let Some(e) = stack.last().and_then(|&i| elements.get(i)) {
                    return Err(IxmlError::Unclosed {
                        element: e.name.clone(),
                    });
                }
                break;
            }
        }
    }
    if elements.is_empty() {
        return Err(IxmlError::NoRoot);
    }
    Ok(elements)
}
