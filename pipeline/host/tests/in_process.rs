//! Two plugin crates linked into one test binary as rlibs, used in-process without the loader.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use rollcall_sdk::{Step, StepContext, Take};

#[test]
fn two_plugin_crates_link_into_one_binary() {
    let context = |table: &str| StepContext {
        table: toml::from_str(table).unwrap_or_default(),
        recipe_dir: ".".into(),
    };
    let template = rollcall_template::TemplateStep::new(&context(r#"note = "x""#));
    let misbehaving = rollcall_misbehaving::MisbehavingStep::new(&context(r#"mode = "error""#));
    let take = Take::default();
    assert!(template.and_then(|s| s.apply(&take)).is_ok());
    assert!(misbehaving.and_then(|s| s.apply(&take)).is_err());
}
