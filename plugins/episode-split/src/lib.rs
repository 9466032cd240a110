//! rollcall step plugin `episode-split`: files each take under its episode's folder.
//!
//! ```toml
//! [[step]]
//! plugin = "episode-split"
//! scenes = "episodes.csv"          # or: pattern = '^(?P<episode>\d{3})-'
//! folder = "EP{episode}/{tape}"    # default "{episode}/{tape}"
//! unassigned = "UNASSIGNED"        # optional; without it a take with no episode fails
//! ```
//!
//! The episode of a take comes from exactly one of:
//! - `scenes`: a CSV with columns `scene` and `episode`, and optionally `tape`. Scenes are matched
//!   ignoring case and surrounding spaces (`24a` is `24A`). A row with a `tape` applies only to takes of
//!   that tape and wins over a row without one. Two rows for one scene (and tape) with different
//!   episodes are an error naming both rows.
//! - `pattern`: a regular expression searched in the scene, whose named group `episode` is the
//!   episode (`^(?P<episode>\d{3})-` files scene `101-24A` under episode `101`).
//!
//! `folder` is rendered with the take's tokens and `{episode}`; a `/` or `\` inside a value is replaced,
//! so only the template's own `/` make sub-folders; each part is made safe for every file system, and
//! a folder can never leave the output root. `{episode}` becomes a token for the steps after this one.

use std::collections::BTreeMap;

use regex::Regex;
use rollcall_sdk::table::{step_config, CsvTable};
use rollcall_sdk::template::{safe_folder, Template, TOKENS};
use rollcall_sdk::{Edit, Step, StepContext, StepError, Take};
use serde::Deserialize;

/// The `episode-split` step's recipe keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeSplitConfig {
    /// A CSV of `scene,episode` (and optionally `tape`), relative to the recipe's folder.
    pub scenes: Option<String>,
    /// A regular expression on the scene with a named group `episode`.
    pub pattern: Option<String>,
    /// The take's folder under the output root; default `{episode}/{tape}`.
    #[serde(default = "default_folder")]
    pub folder: String,
    /// The folder for takes with no episode; without it such a take fails.
    pub unassigned: Option<String>,
}

fn default_folder() -> String {
    "{episode}/{tape}".to_string()
}

/// Where episodes come from.
#[derive(Debug, Clone)]
enum EpisodeSource {
    /// From the scenes CSV: (scene, tape) in lower case -> episode; tape empty for any tape.
    Scenes {
        file: String,
        episodes: BTreeMap<(String, String), String>,
    },
    /// From a regex on the scene.
    Pattern(Regex),
}

/// The `episode-split` step.
#[derive(Debug, Clone)]
pub struct EpisodeSplitStep {
    source: EpisodeSource,
    folder: Template,
    unassigned: Option<Template>,
}

/// Parse a folder template and check its own text (no absolute path, no `..` part) and tokens.
fn folder_template(context: &StepContext, key: &str, text: &str) -> Result<Template, StepError> {
    let template = Template::parse(text).map_err(|e| StepError::at_key(key, e.message))?;
    template
        .check_folder()
        .map_err(|e| StepError::at_key(key, e.message))?;
    context.check_tokens(key, &template, &["episode"])?;
    Ok(template)
}

/// Read the scenes CSV into (scene, tape) -> episode.
fn read_scenes(context: &StepContext, path: &str) -> Result<EpisodeSource, StepError> {
    let table = CsvTable::read(&context.resolve(path)).map_err(|e| e.at_key("scenes"))?;
    table
        .require_columns(&["scene", "episode"])
        .map_err(|e| e.at_key("scenes"))?;
    let mut episodes: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut rows: BTreeMap<(String, String), u64> = BTreeMap::new();
    for row in table.rows() {
        let scene = row.required("scene").map_err(|e| e.at_key("scenes"))?;
        let episode = row.required("episode").map_err(|e| e.at_key("scenes"))?;
        let key = (
            scene.to_lowercase(),
            row.value("tape").unwrap_or("").to_lowercase(),
        );
        match episodes.get(&key) {
            Some(other) if other != episode => {
                let first = rows.get(&key).copied().unwrap_or(0);
                return Err(row
                    .error(
                        "episode",
                        format!(
                            "scene `{scene}` is episode `{other}` in row {first} and `{episode}` in row {}",
                            row.row()
                        ),
                    )
                    .at_key("scenes"));
            }
            Some(_) => {}
            None => {
                rows.insert(key.clone(), row.row());
                episodes.insert(key, episode.to_string());
            }
        }
    }
    Ok(EpisodeSource::Scenes {
        file: table.file().to_string(),
        episodes,
    })
}

