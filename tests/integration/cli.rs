//! The everyday command line: completions and man page, short flags, `--color`, `--version`,
//! `rollcall new`, `plugins --describe`, grouped warnings and `ROLLCALL_*` variables.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{describe, plugin_dir, repo, rollcall, temp_dir, tree, write_recipe};

fn example_rolls() -> PathBuf {
    repo().join("recipes/example-rolls")
}

fn series_recipe() -> PathBuf {
    repo().join("recipes/series-dailies.toml")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_with(args: &[&str], recipe: &Path, out: &Path, envs: &[(&str, &str)]) -> Output {
    let mut command = rollcall();
    command
        .arg("run")
        .arg(recipe)
        .arg(example_rolls())
        .arg("-o")
        .arg(out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[test]
fn completions_and_man_page_come_from_the_command_definitions() {
    for (shell, marker) in [
        ("bash", "_rollcall()"),
        ("zsh", "#compdef rollcall"),
        ("fish", "complete -c rollcall"),
    ] {
        let output = rollcall().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{}", describe(&output));
        let script = text(&output.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        // Every public subcommand and the run flags are completed.
        for word in ["inspect", "plugins", "new", "dry-run", "plugin-dir"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let man = rollcall().arg("man").output().unwrap();
    assert!(man.status.success(), "{}", describe(&man));
    let page = text(&man.stdout);
    assert!(page.contains(".TH rollcall 1"), "{page}");
    assert!(
        page.contains("ROLLCALL RUN") && page.contains("dry\\-run"),
        "{page}"
    );
    // Hidden from --help: they are for packagers.
    let help = text(&rollcall().arg("--help").output().unwrap().stdout);
    assert!(
        help.contains("inspect") && !help.contains("completions"),
        "{help}"
    );
    assert!(
        help.contains("ROLLCALL_JOBS") && help.contains("NO_COLOR"),
        "{help}"
    );
    assert!(
        page.contains(".SH ENVIRONMENT") && page.contains("ROLLCALL_JOBS"),
        "{page}"
    );
}

#[test]
fn version_names_the_plugin_sdk() {
    let output = rollcall().arg("--version").output().unwrap();
    let line = text(&output.stdout);
    assert!(
        line.starts_with(&format!(
            "rollcall {} (plugin SDK 1.",
            env!("CARGO_PKG_VERSION")
        )),
        "{line}"
    );
}

#[test]
fn short_flags_dry_run_jobs_out_quiet() {
    let dir = temp_dir();
    let out = dir.path().join("delivery");
    let output = run_with(&["-n", "-j", "2", "-q"], &series_recipe(), &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(text(&output.stdout).contains("-> EP101/HBL101/12-1.WAV"));
    assert!(text(&output.stdout).contains("nothing written (dry run)"));
    assert!(!out.exists(), "a dry run wrote {}", out.display());

    // The same short flags on the cluster commands.
    let plan_file = dir.path().join("plan.json");
    let plan = rollcall()
        .arg("plan")
        .arg(series_recipe())
        .arg(example_rolls())
        .arg("-o")
        .arg(&out)
        .arg("--plan-file")
        .arg(&plan_file)
        .arg("-q")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", describe(&plan));
    for args in [
        vec!["apply", "PLAN", "--shard", "1/1", "-q", "-j", "2"],
        vec!["finish", "PLAN", "-q"],
    ] {
        let output = rollcall()
            .args(args.iter().map(|a| {
                if *a == "PLAN" {
                    plan_file.as_os_str()
                } else {
                    std::ffi::OsStr::new(a)
                }
            }))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    }
    assert!(out.join("EP101/HBL101/12-1.WAV").is_file());
}

#[test]
fn color_always_never_and_no_color() {
    let dir = temp_dir();
    let colored = run_with(
        &["--color", "always"],
        &series_recipe(),
        &dir.path().join("a"),
        &[("NO_COLOR", "1")],
    );
    assert_eq!(colored.status.code(), Some(0), "{}", describe(&colored));
    assert!(
        text(&colored.stderr).contains("\x1b[1;33mwarning\x1b[0m"),
        "{}",
        describe(&colored)
    );
    for (flag, env) in [("never", None), ("auto", Some(("NO_COLOR", "1")))] {
        let envs: Vec<(&str, &str)> = env.into_iter().collect();
        let plain = run_with(
            &["--color", flag],
            &series_recipe(),
            &dir.path().join(flag),
            &envs,
        );
        assert_eq!(plain.status.code(), Some(0), "{}", describe(&plain));
        assert!(
            text(&plain.stderr).contains("warning"),
            "{}",
            describe(&plain)
        );
        assert!(
            !text(&plain.stderr).contains('\x1b'),
            "--color {flag}: {}",
            describe(&plain)
        );
    }
    let bad = rollcall()
        .args(["--color", "sometimes", "plugins"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn new_writes_a_show_that_checks_and_runs_and_never_overwrites() {
    let dir = temp_dir();
    let show = dir.path().join("show");
    let output = rollcall().arg("new").arg(&show).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let recipe = show.join("rollcall.toml");
    let recipe_text = std::fs::read_to_string(&recipe).unwrap();
    assert!(recipe_text.starts_with("# "), "the recipe is commented");
    assert!(std::fs::read_to_string(show.join("cast.csv"))
        .unwrap()
        .starts_with("track,character,mic"));
    assert!(std::fs::read_to_string(show.join("episodes.csv"))
        .unwrap()
        .starts_with("scene,episode"));

    let check = rollcall()
        .arg("check")
        .arg(&recipe)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", describe(&check));
    assert!(
        text(&check.stdout).contains("ok, 4 steps"),
        "{}",
        describe(&check)
    );

    let out = dir.path().join("delivery");
    let run = run_with(&[], &recipe, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let delivered = tree(&out);
    assert!(
        delivered.iter().any(|f| f == "UNSORTED/12-1.WAV"),
        "{delivered:?}"
    );
    assert_eq!(delivered.iter().filter(|f| f.ends_with(".WAV")).count(), 10);

    // A second `new` refuses and leaves the edited recipe alone.
    std::fs::write(&recipe, "# edited\n").unwrap();
    let again = rollcall().arg("new").arg(&show).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "{}", describe(&again));
    assert!(text(&again.stderr).contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&recipe).unwrap(), "# edited\n");
}

#[test]
fn plugins_describe_prints_keys_from_the_plugin_itself() {
    let describe_plugin = |name: &str| {
        rollcall()
            .args(["plugins", "--describe", name, "--plugin-dir"])
            .arg(plugin_dir())
            .output()
            .unwrap()
    };
    let rename = describe_plugin("rename");
    assert_eq!(rename.status.code(), Some(0), "{}", describe(&rename));
    let shown = text(&rename.stdout);
    assert!(shown.contains("keys:"), "{shown}");
    assert!(
        shown.contains("  template ") && shown.contains("{scene}-{take}"),
        "{shown}"
    );
    assert!(shown.contains("keep_family_suffix"), "{shown}");
    // A check plugin describes itself too.
    let practice = text(&describe_plugin("practice").stdout);
    assert!(practice.contains("roll_scheme"), "{practice}");
    // A plugin that says nothing about itself.
    let plain = describe_plugin("misbehaving");
    assert!(
        text(&plain.stdout).contains("no description"),
        "{}",
        describe(&plain)
    );
    let missing = describe_plugin("no-such-step");
    assert_eq!(missing.status.code(), Some(2));
    let json = rollcall()
        .args([
            "plugins",
            "--describe",
            "channel-layout",
            "--json",
            "--plugin-dir",
        ])
        .arg(plugin_dir())
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["keys"][0]["key"], "mix", "{document}");
}

#[test]
fn warnings_are_grouped_and_not_repeated_for_delivered_files() {
    let dir = temp_dir();
    let recipe = write_recipe(
        dir.path(),
        "layout.toml",
        "[[step]]\nplugin = \"channel-layout\"\nmix = [\"Nothing*\"]\n",
    );
    let out = dir.path().join("delivery");
    let first = run_with(&[], &recipe, &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    let stderr = text(&first.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("no track matches mix"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("rollcall: warning: 10 files: "),
        "{stderr}"
    );
    assert!(lines[0].contains("(e.g. "), "{stderr}");

    let second = run_with(&[], &recipe, &out, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains("0 delivered, 10 already delivered"),
        "{stderr}"
    );
    assert!(!stderr.contains("no track matches mix"), "{stderr}");
}

#[test]
fn rollcall_variables_known_accepted_unknown_refused() {
    let dir = temp_dir();
    let jobs = run_with(
        &["-n"],
        &series_recipe(),
        &dir.path().join("a"),
        &[("ROLLCALL_JOBS", "2")],
    );
    assert_eq!(jobs.status.code(), Some(0), "{}", describe(&jobs));
    let bad_jobs = run_with(
        &[],
        &series_recipe(),
        &dir.path().join("b"),
        &[("ROLLCALL_JOBS", "many")],
    );
    assert_eq!(bad_jobs.status.code(), Some(2), "{}", describe(&bad_jobs));
    assert!(text(&bad_jobs.stderr).contains("ROLLCALL_JOBS"));
    let unknown = run_with(
        &["-n"],
        &series_recipe(),
        &dir.path().join("c"),
        &[("ROLLCALL_JOBZ", "2")],
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", describe(&unknown));
    let stderr = text(&unknown.stderr);
    assert!(stderr.contains("ROLLCALL_JOBZ"), "{stderr}");
    assert!(
        stderr.contains("ROLLCALL_JOBS") && stderr.contains("ROLLCALL_PLUGIN_PATH"),
        "the known variables are listed: {stderr}"
    );
    // A recipe key through the environment still works.
    let key = run_with(
        &["-n"],
        &series_recipe(),
        &dir.path().join("d"),
        &[("ROLLCALL_VARS__SHOW", "TWD")],
    );
    assert_eq!(key.status.code(), Some(0), "{}", describe(&key));
}

#[test]
fn inspect_walks_a_folder_and_prints_a_table_one_line_per_take() {
    let output = rollcall()
        .args(["inspect", "--table"])
        .arg(example_rolls())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let table = text(&output.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 11, "a header and 10 takes: {table}");
    for column in [
        "FILE", "SCENE", "TAKE", "CIRCLED", "START", "LENGTH", "CH", "TRACKS",
    ] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    let row = lines
        .iter()
        .find(|l| l.contains("12_2.WAV"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains(" yes "), "12_2 is circled: {row}");
    assert!(row.contains("@ 23.976 ND"), "{row}");
    assert!(row.contains("00:00:00.250"), "{row}");
    assert!(
        row.contains("MixL, MixR, Boom, Lav1, Lav2, Lav3, Lav4"),
        "{row}"
    );
}

#[test]
fn inspect_human_form_reads_as_editors_say_it_and_json_keeps_circled_a_boolean() {
    let file = example_rolls().join("HBL101/12_2.WAV");
    let human = rollcall().arg("inspect").arg(&file).output().unwrap();
    assert_eq!(human.status.code(), Some(0), "{}", describe(&human));
    let shown = text(&human.stdout);
    assert!(shown.contains("24-bit int"), "{shown}");
    assert!(shown.contains("00:00:00.250"), "{shown}");
    assert!(shown.contains("@ 23.976 ND"), "{shown}");
    assert!(shown.contains("circled yes"), "{shown}");
    assert!(shown.contains("bext originator "), "{shown}");
    assert!(
        shown.contains("  bext description:\n    sSPEED=023.976-ND\n"),
        "{shown}"
    );
    assert!(shown.contains("\n    sSCENE=12\n"), "{shown}");

    let json = rollcall()
        .args(["inspect", "--json"])
        .arg(example_rolls().join("HBL101"))
        .output()
        .unwrap();
    let files: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 6);
    assert!(files.iter().all(|f| f["circled"].is_boolean()), "{files:?}");
    let circled: Vec<bool> = files.iter().map(|f| f["circled"] == true).collect();
    assert_eq!(circled.iter().filter(|c| **c).count(), 2, "12_2 and 27_3");
    assert_eq!(files[0]["sample_format"], "int");
    assert!(files[0]["bext"]["description"].as_array().unwrap().len() > 2);
}

#[test]
fn inspect_escapes_control_and_bidi_characters_in_metadata() {
    let dir = temp_dir();
    let mut spec = crate::support::eight_track_take("12", "1", 4800, 7);
    spec.note = "fine\u{202e}txt.exe\u{1b}[31m red\nsecond line".into();
    let file = crate::support::write_take_file(dir.path(), "12_1.WAV", &spec);
    for args in [vec!["inspect"], vec!["inspect", "--table"]] {
        let output = rollcall().args(&args).arg(&file).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        let shown = text(&output.stdout);
        assert!(
            !shown.contains('\u{202e}') && !shown.contains('\u{1b}'),
            "{args:?}: {shown}"
        );
    }
    let human = text(
        &rollcall()
            .arg("inspect")
            .arg(&file)
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        human.contains("note fine\\u{202e}txt.exe\\u{1b}[31m red\\nsecond line"),
        "{human}"
    );
}

/// `rollcall ARGS` on a terminal (a pseudo-terminal from util-linux `script`): what it printed.
fn on_terminal(args: &[String]) -> Option<String> {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_rollcall").to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut command = std::process::Command::new("script");
    command.args(["-qec", &quoted.join(" "), "/dev/null"]);
    for (key, _) in std::env::vars() {
        if key.starts_with("ROLLCALL_") || key == "NO_COLOR" {
            command.env_remove(key);
        }
    }
    let output = command.stdin(std::process::Stdio::null()).output().ok()?;
    Some(text(&output.stdout))
}

#[test]
fn a_progress_line_while_planning_on_a_terminal_only() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        crate::support::not_run("script", "Debian bsdutils gives a pseudo-terminal");
        return;
    }
    let dir = temp_dir();
    let args = |out: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "run".to_string(),
            series_recipe().display().to_string(),
            example_rolls().display().to_string(),
            "-o".to_string(),
            dir.path().join(out).display().to_string(),
            "--plugin-dir".to_string(),
            plugin_dir().display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let shown = on_terminal(&args("a", &[])).unwrap();
    assert!(
        shown.contains("rollcall: planning ") && shown.contains("/10 files"),
        "{shown}"
    );
    assert!(shown.contains("10 delivered"), "{shown}");
    for extra in [&["--json"][..], &["-q"][..]] {
        let shown = on_terminal(&args(extra[0].trim_start_matches('-'), extra)).unwrap();
        assert!(!shown.contains("planning"), "{extra:?}: {shown}");
    }
    // Not a terminal: no progress line.
    let piped = run_with(&[], &series_recipe(), &dir.path().join("piped"), &[]);
    assert!(
        !text(&piped.stderr).contains("planning"),
        "{}",
        describe(&piped)
    );
}

#[test]
fn toml_mistakes_show_line_column_caret_and_the_fix() {
    let dir = temp_dir();
    let check = |name: &str, body: &str| {
        let recipe = write_recipe(dir.path(), name, body);
        let output = rollcall()
            .arg("check")
            .arg(&recipe)
            .arg("--plugin-dir")
            .arg(plugin_dir())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        text(&output.stderr)
    };
    let unquoted = check(
        "unquoted.toml",
        "[recipe]\nname = \"x\"\n\n[[step]]\nplugin = \"rename\"\ntemplate = {scene}-{take}\n",
    );
    assert!(unquoted.contains("unquoted.toml:6:"), "{unquoted}");
    assert!(
        unquoted.contains("\n 6 | template = {scene}-{take}\n   | "),
        "{unquoted}"
    );
    assert!(unquoted.contains('^'), "{unquoted}");
    assert!(
        unquoted.contains(
            "help: a template is a string: write it in quotes, template = \"{scene}-{take}\""
        ),
        "{unquoted}"
    );
    let steps = check(
        "steps.toml",
        "[recipe]\nname = \"x\"\n\n[[steps]]\nplugin = \"rename\"\n",
    );
    assert!(
        steps.contains("steps.toml:4: unknown key `steps`"),
        "{steps}"
    );
    assert!(steps.contains("\n 4 | [[steps]]\n   |   ^^^^^"), "{steps}");
    assert!(
        steps.contains("help: steps are written [[step]]"),
        "{steps}"
    );
}

#[test]
fn the_report_and_run_json_agree_on_words_keys_and_paths() {
    let dir = temp_dir();
    let out = dir.path().join("delivery");
    let output = run_with(&["--json"], &series_recipe(), &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["recipe"], "Harbor Lights S1 dailies");
    assert_eq!(document["rollcall_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(document["totals"]["delivered"], 10, "{document}");
    let files = document["files"].as_array().unwrap();
    let report_name = tree(&out)
        .into_iter()
        .find(|f| f.starts_with("rollcall-report-") && f.ends_with(".csv"))
        .unwrap();
    let report = std::fs::read_to_string(out.join(&report_name)).unwrap();
    // Beside the CSV, the same document as `--json`: the recipe, the version and the totals.
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join(report_name.replace(".csv", ".json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(summary, document);
    let mut rows = report.lines();
    let header: Vec<&str> = rows
        .next()
        .unwrap()
        .split(',')
        .map(|c| c.trim_matches('"'))
        .collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<String>> = rows
        .map(|l| {
            l.split("\",\"")
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), files.len());
    for file in files {
        let destination = file["destination"].as_str().unwrap();
        assert!(!destination.starts_with('/'), "relative: {destination}");
        assert!(out.join(destination).is_file());
        let row = rows
            .iter()
            .find(|r| r[column("destination")] == destination)
            .unwrap_or_else(|| panic!("{destination} in the report: {report}"));
        assert_eq!(row[column("status")], file["status"].as_str().unwrap());
        assert_eq!(row[column("xxh128")], file["xxh128"].as_str().unwrap());
        assert!(
            file.get("checksum").is_none(),
            "one name for the hash: {file}"
        );
    }
}
