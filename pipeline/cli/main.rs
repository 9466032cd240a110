//! The `rollcall` command line.
fn main() {}
