//! Two plugin crates linked into one test binary as rlibs: used in-process without the loader, and
//! each keeping its own root modules (the export macros declare one static per plugin).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use rollcall_sdk::ffi::hello::{FfiHello, HelloModule_Ref, HostHello};
use rollcall_sdk::ffi::StepModule_Ref;
use rollcall_sdk::{Step, StepContext, Take};

#[test]
fn two_plugin_crates_link_into_one_binary() {
    let context = |table: &str| StepContext::new(toml::from_str(table).unwrap_or_default(), ".");
    let template = rollcall_template::TemplateStep::new(&context(r#"note = "x""#));
    let misbehaving = rollcall_misbehaving::MisbehavingStep::new(&context(r#"mode = "error""#));
    let take = Take::default();
    assert!(template.and_then(|s| s.apply(&take)).is_ok());
    assert!(misbehaving.and_then(|s| s.apply(&take)).is_err());
}

#[test]
fn two_plugins_in_one_binary_each_keep_their_own_root_module() {
    // With the 1.0 SDK the module was a static inside a generic function, one for every plugin of
    // the program: the second plugin came back as the first.
    let template = rollcall_template::__ROLLCALL_STEP_ROOT_MODULE
        .init_root_module::<StepModule_Ref>()
        .map_err(|e| e.to_string());
    let misbehaving = rollcall_misbehaving::__ROLLCALL_STEP_ROOT_MODULE
        .init_root_module::<StepModule_Ref>()
        .map_err(|e| e.to_string());
    let (Ok(template), Ok(misbehaving)) = (template, misbehaving) else {
        panic!("the root modules did not initialise");
    };
    assert_eq!(template.name().as_str(), "template");
    assert_eq!(misbehaving.name().as_str(), "misbehaving");
    assert_ne!(template.version().as_str(), "");

    // Each plugin's hello answers with its own needs.
    let hello = |header: &'static abi_stable::library::LibHeader| {
        let module = header
            .init_root_module::<HelloModule_Ref>()
            .map_err(|e| e.to_string());
        let Ok(module) = module else {
            panic!("no hello module");
        };
        let hello = module.hello();
        HostHello::from_ffi(&hello(&FfiHello::host("1.1.0", &["findings"])))
    };
    let template_hello = hello(&rollcall_template::__ROLLCALL_HELLO_ROOT_MODULE);
    let misbehaving_hello = hello(&rollcall_misbehaving::__ROLLCALL_HELLO_ROOT_MODULE);
    assert_eq!(template_hello.provides, vec!["step"]);
    assert!(template_hello.needs.is_empty());
    assert_eq!(misbehaving_hello.sdk_version, rollcall_sdk::SDK_VERSION);
}
