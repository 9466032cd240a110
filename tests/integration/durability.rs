//! What a run can trust and what it leaves behind, through the real binary: plugin folders others
//! can write, a source rewritten while it is copied, Ctrl-C, and every created folder synced.

use std::fs;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{
    describe, eight_track_take, not_run, plugin_dir, report_text, rollcall, run_recipe, temp_dir,
    temp_files, tree, wait_or_kill, write_recipe, write_take_file,
};

const COPY_RECIPE: &str = "[recipe]\nname = \"copy and verify\"\n";

const RENAME_RECIPE: &str =
    "[recipe]\nname = \"r\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{stem}\"\n";

/// A plugin library's file name (`rename` -> `librollcall_rename.so`).
fn library(name: &str) -> String {
    format!(
        "{}rollcall_{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// `rollcall run` with the test plugins and `ROLLCALL_PLUGIN_PATH` set to `plugin_path`.
fn run_with_plugin_path(recipe: &Path, roll: &Path, out: &Path, plugin_path: &Path) -> Output {
    rollcall()
        .env("ROLLCALL_PLUGIN_PATH", plugin_path)
        .arg("run")
        .arg(recipe)
        .arg(roll)
        .arg("--out")
        .arg(out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .expect("rollcall runs")
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("mode set");
}

#[test]
fn plugin_folders_and_libraries_others_can_write_are_refused_and_the_environment_replaces_nothing()
{
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "rename.toml", RENAME_RECIPE);
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let extra = work.path().join("extra-plugins");
    fs::create_dir(&extra).expect("plugin folder");
    set_mode(&extra, 0o755);
    let copy = extra.join(library("rename"));
    fs::copy(plugin_dir().join(library("rename")), &copy).expect("plugin copied");
    let out = work.path().join("out");

    // A library anyone may write, even an identical copy never chosen, is refused before loading.
    set_mode(&copy, 0o757);
    let output = run_with_plugin_path(&recipe, &roll, &out, &extra);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("plugin library {}", copy.display()))
            && stderr.contains("writable by other users"),
        "{}",
        describe(&output)
    );
    assert!(tree(&out).is_empty(), "nothing delivered: {:?}", tree(&out));

    // The listing names it too, without loading it.
    let listing = rollcall()
        .env("ROLLCALL_PLUGIN_PATH", &extra)
        .args(["plugins", "--json", "--plugin-dir"])
        .arg(work.path().join("no-such-folder"))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(
        text.contains("writable by other users"),
        "{}",
        describe(&listing)
    );

    // A folder its group may write is refused the same way.
    set_mode(&copy, 0o755);
    set_mode(&extra, 0o775);
    let output = run_with_plugin_path(&recipe, &roll, &out, &extra);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("plugin folder {}", extra.display()))
            && stderr.contains("writable by its group"),
        "{}",
        describe(&output)
    );

    // Another library under a standard plugin's name: refused, naming both, not silently used.
    set_mode(&extra, 0o755);
    fs::copy(plugin_dir().join(library("template")), &copy).expect("other bytes");
    let output = run_with_plugin_path(&recipe, &roll, &out, &extra);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&copy.display().to_string())
            && stderr.contains("does not replace a plugin"),
        "{}",
        describe(&output)
    );

    // The same bytes, owner-writable only: runs. A `cargo build` leaves copies beside the binary
    // that `cargo test` does not refresh; when such a copy is older than the test's, every copy
    // differs from one of them and this case cannot be made (a fresh clone, as CI, has none).
    let beside = Path::new(env!("CARGO_BIN_EXE_rollcall")).with_file_name(library("rename"));
    if beside.exists()
        && fs::read(&beside).ok() != fs::read(plugin_dir().join(library("rename"))).ok()
    {
        eprintln!(
            "NOT RUN (same-bytes case): {} is older than the test's plugins; run `cargo build --workspace`",
            beside.display()
        );
        return;
    }
    fs::copy(plugin_dir().join(library("rename")), &copy).expect("same bytes");
    let output = run_with_plugin_path(&recipe, &roll, &out, &extra);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(tree(&out).iter().filter(|f| f.ends_with(".WAV")).count(), 1);
}

/// The status and reason of one file in `run --json` output.
fn status_of(output: &Output, name: &str) -> (String, String) {
    let results: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON results: {}", describe(output)));
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
        .unwrap_or_else(|| panic!("a result for {name}: {}", describe(output)))
}

