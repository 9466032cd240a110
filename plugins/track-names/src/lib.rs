//! rollcall step plugin `track-names`: names tracks after the characters from a cast list.
//!
//! ```toml
//! [[step]]
//! plugin = "track-names"
//! csv = "cast.csv"                  # relative to the recipe
//! format = "{character} ({mic})"    # default
//! bext_name_width = 12              # default: the longest character name, at most 12
//! ```
//!
//! The CSV has a header row. Columns (any order, any case):
//! - `track` (required): the recorder's track name (`Boom`, case ignored) or its track number
//!   (iXML `CHANNEL_INDEX`; the position in the file when the file has none).
//! - `character` (required column): the name to give. An empty cell leaves that track as it is; a
//!   row that ends before its `character` cell is refused.
//! - `mic` (optional): the microphone; when empty or absent, `{mic}` is the track's old name.
//! - `tape`, `scene` (optional): a row with a value there applies only to takes of that tape or scene
//!   (case ignored). When several rows match a track, the most specific wins: tape and scene, then
//!   scene, then tape, then neither. Two rows with the same track, scene and tape are an error.
//!
//! `format` may use `{character}`, `{mic}`, `{track}` (the old name) and every take token. When the
//! format uses `{mic}` but neither the CSV nor the recorder gives one, the name is the character alone.
//! Names are written as given (UTF-8, `ZOË`); the engine writes them to iXML `TRACK/NAME` and an ASCII
//! transliteration to the bext `?TRKn=` line.
//!
//! The bext description holds 256 bytes, so its `?TRKn=` lines carry the names shortened, the same
//! way in every take of the show: the trailing ` (mic)` part is dropped, and a name still longer
//! than `bext_name_width` characters is cut at a word when that keeps at least 60% of the width,
//! else cut hard. The width comes from this key or, by default, from the cast list alone (the
//! longest `character`, at most 12, at least 3), never from a take, so a late take cuts every name
//! as the others did. A take whose description cannot hold the lines at that width carries none
//! (the names are in iXML only, with a warning). The step passes the width to the engine as the
//! token `bext_name_width`.

use std::collections::BTreeMap;

use rollcall_sdk::table::{step_config, CsvTable};
use rollcall_sdk::template::Template;
use rollcall_sdk::{Edit, Step, StepContext, StepError, Take, Track, BEXT_NAME_WIDTH_TOKEN};
use serde::Deserialize;

/// The `track-names` step's recipe keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackNamesConfig {
    /// The cast list: a CSV file with columns `track`, `character` and optionally `mic`, `tape`,
    /// `scene`; relative to the recipe's folder.
    pub csv: String,
    /// The new track name; `{character}`, `{mic}`, `{track}` and every take token. Default
    /// `{character} ({mic})`.
    #[serde(default = "default_format")]
    pub format: String,
    /// Width, in characters (at least 3), the bext `?TRKn=` lines cut the names to; the same for
    /// every take. Default: the longest `character` of the CSV, at most 12.
    #[serde(default)]
    pub bext_name_width: Option<usize>,
}

/// Widest default bext track-name width, in characters.
pub const DEFAULT_BEXT_NAME_WIDTH_CAP: usize = 12;

/// Narrowest bext track-name width, in characters.
pub const MIN_BEXT_NAME_WIDTH: usize = 3;

fn default_format() -> String {
    "{character} ({mic})".to_string()
}

/// One row of the cast list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CastRow {
    /// 1-based line in the CSV.
    row: u64,
    /// `track` as written (trimmed).
    track: String,
    /// `track` when it is a number.
    number: Option<u32>,
    /// `character`, possibly empty (leave the track).
    character: String,
    mic: Option<String>,
    tape: Option<String>,
    scene: Option<String>,
}

impl CastRow {
    /// 3 for tape and scene, 2 for scene, 1 for tape, 0 for neither.
    fn specificity(&self) -> u8 {
        u8::from(self.scene.is_some()) * 2 + u8::from(self.tape.is_some())
    }

    fn matches_take(&self, tape: Option<&str>, scene: Option<&str>) -> bool {
        let fits = |want: &Option<String>, have: Option<&str>| match want {
            None => true,
            Some(w) => have.is_some_and(|h| h.trim().to_lowercase() == w.to_lowercase()),
        };
        fits(&self.tape, tape) && fits(&self.scene, scene)
    }

    fn matches_track(&self, track: &Track) -> bool {
        let by_name = track
            .name
            .as_deref()
            .is_some_and(|n| n.trim().to_lowercase() == self.track.to_lowercase());
        let number = track.channel_index.unwrap_or(track.interleave_index);
        by_name || self.number == Some(number)
    }
}

/// The `track-names` step.
#[derive(Debug, Clone)]
pub struct TrackNamesStep {
    file: String,
    format: Template,
    rows: Vec<CastRow>,
    /// The show-wide width of the bext track names, from the recipe or the cast list.
    bext_name_width: usize,
}

