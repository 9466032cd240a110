//! Copies `plugins/template` out of the workspace, builds it the way a studio would, and loads it.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rollcall_host::PluginHost;
use rollcall_sdk::{Edit, StepContext, Take};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
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
fn template_copied_out_of_the_tree_builds_and_loads() -> Result<(), Box<dyn std::error::Error>> {
    let root = workspace_root().canonicalize()?;
    let studio = tempfile::Builder::new()
        .prefix("rollcall-studio-plugin")
        .tempdir_in(std::env::temp_dir())?;
    assert!(!studio.path().starts_with(&root));
    let crate_dir = studio.path().join("dailies-note");
    copy_dir(&root.join("plugins/template/src"), &crate_dir.join("src"))?;

    // What the README tells a studio to do: point rollcall-sdk at the rollcall checkout.
    let manifest = std::fs::read_to_string(root.join("plugins/template/Cargo.toml"))?;
    let sdk = root.join("plugins/sdk");
    let manifest = manifest.replace(
        r#"rollcall-sdk = { path = "../sdk" }"#,
        &format!(
            "rollcall-sdk = {{ path = {:?} }}",
            sdk.display().to_string()
        ),
    );
    // Outside rollcall's workspace there are no workspace lints to inherit.
    let manifest = manifest.replace("[lints]\nworkspace = true\n", "");
    assert!(manifest.contains(&sdk.display().to_string()));
    std::fs::write(crate_dir.join("Cargo.toml"), manifest)?;
    // The same dependency versions as rollcall itself, so `--offline` finds them all.
    std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock"))?;

    // A target folder of its own under the workspace's, kept between runs.
    let target_dir = root.join("target/copy-out-test");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let output = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS")
        .output()?;
    eprintln!("built the copied template in {:?}", started.elapsed());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let plugin_dir = target_dir.join("debug");
    let host = PluginHost::new(std::slice::from_ref(&plugin_dir));
    let started = Instant::now();
    let plugin = host.load("template")?;
    eprintln!("loaded the copied template in {:?}", started.elapsed());
    assert!(plugin.file().starts_with(&plugin_dir));
    assert_eq!(plugin.sdk_version(), rollcall_sdk::SDK_VERSION);

    let step = plugin.build(&StepContext::new(
        toml::from_str(r#"note = "{show} {stem}""#)?,
        PathBuf::from("."),
    ))?;
    let take = {
        let mut built = Take::default();
        built.source_name = "B7_2.WAV".into();
        built.vars = [("show".to_string(), "Dune".to_string())].into();
        built
    };
    assert_eq!(
        step.apply(&take),
        Ok(vec![Edit::SetIxml {
            path: "NOTE".into(),
            value: "Dune B7_2".into()
        }])
    );
    Ok(())
}
