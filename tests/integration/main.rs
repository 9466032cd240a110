//! Integration tests through the real `rollcall` binary, on corpus files and generated rolls.

mod engine;
mod faults;
mod inspect;
mod plugins;
mod practice;
mod real_takes;
mod steps;
mod support;
