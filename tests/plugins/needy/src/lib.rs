//! Test plugin `needy`: a step whose hello needs `findings` and `teleport`; no host has `teleport`,
//! so every rollcall must refuse it when loading (at `rollcall check`), before any take is read.

use rollcall_sdk::{Edit, Finding, Severity, Step, StepContext, StepError, Take};

/// The `needy` step: reports one finding per take.
pub struct NeedyStep;

impl Step for NeedyStep {
    fn new(_context: &StepContext) -> Result<Self, StepError> {
        Ok(NeedyStep)
    }

    fn apply(&self, take: &Take) -> Result<Vec<Edit>, StepError> {
        Ok(vec![Edit::Finding(Finding::file(
            "needy/always",
            Severity::Info,
            take.source_name.clone(),
            "needy was called",
        ))])
    }
}

rollcall_sdk::export_step!(NeedyStep, "needy", needs = ["findings", "teleport"]);
