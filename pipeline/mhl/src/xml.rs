//! Generation (`.mhl`) and chain (`ascmhl_chain.xml`) files as XML, through `quick-xml`.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::{
    Action, Chain, ChainLink, CreatorInfo, FileEntry, Generation, HashEntry, HashFormat, HashKind,
    MhlError, Process,
};

/// Namespace of a generation file.
const HASHLIST_NAMESPACE: &str = "urn:ASC:MHL:v2.0";
/// Namespace of the chain file.
const DIRECTORY_NAMESPACE: &str = "urn:ASC:MHL:DIRECTORY:v2.0";

/// An XML writer with the reference implementation's layout (two-space indent).
struct Xml {
    writer: Writer<Vec<u8>>,
}

impl Xml {
    fn new() -> Result<Xml, MhlError> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .map_err(io_error)?;
        Ok(Xml { writer })
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> Result<(), MhlError> {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        self.writer
            .write_event(Event::Start(start))
            .map_err(io_error)
    }

    fn close(&mut self, name: &str) -> Result<(), MhlError> {
        self.writer
            .write_event(Event::End(BytesEnd::new(name)))
            .map_err(io_error)
    }

    /// `<name attributes>text</name>` on one line.
    fn leaf(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        text: &str,
    ) -> Result<(), MhlError> {
        self.open(name, attributes)?;
        self.writer
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(io_error)?;
        self.close(name)
    }

    fn finish(self) -> Vec<u8> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        bytes
    }
}

fn io_error(error: std::io::Error) -> MhlError {
    MhlError::Xml(error.to_string())
}

/// A generation as the bytes of its `.mhl` file.
pub fn write_generation(generation: &Generation) -> Result<Vec<u8>, MhlError> {
    let mut xml = Xml::new()?;
    xml.open(
        "hashlist",
        &[("version", "2.0"), ("xmlns", HASHLIST_NAMESPACE)],
    )?;

    let creator = &generation.creator;
    xml.open("creatorinfo", &[])?;
    xml.leaf("creationdate", &[], &creator.creation_date)?;
    xml.leaf("hostname", &[], &creator.hostname)?;
    match &creator.tool_version {
        Some(version) => xml.leaf("tool", &[("version", version)], &creator.tool)?,
        None => xml.leaf("tool", &[], &creator.tool)?,
    }
    if let Some(location) = &creator.location {
        xml.leaf("location", &[], location)?;
    }
    if let Some(comment) = &creator.comment {
        xml.leaf("comment", &[], comment)?;
    }
    xml.close("creatorinfo")?;

    xml.open("processinfo", &[])?;
    xml.leaf("process", &[], generation.process.name())?;
    if !generation.ignore_patterns.is_empty() {
        xml.open("ignore", &[])?;
        for pattern in &generation.ignore_patterns {
            xml.leaf("pattern", &[], pattern)?;
        }
        xml.close("ignore")?;
    }
    xml.close("processinfo")?;

    // The schema wants at least one entry in `<hashes>`: an empty generation has none.
    if !generation.files.is_empty() {
        xml.open("hashes", &[])?;
        for file in &generation.files {
            write_file_entry(&mut xml, file)?;
        }
        xml.close("hashes")?;
    }
    xml.close("hashlist")?;
    Ok(xml.finish())
}

fn write_file_entry(xml: &mut Xml, file: &FileEntry) -> Result<(), MhlError> {
    xml.open("hash", &[])?;
    let size = file.size.map(|s| s.to_string());
    let mut attributes = Vec::new();
    if let Some(size) = &size {
        attributes.push(("size", size.as_str()));
    }
    if let Some(date) = &file.last_modification_date {
        attributes.push(("lastmodificationdate", date.as_str()));
    }
    xml.leaf("path", &attributes, &file.path)?;
    // The schema's order: c4, md5, sha1, xxh128, xxh3, xxh64.
    let mut hashes: Vec<&HashEntry> = file.hashes.iter().collect();
    hashes.sort_by(|a, b| a.kind.cmp(&b.kind));
    for hash in hashes {
        let mut attributes = Vec::new();
        if let Some(action) = hash.action {
            attributes.push(("action", action.name()));
        }
        if let Some(date) = &hash.hash_date {
            attributes.push(("hashdate", date.as_str()));
        }
        xml.leaf(hash.kind.name(), &attributes, &hash.value)?;
    }
    if let Some(previous) = &file.previous_path {
        xml.leaf("previousPath", &[], previous)?;
    }
    xml.close("hash")
}

