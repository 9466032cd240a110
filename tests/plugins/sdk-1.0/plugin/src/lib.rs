//! A rollcall 1.0 step plugin: sets iXML `NOTE` to `legacy {scene}` and warns once per take.

use rollcall_sdk::{Edit, Step, StepContext, StepError, Take};
use serde::Deserialize;

/// The step's table: `prefix` (default `legacy`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyConfig {
    #[serde(default)]
    prefix: Option<String>,
}

/// The `legacy` step.
pub struct LegacyStep {
    prefix: String,
}

impl Step for LegacyStep {
    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: LegacyConfig = context.config()?;
        Ok(LegacyStep {
            prefix: config.prefix.unwrap_or_else(|| "legacy".to_string()),
        })
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        let scene = take.field("scene").unwrap_or("?");
        Ok(vec![
            Edit::SetIxml {
                path: "NOTE".into(),
                value: format!("{} {scene}", self.prefix),
            },
            Edit::Warn("built against SDK 1.0".into()),
        ])
    }
}

rollcall_sdk::export_step!(LegacyStep, "legacy");
