//! Issue 12: every mistake a user can make is caught before writing and said plainly; metadata and
//! names never mislead (recipe and side-file validation, `--set`, `--quiet`, over-long paths,
//! unreadable iXML, Latin-1 bext text, terminal escapes, Unicode collisions).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{
    block_align, describe, eight_track_take, plugin_dir, raw_chunks, report_text, rollcall,
    run_recipe, temp_dir, tree, write_recipe, write_take_file,
};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `rollcall check RECIPE` with the test plugins.
fn check(recipe: &Path, extra: &[&str]) -> Output {
    rollcall()
        .arg("check")
        .arg(recipe)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args(extra)
        .output()
        .expect("rollcall runs")
}

/// A roll folder with one eight-track take of scene 12.
fn one_take_roll(dir: &Path) -> PathBuf {
    let roll = dir.join("roll");
    write_take_file(&roll, "T001.WAV", &eight_track_take("12", "1", 480, 1));
    roll
}

#[test]
fn recipe_and_side_file_mistakes_are_refused_by_check_and_run_before_writing() {
    let work = temp_dir();
    let roll = one_take_roll(work.path());
    const HEAD: &str = "[recipe]\nname = \"mistake\"\n\n[[step]]\n";
    // (what, step table after `[[step]]`, cast.csv, what the error must say)
    let cases: [(&str, String, &str, &[&str]); 6] = [
        (
            "an invalid glob",
            "plugin = \"channel-layout\"\nmix = [\"Mix[*\"]\n".into(),
            "",
            &["recipe.toml:6:", "Mix[*"],
        ),
        (
            "a token nothing provides",
            "plugin = \"rename\"\ntemplate = \"{tkae}-{take}\"\n".into(),
            "",
            &["recipe.toml:6:", "{tkae}"],
        ),
        (
            "a folder climbing out",
            "plugin = \"episode-split\"\npattern = '^(?P<episode>\\d+)'\nfolder = \"../{episode}\"\n"
                .into(),
            "",
            &["recipe.toml:7:", "`..`"],
        ),
        (
            "a cast row without a character",
            "plugin = \"track-names\"\ncsv = \"cast.csv\"\n".into(),
            "track,character,mic\nLav1,ZOE,COS-11D\nLav2\n",
            &["cast.csv: row 3, column `character`", "recipe.toml:6:"],
        ),
        (
            "a cell with a line break",
            "plugin = \"track-names\"\ncsv = \"cast.csv\"\n".into(),
            "track,character\nLav1,\"ZO\nE\"\n",
            &["cast.csv: row 2, column `character`", "line break"],
        ),
        (
            "an unterminated quote",
            "plugin = \"track-names\"\ncsv = \"cast.csv\"\n".into(),
            "track,character\nLav1,\"ZOE\nLav2,REYES\n",
            &["cast.csv: row 2, column `character`", "quote"],
        ),
    ];
    for (what, step, cast, says) in cases {
        let dir = work.path().join(what.replace(' ', "-"));
        fs::create_dir_all(&dir).expect("case folder");
        let recipe = write_recipe(&dir, "recipe.toml", &format!("{HEAD}{step}"));
        if !cast.is_empty() {
            fs::write(dir.join("cast.csv"), cast).expect("cast");
        }
        let checked = check(&recipe, &[]);
        assert_eq!(
            checked.status.code(),
            Some(2),
            "{what}: {}",
            describe(&checked)
        );
        let out = dir.join("out");
        let ran = run_recipe(&recipe, &[&roll], &out, &[]);
        assert_eq!(ran.status.code(), Some(2), "{what}: {}", describe(&ran));
        for output in [&checked, &ran] {
            for said in says {
                assert!(
                    stderr(output).contains(said),
                    "{what}: `{said}` missing: {}",
                    describe(output)
                );
            }
        }
        assert!(!out.exists(), "{what}: nothing written: {:?}", tree(&out));
    }
}

