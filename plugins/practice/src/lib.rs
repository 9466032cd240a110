//! rollcall check plugin `practice`: the production sound practice a show agrees with its sound
//! department (the Netflix sound best practices by default), file by file and across the batch.
//!
//! ```toml
//! [[check]]
//! plugin = "practice"
//! bit_depth = 24                 # default 24
//! sample_rate = 48000            # default: one rate across the batch
//! timecode_rate = "23.976ND"     # default: one rate across the batch
//! pre_roll = 8.0                 # seconds, default 8
//! roll_scheme = "series"         # or "film"; default series when [vars] has a season
//! day_cutoff = "06:00"           # a production day runs to this hour, default 06:00
//! ledger = "rolls.csv"           # the roll ledger (optional)
//! severity = { "tracks/iso-named" = "error" }   # applied by rollcall to any check
//! ```
//!
//! Rules and default severities: see [`RULES`].

mod batch;
mod rules;

use rollcall_rolls::{parse_cutoff, read_ledger, LedgerRow, Scheme};
use rollcall_sdk::{Check, CheckedTake, Finding, Severity, StepContext, StepError};
use serde::Deserialize;

/// Every rule of the check: id, default severity, what it reads.
pub const RULES: &[(&str, Severity, &str)] = &[
    ("format/bit-depth", Severity::Warning, "fmt bits per sample against `bit_depth`"),
    ("format/sample-rate", Severity::Warning, "fmt sample rate against `sample_rate` (error when declared) or the batch's rate"),
    ("format/timecode-rate", Severity::Warning, "iXML SPEED/TIMECODE_RATE and TIMECODE_FLAG against `timecode_rate` (error when declared) or the batch's rate"),
    ("format/poly", Severity::Warning, "iXML FILE_SET/TOTAL_FILES, a one-channel file named as a split-mono member"),
    ("roll/label", Severity::Warning, "the roll label (iXML TAPE, else bext TAPE) against `roll_scheme` and [vars] show, season"),
    ("roll/repeated", Severity::Error, "one label on two recorders (bext originator), two production days (bext origination date and time, `day_cutoff`), or in the ledger from an earlier day with files it does not know"),
    ("roll/mixed-folder", Severity::Warning, "source card folders holding several roll labels"),
    ("slate/missing", Severity::Error, "scene and take (iXML, else bext); wild takes exempt"),
    ("slate/name", Severity::Warning, "the delivered file name against scene and take; wild takes exempt"),
    ("slate/disagree", Severity::Warning, "bext description SCENE/TAKE/TAPE against iXML; wild takes exempt"),
    ("tracks/layout", Severity::Warning, "delivered track 1 a mix, track 2 a boom (names and iXML FUNCTION)"),
    ("tracks/iso-named", Severity::Warning, "delivered ISO track names (empty, Tr3, ISO 3, Ch3, Track 3)"),
    ("take/pre-roll", Severity::Warning, "iXML PRE_RECORD_SAMPLECOUNT against `pre_roll` (info when not recorded)"),
    ("take/recovered", Severity::Warning, "the engine's `recovered` fact (an unfinalized take)"),
    ("take/mirror-differs", Severity::Error, "two takes with one iXML FILE_UID whose format or length differ"),
];

/// The check's `[[check]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PracticeConfig {
    #[serde(default = "default_bit_depth")]
    bit_depth: u16,
    #[serde(default)]
    sample_rate: Option<u32>,
    #[serde(default)]
    timecode_rate: Option<String>,
    #[serde(default = "default_pre_roll")]
    pre_roll: f64,
    #[serde(default)]
    roll_scheme: Option<String>,
    #[serde(default)]
    day_cutoff: Option<String>,
    #[serde(default)]
    ledger: Option<String>,
}

fn default_bit_depth() -> u16 {
    24
}

fn default_pre_roll() -> f64 {
    8.0
}

/// A timecode rate: frames per second and whether it is drop-frame (when said).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TimecodeRate {
    fps: f64,
    drop: Option<bool>,
}

impl TimecodeRate {
    /// `23.976ND`, `29.97DF`, `25`, `24000/1001` (with an optional NDF/DF flag).
    fn parse(text: &str, flag: Option<&str>) -> Option<TimecodeRate> {
        let upper = text.trim().to_ascii_uppercase().replace(' ', "");
        let (number, drop) = if let Some(n) = upper.strip_suffix("NDF") {
            (n, Some(false))
        } else if let Some(n) = upper.strip_suffix("ND") {
            (n, Some(false))
        } else if let Some(n) = upper.strip_suffix("DF") {
            (n, Some(true))
        } else {
            (upper.as_str(), None)
        };
        let fps = match number.split_once('/') {
            Some((a, b)) => {
                let (a, b): (f64, f64) = (a.parse().ok()?, b.parse().ok()?);
                (b > 0.0).then(|| a / b)?
            }
            None => number.parse().ok()?,
        };
        let drop = drop.or_else(|| match flag.map(|f| f.trim().to_ascii_uppercase()) {
            Some(f) if f == "DF" => Some(true),
            Some(f) if f == "NDF" => Some(false),
            _ => None,
        });
        (fps > 0.0).then_some(TimecodeRate { fps, drop })
    }