#[test]
fn a_source_rewritten_in_place_while_it_is_copied_fails_alone_and_is_never_delivered_torn() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    // A 150 MB take first (24 bytes a frame), then two small ones; one writer.
    let big = write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 6_250_000, 1));
    let small: Vec<PathBuf> = (2..=3)
        .map(|i| {
            write_take_file(
                &roll,
                &format!("T{i:03}.WAV"),
                &eight_track_take("1", &i.to_string(), 4_800, i),
            )
        })
        .collect();
    let big_len = fs::metadata(&big).expect("take").len();
    let out = work.path().join("out");
    let child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .args(["--jobs", "1", "--json", "--plugin-dir"])
        .arg(plugin_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollcall starts");
    let done = AtomicBool::new(false);
    let rewrites = std::thread::scope(|scope| {
        let rewriter = scope.spawn(|| {
            // Start once the big take's temp file exists (the plan is made), then keep rewriting
            // its audio in place, same size, until the run ends.
            let deadline = Instant::now() + Duration::from_secs(120);
            while temp_files(&out).is_empty() && !done.load(Ordering::Relaxed) {
                if Instant::now() > deadline {
                    return 0u64;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            let file = fs::OpenOptions::new()
                .write(true)
                .open(&big)
                .expect("source opened for writing");
            let mut rewrites = 0u64;
            let mut at = 4096u64;
            while !done.load(Ordering::Relaxed) {
                let block = [(rewrites % 251) as u8; 4096];
                file.write_all_at(&block, at).expect("rewritten in place");
                rewrites += 1;
                at = (at + 7 * 1024 * 1024) % (big_len - 8192) + 4096;
                std::thread::sleep(Duration::from_millis(2));
            }
            rewrites
        });
        let output = wait_or_kill(child, Duration::from_secs(180), "run");
        done.store(true, Ordering::Relaxed);
        (output, rewriter.join().expect("rewriter"))
    });
    let (output, rewrites) = rewrites;
    assert!(
        rewrites > 0,
        "the source was rewritten during the run: {}",
        describe(&output)
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let (status, reason) = status_of(&output, "T001.WAV");
    assert_eq!(status, "failed", "{}", describe(&output));
    assert!(
        reason.contains("source changed while it was being copied"),
        "T001.WAV: {reason}"
    );
    for source in &small {
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(status_of(&output, &name).0, "delivered", "{name}");
        assert_eq!(
            fs::read(out.join(&name)).unwrap(),
            fs::read(source).unwrap()
        );
    }
    let files: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !f.starts_with("rollcall-report-"))
        .collect();
    assert_eq!(
        files,
        vec!["T002.WAV", "T003.WAV"],
        "no file under the changed take's name, no temp files"
    );
}

/// Send SIGINT to a process.
fn interrupt(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "SIGINT sent");
}

#[test]
fn ctrl_c_stops_with_exit_130_cleans_up_reports_what_was_delivered_and_a_rerun_finishes() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("TST101");
    // 8 takes of about 11.5 MB each, written one at a time.
    let sources: Vec<PathBuf> = (1..=8u64)
        .map(|i| {
            write_take_file(
                &roll,
                &format!("T{i:03}.WAV"),
                &eight_track_take("1", &i.to_string(), 480_000, i),
            )
        })
        .collect();
    let out = work.path().join("out");
    let mut child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .args(["--jobs", "1", "--plugin-dir"])
        .arg(plugin_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rollcall starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut sent = false;
    while Instant::now() < deadline {
        if child.try_wait().expect("child state").is_some() {
            break;
        }
        if tree(&out).iter().any(|f| f.ends_with(".WAV")) {
            interrupt(child.id());
            sent = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let output = wait_or_kill(child, Duration::from_secs(60), "interrupted run");
    assert!(
        sent,
        "the run was interrupted after its first file: {}",
        describe(&output)
    );
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted"), "{}", describe(&output));
    assert!(
        temp_files(&out).is_empty(),
        "no temp files: {:?}",
        tree(&out)
    );
    let delivered: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert!(
        !delivered.is_empty() && delivered.len() < sources.len(),
        "stopped part-way: {delivered:?}"
    );
    let report = report_text(&out);
    for name in &delivered {
        assert!(
            report
                .lines()
                .any(|l| l.contains(name.as_str()) && l.contains("\"delivered\"")),
            "{name} reported delivered: {report}"
        );
    }
    assert!(
        report.lines().any(|l| l.contains("\"interrupted\"")),
        "the report says the run was interrupted: {report}"
    );
    for (source, line) in sources.iter().zip(report.lines().skip(1)) {
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            report.contains(&name),
            "{name} in the report ({line}): {report}"
        );
    }

    let rerun = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(rerun.status.code(), Some(0), "{}", describe(&rerun));
    let mut names: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| !f.starts_with("rollcall-report-"))
        .collect();
    names.sort();
    let wanted: Vec<String> = sources
        .iter()
        .map(|s| s.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, wanted, "the full tree, nothing else");
    for source in &sources {
        assert_eq!(
            fs::read(out.join(source.file_name().unwrap())).unwrap(),
            fs::read(source).unwrap()
        );
    }
}

/// What `strace -f -y` showed: folders synced and entries made (a folder created, a file renamed
/// into place), each with its line number.
#[derive(Default)]
struct Trace {
    /// Paths (from `-y`) of `fsync`/`fdatasync` calls.
    synced: Vec<(usize, PathBuf)>,
    /// Paths created by `mkdir`/`mkdirat` or renamed into by `rename*`, that returned 0.
    entries: Vec<(usize, PathBuf)>,
}

/// The quoted strings of a strace line, in order.
fn quoted(line: &str) -> Vec<String> {
    line.split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

fn read_trace(text: &str) -> Trace {
    let mut trace = Trace::default();
    for (number, line) in text.lines().enumerate() {
        if let Some(call) = line.find("fsync(").or_else(|| line.find("fdatasync(")) {
            let rest = line.get(call..).unwrap_or("");
            let Some(open) = rest.find('<') else { continue };
            let Some(close) = rest.get(open..).and_then(|r| r.find('>')) else {
                continue;
            };
            if let Some(path) = rest.get(open + 1..open + close) {
                if !line.contains("= -1") {
                    trace.synced.push((number, PathBuf::from(path)));
                }
            }
        } else if (line.contains("mkdir(") || line.contains("mkdirat(")) && line.ends_with("= 0") {
            if let Some(path) = quoted(line).first() {
                trace.entries.push((number, PathBuf::from(path)));
            }
        } else if (line.contains("rename") || line.contains("link(") || line.contains("linkat("))
            && line.ends_with("= 0")
        {
            if let Some(path) = quoted(line).last() {
                trace.entries.push((number, PathBuf::from(path)));
            }
        }
    }
    trace
}

#[test]
fn every_folder_the_run_created_and_the_root_after_the_report_are_synced() {
    if Command::new("strace").arg("-V").output().is_err() {
        not_run("strace", "apt-get install strace");
        return;
    }
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let input = work.path().join("in");
    write_take_file(
        &input.join("DAY1").join("ROLL1"),
        "T001.WAV",
        &eight_track_take("1", "1", 480, 1),
    );
    write_take_file(
        &input.join("DAY1").join("ROLL2"),
        "T002.WAV",
        &eight_track_take("1", "2", 480, 2),
    );
    // The output root and the folder above it are created by the run.
    let out = work.path().join("deliveries").join("out");
    let trace_file = work.path().join("trace.txt");
    let output = Command::new("strace")
        .args(["-f", "-y", "-qq", "-o"])
        .arg(&trace_file)
        .args([
            "-e",
            "trace=fsync,fdatasync,mkdir,mkdirat,rename,renameat,renameat2,link,linkat",
        ])
        .arg(env!("CARGO_BIN_EXE_rollcall"))
        .arg("run")
        .arg(&recipe)
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .env_remove("ROLLCALL_PLUGIN_PATH")
        .output()
        .expect("strace runs");
    if !output.status.success() && String::from_utf8_lossy(&output.stderr).contains("ptrace") {
        not_run(
            "strace",
            &format!("ptrace is not permitted here: {}", describe(&output)),
        );
        return;
    }
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let trace = read_trace(&fs::read_to_string(&trace_file).expect("trace written"));
    let synced_list: Vec<String> = trace
        .synced
        .iter()
        .map(|(n, p)| format!("{n}: {}", p.display()))
        .collect();
    let synced_after = |folder: &Path, line: usize| {
        let folder = fs::canonicalize(folder).expect("folder exists");
        trace.synced.iter().any(|(n, p)| *n > line && *p == folder)
    };
    let delivered: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert_eq!(delivered.len(), 2, "{delivered:?}");

    // Every folder the run created: deliveries, out, out/DAY1, out/DAY1/ROLL1, out/DAY1/ROLL2,
    // and the report and manifest folders, each created, then its parent synced.
    let created: Vec<&(usize, PathBuf)> = trace
        .entries
        .iter()
        .filter(|(_, p)| fs::metadata(p).is_ok_and(|m| m.is_dir()))
        .collect();
    let mut wanted = vec![
        work.path().join("deliveries"),
        out.clone(),
        out.join("DAY1"),
        out.join("DAY1").join("ROLL1"),
        out.join("DAY1").join("ROLL2"),
    ];
    wanted.sort();
    for folder in &wanted {
        assert!(
            created.iter().any(|(_, p)| p == folder),
            "{} created by the run: {:?}",
            folder.display(),
            trace.entries
        );
    }
    // Every entry the run made (a folder created, a file renamed into place, the report): its
    // folder is synced after it, so it survives a crash; the root is synced after the report.
    for (line, path) in &trace.entries {
        let parent = path.parent().expect("a parent");
        if !path.exists() {
            continue; // renamed away again (the manifest's chain file is replaced each run)
        }
        assert!(
            synced_after(parent, *line),
            "{} (trace line {line}) made durable by a sync of {} after it: {synced_list:?}",
            path.display(),
            parent.display()
        );
    }
    let report_line = trace
        .entries
        .iter()
        .find(|(_, p)| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rollcall-report-"))
        })
        .map(|(n, _)| *n)
        .expect("the report was renamed into place");
    assert!(synced_after(&out, report_line), "{synced_list:?}");
    for file in &delivered {
        assert!(
            trace.entries.iter().any(|(_, p)| *p == out.join(file)),
            "{file} renamed into place: {:?}",
            trace.entries
        );
    }
}

/// The `<md5>` value listed for `path` in an ASC MHL generation's text.
fn md5_listed(generation: &str, path: &str) -> String {
    let at = generation
        .find(&format!(">{path}</path>"))
        .unwrap_or_else(|| panic!("{path} listed in:\n{generation}"));
    let entry = &generation[at..at + generation[at..].find("</hash>").expect("entry ends")];
    let start = entry
        .find("<md5")
        .unwrap_or_else(|| panic!("md5 of {path}: {entry}"));
    let value_start = start + entry[start..].find('>').expect("tag closes") + 1;
    let value_end = value_start + entry[value_start..].find('<').expect("value ends");
    entry[value_start..value_end].to_string()
}

#[test]
fn the_manifest_md5_of_each_written_file_is_its_md5sum_computed_while_writing() {
    let work = temp_dir();
    let roll = work.path().join("TST101");
    for i in 1..=3u64 {
        write_take_file(
            &roll,
            &format!("T{i:03}.WAV"),
            &eight_track_take("1", &i.to_string(), 48_000, i),
        );
    }
    // A copy writes the source's bytes as they are; a re-layout writes new ones. Either way the MD5
    // comes from the write pass: the manifest no longer reads a delivered file again (a hash the
    // write pass did not compute fails the manifest, and the run).
    for (name, steps) in [
        ("copy", ""),
        (
            "re-layout",
            "[[step]]\nplugin = \"channel-layout\"\nmix = [\"Lav1\"]\ndrop = [\"MixR\"]\n",
        ),
    ] {
        let recipe = write_recipe(
            work.path(),
            &format!("{name}.toml"),
            &format!(
                "[recipe]\nname = \"{name}\"\n\n{steps}\n[manifest]\nhashes = [\"xxh128\", \"md5\"]\n"
            ),
        );
        let out = work.path().join(format!("out-{name}"));
        let output = run_recipe(&recipe, &[&roll], &out, &[]);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        let generation =
            fs::read_to_string(out.join("ascmhl").join(tree_all_mhl(&out))).expect("generation");
        for i in 1..=3u64 {
            let take = format!("T{i:03}.WAV");
            let mut md5sum = Command::new("md5sum");
            md5sum.arg(out.join(&take));
            let Some(result) =
                crate::support::external(md5sum, "md5sum", "apt-get install coreutils")
            else {
                return;
            };
            let expected = String::from_utf8_lossy(&result.stdout)
                .split_whitespace()
                .next()
                .expect("a digest")
                .to_string();
            assert_eq!(md5_listed(&generation, &take), expected, "{name}: {take}");
        }
    }
}

/// The one generation file name in an output root's `ascmhl` folder.
fn tree_all_mhl(out: &Path) -> String {
    let names: Vec<String> = fs::read_dir(out.join("ascmhl"))
        .expect("ascmhl folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mhl"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}
