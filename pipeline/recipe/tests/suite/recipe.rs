//! Loading recipes: values, errors with lines, overrides, line_of.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::path::{Path, PathBuf};

use rollcall_recipe::{Recipe, RecipeError};

/// The example recipe of SPEC section 2, verbatim.
const SPEC_RECIPE: &str = r#"[recipe]
name = "TWD S8 dailies"

[vars]                       # free values usable as {show}, {season}, ... in every template
show = "TWD"
season = "8"

[input]
include = ["**/*.wav", "**/*.bwav", "**/*.bwf"]   # default
exclude = ["**/._*"]                 # default skips macOS resource forks

[output]
dir = "delivery"                     # optional; --out wins

[[step]]
plugin = "episode-split"
scenes = "episodes.csv"              # paths are relative to the recipe file
folder = "EP{episode}/{tape}"

[[step]]
plugin = "rename"
template = "{scene}-{take}"

[[step]]
plugin = "track-names"
csv = "cast.csv"

[[step]]
plugin = "channel-layout"
mix = ["Mix*", "MixL"]
boom = ["Boom*"]
drop = ["MixR"]
"#;

/// Write `text` as `recipes/dailies.toml` in a fresh temp folder.
fn write_recipe(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let recipes = dir.path().join("recipes");
    std::fs::create_dir(&recipes).expect("mkdir");
    let path = recipes.join("dailies.toml");
    std::fs::write(&path, text).expect("write recipe");
    (dir, path)
}

fn load(text: &str) -> Result<Recipe, RecipeError> {
    load_with(text, &[], &[])
}

fn load_with(text: &str, sets: &[&str], env: &[(&str, &str)]) -> Result<Recipe, RecipeError> {
    let (_dir, path) = write_recipe(text);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Recipe::load(&path, &sets, &env)
}

/// The error's text with the temp folder cut off: `recipes/dailies.toml:14: ...`.
fn error_text(result: Result<Recipe, RecipeError>) -> String {
    let err = result.expect_err("expected an error");
    let text = err.to_string();
    let at = text.find("recipes/dailies.toml").unwrap_or(0);
    text.get(at..).unwrap_or(&text).to_string()
}

#[test]
fn spec_example_loads_with_its_values() {
    let (dir, path) = write_recipe(SPEC_RECIPE);
    let recipe = Recipe::load(&path, &[], &[]).expect("loads");
    assert_eq!(recipe.name.as_deref(), Some("TWD S8 dailies"));
    assert_eq!(recipe.vars.get("show").map(String::as_str), Some("TWD"));
    assert_eq!(recipe.vars.get("season").map(String::as_str), Some("8"));
    assert_eq!(recipe.vars.len(), 2);
    assert_eq!(
        recipe.input.include,
        vec!["**/*.wav", "**/*.bwav", "**/*.bwf"]
    );
    assert_eq!(recipe.input.exclude, vec!["**/._*"]);
    assert_eq!(recipe.dir, dir.path().join("recipes"));
    assert_eq!(
        recipe.output.dir,
        Some(dir.path().join("recipes").join("delivery"))
    );
    let plugins: Vec<&str> = recipe.steps.iter().map(|s| s.plugin.as_str()).collect();
    assert_eq!(
        plugins,
        ["episode-split", "rename", "track-names", "channel-layout"]
    );
    let indexes: Vec<usize> = recipe.steps.iter().map(|s| s.index).collect();
    assert_eq!(indexes, [1, 2, 3, 4]);
    let lines: Vec<usize> = recipe.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [15, 20, 24, 28]);
    let first = &recipe.steps[0];
    assert!(!first.table.contains_key("plugin"));
    assert_eq!(
        first.table.get("folder").and_then(|v| v.as_str()),
        Some("EP{episode}/{tape}")
    );
    assert_eq!(first.table.len(), 2);
    let layout = &recipe.steps[3].table;
    let mix: Vec<&str> = layout
        .get("mix")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(mix, ["Mix*", "MixL"]);
    assert_eq!(recipe.line_of(2, Some("template")), 22);
    assert_eq!(recipe.line_of(4, Some("drop")), 32);
    assert_eq!(recipe.line_of(4, Some("not-there")), 28);
    assert_eq!(recipe.line_of(1, None), 15);
    assert_eq!(recipe.line_of(9, None), 0);
    assert_eq!(recipe.override_of(2, "template"), None);
}

