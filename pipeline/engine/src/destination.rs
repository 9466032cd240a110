//! What a planned file's destination holds: nothing, exactly this run's output (already
//! delivered), or another version (a conflict, or with `--supersede` a file to move aside).

use std::fs::File;
use std::io;

use rollcall_take::{render, SourceTake};
use rollcall_wav::{NoTap, WriteOptions};

use crate::plan::PlannedFile;
use crate::produce::{hex128, produce, HashingWriter};

/// A destination that exists must hold exactly what this run would write (then it counts as
/// delivered); anything else is a conflict.
pub(crate) fn existing_destination(
    file: &PlannedFile,
    derivation: &str,
) -> Result<Option<String>, String> {
    match examine_destination(file, derivation)? {
        Existing::Absent => Ok(None),
        Existing::Same(hash) => Ok(Some(hash)),
        Existing::Differs { conflict, .. } => Err(conflict),
    }
}

/// What a planned file's destination holds.
pub(crate) enum Existing {
    /// Nothing.
    Absent,
    /// Exactly what this run would write: its XXH3-128 (lowercase hex).
    Same(String),
    /// A regular file with other content.
    Differs {
        /// How it differs.
        why: String,
        /// The conflict's full sentence.
        conflict: String,
    },
}

/// Examine a planned file's destination; a destination that is not a regular file or cannot be
/// examined is an error (a conflict even with `--supersede`).
pub(crate) fn examine_destination(
    file: &PlannedFile,
    derivation: &str,
) -> Result<Existing, String> {
    let existing = match std::fs::symlink_metadata(&file.destination) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Absent),
        Err(e) => {
            return Err(format!(
                "conflict: {} cannot be examined: {e}",
                file.destination.display()
            ))
        }
    };
    let conflict = |why: &str| {
        format!(
            "conflict: {} already exists with other content ({why}); source {}",
            file.destination.display(),
            file.source.display()
        )
    };
    if !existing.is_file() {
        return Err(conflict("not a regular file"));
    }
    let differs = |why: String| Existing::Differs {
        conflict: conflict(&why),
        why,
    };
    let source_file =
        File::open(&file.source).map_err(|e| format!("{}: {e}", file.source.display()))?;
    let source = SourceTake::read_open(&file.source, &source_file)
        .map_err(|e| format!("{}: {e}", file.source.display()))?;
    let rendered = render(&source, &file.changes, derivation).map_err(|e| e.to_string())?;
    let mut sink = HashingWriter::new(io::sink());
    produce(
        &source_file,
        &source,
        &rendered,
        &mut sink,
        &WriteOptions::default(),
        &mut NoTap,
    )
    .map_err(|e| format!("{}: {e}", file.source.display()))?;
    if sink.bytes_written() != existing.len() {
        return Ok(differs(format!(
            "{} bytes, this run would write {}",
            existing.len(),
            sink.bytes_written()
        )));
    }
    let delivered = File::open(&file.destination)
        .map_err(|e| format!("{}: {e}", file.destination.display()))?;
    let mut hasher = HashingWriter::new(io::sink());
    io::copy(&mut &delivered, &mut hasher)
        .map_err(|e| format!("{}: {e}", file.destination.display()))?;
    if hasher.xxh128() != sink.xxh128() {
        return Ok(differs("same size, different bytes".to_string()));
    }
    Ok(Existing::Same(hex128(hasher.xxh128())))
}
