//! Finds and loads rollcall step plugins.
