//! `--supersede`: a destination that holds another version of a take is moved aside under
//! `superseded/<UTC time>/<same relative path>` in the output root (renamed, never copied or
//! deleted) right before the new version is renamed into place.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::SystemTime;

/// The folder of the output root that keeps superseded versions.
pub const SUPERSEDED_FOLDER: &str = "superseded";

/// What the hint of a conflict without `--supersede` says.
pub const SUPERSEDE_HINT: &str =
    "use --supersede to deliver the new version and keep the old one under superseded/";

/// The UTC time folder one run moves its superseded files into, e.g. `20261130T031500Z`.
pub fn superseded_stamp(time: SystemTime) -> String {
    let name = crate::report::report_file_name(time);
    name.trim_start_matches("rollcall-report-")
        .trim_end_matches(".csv")
        .to_string()
}

/// Where a superseded destination goes, relative to the output root (`/`-separated).
pub fn superseded_relative(stamp: &str, relative_destination: &str) -> String {
    format!("{SUPERSEDED_FOLDER}/{stamp}/{relative_destination}")
}

/// Move the file at `destination` aside to `out_root/<moved_to>` (a rename on the same file
/// system), creating its folders. Returns `false` when there was nothing to move (the destination is
/// gone: a crashed run moved it already). Refuses anything but a regular file and never replaces a
/// file already at `moved_to`.
pub(crate) fn move_aside(
    out_root: &Path,
    destination: &Path,
    moved_to: &str,
) -> Result<bool, String> {
    match fs::symlink_metadata(destination) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("{} cannot be examined: {e}", destination.display())),
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "{} is not a regular file; not superseded",
                destination.display()
            ))
        }
        Ok(_) => {}
    }
    let (relative_folder, file_name) = moved_to
        .rsplit_once('/')
        .ok_or_else(|| format!("{moved_to} has no folder"))?;
    // Created one component at a time, never through a symbolic link (as every output folder).
    let folder = crate::output::CreatedFolders::default().create(out_root, relative_folder)?;
    let target = folder.join(file_name);
    let folder = folder.as_path();
    // The output lock keeps other runs out; this check keeps an earlier version already moved to
    // this name (two runs in one second) from being replaced.
    if fs::symlink_metadata(&target).is_ok() {
        return Err(format!(
            "{} already exists; {} was not superseded",
            target.display(),
            destination.display()
        ));
    }
    fs::rename(destination, &target).map_err(|e| {
        format!(
            "moving {} aside to {}: {e}",
            destination.display(),
            target.display()
        )
    })?;
    // The move must be durable before the new version takes the name: the folders it went into
    // (up to the output root, some just created) and the one it left.
    let created = folder
        .ancestors()
        .take_while(|f| f.starts_with(out_root) && *f != out_root);
    for synced in created.chain([out_root]).chain(destination.parent()) {
        if let Ok(dir) = File::open(synced) {
            let _ = dir.sync_all();
        }
    }
    Ok(true)
}
