//! `cargo bench --bench hot_paths`: divan micro-benchmarks of rollcall's hot paths, on synthetic
//! Sound Devices takes made by `rollgen` (header scan, iXML edit, the audio block loop with and
//! without a channel permutation, the plan of one file, one plugin call).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::{black_box, Bencher};
use rollcall_engine::{build_steps, plan, BuiltStep, PlanOptions};
use rollcall_host::PluginHost;
use rollcall_ixml::{Ixml, IxmlEdits};
use rollcall_recipe::{find_inputs, Recipe};
use rollcall_take::SourceTake;
use rollcall_wav::{identity_layout, read_header, write_file, ChannelMap, Fmt, OutChunk};
use rollgen::{write_take, RecorderStyle, TakeSpec, TrackSpec};

fn main() {
    divan::main();
}

/// Fixture files, made once per bench process.
struct Fixture {
    _dir: tempfile::TempDir,
    /// A 2-track 1 s take (the SMALL file of the comparison).
    small: PathBuf,
    /// An 8-track 1 s take (MixL, MixR, Boom, Lav1-5).
    eight: PathBuf,
    /// A rename + track-names recipe.
    names: PathBuf,
    /// A channel-layout recipe (drop MixR).
    layout: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp folder");
        let small = dir.path().join("in/S00001.WAV");
        let eight = dir.path().join("in8/B00.WAV");
        std::fs::create_dir_all(dir.path().join("in")).expect("folder");
        std::fs::create_dir_all(dir.path().join("in8")).expect("folder");
        let mut spec = TakeSpec::new(
            RecorderStyle::SoundDevices,
            "12A",
            "3",
            vec![TrackSpec::new(1, "Boom"), TrackSpec::new(2, "Lav1")],
        );
        spec.frames = 48_000;
        write_take(&small, &spec).expect("small take");
        let names = ["MixL", "MixR", "Boom", "Lav1", "Lav2", "Lav3", "Lav4", "Lav5"];
        let tracks = names
            .iter()
            .enumerate()
            .map(|(c, n)| TrackSpec::new(c as u32 + 1, n))
            .collect();
        let mut spec = TakeSpec::new(RecorderStyle::SoundDevices, "100", "1", tracks);
        spec.frames = 48_000;
        write_take(&eight, &spec).expect("eight-track take");
        std::fs::write(
            dir.path().join("cast.csv"),
            "track,character,mic\nLav1,ZOË,COS-11D\nBoom,BOOM,MKH 50\n",
        )
        .expect("cast");
        let names_recipe = dir.path().join("names.toml");
        std::fs::write(
            &names_recipe,
            "[recipe]\nname = \"n\"\n[[step]]\nplugin = \"rename\"\ntemplate = \"{scene}_T{take:03}\"\n\
             [[step]]\nplugin = \"track-names\"\ncsv = \"cast.csv\"\n",
        )
        .expect("recipe");
        let layout_recipe = dir.path().join("layout.toml");
        std::fs::write(
            &layout_recipe,
            "[recipe]\nname = \"l\"\n[[step]]\nplugin = \"channel-layout\"\nmix = [\"MixL\", \"MixR\"]\n\
             drop = [\"MixR\"]\n",
        )
        .expect("recipe");
        Fixture {
            _dir: dir,
            small,
            eight,
            names: names_recipe,
            layout: layout_recipe,
        }
    })
}

fn plugin_dir() -> PathBuf {
    std::env::current_exe()
        .expect("the bench has a path")
        .parent()
        .expect("the bench is in a folder")
        .to_path_buf()
}

fn steps(recipe_path: &Path) -> (Recipe, Vec<BuiltStep>) {
    let recipe = Recipe::load(recipe_path, &[], &[]).expect("recipe loads");
    let host = PluginHost::new(&[plugin_dir()]);
    let built = build_steps(&recipe, &host).expect("steps build");
    (recipe, built)
}

/// Reading every chunk's position and the fmt from a file's bytes (in memory).
#[divan::bench]
fn header_scan(bencher: Bencher) {
    let bytes = std::fs::read(&fixture().small).expect("read");
    bencher.bench_local(|| {
        let mut cursor = Cursor::new(black_box(&bytes));
        read_header(&mut cursor).expect("header")
    });
}

