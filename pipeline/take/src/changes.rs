//! Collecting the edits of every step while keeping the description steps see up to date.

use std::collections::BTreeMap;

use rollcall_sdk::{DescriptionKey, Edit, Take};

use crate::source::SourceTake;

/// Set a bext field by its recipe name on anything with the bext field names (the description
/// steps see, and the chunk written); `field` must be one of [`BEXT_FIELDS`].
macro_rules! set_bext_field {
    ($bext:expr, $field:expr, $value:expr) => {
        match $field {
            "description" => $bext.description = $value.clone(),
            "originator" => $bext.originator = $value.clone(),
            "originator_reference" => $bext.originator_reference = $value.clone(),
            "origination_date" => $bext.origination_date = $value.clone(),
            "origination_time" => $bext.origination_time = $value.clone(),
            "time_reference" => $bext.time_reference = $value.parse().unwrap_or(0),
            _ => $bext.coding_history = $value.clone(),
        }
    };
}
pub(crate) use set_bext_field;

/// The bext fields a step may set.
pub const BEXT_FIELDS: [&str; 7] = [
    "description",
    "originator",
    "originator_reference",
    "origination_date",
    "origination_time",
    "time_reference",
    "coding_history",
];

/// One output track: which source channel it carries and what changed about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackState {
    /// 1-based interleave index of the source channel this track carries.
    pub source_interleave: u32,
    /// New name, when a step set one.
    pub name: Option<String>,
    /// New iXML `FUNCTION`, when a step set one.
    pub function: Option<String>,
}

/// Every change the steps asked for on one take, relative to the source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// New file name, when a step set one.
    pub file_name: Option<String>,
    /// New folder, when a step set one.
    pub folder: Option<String>,
    /// iXML leaf elements to set, by path.
    pub ixml: BTreeMap<String, String>,
    /// bext fields to set, by name.
    pub bext: BTreeMap<String, String>,
    /// bext description keys to set, by key (without prefix).
    pub description: BTreeMap<String, String>,
    /// The output tracks in order.
    pub tracks: Vec<TrackState>,
    /// True when a step set a channel order that differs from the source.
    pub relaid: bool,
    /// Warnings of the steps, prefixed with the step.
    pub warnings: Vec<String>,
    /// Findings the steps reported (SDK 1.1 `Edit::Finding`).
    pub findings: Vec<rollcall_sdk::Finding>,
}

impl Changes {
    /// No changes yet for a take with `channels` tracks.
    pub fn new(source: &SourceTake) -> Changes {
        Changes {
            tracks: (1..=u32::from(source.header.fmt.channels))
                .map(|i| TrackState {
                    source_interleave: i,
                    name: None,
                    function: None,
                })
                .collect(),
            ..Changes::default()
        }
    }

    /// Apply one step's edits, updating `take` so the next step sees them. `Err` fails the file.
    pub fn apply(&mut self, take: &mut Take, edits: Vec<Edit>) -> Result<(), String> {
        for edit in edits {
            self.apply_one(take, edit)?;
        }
        Ok(())
    }

    fn track_position(&self, take: &Take, interleave_index: u32) -> Result<usize, String> {
        let count = take.tracks.len();
        match (interleave_index as usize).checked_sub(1) {
            Some(position) if position < count && position < self.tracks.len() => Ok(position),
            _ => Err(format!(
                "track {interleave_index} does not exist (the take has {count} tracks)"
            )),
        }
    }

