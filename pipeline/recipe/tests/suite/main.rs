//! Tests of rollcall-recipe, in one binary (one link instead of one per file).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

mod fuzz_regressions;
mod inputs;
mod recipe;
