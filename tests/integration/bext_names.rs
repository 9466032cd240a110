//! bext track names are cut the same way in every take of a show (issue 19): the width comes from the
//! recipe and the cast list alone, the mic part is dropped, names are cut at a word, and a late take
//! is delivered byte for byte as it was in the batch.

use std::path::{Path, PathBuf};

use crate::support::{
    describe, plugin_dir, raw_chunks, rollcall, run_recipe, temp_dir, write_recipe, write_take_file,
};

/// The cast: `CAPTAIN REYES` (13 characters) is the longest, so the default width is 12.
const CAST: &str = "track,character,mic\nLav1,CAPTAIN REYES,DPA 4060\nLav2,ZOË,COS-11D\n";

/// The 256-byte bext description of a delivered file, up to its first NUL.
fn description(path: &Path) -> String {
    let bext = raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == b"bext")
        .unwrap_or_else(|| panic!("{}: no bext", path.display()));
    let field = &bext.payload[..256.min(bext.payload.len())];
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The `sTRKn=` lines of a description, as (n, value).
fn track_lines(description: &str) -> Vec<(u32, String)> {
    description
        .split("\r\n")
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let number = key.strip_prefix("sTRK")?.parse().ok()?;
            Some((number, value.to_string()))
        })
        .collect()
}

/// A Sound Devices take `MixL Boom Lav1 Lav2` with a take note of `note_length` characters.
fn write_take(dir: &Path, name: &str, take: &str, note_length: usize) -> PathBuf {
    let tracks = ["MixL", "Boom", "Lav1", "Lav2"]
        .iter()
        .enumerate()
        .map(|(i, n)| rollgen::TrackSpec::new(i as u32 + 1, n))
        .collect();
    let mut spec = rollgen::TakeSpec::new(rollgen::RecorderStyle::SoundDevices, "31", take, tracks);
    spec.tape = "HBL101".into();
    spec.frames = 480;
    spec.note = "N".repeat(note_length);
    write_take_file(dir, name, &spec)
}

#[test]
fn every_take_carries_the_same_shortened_names_and_a_late_take_the_same_bytes() {
    let work = temp_dir();
    std::fs::write(work.path().join("cast.csv"), CAST).unwrap();
    let recipe = write_recipe(
        work.path(),
        "show.toml",
        "[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n",
    );
    let rolls = work.path().join("rolls");
    // An almost empty description, and one the note fills to 2 bytes short of the 256.
    let roomy = write_take(&rolls, "31_1.WAV", "1", 0);
    let full = write_take(&rolls, "31_2.WAV", "2", 76);
    assert!(description(&roomy).len() < 200, "{:?}", description(&roomy));
    assert_eq!(
        description(&full).len(),
        254,
        "the full take's description: {:?}",
        description(&full)
    );

    let out = work.path().join("delivery");
    let batch = run_recipe(&recipe, &[&rolls], &out, &[]);
    assert_eq!(batch.status.code(), Some(0), "{}", describe(&batch));
    let want = vec![
        (1, "MixL".to_string()),
        (2, "Boom".to_string()),
        // 13 characters in 12: cut at the word, the mic dropped.
        (3, "CAPTAIN".to_string()),
        (4, "ZOE".to_string()),
    ];
    for name in ["31_1.WAV", "31_2.WAV"] {
        let text = description(&out.join(name));
        assert_eq!(track_lines(&text), want, "{name}: {text:?}");
        assert!(text.len() <= 256 && text.is_ascii(), "{name}: {text:?}");
        // iXML keeps the full names.
        let ixml = raw_chunks(&out.join(name))
            .into_iter()
            .find(|c| &c.id == b"iXML")
            .map(|c| String::from_utf8_lossy(&c.payload).into_owned())
            .unwrap_or_default();
        assert!(
            ixml.contains("<NAME>CAPTAIN REYES (DPA 4060)</NAME>")
                && ixml.contains("<NAME>ZOË (COS-11D)</NAME>"),
            "{name}: {ixml}"
        );
    }
    // The configured width is no "does not fit" warning.
    let err = String::from_utf8_lossy(&batch.stderr);
    assert!(!err.contains("256-byte bext description"), "{err}");

    // The second take delivered alone, as a late take, is the same file.
    let late_roll = work.path().join("late");
    std::fs::create_dir_all(&late_roll).unwrap();
    std::fs::copy(&full, late_roll.join("31_2.WAV")).unwrap();
    let late_out = work.path().join("late-delivery");
    let late = run_recipe(&recipe, &[&late_roll], &late_out, &[]);
    assert_eq!(late.status.code(), Some(0), "{}", describe(&late));
    assert!(
        std::fs::read(late_out.join("31_2.WAV")).unwrap()
            == std::fs::read(out.join("31_2.WAV")).unwrap(),
        "the late take is delivered byte for byte as in the batch"
    );

    // Planned, then applied by one shard (the cluster route): the plan file carries the width.
    let planned_out = work.path().join("planned-delivery");
    let plan_file = work.path().join("show.plan.json");
    let plan = rollcall()
        .arg("plan")
        .arg(&recipe)
        .arg(&rolls)
        .arg("--out")
        .arg(&planned_out)
        .arg("--plan-file")
        .arg(&plan_file)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
    let apply = rollcall()
        .arg("apply")
        .arg(&plan_file)
        .arg("--shard")
        .arg("1/1")
        .output()
        .unwrap();
    assert_eq!(apply.status.code(), Some(0), "{}", describe(&apply));
    for name in ["31_1.WAV", "31_2.WAV"] {
        assert!(
            std::fs::read(planned_out.join(name)).unwrap()
                == std::fs::read(out.join(name)).unwrap(),
            "{name}: planned and applied as in the run"
        );
    }
}

#[test]
fn a_take_that_cannot_hold_the_budgeted_names_drops_them_never_cuts_narrower() {
    let work = temp_dir();
    std::fs::write(work.path().join("cast.csv"), CAST).unwrap();
    let recipe = write_recipe(
        work.path(),
        "show.toml",
        "[[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\nbext_name_width = 30\n",
    );
    let rolls = work.path().join("rolls");
    write_take(&rolls, "31_1.WAV", "1", 0);
    write_take(&rolls, "31_2.WAV", "2", 76);
    let out = work.path().join("delivery");
    let run = run_recipe(&recipe, &[&rolls], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));

    // The roomy take: whole names within 30 characters, still without the mic.
    let roomy = description(&out.join("31_1.WAV"));
    assert_eq!(
        track_lines(&roomy),
        vec![
            (1, "MixL".to_string()),
            (2, "Boom".to_string()),
            (3, "CAPTAIN REYES".to_string()),
            (4, "ZOE".to_string()),
        ],
        "{roomy:?}"
    );
    // The full take has no room for `CAPTAIN REYES`: no track lines, a warning, never `CAPTAIN RE`.
    let full = description(&out.join("31_2.WAV"));
    assert_eq!(track_lines(&full), vec![], "{full:?}");
    assert!(
        full.contains("sNOTE=NNN"),
        "the other lines are kept: {full:?}"
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.lines().any(|l| l.contains("31_2.WAV")
            && l.contains("TRKn lines were removed")
            && l.contains("iXML only")),
        "{err}"
    );
}
