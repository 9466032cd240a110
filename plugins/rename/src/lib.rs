//! rollcall step plugin `rename`: names each delivered file from a template.
//!
//! ```toml
//! [[step]]
//! plugin = "rename"
//! template = "{scene}-{take:03}"   # default "{scene}-{take}"
//! keep_family_suffix = true        # default
//! ```
//!
//! The extension of the source file is kept as it is (`.WAV` stays `.WAV`). Characters unsafe in file
//! names on Windows, macOS or Linux become `_`, so a name never leaves its folder. A take without a
//! value for a token the template uses (no scene, no take) fails with that reason.
//!
//! Split-mono families stay apart: a member of a family (Sound Devices and Metacorder `A101_1_1.WAV`,
//! Zoom `..._Tr1.WAV`, `..._Tr1_D.WAV`, `..._TrL_R.WAV`) gets its member suffix appended (`24A-3_1.WAV`,
//! `24A-3_Tr1.WAV`) unless the template places `{index}` (the member's position in the family) or
//! `{stem}` itself. The engine updates `HISTORY/CURRENT_FILENAME`, `ORIGINAL_FILENAME` and `?FILENAME=`;
//! the `FILE_UID` is kept.

use rollcall_sdk::table::step_config;
use rollcall_sdk::template::{safe_file_name, Template};
use rollcall_sdk::{Edit, Step, StepContext, StepError, Take};
use serde::Deserialize;

/// The longest file name delivered, in bytes (the limit of common file systems).
pub const MAX_NAME_BYTES: usize = 255;

/// The `rename` step's recipe keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameConfig {
    /// The new file name without extension; tokens such as `{scene}`, `{take:03}`, `{index}` and any
    /// `[vars]` key. Default `{scene}-{take}`.
    #[serde(default = "default_template")]
    pub template: String,
    /// Append a split-mono family member's suffix (`_1`, `_Tr1`) so members keep apart, unless the
    /// template uses `{index}` or `{stem}`. Default `true`.
    #[serde(default = "default_keep_family_suffix")]
    pub keep_family_suffix: bool,
}

fn default_template() -> String {
    "{scene}-{take}".to_string()
}

fn default_keep_family_suffix() -> bool {
    true
}

/// The `rename` step.
#[derive(Debug, Clone)]
pub struct RenameStep {
    template: Template,
    keep_family_suffix: bool,
}

/// A take's place in a split-mono family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyMember {
    /// The suffix of the source name that tells members apart (`_1`, `_Tr1_D`).
    pub suffix: String,
    /// The member's position in the family: iXML `FILE_SET/FILE_SET_INDEX` when present, else the
    /// suffix without its separator (`1`, `1_D`).
    pub index: String,
}

/// The take's family membership, when its source is one file of a split-mono family.
///
/// Zoom names (`_Tr1`, `_Tr12`, `_TrL`, `_TrR`, `_TrL_R`, `_TrLR`, each optionally followed by `_D`)
/// are members by name. A `_N` suffix (Sound Devices, Metacorder) is a member when iXML
/// `FILE_SET/TOTAL_FILES` is above 1, or, when that element is absent, when the file has one channel
/// and the name without the suffix ends with the take number (`A101_1_2`: take 1, member 2).
pub fn family_member(take: &Take) -> Option<FamilyMember> {
    let stem = take.stem();
    let set_index = take
        .ixml("FILE_SET/FILE_SET_INDEX")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    if let Some((_, rest)) = stem.rsplit_once("_Tr") {
        let core = rest.strip_suffix("_D").unwrap_or(rest);
        let zoom = (!core.is_empty() && core.bytes().all(|b| b.is_ascii_digit()))
            || matches!(core, "L" | "R" | "LR" | "L_R");
        if zoom {
            return Some(FamilyMember {
                suffix: format!("_Tr{rest}"),
                index: set_index.unwrap_or_else(|| rest.to_string()),
            });
        }
    }
    let (head, digits) = stem.rsplit_once('_')?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let member = match take.ixml("FILE_SET/TOTAL_FILES") {
        Some(total) => total.trim().parse::<u32>().is_ok_and(|n| n > 1),
        None => {
            take.fmt.channels == 1
                && take.field("take").is_some_and(|t| {
                    head.strip_suffix(t)
                        .is_some_and(|h| h.ends_with('_') || h.ends_with('-'))
                })
        }
    };
    member.then(|| FamilyMember {
        suffix: format!("_{digits}"),
        index: set_index.unwrap_or_else(|| digits.to_string()),
    })
}