#[test]
fn defaults_when_tables_are_absent() {
    let recipe = load("").expect("an empty recipe loads");
    assert_eq!(
        recipe.input.include,
        vec!["**/*.wav", "**/*.bwav", "**/*.bwf"]
    );
    assert_eq!(recipe.input.exclude, vec!["**/._*"]);
    assert_eq!(recipe.output.dir, None);
    assert!(recipe.steps.is_empty());
    assert!(recipe.vars.is_empty());
    assert_eq!(recipe.name, None);
}

#[test]
fn numbers_and_booleans_in_vars_become_strings() {
    let recipe = load("[vars]\nseason = 8\nday = true\n").expect("loads");
    assert_eq!(recipe.vars.get("season").map(String::as_str), Some("8"));
    assert_eq!(recipe.vars.get("day").map(String::as_str), Some("true"));
}

#[test]
fn absolute_output_dir_is_kept() {
    let recipe = load("[output]\ndir = \"/srv/delivery\"\n").expect("loads");
    assert_eq!(recipe.output.dir, Some(PathBuf::from("/srv/delivery")));
}

#[test]
fn unknown_key_at_top_level() {
    let text = "[recipe]\nname = \"x\"\n\nshow = \"TWD\"\n";
    // `show` after [recipe] belongs to [recipe]; at top level it must come first.
    let top = "show = \"TWD\"\n[recipe]\nname = \"x\"\n";
    assert_eq!(
        error_text(load(top)),
        "recipes/dailies.toml:1: unknown key `show` in the top-level table"
    );
    assert_eq!(
        error_text(load(text)),
        "recipes/dailies.toml:4: unknown key `show` in [recipe]"
    );
    assert_eq!(
        error_text(load("[recipe]\n\n[outptu]\ndir = \"x\"\n")),
        "recipes/dailies.toml:3: unknown key `outptu` in the top-level table"
    );
}

#[test]
fn unknown_key_in_fixed_tables() {
    let mut output = SPEC_RECIPE.replace(
        "dir = \"delivery\"                     # optional; --out wins",
        "dir = \"delivery\"\ntempalte = \"x\"",
    );
    assert_eq!(
        error_text(load(&output)),
        "recipes/dailies.toml:14: unknown key `tempalte` in [output]"
    );
    output = SPEC_RECIPE.replace("exclude = [", "exclude_ = [");
    assert_eq!(
        error_text(load(&output)),
        "recipes/dailies.toml:10: unknown key `exclude_` in [input]"
    );
    output = SPEC_RECIPE.replace("name = \"TWD", "title = \"TWD");
    assert_eq!(
        error_text(load(&output)),
        "recipes/dailies.toml:2: unknown key `title` in [recipe]"
    );
}

#[test]
fn wrong_types_name_key_and_line() {
    let text = SPEC_RECIPE.replace("season = \"8\"", "season = 8.5");
    assert_eq!(
        error_text(load(&text)),
        "recipes/dailies.toml:6: `vars.season`: expected a string, found a float"
    );
    assert_eq!(
        error_text(load("\n[output]\ndir = 5\n")),
        "recipes/dailies.toml:3: `output.dir`: expected a string, found an integer"
    );
    assert_eq!(
        error_text(load("[input]\ninclude = \"*.wav\"\n")),
        "recipes/dailies.toml:2: `input.include`: expected an array, found a string"
    );
    assert_eq!(
        error_text(load("[recipe]\nname = [\"a\"]\n")),
        "recipes/dailies.toml:2: `recipe.name`: expected a string, found an array"
    );
    let plugin = SPEC_RECIPE.replace("plugin = \"rename\"", "plugin = 7");
    assert_eq!(
        error_text(load(&plugin)),
        "recipes/dailies.toml:21: `step.2.plugin`: expected a string, found an integer"
    );
}

