//! Faults through the real binary: kills, a full disk, hostile metadata, sources that change under
//! the run, odd things in input folders, misbehaving plugins, and formulas in the report.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    data_of, describe, eight_track_take, plugin_dir, report_text, rollcall, run_json, run_recipe,
    temp_dir, temp_files, tree, wait_or_kill, write_recipe, write_take_file,
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
    assert!(
        temp_files(&out).is_empty(),
        "no temp files left: {:?}",
        tree(&out)
    );
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

/// A small tmpfs mounted for one test (root only), unmounted when dropped, even on a failed assertion.
struct SmallDisk {
    mount_point: PathBuf,
}

impl SmallDisk {
    /// Mount a `size`-byte tmpfs on `mount_point`; `Err` says why it could not be (not root, no mount).
    fn mount(mount_point: &Path, size: &str) -> Result<SmallDisk, String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not running as root, so no tmpfs can be mounted".into());
        }
        fs::create_dir_all(mount_point).map_err(|e| format!("creating the mount point: {e}"))?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(mount_point)
            .output()
            .map_err(|e| format!("`mount` cannot be run: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`mount -t tmpfs` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(SmallDisk {
            mount_point: mount_point.to_path_buf(),
        })
    }

    /// Bytes an unprivileged writer can still use on the disk.
    #[allow(clippy::useless_conversion)] // the field types differ between targets
    fn free_bytes(&self) -> u64 {
        let path = std::ffi::CString::new(self.mount_point.as_os_str().as_encoded_bytes())
            .expect("no NUL in the mount point");
        let mut stats = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
        // SAFETY: statvfs writes a statvfs into the pointer it is given; the path is NUL-terminated.
        let stats = unsafe {
            assert_eq!(libc::statvfs(path.as_ptr(), stats.as_mut_ptr()), 0);
            stats.assume_init()
        };
        u64::from(stats.f_bavail) * u64::from(stats.f_frsize)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.mount_point)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Lazy unmount as a last resort, so no mount outlives the test.
            let _ = Command::new("umount")
                .arg("-l")
                .arg(&self.mount_point)
                .status();
        }
    }
}

/// Mount a small disk or say plainly why the test does not run.
fn small_disk(mount_point: &Path, size: &str, test: &str) -> Option<SmallDisk> {
    match SmallDisk::mount(mount_point, size) {
        Ok(disk) => Some(disk),
        Err(why) => {
            eprintln!("{test}: NOT RUN: {why}");
            None
        }
    }
}

#[test]
fn a_file_that_does_not_fit_the_disk_fails_alone_and_leaves_nothing_behind() {
    let work = temp_dir();
    let out = work.path().join("out");
    let Some(_disk) = small_disk(&out, "3m", "full disk") else {
        return;
    };
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    // 0.48 MB, 2.9 MB, 0.48 MB on a 3 MiB disk, written in this order: the second cannot fit.
    let sources: Vec<PathBuf> = [20_000u64, 120_000, 20_000]
        .iter()
        .enumerate()
        .map(|(i, &frames)| {
            let spec = eight_track_take("12", &(i + 1).to_string(), frames, i as u64);
            write_take_file(&roll, &format!("T{:03}.WAV", i + 1), &spec)
        })
        .collect();
    let output = run_recipe(&recipe, &[&roll], &out, &["--jobs", "1"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failure = stderr
        .lines()
        .find(|l| l.starts_with("rollcall: failed: "))
        .unwrap_or_else(|| panic!("a failure line: {stderr}"));
    assert!(
        failure.contains("T002.WAV") && failure.contains("No space left on device"),
        "names the file and the lack of space: {failure}"
    );
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("rollcall: failed: "))
            .count(),
        1,
        "only the big file fails: {stderr}"
    );
    assert!(
        stderr.contains("2 delivered, 0 already delivered, 1 failed"),
        "{stderr}"
    );

    let files = tree(&out);
    assert!(temp_files(&out).is_empty(), "no temp files left: {files:?}");
    assert!(
        !out.join("T002.WAV").exists(),
        "nothing under the final name"
    );
    for source in [&sources[0], &sources[2]] {
        let name = source.file_name().unwrap();
        assert_eq!(
            fs::read(out.join(name)).expect("delivered"),
            fs::read(source).expect("source"),
            "{name:?} whole"
        );
    }
    let report = report_text(&out);
    let row = report
        .lines()
        .find(|l| l.contains("T002.WAV"))
        .expect("a report row for the file that did not fit");
    assert!(
        row.contains("\"failed\"") && row.contains("No space left on device"),
        "{row}"
    );
    assert_eq!(report.matches("\"delivered\"").count(), 2, "{report}");
}

