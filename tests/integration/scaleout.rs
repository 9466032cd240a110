//! Scale-out (SPEC section 10): `plan` once, `apply` shards as separate processes (and as a real
//! Slurm job array), `finish`; the result equals one `run` of the same recipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::{describe, plugin_dir, repo, rollcall, run_recipe, temp_dir, tree_all};

/// The bundled dailies recipe (four steps, the practice check, QC and the manifest on by default)
/// and its example rolls, copied into `dir` so a test may change a source.
pub(crate) fn example_batch(dir: &Path) -> (PathBuf, PathBuf) {
    let recipes = repo().join("recipes");
    let recipe = dir.join("series-dailies.toml");
    std::fs::copy(recipes.join("series-dailies.toml"), &recipe).unwrap();
    let rolls = dir.join("example-rolls");
    copy_tree(&recipes.join("example-rolls"), &rolls);
    (recipe, rolls)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn plan(recipe: &Path, rolls: &Path, out: &Path, plan_file: &Path) -> Output {
    rollcall()
        .arg("plan")
        .arg(recipe)
        .arg(rolls)
        .arg("--out")
        .arg(out)
        .arg("--plan-file")
        .arg(plan_file)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .unwrap()
}

fn apply(plan_file: &Path, shard: &str) -> Command {
    let mut command = rollcall();
    command
        .arg("apply")
        .arg(plan_file)
        .arg("--shard")
        .arg(shard);
    command
}

fn finish(plan_file: &Path) -> Output {
    rollcall().arg("finish").arg(plan_file).output().unwrap()
}

/// Shards `1/n..n/n` as concurrent processes; their outputs in shard order.
fn apply_concurrently(plan_file: &Path, n: usize) -> Vec<Output> {
    let children: Vec<_> = (1..=n)
        .map(|k| {
            apply(plan_file, &format!("{k}/{n}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

/// Every delivered file (the WAVs and the sound reports) with its bytes; the run report (named by
/// time), the manifest and rollcall's bookkeeping are compared apart.
fn delivered(out: &Path) -> Vec<(String, Vec<u8>)> {
    tree_all(out)
        .into_iter()
        .filter(|f| {
            !f.starts_with("rollcall-report-")
                && !f.starts_with("ascmhl/")
                && !f.starts_with(".rollcall/")
        })
        .map(|f| {
            let bytes = std::fs::read(out.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// The newest run report, with the output root written as `OUT`.
fn report(out: &Path) -> String {
    let mut reports: Vec<String> = tree_all(out)
        .into_iter()
        .filter(|f| f.starts_with("rollcall-report-") && f.ends_with(".csv"))
        .collect();
    reports.sort_by_key(|f| std::fs::metadata(out.join(f)).unwrap().modified().unwrap());
    let newest = reports.last().expect("a report");
    std::fs::read_to_string(out.join(newest))
        .unwrap()
        .replace(&out.display().to_string(), "OUT")
}

/// `(path, xxh128)` of every file the first manifest generation lists, but the run report.
fn manifest_hashes(out: &Path) -> Vec<(String, String)> {
    let generation = tree_all(out)
        .into_iter()
        .find(|f| f.starts_with("ascmhl/0001_") && f.ends_with(".mhl"))
        .expect("a manifest generation");
    let text = std::fs::read_to_string(out.join(generation)).unwrap();
    let mut pairs = Vec::new();
    for hash in text.split("<hash>").skip(1) {
        let between = |open: &str, close: &str| {
            let start = hash.find(open).unwrap();
            let from = &hash[start..];
            let value_start = from.find('>').unwrap() + 1;
            let value_end = from.find(close).unwrap();
            from[value_start..value_end].to_string()
        };
        let path = between("<path", "</path>");
        if !path.starts_with("rollcall-report-") {
            pairs.push((path, between("<xxh128", "</xxh128>")));
        }
    }
    pairs.sort();
    pairs
}

/// The sharded delivery equals the single run: files and bytes, report, manifest.
pub(crate) fn assert_same_delivery(single: &Path, sharded: &Path) {
    let (a, b) = (delivered(single), delivered(sharded));
    assert_eq!(
        a.iter().map(|(f, _)| f).collect::<Vec<_>>(),
        b.iter().map(|(f, _)| f).collect::<Vec<_>>(),
        "same files"
    );
    for ((file, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{file} differs between the run and the shards");
    }
    assert!(a.iter().filter(|(f, _)| f.ends_with(".WAV")).count() >= 10);
    assert_eq!(report(single), report(sharded), "same report");
    let hashes = manifest_hashes(sharded);
    assert!(hashes.len() >= 10, "{hashes:?}");
    assert_eq!(manifest_hashes(single), hashes, "same manifest entries");
    assert!(!sharded.join(".rollcall.lock").exists(), "lock released");
}

#[test]
fn three_concurrent_shards_then_finish_equal_one_run() {
    let dir = temp_dir();
    let (recipe, rolls) = example_batch(dir.path());
    let single = dir.path().join("single");
    let run = run_recipe(&recipe, &[&rolls], &single, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));

    let sharded = dir.path().join("sharded");
    let plan_file = dir.path().join("plan.json");
    let planned = plan(&recipe, &rolls, &sharded, &plan_file);
    assert_eq!(planned.status.code(), Some(0), "{}", describe(&planned));
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&plan_file).unwrap()).unwrap();
    assert_eq!(document["format"], "rollcall-plan/1");
    assert_eq!(document["files"].as_array().unwrap().len(), 10);
    let first = &document["files"][0];
    for key in ["size", "mtime", "header_digest", "destination", "changes"] {
        assert!(!first[key].is_null(), "plan entry has {key}: {first}");
    }
    assert!(
        tree_all(&sharded).iter().all(|f| !f.ends_with(".WAV")),
        "planning writes no take"
    );

    let shards = apply_concurrently(&plan_file, 3);
    let mut delivered_by_shards = 0;
    for (k, output) in shards.iter().enumerate() {
        assert_eq!(
            output.status.code(),
            Some(0),
            "shard {}: {}",
            k + 1,
            describe(output)
        );
        let part = std::fs::read(
            sharded
                .join(".rollcall/shards")
                .join(document["id"].as_str().unwrap())
                .join(format!("{}-of-3.json", k + 1)),
        )
        .unwrap();
        let part: serde_json::Value = serde_json::from_slice(&part).unwrap();
        let files = part["files"].as_array().unwrap();
        assert!(!files.is_empty(), "every shard has work");
        delivered_by_shards += files.len();
        for file in files {
            assert_eq!(file["outcome"]["status"], "delivered");
            assert!(file["outcome"]["content_hash"]["xxh128"].is_string());
            assert!(file["outcome"]["qc"]["tracks"].is_array(), "QC figures");
            assert!(!file["envelopes"].as_array().unwrap().is_empty());
        }
    }
    assert_eq!(delivered_by_shards, 10, "each file in exactly one shard");
    let finished = finish(&plan_file);
    assert_eq!(finished.status.code(), Some(0), "{}", describe(&finished));
    assert_same_delivery(&single, &sharded);
}

/// Rewrites one byte of a source's header in place and puts its size and mtime back, so only the
/// header digest tells.
fn change_header_keep_mtime(path: &Path) -> (Vec<u8>, std::time::SystemTime) {
    let original = std::fs::read(path).unwrap();
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut changed = original.clone();
    // In the bext description (it starts at byte 8 of the bext payload, after RIFF/WAVE at 12).
    let at = original.windows(4).position(|w| w == b"bext").unwrap() + 8 + 2;
    changed[at] = if changed[at] == b'X' { b'Y' } else { b'X' };
    std::fs::write(path, &changed).unwrap();
    set_mtime(path, mtime);
    (original, mtime)
}

fn set_mtime(path: &Path, mtime: std::time::SystemTime) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(mtime).unwrap();
}

#[test]
fn a_source_changed_after_the_plan_fails_alone_and_a_rerun_of_its_shard_finishes_it() {
    let dir = temp_dir();
    let (recipe, rolls) = example_batch(dir.path());
    let out = dir.path().join("out");
    let plan_file = dir.path().join("plan.json");
    let planned = plan(&recipe, &rolls, &out, &plan_file);
    assert_eq!(planned.status.code(), Some(0), "{}", describe(&planned));

    let victim = rolls.join("HBL101/27_2.WAV");
    let (original, mtime) = change_header_keep_mtime(&victim);
    let shards = apply_concurrently(&plan_file, 3);
    let failing: Vec<usize> = shards
        .iter()
        .enumerate()
        .filter(|(_, o)| o.status.code() != Some(0))
        .map(|(k, _)| k + 1)
        .collect();
    assert_eq!(failing.len(), 1, "one shard holds the changed file");
    let k = failing[0];
    let failed = &shards[k - 1];
    assert_eq!(failed.status.code(), Some(1), "{}", describe(failed));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("27_2.WAV") && stderr.contains("changed since the plan (header digest)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 failed"),
        "only that file fails: {stderr}"
    );

    // finish: the judge names the shard to rerun.
    let judged = finish(&plan_file);
    assert_eq!(judged.status.code(), Some(1), "{}", describe(&judged));
    let said = String::from_utf8_lossy(&judged.stderr);
    assert!(
        said.contains(&format!("--shard {k}/3")) && said.contains("1 file not delivered"),
        "{said}"
    );

    // The source back as planned: the rerun of that shard finishes it.
    std::fs::write(&victim, &original).unwrap();
    set_mtime(&victim, mtime);
    let rerun = apply(&plan_file, &format!("{k}/3")).output().unwrap();
    assert_eq!(rerun.status.code(), Some(0), "{}", describe(&rerun));
    let said = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        said.contains("0 failed") && said.contains("of them by an earlier run of this shard"),
        "{said}"
    );
    let finished = finish(&plan_file);
    assert_eq!(finished.status.code(), Some(0), "{}", describe(&finished));

    let single = dir.path().join("single");
    let run = run_recipe(&recipe, &[&rolls], &single, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let (a, b) = (delivered(&single), delivered(&out));
    assert_eq!(a, b, "the finished delivery equals one run");
    // The rerun kept the first attempt's figures for the files it had delivered.
    let last = report(&out);
    assert!(!last.contains("already-delivered"), "{last}");
    assert_eq!(report(&single), last);
}

#[test]
fn finish_names_a_missing_shard_and_writes_nothing_until_it_ran() {
    let dir = temp_dir();
    let (recipe, rolls) = example_batch(dir.path());
    let out = dir.path().join("out");
    let plan_file = dir.path().join("plan.json");
    let planned = plan(&recipe, &rolls, &out, &plan_file);
    assert_eq!(planned.status.code(), Some(0), "{}", describe(&planned));

    let nothing = finish(&plan_file);
    assert_eq!(nothing.status.code(), Some(1), "{}", describe(&nothing));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("no shard"));

    for k in [1, 3] {
        let done = apply(&plan_file, &format!("{k}/3")).output().unwrap();
        assert_eq!(done.status.code(), Some(0), "{}", describe(&done));
    }
    let judged = finish(&plan_file);
    assert_eq!(judged.status.code(), Some(1), "{}", describe(&judged));
    let said = String::from_utf8_lossy(&judged.stderr);
    assert!(
        said.contains("shard 2/3 has not reported") && said.contains("--shard 2/3"),
        "{said}"
    );
    assert!(
        !tree_all(&out)
            .iter()
            .any(|f| f.starts_with("rollcall-report-") || f.starts_with("ascmhl/")),
        "no report or manifest before every shard ran"
    );

    // A shard from the scheduler's variables: Slurm array task 2 of 3 (first task 1).
    let slurm = rollcall()
        .arg("apply")
        .arg(&plan_file)
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert_eq!(slurm.status.code(), Some(0), "{}", describe(&slurm));
    assert!(String::from_utf8_lossy(&slurm.stderr).contains("shard 2/3"));
    let finished = finish(&plan_file);
    assert_eq!(finished.status.code(), Some(0), "{}", describe(&finished));
}

#[test]
fn a_shard_refuses_an_output_root_a_run_is_writing_into() {
    let dir = temp_dir();
    let (recipe, rolls) = example_batch(dir.path());
    let out = dir.path().join("out");
    let plan_file = dir.path().join("plan.json");
    let planned = plan(&recipe, &rolls, &out, &plan_file);
    assert_eq!(planned.status.code(), Some(0), "{}", describe(&planned));
    // Another run's lock, held by a live process of ours: `flock` on the lock file.
    std::fs::write(out.join(".rollcall.lock"), "host elsewhere pid 1\n").unwrap();
    let mut holder = match Command::new("flock")
        .arg(out.join(".rollcall.lock"))
        .args(["sleep", "30"])
        .spawn()
    {
        Ok(child) => child,
        Err(why) => {
            crate::support::not_run("flock", &why.to_string());
            return;
        }
    };
    std::thread::sleep(Duration::from_millis(300));
    let refused = apply(&plan_file, "1/2").output().unwrap();
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(refused.status.code(), Some(2), "{}", describe(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("another rollcall run"));
    assert!(tree_all(&out).iter().all(|f| !f.ends_with(".WAV")));
}