#[test]
fn syntax_error_has_a_line() {
    let text = "[recipe]\nname = \"x\"\nname = \"y\"\n";
    let message = error_text(load(text));
    assert!(
        message.starts_with("recipes/dailies.toml:3:1: "),
        "{message}"
    );
    assert!(message.contains("\n 3 | name = \"y\"\n   | ^"), "{message}");
}

#[test]
fn missing_plugin_names_the_step_line() {
    let text = SPEC_RECIPE.replace("plugin = \"track-names\"\n", "");
    assert_eq!(
        error_text(load(&text)),
        "recipes/dailies.toml:24: missing key `plugin` in [[step]] #3"
    );
}

#[test]
fn plugin_name_with_a_path_is_refused() {
    for bad in ["../lib/evil", "/usr/lib/librollcall_x.so", "re name", ""] {
        let text = SPEC_RECIPE.replace("plugin = \"rename\"", &format!("plugin = {bad:?}"));
        let message = error_text(load(&text));
        assert!(
            message.starts_with("recipes/dailies.toml:21: `step.2.plugin`: bad plugin name"),
            "{message}"
        );
    }
}

#[test]
fn bad_glob_names_its_line() {
    let text = "[input]\ninclude = [\n  \"*.wav\",\n  \"[*.WAV\",\n]\n";
    let message = error_text(load(text));
    assert!(
        message.starts_with("recipes/dailies.toml:4: `input.include`: invalid glob pattern"),
        "{message}"
    );
}

#[test]
fn set_overrides_win_over_env_and_file() {
    let recipe = load_with(
        SPEC_RECIPE,
        &[
            "output.dir=/x",
            "vars.show=TWD2",
            "step.2.template={scene}_{take}",
            "recipe.name=Other",
        ],
        &[
            ("ROLLCALL_OUTPUT__DIR", "/from-env"),
            ("ROLLCALL_VARS__SEASON", "9"),
            ("ROLLCALL_PLUGIN_PATH", "/plugins"),
            ("HOME", "/root"),
        ],
    )
    .expect("loads");
    assert_eq!(recipe.output.dir, Some(PathBuf::from("/x")));
    assert_eq!(recipe.vars.get("show").map(String::as_str), Some("TWD2"));
    assert_eq!(recipe.vars.get("season").map(String::as_str), Some("9"));
    assert_eq!(recipe.name.as_deref(), Some("Other"));
    assert_eq!(
        recipe.steps[1]
            .table
            .get("template")
            .and_then(|v| v.as_str()),
        Some("{scene}_{take}")
    );
    // The rest of the file is untouched by the layering.
    assert_eq!(recipe.steps.len(), 4);
    assert_eq!(recipe.steps[3].plugin, "channel-layout");
    assert_eq!(
        recipe.steps[0].table.get("scenes").and_then(|v| v.as_str()),
        Some("episodes.csv")
    );
    assert_eq!(recipe.line_of(2, Some("template")), 22);
    assert_eq!(
        recipe.override_of(2, "template"),
        Some("--set step.2.template={scene}_{take}")
    );
}

#[test]
fn env_overrides_apply_and_relative_dir_resolves() {
    let (dir, path) = write_recipe(SPEC_RECIPE);
    let env = vec![
        ("ROLLCALL_OUTPUT__DIR".to_string(), "out".to_string()),
        ("ROLLCALL_VARS__SHOW".to_string(), "FTWD".to_string()),
        (
            "ROLLCALL_STEP__2__TEMPLATE".to_string(),
            "{take}".to_string(),
        ),
    ];
    let recipe = Recipe::load(&path, &[], &env).expect("loads");
    assert_eq!(
        recipe.output.dir,
        Some(dir.path().join("recipes").join("out"))
    );
    assert_eq!(recipe.vars.get("show").map(String::as_str), Some("FTWD"));
    assert_eq!(
        recipe.steps[1]
            .table
            .get("template")
            .and_then(|v| v.as_str()),
        Some("{take}")
    );
    assert_eq!(
        recipe.override_of(2, "template"),
        Some("environment variable ROLLCALL_STEP__2__TEMPLATE")
    );
}

#[test]
fn overrides_keep_key_case_and_add_vars() {
    let recipe = load_with(SPEC_RECIPE, &["vars.Unit=Second Unit"], &[]).expect("loads");
    assert_eq!(
        recipe.vars.get("Unit").map(String::as_str),
        Some("Second Unit")
    );
    assert_eq!(recipe.vars.get("show").map(String::as_str), Some("TWD"));
}