/// A chain as the bytes of `ascmhl_chain.xml`.
pub fn write_chain(chain: &Chain) -> Result<Vec<u8>, MhlError> {
    let mut xml = Xml::new()?;
    xml.open("ascmhldirectory", &[("xmlns", DIRECTORY_NAMESPACE)])?;
    for link in &chain.links {
        let number = link.sequence_nr.to_string();
        xml.open("hashlist", &[("sequencenr", &number)])?;
        xml.leaf("path", &[], &link.path)?;
        xml.leaf("c4", &[], &link.c4)?;
        xml.close("hashlist")?;
    }
    xml.close("ascmhldirectory")?;
    Ok(xml.finish())
}

/// One element being read: its local name, attributes and text.
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Read an XML document element by element: `on_end` gets each finished element and the names of
/// the elements around it (outermost first).
fn read_elements(
    bytes: &[u8],
    mut on_end: impl FnMut(&[String], Element) -> Result<(), MhlError>,
) -> Result<(), MhlError> {
    let text = std::str::from_utf8(bytes).map_err(|e| MhlError::Xml(format!("not UTF-8: {e}")))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut names: Vec<String> = Vec::new();
    let mut open: Vec<Element> = Vec::new();
    loop {
        match reader.read_event()? {
            Event::Start(start) => {
                let element = element_of(&start)?;
                names.push(element.name.clone());
                open.push(element);
            }
            Event::Empty(start) => {
                let element = element_of(&start)?;
                on_end(&names, element)?;
            }
            Event::Text(text) => {
                if let Some(element) = open.last_mut() {
                    element.text.push_str(&text.unescape()?);
                }
            }
            Event::CData(data) => {
                if let Some(element) = open.last_mut() {
                    element
                        .text
                        .push_str(&String::from_utf8_lossy(data.as_ref()));
                }
            }
            Event::End(_) => {
                names.pop();
                if let Some(element) = open.pop() {
                    on_end(&names, element)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

fn element_of(start: &BytesStart) -> Result<Element, MhlError> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| MhlError::Xml(e.to_string()))?;
        let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        let value = attribute.unescape_value()?.into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        attributes,
        text: String::new(),
    })
}

fn invalid_hash_list(why: impl Into<String>) -> MhlError {
    MhlError::Invalid {
        what: "hash list",
        why: why.into(),
    }
}

/// Read a generation from the bytes of an `.mhl` file. Directory hashes, the root hash, references
/// and metadata are read past.
pub fn read_generation(bytes: &[u8]) -> Result<Generation, MhlError> {
    let mut root: Option<(String, Option<String>)> = None;
    let mut creator = CreatorInfo::default();
    let mut process: Option<Process> = None;
    let mut ignore_patterns = Vec::new();
    let mut files = Vec::new();
    let mut file = FileEntry::default();
    read_elements(bytes, |around, element| {
        let around: Vec<&str> = around.iter().map(String::as_str).collect();
        match (around.as_slice(), element.name.as_str()) {
            ([], name) => {
                root = Some((
                    name.to_string(),
                    element.attribute("version").map(str::to_string),
                ));
            }
            (["hashlist", "creatorinfo"], field) => match field {
                "creationdate" => creator.creation_date = element.text,
                "hostname" => creator.hostname = element.text,
                "tool" => {
                    creator.tool_version = element.attribute("version").map(str::to_string);
                    creator.tool = element.text;
                }
                "location" => creator.location = Some(element.text),
                "comment" => creator.comment = Some(element.text),
                _ => {}
            },
            (["hashlist", "processinfo"], "process") => {
                process = Some(Process::from_name(&element.text).ok_or_else(|| {
                    invalid_hash_list(format!("unknown process `{}`", element.text))
                })?);
            }
            (["hashlist", "processinfo", "ignore"], "pattern") => {
                ignore_patterns.push(element.text)
            }
            (["hashlist", "hashes", "hash"], field) => match field {
                "path" => {
                    file.path = element.text.clone();
                    file.size = match element.attribute("size") {
                        Some(size) => Some(size.trim().parse().map_err(|_| {
                            invalid_hash_list(format!("size `{size}` of {}", element.text))
                        })?),
                        None => None,
                    };
                    file.last_modification_date = element
                        .attribute("lastmodificationdate")
                        .map(str::to_string);
                }
                "previousPath" => file.previous_path = Some(element.text),
                "metadata" => {}
                kind => {
                    let action = match element.attribute("action") {
                        Some(action) => Some(Action::from_name(action).ok_or_else(|| {
                            invalid_hash_list(format!("unknown action `{action}`"))
                        })?),
                        None => None,
                    };
                    file.hashes.push(HashEntry {
                        kind: HashFormat::from_name(kind)
                            .map_or_else(|| HashKind::Other(kind.to_string()), HashKind::Known),
                        value: element.text.trim().to_string(),
                        action,
                        hash_date: element.attribute("hashdate").map(str::to_string),
                    });
                }
            },
            (["hashlist", "hashes"], "hash") => {
                let done = std::mem::take(&mut file);
                if done.path.is_empty() {
                    return Err(invalid_hash_list("a <hash> without a <path>"));
                }
                files.push(done);
            }
            _ => {}
        }
        Ok(())
    })?;
    match root {
        Some((name, version)) if name == "hashlist" => {
            if version.as_deref() != Some("2.0") {
                return Err(invalid_hash_list(format!(
                    "version {}, only 2.0 is read",
                    version.as_deref().unwrap_or("missing")
                )));
            }
        }
        Some((name, _)) => return Err(invalid_hash_list(format!("root element <{name}>"))),
        None => return Err(invalid_hash_list("no root element")),
    }
    Ok(Generation {
        creator,
        process: process.ok_or_else(|| invalid_hash_list("no <process>"))?,
        ignore_patterns,
        files,
    })
}

/// Read a chain from the bytes of `ascmhl_chain.xml`.
pub fn read_chain(bytes: &[u8]) -> Result<Chain, MhlError> {
    let invalid = |why: String| MhlError::Invalid {
        what: "chain file",
        why,
    };
    let mut root: Option<String> = None;
    let mut links = Vec::new();
    let mut path: Option<String> = None;
    let mut c4: Option<String> = None;
    read_elements(bytes, |around, element| {
        let around: Vec<&str> = around.iter().map(String::as_str).collect();
        match (around.as_slice(), element.name.as_str()) {
            ([], name) => root = Some(name.to_string()),
            (["ascmhldirectory", "hashlist"], "path") => path = Some(element.text),
            (["ascmhldirectory", "hashlist"], "c4") => c4 = Some(element.text.trim().to_string()),
            (["ascmhldirectory"], "hashlist") => {
                let number = element.attribute("sequencenr").unwrap_or("");
                let sequence_nr = number
                    .trim()
                    .parse()
                    .map_err(|_| invalid(format!("sequencenr `{number}`")))?;
                let (Some(path), Some(c4)) = (path.take(), c4.take()) else {
                    return Err(invalid(format!(
                        "generation {sequence_nr} without <path> and <c4>"
                    )));
                };
                links.push(ChainLink {
                    sequence_nr,
                    path,
                    c4,
                });
            }
            _ => {}
        }
        Ok(())
    })?;
    match root.as_deref() {
        Some("ascmhldirectory") => Ok(Chain { links }),
        Some(other) => Err(invalid(format!("root element <{other}>"))),
        None => Err(invalid("no root element".into())),
    }
}
