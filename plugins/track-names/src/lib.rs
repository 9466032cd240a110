//! rollcall step plugin: track-names.
