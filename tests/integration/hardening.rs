//! The run holds under hostile and everyday conditions, and says plainly what is wrong: multi-byte
//! names, closed pipes, FIFOs, few file descriptors, links inside the output tree, a second run,
//! output folders that would touch the sources, and inputs the globs would have missed.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{
    describe, eight_track_take, plugin_dir, rollcall, run_recipe, temp_dir, tree, write_recipe,
    write_take_file,
};

const COPY_RECIPE: &str = "[recipe]\nname = \"copy and verify\"\n";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn four_byte_names_ending_inside_a_character_plan_without_a_panic() {
    let work = temp_dir();
    let recipe = write_recipe(
        work.path(),
        "rename.toml",
        "[recipe]\nname = \"r\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{stem}\"\n",
    );
    let roll = work.path().join("EPı");
    write_take_file(&roll, "ZOË.WAV", &eight_track_take("12", "1", 480, 1));
    write_take_file(&roll, "Aé.WAV", &eight_track_take("12", "2", 480, 2));
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&work.path().join("EPı")], &out, &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(!stderr(&output).contains("panicked"));
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(tree(&out).iter().filter(|f| f.ends_with(".WAV")).count(), 2);
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    let files: Vec<_> = (1..=40)
        .map(|i| {
            write_take_file(
                &roll,
                &format!("T{i:03}.WAV"),
                &eight_track_take("1", &i.to_string(), 48, i),
            )
        })
        .collect();
    let mut child = rollcall()
        .arg("inspect")
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("inspect runs");
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let output = child.wait_with_output().expect("inspect ends");
    assert!(
        !stderr(&output).contains("panicked"),
        "{}",
        describe(&output)
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

#[test]
fn inspect_refuses_a_named_pipe_instead_of_hanging() {
    let work = temp_dir();
    let fifo = work.path().join("take.wav");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        crate::support::not_run("mkfifo", "cannot make a named pipe here");
        return;
    }
    let mut child = rollcall()
        .args(["inspect", "--json"])
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .expect("inspect runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("inspect hung on a named pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("not a regular file (a named pipe)"), "{text}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn few_file_descriptors_and_many_writers_fail_no_file() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("roll");
    for i in 0..300u64 {
        write_take_file(
            &roll,
            &format!("T{i:04}.WAV"),
            &eight_track_take("1", &i.to_string(), 48, i),
        );
    }
    let out = work.path().join("out");
    // A hard limit of 96 descriptors and 64 writers asked for.
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 96 && exec \"$0\" run \"$1\" \"$2\" --out \"$3\" --plugin-dir \"$4\" --jobs 64 --quiet")
        .arg(env!("CARGO_BIN_EXE_rollcall"))
        .arg(&recipe)
        .arg(&roll)
        .arg(&out)
        .arg(plugin_dir())
        .output()
        .expect("sh runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(
        tree(&out).iter().filter(|f| f.ends_with(".WAV")).count(),
        300
    );
}

#[test]
fn a_symbolic_link_inside_the_output_tree_is_never_followed() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("in").join("HBL101");
    write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let out = work.path().join("out");
    let elsewhere = work.path().join("elsewhere");
    fs::create_dir_all(&out).expect("out");
    fs::create_dir_all(&elsewhere).expect("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, out.join("HBL101")).expect("link");
    let output = run_recipe(&recipe, &[&work.path().join("in")], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        describe(&output)
    );
    assert!(
        tree(&elsewhere).is_empty(),
        "nothing written through the link"
    );
}

#[test]
fn a_second_run_into_a_locked_output_root_stops_with_exit_2_and_touches_nothing() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let out = work.path().join("out");
    fs::create_dir_all(&out).expect("out");
    // Another run holds the lock.
    let lock = fs::File::create(out.join(".rollcall.lock")).expect("lock file");
    lock.lock().expect("locked");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        stderr(&output).contains("another rollcall run is writing into"),
        "{}",
        describe(&output)
    );
    assert!(!out.join("T001.WAV").exists());
    lock.unlock().expect("unlocked");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        !out.join(".rollcall.lock").exists(),
        "the lock goes with its run"
    );
}

