//! rollcall step plugin: episode-split.
