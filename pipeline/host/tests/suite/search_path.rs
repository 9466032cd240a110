//! The search order: `--plugin-dir`s, then `ROLLCALL_PLUGIN_PATH`, then the executable's folder,
//! then `<prefix>/lib/rollcall` beside it.
//! (Its own test binary, because it sets an environment variable.)
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::path::{Path, PathBuf};

use rollcall_host::{PluginHost, PLUGIN_PATH_VAR};

#[test]
fn plugin_dirs_then_environment_then_executable_folder() -> Result<(), std::io::Error> {
    let env_dir = tempfile::tempdir()?;
    let deps = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    std::env::set_var(
        PLUGIN_PATH_VAR,
        format!("/env/one::{}", env_dir.path().display()),
    );
    let host = PluginHost::new(&[PathBuf::from("/cli/one"), PathBuf::from("/cli/two")]);
    assert_eq!(
        host.search_path().get(..5),
        Some(
            &[
                PathBuf::from("/cli/one"),
                PathBuf::from("/cli/two"),
                PathBuf::from("/env/one"),
                env_dir.path().to_path_buf(),
                deps.clone(),
            ][..]
        )
    );
    // Last, the installed layout beside the executable's real folder (`<prefix>/lib/rollcall`).
    assert!(
        host.search_path()
            .last()
            .is_some_and(|dir| dir.ends_with("lib/rollcall")),
        "{:?}",
        host.search_path()
    );

    // A plugin in an environment folder wins over the one next to the executable.
    let template = format!(
        "{}rollcall_template{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    std::fs::copy(deps.join(&template), env_dir.path().join(&template))?;
    let plugin = host.load("template");
    assert_eq!(
        plugin.as_ref().map(|p| p.file().to_path_buf()).ok(),
        Some(env_dir.path().join(&template)),
        "{plugin:?}"
    );
    Ok(())
}
