//! rollcall step plugin `channel-layout`: puts the mix first, then the boom, then the ISOs.
//!
//! ```toml
//! [[step]]
//! plugin = "channel-layout"
//! mix = ["Mix*", "MIX", "L-MIX"]   # default
//! boom = ["Boom*"]                 # default
//! drop = ["MixR"]                  # default: none
//! ```
//!
//! Patterns are globs (`*` any run of characters, `?` one character), matched without regard to case
//! against each track's name and its iXML `FUNCTION`. The new order is: tracks matching `mix`, tracks
//! matching `boom`, then every other track in its original order. A track matching `drop` is removed,
//! even when it also matches `mix` or `boom`. The mix tracks get `FUNCTION` `MIX`, except a stereo mix
//! kept whole (both `L-MIX` and `R-MIX`), whose functions stay.
//!
//! A file where no track matches `mix` keeps its layout (with a warning). A file that already has this
//! layout gets no order change. ADM files (`chna` or `axml` chunks) are refused: their audio object
//! metadata would no longer match the channels. Dropping every track fails the file. The engine moves
//! audio and metadata together (`fmt `, `TRACK_LIST`, bext `?TRKn=`, a new `FILE_UID`).

use rollcall_sdk::table::step_config;
use rollcall_sdk::{Edit, Step, StepContext, StepError, Take, Track};
use serde::Deserialize;

/// The `channel-layout` step's recipe keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelLayoutConfig {
    /// Patterns for the mix track(s), which go first; default `["Mix*", "MIX", "L-MIX"]`.
    #[serde(default = "default_mix")]
    pub mix: Vec<String>,
    /// Patterns for the boom track(s), which follow the mix; default `["Boom*"]`.
    #[serde(default = "default_boom")]
    pub boom: Vec<String>,
    /// Patterns for tracks to remove; default none.
    #[serde(default)]
    pub drop: Vec<String>,
}

fn default_mix() -> Vec<String> {
    vec!["Mix*".into(), "MIX".into(), "L-MIX".into()]
}

fn default_boom() -> Vec<String> {
    vec!["Boom*".into()]
}

/// The `channel-layout` step.
#[derive(Debug, Clone)]
pub struct ChannelLayoutStep {
    mix: Vec<String>,
    boom: Vec<String>,
    drop: Vec<String>,
}

/// The message for a file with ADM metadata.
pub const ADM_REFUSAL: &str =
    "ADM (chna/axml) files cannot be re-laid: their audio object metadata would no longer match";

/// True when `text` matches the glob `pattern` (`*`, `?`), ignoring case.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    // Iterative matcher with one backtrack point for the last `*`.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || Some(&c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern.iter().skip(p).all(|&c| c == '*')
}

/// True when the track's name or FUNCTION matches one of the patterns.
fn matches(patterns: &[String], track: &Track) -> bool {
    patterns.iter().any(|p| {
        [track.name.as_deref(), track.function.as_deref()]
            .into_iter()
            .flatten()
            .any(|value| glob_match(p, value.trim()))
    })
}

/// Refuse empty patterns, which would only match unnamed tracks, and glob syntax these patterns do
/// not have (`[...]` classes, `{a,b}` alternatives), which would silently match nothing.
fn check_patterns(key: &str, patterns: &[String]) -> Result<(), StepError> {
    if patterns.iter().any(|p| p.trim().is_empty()) {
        return Err(StepError::at_key(key, "an empty pattern matches nothing"));
    }
    if let Some(pattern) = patterns.iter().find(|p| p.contains(['[', ']', '{', '}'])) {
        return Err(StepError::at_key(
            key,
            format!(
                "invalid pattern `{pattern}`: patterns know only `*` (any run of characters) and `?` (one character); `[`, `]`, `{{` and `}}` are not allowed"
            ),
        ));
    }
    Ok(())
}