#[test]
fn a_report_that_does_not_fit_the_disk_is_a_clear_error_with_exit_1() {
    let work = temp_dir();
    let out = work.path().join("out");
    let Some(disk) = small_disk(&out, "3m", "full disk for the report") else {
        return;
    };
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    let source = write_take_file(&roll, "T001.WAV", &eight_track_take("12", "1", 20_000, 1));
    // Fill the disk so that exactly the take and the run's lock file fit (tmpfs counts whole pages),
    // and not one page more.
    let page = 4096;
    let take_pages = fs::metadata(&source).expect("take").len().div_ceil(page) * page + page;
    let filler = disk.free_bytes() - take_pages;
    fs::write(out.join("filler.bin"), vec![0u8; filler as usize]).expect("filler written");
    assert_eq!(disk.free_bytes(), take_pages, "room for the take only");

    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 delivered, 0 already delivered, 0 failed"),
        "{stderr}"
    );
    let error = stderr
        .lines()
        .find(|l| l.contains("report"))
        .unwrap_or_else(|| panic!("a report error: {stderr}"));
    assert!(
        error.contains("writing the report") && error.contains("No space left on device"),
        "{stderr}"
    );
    assert!(
        !error.contains("at path"),
        "names the problem, not a temp file that is gone: {error}"
    );
    assert_eq!(
        tree(&out),
        vec!["T001.WAV".to_string(), "filler.bin".to_string()],
        "the take, the filler, no half report and no temp file"
    );
    assert_eq!(
        fs::read(out.join("T001.WAV")).expect("delivered"),
        fs::read(&source).expect("source")
    );
}

/// Slate scenes that try to steer a path out of the output root or onto a device name.
const HOSTILE_SCENES: [&str; 12] = [
    "../../x",
    "/abs",
    "..",
    ".",
    "a\0b",
    "c\u{7}d",
    "e\nf",
    "CON",
    "NUL.wav",
    "COM1",
    "lpt9.txt",
    "g\\..\\..\\h",
];

/// Names Windows reserves for devices.
const WINDOWS_DEVICES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Why a path part is unsafe on Windows, macOS or Linux, if it is.
fn unsafe_part(part: &str) -> Option<&'static str> {
    if part.is_empty() || part == "." || part == ".." {
        return Some("empty, `.` or `..`");
    }
    if part
        .chars()
        .any(|c| c.is_control() || "<>:\"/\\|?*".contains(c))
    {
        return Some("a control or reserved character");
    }
    let base = part.split('.').next().unwrap_or(part).trim_end();
    if WINDOWS_DEVICES.iter().any(|d| d.eq_ignore_ascii_case(base)) {
        return Some("a Windows device name");
    }
    if part.ends_with('.') || part.ends_with(' ') {
        return Some("a trailing dot or space");
    }
    None
}

