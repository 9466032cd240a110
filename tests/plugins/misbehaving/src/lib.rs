//! Test plugin: misbehaving.
