//! `scripts/install.sh`: a relocatable bundle installed under a prefix, run from there with no
//! plugin path: the binary finds its plugins in `<prefix>/lib/rollcall/` by its real path.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{describe, repo, temp_dir, tree};

/// The installed binary with no `ROLLCALL_*` variable (so no plugin path) set.
fn installed(binary: &Path) -> Command {
    let mut command = Command::new(binary);
    for (key, _) in std::env::vars() {
        if key.starts_with("ROLLCALL_") {
            command.env_remove(key);
        }
    }
    command
}

/// The cargo target folder and profile the test binary was built in (`target`, `debug`).
fn target_and_profile() -> (PathBuf, String) {
    let binary = Path::new(env!("CARGO_BIN_EXE_rollcall"));
    let profile_dir = binary.parent().unwrap();
    (
        profile_dir.parent().unwrap().to_path_buf(),
        profile_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
    )
}

#[test]
fn an_installed_bundle_runs_a_recipe_with_no_plugin_path() {
    let (target, profile) = target_and_profile();
    let prefix = temp_dir();
    // The already-built test artifacts: no second build.
    let install = Command::new("bash")
        .arg(repo().join("scripts/install.sh"))
        .arg("--prefix")
        .arg(prefix.path())
        .args(["--profile", &profile, "--no-build", "--target-dir"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", describe(&install));
    let p = prefix.path();
    for file in [
        "bin/rollcall",
        "lib/rollcall/librollcall_rename.so",
        "lib/rollcall/librollcall_track_names.so",
        "lib/rollcall/librollcall_episode_split.so",
        "lib/rollcall/librollcall_channel_layout.so",
        "lib/rollcall/librollcall_sound_report.so",
        "lib/rollcall/librollcall_practice.so",
        "share/rollcall/recipes/series-dailies.toml",
    ] {
        assert!(p.join(file).is_file(), "{file} not installed");
    }
    let man = std::fs::read_to_string(p.join("share/man/man1/rollcall.1")).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH rollcall"),
        "{man}"
    );
    let bash =
        std::fs::read_to_string(p.join("share/bash-completion/completions/rollcall")).unwrap();
    assert!(bash.contains("_rollcall()"), "bash completion: {bash}");
    assert!(
        std::fs::read_to_string(p.join("share/zsh/site-functions/_rollcall"))
            .unwrap()
            .starts_with("#compdef rollcall")
    );
    assert!(
        std::fs::read_to_string(p.join("share/fish/vendor_completions.d/rollcall.fish"))
            .unwrap()
            .contains("complete -c rollcall")
    );

    // The whole prefix moved elsewhere still works: nothing in it names where it was installed.
    let moved = temp_dir();
    let moved_prefix = moved.path().join("opt");
    std::fs::rename(p, &moved_prefix).unwrap();
    let binary = moved_prefix.join("bin/rollcall");
    let recipes = moved_prefix.join("share/rollcall/recipes");
    let out = temp_dir();
    let run = installed(&binary)
        .arg("run")
        .arg(recipes.join("series-dailies.toml"))
        .arg(recipes.join("example-rolls"))
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let delivered = tree(out.path());
    for file in [
        "EP101/HBL101/12-1.WAV",
        "EP101/HBL102B/14-001.WAV",
        "EP102/HBL101/27-3.WAV",
        "EP102/2U01/31A-02.WAV",
    ] {
        assert!(
            delivered.iter().any(|f| f == file),
            "{file} not delivered: {delivered:?}"
        );
    }

    // Through a link elsewhere (as `ln -s <prefix>/bin/rollcall ~/bin/`): the real path wins.
    let links = temp_dir();
    let link = links.path().join("rollcall");
    std::os::unix::fs::symlink(&binary, &link).unwrap();
    let listing = installed(&link)
        .args(["plugins", "--json"])
        .output()
        .unwrap();
    assert!(listing.status.success(), "{}", describe(&listing));
    let plugins: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let rename = plugins
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "rename")
        .unwrap_or_else(|| panic!("no rename plugin: {plugins}"));
    assert!(
        rename["file"]
            .as_str()
            .unwrap()
            .ends_with("lib/rollcall/librollcall_rename.so"),
        "{rename}"
    );
    assert!(rename["error"].is_null(), "{rename}");
}
