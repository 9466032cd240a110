//! Recipe files: parsing, validation with line numbers, layered overrides.
