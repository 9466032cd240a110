//! Integration tests through the real `rollcall` binary, on corpus files and generated rolls.

mod engine;
mod inspect;
mod steps;
mod support;
