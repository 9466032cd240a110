//! Test plugin `misbehaving`: fails on purpose, for the host's and the engine's tests.
//!
//! ```toml
//! [[step]]
//! plugin = "misbehaving"
//! mode = "panic"        # or "error", "bad-track", "escape-folder", "panic-in-new", "hang", "exit", "log"
//! scene = "12A"         # optional: act only on takes of this scene, return no edits for others
//! ```

use rollcall_sdk::{Edit, Step, StepContext, StepError, Take};
use serde::Deserialize;

/// How the step misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Panic inside `apply`.
    Panic,
    /// Return an error from `apply`.
    Error,
    /// Name a track that does not exist.
    BadTrack,
    /// Set a folder that climbs out of the output root.
    EscapeFolder,
    /// Panic while the step is built from its table.
    PanicInNew,
    /// Never return from `apply`.
    Hang,
    /// End the whole process with status 0 from `apply`.
    Exit,
    /// Log one info line and one warning through the host, and ask for nothing.
    Log,
}

/// The step's recipe table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MisbehavingConfig {
    mode: Mode,
    scene: Option<String>,
}

/// The `misbehaving` step.
#[derive(Debug)]
pub struct MisbehavingStep {
    mode: Mode,
    scene: Option<String>,
}

impl Step for MisbehavingStep {
    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: MisbehavingConfig = context.config()?;
        if config.mode == Mode::PanicInNew {
            panic!("misbehaving plugin panicked while being built");
        }
        Ok(MisbehavingStep {
            mode: config.mode,
            scene: config.scene,
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        if let Some(scene) = &self.scene {
            if take.field("scene") != Some(scene.as_str()) {
                return Ok(Vec::new());
            }
        }
        match self.mode {
            Mode::Panic => panic!("misbehaving plugin panicked on {}", take.source_name),
            Mode::Error => Err(StepError::new(format!(
                "misbehaving plugin refused {}",
                take.source_name
            ))),
            Mode::BadTrack => {
                let past_the_end = u32::try_from(take.tracks.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                Ok(vec![Edit::SetTrackName {
                    interleave_index: past_the_end,
                    name: "Ghost".to_string(),
                }])
            }
            Mode::EscapeFolder => Ok(vec![Edit::SetFolder("../../escaped".to_string())]),
            Mode::PanicInNew => Ok(Vec::new()),
            Mode::Hang => loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            },
            Mode::Exit => std::process::exit(0),
            Mode::Log => {
                rollcall_sdk::log_info(&format!("looked at {}", take.source_name));
                rollcall_sdk::log_warn(&format!("worried about {}", take.source_name));
                Ok(Vec::new())
            }
        }
    }
}

rollcall_sdk::export_step!(MisbehavingStep, "misbehaving");

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn step(table: &str) -> Result<MisbehavingStep, StepError> {
        MisbehavingStep::new(&StepContext::new(
            toml::from_str(table).unwrap_or_default(),
            ".",
        ))
    }

    fn take(scene: &str) -> Take {
        {
            let mut built = Take::default();
            built.source_name = "T.WAV".into();
            built.ixml = Some(BTreeMap::from([("SCENE".to_string(), scene.to_string())]));
            built.tracks = vec![rollcall_sdk::Track::default(); 2];
            built
        }
    }

    #[test]
    fn error_mode_errors() {
        let result = step(r#"mode = "error""#).and_then(|s| s.apply(&take("1")));
        assert!(result.is_err());
    }

    #[test]
    fn bad_track_names_a_track_past_the_end() {
        let result = step(r#"mode = "bad-track""#).and_then(|s| s.apply(&take("1")));
        assert_eq!(
            result,
            Ok(vec![Edit::SetTrackName {
                interleave_index: 3,
                name: "Ghost".into()
            }])
        );
    }

    #[test]
    fn other_scenes_are_left_alone() {
        let result = step("mode = \"panic\"\nscene = \"9\"").and_then(|s| s.apply(&take("1")));
        assert_eq!(result, Ok(vec![]));
    }

    #[test]
    fn panic_mode_panics_in_process() {
        let result = std::panic::catch_unwind(|| {
            step(r#"mode = "panic""#).and_then(|s| s.apply(&take("1")))
        });
        assert!(result.is_err());
    }

    #[test]
    fn unknown_mode_is_refused() {
        assert!(step(r#"mode = "explode""#).is_err());
    }
}