#[test]
fn set_parses_toml_lists_refuses_bare_comma_lists_and_resolves_paths_from_the_current_folder() {
    let work = temp_dir();
    let roll = one_take_roll(work.path());
    let recipes = work.path().join("recipes");
    fs::create_dir_all(&recipes).expect("recipes");
    let recipe = write_recipe(
        &recipes,
        "layout.toml",
        "[recipe]\nname = \"layout\"\n\n[[step]]\nplugin = \"channel-layout\"\nmix = [\"Mix*\"]\ndrop = [\"Lav5\"]\n\n[[step]]\nplugin = \"track-names\"\ncsv = \"missing.csv\"\n",
    );
    // A bare comma list for a list-valued key is refused, naming the argument, not a recipe line.
    let out = work.path().join("out1");
    let output = run_recipe(
        &recipe,
        &[&roll],
        &out,
        &[
            "--set",
            "step.1.drop=MixR,Boom",
            "--set",
            "step.2.csv=cast.csv",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        stderr(&output).contains("--set step.1.drop=MixR,Boom")
            && stderr(&output).contains("[\"MixR\", \"Boom\"]")
            && !stderr(&output).contains("layout.toml:7"),
        "{}",
        describe(&output)
    );
    assert!(!out.exists());
    // A value a step refuses is named by its --set argument too.
    let checked = check(&recipe, &["--set", "step.1.mix=[\"Mix[*\"]"]);
    assert_eq!(checked.status.code(), Some(2), "{}", describe(&checked));
    assert!(
        stderr(&checked).contains(
            "--set step.1.mix=[\"Mix[*\"]: step 1 (`channel-layout`): key `mix`: invalid pattern"
        ) && !stderr(&checked).contains("layout.toml:6"),
        "{}",
        describe(&checked)
    );
    // A TOML list is a list; the cast list given with --set is found in the current folder.
    let cwd = work.path().join("here");
    fs::create_dir_all(&cwd).expect("cwd");
    fs::write(cwd.join("cast.csv"), "track,character\nLav1,ZOE\n").expect("cast");
    let out = work.path().join("out2");
    let output = rollcall()
        .current_dir(&cwd)
        .arg("run")
        .arg(&recipe)
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args([
            "--set",
            "step.1.drop=[\"MixR\",\"Boom\"]",
            "--set",
            "step.2.csv=cast.csv",
        ])
        .output()
        .expect("rollcall runs");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    // 8 tracks, MixR and Boom dropped, 24-bit.
    assert_eq!(block_align(&out.join("T001.WAV")), 6 * 3);
}

#[test]
fn quiet_silences_plugin_info_lines_and_keeps_their_warnings() {
    let work = temp_dir();
    let roll = one_take_roll(work.path());
    let recipe = write_recipe(
        work.path(),
        "log.toml",
        "[recipe]\nname = \"log\"\n\n[[step]]\nplugin = \"misbehaving\"\nmode = \"log\"\n",
    );
    let loud = run_recipe(&recipe, &[&roll], &work.path().join("out1"), &[]);
    assert_eq!(loud.status.code(), Some(0), "{}", describe(&loud));
    assert!(
        stderr(&loud).contains("looked at T001.WAV"),
        "{}",
        describe(&loud)
    );
    assert!(
        stderr(&loud).contains("worried about T001.WAV"),
        "{}",
        describe(&loud)
    );
    let quiet = run_recipe(&recipe, &[&roll], &work.path().join("out2"), &["--quiet"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", describe(&quiet));
    assert!(
        !stderr(&quiet).contains("looked at"),
        "{}",
        describe(&quiet)
    );
    assert!(
        stderr(&quiet).contains("warning") && stderr(&quiet).contains("worried about T001.WAV"),
        "{}",
        describe(&quiet)
    );
}

#[test]
fn an_over_long_destination_fails_that_file_alone() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    // A 4.8 KB scene: one folder name far over 255 bytes.
    let long_scene = format!("1{}", "A".repeat(4_800));
    // A 241-byte scene used in 20 folder levels: every name fits, the path (~4.8 KB) does not.
    let deep_scene = format!("2{}", "B".repeat(240));
    write_take_file(
        &roll,
        "T001.WAV",
        &eight_track_take(&long_scene, "1", 480, 1),
    );
    write_take_file(
        &roll,
        "T002.WAV",
        &eight_track_take(&deep_scene, "1", 480, 2),
    );
    write_take_file(&roll, "T003.WAV", &eight_track_take("3", "1", 480, 3));
    let folder = format!("{{episode}}{}", "/{scene}".repeat(20));
    let recipe = write_recipe(
        work.path(),
        "split.toml",
        &format!("[recipe]\nname = \"split\"\n\n[[step]]\nplugin = \"episode-split\"\npattern = '^(?P<episode>\\d)'\nfolder = \"{folder}\"\n"),
    );
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let said = stderr(&output);
    for (name, why) in [
        ("T001.WAV", "longer than the 255 bytes"),
        ("T002.WAV", "more than the 4095 bytes a path may have"),
    ] {
        assert!(
            said.lines()
                .any(|l| l.contains("failed:") && l.contains(name) && l.contains(why)),
            "{name}: {}",
            describe(&output)
        );
    }
    // Reasons are short enough to read: the names are abbreviated.
    assert!(said.len() < 4_000, "{said}");
    let delivered: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert_eq!(delivered, vec![format!("3{}/T003.WAV", "/3".repeat(20))]);
}

/// A take of scene `scene` without bext (so iXML is the only source of the scene), whose iXML
/// chunk holds `ixml`.
fn take_with_ixml(roll: &Path, name: &str, scene: &str, ixml: Option<&[u8]>) -> PathBuf {
    let path = write_take_file(roll, name, &eight_track_take(scene, "1", 480, 3));
    let bytes = fs::read(&path).expect("take");
    let bytes = rollgen::with_chunk(&bytes, b"bext", None);
    let bytes = match ixml {
        Some(ixml) => rollgen::with_chunk(&bytes, b"iXML", Some(ixml)),
        None => bytes,
    };
    fs::write(&path, bytes).expect("take rewritten");
    path
}

#[test]
fn unreadable_ixml_is_reported_with_why_not_as_a_missing_scene() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    let deep = format!(
        "<?xml version=\"1.0\"?><BWFXML><SCENE>9</SCENE>{}{}</BWFXML>",
        "<N>".repeat(100),
        "</N>".repeat(100)
    );
    let tracks: String = (1..=1025)
        .map(|i| format!("<TRACK><CHANNEL_INDEX>{i}</CHANNEL_INDEX><NAME>T{i}</NAME></TRACK>"))
        .collect();
    let many = format!(
        "<?xml version=\"1.0\"?><BWFXML><SCENE>9</SCENE><TRACK_LIST><TRACK_COUNT>1025</TRACK_COUNT>{tracks}</TRACK_LIST></BWFXML>"
    );
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><BWFXML><SCENE>9</SCENE></BWFXML>"
        .encode_utf16()
    {
        utf16.extend(unit.to_le_bytes());
    }
    take_with_ixml(&roll, "DEEP.WAV", "9", Some(deep.as_bytes()));
    take_with_ixml(&roll, "MANY.WAV", "9", Some(many.as_bytes()));
    take_with_ixml(&roll, "WIDE.WAV", "9", Some(&utf16));
    take_with_ixml(&roll, "GOOD.WAV", "9", None);
    let recipe = write_recipe(
        work.path(),
        "rename.toml",
        "[recipe]\nname = \"rename\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}-{take}-{stem}\"\n",
    );
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let said = stderr(&output);
    for (name, why) in [
        ("DEEP.WAV", "nest deeper than 64 levels"),
        ("MANY.WAV", "1025 tracks"),
        ("WIDE.WAV", "UTF-16"),
    ] {
        assert!(
            said.lines().any(|l| l.contains("failed:")
                && l.contains(name)
                && l.contains("could not be read")
                && l.contains(why)),
            "{name}: {}",
            describe(&output)
        );
    }
    assert!(out.join("9-1-GOOD.WAV").exists(), "{:?}", tree(&out));
}

/// The 256-byte description of the delivered file's bext chunk.
fn delivered_description(path: &Path) -> Vec<u8> {
    let bext = raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == b"bext")
        .expect("bext");
    bext.payload[..256].to_vec()
}

