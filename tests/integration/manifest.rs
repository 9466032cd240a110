//! The delivery manifest (SPEC section 9): the ASC MHL generation and chain a run writes, checked by
//! the reference implementation (`ascmhl`, `ascmhl-debug` from PyPI), and `rollcall verify`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

/// The folder of the reference implementation's commands: `ROLLCALL_ASCMHL_BIN_DIR`, else the virtual
/// environment `.ci/run` makes (`/opt/ascmhl/bin`), else `PATH`.
pub(crate) fn ascmhl(command: &str) -> Command {
    if let Some(dir) = std::env::var_os("ROLLCALL_ASCMHL_BIN_DIR") {
        return Command::new(Path::new(&dir).join(command));
    }
    let venv = Path::new("/opt/ascmhl/bin").join(command);
    if venv.exists() {
        return Command::new(venv);
    }
    Command::new(command)
}

const HINT: &str =
    "install it with `python3 -m venv /opt/ascmhl && /opt/ascmhl/bin/pip install ascmhl` \
                    (or set ROLLCALL_ASCMHL_BIN_DIR)";

/// Run a reference command that must succeed; `None` (with a NOT RUN line) when it is missing.
pub(crate) fn reference_accepts(command: Command, what: &str) -> Option<Output> {
    external(command, what, HINT)
}

/// Run a reference command that must fail; `None` (with a NOT RUN line) when it is missing.
fn reference_rejects(mut command: Command, what: &str) -> Option<Output> {
    match command.output() {
        Ok(output) => {
            assert!(
                !output.status.success(),
                "{what} accepted a tree it should reject: {}",
                describe(&output)
            );
            Some(output)
        }
        Err(why) => {
            not_run(what, &format!("{why}; {HINT}"));
            None
        }
    }
}

/// The schemas, with the chain schema's import of the hash list schema pointed at the local copy
/// (the shared copy names a web address, and the check runs offline).
fn schemas(dir: &Path) -> (PathBuf, PathBuf) {
    let shared = repo().join("../shared/ascmhl-xsd");
    let hash_list = dir.join("ASCMHL.xsd");
    std::fs::copy(shared.join("ASCMHL.xsd"), &hash_list).expect("ASCMHL.xsd copied");
    let directory = std::fs::read_to_string(shared.join("ASCMHLDirectory.xsd"))
        .expect("ASCMHLDirectory.xsd readable");
    let start = directory
        .find("schemaLocation=\"")
        .expect("the chain schema imports the hash list schema")
        + "schemaLocation=\"".len();
    let end = start + directory[start..].find('"').expect("closing quote");
    let local = format!(
        "{}{}{}",
        &directory[..start],
        hash_list.display(),
        &directory[end..]
    );
    let chain = dir.join("ASCMHLDirectory.xsd");
    std::fs::write(&chain, local).expect("chain schema written");
    (hash_list, chain)
}

/// Check every generation and the chain file of a tree against the schemas.
pub(crate) fn schema_check(root: &Path, scratch: &Path) {
    let (hash_list_xsd, chain_xsd) = schemas(scratch);
    for generation in generations(root) {
        let mut command = ascmhl("ascmhl-debug");
        command
            .args(["xsd-schema-check", "-xsd"])
            .arg(&hash_list_xsd)
            .arg(root.join("ascmhl").join(&generation));
        if reference_accepts(command, "ascmhl-debug xsd-schema-check").is_none() {
            return;
        }
    }
    let mut command = ascmhl("ascmhl-debug");
    command
        .args(["xsd-schema-check", "-xsd"])
        .arg(&chain_xsd)
        .arg(root.join("ascmhl/ascmhl_chain.xml"));
    reference_accepts(command, "ascmhl-debug xsd-schema-check");
}

pub(crate) fn reference_verify(root: &Path) -> Command {
    let mut command = ascmhl("ascmhl-debug");
    command.arg("verify").arg(root);
    command
}

/// The generation files of a tree, sorted.
fn generations(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("ascmhl"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".mhl"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn generation_text(root: &Path, index: usize) -> String {
    let name = &generations(root)[index];
    std::fs::read_to_string(root.join("ascmhl").join(name)).expect("generation readable")
}

/// The `<hash>` block of one path in a generation's text.
fn entry_of<'a>(generation: &'a str, path: &str) -> &'a str {
    let at = generation
        .find(&format!(">{path}</path>"))
        .unwrap_or_else(|| panic!("{path} listed in:\n{generation}"));
    let start = generation[..at].rfind("<hash>").expect("entry starts");
    let end = at + generation[at..].find("</hash>").expect("entry ends");
    &generation[start..end]
}

