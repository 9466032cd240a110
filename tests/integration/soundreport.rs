//! Sound reports (SPEC section 8) through the real binary: the real Wave Agent report against the
//! real files it describes, the reports written per roll read back by the same reader, and the HTML
//! page loaded by a real browser (headless Chromium).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rollcall_soundreport::SoundReport;
use serde_json::Value;

use crate::support::{corpus, describe, external, raw_chunks, run_json, temp_dir};

const TEST_FILES: &str = "wavinfo/tests/test_files";

/// The real report's row for `A101_2.WAV`, and the same row with Circled marked and a hostile note
/// (the only change made to the real report: the mixer circling a take).
const A101_2_ROW: &str =
    "\"A101_2.WAV\",2(POLY),\"18Y12M31\",\"A101\",\"02\",48000,23.97 ND,24,00:00:10,12:40:04:00, , ,\"\",,";
const A101_2_CIRCLED: &str = "\"A101_2.WAV\",2(POLY),\"18Y12M31\",\"A101\",\"02\",48000,23.97 ND,24,00:00:10,12:40:04:00, ,Y,\"\",\"Best take <script>alert(1)</script> \"\"quoted\"\" \u{202E}reversed\",";
/// The row for `A101_3.WAV` with Wild marked.
const A101_3_ROW: &str =
    "\"A101_3.WAV\",2(POLY),\"18Y12M31\",\"A101\",\"03\",48000,23.97 ND,24,00:00:01,12:40:14:00, , ,";
const A101_3_WILD: &str =
    "\"A101_3.WAV\",2(POLY),\"18Y12M31\",\"A101\",\"03\",48000,23.97 ND,24,00:00:01,12:40:14:00,Y, ,";

/// A hostile track name given through the cast list.
const HOSTILE_TRACK: &str = "<img src=x onerror=alert(2)> \"Q\" \u{2067}RTL";

/// A folder with the real files the report describes (Sound Devices in `A`, Metacorder in `B`), one
/// real file it does not list (Zoom F8 in `C`), the report (circled and wild marks added) and a
/// recipe with the `sound-report` step and a cast list giving one track a hostile name.
struct Shoot {
    dir: tempfile::TempDir,
}

