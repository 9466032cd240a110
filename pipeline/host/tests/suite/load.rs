//! Loads the test plugins through the real loader (`target/<profile>/deps/librollcall_*.so`).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rollcall_host::{HostError, LogLevel, PluginHost};
use rollcall_sdk::{Edit, StepContext, Take, Track};

/// The folder holding the plugin libraries cargo built for this test run.
fn deps_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

fn host() -> PluginHost {
    PluginHost::new(&[deps_dir()])
}

fn context(table: &str) -> StepContext {
    StepContext::new(
        toml::from_str(table).unwrap_or_default(),
        PathBuf::from("/recipes/show"),
    )
}

fn take(scene: &str) -> Take {
    {
        let mut built = Take::default();
        built.file_name = "A101_1.WAV".into();
        built.source_name = "A101_1.WAV".into();
        built.ixml = Some(BTreeMap::from([
            ("SCENE".to_string(), scene.to_string()),
            ("TAKE".to_string(), "3".to_string()),
        ]));
        built.tracks = vec![
            {
                let mut built = Track::default();
                built.interleave_index = 1;
                built.channel_index = Some(1);
                built.name = Some("Mix".into());
                built.function = None;
                built
            },
            {
                let mut built = Track::default();
                built.interleave_index = 2;
                built.channel_index = Some(2);
                built.name = Some("Boom".into());
                built.function = None;
                built
            },
        ];
        built.vars = BTreeMap::from([("show".to_string(), "TWD".to_string())]);
        built
    }
}

