//! Shared helpers: the real binary, the plugin folder, the corpus, and an independent chunk reader.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

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
    /// Offset of the first payload byte in the file.
    pub payload_offset: usize,
    pub payload: Vec<u8>,
}

/// The `fmt ` block align of a file (bytes per frame), read independently of rollcall.
pub fn block_align(path: &Path) -> usize {
    let fmt = raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == b"fmt ")
        .expect("fmt chunk");
    usize::from(u16::from_le_bytes([fmt.payload[12], fmt.payload[13]]))
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
            // RF64 keeps the size in ds64; a RIFF file with this size never had it filled in.
            size = data_size_64.unwrap_or((bytes.len() - at - 8) as u64);
        }
        let start = at + 8;
        let end = (start as u64 + size).min(bytes.len() as u64) as usize;
        if &id != b"ds64" {
            chunks.push(RawChunk {
                id,
                payload_offset: start,
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

/// Every file under a folder, relative, sorted, without rollcall's bookkeeping in an output root: the
/// delivery manifest (`ascmhl/`), the output lock and the sound reports (`reports/`); tests of those
/// look at them directly.
pub fn tree(root: &Path) -> Vec<String> {
    tree_all(root)
        .into_iter()
        .filter(|f| {
            !f.starts_with("ascmhl/") && !f.starts_with("reports/") && f != ".rollcall.lock"
        })
        .collect()
}

/// Every file under a folder, relative, sorted.
pub fn tree_all(root: &Path) -> Vec<String> {
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

/// Write a recipe file into `dir` and return its path.
pub fn write_recipe(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("recipe written");
    path
}

/// A Sound Devices-style take with the 8 tracks `MixL MixR Boom Lav1..Lav5` and `frames` frames.
pub fn eight_track_take(scene: &str, take: &str, frames: u64, seed: u64) -> rollgen::TakeSpec {
    let names = [
        "MixL", "MixR", "Boom", "Lav1", "Lav2", "Lav3", "Lav4", "Lav5",
    ];
    let tracks = names
        .iter()
        .enumerate()
        .map(|(i, n)| rollgen::TrackSpec::new(i as u32 + 1, n))
        .collect();
    let mut spec =
        rollgen::TakeSpec::new(rollgen::RecorderStyle::SoundDevices, scene, take, tracks);
    spec.frames = frames;
    spec.seed = seed;
    spec.tape = "TST101".into();
    spec
}

/// Write one take file `dir/name` (creating `dir`) and return its path.
pub fn write_take_file(dir: &Path, name: &str, spec: &rollgen::TakeSpec) -> PathBuf {
    std::fs::create_dir_all(dir).expect("roll folder");
    let path = dir.join(name);
    rollgen::write_take(&path, spec).expect("take written");
    path
}

/// `rollcall run ... --json` in `cwd`, given raw arguments after `run`; returns the output and the
/// parsed per-file results (empty when stdout is not JSON).
pub fn run_json(cwd: &Path, args: &[&std::ffi::OsStr]) -> (Output, Vec<serde_json::Value>) {
    let output = rollcall()
        .current_dir(cwd)
        .arg("run")
        .args(args)
        .arg("--json")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("rollcall runs");
    let files = serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .ok()
        .and_then(|v| v["files"].as_array().cloned())
        .unwrap_or_default();
    (output, files)
}

/// The single report CSV in an output root, as text.
pub fn report_text(out: &Path) -> String {
    let reports: Vec<String> = tree(out)
        .into_iter()
        .filter(|f| f.starts_with("rollcall-report-") && f.ends_with(".csv"))
        .collect();
    assert_eq!(
        reports.len(),
        1,
        "one report in {}: {reports:?}",
        out.display()
    );
    std::fs::read_to_string(out.join(&reports[0])).expect("report readable")
}

/// Runs an outside reader (sox, sndfile-info, ffprobe, wavinfo, chromium, ...) the tests check against.
///
/// A tool that is not installed is `None` with a visible `NOT RUN` line on the terminal (written past
/// the test harness's capture), or a test failure when `CI` is set, since `.ci/run` installs every
/// tool. A tool that runs but rejects what we wrote (non-zero exit) always fails the test.
pub fn external(mut command: Command, tool: &str, hint: &str) -> Option<Output> {
    match command.output() {
        Ok(output) => {
            assert!(
                output.status.success(),
                "{tool} rejected rollcall's output ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            Some(output)
        }
        Err(why) => {
            not_run(tool, &format!("{why}; {hint}"));
            None
        }
    }
}

/// Says visibly that a check did not run because `tool` is missing; fails instead when `CI` is set.
pub fn not_run(tool: &str, why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{tool} must be installed in CI: {why}");
    }
    use std::io::Write;
    // Straight to the terminal: the test harness captures only the print macros.
    let _ = writeln!(std::io::stderr(), "NOT RUN: {tool} is missing ({why})");
}

/// Whether `python3` can import a module (an outside reader installed from PyPI).
pub fn python_module(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Temp files (`.*.rollcall-partial`) anywhere under a folder.
pub fn temp_files(root: &Path) -> Vec<String> {
    tree(root)
        .into_iter()
        .filter(|f| f.ends_with(".rollcall-partial"))
        .collect()
}

/// Wait for a child, killing it (and failing) if it takes longer than `limit`.
pub fn wait_or_kill(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("child state").is_some() {
            return child.wait_with_output().expect("child output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("child output");
            panic!(
                "{what}: still running after {limit:?}, killed: {}",
                describe(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