    fn matches(self, other: TimecodeRate) -> bool {
        (self.fps - other.fps).abs() < 0.01
            && match (self.drop, other.drop) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    fn label(self) -> String {
        let fps = format!("{:.3}", self.fps);
        let fps = fps.trim_end_matches('0').trim_end_matches('.');
        match self.drop {
            Some(true) => format!("{fps}DF"),
            Some(false) => format!("{fps}ND"),
            None => fps.to_string(),
        }
    }
}

/// The `practice` check.
#[derive(Debug)]
pub struct PracticeCheck {
    bit_depth: u16,
    sample_rate: Option<u32>,
    timecode_rate: Option<TimecodeRate>,
    pre_roll: f64,
    scheme: Option<Scheme>,
    cutoff_minutes: u32,
    ledger: Vec<LedgerRow>,
}

impl Check for PracticeCheck {
    fn describe() -> rollcall_sdk::PluginDescription {
        rollcall_sdk::PluginDescription::new("Checks production sound practice file by file and across the batch (format, roll labels, slates, track layout, pre-roll); findings are warnings or errors, and an error withholds the file.")
            .key("bit_depth", "expected bits per sample. Default 24")
            .key("sample_rate", "expected sample rate. Default: one rate across the batch")
            .key("timecode_rate", "expected timecode rate, e.g. \"23.976ND\". Default: one rate across the batch")
            .key("pre_roll", "seconds of pre-record expected. Default 8")
            .key("roll_scheme", "\"series\" or \"film\" roll labels. Default series when [vars] has a season")
            .key("day_cutoff", "the hour a production day runs to. Default \"06:00\"")
            .key("ledger", "the roll ledger CSV, relative to the recipe's folder (optional)")
            .key("severity", "per-rule severity overrides, e.g. { \"tracks/iso-named\" = \"error\" } (any check)")
    }

    fn new(context: &StepContext) -> Result<Self, StepError> {
        let config: PracticeConfig = context.config()?;
        if !matches!(config.bit_depth, 16 | 24 | 32) {
            return Err(StepError::at_key("bit_depth", "must be 16, 24 or 32"));
        }
        if !(config.pre_roll.is_finite() && config.pre_roll >= 0.0) {
            return Err(StepError::at_key("pre_roll", "must be seconds, 0 or more"));
        }
        if config.sample_rate == Some(0) {
            return Err(StepError::at_key(
                "sample_rate",
                "must be a rate in Hz, like 48000",
            ));
        }
        let timecode_rate = match &config.timecode_rate {
            None => None,
            Some(text) => Some(TimecodeRate::parse(text, None).ok_or_else(|| {
                StepError::at_key(
                    "timecode_rate",
                    format!(
                        "`{text}` is not a timecode rate (e.g. \"23.976ND\", \"25\", \"29.97DF\")"
                    ),
                )
            })?),
        };
        let scheme = match &config.roll_scheme {
            None => None,
            Some(word) => Some(Scheme::parse(word).ok_or_else(|| {
                StepError::at_key(
                    "roll_scheme",
                    format!("`{word}` is not \"series\" or \"film\""),
                )
            })?),
        };
        let cutoff_minutes = match &config.day_cutoff {
            None => 6 * 60,
            Some(text) => parse_cutoff(text).ok_or_else(|| {
                StepError::at_key(
                    "day_cutoff",
                    format!("`{text}` is not an hour like \"06:00\""),
                )
            })?,
        };
        let ledger = match &config.ledger {
            None => Vec::new(),
            Some(path) => {
                let file = context.resolve(path);
                match std::fs::read(&file) {
                    Ok(bytes) => read_ledger(&bytes).map_err(|e| {
                        StepError::at_key("ledger", format!("{}: {e}", file.display()))
                    })?,
                    // The first run of a show: no ledger yet.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                    Err(e) => {
                        return Err(StepError::at_key(
                            "ledger",
                            format!("{}: {e}", file.display()),
                        ))
                    }
                }
            }
        };
        Ok(PracticeCheck {
            bit_depth: config.bit_depth,
            sample_rate: config.sample_rate,
            timecode_rate,
            pre_roll: config.pre_roll,
            scheme,
            cutoff_minutes,
            ledger,
        })
    }

    fn check_take(&self, take: &CheckedTake) -> Result<Vec<Finding>, StepError> {
        Ok(rules::take_findings(self, take))
    }

    fn check_batch(&self, batch: &[CheckedTake]) -> Result<Vec<Finding>, StepError> {
        Ok(batch::batch_findings(self, batch))
    }
}

rollcall_sdk::export_check!(PracticeCheck, "practice");

#[cfg(test)]
mod tests;