impl Step for RenameStep {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new("Renames each file after its slate; the extension is kept, characters unsafe in file names are replaced, and split-mono family members keep apart.")
            .key("template", "the new file name without extension; tokens such as {scene}, {take:03}, {index} and any [vars] key. Default \"{scene}-{take}\"")
            .key("keep_family_suffix", "append a split-mono member's suffix (_1, _Tr1) unless the template uses {index} or {stem}. Default true")
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: RenameConfig = step_config(context)?;
        let template = Template::parse(&config.template)
            .map_err(|e| StepError::at_key("template", e.message))?;
        if template.tokens().next().is_none() {
            return Err(StepError::at_key(
                "template",
                format!(
                    "template `{}` has no token: every file would get the same name",
                    config.template
                ),
            ));
        }
        context.check_tokens("template", &template, &[])?;
        Ok(RenameStep {
            template,
            keep_family_suffix: config.keep_family_suffix,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        for needed in ["scene", "take"] {
            if self.template.uses(needed) && take.token(needed).is_none_or(|v| v.is_empty()) {
                return Ok(vec![Edit::Fail(format!(
                    "cannot rename: the file has no {needed} (no iXML {} and no bext {}= line)",
                    needed.to_ascii_uppercase(),
                    needed.to_ascii_uppercase()
                ))]);
            }
        }
        let member = family_member(take);
        let index = member.as_ref().map(|m| m.index.clone());
        let rendered = self.template.render_with(take, |name| match name {
            "index" => index.clone(),
            _ => None,
        });
        let mut base = match rendered {
            Ok(base) => base,
            Err(e) if self.template.uses("index") && index.is_none() && e.message.contains("{index}") => {
                return Ok(vec![Edit::Fail(
                    "cannot rename: the template uses {index} but the file is not part of a split-mono family"
                        .to_string(),
                )])
            }
            Err(e) => {
                return Ok(vec![Edit::Fail(format!(
                    "cannot rename with template `{}`: {}",
                    self.template.source(),
                    e.message
                ))])
            }
        };
        let extension = extension(&take.source_name);
        if let Some(ext) = extension {
            let dotted = format!(".{ext}");
            let ends_with_ext = base.len() > dotted.len()
                && base
                    .get(base.len() - dotted.len()..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(&dotted));
            if ends_with_ext {
                base.truncate(base.len() - dotted.len());
            }
        }
        if let Some(member) = &member {
            let placed = self.template.uses("index") || self.template.uses("stem");
            if self.keep_family_suffix && !placed {
                base.push_str(&member.suffix);
            }
        }
        let mut name = safe_file_name(&base);
        if let Some(ext) = extension {
            name.push('.');
            name.push_str(&safe_file_name(ext));
        }
        if name.len() > MAX_NAME_BYTES {
            return Ok(vec![Edit::Fail(format!(
                "cannot rename: `{name}` is longer than {MAX_NAME_BYTES} bytes"
            ))]);
        }
        if name == take.file_name {
            return Ok(Vec::new());
        }
        Ok(vec![Edit::SetFileName(name)])
    }
}

/// The extension of a file name (after the last dot, not a leading one), case kept.
fn extension(name: &str) -> Option<&str> {
    match name.rfind('.') {
        Some(dot) if dot > 0 && dot + 1 < name.len() => name.get(dot + 1..),
        _ => None,
    }
}

rollcall_sdk::export_step!(RenameStep, "rename");

#[cfg(test)]
mod tests;
