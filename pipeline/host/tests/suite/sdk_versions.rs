//! SDK 1.1 negotiation: a plugin built against rollcall-sdk 1.0.0 (its source kept in
//! `tests/plugins/sdk-1.0`, built here outside the workspace) loads and runs on this host; a plugin
//! needing a feature this host lacks is refused with one sentence naming plugin and feature.

use std::path::{Path, PathBuf};
use std::process::Command;

use rollcall_host::{HostError, PluginHost};
use rollcall_sdk::{Edit, StepContext, Take};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn deps_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[test]
fn a_plugin_built_against_sdk_1_0_loads_and_runs_on_the_1_1_host(
) -> Result<(), Box<dyn std::error::Error>> {
    let root = workspace_root().canonicalize()?;
    let outside = tempfile::Builder::new()
        .prefix("rollcall-sdk-1.0")
        .tempdir_in(std::env::temp_dir())?;
    copy_dir(&root.join("tests/plugins/sdk-1.0"), outside.path())?;
    let plugin_dir = outside.path().join("plugin");
    // rollcall's own lock file: the same dependency versions, so `--offline` finds them all.
    std::fs::copy(root.join("Cargo.lock"), plugin_dir.join("Cargo.lock"))?;
    let target_dir = root.join("target/sdk-1.0-test");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(&plugin_dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS")
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let host = PluginHost::new(&[target_dir.join("debug")]);
    let plugin = host.load("legacy")?;
    assert_eq!(plugin.sdk_version(), "1.0.0");
    assert!(plugin.hello().is_none(), "a 1.0 plugin has no hello");
    let step = plugin.build(&StepContext::new(toml::from_str(r#"prefix = "old""#)?, "."))?;
    let mut take = Take::named("A101_1.WAV");
    take.ixml = Some([("SCENE".to_string(), "12A".to_string())].into());
    take.facts
        .insert("path".to_string(), "/cards/A101_1.WAV".to_string());
    assert_eq!(
        step.apply(&take),
        Ok(vec![
            Edit::SetIxml {
                path: "NOTE".into(),
                value: "old 12A".into()
            },
            Edit::Warn("built against SDK 1.0".into()),
        ])
    );
    // Its table is still checked by its own `deny_unknown_fields`.
    let error = plugin
        .build(&StepContext::new(toml::from_str(r#"prefx = "x""#)?, "."))
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(error.contains("prefx"), "{error}");
    Ok(())
}

#[test]
fn a_plugin_needing_a_feature_the_host_lacks_is_refused_in_one_sentence() {
    let host = PluginHost::new(&[deps_dir()]);
    let error = host.load("needy").err();
    let Some(HostError::MissingFeature { name, feature, .. }) = &error else {
        panic!("expected a missing feature, got {error:?}");
    };
    assert_eq!((name.as_str(), feature.as_str()), ("needy", "teleport"));
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.starts_with("plugin `needy`"), "{text}");
    assert!(text.contains("needs `teleport`"), "{text}");
    assert!(text.contains(rollcall_sdk::SDK_VERSION), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn a_1_1_plugin_answers_the_hello() -> Result<(), Box<dyn std::error::Error>> {
    let host = PluginHost::new(&[deps_dir()]);
    let plugin = host.load("template")?;
    let hello = plugin.hello().ok_or("the template plugin has a hello")?;
    assert_eq!(hello.sdk_version, rollcall_sdk::SDK_VERSION);
    assert_eq!(hello.provides, vec!["step".to_string()]);
    Ok(())
}
