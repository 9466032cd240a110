//! ASC MHL v2.0 (the ASC Media Hash List): the model of a generation (`.mhl` hash list) and of the
//! chain file `ascmhl_chain.xml`, written and read as XML; c4 ids; the hash formats; ignore patterns;
//! and the history a folder's generations make together.
//!
//! This crate takes bytes and values and returns bytes and values; reading and writing files is the
//! engine's job. The XML follows the schemas `ASCMHL.xsd` and `ASCMHLDirectory.xsd` and the reference
//! implementation's conventions (two-space indent, hash elements in schema order, UTC dates).

mod hash;
mod history;
mod ignore;
mod names;
mod xml;

#[cfg(test)]
mod tests;

pub use hash::{c4_id, MultiHasher};
pub use history::{History, Record};
pub use ignore::{IgnoreSpec, DEFAULT_IGNORE_PATTERNS};
pub use names::{
    generation_file_name, generation_number, iso_date, ASCMHL_FOLDER, CHAIN_FILE_NAME,
};
pub use xml::{read_chain, read_generation, write_chain, write_generation};

/// A hash format the ASC MHL schema names, in the schema's element order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashFormat {
    /// C4 id: `c4` + base58 of SHA-512, 90 characters.
    C4,
    /// MD5, lowercase hex.
    Md5,
    /// SHA-1, lowercase hex.
    Sha1,
    /// XXH3 128-bit, lowercase hex (the ASC MHL default).
    Xxh128,
    /// XXH3 64-bit, lowercase hex.
    Xxh3,
    /// XXH64, lowercase hex.
    Xxh64,
}

impl HashFormat {
    /// Every format, in schema order.
    pub const ALL: [HashFormat; 6] = [
        HashFormat::C4,
        HashFormat::Md5,
        HashFormat::Sha1,
        HashFormat::Xxh128,
        HashFormat::Xxh3,
        HashFormat::Xxh64,
    ];

    /// The element name (`xxh128`, `md5`, ...).
    pub fn name(self) -> &'static str {
        match self {
            HashFormat::C4 => "c4",
            HashFormat::Md5 => "md5",
            HashFormat::Sha1 => "sha1",
            HashFormat::Xxh128 => "xxh128",
            HashFormat::Xxh3 => "xxh3",
            HashFormat::Xxh64 => "xxh64",
        }
    }

    /// The format an element name stands for.
    pub fn from_name(name: &str) -> Option<HashFormat> {
        HashFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Preference when checking a file that lists several formats: fastest first.
    pub fn check_preference(self) -> u8 {
        match self {
            HashFormat::Xxh128 => 0,
            HashFormat::Xxh3 => 1,
            HashFormat::Xxh64 => 2,
            HashFormat::Md5 => 3,
            HashFormat::Sha1 => 4,
            HashFormat::C4 => 5,
        }
    }
}

/// A hash element's kind: a format this crate computes, or another element name found in a file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashKind {
    /// A format this crate can compute.
    Known(HashFormat),
    /// An element name this crate does not know (kept so it can be named, never checked).
    Other(String),
}

impl HashKind {
    /// The element name.
    pub fn name(&self) -> &str {
        match self {
            HashKind::Known(format) => format.name(),
            HashKind::Other(name) => name,
        }
    }
}

/// What a hash entry says happened to the file (`action` attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// First record of the file.
    Original,
    /// Hashed again and matched an earlier record.
    Verified,
    /// Hashed again and did not match an earlier record.
    Failed,
}

impl Action {
    /// The attribute value.
    pub fn name(self) -> &'static str {
        match self {
            Action::Original => "original",
            Action::Verified => "verified",
            Action::Failed => "failed",
        }
    }

    /// The action an attribute value stands for.
    pub fn from_name(name: &str) -> Option<Action> {
        match name {
            "original" => Some(Action::Original),
            "verified" => Some(Action::Verified),
            "failed" => Some(Action::Failed),
            _ => None,
        }
    }
}

/// One hash of a file (`<xxh128 action="original" hashdate="...">...</xxh128>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashEntry {
    /// The format (element name).
    pub kind: HashKind,
    /// The hash as written (lowercase hex, or a c4 id).
    pub value: String,
    /// `action`.
    pub action: Option<Action>,
    /// `hashdate`, as written (ISO 8601).
    pub hash_date: Option<String>,
}

/// One file of a generation (`<hash>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the root of the history, with `/` between folders.
    pub path: String,
    /// `size`, in bytes.
    pub size: Option<u64>,
    /// `lastmodificationdate`, as written (ISO 8601).
    pub last_modification_date: Option<String>,
    /// The file's hashes.
    pub hashes: Vec<HashEntry>,
    /// `previousPath`, when the file was renamed.
    pub previous_path: Option<String>,
}

/// Who made a generation, when and where (`<creatorinfo>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreatorInfo {
    /// `creationdate` (ISO 8601).
    pub creation_date: String,
    /// `hostname`.
    pub hostname: String,
    /// `tool`: the program's name.
    pub tool: String,
    /// `tool version=`.
    pub tool_version: Option<String>,
    /// `location`.
    pub location: Option<String>,
    /// `comment`.
    pub comment: Option<String>,
}

/// How the files of a generation came to be where they are (`<process>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// Hashed where they are.
    InPlace,
    /// Copied here, hashed on the way.
    Transfer,
    /// A flattened history.
    Flatten,
}

impl Process {
    /// The element text.
    pub fn name(self) -> &'static str {
        match self {
            Process::InPlace => "in-place",
            Process::Transfer => "transfer",
            Process::Flatten => "flatten",
        }
    }

    /// The process an element text stands for.
    pub fn from_name(name: &str) -> Option<Process> {
        match name {
            "in-place" => Some(Process::InPlace),
            "transfer" => Some(Process::Transfer),
            "flatten" => Some(Process::Flatten),
            _ => None,
        }
    }
}

/// One generation: an `.mhl` hash list. Directory hashes are not modelled (read past, never written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
    /// `<creatorinfo>`.
    pub creator: CreatorInfo,
    /// `<processinfo><process>`.
    pub process: Process,
    /// `<processinfo><ignore><pattern>`s.
    pub ignore_patterns: Vec<String>,
    /// The `<hash>` entries, in order.
    pub files: Vec<FileEntry>,
}

/// One generation as the chain file lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainLink {
    /// `sequencenr`: the generation's number, from 1.
    pub sequence_nr: u32,
    /// The generation's file name in the `ascmhl` folder.
    pub path: String,
    /// The generation file's c4 id.
    pub c4: String,
}

/// The chain file `ascmhl_chain.xml`: every generation of a folder with its c4 id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chain {
    /// The generations, in order.
    pub links: Vec<ChainLink>,
}

/// Why an ASC MHL file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MhlError {
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// Well-formed, but not what the ASC MHL schema describes.
    #[error("not an ASC MHL {what}: {why}")]
    Invalid {
        /// `hash list` or `chain file`.
        what: &'static str,
        /// What is wrong.
        why: String,
    },
}

impl From<quick_xml::Error> for MhlError {
    fn from(error: quick_xml::Error) -> Self {
        MhlError::Xml(error.to_string())
    }
}
