//! Faults through the real binary: kills, a full disk, hostile metadata, sources that change under
//! the run, odd things in input folders, misbehaving plugins, and formulas in the report.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    data_of, describe, eight_track_take, plugin_dir, report_text, rollcall, run_json, run_recipe,
    temp_dir, tree, write_recipe, write_take_file,
};

const COPY_RECIPE: &str = "[recipe]\nname = \"copy and verify\"\n";

/// A re-layout: `Lav1` is the mix, `MixR` is dropped, so the 8 source channels become
/// `Lav1 Boom MixL Lav2 Lav3 Lav4 Lav5`.
const LAYOUT_RECIPE: &str = "[recipe]\nname = \"re-layout\"\n\n[[step]]\nplugin = \"channel-layout\"\nmix = [\"Lav1\"]\ndrop = [\"MixR\"]\n";

/// Source channel of each output channel of [`LAYOUT_RECIPE`].
const LAYOUT_ORDER: [usize; 7] = [3, 2, 0, 4, 5, 6, 7];

/// Bytes per sample of the generated takes (24-bit).
const SAMPLE_BYTES: usize = 3;

/// `count` 8-track takes named `T001.WAV`... in `dir`.
fn make_roll(dir: &Path, count: usize, frames: u64) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let name = format!("T{:03}.WAV", i + 1);
            let spec = eight_track_take("12", &(i + 1).to_string(), frames, i as u64);
            write_take_file(dir, &name, &spec)
        })
        .collect()
}

/// The audio of an 8-channel 24-bit source after [`LAYOUT_RECIPE`].
fn relaid_audio(source: &[u8]) -> Vec<u8> {
    let frame = 8 * SAMPLE_BYTES;
    let mut out = Vec::with_capacity(source.len() / 8 * 7);
    for chunk in source.chunks_exact(frame) {
        for &channel in &LAYOUT_ORDER {
            let at = channel * SAMPLE_BYTES;
            out.extend_from_slice(&chunk[at..at + SAMPLE_BYTES]);
        }
    }
    out
}

/// Temp files (`.*.rollcall-partial`) anywhere under a folder.
fn temp_files(root: &Path) -> Vec<String> {
    tree(root)
        .into_iter()
        .filter(|f| f.ends_with(".rollcall-partial"))
        .collect()
}

/// Wait for a child, killing it (and failing) if it takes longer than `limit`.
fn wait_or_kill(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("child state").is_some() {
            return child.wait_with_output().expect("child output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("child output");
            panic!("{what}: still running after {limit:?}, killed: {}", describe(&output));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Start `rollcall run RECIPE ROLL --out OUT --jobs 1`, SIGKILL it while it is writing a file
/// (a temp file holding less than half of a take, after at least one file was delivered), then check
/// what the kill left and run the same command again. `expected` gives each source's expected audio.
fn kill_mid_write_then_rerun(recipe_text: &str, expected: fn(&[u8]) -> Vec<u8>) {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "recipe.toml", recipe_text);
    let roll = work.path().join("TST101");
    // 6 takes of about 11.5 MB each, written one at a time.
    let sources = make_roll(&roll, 6, 480_000);
    let take_size = fs::metadata(&sources[0]).expect("take").len();
    let out = work.path().join("out");
    let mut child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .arg("--jobs")
        .arg("1")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rollcall starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut killed_while_writing = None;
    while Instant::now() < deadline {
        if child.try_wait().expect("child state").is_some() {
            break;
        }
        let Ok(entries) = fs::read_dir(&out) else {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        };
        let mut delivered = 0;
        let mut partial = None;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rollcall-partial") {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                if len > 0 && len < take_size / 2 {
                    partial = Some(name);
                }
            } else if name.ends_with(".WAV") {
                delivered += 1;
            }
        }
        if let (true, Some(name)) = (delivered >= 1, partial) {
            // SIGKILL: nothing of rollcall runs after this.
            child.kill().expect("SIGKILL sent");
            killed_while_writing = Some(name);
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = child.wait().expect("child reaped");
    let partial = killed_while_writing.unwrap_or_else(|| {
        panic!("the run was never seen half-way through a file (exit {status:?})")
    });
    assert_eq!(status.code(), None, "killed by a signal, not finished");

    // What the kill left: the half-written file only under its temp name; every final name whole.
    let after_kill = tree(&out);
    assert!(
        after_kill.iter().any(|f| f == &partial),
        "the temp file being written is still there: {after_kill:?}"
    );
    let finals: Vec<&String> = after_kill.iter().filter(|f| f.ends_with(".WAV")).collect();
    assert!(
        !finals.is_empty() && finals.len() < sources.len(),
        "killed mid-run: {after_kill:?}"
    );
    for name in &finals {
        let source = roll.join(name);
        assert_eq!(
            data_of(&out.join(name)),
            expected(&data_of(&source)),
            "{name} is whole after the kill"
        );
    }
    assert!(
        !after_kill.iter().any(|f| f.starts_with("rollcall-report-")),
        "no report from a killed run"
    );

    let rerun = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(rerun.status.code(), Some(0), "{}", describe(&rerun));
    let summary = format!(
        "{} delivered, {} already delivered, 0 failed",
        sources.len() - finals.len(),
        finals.len()
    );
    assert!(
        String::from_utf8_lossy(&rerun.stderr).contains(&summary),
        "wants `{summary}`: {}",
        describe(&rerun)
    );
    assert!(temp_files(&out).is_empty(), "no temp files left: {:?}", tree(&out));
    let mut names: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !f.starts_with("rollcall-report-"))
        .collect();
    names.sort();
    let wanted: Vec<String> = sources
        .iter()
        .map(|s| s.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, wanted, "exactly the takes, nothing else");
    for source in &sources {
        let delivered = out.join(source.file_name().unwrap());
        assert_eq!(
            data_of(&delivered),
            expected(&data_of(source)),
            "{} whole",
            delivered.display()
        );
    }
}

#[test]
fn a_copy_killed_while_writing_leaves_only_a_temp_file_and_the_same_command_finishes_it() {
    kill_mid_write_then_rerun(COPY_RECIPE, |audio| audio.to_vec());
}

#[test]
fn a_relayout_killed_while_writing_leaves_only_a_temp_file_and_the_same_command_finishes_it() {
    kill_mid_write_then_rerun(LAYOUT_RECIPE, relaid_audio);
}