/// The `<xxh128>` value of one path in a generation's text.
fn xxh128_of(generation: &str, path: &str) -> String {
    let entry = entry_of(generation, path);
    let start = entry.find("<xxh128").expect("xxh128 listed");
    let value_start = start + entry[start..].find('>').expect("tag closes") + 1;
    let value_end = value_start + entry[value_start..].find('<').expect("value ends");
    entry[value_start..value_end].to_string()
}

fn example_rolls() -> PathBuf {
    repo().join("recipes/example-rolls")
}

fn copy_recipe() -> PathBuf {
    repo().join("recipes/copy-and-verify.toml")
}

/// The delivered WAV files of a tree, relative.
fn delivered_wavs(root: &Path) -> Vec<String> {
    tree(root)
        .into_iter()
        .filter(|f| f.to_lowercase().ends_with(".wav"))
        .collect()
}

fn verify(root: &Path, extra: &[&str]) -> Output {
    rollcall()
        .arg("verify")
        .arg(root)
        .args(extra)
        .output()
        .expect("rollcall runs")
}

#[test]
fn a_run_writes_a_generation_the_reference_tool_verifies_and_schema_checks() {
    let dir = temp_dir();
    let out = dir.path().join("delivery");
    let output = run_recipe(
        &copy_recipe(),
        &[&example_rolls()],
        &out,
        &["--set", "manifest.hashes=[\"xxh128\", \"md5\"]"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let names = generations(&out);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].starts_with("0001_delivery_") && names[0].ends_with("Z.mhl"),
        "{names:?}"
    );
    let generation = generation_text(&out, 0);
    assert!(
        generation.contains("<process>transfer</process>"),
        "{generation}"
    );
    assert!(generation.contains(&format!(
        "<tool version=\"{}\">rollcall</tool>",
        env!("CARGO_PKG_VERSION")
    )));
    let wavs = delivered_wavs(&out);
    assert_eq!(wavs.len(), 10, "{wavs:?}");
    for wav in &wavs {
        let entry = entry_of(&generation, wav);
        let size = std::fs::metadata(out.join(wav)).unwrap().len();
        assert!(entry.contains(&format!("size=\"{size}\"")), "{entry}");
        assert!(entry.contains("<md5 action=\"original\""), "{entry}");
        assert!(entry.contains("<xxh128 action=\"original\""), "{entry}");
    }
    // The run report and its summary are listed too.
    let reports: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.starts_with("rollcall-report-"))
        .collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    for report in &reports {
        entry_of(&generation, report);
    }

    // Sound reports a later step writes into `reports/` are covered by an ignore pattern.
    std::fs::create_dir_all(out.join("reports")).unwrap();
    std::fs::write(out.join("reports/HBL101.csv"), "rewritten by every run\n").unwrap();

    reference_accepts(reference_verify(&out), "ascmhl-debug verify");
    schema_check(&out, dir.path());
    let output = verify(&out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("12 match, 0 changed, 0 missing, 0 unlisted"),
        "{}",
        describe(&output)
    );
}

#[test]
fn an_idempotent_rerun_adds_a_generation_listing_the_files_as_verified() {
    let dir = temp_dir();
    let out = dir.path().join("delivery");
    for _ in 0..2 {
        let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &[]);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    }
    let names = generations(&out);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[1].starts_with("0002_delivery_"), "{names:?}");
    let (first, second) = (generation_text(&out, 0), generation_text(&out, 1));
    for wav in delivered_wavs(&out) {
        assert!(
            entry_of(&second, &wav).contains("<xxh128 action=\"verified\""),
            "{}",
            entry_of(&second, &wav)
        );
        assert_eq!(xxh128_of(&first, &wav), xxh128_of(&second, &wav), "{wav}");
    }
    assert!(!second.contains("<md5"), "xxh128 only by default");
    let chain = std::fs::read_to_string(out.join("ascmhl/ascmhl_chain.xml")).unwrap();
    for (number, name) in names.iter().enumerate() {
        assert!(
            chain.contains(&format!(
                "<hashlist sequencenr=\"{}\">\n    <path>{name}</path>\n    <c4>c4",
                number + 1
            )),
            "{chain}"
        );
    }
    // The reference tool checks each generation against its c4 id in the chain.
    reference_accepts(reference_verify(&out), "ascmhl-debug verify");
    schema_check(&out, dir.path());

    // Without a history the files found already delivered are read and listed as new records.
    std::fs::remove_dir_all(out.join("ascmhl")).unwrap();
    let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let fresh = generation_text(&out, 0);
    for wav in delivered_wavs(&out) {
        assert!(entry_of(&fresh, &wav).contains("<xxh128 action=\"original\""));
        assert_eq!(xxh128_of(&first, &wav), xxh128_of(&fresh, &wav), "{wav}");
    }
}