#[test]
fn step_overrides_are_typed_like_the_value_they_replace() {
    let text = "[[step]]\nplugin = \"x\"\ncount = 3\nloud = false\nnames = [\"a\"]\n";
    let recipe = load_with(
        text,
        &[
            "step.1.count=5",
            "step.1.loud=true",
            "step.1.names=[\"b\", \"c\"]",
            "step.1.new=7",
        ],
        &[],
    )
    .expect("loads");
    let table = &recipe.steps[0].table;
    assert_eq!(table.get("count").and_then(|v| v.as_integer()), Some(5));
    assert_eq!(table.get("loud").and_then(|v| v.as_bool()), Some(true));
    let names: Vec<&str> = table
        .get("names")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["b", "c"]);
    assert_eq!(table.get("new").and_then(|v| v.as_str()), Some("7"));

    let one = load_with(text, &["step.1.names=solo"], &[]).expect("loads");
    let names = one.steps[0].table.get("names").and_then(|v| v.as_array());
    assert_eq!(names.map(|a| a.len()), Some(1));

    // A bare comma list is refused with the TOML spelling, never taken as one literal item; a new
    // key written as a TOML array is a list.
    let message = load_with(text, &["step.1.names=b,c"], &[])
        .expect_err("a comma list")
        .to_string();
    assert!(
        message.contains("--set step.1.names=b,c: `step.1.names`: is a list: write it as a TOML array, `[\"b\", \"c\"]`"),
        "{message}"
    );
    let new = load_with(text, &["step.1.more=[\"x\", \"y\"]"], &[]).expect("loads");
    let more = new.steps[0].table.get("more").and_then(|v| v.as_array());
    assert_eq!(more.map(|a| a.len()), Some(2));

    let message = load_with(text, &["step.1.count=many"], &[])
        .expect_err("not an integer")
        .to_string();
    assert!(
        message.ends_with(
            ": --set step.1.count=many: `step.1.count`: expected an integer, found `many`"
        ),
        "{message}"
    );
}

#[test]
fn input_overrides_take_an_array_or_one_pattern() {
    let recipe = load_with("", &["input.include=[\"*.bwf\", \"*.wav\"]"], &[]).expect("loads");
    assert_eq!(recipe.input.include, vec!["*.bwf", "*.wav"]);
    let recipe = load_with("", &["input.exclude=**/tmp/*"], &[]).expect("loads");
    assert_eq!(recipe.input.exclude, vec!["**/tmp/*"]);
    let message = load_with("", &["input.include=[*.wav"], &[]).expect_err("bad glob");
    assert!(message.to_string().contains("--set input.include=[*.wav"));
}