/// Reading a take from disk as the plan does: header, bext, iXML parsed.
#[divan::bench]
fn source_take_read(bencher: Bencher) {
    let path = &fixture().small;
    bencher.bench_local(|| SourceTake::read(black_box(path)).expect("take"));
}

/// Setting two iXML leaves and renaming the tracks of a Sound Devices iXML.
#[divan::bench]
fn ixml_edit(bencher: Bencher) {
    let take = SourceTake::read(&fixture().eight).expect("take");
    let mut file = std::fs::File::open(&fixture().eight).expect("open");
    let chunk = take.header.find(b"iXML").expect("iXML").clone();
    let payload = rollcall_wav::read_payload(&mut file, &chunk, 1 << 20).expect("payload");
    let ixml = Ixml::parse(&payload).expect("parse");
    let edits = IxmlEdits {
        set: vec![
            ("SCENE".to_string(), "12B".to_string()),
            (
                "HISTORY/CURRENT_FILENAME".to_string(),
                "12B_T003.WAV".to_string(),
            ),
        ],
        tracks: None,
    };
    bencher.bench_local(|| ixml.edit(black_box(&edits)).expect("edit"));
}

/// The audio loop of the writer over 1 s of 8-track 24-bit audio: read, hash each channel, write.
#[divan::bench(args = [false, true])]
fn audio_8ch_1s(bencher: Bencher, permute: bool) {
    let bytes = std::fs::read(&fixture().eight).expect("read");
    let header = read_header(&mut Cursor::new(&bytes)).expect("header");
    let (layout, map) = if permute {
        // Drop MixR: keep 0, 2..8.
        let order: Vec<u16> = [0u16, 2, 3, 4, 5, 6, 7].to_vec();
        let fmt_chunk = header.find(b"fmt ").expect("fmt chunk");
        let original = rollcall_wav::read_payload(&mut Cursor::new(&bytes), fmt_chunk, 1 << 10)
            .expect("fmt payload");
        let fmt = Fmt::relaid(&header.fmt, order.len() as u16);
        let layout: Vec<OutChunk> = identity_layout(&header)
            .into_iter()
            .map(|c| match c {
                OutChunk::Copy(chunk) if &chunk.id == b"fmt " => OutChunk::New {
                    id: *b"fmt ",
                    payload: fmt.to_bytes(&original),
                },
                other => other,
            })
            .collect();
        (layout, Some(ChannelMap { order }))
    } else {
        (identity_layout(&header), None)
    };
    let options = rollcall_wav::WriteOptions::default();
    bencher
        .counter(divan::counter::BytesCount::new(header.data().size))
        .bench_local(|| {
            let mut src = Cursor::new(&bytes);
            write_file(
                &mut src,
                &header,
                &layout,
                map.as_ref(),
                &mut io::sink(),
                &options,
            )
            .expect("write")
        });
}

/// Plan of one file through the real plugins (rename + track-names): read, steps, render, checks.
#[divan::bench(args = ["names", "layout"])]
fn plan_one_file(bencher: Bencher, recipe: &str) {
    let fx = fixture();
    let (recipe_path, input) = match recipe {
        "names" => (&fx.names, fx.small.parent().expect("folder")),
        _ => (&fx.layout, fx.eight.parent().expect("folder")),
    };
    let (recipe, built) = steps(recipe_path);
    let walk = find_inputs(&[input.to_path_buf()], &recipe.input).expect("walk");
    let out = tempfile::tempdir().expect("out");
    let options = PlanOptions {
        out_root: out.path().to_path_buf(),
        vars: recipe.vars.clone(),
        derivation: "bench".to_string(),
        roll_scheme: rollcall_engine::roll_scheme(&recipe),
        keep_for_checks: false,
        supersede: false,
    };
    bencher.bench_local(|| plan(black_box(&walk), &built, &options).expect("plan"));
}

/// One plugin call (track-names) on a described take: the cost per file of crossing the ABI.
#[divan::bench]
fn plugin_call(bencher: Bencher) {
    let fx = fixture();
    let (_recipe, built) = steps(&fx.names);
    let take = SourceTake::read(&fx.small)
        .expect("take")
        .describe("", &Default::default());
    let step = &built.get(1).expect("track-names step").step;
    bencher.bench_local(|| step.apply(black_box(&take)).expect("edits"));
}