#[test]
fn rollcall_verify_accepts_what_ascmhl_create_adds_and_a_later_run_continues_the_chain() {
    let dir = temp_dir();
    let out = dir.path().join("delivery");
    let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let mut create = ascmhl("ascmhl");
    create
        .arg("create")
        .arg(&out)
        .args(["-h", "md5", "-h", "c4"]);
    if reference_accepts(create, "ascmhl create").is_none() {
        return;
    }
    assert_eq!(generations(&out).len(), 2);
    let output = verify(&out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("(2 generations)"),
        "{}",
        describe(&output)
    );

    // A file `ascmhl create` listed as new (md5 and c4 only) is checked in one of those formats.
    std::fs::write(out.join("notes.txt"), "camera report\n").unwrap();
    let mut create = ascmhl("ascmhl");
    create.arg("create").arg(&out).args(["-h", "c4"]);
    reference_accepts(create, "ascmhl create");
    let output = verify(&out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    std::fs::write(out.join("notes.txt"), "camera report, changed\n").unwrap();
    let output = verify(&out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("changed: notes.txt (c4 "),
        "{}",
        describe(&output)
    );
    std::fs::write(out.join("notes.txt"), "camera report\n").unwrap();

    // A later run writes generation 4 on top, keeping the chain the reference tool checks.
    let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(generations(&out).len(), 4);
    reference_accepts(reference_verify(&out), "ascmhl-debug verify");
    schema_check(&out, dir.path());
}

#[test]
fn a_flipped_byte_is_named_by_rollcall_verify_and_fails_the_reference_tool() {
    let dir = temp_dir();
    let out = dir.path().join("delivery");
    let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let victim = "HBL101/27_2.WAV";
    let mut bytes = std::fs::read(out.join(victim)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(out.join(victim), &bytes).unwrap();

    let output = verify(&out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("changed: {victim} (xxh128 ")),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "only the flipped file: {stdout}");
    reference_rejects(reference_verify(&out), "ascmhl-debug verify");

    // JSON names it too; missing and unlisted files are reported.
    std::fs::remove_file(out.join("HBL102B/14-T001.WAV")).unwrap();
    std::fs::write(out.join("HBL101/extra.txt"), "x").unwrap();
    let output = verify(&out, &["--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["all_match"], false);
    assert_eq!(json["changed"][0]["path"], victim);
    assert_eq!(json["missing"], serde_json::json!(["HBL102B/14-T001.WAV"]));
    assert_eq!(json["unlisted"], serde_json::json!(["HBL101/extra.txt"]));

    // `--record` writes an in-place generation (the changed file `failed`, the new one `original`).
    let output = verify(&out, &["--record"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let recorded = generation_text(&out, 1);
    assert!(
        recorded.contains("<process>in-place</process>"),
        "{recorded}"
    );
    assert!(entry_of(&recorded, victim).contains("<xxh128 action=\"failed\""));
    assert!(entry_of(&recorded, "HBL101/extra.txt").contains("<xxh128 action=\"original\""));
    assert!(entry_of(&recorded, "HBL101/12_1.WAV").contains("<xxh128 action=\"verified\""));
    schema_check(&out, dir.path());
}

#[test]
fn verify_without_a_manifest_exits_2() {
    let dir = temp_dir();
    let output = verify(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no ASC MHL manifest"),
        "{}",
        describe(&output)
    );
    // A generation changed after it was written breaks the chain: exit 1.
    let out = dir.path().join("delivery");
    let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(!out.join("ascmhl").exists(), "a dry run writes no manifest");
    let output = run_recipe(&copy_recipe(), &[&example_rolls()], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let generation = out.join("ascmhl").join(&generations(&out)[0]);
    let text = std::fs::read_to_string(&generation).unwrap();
    std::fs::write(
        &generation,
        text.replace("rollcall</tool>", "rollcal1</tool>"),
    )
    .unwrap();
    let output = verify(&out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("does not match its c4 id"),
        "{}",
        describe(&output)
    );
}