#[test]
fn template_plugin_loads_builds_and_applies() -> Result<(), Box<dyn std::error::Error>> {
    let host = host();
    let started = Instant::now();
    let plugin = host.load("template")?;
    let load_time = started.elapsed();
    eprintln!("loaded `template` in {load_time:?}");
    assert_eq!(plugin.name(), "template");
    assert_eq!(plugin.version(), "0.1.0");
    assert_eq!(plugin.sdk_version(), rollcall_sdk::SDK_VERSION);
    assert!(plugin.file().starts_with(deps_dir()));

    let step = plugin.build(&context(r#"note = "Dailies {scene}/{take} for {show}""#))?;
    assert_eq!(step.plugin_name(), "template");
    assert_eq!(
        step.apply(&take("12A")),
        Ok(vec![Edit::SetIxml {
            path: "NOTE".into(),
            value: "Dailies 12A/3 for TWD".into()
        }])
    );
    // A token the take lacks fails that take with the plugin's message.
    let strict = plugin.build(&context(r#"note = "{episode}""#))?;
    let error = strict.apply(&take("12A")).err().unwrap_or_default();
    assert!(error.contains("{episode}"), "{error}");
    Ok(())
}

#[test]
fn loading_the_same_plugin_twice_gives_the_same_library() -> Result<(), HostError> {
    let first = host().load("template")?;
    let second_host = host();
    let started = Instant::now();
    let second = second_host.load("template")?;
    eprintln!("loaded `template` again in {:?}", started.elapsed());
    let again = second_host.load("template")?;
    assert_eq!(first.file(), second.file());
    assert_eq!(second.file(), again.file());
    // Both hosts' copies build working steps.
    for plugin in [first, second] {
        let step = plugin
            .build(&context(r#"note = "{scene}""#))
            .map_err(|e| HostError::BadName { name: e.message })?;
        assert_eq!(
            step.apply(&take("7")),
            Ok(vec![Edit::SetIxml {
                path: "NOTE".into(),
                value: "7".into()
            }])
        );
    }
    Ok(())
}

#[test]
fn two_different_plugins_load_side_by_side() -> Result<(), HostError> {
    let host = host();
    let started = Instant::now();
    let misbehaving = host.load("misbehaving")?;
    eprintln!("loaded `misbehaving` in {:?}", started.elapsed());
    let template = host.load("template")?;
    assert_eq!(misbehaving.name(), "misbehaving");
    assert_eq!(template.name(), "template");
    Ok(())
}

#[test]
fn a_panic_in_apply_becomes_an_error_and_the_process_goes_on() -> Result<(), HostError> {
    let plugin = host().load("misbehaving")?;
    let step = plugin
        .build(&context("mode = \"panic\"\nscene = \"12A\""))
        .map_err(|e| HostError::BadName { name: e.message })?;
    let error = step.apply(&take("12A")).err().unwrap_or_default();
    eprintln!("{error}");
    assert!(
        error.contains("misbehaving plugin panicked on A101_1.WAV"),
        "{error}"
    );
    // The same step keeps working: other scenes get no edits, the scene panics again.
    assert_eq!(step.apply(&take("1")), Ok(vec![]));
    assert!(step.apply(&take("12A")).is_err());
    Ok(())
}

#[test]
fn a_panic_while_building_becomes_an_error() -> Result<(), HostError> {
    let plugin = host().load("misbehaving")?;
    let error = plugin.build(&context(r#"mode = "panic-in-new""#)).err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("misbehaving plugin panicked while being built"),
        "{message}"
    );
    // The library still builds steps afterwards.
    assert!(plugin.build(&context(r#"mode = "error""#)).is_ok());
    Ok(())
}

#[test]
fn errors_and_bad_edits_come_back_as_values() -> Result<(), HostError> {
    let plugin = host().load("misbehaving")?;
    let build = |table: &str| {
        plugin
            .build(&context(table))
            .map_err(|e| HostError::BadName { name: e.message })
    };
    let error = build(r#"mode = "error""#)?.apply(&take("1"));
    assert_eq!(
        error,
        Err("misbehaving plugin refused A101_1.WAV".to_string())
    );
    assert_eq!(
        build(r#"mode = "bad-track""#)?.apply(&take("1")),
        Ok(vec![Edit::SetTrackName {
            interleave_index: 3,
            name: "Ghost".into()
        }])
    );
    assert_eq!(
        build(r#"mode = "escape-folder""#)?.apply(&take("1")),
        Ok(vec![Edit::SetFolder("../../escaped".into())])
    );
    Ok(())
}

#[test]
fn a_bad_step_table_is_refused_with_the_plugins_message() -> Result<(), HostError> {
    let plugin = host().load("misbehaving")?;
    let error = plugin
        .build(&context("mode = \"panic\"\nmood = \"x\""))
        .err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("mood"), "{message}");
    Ok(())
}

#[test]
fn steps_are_shared_across_threads() -> Result<(), HostError> {
    let plugin = host().load("template")?;
    let step = plugin
        .build(&context(r#"note = "{scene}""#))
        .map_err(|e| HostError::BadName { name: e.message })?;
    let step = &step;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| scope.spawn(move || step.apply(&take(&i.to_string()))))
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let edits = handle
                .join()
                .unwrap_or_else(|_| Err("thread panicked".into()));
            assert_eq!(
                edits,
                Ok(vec![Edit::SetIxml {
                    path: "NOTE".into(),
                    value: i.to_string()
                }])
            );
        }
    });
    Ok(())
}

#[test]
fn plugin_logs_reach_the_host_sink() -> Result<(), HostError> {
    let messages: Arc<Mutex<Vec<(LogLevel, String, String)>>> = Arc::default();
    let sink = Arc::clone(&messages);
    rollcall_host::set_plugin_log_sink(Arc::new(move |level, plugin, message| {
        if let Ok(mut m) = sink.lock() {
            m.push((level, plugin.to_string(), message.to_string()));
        }
    }));
    let plugin = host().load("template")?;
    let step = plugin
        .build(&context(r#"note = "logged {scene}""#))
        .map_err(|e| HostError::BadName { name: e.message })?;
    assert!(step.apply(&take("99")).is_ok());
    let messages = messages.lock().map(|m| m.clone()).unwrap_or_default();
    assert!(
        messages
            .iter()
            .any(|(level, plugin, message)| *level == LogLevel::Info
                && plugin == "template"
                && message.contains("logged 99")),
        "{messages:?}"
    );
    Ok(())
}

#[test]
fn incompatible_sdk_is_refused_with_both_versions() {
    let started = Instant::now();
    let error = host().load("incompatible");
    eprintln!("refused `incompatible` in {:?}", started.elapsed());
    let Err(error) = error else {
        panic!("the incompatible plugin loaded");
    };
    assert!(
        matches!(&error, HostError::IncompatibleSdk { plugin_sdk, host_sdk, .. }
            if plugin_sdk == "2.0.0" && host_sdk == rollcall_sdk::SDK_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    eprintln!("{message}");
    assert!(message.contains("`incompatible`"), "{message}");
    assert!(message.contains("librollcall_incompatible"), "{message}");
    assert!(message.contains("2.0.0"), "{message}");
    assert!(message.contains(rollcall_sdk::SDK_VERSION), "{message}");
    assert!(message.lines().count() < 10, "{message}");
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused() -> Result<(), std::io::Error> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("librollcall_garbage.so"),
        b"this is not an ELF file\n",
    )?;
    let host = PluginHost::new(&[dir.path().to_path_buf()]);
    let error = host.load("garbage").err();
    assert!(
        matches!(&error, Some(HostError::NotAPlugin { name, .. }) if name == "garbage"),
        "{error:?}"
    );
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.lines().count() < 4, "{message}");

    // A real shared library without a rollcall root module.
    let zlib = Path::new("/lib/x86_64-linux-gnu/libz.so.1");
    if zlib.is_file() {
        std::fs::copy(zlib, dir.path().join("librollcall_zlib.so"))?;
        let error = host.load("zlib").err();
        assert!(
            matches!(&error, Some(HostError::NotAPlugin { reason, .. })
                if reason.contains("root module")),
            "{error:?}"
        );
    }
    Ok(())
}

#[test]
fn a_missing_plugin_is_refused_naming_the_folders() {
    let dir = PathBuf::from("/nonexistent/rollcall-plugins");
    let error = PluginHost::new(&[dir]).load("no-such-step").err();
    let message = error.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        matches!(&error, Some(HostError::NotFound { .. })),
        "{error:?}"
    );
    assert!(message.contains("librollcall_no_such_step.so"), "{message}");
    assert!(
        message.contains("/nonexistent/rollcall-plugins"),
        "{message}"
    );
}

#[test]
fn list_shows_plugins_and_failures() -> Result<(), std::io::Error> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("librollcall_garbage.so"), b"garbage")?;
    std::fs::write(dir.path().join("unrelated.so"), b"garbage")?;
    let host = PluginHost::new(&[dir.path().to_path_buf(), deps_dir()]);
    let listings = host.list();
    let find = |name: &str| listings.iter().find(|l| l.name == name);

    let template = find("template");
    assert_eq!(
        template.and_then(|l| l.sdk_version.as_deref()),
        Some(rollcall_sdk::SDK_VERSION)
    );
    assert_eq!(template.and_then(|l| l.version.as_deref()), Some("0.1.0"));
    assert!(template.is_some_and(|l| l.error.is_none()));
    assert!(find("misbehaving").is_some_and(|l| l.error.is_none()));

    let incompatible = find("incompatible");
    assert_eq!(
        incompatible.and_then(|l| l.sdk_version.as_deref()),
        Some("2.0.0")
    );
    assert!(incompatible.is_some_and(|l| l.error.is_some()));

    let garbage = find("garbage");
    assert_eq!(
        garbage.map(|l| l.file.clone()),
        Some(dir.path().join("librollcall_garbage.so"))
    );
    assert!(garbage.is_some_and(|l| l.error.is_some()));
    assert_eq!(listings.iter().filter(|l| l.name == "template").count(), 1);
    assert!(find("unrelated").is_none());
    Ok(())
}

#[test]
fn a_plugin_under_another_file_name_is_refused() -> Result<(), std::io::Error> {
    let dir = tempfile::tempdir()?;
    let template = deps_dir().join(format!(
        "{}rollcall_template{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    std::fs::copy(template, dir.path().join("librollcall_renamed.so"))?;
    let error = PluginHost::new(&[dir.path().to_path_buf()])
        .load("renamed")
        .err();
    assert!(
        matches!(&error, Some(HostError::NotAPlugin { reason, .. })
            if reason.contains("`renamed`")),
        "{error:?}"
    );
    Ok(())
}