impl Step for ChannelLayoutStep {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new("Re-lays the channels: mix first, boom second, then the isos in their original order; drops tracks. Patterns are case-insensitive globs on track names and iXML FUNCTION.")
            .key("mix", "patterns for the mix track(s), which go first. Default [\"Mix*\", \"MIX\", \"L-MIX\"]")
            .key("boom", "patterns for the boom track(s), after the mix. Default [\"Boom*\"]")
            .key("drop", "patterns for tracks to remove (wins over mix and boom). Default none")
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: ChannelLayoutConfig = step_config(context)?;
        check_patterns("mix", &config.mix)?;
        check_patterns("boom", &config.boom)?;
        check_patterns("drop", &config.drop)?;
        if config.mix.is_empty() {
            return Err(StepError::at_key("mix", "at least one pattern is needed"));
        }
        Ok(ChannelLayoutStep {
            mix: config.mix,
            boom: config.boom,
            drop: config.drop,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        if take.chunk_ids.iter().any(|id| id == "chna" || id == "axml") {
            return Ok(vec![Edit::Fail(ADM_REFUSAL.to_string())]);
        }
        let tracks = all_tracks(take);
        if tracks.is_empty() {
            return Ok(vec![Edit::Warn(
                "channel-layout: the file has no tracks; layout kept".to_string(),
            )]);
        }
        let kept: Vec<&Track> = tracks.iter().filter(|t| !matches(&self.drop, t)).collect();
        if kept.is_empty() {
            return Ok(vec![Edit::Fail(format!(
                "channel-layout: every track matches drop {:?}; a file needs at least one channel",
                self.drop
            ))]);
        }
        let (mix, rest): (Vec<&Track>, Vec<&Track>) =
            kept.into_iter().partition(|t| matches(&self.mix, t));
        if mix.is_empty() {
            return Ok(vec![Edit::Warn(format!(
                "no track matches mix {:?}: layout kept",
                self.mix
            ))]);
        }
        let (boom, iso): (Vec<&Track>, Vec<&Track>) =
            rest.into_iter().partition(|t| matches(&self.boom, t));
        let stereo = is_stereo_mix(&mix);
        let mut edits: Vec<Edit> = mix
            .iter()
            .filter(|t| {
                let function = t.function.as_deref().map(str::trim).unwrap_or_default();
                !(function == "MIX" || stereo && is_side_of_mix(function))
            })
            .map(|t| Edit::SetTrackFunction {
                interleave_index: t.interleave_index,
                function: "MIX".to_string(),
            })
            .collect();
        let order: Vec<u32> = mix
            .iter()
            .chain(&boom)
            .chain(&iso)
            .map(|t| t.interleave_index)
            .collect();
        let identity: Vec<u32> = tracks.iter().map(|t| t.interleave_index).collect();
        if order != identity {
            edits.push(Edit::SetChannelOrder(order));
        }
        Ok(edits)
    }
}

/// True for the iXML functions of one side of a stereo mix (`L-MIX`, `R-MIX`).
fn is_side_of_mix(function: &str) -> bool {
    function.eq_ignore_ascii_case("L-MIX") || function.eq_ignore_ascii_case("R-MIX")
}

/// True when both sides of a stereo mix (`L-MIX` and `R-MIX`) are among the kept mix tracks: their
/// functions then stay, so the left/right pairing is not lost.
fn is_stereo_mix(mix: &[&Track]) -> bool {
    let has = |side: &str| {
        mix.iter().any(|t| {
            t.function
                .as_deref()
                .is_some_and(|f| f.trim().eq_ignore_ascii_case(side))
        })
    };
    has("L-MIX") && has("R-MIX")
}

/// The take's tracks, with an unnamed track for each channel of `fmt ` the track list lacks, so no
/// channel is dropped by accident.
fn all_tracks(take: &Take) -> Vec<Track> {
    let mut tracks = take.tracks.clone();
    let channels = u32::from(take.fmt.channels);
    for index in 1..=channels {
        if !tracks.iter().any(|t| t.interleave_index == index) {
            tracks.push(Track::new(index, None));
        }
    }
    tracks.sort_by_key(|t| t.interleave_index);
    tracks
}

rollcall_sdk::export_step!(ChannelLayoutStep, "channel-layout");

#[cfg(test)]
mod tests;