/// The default bext track-name width for a cast list: the longest character name (without its mic),
/// at most [`DEFAULT_BEXT_NAME_WIDTH_CAP`] and at least [`MIN_BEXT_NAME_WIDTH`].
fn default_bext_name_width(rows: &[CastRow]) -> usize {
    rows.iter()
        .map(|r| r.character.trim().chars().count())
        .max()
        .unwrap_or(DEFAULT_BEXT_NAME_WIDTH_CAP)
        .clamp(MIN_BEXT_NAME_WIDTH, DEFAULT_BEXT_NAME_WIDTH_CAP)
}

impl Step for TrackNamesStep {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new("Names the tracks after the characters of a cast list, in iXML TRACK/NAME and the bext TRKn lines (ASCII there).")
            .key("csv", "the cast list: columns track, character and optionally mic, tape, scene (a row with a tape or scene wins there); relative to the recipe's folder. Required")
            .key("format", "the new track name; {character}, {mic}, {track} and every take token. Default \"{character} ({mic})\"")
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: TrackNamesConfig = step_config(context)?;
        let format =
            Template::parse(&config.format).map_err(|e| StepError::at_key("format", e.message))?;
        context.check_tokens("format", &format, &["character", "mic", "track"])?;
        let table = CsvTable::read(&context.resolve(&config.csv)).map_err(|e| e.at_key("csv"))?;
        table
            .require_columns(&["track", "character"])
            .map_err(|e| e.at_key("csv"))?;
        let mut rows = Vec::new();
        let mut seen: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for row in table.rows() {
            let track = row.required("track").map_err(|e| e.at_key("csv"))?;
            let lower = |v: Option<&str>| v.map(str::to_lowercase).unwrap_or_default();
            let key = (
                track.to_lowercase(),
                lower(row.value("scene")),
                lower(row.value("tape")),
            );
            if let Some(first) = seen.insert(key, row.row()) {
                return Err(row
                    .error(
                        "track",
                        format!(
                            "row {first} and row {} name the same track for the same scene and tape",
                            row.row()
                        ),
                    )
                    .at_key("csv"));
            }
            rows.push(CastRow {
                row: row.row(),
                track: track.to_string(),
                number: track.parse().ok(),
                // A row that stops before its character cell is a mistake; an empty cell
                // (`Lav1,,`) deliberately leaves the track as it is.
                character: row
                    .cell("character")
                    .map_err(|e| e.at_key("csv"))?
                    .to_string(),
                mic: row.value("mic").map(str::to_string),
                tape: row.value("tape").map(str::to_string),
                scene: row.value("scene").map(str::to_string),
            });
        }
        let bext_name_width = match config.bext_name_width {
            Some(width) if width < MIN_BEXT_NAME_WIDTH => {
                return Err(StepError::at_key(
                    "bext_name_width",
                    format!("{width} is too narrow: at least {MIN_BEXT_NAME_WIDTH} characters"),
                ))
            }
            Some(width) => width,
            None => default_bext_name_width(&rows),
        };
        Ok(TrackNamesStep {
            file: table.file().to_string(),
            format,
            rows,
            bext_name_width,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        let tape = take.token("tape");
        let scene = take.token("scene");
        // The same width for every take, whatever this take's names (see the module docs).
        let mut edits = vec![Edit::SetToken {
            name: BEXT_NAME_WIDTH_TOKEN.to_string(),
            value: self.bext_name_width.to_string(),
        }];
        for track in &take.tracks {
            let candidates: Vec<&CastRow> = self
                .rows
                .iter()
                .filter(|r| {
                    r.matches_take(tape.as_deref(), scene.as_deref()) && r.matches_track(track)
                })
                .collect();
            let Some(best) = candidates.iter().map(|r| r.specificity()).max() else {
                continue;
            };
            let winners: Vec<&&CastRow> = candidates
                .iter()
                .filter(|r| r.specificity() == best)
                .collect();
            let row = match winners.as_slice() {
                [row] => row,
                [a, b, ..] => {
                    return Ok(vec![Edit::Fail(format!(
                        "{}: row {} and row {} both match track {} ({}) of this take",
                        self.file,
                        a.row,
                        b.row,
                        track.interleave_index,
                        track.name.as_deref().unwrap_or("no name")
                    ))])
                }
                [] => continue,
            };
            if row.character.is_empty() {
                continue;
            }
            let old = track
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let mic = row.mic.as_deref().or(old);
            let name = if mic.is_none() && self.format.uses("mic") {
                row.character.clone()
            } else {
                let rendered = self.format.render_with(take, |token| match token {
                    "character" => Some(row.character.clone()),
                    "mic" => mic.map(str::to_string),
                    "track" => old.map(str::to_string),
                    _ => None,
                });
                match rendered {
                    Ok(name) => name.trim().to_string(),
                    Err(e) => {
                        return Ok(vec![Edit::Fail(format!(
                            "track-names format `{}`: {}",
                            self.format.source(),
                            e.message
                        ))])
                    }
                }
            };
            if name.is_empty() || Some(name.as_str()) == track.name.as_deref() {
                continue;
            }
            edits.push(Edit::SetTrackName {
                interleave_index: track.interleave_index,
                name,
            });
        }
        Ok(edits)
    }
}

rollcall_sdk::export_step!(TrackNamesStep, "track-names");

#[cfg(test)]
mod tests;
