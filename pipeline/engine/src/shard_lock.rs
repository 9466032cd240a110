//! The output root's lock as the shards of one plan share it.
//!
//! A run (`run`, `plan`, `finish`) holds `.rollcall.lock` exclusively. A shard holds it shared; the
//! first shard writes `plan <id> ...` into it, and a later shard joins only when the lock names its
//! own plan. So the shards of one plan write together, on any number of machines sharing the
//! folder, while a run or another plan's shards are refused.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::output::{host_name, LOCK_FILE};

/// A shard's shared hold on the output root's lock; the last shard out removes the lock file.
#[derive(Debug)]
pub struct PlanLock {
    file: File,
    path: PathBuf,
}

impl Drop for PlanLock {
    fn drop(&mut self) {
        // The last holder can take it exclusively: then no shard of the plan is left.
        if self.file.try_lock().is_ok() {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// How long a shard waits for another shard of its plan that is setting the lock up.
const JOIN_ATTEMPTS: u32 = 200;
const JOIN_PAUSE: Duration = Duration::from_millis(50);

/// The words a plan's shards write into the lock file.
fn plan_words(plan_id: &str) -> String {
    format!("plan {plan_id} ")
}

/// Take the output root's lock for a shard of plan `plan_id`, shared with the other shards of the
/// same plan; refuse while a run or another plan holds it.
pub fn lock_output_for_plan(root: &Path, plan_id: &str) -> Result<PlanLock, String> {
    fs::create_dir_all(root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    let path = root.join(LOCK_FILE);
    let ours = plan_words(plan_id);
    let refused = |holder: &str| {
        format!(
            "another rollcall run is writing into {} ({}); wait for it to finish, then run again",
            root.display(),
            holder.trim()
        )
    };
    for _ in 0..JOIN_ATTEMPTS {
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("opening the lock {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                if !names_file(&file, &path) {
                    continue;
                }
                let _ = file.set_len(0);
                let _ = writeln!(
                    file,
                    "{ours}host {} pid {}",
                    host_name(),
                    std::process::id()
                );
                let _ = file.sync_data();
                // Down to shared, so the plan's other shards can join.
                match file.try_lock_shared() {
                    Ok(()) => return Ok(PlanLock { file, path }),
                    Err(_) => {
                        let holder = fs::read_to_string(&path).unwrap_or_default();
                        return Err(refused(&holder));
                    }
                }
            }
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(e)) => {
                return Err(format!("locking {}: {e}", path.display()));
            }
        }
        let holder = fs::read_to_string(&path).unwrap_or_default();
        match file.try_lock_shared() {
            Ok(()) => {
                if !names_file(&file, &path) {
                    continue;
                }
                if holder.starts_with(&ours) {
                    return Ok(PlanLock { file, path });
                }
                let _ = file.unlock();
                return Err(refused(&holder));
            }
            Err(fs::TryLockError::WouldBlock) => {
                // Held exclusively: a run, or a shard of this plan writing its name (wait for it).
                if !(holder.is_empty() || holder.starts_with(&ours)) {
                    return Err(refused(&holder));
                }
                std::thread::sleep(JOIN_PAUSE);
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(format!("locking {}: {e}", path.display()));
            }
        }
    }
    let holder = fs::read_to_string(&path).unwrap_or_default();
    Err(refused(&holder))
}

/// Whether the path still names the file that was locked (a finished holder removes it).
fn names_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_of_one_plan_share_the_lock_and_refuse_others() {
        let root = tempfile::tempdir().expect("temp dir");
        let first = lock_output_for_plan(root.path(), "aaaa").expect("first shard");
        let second = lock_output_for_plan(root.path(), "aaaa").expect("second shard joins");
        let other = lock_output_for_plan(root.path(), "bbbb").expect_err("another plan");
        assert!(other.contains("plan aaaa"), "{other}");
        let run = crate::lock_output(root.path()).expect_err("a run is refused");
        assert!(run.contains("another rollcall run"), "{run}");
        drop(first);
        assert!(
            root.path().join(LOCK_FILE).exists(),
            "still held by one shard"
        );
        drop(second);
        assert!(
            !root.path().join(LOCK_FILE).exists(),
            "the last shard removes it"
        );
        let run = crate::lock_output(root.path()).expect("free again");
        let shard = lock_output_for_plan(root.path(), "aaaa").expect_err("a run holds it");
        assert!(shard.contains("another rollcall run"), "{shard}");
        drop(run);
    }
}
