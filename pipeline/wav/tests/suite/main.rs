//! Tests of rollcall-wav, in one binary (one link instead of one per file).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

mod bext;
mod common;
mod corpus;
mod fuzz_regressions;
mod limits;
mod mutations;
mod relayout;
mod rf64;
