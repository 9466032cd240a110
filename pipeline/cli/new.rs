//! `rollcall new [DIR]`: a starting recipe, cast CSV and episodes CSV for a show's repository.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::Outcome;

/// Arguments of `rollcall new`.
#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The folder to write into (created if missing; default: the current folder).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

/// The recipe `rollcall new` writes.
pub const RECIPE_FILE: &str = "rollcall.toml";
/// The cast list `rollcall new` writes.
pub const CAST_FILE: &str = "cast.csv";
/// The episode list `rollcall new` writes.
pub const EPISODES_FILE: &str = "episodes.csv";

const RECIPE: &str = r#"# Sound dailies for editorial: what rollcall does to every WAV found on the sound rolls.
# Written by `rollcall new`; edit it and keep it in the show's git repository.
#
#   rollcall check rollcall.toml                          # recipe and plugins valid?
#   rollcall run rollcall.toml /Volumes/ROLL01 --dry-run  # what would change (writes nothing)
#   rollcall run rollcall.toml /Volumes/ROLL01            # deliver into [output] dir
#
# Steps run in order on each take. `rollcall plugins --describe NAME` lists a step's keys.

[recipe]
name = "My show dailies"

# Free values, usable as {show} in any template below.
[vars]
show = "SHOW"

# Which files on a roll are takes (these are the defaults: .wav, .bwav and .bwf in any letter
# case, without the "._" files macOS leaves on cards).
[input]
exclude = ["**/._*"]

# Where the delivery goes, relative to this file; `--out DIR` wins.
[output]
dir = "delivery"

# 1. Episode from the scene (episodes.csv: scene,episode[,tape]). A scene not in the list goes to
#    the UNSORTED folder instead of failing.
[[step]]
plugin = "episode-split"
scenes = "episodes.csv"
folder = "EP{episode}/{tape}"
unassigned = "UNSORTED"

# 2. File name from the slate: {scene} {take} {tape} {episode} {circled} {stem} and [vars];
#    {take:03} zero-pads. Templates are TOML strings: keep the quotes.
[[step]]
plugin = "rename"
template = "{scene}-{take}"

# 3. Character names on the tracks from the cast list (cast.csv: track,character[,mic,tape,scene];
#    a row with a tape or scene applies there only and wins).
[[step]]
plugin = "track-names"
csv = "cast.csv"

# 4. Mix first, boom second, then the isos in their order; `drop` removes tracks.
[[step]]
plugin = "channel-layout"
mix = ["Mix*"]
boom = ["Boom*"]
drop = ["MixR"]
"#;

const CAST: &str = "track,character,mic,tape,scene
Lav1,FIRST CHARACTER,COS-11D,,
Lav2,SECOND CHARACTER,DPA 4060,,
Lav3,THIRD CHARACTER,DPA 4060,,
Lav4,FOURTH CHARACTER,COS-11D,,
";

const EPISODES: &str = "scene,episode
1,101
2,101
";

/// Write the three files into `args.dir`; refuse (exit 2, nothing written) when any already exists.
pub fn new(args: NewArgs) -> Result<Outcome> {
    let files = [
        (RECIPE_FILE, RECIPE),
        (CAST_FILE, CAST),
        (EPISODES_FILE, EPISODES),
    ];
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|path| std::fs::symlink_metadata(path).is_ok())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "rollcall: {} already exist{}; nothing written (rollcall new never overwrites)",
            existing.join(", "),
            if existing.len() == 1 { "s" } else { "" }
        );
        return Ok(Outcome::Invalid);
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    for (name, text) in files {
        let path = args.dir.join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        outln!("wrote {}", path.display());
    }
    outln!(
        "next: edit {} and the CSVs, then `rollcall check {}`",
        RECIPE_FILE,
        args.dir.join(RECIPE_FILE).display()
    );
    Ok(Outcome::Success)
}
