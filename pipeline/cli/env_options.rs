//! `ROLLCALL_*` environment variables: run options (`ROLLCALL_JOBS`, `ROLLCALL_PLUGIN_PATH`, and
//! `ROLLCALL_BIN` of the cluster scripts) are taken here; every other one is a recipe key override
//! (`ROLLCALL_OUTPUT__DIR=/x`), checked by the recipe layer, and one that names no key is refused
//! with the list of what is known.

/// The run options read from the environment: name and what it sets.
pub const RUN_OPTION_VARS: &[(&str, &str)] = &[
    ("ROLLCALL_JOBS", "files written at once, as --jobs"),
    (
        "ROLLCALL_PLUGIN_PATH",
        "extra plugin folders, `:`-separated, after --plugin-dir",
    ),
    (
        "ROLLCALL_BIN",
        "the rollcall binary the cluster scripts run (not read by rollcall itself)",
    ),
];

/// The environment given to the recipe layer: the process environment without the run options.
pub fn recipe_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(name, _)| !RUN_OPTION_VARS.iter().any(|(known, _)| known == name))
        .collect()
}

/// `ROLLCALL_JOBS` as a job count, when set; an unusable value is an error sentence.
pub fn jobs_from_env() -> Result<Option<usize>, String> {
    let Some(value) = std::env::var_os("ROLLCALL_JOBS") else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<usize>() {
        Ok(jobs) if jobs > 0 => Ok(Some(jobs)),
        _ => Err(format!(
            "environment variable ROLLCALL_JOBS={text:?} is not a number of jobs (1 or more)"
        )),
    }
}

/// The sentence added to a recipe error caused by a `ROLLCALL_*` variable: what rollcall knows.
pub fn known_variables_hint(error_text: &str) -> Option<String> {
    if !error_text.contains("environment variable ROLLCALL_") {
        return None;
    }
    let options = RUN_OPTION_VARS
        .iter()
        .map(|(name, what)| format!("  {name}: {what}"))
        .collect::<Vec<_>>()
        .join("\n");
    Some(format!(
        "rollcall knows these ROLLCALL_* variables:\n{options}\n  ROLLCALL_<SECTION>__<KEY>: a recipe key, as --set section.key=value (ROLLCALL_OUTPUT__DIR=/x, ROLLCALL_VARS__SHOW=TWD, ROLLCALL_STEP__2__TEMPLATE=...)\nunset the others"
    ))
}