    fn apply_one(&mut self, take: &mut Take, edit: Edit) -> Result<(), String> {
        match edit {
            Edit::SetIxml { path, value } => {
                check_ixml_path(&path)?;
                check_text(&value, "iXML value")?;
                take.ixml
                    .get_or_insert_with(BTreeMap::new)
                    .insert(path.clone(), value.clone());
                self.ixml.insert(path, value);
            }
            Edit::SetBext { field, value } => {
                if !BEXT_FIELDS.contains(&field.as_str()) {
                    return Err(format!(
                        "unknown bext field `{field}` (known: {})",
                        BEXT_FIELDS.join(", ")
                    ));
                }
                if field == "time_reference" && value.parse::<u64>().is_err() {
                    return Err(format!("bext time_reference `{value}` is not a number"));
                }
                if !value.is_ascii() {
                    return Err(format!("bext {field} must be ASCII: `{value}`"));
                }
                if let Some(bext) = take.bext.as_mut() {
                    set_bext_field!(bext, field.as_str(), value);
                }
                self.bext.insert(field, value);
            }
            Edit::SetDescriptionKey { key, value } => {
                if key.is_empty()
                    || !key
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(format!(
                        "bext description key `{key}` must be upper-case ASCII letters, digits or _"
                    ));
                }
                check_text(&value, "bext description value")?;
                match take
                    .description
                    .iter_mut()
                    .find(|k| k.key.eq_ignore_ascii_case(&key))
                {
                    Some(line) => line.value = value.clone(),
                    None => take.description.push(DescriptionKey::new(
                        &take
                            .description
                            .first()
                            .map(|k| k.prefix.clone())
                            .unwrap_or_default(),
                        &key,
                        &value,
                    )),
                }
                self.description.insert(key, value);
            }
            Edit::SetTrackName {
                interleave_index,
                name,
            } => {
                let position = self.track_position(take, interleave_index)?;
                check_text(&name, "track name")?;
                if let Some(track) = take.tracks.get_mut(position) {
                    track.name = Some(name.clone());
                }
                if let Some(track) = self.tracks.get_mut(position) {
                    track.name = Some(name);
                }
            }
            Edit::SetTrackFunction {
                interleave_index,
                function,
            } => {
                let position = self.track_position(take, interleave_index)?;
                check_text(&function, "track function")?;
                if let Some(track) = take.tracks.get_mut(position) {
                    track.function = Some(function.clone());
                }
                if let Some(track) = self.tracks.get_mut(position) {
                    track.function = Some(function);
                }
            }
            Edit::SetFileName(name) => {
                check_file_name(&name)?;
                take.file_name = name.clone();
                self.file_name = Some(name);
            }
            Edit::SetFolder(folder) => {
                let folder = check_folder(&folder)?;
                take.folder = folder.clone();
                self.folder = Some(folder);
            }
            Edit::SetChannelOrder(order) => {
                if order.is_empty() {
                    return Err("the channel order drops every track".to_string());
                }
                let mut seen = vec![false; take.tracks.len()];
                let mut tracks = Vec::with_capacity(order.len());
                let mut states = Vec::with_capacity(order.len());
                for &index in &order {
                    let position = self.track_position(take, index)?;
                    match seen.get_mut(position) {
                        Some(flag) if !*flag => *flag = true,
                        _ => return Err(format!("track {index} appears twice in the channel order")),
                    }
                    if let (Some(track), Some(state)) =
                        (take.tracks.get(position), self.tracks.get(position))
                    {
                        tracks.push(track.clone());
                        states.push(state.clone());
                    }
                }
                for (position, track) in tracks.iter_mut().enumerate() {
                    track.interleave_index = position as u32 + 1;
                }
                take.fmt.channels = tracks.len() as u16;
                take.tracks = tracks;
                self.tracks = states;
                self.relaid = self
                    .tracks
                    .iter()
                    .enumerate()
                    .any(|(i, t)| t.source_interleave != i as u32 + 1)
                    || self.tracks.len() != seen.len()
                    || self.relaid;
            }
            Edit::SetToken { name, value } => {
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!("token name `{name}` must be letters, digits or _"));
                }
                take.tokens.insert(name, value);
            }
            Edit::Fail(reason) => return Err(reason),
            Edit::Warn(warning) => self.warnings.push(warning),
            Edit::Finding(finding) => self.findings.push(finding),
            other => {
                return Err(format!(
                    "the step asks for an edit this rollcall does not know ({other:?}); a newer rollcall is needed"
                ))
            }
        }
        Ok(())
    }
}

fn check_text(value: &str, what: &str) -> Result<(), String> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("{what} contains control characters: {value:?}"));
    }
    Ok(())
}

