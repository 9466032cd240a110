//! Shared helpers for the corpus-based tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared real-WAV corpus.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
}

/// A corpus file by its path relative to the corpus folder.
pub fn corpus(rel: &str) -> PathBuf {
    corpus_dir().join(rel)
}

/// Every `.wav`/`.WAV`/`.bwf` file under the corpus, as (relative path, full path), sorted.
pub fn corpus_wavs() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("wav") || e.eq_ignore_ascii_case("bwf"))
            {
                out.push(path);
            }
        }
    }
    let root = corpus_dir();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut out: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            (rel, p)
        })
        .collect();
    out.sort();
    out
}
