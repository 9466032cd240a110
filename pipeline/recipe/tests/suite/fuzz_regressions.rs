//! Replays every kept fuzz input (minimised crashers and chosen corpus inputs) of tests/fuzz/regressions
//! through the same code the fuzz targets run (tests/fuzz/replay), so a fixed finding stays fixed.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

#[path = "../../../../tests/fuzz/replay/harness.rs"]
mod harness;

use harness::replay;

#[path = "../../../../tests/fuzz/replay/recipe.rs"]
mod recipe;

#[test]
fn recipe_regressions_do_not_panic() {
    replay("recipe", recipe::exercise);
}
