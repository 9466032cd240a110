//! Shared by the crates' `fuzz_regressions` tests: finds the kept inputs of a fuzz target and replays
//! them through its `exercise` function, naming every input that panics.

use std::path::PathBuf;

/// The files of `tests/fuzz/regressions/<target>/`, sorted.
pub fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fuzz/regressions"
    ))
    .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
}

/// Runs `exercise` over every input of `target`, failing with the names of the inputs that panic.
pub fn replay(target: &str, exercise: fn(&[u8])) {
    let mut failed = Vec::new();
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if std::panic::catch_unwind(|| exercise(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "fuzz regressions panic: {failed:?}");
}
