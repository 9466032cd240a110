//! rollcall step plugin `template`: writes a note into iXml `NOTE` from a template.
//!
//! ```toml
//! [[step]]
//! plugin = "template"
//! note = "Dailies {scene}/{take} for {show}"
//! ```
//!
//! A working starting point for studio plugins: copy this folder, rename it, change the step.

use rollcall_sdk::template::Template;
use rollcall_sdk::{Edit, Step, StepContext, StepError, Take};
use serde::Deserialize;

/// The step's recipe table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateConfig {
    /// The note template; `{token}` is replaced by the take's token value.
    note: String,
    /// What to do when a token has no value: `"fail"` (default) or `"empty"`.
    #[serde(default)]
    missing: Missing,
}

/// What to do when a template token has no value for a take.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Missing {
    /// Fail the file, naming the token.
    #[default]
    Fail,
    /// Replace the token with nothing.
    Empty,
}

/// The `template` step: sets iXML `NOTE` from a template of take tokens.
#[derive(Debug)]
pub struct TemplateStep {
    note: Template,
    missing: Missing,
}

impl Step for TemplateStep {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new(
            "Example plugin: writes a note from a template of take tokens into iXML NOTE.",
        )
        .key(
            "note",
            "the note template; {token} is replaced by the take's token value. Required",
        )
        .key(
            "missing",
            "when a token has no value: \"fail\" (default) or \"empty\"",
        )
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: TemplateConfig = context.config()?;
        // The SDK's template syntax: `{token}`, `{take:03}`, `{{`/`}}` for literal braces.
        let note =
            Template::parse(&config.note).map_err(|e| StepError::at_key("note", e.message))?;
        context.check_tokens("note", &note, &[])?;
        Ok(TemplateStep {
            note,
            missing: config.missing,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        let note = match self.missing {
            Missing::Fail => self.note.render(take),
            Missing::Empty => self.note.render_with(take, |name| {
                take.token(name).or_else(|| Some(String::new()))
            }),
        }
        .map_err(|e| StepError::at_key("note", format!("{}: {}", take.source_name, e.message)))?;
        if take.ixml("NOTE") == Some(note.as_str()) {
            return Ok(Vec::new());
        }
        rollcall_sdk::log_info(&format!("{}: note `{note}`", take.source_name));
        Ok(vec![Edit::SetIxml {
            path: "NOTE".to_string(),
            value: note,
        }])
    }
}

rollcall_sdk::export_step!(TemplateStep, "template");

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn context(table: &str) -> StepContext {
        StepContext::new(
            toml::from_str(table).unwrap_or_default(),
            PathBuf::from("."),
        )
    }

    fn take(scene: &str, take: &str) -> Take {
        let mut ixml = BTreeMap::new();
        ixml.insert("SCENE".to_string(), scene.to_string());
        ixml.insert("TAKE".to_string(), take.to_string());
        {
            let mut built = Take::default();
            built.source_name = "A101_1.WAV".into();
            built.file_name = "A101_1.WAV".into();
            built.ixml = Some(ixml);
            built.vars = [("show".to_string(), "TWD".to_string())].into();
            built
        }
    }

    #[test]
    fn writes_the_note_from_the_template() {
        let step = TemplateStep::new(&context(r#"note = "Dailies {scene}/{take} for {show}""#));
        let edits = step.and_then(|s| s.apply(&take("12A", "3")));
        assert_eq!(
            edits,
            Ok(vec![Edit::SetIxml {
                path: "NOTE".into(),
                value: "Dailies 12A/3 for TWD".into()
            }])
        );
    }

    #[test]
    fn missing_token_fails_the_file_by_default() {
        let step = TemplateStep::new(&context(r#"note = "{episode}""#));
        let error = step.and_then(|s| s.apply(&take("1", "1"))).err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("{episode}"), "{message}");
    }

    #[test]
    fn missing_token_can_be_empty() {
        let step = TemplateStep::new(&context("note = \"ep{episode}.\"\nmissing = \"empty\""));
        let edits = step.and_then(|s| s.apply(&take("1", "1")));
        assert_eq!(
            edits,
            Ok(vec![Edit::SetIxml {
                path: "NOTE".into(),
                value: "ep.".into()
            }])
        );
    }

    #[test]
    fn unchanged_note_gives_no_edit() {
        let mut t = take("1", "2");
        if let Some(ixml) = t.ixml.as_mut() {
            ixml.insert("NOTE".into(), "1-2".into());
        }
        let step = TemplateStep::new(&context(r#"note = "{scene}-{take}""#));
        assert_eq!(step.and_then(|s| s.apply(&t)), Ok(vec![]));
    }

    #[test]
    fn unknown_key_is_refused() {
        let error = TemplateStep::new(&context("note = \"x\"\nnoet = \"y\"")).err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("noet"), "{message}");
    }

    #[test]
    fn bad_template_is_refused_at_the_note_key() {
        let error = TemplateStep::new(&context(r#"note = "Dailies {scene""#)).err();
        assert_eq!(error.and_then(|e| e.key), Some("note".to_string()));
    }

    #[test]
    fn literal_braces_and_padding() {
        let step = TemplateStep::new(&context(r#"note = "{{x}} {scene}-{take:03}""#));
        let edits = step.and_then(|s| s.apply(&take("12A", "3")));
        assert_eq!(
            edits,
            Ok(vec![Edit::SetIxml {
                path: "NOTE".into(),
                value: "{x} 12A-003".into()
            }])
        );
    }
}
