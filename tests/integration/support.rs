//! Shared helpers: the real binary, the plugin folder, the corpus, and an independent chunk reader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `rollcall` binary built for these tests.
pub fn rollcall() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    command.env_remove("ROLLCALL_PLUGIN_PATH");
    for (key, _) in std::env::vars() {
        if key.starts_with("ROLLCALL_") {
            command.env_remove(key);
        }
    }
    command
}

/// The folder holding the plugins `cargo test` built (the test binary's own `deps` folder).
pub fn plugin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.parent()
        .expect("the test binary is in a folder")
        .to_path_buf()
}

/// `rollcall run` with the test plugin folder.
pub fn run_recipe(recipe: &Path, inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut command = rollcall();
    command
        .arg("run")
        .arg(recipe)
        .args(inputs)
        .arg("--out")
        .arg(out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args(extra);
    command.output().expect("rollcall runs")
}

/// The shared corpus of real WAV files.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.wav`/`.WAV`/`.bwf` file of the corpus, sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![corpus()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus folder readable") {
            let path = entry.expect("corpus entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("wav" | "WAV" | "bwf")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// One chunk read by the test's own reader: id and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawChunk {
    pub id: [u8; 4],
    pub payload: Vec<u8>,
}

/// Read every chunk of a RIFF/RF64/BW64 file with a reader independent of rollcall's (ds64 sizes
/// resolved; `ds64` itself is left out, since the writer regenerates it).
pub fn raw_chunks(path: &Path) -> Vec<RawChunk> {
    let bytes = std::fs::read(path).expect("readable file");
    raw_chunks_of(&bytes)
}

/// As [`raw_chunks`], from bytes.
pub fn raw_chunks_of(bytes: &[u8]) -> Vec<RawChunk> {
    let mut chunks = Vec::new();
    let mut data_size_64: Option<u64> = None;
    let mut at = 12usize;
    while at + 8 <= bytes.len() {
        let id: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
        let size32 = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap());
        let mut size = u64::from(size32);
        if &id == b"ds64" {
            data_size_64 = Some(u64::from_le_bytes(
                bytes[at + 16..at + 24].try_into().unwrap(),
            ));
        }
        if size32 == u32::MAX && &id == b"data" {
            size = data_size_64.expect("ds64 before data");
        }
        let start = at + 8;
        let end = (start as u64 + size).min(bytes.len() as u64) as usize;
        if &id != b"ds64" {
            chunks.push(RawChunk {
                id,
                payload: bytes[start..end].to_vec(),
            });
        }
        at = end + (size as usize & 1);
    }
    chunks
}

/// Interleaved audio of a file's `data` chunk, as bytes.
pub fn data_of(path: &Path) -> Vec<u8> {
    raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == b"data")
        .map(|c| c.payload)
        .unwrap_or_default()
}

/// A fresh temp folder.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Every file under a folder, relative, sorted.
pub fn tree(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
