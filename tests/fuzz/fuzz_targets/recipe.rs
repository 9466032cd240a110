//! The recipe loader over arbitrary text (no overrides, then one override and one env variable).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../replay/recipe.rs"]
mod replay;

fuzz_target!(|data: &[u8]| replay::exercise(data));
