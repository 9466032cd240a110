//! Loading each recipe step's plugin and building the step from its table.

use rollcall_host::{LoadedStep, PluginHost};
use rollcall_recipe::Recipe;
use rollcall_sdk::StepContext;

use crate::EngineError;

/// A step ready to run: its position in the recipe and the plugin's step object.
pub struct BuiltStep {
    /// 1-based position in the recipe.
    pub index: usize,
    /// Plugin name as written in the recipe.
    pub plugin: String,
    /// The built step.
    pub step: LoadedStep,
}

/// Tokens the engine gives every take whose tape label parses (see `checks::add_roll_tokens`).
const ROLL_TOKENS: &[&str] = &["roll", "unit", "recorder"];

/// Step plugins shipped with rollcall: the tokens they set are standard ones (`episode`, `circled`).
const BUNDLED_STEPS: &[&str] = &[
    "rename",
    "track-names",
    "episode-split",
    "channel-layout",
    "template",
    "sound-report",
    "practice",
];

/// Load every step's plugin and build the step from its table; any failure names the recipe file,
/// the line and the step.
pub fn build_steps(recipe: &Recipe, host: &PluginHost) -> Result<Vec<BuiltStep>, EngineError> {
    let mut built = Vec::with_capacity(recipe.steps.len());
    let mut problems = Vec::new();
    // What a template may use besides the standard tokens: the recipe's [vars] and the engine's roll
    // tokens; unknown once a step of a plugin rollcall does not ship ran, since it may set any token.
    let mut known_tokens: Option<Vec<String>> = Some(
        recipe
            .vars
            .keys()
            .cloned()
            .chain(ROLL_TOKENS.iter().map(|t| t.to_string()))
            .collect(),
    );
    for spec in &recipe.steps {
        let location = format!(
            "{}:{}: step {} (`{}`)",
            recipe.path.display(),
            spec.line,
            spec.index,
            spec.plugin
        );
        let plugin = match host.load(&spec.plugin) {
            Ok(plugin) => plugin,
            Err(e) => {
                problems.push(format!("{location}: {e}"));
                continue;
            }
        };
        let mut context = StepContext::new(spec.table.clone(), recipe.dir.clone());
        if let Some(known) = &known_tokens {
            context = context.with_known_tokens(known.iter().cloned());
        }
        if !BUNDLED_STEPS.contains(&spec.plugin.as_str()) {
            known_tokens = None;
        }
        match plugin.build(&context) {
            Ok(step) => built.push(BuiltStep {
                index: spec.index,
                plugin: spec.plugin.clone(),
                step,
            }),
            Err(e) => {
                // A key set on the command line is named as given there, not by a recipe line.
                let origin = e
                    .key
                    .as_deref()
                    .and_then(|key| recipe.override_of(spec.index, key));
                let place = match origin {
                    Some(origin) => origin.to_string(),
                    None => format!(
                        "{}:{}",
                        recipe.path.display(),
                        recipe.line_of(spec.index, e.key.as_deref())
                    ),
                };
                problems.push(format!(
                    "{place}: step {} (`{}`): {e}",
                    spec.index, spec.plugin
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(built)
    } else {
        Err(EngineError::Step(problems.join("\n")))
    }
}
