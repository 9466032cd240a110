//! rollcall step plugin: template.