#[test]
fn a_latin1_byte_in_the_bext_description_is_read_leniently_and_written_as_ascii() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    let mut spec = eight_track_take("12", "1", 480, 1);
    spec.tracks.truncate(2);
    spec.project = "CAFE".into();
    let path = write_take_file(&roll, "T001.WAV", &spec);
    let mut bytes = fs::read(&path).expect("take");
    let at = bytes
        .windows(13)
        .position(|w| w == b"sPROJECT=CAFE")
        .expect("project line");
    bytes[at + 12] = 0xC9; // `CAFÉ` in Latin-1, as some recorders write
    fs::write(&path, bytes).expect("patched");
    let recipe = write_recipe(
        work.path(),
        "note.toml",
        "[recipe]\nname = \"note\"\n\n[[step]]\nplugin = \"template\"\nnote = \"take {scene}\"\n",
    );
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let description = delivered_description(&out.join("T001.WAV"));
    assert!(description.iter().all(u8::is_ascii), "{description:?}");
    let text = String::from_utf8_lossy(&description);
    assert!(text.contains("sNOTE=take 12"), "{text}");
    // A copy leaves the recorder's bext as it is, byte for byte.
    let copy = write_recipe(work.path(), "copy.toml", "[recipe]\nname = \"copy\"\n");
    let copied = run_recipe(&copy, &[&roll], &work.path().join("copy"), &[]);
    assert_eq!(copied.status.code(), Some(0), "{}", describe(&copied));
    assert_eq!(
        fs::read(work.path().join("copy").join("T001.WAV")).expect("copy"),
        fs::read(&path).expect("source")
    );
    assert!(text.contains("sPROJECT=CAFE\r\n"), "{text}");
    assert!(
        stderr(&output)
            .contains("sPROJECT=CAF\u{c9}` is not plain ASCII; written as `sPROJECT=CAFE`"),
        "{}",
        describe(&output)
    );
}

