//! Integration tests through the real `rollcall` binary, on corpus files and generated rolls.
#![allow(clippy::unwrap_used, clippy::string_slice, unsafe_code)] // tests may panic (and send signals); the lints guard library code

mod audit_skips;
mod bext_names;
mod cli;
mod cluster;
mod durability;
mod engine;
mod faults;
mod hardening;
mod inspect;
mod install;
mod manifest;
mod mistakes;
mod plugins;
mod practice;
mod qc;
mod real_takes;
mod scaleout;
mod soundreport;
mod steps;
mod supersede;
mod support;
