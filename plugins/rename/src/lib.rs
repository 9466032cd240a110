//! rollcall step plugin: rename.