/// `--set` values, environment variables, and the expected error text.
type OverrideCase = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn override_errors_name_the_override() {
    let cases: [OverrideCase; 8] = [
        (
            &["outptu.dir=x"],
            &[],
            "--set outptu.dir=x: unknown key `outptu.dir`",
        ),
        (
            &["output.template=x"],
            &[],
            "--set output.template=x: unknown key `template` in [output]",
        ),
        (
            &["step.9.template=x"],
            &[],
            "--set step.9.template=x: there is no step 9: the recipe has 4 step(s)",
        ),
        (
            &["step.0.template=x"],
            &[],
            "--set step.0.template=x: there is no step 0",
        ),
        (&["output.dir"], &[], "--set output.dir: expected KEY=VALUE"),
        (
            &["step.2.plugin=../evil"],
            &[],
            "--set step.2.plugin=../evil: `plugin`: bad plugin name",
        ),
        (
            &[],
            &[("ROLLCALL_OUTPTU__DIR", "/x")],
            "environment variable ROLLCALL_OUTPTU__DIR: unknown key `outptu.dir`",
        ),
        (
            &[],
            &[("ROLLCALL_STEP__5__CSV", "a.csv")],
            "environment variable ROLLCALL_STEP__5__CSV: there is no step 5",
        ),
    ];
    for (sets, env, expected) in cases {
        let err = load_with(SPEC_RECIPE, sets, env).expect_err(expected);
        assert!(matches!(err, RecipeError::Override { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("recipes/dailies.toml: {expected}")),
            "{text}\n  does not contain {expected}"
        );
    }
}

#[test]
fn file_errors_come_before_overrides() {
    let text = SPEC_RECIPE.replace("[output]", "[outptu]");
    assert_eq!(
        error_text(load_with(&text, &["output.dir=/x"], &[])),
        "recipes/dailies.toml:12: unknown key `outptu` in the top-level table"
    );
}

#[test]
fn missing_recipe_file_names_it() {
    let err = Recipe::load(Path::new("/nonexistent/r.toml"), &[], &[]).expect_err("missing");
    assert!(err
        .to_string()
        .starts_with("/nonexistent/r.toml: cannot read recipe"));
}

#[test]
fn step_keys_are_left_to_the_plugin() {
    let recipe = load("[[step]]\nplugin = \"rename\"\ntempalte = \"x\"\n").expect("loads");
    assert!(recipe.steps[0].table.contains_key("tempalte"));
    assert_eq!(recipe.line_of(1, Some("tempalte")), 3);
}

#[test]
fn step_must_be_an_array_of_tables() {
    assert_eq!(
        error_text(load("[step]\nplugin = \"rename\"\n")),
        "recipes/dailies.toml:1: `step`: expected an array, found a table"
    );
    let inline =
        load("step = [\n  { plugin = \"rename\", template = \"{take}\" },\n]\n").expect("loads");
    assert_eq!(inline.steps[0].plugin, "rename");
    assert_eq!(inline.line_of(1, Some("template")), 2);
}

#[test]
fn dates_in_vars_are_refused() {
    assert_eq!(
        error_text(load("[vars]\n\nday = 2024-05-01\n")),
        "recipes/dailies.toml:3: `vars.day`: expected a string, found a date-time"
    );
}

#[test]
fn recipe_over_the_size_limit_is_refused_naming_the_limit() {
    let mut text = String::from("[recipe]\nname = \"big\"\n");
    while text.len() as u64 <= rollcall_recipe::MAX_RECIPE_BYTES {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let err = load(&text).expect_err("an oversized recipe must be refused");
    assert!(
        matches!(err, RecipeError::TooLarge { limit, .. } if limit == rollcall_recipe::MAX_RECIPE_BYTES)
    );
    assert!(
        err.to_string().contains("1048576-byte recipe size limit"),
        "{err}"
    );
    let parsed = Recipe::parse(Path::new("big.toml"), &text, &[], &[]);
    assert!(matches!(parsed, Err(RecipeError::TooLarge { .. })));
}

#[test]
fn parse_matches_load() {
    let text =
        "[recipe]\nname = \"dailies\"\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}\"\n";
    let parsed = Recipe::parse(Path::new("r.toml"), text, &[], &[]).expect("parses");
    let loaded = load(text).expect("loads");
    assert_eq!(parsed.steps.len(), loaded.steps.len());
    assert_eq!(parsed.line_of(1, Some("template")), 5);
}

#[test]
fn manifest_hashes_default_to_xxh128_and_take_md5() {
    let recipe = load("[recipe]\nname = \"x\"\n").expect("loads");
    assert_eq!(recipe.manifest.hashes, ["xxh128"]);
    assert!(!recipe.manifest.md5());
    let recipe = load("[manifest]\nhashes = [\"xxh128\", \"md5\"]\n").expect("loads");
    assert!(recipe.manifest.md5());
    assert_eq!(
        error_text(load("[manifest]\nhashes = [\"xxh128\", \"sha1\"]\n")),
        "recipes/dailies.toml:2: `manifest.hashes`: unknown hash format `sha1`: use \"xxh128\" and optionally \"md5\""
    );
    assert!(
        error_text(load("[manifest]\nhashes = [\"md5\"]\n")).contains("must include \"xxh128\"")
    );
    assert!(error_text(load("[manifest]\nhash = [\"md5\"]\n"))
        .contains("unknown key `hash` in [manifest]"));
    let recipe = Recipe::parse(
        Path::new("recipes/dailies.toml"),
        "[recipe]\n",
        &["manifest.hashes=[\"xxh128\",\"md5\"]".to_string()],
        &[],
    )
    .expect("override loads");
    assert!(recipe.manifest.md5());
}

#[test]
fn qc_table_sets_the_thresholds_and_checks_its_keys() {
    let recipe = load("[qc]\nsilence_dbfs = -70\nclip_run = 4\nloudness = true\n").expect("loads");
    assert_eq!(recipe.qc.silence_dbfs, -70.0);
    assert_eq!(recipe.qc.clip_run, 4);
    assert!(recipe.qc.loudness && recipe.qc.enabled);
    let defaults = load("").expect("loads");
    assert_eq!(defaults.qc, rollcall_recipe::QcSettings::default());
    assert_eq!(
        error_text(load("[qc]\nsilence = -70\n")),
        "recipes/dailies.toml:2: unknown key `silence` in [qc]"
    );
    assert!(error_text(load("[qc]\n\nclip_run = 0\n")).starts_with("recipes/dailies.toml:3: "));
    let set = load_with(
        "[qc]\nsilence_dbfs = -70\n",
        &["qc.silence_dbfs=-55.5", "qc.loudness=true"],
        &[("ROLLCALL_QC__CLIP_RUN", "5")],
    )
    .expect("loads with overrides");
    assert_eq!(set.qc.silence_dbfs, -55.5);
    assert_eq!(set.qc.clip_run, 5);
    assert!(set.qc.loudness);
    assert!(load_with("", &["qc.clip_run=many"], &[]).is_err());
    assert!(load_with("", &["qc.peak=1"], &[]).is_err());
}

/// The `[[check]]` example of SPEC section 6.
const CHECK_RECIPE: &str = r#"[vars]
show = "TWD"
season = "8"

[output]
deliver_on_error = true

[[check]]
plugin = "practice"
bit_depth = 24
timecode_rate = "23.976ND"
roll_scheme = "series"
ledger = "rolls.csv"
severity = { "tracks/iso-named" = "error", "take/pre-roll" = "info" }
"#;

#[test]
fn checks_keep_their_table_and_give_severity_and_ledger_to_the_engine() {
    let recipe =
        Recipe::parse(Path::new("show/r.toml"), CHECK_RECIPE, &[], &[]).map_err(|e| e.to_string());
    let Ok(recipe) = recipe else {
        panic!("{recipe:?}");
    };
    assert!(recipe.output.deliver_on_error);
    assert_eq!(recipe.checks.len(), 1);
    let check = &recipe.checks[0];
    assert_eq!(
        (check.index, check.plugin.as_str(), check.line),
        (1, "practice", 8)
    );
    assert!(check.table.get("plugin").is_none() && check.table.get("severity").is_none());
    assert_eq!(
        check.table.get("bit_depth"),
        Some(&toml::Value::Integer(24))
    );
    assert_eq!(
        check
            .severity
            .for_rule("tracks/iso-named", rollcall_findings::Severity::Warning),
        rollcall_findings::Severity::Error
    );
    assert_eq!(recipe.ledger(), Some(PathBuf::from("show/rolls.csv")));
    assert_eq!(recipe.check_line_of(1, Some("ledger")), 13);
}

#[test]
fn check_errors_name_file_line_and_key() {
    let bad_severity = CHECK_RECIPE.replace(
        "\"take/pre-roll\" = \"info\"",
        "\"take/pre-roll\" = \"fatal\"",
    );
    let error = Recipe::parse(Path::new("r.toml"), &bad_severity, &[], &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("r.toml:14"), "{error}");
    assert!(error.contains("check.1.severity.take/pre-roll"), "{error}");
    assert!(error.contains("fatal"), "{error}");

    let no_plugin = "[[check]]\nbit_depth = 24\n";
    let error = Recipe::parse(Path::new("r.toml"), no_plugin, &[], &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("r.toml:1"), "{error}");
    assert!(error.contains("plugin"), "{error}");

    let typo = "[output]\ndeliver_on_eror = true\n";
    let error = Recipe::parse(Path::new("r.toml"), typo, &[], &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("r.toml:2") && error.contains("deliver_on_eror"),
        "{error}"
    );
}