/// Every file under a folder, relative, with folders listed too (a stray empty folder counts).
fn everything(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if entry.file_type().expect("file type").is_dir() {
                stack.push(path);
                found.push(format!("{relative}/"));
            } else {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn metadata_cannot_steer_a_destination_out_of_the_output_root_or_onto_a_device_name() {
    let recipes = [
        (
            "rename-scene-take.toml",
            "[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}-{take}\"\n",
        ),
        (
            "rename-scene.toml",
            "[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}\"\n",
        ),
        (
            "split-scene-folder.toml",
            "[[step]]\nplugin = \"episode-split\"\npattern = \"^(?P<episode>.+)$\"\nfolder = \"EP{episode}/{scene}\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}-{take}\"\n",
        ),
        (
            "split-scene-only.toml",
            "[[step]]\nplugin = \"episode-split\"\npattern = \"^(?P<episode>.+)$\"\nfolder = \"{scene}\"\n",
        ),
    ];
    for (recipe_name, recipe_text) in recipes {
        // `.` and `..` both become `_` when the name is the scene alone: a real collision, which
        // stops the run (tested elsewhere); keep one of them.
        let scenes: Vec<&str> = HOSTILE_SCENES
            .iter()
            .copied()
            .filter(|s| !(recipe_name == "rename-scene.toml" && *s == "."))
            .collect();
        let work = temp_dir();
        // Nested, so that `../../x` from the output root would still land inside the temp dir.
        let base = work.path().join("a").join("b");
        let roll = base.join("roll");
        for (i, scene) in scenes.iter().enumerate() {
            let spec = eight_track_take(scene, &(i + 1).to_string(), 480, i as u64);
            write_take_file(&roll, &format!("T{:03}.WAV", i + 1), &spec);
        }
        let recipe = write_recipe(&base, recipe_name, recipe_text);
        let out = base.join("out");
        let before = everything(work.path());
        let (output, files) = run_json(
            &base,
            &[
                recipe.as_os_str(),
                roll.as_os_str(),
                OsStr::new("--out"),
                out.as_os_str(),
            ],
        );
        let context = format!("{recipe_name}: {}", describe(&output));
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "a per-file outcome, not a refused plan: {context}"
        );
        assert_eq!(files.len(), scenes.len(), "one result per take: {context}");
        let mut delivered = Vec::new();
        for file in &files {
            let source = file["source"].as_str().expect("source");
            match file["status"].as_str() {
                Some("delivered") => {
                    let destination = out.join(file["destination"].as_str().expect("dest"));
                    let relative = destination.strip_prefix(&out).unwrap_or_else(|_| {
                        panic!("{source} escaped to {destination:?}: {context}")
                    });
                    for part in relative.components() {
                        let part = part.as_os_str().to_string_lossy();
                        if let Some(why) = unsafe_part(&part) {
                            panic!("{source} delivered as {relative:?}: part `{part:?}` has {why}");
                        }
                    }
                    assert!(destination.is_file(), "{destination:?} exists");
                    let canonical = destination.canonicalize().expect("canonical");
                    assert!(canonical.starts_with(out.canonicalize().unwrap()));
                    delivered.push(relative.to_string_lossy().into_owned());
                }
                Some("failed") => {
                    let reason = file["reason"].as_str().unwrap_or("");
                    assert!(!reason.trim().is_empty(), "{source} fails with a reason");
                }
                other => panic!("{source}: unexpected status {other:?}: {context}"),
            }
        }
        assert!(
            delivered.len() >= scenes.len() / 2,
            "most hostile scenes are made safe rather than refused: {delivered:?}; {context}"
        );
        // Nothing appeared anywhere but in the output root.
        let after: Vec<String> = everything(work.path())
            .into_iter()
            .filter(|f| !f.starts_with("a/b/out/"))
            .collect();
        assert_eq!(
            after, before,
            "nothing written outside the output root: {context}"
        );
        let mut in_out: Vec<String> = tree(&out)
            .into_iter()
            .filter(|f| !f.starts_with("rollcall-report-"))
            .collect();
        in_out.sort();
        delivered.sort();
        assert_eq!(
            in_out, delivered,
            "only the delivered files in the output root"
        );
    }
}

#[test]
fn a_source_that_changes_or_disappears_after_planning_fails_alone() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    // Three big takes (about 11.5 MB each) written first, one at a time (--jobs 1): the small ones
    // are written after them, so they can be changed after the plan was made and before they are
    // written, with hundreds of milliseconds to spare.
    let sources: Vec<PathBuf> = [480_000u64, 480_000, 480_000, 4_800, 4_800, 4_800, 4_800]
        .iter()
        .enumerate()
        .map(|(i, &frames)| {
            let spec = eight_track_take("12", &(i + 1).to_string(), frames, i as u64);
            write_take_file(&roll, &format!("T{:03}.WAV", i + 1), &spec)
        })
        .collect();
    let kept_last = fs::read(&sources[6]).expect("source");
    let out = work.path().join("out");
    let mut child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .arg("--jobs")
        .arg("1")
        .arg("--json")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollcall starts");
    // The first temp file appears only once the whole plan is made.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut changed = false;
    while Instant::now() < deadline {
        if !temp_files(&out).is_empty() {
            // Grown, deleted, rewritten with the same size (and a later time, as a rewrite has).
            let mut grown = fs::OpenOptions::new()
                .append(true)
                .open(&sources[3])
                .expect("source opened");
            std::io::Write::write_all(&mut grown, b"LIST\0\0\0\0").expect("appended");
            fs::remove_file(&sources[4]).expect("source deleted");
            let len = fs::metadata(&sources[5]).expect("source").len();
            let planned_time = fs::metadata(&sources[5])
                .and_then(|m| m.modified())
                .unwrap();
            let rewritten = fs::OpenOptions::new()
                .write(true)
                .open(&sources[5])
                .expect("source opened");
            std::io::Write::write_all(&mut &rewritten, &vec![0x55u8; len as usize]).unwrap();
            rewritten
                .set_modified(planned_time + Duration::from_secs(2))
                .expect("time set");
            changed = true;
            break;
        }
        if child.try_wait().expect("child state").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let output = wait_or_kill(child, Duration::from_secs(60), "run");
    assert!(
        changed,
        "the sources were changed during the run: {}",
        describe(&output)
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON results");
    let status_of = |name: &str| {
        results["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["source"].as_str().is_some_and(|s| s.ends_with(name)))
            .map(|f| {
                (
                    f["status"].as_str().unwrap_or("").to_string(),
                    f["reason"].as_str().unwrap_or("").to_string(),
                )
            })
            .unwrap_or_else(|| panic!("a result for {name}: {}", describe(&output)))
    };
    for name in ["T001.WAV", "T002.WAV", "T003.WAV"] {
        assert_eq!(status_of(name).0, "delivered", "{name}");
    }
    assert_eq!(status_of("T007.WAV").0, "delivered");
    for name in ["T004.WAV", "T006.WAV"] {
        let (status, reason) = status_of(name);
        assert_eq!(status, "failed", "{name}");
        assert!(reason.contains("changed"), "{name}: {reason}");
    }
    let (status, reason) = status_of("T005.WAV");
    assert_eq!(status, "failed");
    assert!(reason.contains("No such file"), "T005.WAV: {reason}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in ["T004.WAV", "T005.WAV", "T006.WAV"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("rollcall: failed: ") && l.contains(name)),
            "{name} listed as failed: {stderr}"
        );
    }

    let mut files: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !f.starts_with("rollcall-report-"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        vec!["T001.WAV", "T002.WAV", "T003.WAV", "T007.WAV"],
        "nothing else, no temp files"
    );
    for source in &sources[..3] {
        let name = source.file_name().unwrap();
        assert_eq!(fs::read(out.join(name)).unwrap(), fs::read(source).unwrap());
    }
    assert_eq!(fs::read(out.join("T007.WAV")).unwrap(), kept_last);
}

/// Make a FIFO (named pipe) at `path`.
fn make_fifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
    // SAFETY: mkfifo reads a NUL-terminated path.
    let made = unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

#[test]
fn loops_pipes_broken_links_and_repeated_inputs_are_reported_not_hung_on() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    let good = make_roll(&roll, 2, 480);
    std::os::unix::fs::symlink(".", roll.join("loop")).expect("loop to itself");
    std::os::unix::fs::symlink(&roll, roll.join("sub-loop")).expect("loop to the roll");
    std::os::unix::fs::symlink("nowhere.wav", roll.join("gone.wav")).expect("dangling link");
    std::os::unix::fs::symlink("self.wav", roll.join("self.wav")).expect("self link");
    make_fifo(&roll.join("x.wav"));
    let lone_pipe = work.path().join("pipe.WAV");
    make_fifo(&lone_pipe);
    let out = work.path().join("out");

    // The roll twice, one of its files by name, and a FIFO by name.
    let child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg(&roll)
        .arg(&good[0])
        .arg(&lone_pipe)
        .arg("--out")
        .arg(&out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollcall starts");
    let output = wait_or_kill(child, Duration::from_secs(20), "a run over pipes and loops");
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failures: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rollcall: failed: "))
        .collect();
    for (name, why) in [
        ("x.wav", "not a regular file"),
        ("pipe.WAV", "not a regular file"),
        ("gone.wav", "broken symbolic link"),
        ("self.wav", ""),
        ("loop", "loop"),
        ("sub-loop", "loop"),
    ] {
        assert!(
            failures
                .iter()
                .any(|l| l.contains(&format!("/{name}: ")) && l.contains(why)),
            "{name} reported ({why}): {stderr}"
        );
    }
    assert!(
        stderr.contains("2 delivered, 0 already delivered, 6 failed"),
        "each real take once, each problem once: {stderr}"
    );
    let mut files: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !f.starts_with("rollcall-report-"))
        .collect();
    files.sort();
    assert_eq!(files, vec!["T001.WAV", "T002.WAV"]);
    for source in &good {
        let name = source.file_name().unwrap();
        assert_eq!(fs::read(out.join(name)).unwrap(), fs::read(source).unwrap());
    }
    let report = report_text(&out);
    assert!(report.contains("x.wav\",\"\",\"failed\""), "{report}");
}

#[test]
fn a_misbehaving_plugin_fails_only_the_take_it_acts_on() {
    for (mode, message) in [
        ("panic", Some("misbehaving plugin panicked on T002.WAV")),
        ("error", Some("misbehaving plugin refused T002.WAV")),
        ("bad-track", None),
        ("escape-folder", None),
    ] {
        let work = temp_dir();
        let recipe = write_recipe(
            work.path(),
            "misbehaving.toml",
            &format!("[[step]]\nplugin = \"misbehaving\"\nmode = \"{mode}\"\nscene = \"13\"\n"),
        );
        let base = work.path().join("a").join("b");
        let roll = base.join("roll");
        for (i, scene) in ["12", "13", "12"].iter().enumerate() {
            let spec = eight_track_take(scene, &(i + 1).to_string(), 4_800, i as u64);
            write_take_file(&roll, &format!("T{:03}.WAV", i + 1), &spec);
        }
        let out = base.join("out");
        let output = run_recipe(&recipe, &[&roll], &out, &[]);
        let context = format!("{mode}: {}", describe(&output));
        assert_eq!(output.status.code(), Some(1), "{context}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let failures: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("rollcall: failed: "))
            .collect();
        assert_eq!(failures.len(), 1, "{context}");
        assert!(
            failures[0].contains("T002.WAV: step 1 (misbehaving): "),
            "{context}"
        );
        if let Some(message) = message {
            assert!(failures[0].contains(message), "{context}");
        }
        assert!(
            stderr.contains("2 delivered, 0 already delivered, 1 failed"),
            "{context}"
        );

        let report = report_text(&out);
        let row = report
            .lines()
            .find(|l| l.contains("T002.WAV"))
            .unwrap_or_else(|| panic!("a row for T002: {report}"));
        assert!(
            row.contains("\"failed\",\"step 1 (misbehaving): "),
            "{mode}: {row}"
        );
        if let Some(message) = message {
            assert!(row.contains(message), "{mode}: {row}");
        }
        let mut files: Vec<String> = tree(&out)
            .into_iter()
            .filter(|f| !f.starts_with("rollcall-report-"))
            .collect();
        files.sort();
        assert_eq!(files, vec!["T001.WAV", "T003.WAV"], "{context}");
        for name in ["T001.WAV", "T003.WAV"] {
            assert_eq!(
                fs::read(out.join(name)).unwrap(),
                fs::read(roll.join(name)).unwrap()
            );
        }
        let outside: Vec<String> = everything(work.path())
            .into_iter()
            .filter(|f| !f.starts_with("a/b/out/") && !f.starts_with("a/b/roll/"))
            .collect();
        assert_eq!(outside, vec!["a/", "a/b/", "misbehaving.toml"], "{context}");
    }
}

#[test]
fn report_cells_that_look_like_formulas_are_quoted_and_defused() {
    let work = temp_dir();
    write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let folders = [
        ("=cmd", "E.WAV"),
        ("+cmd", "P.WAV"),
        ("@cmd", "A.WAV"),
        ("-cmd", "M.WAV"),
    ];
    for (i, (folder, name)) in folders.iter().enumerate() {
        let spec = eight_track_take("12", &(i + 1).to_string(), 480, i as u64);
        write_take_file(&work.path().join(folder), name, &spec);
    }
    // A file that fails, so that a failed row carries formula-like cells too.
    make_fifo(&work.path().join("=cmd").join("=HYPERLINK.wav"));
    // Relative paths, so that the source cells start with the folder names.
    let output = rollcall()
        .current_dir(work.path())
        .args(["run", "copy.toml", "--out", "=out", "--plugin-dir"])
        .arg(plugin_dir())
        .arg("--")
        .args(folders.iter().map(|(folder, _)| folder))
        .output()
        .expect("rollcall runs");
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let out = work.path().join("=out");
    let report = report_text(&out);
    let mut lines = report.lines();
    assert_eq!(
        lines.next(),
        Some(
            "\"source\",\"destination\",\"status\",\"reason\",\"xxh128\",\
             \"silent_tracks\",\"clipped_tracks\",\"peak_dbfs\",\"findings\",\"superseded\""
        )
    );
    let rows: Vec<Vec<&str>> = lines
        .map(|line| {
            assert!(
                line.starts_with('"') && line.ends_with('"'),
                "every cell quoted: {line}"
            );
            line[1..line.len() - 1].split("\",\"").collect()
        })
        .collect();
    assert_eq!(rows.len(), 5, "{report}");
    for row in &rows {
        assert_eq!(row.len(), 10, "{row:?}");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a cell a spreadsheet would run: {cell:?} in {row:?}"
            );
        }
    }
    for (folder, name) in folders {
        let row = rows
            .iter()
            .find(|r| r[0] == format!("'{folder}/{name}"))
            .unwrap_or_else(|| panic!("a row for {folder}/{name}, prefixed with ': {report}"));
        // Destinations are relative to the output root (as in `run --json`).
        assert_eq!(row[1], name.to_string());
        assert_eq!(row[2], "delivered");
        assert_eq!(
            fs::read(out.join(name)).unwrap(),
            fs::read(work.path().join(folder).join(name)).unwrap()
        );
    }
    let failed = rows
        .iter()
        .find(|r| r[0] == "'=cmd/=HYPERLINK.wav")
        .unwrap_or_else(|| panic!("a row for the FIFO: {report}"));
    assert_eq!(failed[2], "failed");
    assert!(failed[3].contains("not a regular file"), "{failed:?}");
}
