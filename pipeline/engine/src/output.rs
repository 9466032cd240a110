//! The output tree: folders created without following links, temp names that say whose they are,
//! the lock that keeps two runs apart, and syncing what was created.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Suffix of the temp files a run writes before renaming them into place.
pub const TEMP_SUFFIX: &str = ".rollcall-partial";

/// Name of the lock file in the output root.
pub const LOCK_FILE: &str = ".rollcall.lock";

/// This machine's name, as temp names and the lock carry it (`[A-Za-z0-9-]` only).
pub fn host_name() -> String {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if clean.is_empty() {
        "host".to_string()
    } else {
        clean
    }
}

/// The part of a temp name that says which run wrote it: `.<host>.<pid>.`.
pub fn temp_owner_tag() -> String {
    format!(".{}.{}.", host_name(), std::process::id())
}

/// Whether a temp file name belongs to a process of this host that no longer runs (a killed run),
/// so it may be removed. Temp files of other hosts, or of live processes, are never touched.
pub fn is_stale_temp(name: &str, host: &str) -> bool {
    if !name.starts_with('.') || !name.ends_with(TEMP_SUFFIX) {
        return false;
    }
    let marker = format!(".{host}.");
    let Some(at) = name.rfind(&marker) else {
        return false;
    };
    let rest = name.get(at + marker.len()..).unwrap_or_default();
    let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    pid != std::process::id() && !process_alive(pid)
}

/// Whether a process of this host runs (by `/proc`; where there is no `/proc`, assume it does).
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// The exclusive lock a run holds on its output root while it writes; removed when dropped.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked: a run that opened the old file finds, once it holds the
        // lock, that the path no longer names it, and starts over.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Create the output root and every missing folder above it, then sync the parent of each one
/// created (which holds its entry), so the root survives a crash with what is delivered into it.
fn create_root(root: &Path) -> Result<(), String> {
    let mut missing: Vec<&Path> = Vec::new();
    let mut at = root;
    while fs::symlink_metadata(at).is_err() {
        missing.push(at);
        match at.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => at = parent,
            _ => break,
        }
    }
    fs::create_dir_all(root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    for folder in missing.iter().rev() {
        let parent = match folder.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        sync_folder(parent)?;
    }
    Ok(())
}

/// Take the output root's lock, or say which run holds it.
pub fn lock_output(root: &Path) -> Result<OutputLock, String> {
    create_root(root)?;
    let path = root.join(LOCK_FILE);
    for _ in 0..100 {
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("opening the lock {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                return Err(format!(
                    "another rollcall run is writing into {} ({}); wait for it to finish, then run again",
                    root.display(),
                    holder.trim()
                ));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(format!("locking {}: {e}", path.display()));
            }
        }
        // The lock holds only if the path still names the file we locked.
        let same = match (file.metadata(), fs::symlink_metadata(&path)) {
            (Ok(held), Ok(named)) => {
                use std::os::unix::fs::MetadataExt;
                held.dev() == named.dev() && held.ino() == named.ino()
            }
            _ => false,
        };
        if !same {
            continue;
        }
        let _ = file.set_len(0);
        let _ = writeln!(file, "host {} pid {}", host_name(), std::process::id());
        return Ok(OutputLock { file, path });
    }
    Err(format!("could not take the lock {}", path.display()))
}

/// Folders the run created, to be synced (each one's parent records its entry) up to the root.
#[derive(Debug, Default)]
pub struct CreatedFolders {
    folders: Mutex<BTreeSet<PathBuf>>,
}

impl CreatedFolders {
    /// Create `relative` (a `/`-separated folder) under `root`, one component at a time, never
    /// following a symbolic link and never entering anything but a folder. Returns the full path.
    pub fn create(&self, root: &Path, relative: &str) -> Result<PathBuf, String> {
        let mut path = root.to_path_buf();
        for part in relative.split('/').filter(|p| !p.is_empty()) {
            if Path::new(part)
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
            {
                return Err(format!("folder component `{part}` is not a plain name"));
            }
            path.push(part);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(format!(
                        "{} is a symbolic link inside the output tree; rollcall never follows links there",
                        path.display()
                    ))
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "{} exists and is not a folder",
                        path.display()
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&path) {
                    Ok(()) => {
                        if let Ok(mut created) = self.folders.lock() {
                            created.insert(path.clone());
                        }
                    }
                    // Another writer of this run created it meanwhile: check what it is.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        let meta = fs::symlink_metadata(&path)
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        if !meta.is_dir() || meta.file_type().is_symlink() {
                            return Err(format!(
                                "{} appeared during the run and is not a folder",
                                path.display()
                            ));
                        }
                    }
                    Err(e) => return Err(format!("creating {}: {e}", path.display())),
                },
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        }
        Ok(path)
    }

    /// Sync every created folder's parent (which holds its entry), the folders that received files,
    /// and the root; the first error is returned.
    pub fn sync(&self, root: &Path, received: &BTreeSet<PathBuf>) -> Result<(), String> {
        let mut to_sync: BTreeSet<PathBuf> = received.clone();
        if let Ok(created) = self.folders.lock() {
            for folder in created.iter() {
                to_sync.insert(folder.clone());
                if let Some(parent) = folder.parent() {
                    to_sync.insert(parent.to_path_buf());
                }
            }
        }
        to_sync.insert(root.to_path_buf());
        for folder in to_sync {
            sync_folder(&folder)?;
        }
        Ok(())
    }
}

/// Sync a folder, so the entries renamed or created in it survive a crash.
pub fn sync_folder(folder: &Path) -> Result<(), String> {
    File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| format!("syncing the folder {}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temp_files_of_dead_processes_of_this_host_are_stale() {
        let host = "studio-a";
        let me = std::process::id();
        // pid 0 never names a running process in /proc.
        assert!(is_stale_temp(
            ".12-1.WAV.studio-a.0.Ab12.rollcall-partial",
            host
        ));
        assert!(!is_stale_temp(
            &format!(".12-1.WAV.studio-a.{me}.Ab12.rollcall-partial"),
            host
        ));
        assert!(!is_stale_temp(
            ".12-1.WAV.studio-b.0.Ab12.rollcall-partial",
            host
        ));
        assert!(!is_stale_temp(".12-1.WAV.Ab12.rollcall-partial", host));
        assert!(!is_stale_temp("12-1.WAV", host));
    }

    #[test]
    fn folders_are_created_without_following_links() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        std::os::unix::fs::symlink(outside.path(), root.path().join("EP101")).expect("link");
        let created = CreatedFolders::default();
        let err = created
            .create(root.path(), "EP101/HBL101")
            .expect_err("a link is refused");
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!outside.path().join("HBL101").exists());
        let made = created
            .create(root.path(), "EP102/HBL101")
            .expect("plain folders");
        assert!(made.is_dir());
        assert!(created
            .create(root.path(), "EP102/../x")
            .expect_err("no ..")
            .contains("plain name"));
    }
}
