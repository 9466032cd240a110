//! Whether a plugin folder or library may be loaded from: like ssh with its keys, rollcall refuses
//! a place that someone other than its owner (or root) can write, since loading a library runs its
//! code (its constructors run before rollcall can tell whether it is a plugin at all). Only the
//! folder and the library are examined, not the folders above them.

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// The write bits for group and others.
const GROUP_OTHER_WRITE: u32 = 0o022;

/// The sticky bit (only a file's owner may rename or delete it in the folder).
const STICKY: u32 = 0o1000;

/// The user id rollcall runs as (effective).
#[allow(unsafe_code)] // a plain system call with no arguments; see SAFETY
fn effective_uid() -> u32 {
    // SAFETY: geteuid takes no arguments, touches no memory and cannot fail (POSIX).
    unsafe { libc::geteuid() }
}

/// Who may write a path, from its metadata: `None` when only its owner and root can, else why not,
/// one line.
fn writable_by_others(meta: &fs::Metadata, folder: bool) -> Option<String> {
    let mode = meta.permissions().mode();
    if mode & GROUP_OTHER_WRITE == 0 {
        return None;
    }
    // A root-owned sticky folder (like /tmp): others may add files but not replace ours, and every
    // library in it must then belong to this user or root.
    if folder && is_shared(meta) {
        return None;
    }
    let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => "its group and other users",
        (true, false) => "its group",
        _ => "other users",
    };
    Some(format!(
        "it is writable by {who} (mode {:04o}); only its owner may write it (chmod go-w)",
        mode & 0o7777
    ))
}

/// A root-owned sticky folder others may add files to.
fn is_shared(meta: &fs::Metadata) -> bool {
    let mode = meta.permissions().mode();
    meta.uid() == 0 && mode & STICKY != 0 && mode & GROUP_OTHER_WRITE != 0
}

/// Why a plugin folder cannot be trusted, or `None`; a folder that does not exist is trusted (nothing
/// is loaded from it).
pub(crate) fn folder_distrust(dir: &Path) -> Option<String> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => writable_by_others(&meta, true),
        Ok(_) => None,
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => Some(format!("it cannot be examined: {e}")),
    }
}

/// Why a plugin library file cannot be trusted, or `None` (the file a symbolic link points to is the
/// one examined). In a shared folder (root-owned, sticky, writable by others, like /tmp) it must also
/// belong to this user or root, since anyone may have put it there.
pub(crate) fn library_distrust(file: &Path) -> Option<String> {
    let meta = match fs::metadata(file) {
        Ok(meta) if !meta.is_file() => return Some("it is not a regular file".to_string()),
        Ok(meta) => meta,
        Err(e) => return Some(format!("it cannot be examined: {e}")),
    };
    let shared_folder = file
        .parent()
        .and_then(|dir| fs::metadata(dir).ok())
        .is_some_and(|dir| is_shared(&dir));
    let owner = meta.uid();
    if shared_folder && owner != 0 && owner != effective_uid() {
        return Some(format!(
            "it is in a folder anyone may add files to and belongs to user {owner}, neither this user ({}) nor root",
            effective_uid()
        ));
    }
    writable_by_others(&meta, false)
}

/// Whether two library files hold the same bytes (the same file, or equal copies).
pub(crate) fn same_library(a: &Path, b: &Path) -> io::Result<bool> {
    let (meta_a, meta_b) = (fs::metadata(a)?, fs::metadata(b)?);
    if meta_a.dev() == meta_b.dev() && meta_a.ino() == meta_b.ino() {
        return Ok(true);
    }
    if meta_a.len() != meta_b.len() {
        return Ok(false);
    }
    let (mut file_a, mut file_b) = (File::open(a)?, File::open(b)?);
    let (mut buf_a, mut buf_b) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let got = read_full(&mut file_a, &mut buf_a)?;
        let got_b = read_full(&mut file_b, &mut buf_b)?;
        if got != got_b || buf_a.get(..got) != buf_b.get(..got) {
            return Ok(false);
        }
        if got == 0 {
            return Ok(true);
        }
    }
}

/// Fill `buf` as far as the file allows; the count read (short only at the end).
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_or_other_write_is_distrusted_and_owner_write_is_not() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("librollcall_x.so");
        fs::write(&file, b"not really a library")?;
        fs::set_permissions(&file, fs::Permissions::from_mode(0o755))?;
        assert_eq!(library_distrust(&file), None);
        fs::set_permissions(&file, fs::Permissions::from_mode(0o757))?;
        assert!(library_distrust(&file).is_some_and(|r| r.contains("other users")));
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o775))?;
        assert!(folder_distrust(dir.path()).is_some_and(|r| r.contains("its group")));
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700))?;
        assert_eq!(folder_distrust(dir.path()), None);
        assert_eq!(folder_distrust(&dir.path().join("absent")), None);
        Ok(())
    }

    #[test]
    fn copies_with_equal_bytes_are_the_same_library() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        fs::write(&a, vec![7u8; 200_000])?;
        fs::write(&b, vec![7u8; 200_000])?;
        let mut other = vec![7u8; 200_000];
        other[150_000] = 8;
        fs::write(&c, other)?;
        assert!(same_library(&a, &a)?);
        assert!(same_library(&a, &b)?);
        assert!(!same_library(&a, &c)?);
        Ok(())
    }
}