impl Shoot {
    fn new() -> Shoot {
        let dir = temp_dir();
        let root = dir.path();
        let files = corpus().join(TEST_FILES);
        for (folder, source) in [("A", "sounddevices"), ("B", "metacorder")] {
            fs::create_dir_all(root.join("rolls").join(folder)).expect("roll folder");
            for entry in fs::read_dir(files.join(source)).expect("corpus folder") {
                let path = entry.expect("entry").path();
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                if name.starts_with("A101_") || name.starts_with("Sr001-") {
                    fs::copy(&path, root.join("rolls").join(folder).join(&name)).expect("copy");
                }
            }
        }
        fs::create_dir_all(root.join("rolls/C")).expect("roll folder");
        fs::copy(
            files.join("zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr1.WAV"),
            root.join("rolls/C/Scene_1_2AG-T001_Tr1.WAV"),
        )
        .expect("copy");
        let report = fs::read_to_string(files.join("WaveAgentSoundReport.csv")).expect("report");
        assert!(report.contains(A101_2_ROW) && report.contains(A101_3_ROW));
        let report = report
            .replace(A101_2_ROW, A101_2_CIRCLED)
            .replace(A101_3_ROW, A101_3_WILD);
        assert!(
            !report.contains('\n'),
            "the report keeps its CR-only line ends"
        );
        fs::write(root.join("SoundReport.csv"), report).expect("report written");
        fs::write(
            root.join("cast.csv"),
            format!(
                "track,character,mic\nBoom,\"{}\",\n",
                HOSTILE_TRACK.replace('"', "\"\"")
            ),
        )
        .expect("cast written");
        fs::write(
            root.join("recipe.toml"),
            "[vars]\nshow = \"WAVINFO\"\n\n[[step]]\nplugin = \"sound-report\"\ncsv = \"SoundReport.csv\"\n\n\
             [[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\nformat = \"{character}\"\n",
        )
        .expect("recipe written");
        Shoot { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `rollcall run recipe.toml rolls --out delivery --json`: the whole JSON document.
    fn run(&self) -> Value {
        let (output, _) = run_json(
            self.root(),
            &[
                "recipe.toml".as_ref(),
                "rolls".as_ref(),
                "--out".as_ref(),
                "delivery".as_ref(),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        serde_json::from_slice(&output.stdout).expect("JSON on stdout")
    }

    fn delivered(&self, path: &str) -> PathBuf {
        self.root().join("delivery").join(path)
    }
}

fn chunk_text(path: &Path, id: &[u8; 4]) -> String {
    let payload = raw_chunks(path)
        .into_iter()
        .find(|c| &c.id == id)
        .unwrap_or_else(|| panic!("{}: no {}", path.display(), String::from_utf8_lossy(id)))
        .payload;
    String::from_utf8_lossy(&payload).into_owned()
}

/// Findings of a rule in a JSON findings array.
fn with_rule<'a>(findings: &'a Value, rule: &str) -> Vec<&'a Value> {
    findings
        .as_array()
        .map(|a| a.iter().filter(|f| f["rule"] == rule).collect())
        .unwrap_or_default()
}

#[test]
fn the_real_wave_agent_report_lands_in_the_delivered_files_and_is_reconciled() {
    let shoot = Shoot::new();
    let summary = shoot.run();

    // Circled and the note in iXML and in the bext description, in step.
    let circled = shoot.delivered("A/A101_2.WAV");
    let ixml = chunk_text(&circled, b"iXML");
    assert!(ixml.contains("<CIRCLED>TRUE</CIRCLED>"), "{ixml}");
    assert!(
        ixml.contains("<NOTE>Best take &lt;script&gt;alert(1)&lt;/script&gt; \"quoted\" \u{202E}reversed</NOTE>"),
        "{ixml}"
    );
    let bext = chunk_text(&circled, b"bext");
    assert!(bext.contains("sCIRCLED=TRUE"), "{bext}");
    assert!(
        bext.contains("sNOTE=Best take <script>alert(1)</script> \"quoted\" "),
        "{bext}"
    );
    let plain = chunk_text(&shoot.delivered("A/A101_1.WAV"), b"iXML");
    assert!(plain.contains("<CIRCLED>FALSE</CIRCLED>"), "{plain}");
    let wild = chunk_text(&shoot.delivered("A/A101_3.WAV"), b"iXML");
    assert!(wild.contains("<WILD_TRACK>TRUE</WILD_TRACK>"), "{wild}");
    let metacorder = chunk_text(&shoot.delivered("B/Sr001-2C-01_03.WAV"), b"bext");
    assert!(
        metacorder.contains("gNOTE=Tail Slate Cloth noise"),
        "{metacorder}"
    );

    // The two rows with no file (their files are elsewhere in the corpus): missing takes.
    let missing = with_rule(&summary["findings"], "report/no-file");
    let messages: Vec<&str> = missing
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(missing.len(), 2, "{messages:?}");
    assert!(missing
        .iter()
        .all(|f| f["severity"] == "warning" && f["path"].is_null()));
    assert!(messages
        .iter()
        .any(|m| m.contains("row 13") && m.contains("PT A101_4.A1.wav")));
    assert!(messages
        .iter()
        .any(|m| m.contains("row 7") && m.contains("BULLET Impact")));
    // The Zoom file the report does not list.
    let files = summary["files"].as_array().expect("files");
    let zoom = files
        .iter()
        .find(|f| {
            f["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("Scene_1_2AG-T001_Tr1.WAV"))
        })
        .expect("zoom outcome");
    let no_row = with_rule(&zoom["findings"], "report/no-row");
    assert_eq!(no_row.len(), 1, "{zoom}");
    assert_eq!(no_row[0]["severity"], "info");
    // Every listed file agrees with its row (tape, slate, start TC, length, track names).
    let mismatches: Vec<&Value> = files
        .iter()
        .flat_map(|f| with_rule(&f["findings"], "report/mismatch"))
        .collect();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[test]
fn reports_per_roll_read_back_as_the_same_takes() {
    let shoot = Shoot::new();
    shoot.run();
    let reports = shoot.delivered("reports");
    let mut names: Vec<String> = fs::read_dir(&reports)
        .expect("reports folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        [
            "18Y12M31.csv",
            "18Y12M31.html",
            "Sr001.csv",
            "Sr001.html",
            "index.html"
        ]
        .iter()
        .all(|n| names.contains(&n.to_string())),
        "{names:?}"
    );
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "no temp file left: {names:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(reports.join("index.html"))
            .expect("meta")
            .permissions()
            .mode();
        assert_ne!(mode & 0o777, 0o600, "reports are readable by the team");
    }
    let mixer = SoundReport::parse(
        &fs::read(shoot.root().join("SoundReport.csv")).expect("report"),
        "SoundReport.csv",
    )
    .expect("mixer's report");
    let ours = SoundReport::parse(
        &fs::read(reports.join("18Y12M31.csv")).expect("roll csv"),
        "18Y12M31.csv",
    )
    .expect("our report reads with the same reader");
    assert_eq!(ours.header.get("Roll"), Some("18Y12M31"));
    assert_eq!(ours.header.get("Project"), Some("WAVINFO"));
    assert_eq!(ours.header.get("Sound Mixer"), Some("Jamie Hardt"));
    let files: Vec<&str> = ours.rows.iter().map(|r| r.file_name.as_str()).collect();
    assert_eq!(
        files,
        [
            "A101_1.WAV",
            "A101_1_1.WAV",
            "A101_1_2.WAV",
            "A101_2.WAV",
            "A101_3.WAV",
            "A101_4.WAV"
        ]
    );
    for row in &ours.rows {
        let theirs = mixer.row_for(&row.file_name).expect("listed by the mixer");
        let number = |t: &str| t.parse::<u32>().expect("take number");
        assert_eq!(row.tape, theirs.tape, "{}", row.file_name);
        assert_eq!(row.scene, theirs.scene, "{}", row.file_name);
        assert_eq!(number(&row.take), number(&theirs.take), "{}", row.file_name);
        assert_eq!(row.start_tc, theirs.start_tc, "{}", row.file_name);
        assert_eq!(row.length, theirs.length, "{}", row.file_name);
        assert_eq!(row.frame_rate, theirs.frame_rate, "{}", row.file_name);
        assert_eq!(row.sample_rate, theirs.sample_rate, "{}", row.file_name);
        assert_eq!(row.circled, theirs.circled, "{}", row.file_name);
        assert_eq!(row.wild, theirs.wild, "{}", row.file_name);
        assert_eq!(row.note, theirs.note, "{}", row.file_name);
        if theirs.channels.is_some_and(|c| !c.mono) {
            assert_eq!(row.tracks[0], theirs.tracks[0], "{}", row.file_name);
            assert_eq!(
                row.tracks[1], HOSTILE_TRACK,
                "the delivered name, from the cast list"
            );
        }
    }
    let metacorder = SoundReport::parse(
        &fs::read(reports.join("Sr001.csv")).expect("roll csv"),
        "Sr001.csv",
    )
    .expect("reads");
    assert_eq!(metacorder.rows.len(), 10);
    assert_eq!(metacorder.rows[5].note, "Tail Slate Cloth noise");
    assert_eq!(metacorder.rows[5].frame_rate, "25 ND");
}

/// Runs headless Chromium on a page from disk with a fresh profile and nothing fetched.
fn chromium(page: &Path, args: &[&str]) -> Option<std::process::Output> {
    let profile = temp_dir();
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()));
    external(command, "chromium", "apt-get install -y chromium")
}

