// The recipe loader over arbitrary text (no overrides, then one override and one env variable).
//
// Shared by the fuzz target (tests/fuzz/fuzz_targets/recipe.rs) and the regression test that replays
// tests/fuzz/regressions/recipe/*, so both run exactly the same code. Panics are findings.

use rollcall_recipe::Recipe;
use std::path::Path;

/// Runs one fuzz input through the `recipe` target's code.
pub fn exercise(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    if Recipe::parse(path, text, &[], &[]).is_ok() {
        let sets = [
            "output.dir=/tmp/x".to_string(),
            "step.1.template={scene}".to_string(),
        ];
        let env = [("ROLLCALL_VARS__SHOW".to_string(), "TWD".to_string())];
        let _ = Recipe::parse(path, text, &sets, &env);
    }
}