#[test]
fn an_output_folder_that_is_above_inside_or_the_input_is_refused_before_writing() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let card = work.path().join("cards").join("HBL101");
    write_take_file(&card, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let before = tree(&work.path().join("cards"));
    for out in [
        card.clone(),
        work.path().join("cards"),
        card.join("delivery"),
    ] {
        let output = run_recipe(&recipe, &[&card], &out, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {}",
            out.display(),
            describe(&output)
        );
        assert!(
            stderr(&output).contains("sources are read-only"),
            "{}",
            describe(&output)
        );
    }
    assert_eq!(
        tree(&work.path().join("cards")),
        before,
        "the card is untouched"
    );
    // A dangling link as --out is refused once, not file by file.
    let dangling = work.path().join("gone");
    std::os::unix::fs::symlink(work.path().join("nowhere"), &dangling).expect("link");
    let output = run_recipe(&recipe, &[&card], &dangling, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        stderr(&output).contains("symbolic link to nothing"),
        "{}",
        describe(&output)
    );
}

#[test]
fn bwav_and_bwf_files_in_any_case_are_taken_and_an_input_without_wavs_is_exit_2() {
    let work = temp_dir();
    let recipe = write_recipe(work.path(), "copy.toml", COPY_RECIPE);
    let roll = work.path().join("roll");
    write_take_file(&roll, "12_1.bwav", &eight_track_take("12", "1", 480, 1));
    write_take_file(&roll, "12_2.BWF", &eight_track_take("12", "2", 480, 2));
    write_take_file(&roll, "12_3.Wav", &eight_track_take("12", "3", 480, 3));
    fs::write(roll.join("notes.txt"), "circled: 2").expect("notes");
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    for name in ["12_1.bwav", "12_2.BWF", "12_3.Wav"] {
        assert!(out.join(name).exists(), "{name}: {}", describe(&output));
    }
    assert!(
        stderr(&output).contains("1 files under the inputs are not taken")
            && stderr(&output).contains("notes.txt"),
        "{}",
        describe(&output)
    );
    let empty = work.path().join("empty");
    fs::create_dir_all(&empty).expect("empty");
    fs::write(empty.join("readme.txt"), "x").expect("readme");
    let output = run_recipe(&recipe, &[&empty], &work.path().join("out2"), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        stderr(&output).contains("no WAV files found under"),
        "{}",
        describe(&output)
    );
    assert!(!Path::new(&work.path().join("out2"))
        .join("rollcall-report")
        .exists());
    assert!(
        tree(&work.path().join("out2")).is_empty(),
        "nothing written"
    );
}

/// A `misbehaving` recipe in `dir` with this mode.
fn misbehaving_recipe(dir: &Path, mode: &str) -> std::path::PathBuf {
    write_recipe(
        dir,
        &format!("{mode}.toml"),
        &format!(
            "[recipe]\nname = \"m\"\n\n[[step]]\nplugin = \"misbehaving\"\nmode = \"{mode}\"\n"
        ),
    )
}

#[test]
fn a_plugin_that_hangs_is_named_and_the_run_stops_before_writing() {
    let work = temp_dir();
    let recipe = misbehaving_recipe(work.path(), "hang");
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &["--plugin-timeout", "1"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let text = stderr(&output);
    assert!(
        text.contains("plugin `misbehaving` has not answered") && text.contains("T001.WAV"),
        "{text}"
    );
    assert!(tree(&out).is_empty(), "nothing written: {:?}", tree(&out));
}

#[test]
fn a_plugin_that_ends_the_process_never_looks_like_success() {
    let work = temp_dir();
    let recipe = misbehaving_recipe(work.path(), "exit");
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let text = stderr(&output);
    assert!(
        text.contains("plugin `misbehaving` on") && text.contains("ended the process"),
        "{text}"
    );
}

#[test]
fn a_very_long_track_name_plans_without_a_quadratic_stall() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("1", "1", 480, 1));
    let long = "X".repeat(400_000);
    fs::write(
        work.path().join("cast.csv"),
        format!("track,character,mic\nLav1,{long},DPA\n"),
    )
    .expect("cast");
    let recipe = write_recipe(
        work.path(),
        "names.toml",
        "[recipe]\nname = \"n\"\n\n[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n",
    );
    // A guard against a hang, not a timing: the quadratic loop took hours at this length.
    let mut child = rollcall()
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(work.path().join("out"))
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .arg("--dry-run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("planning a long track name stalled");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}
