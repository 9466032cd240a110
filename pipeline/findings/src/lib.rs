//! The findings model shared by practice checks, audio QC and sound-report reconciliation.
//!
//! A [`Finding`] is one thing a check says: a stable rule id (`slate/missing`, `audio/clipping`), a
//! [`Severity`], the source file it is about (or none, for a roll or the whole batch), the roll, and a
//! sentence a sound editor reads. Its JSON shape is the one SPEC section 6 gives for `audit --json`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// How serious a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never withholds a file.
    Info,
    /// Travels with the file into the report; the file is delivered.
    Warning,
    /// The file is withheld unless the recipe says to deliver on error.
    Error,
}

impl Severity {
    /// The word used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` (or `warn`) and `info`, in any case.
    pub fn parse(word: &str) -> Option<Severity> {
        match word.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a check says about a take, a roll or the batch.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// Stable rule id, `family/name` (`slate/missing`).
    pub rule: String,
    /// How serious it is.
    pub severity: Severity,
    /// The source file it is about; `None` for a finding about a roll or the batch.
    pub path: Option<PathBuf>,
    /// The roll label it belongs to, when known.
    pub roll: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Finding {
    /// A finding about one file.
    pub fn file(
        rule: &str,
        severity: Severity,
        path: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            path: Some(path.into()),
            roll: None,
            message: message.into(),
        }
    }

    /// A finding about a roll or the batch (no file).
    pub fn batch(rule: &str, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity,
            path: None,
            roll: None,
            message: message.into(),
        }
    }

    /// The same finding, placed in a roll.
    pub fn in_roll(mut self, roll: Option<String>) -> Finding {
        self.roll = roll;
        self
    }
}

/// Per-rule severity overrides from a recipe (`severity = { "tracks/iso-named" = "error" }`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeverityOverrides {
    /// Rule id to the severity the recipe wants.
    pub by_rule: BTreeMap<String, Severity>,
}

impl SeverityOverrides {
    /// The severity for `rule`: the recipe's if it names one, else `default`.
    pub fn for_rule(&self, rule: &str, default: Severity) -> Severity {
        self.by_rule.get(rule).copied().unwrap_or(default)
    }

    /// Applies the overrides to a finding in place.
    pub fn apply(&self, finding: &mut Finding) {
        finding.severity = self.for_rule(&finding.rule, finding.severity);
    }
}

/// Whether any finding is an error.
pub fn any_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_is_the_specs() {
        let finding = Finding::file(
            "slate/missing",
            Severity::Error,
            "A/1.WAV",
            "no scene or take",
        )
        .in_roll(Some("TWD8056".to_string()));
        let json = serde_json::to_value(&finding).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "rule": "slate/missing",
                "severity": "error",
                "path": "A/1.WAV",
                "roll": "TWD8056",
                "message": "no scene or take",
            })
        );
        let batch = serde_json::to_value(Finding::batch("roll/repeated", Severity::Warning, "x"))
            .expect("serialises");
        assert_eq!(batch["path"], serde_json::Value::Null);
    }

    #[test]
    fn overrides_change_only_the_named_rule() {
        let mut overrides = SeverityOverrides::default();
        overrides
            .by_rule
            .insert("tracks/iso-named".to_string(), Severity::Error);
        assert_eq!(
            overrides.for_rule("tracks/iso-named", Severity::Warning),
            Severity::Error
        );
        assert_eq!(
            overrides.for_rule("slate/name", Severity::Warning),
            Severity::Warning
        );
        assert_eq!(Severity::parse("WARN"), Some(Severity::Warning));
        assert_eq!(Severity::parse("fatal"), None);
    }
}
