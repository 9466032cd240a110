//! Tests of rollcall-ixml, in one binary (one link instead of one per file).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

mod common;
mod corpus_files;
mod fuzz_regressions;
mod limits;
mod model;
mod robustness;
mod timecode;
mod track_rewrite;
