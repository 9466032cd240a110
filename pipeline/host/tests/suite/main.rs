//! Tests of rollcall-host, in one binary (one link instead of one per file).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

mod copy_out;
mod in_process;
mod load;
mod sdk_versions;
mod search_path;