#[test]
fn the_roll_page_in_a_real_browser() {
    let shoot = Shoot::new();
    shoot.run();
    let page = shoot.delivered("reports/18Y12M31.html");
    let Some(output) = chromium(&page, &["--dump-dom"]) else {
        return;
    };
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(dom.matches("<tr class=\"take").count(), 6, "{dom}");
    assert_eq!(dom.matches("<li class=\"track\">").count(), 10, "{dom}");
    assert!(dom.contains("MKH516 A"), "{dom}");
    assert_eq!(dom.matches("<tr class=\"take circled\">").count(), 1);
    assert!(dom.contains("CIRCLED"));
    assert!(dom.contains("WILD"));
    // Hostile values are text: no element came from them, and bidi controls are shown as escapes.
    assert!(!dom.contains("<script"), "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    assert!(
        dom.contains(
            "Best take &lt;script&gt;alert(1)&lt;/script&gt; \"quoted\" &lt;U+202E&gt;reversed"
        ),
        "{dom}"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=alert(2)&gt; \"Q\" &lt;U+2067&gt;RTL"),
        "{dom}"
    );
    assert!(!dom.contains('\u{202E}') && !dom.contains('\u{2067}'));
    assert!(
        dom.contains("missing take"),
        "the roll's missing take is on its page"
    );

    let index = chromium(&shoot.delivered("reports/index.html"), &["--dump-dom"]);
    if let Some(index) = index {
        let dom = String::from_utf8_lossy(&index.stdout).into_owned();
        assert!(
            dom.contains("href=\"18Y12M31.html\"") && dom.contains("href=\"Sr001.html\""),
            "{dom}"
        );
        assert!(
            dom.contains("BULLET Impact"),
            "a missing take of no delivered roll is listed"
        );
    }

    let shot_dir = temp_dir();
    let shot = shot_dir.path().join("page.png");
    let screenshot = format!("--screenshot={}", shot.display());
    if chromium(&page, &[&screenshot, "--window-size=1400,900"]).is_none() {
        return;
    }
    let decoder = png::Decoder::new(fs::File::open(&shot).expect("screenshot written"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("decodes");
    assert_eq!((info.width, info.height), (1400, 900));
    let step = info.color_type.samples();
    let rgb: Vec<[u8; 3]> = pixels[..info.buffer_size()]
        .chunks(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let ink = rgb.iter().filter(|p| p.iter().any(|&c| c < 200)).count();
    let mut colours = rgb.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(ink > 10_000, "the page shows text: {ink} dark pixels");
    assert!(colours.len() > 50, "{} distinct colours", colours.len());
    assert!(
        rgb.contains(&[0xff, 0xf6, 0xd6]),
        "the circled take's row is highlighted"
    );
}
