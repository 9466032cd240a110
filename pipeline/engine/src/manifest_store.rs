//! The `ascmhl` folder of a tree: its generations read and checked against the chain, and a new
//! generation written with the chain updated.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rollcall_mhl::{
    c4_id, generation_file_name, generation_number, read_chain, read_generation, write_chain,
    write_generation, Chain, ChainLink, Generation, History, MhlError, ASCMHL_FOLDER,
    CHAIN_FILE_NAME,
};

use crate::output::{temp_owner_tag, TEMP_SUFFIX};

/// Largest generation or chain file read, in bytes (a generation of a million files is ~300 MB).
const MAX_MANIFEST_FILE_BYTES: u64 = 1 << 30;

/// Why the manifest could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The tree has no `ascmhl/ascmhl_chain.xml` (or no generation).
    #[error("no ASC MHL manifest in {}: no generation in its ascmhl folder", .0.display())]
    NoManifest(PathBuf),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A generation or the chain file cannot be read.
    #[error("{}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: MhlError,
    },
    /// A generation file's c4 id is not the one the chain lists: it was changed after it was written.
    #[error("{} does not match its c4 id in the chain file: the manifest was changed", .0.display())]
    Modified(PathBuf),
    /// A file this run wrote has no hash of a format the manifest lists: the write pass was not
    /// asked for it (`ExecuteOptions::md5` must follow `[manifest] hashes`).
    #[error("{}: the write pass computed no {format} hash of it", .path.display())]
    NotHashed {
        /// The delivered file.
        path: PathBuf,
        /// The missing format's name.
        format: String,
    },
    /// A generation the chain lists is missing.
    #[error("{} is listed in the chain file but missing", .0.display())]
    MissingGeneration(PathBuf),
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ManifestError + '_ {
    move |source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A tree's `ascmhl` folder, read and checked against its chain.
pub(crate) struct LoadedHistory {
    /// The chain file's generations.
    pub chain: Chain,
    /// The generations.
    pub history: History,
}

/// Read a tree's history: the chain, and every generation file (each checked against its c4 id in
/// the chain). `None` when the tree has no `ascmhl` folder or it holds no generation.
pub(crate) fn load_history(root: &Path) -> Result<Option<LoadedHistory>, ManifestError> {
    let folder = root.join(ASCMHL_FOLDER);
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(&folder)(e)),
    };
    let mut generation_files = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(io_error(&folder))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(number) = generation_number(&name) {
            generation_files.insert(name, number);
        }
    }
    let chain_path = folder.join(CHAIN_FILE_NAME);
    let chain = match read_capped(&chain_path) {
        Ok(bytes) => read_chain(&bytes).map_err(|source| ManifestError::Unreadable {
            path: chain_path.clone(),
            source,
        })?,
        Err(ManifestError::Io { source, .. })
            if source.kind() == io::ErrorKind::NotFound && generation_files.is_empty() =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let mut c4_of: BTreeMap<&str, &str> = BTreeMap::new();
    for link in &chain.links {
        c4_of.insert(&link.path, &link.c4);
        if !generation_files.contains_key(&link.path) {
            return Err(ManifestError::MissingGeneration(folder.join(&link.path)));
        }
    }
    let mut generations = Vec::new();
    for (name, number) in &generation_files {
        let path = folder.join(name);
        let bytes = read_capped(&path)?;
        if let Some(c4) = c4_of.get(name.as_str()) {
            if c4_id(&bytes) != *c4 {
                return Err(ManifestError::Modified(path));
            }
        }
        let generation =
            read_generation(&bytes).map_err(|source| ManifestError::Unreadable { path, source })?;
        generations.push((*number, generation));
    }
    if generations.is_empty() {
        return Ok(None);
    }
    Ok(Some(LoadedHistory {
        chain,
        history: History::new(generations),
    }))
}

/// Read a whole file of at most [`MAX_MANIFEST_FILE_BYTES`].
fn read_capped(path: &Path) -> Result<Vec<u8>, ManifestError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    if bytes.len() as u64 > MAX_MANIFEST_FILE_BYTES {
        return Err(ManifestError::Io {
            path: path.to_path_buf(),
            source: io::Error::other(format!(
                "larger than {MAX_MANIFEST_FILE_BYTES} bytes, not read"
            )),
        });
    }
    Ok(bytes)
}

/// Write a generation as the next one of the tree's history: the `.mhl` file first (temp file,
/// synced, renamed without replacing anything), then the chain file (temp file, synced, renamed
/// over the old one). Returns the generation file's path.
pub(crate) fn record_generation(
    root: &Path,
    loaded: Option<&LoadedHistory>,
    generation: &Generation,
    now: i64,
) -> Result<PathBuf, ManifestError> {
    let folder = root.join(ASCMHL_FOLDER);
    fs::create_dir_all(&folder).map_err(io_error(&folder))?;
    let mut chain = loaded.map(|l| l.chain.clone()).unwrap_or_default();
    let next = loaded.map_or(1, |l| l.history.next_sequence_nr()).max(
        chain
            .links
            .iter()
            .map(|l| l.sequence_nr.saturating_add(1))
            .max()
            .unwrap_or(1),
    );
    let root_name = root
        .canonicalize()
        .ok()
        .and_then(|r| r.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "root".to_string());
    let name = generation_file_name(next, &root_name, now);
    let bytes = write_generation(generation).map_err(|source| ManifestError::Unreadable {
        path: folder.join(&name),
        source,
    })?;
    let path = folder.join(&name);
    write_atomically(&folder, &name, &bytes, false)?;
    chain.links.push(ChainLink {
        sequence_nr: next,
        path: name,
        c4: c4_id(&bytes),
    });
    let chain_bytes = write_chain(&chain).map_err(|source| ManifestError::Unreadable {
        path: folder.join(CHAIN_FILE_NAME),
        source,
    })?;
    write_atomically(&folder, CHAIN_FILE_NAME, &chain_bytes, true)?;
    // The renames in the folder, then the folder's own entry in the root: durable, or an error.
    for synced in [folder.as_path(), root] {
        File::open(synced)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error(synced))?;
    }
    Ok(path)
}

/// Write `bytes` to `folder/name` through a synced temp file and a rename.
fn write_atomically(
    folder: &Path,
    name: &str,
    bytes: &[u8],
    replace: bool,
) -> Result<(), ManifestError> {
    let path = folder.join(name);
    // Mode 0666 before the umask, as the engine's other files (tempfile's own default is 0600).
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}{}", temp_owner_tag()))
        .suffix(TEMP_SUFFIX)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(folder)
        .map_err(io_error(&path))?;
    temp.as_file_mut()
        .write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io_error(&path))?;
    let persisted = if replace {
        temp.persist(&path).map(|_| ())
    } else {
        temp.persist_noclobber(&path).map(|_| ())
    };
    persisted.map_err(|e| io_error(&path)(e.error))
}
