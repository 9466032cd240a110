//! Test plugin: incompatible.
