//! `rollcall run --json` and the report's `.json` beside its CSV: one document with the recipe, the rollcall version, the output root, the
//! totals by status and one entry per file. Keys and status words are the run report's: `status`
//! (`delivered`, `already-delivered`, ...), `destination` relative to the output root, `xxh128`
//! (XXH3-128 of the whole delivered file, as `xxhsum -H2` prints it).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use rollcall_engine::RunSummary;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct RunDocument<'a> {
    recipe: Option<&'a str>,
    rollcall_version: &'static str,
    out_root: String,
    totals: BTreeMap<&'static str, usize>,
    files: Vec<Value>,
    findings: &'a [rollcall_engine::Finding],
}

/// Print the run's document on stdout.
pub fn print(summary: &RunSummary, recipe_name: Option<&str>, out_root: &Path) -> Result<()> {
    outln!("{}", document(summary, recipe_name, out_root)?);
    Ok(())
}

/// The run's document as pretty JSON: printed by `--json`, and written beside the CSV report.
pub fn document(
    summary: &RunSummary,
    recipe_name: Option<&str>,
    out_root: &Path,
) -> Result<String> {
    let mut totals: BTreeMap<&'static str, usize> = BTreeMap::new();
    for file in &summary.files {
        *totals.entry(file.status.as_str()).or_default() += 1;
    }
    let mut files = Vec::with_capacity(summary.files.len());
    for file in &summary.files {
        let mut entry = serde_json::to_value(file)?;
        if let Value::Object(map) = &mut entry {
            // Internal to the manifest (the temp name a superseding version was renamed from).
            map.remove("written_as");
            if let Some(checksum) = map.remove("checksum") {
                map.insert("xxh128".to_string(), checksum);
            }
            let relative = file
                .destination
                .as_ref()
                .map(|d| d.strip_prefix(out_root).unwrap_or(d).display().to_string());
            map.insert(
                "destination".to_string(),
                relative.map_or(Value::Null, Value::String),
            );
        }
        files.push(entry);
    }
    let document = RunDocument {
        recipe: recipe_name,
        rollcall_version: env!("CARGO_PKG_VERSION"),
        out_root: out_root.display().to_string(),
        totals,
        files,
        findings: &summary.findings,
    };
    Ok(serde_json::to_string_pretty(&document)?)
}