impl EpisodeSplitStep {
    /// The episode of a take, or why it has none.
    fn episode(&self, take: &Take) -> Result<String, String> {
        let Some(scene) = take.token("scene").filter(|s| !s.trim().is_empty()) else {
            return Err("the file has no scene (no iXML SCENE, no bext SCENE= line)".to_string());
        };
        let scene = scene.trim();
        match &self.source {
            EpisodeSource::Scenes { file, episodes } => {
                let tape = take.token("tape").unwrap_or_default().trim().to_lowercase();
                let lower = scene.to_lowercase();
                let specific = (!tape.is_empty())
                    .then(|| episodes.get(&(lower.clone(), tape)))
                    .flatten();
                specific
                    .or_else(|| episodes.get(&(lower, String::new())))
                    .cloned()
                    .ok_or_else(|| format!("scene `{scene}` is not in {file}"))
            }
            EpisodeSource::Pattern(regex) => regex
                .captures(scene)
                .and_then(|c| c.name("episode"))
                .map(|m| m.as_str().to_string())
                .filter(|e| !e.is_empty())
                .ok_or_else(|| {
                    format!(
                        "scene `{scene}` does not match pattern `{}`",
                        regex.as_str()
                    )
                }),
        }
    }
}

/// Render a folder template: values cannot add folder levels; the result is made safe.
fn render_folder(
    template: &Template,
    take: &Take,
    episode: Option<&str>,
) -> Result<String, StepError> {
    let flat = |v: &str| v.replace(['/', '\\'], "_");
    let rendered = template.render_with(take, |name| {
        if name == "episode" {
            return episode.map(flat);
        }
        let known = TOKENS.contains(&name)
            || take.vars.contains_key(name)
            || take.tokens.contains_key(name);
        if !known {
            return None;
        }
        take.token(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| flat(&v))
    })?;
    safe_folder(&rendered)
}

impl Step for EpisodeSplitStep {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new("Files each take under its episode's folder, the episode found by scene in a CSV or by a regex; sets the {episode} token for later steps.")
            .key("scenes", "a CSV of scene,episode[,tape], relative to the recipe's folder (this or pattern)")
            .key("pattern", "a regular expression on the scene with a named group `episode` (this or scenes)")
            .key("folder", "the take's folder under the output root. Default \"{episode}/{tape}\"")
            .key("unassigned", "the folder for takes with no episode; without it such a take fails")
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: EpisodeSplitConfig = step_config(context)?;
        let source = match (&config.scenes, &config.pattern) {
            (Some(_), Some(_)) => {
                return Err(StepError::at_key(
                    "pattern",
                    "give either `scenes` or `pattern`, not both",
                ))
            }
            (None, None) => {
                return Err(StepError::at_key(
                    "scenes",
                    "give `scenes` (a CSV of scene,episode) or `pattern` (a regex with a group `episode`)",
                ))
            }
            (Some(path), None) => read_scenes(context, path)?,
            (None, Some(pattern)) => {
                let regex = Regex::new(pattern)
                    .map_err(|e| StepError::at_key("pattern", format!("invalid regex: {e}")))?;
                if !regex.capture_names().any(|n| n == Some("episode")) {
                    return Err(StepError::at_key(
                        "pattern",
                        format!("regex `{pattern}` has no named group `episode`, such as `(?P<episode>\\d+)`"),
                    ));
                }
                EpisodeSource::Pattern(regex)
            }
        };
        let folder = folder_template(context, "folder", &config.folder)?;
        let unassigned = config
            .unassigned
            .as_deref()
            .map(|u| folder_template(context, "unassigned", u))
            .transpose()?;
        Ok(EpisodeSplitStep {
            source,
            folder,
            unassigned,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        match self.episode(take) {
            Ok(episode) => match render_folder(&self.folder, take, Some(&episode)) {
                Ok(folder) => Ok(vec![
                    Edit::SetToken {
                        name: "episode".to_string(),
                        value: episode,
                    },
                    Edit::SetFolder(folder),
                ]),
                Err(e) => Ok(vec![Edit::Fail(format!(
                    "folder `{}`: {}",
                    self.folder.source(),
                    e.message
                ))]),
            },
            Err(why) => match &self.unassigned {
                None => Ok(vec![Edit::Fail(format!("no episode: {why}"))]),
                Some(template) => match render_folder(template, take, None) {
                    Ok(folder) => Ok(vec![
                        Edit::Warn(format!("no episode ({why}): delivered to `{folder}`")),
                        Edit::SetFolder(folder),
                    ]),
                    Err(e) => Ok(vec![Edit::Fail(format!(
                        "no episode ({why}), and unassigned folder `{}`: {}",
                        template.source(),
                        e.message
                    ))]),
                },
            },
        }
    }
}

rollcall_sdk::export_step!(EpisodeSplitStep, "episode-split");

#[cfg(test)]
mod tests;
