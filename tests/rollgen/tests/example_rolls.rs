//! The example rolls committed under `recipes/example-rolls` are exactly what `example_rolls` writes.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::path::{Path, PathBuf};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../recipes/example-rolls")
}

/// Every file under `dir`, relative, sorted; hand-written `README.md` files excluded.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "README.md") {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn committed_example_rolls_are_regenerated_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let wavs = rollgen::example_rolls(tmp.path()).unwrap();
    assert_eq!(wavs.len(), 10);
    let generated = files(tmp.path());
    let committed = files(&committed_dir());
    assert_eq!(
        generated, committed,
        "recipes/example-rolls is stale: run `cargo run -p rollgen --bin make-example-rolls -- recipes/example-rolls`"
    );
    let mut total = 0;
    for rel in &generated {
        let a = std::fs::read(tmp.path().join(rel)).unwrap();
        let b = std::fs::read(committed_dir().join(rel)).unwrap();
        assert!(
            a == b,
            "{} differs from what example_rolls writes",
            rel.display()
        );
        assert!(a.len() < 2 * 1024 * 1024, "{} is over 2 MiB", rel.display());
        total += a.len();
    }
    assert!(total < 6 * 1024 * 1024, "example rolls total {total} bytes");
}

#[test]
fn example_rolls_cover_both_episodes_on_each_roll() {
    let tmp = tempfile::tempdir().unwrap();
    let wavs = rollgen::example_rolls(tmp.path()).unwrap();
    let episodes = std::fs::read_to_string(tmp.path().join("episodes.csv")).unwrap();
    let episode_of = |scene: &str| {
        episodes
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{scene},")))
            .map(str::to_string)
    };
    for roll in ["HBL101", "HBL102B"] {
        let mut eps: Vec<String> = wavs
            .iter()
            .filter(|p| p.parent().unwrap().ends_with(roll))
            .map(|p| {
                let name = p.file_stem().unwrap().to_str().unwrap();
                let scene = name.split(['_', '-']).next().unwrap();
                episode_of(scene).unwrap_or_else(|| panic!("scene {scene} has no episode"))
            })
            .collect();
        eps.sort();
        eps.dedup();
        assert_eq!(eps, ["101", "102"], "{roll}");
    }
    let cast = std::fs::read_to_string(tmp.path().join("cast.csv")).unwrap();
    assert!(cast.starts_with("track,character,mic,tape,scene\n"));
    assert!(cast.contains("ZOË"));
}