#[test]
fn terminal_escapes_and_bidi_controls_are_escaped_in_output_and_replaced_in_names() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    // A file name and a scene carrying an ANSI colour sequence and a right-to-left override.
    write_take_file(
        &roll,
        "A\u{1b}[31mRED\u{202e}X.WAV",
        &eight_track_take("12", "1", 480, 1),
    );
    write_take_file(
        &roll,
        "T002.WAV",
        &eight_track_take("13\u{1b}]0;owned\u{7}\u{2066}", "1", 480, 2),
    );
    let recipe = write_recipe(
        work.path(),
        "rename.toml",
        "[recipe]\nname = \"rename\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}-{take}-{stem}\"\n",
    );
    let out = work.path().join("out");
    let dry = run_recipe(&recipe, &[&roll], &out, &["--dry-run"]);
    let run = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let report = report_text(&out);
    let inspected = rollcall()
        .arg("inspect")
        .arg(roll.join("T002.WAV"))
        .output()
        .expect("inspect runs");
    let raw = |text: &str| {
        text.chars().any(|c| {
            c == '\u{1b}'
                || c == '\u{7}'
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
    };
    for (what, text) in [
        (
            "dry run stdout",
            String::from_utf8_lossy(&dry.stdout).into_owned(),
        ),
        ("dry run stderr", stderr(&dry)),
        ("run stderr", stderr(&run)),
        (
            "inspect stdout",
            String::from_utf8_lossy(&inspected.stdout).into_owned(),
        ),
        ("report", report),
    ] {
        assert!(!raw(&text), "{what} carries raw controls: {text:?}");
    }
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("\\u{1b}[31mRED\\u{202e}X.WAV"),
        "{}",
        describe(&dry)
    );
    let delivered: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    for name in &delivered {
        assert!(!raw(name), "delivered name {name:?}");
    }
    assert!(
        delivered.contains(&"12-1-A_[31mRED_X.WAV".to_string()),
        "{delivered:?}"
    );
}

#[test]
fn destinations_equal_under_unicode_normalisation_or_case_folding_are_withheld() {
    let work = temp_dir();
    let roll = work.path().join("roll");
    for (file, scene) in [
        ("T001.WAV", "Straße"),
        ("T002.WAV", "STRASSE"),
        ("T003.WAV", "Caf\u{e9}"),   // NFC
        ("T004.WAV", "Cafe\u{301}"), // NFD
        ("T005.WAV", "ΟΔΟΣ"),
        ("T006.WAV", "οδος"), // final sigma
        ("T007.WAV", "Harbor"),
    ] {
        let seed = file.as_bytes()[3] as u64;
        write_take_file(&roll, file, &eight_track_take(scene, "1", 480, seed));
    }
    let recipe = write_recipe(
        work.path(),
        "rename.toml",
        "[recipe]\nname = \"rename\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}\"\n",
    );
    let out = work.path().join("out");
    let output = run_recipe(&recipe, &[&roll], &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let said = stderr(&output);
    assert_eq!(
        said.matches("withheld: ").count(),
        6,
        "{}",
        describe(&output)
    );
    assert_eq!(
        said.matches("collision: 2 different takes").count(),
        6,
        "{said}"
    );
    let delivered: Vec<String> = tree(&out)
        .into_iter()
        .filter(|f| f.ends_with(".WAV"))
        .collect();
    assert_eq!(delivered, vec!["Harbor.WAV".to_string()]);
}