fn check_ixml_path(path: &str) -> Result<(), String> {
    let valid = !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
    if !valid {
        return Err(format!(
            "iXML path `{path}` must be upper-case element names separated by /"
        ));
    }
    if path == "TRACK_LIST" || path.starts_with("TRACK_LIST/") {
        return Err("TRACK_LIST is changed through track edits, not SetIxml".to_string());
    }
    Ok(())
}

/// Refuse a file name that is empty, a path, or unsafe on any common file system.
pub fn check_file_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("file name `{name}` is not a file name"));
    }
    if name.chars().any(|c| {
        rollcall_sdk::template::is_hidden_control(c)
            || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
    }) {
        return Err(format!(
            "file name {name:?} contains a character that is unsafe in file names"
        ));
    }
    if name.len() > 255 {
        return Err(format!(
            "name `{}` is {} bytes, longer than the 255 bytes file systems allow in one name",
            abbreviated(name),
            name.len()
        ));
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Err(format!("file name `{name}` ends with a dot or a space"));
    }
    if name.starts_with('.') {
        return Err(format!(
            "file name `{name}` starts with a dot: it would be hidden from editorial"
        ));
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let reserved = matches!(
        stem.to_ascii_uppercase().as_str(),
        "CON" | "PRN" | "AUX" | "NUL"
    ) || ["COM", "LPT"].iter().any(|device| {
        // Byte-wise: a multi-byte character in the stem (`ZOË`) is simply not a device name.
        let bytes = stem.as_bytes();
        bytes.len() == 4
            && bytes
                .get(..3)
                .is_some_and(|b| b.eq_ignore_ascii_case(device.as_bytes()))
            && bytes
                .get(3)
                .is_some_and(|&d| d.is_ascii_digit() && d != b'0')
    });
    if reserved {
        return Err(format!(
            "file name `{name}` is a reserved device name on Windows"
        ));
    }
    Ok(())
}

/// A long name as shown in a message: its first 40 characters and `…`.
pub fn abbreviated(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", name.get(..end).unwrap_or(name)),
        None => name.to_string(),
    }
}

/// Normalise a relative folder (`/`-separated) and refuse one that leaves the output root.
pub fn check_folder(folder: &str) -> Result<String, String> {
    if folder.starts_with('/') || folder.starts_with('\\') || folder.contains(':') {
        return Err(format!(
            "folder `{folder}` is absolute; folders are relative to the output root"
        ));
    }
    let mut parts = Vec::new();
    for part in folder.split('/') {
        match part {
            "" | "." => continue,
            ".." => {
                return Err(format!("folder `{folder}` leaves the output root"));
            }
            _ => {
                check_file_name(part)
                    .map_err(|e| format!("folder `{}`: {e}", abbreviated(folder)))?;
                parts.push(part);
            }
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_that_leave_the_root_are_refused() {
        assert_eq!(
            check_folder("EP101/TWD8056").as_deref(),
            Ok("EP101/TWD8056")
        );
        assert_eq!(check_folder("a//b/./c/").as_deref(), Ok("a/b/c"));
        assert!(check_folder("../x").is_err());
        assert!(check_folder("a/../../x").is_err());
        assert!(check_folder("/abs").is_err());
        assert!(check_folder("C:/x").is_err());
        assert!(check_folder("a/b\0c").is_err());
    }

    #[test]
    fn file_names_are_single_safe_components() {
        assert!(check_file_name("24A-3.wav").is_ok());
        assert!(check_file_name("../x.wav").is_err());
        assert!(check_file_name("a/b.wav").is_err());
        assert!(check_file_name("").is_err());
        assert!(check_file_name("x\u{1}.wav").is_err());
        assert!(check_file_name(".hidden.wav").is_err());
        assert!(check_file_name("CON").is_err());
        assert!(check_file_name("nul.wav").is_err());
        assert!(check_file_name("COM1.WAV").is_err());
        assert!(check_file_name("lpt9").is_err());
        assert!(check_file_name("COM0.wav").is_ok());
        assert!(check_file_name("CONSOLE.wav").is_ok());
    }
}
