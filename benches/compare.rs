//! `cargo bench --bench compare`: rollcall against `cp -r` + `sync` of the same files, side by side.
//!
//! Makes SMALL (2,000 two-track 24-bit takes of 1 s) and BIG (8 eight-track 24-bit takes of 120 s,
//! Sound Devices layout MixL, MixR, Boom, Lav1-5) in a temp folder. Each round runs, one after the
//! other, every command below; a rollcall row's ratio is taken within the round against that round's
//! `cp -r` + `sync` of the same set, and the table gives the median of the per-round ratios with
//! their spread (lowest-highest), so the machine's drift between rounds cancels out:
//! - BIG: copy-and-verify (no steps; manifest and QC on, as by default);
//! - BIG: re-layout (channel-layout, drop MixR) with QC and the manifest, and with QC off;
//! - SMALL: rename + track-names with the manifest;
//! - SMALL: `inspect --json` (files/s) and `audit` (headers only; ratio against inspect);
//! - peak memory and CPU use of the rollcall runs (`/usr/bin/time -v`, when installed);
//! - `sox remix` and `ffmpeg channelmap` over BIG (when installed and not `--no-tools`).
//!
//! Options (after `--`): `--rounds N` (default 5), `--smoke` (tiny sizes, one round: checks the
//! command works), `--dir DIR` (where the temp folder goes; default the system temp folder),
//! `--data DIR` (keep the files in DIR and reuse them on the next run), `--no-tools` (skip sox and
//! ffmpeg), `--only big|small` (one set).
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;
use rollgen::{write_take, RecorderStyle, TakeSpec, TrackSpec};

/// Sizes of one comparison.
struct Sizes {
    small_files: usize,
    small_frames: u64,
    big_files: usize,
    big_frames: u64,
}

const FULL: Sizes = Sizes {
    small_files: 2_000,
    small_frames: 48_000,
    big_files: 8,
    big_frames: 48_000 * 120,
};

const SMOKE: Sizes = Sizes {
    small_files: 40,
    small_frames: 4_800,
    big_files: 2,
    big_frames: 48_000,
};

/// Command-line settings.
struct Settings {
    rounds: usize,
    sizes: Sizes,
    dir: Option<PathBuf>,
    data: Option<PathBuf>,
    tools: bool,
    big: bool,
    small: bool,
}

fn settings() -> Settings {
    let mut settings = Settings {
        rounds: 5,
        sizes: FULL,
        dir: None,
        data: None,
        tools: true,
        big: true,
        small: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                settings.rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(settings.rounds)
                    .max(1)
            }
            "--smoke" => {
                settings.sizes = SMOKE;
                settings.rounds = 1;
            }
            "--dir" => settings.dir = args.next().map(PathBuf::from),
            "--data" => settings.data = args.next().map(PathBuf::from),
            "--no-tools" => settings.tools = false,
            "--only" => match args.next().as_deref() {
                Some("big") => settings.small = false,
                Some("small") => settings.big = false,
                _ => {}
            },
            // `cargo bench` passes `--bench`; ignore it and anything else.
            _ => {}
        }
    }
    settings
}

/// One timed command: wall time, and peak memory and CPU share when `/usr/bin/time` ran it.
#[derive(Clone, Copy, Default)]
struct Measure {
    seconds: f64,
    max_rss_kib: Option<u64>,
    cpu_percent: Option<u64>,
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn sync() {
    let _ = Command::new("sync").status();
}

/// Runs `command` (wrapped in `/usr/bin/time -v` when `timed` is set and it exists); panics on failure.
fn measure(command: Command, timed: bool) -> Measure {
    let time_v = Path::new("/usr/bin/time");
    let wrap = timed && time_v.exists();
    let mut run = if wrap {
        let mut wrapper = Command::new(time_v);
        wrapper.arg("-v").arg(command.get_program());
        wrapper.args(command.get_args());
        wrapper
    } else {
        command
    };
    run.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let output = run.output().expect("the command starts");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{run:?} failed: {}",
        stderr.lines().take(20).collect::<Vec<_>>().join("\n")
    );
    let field = |name: &str| {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().trim_end_matches('%').trim())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Measure {
        seconds,
        max_rss_kib: field("Maximum resident set size (kbytes):"),
        cpu_percent: field("Percent of CPU this job got:"),
    }
}

/// `cp -r SRC DST && sync`, as one shell command.
fn copy_and_sync(src: &Path, dst: &Path) -> Measure {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("cp -r \"$1\" \"$2\" && sync")
        .arg("sh")
        .arg(src)
        .arg(dst);
    measure(command, false)
}

fn remove(path: &Path) {
    if path.exists() {
        fs::remove_dir_all(path).expect("removing a bench output");
    }
    sync();
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("listing a bench folder")
        .map(|e| e.expect("a folder entry").path())
        .collect();
    files.sort();
    files
}

fn bytes_in(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .map(|f| fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum()
}

fn generate(root: &Path, sizes: &Sizes) -> (PathBuf, PathBuf) {
    let small = root.join("SMALL");
    let big = root.join("BIG");
    fs::create_dir_all(&small).expect("SMALL folder");
    fs::create_dir_all(&big).expect("BIG folder");
    (0..sizes.small_files).into_par_iter().for_each(|i| {
        let scene = format!("{}", i / 10 + 1);
        let take = format!("{}", i % 10 + 1);
        let mut spec = TakeSpec::new(
            RecorderStyle::SoundDevices,
            &scene,
            &take,
            vec![TrackSpec::new(1, "Boom"), TrackSpec::new(2, "Lav1")],
        );
        spec.frames = sizes.small_frames;
        spec.seed = i as u64 + 1;
        spec.tape = "SMALL01".to_string();
        write_take(&small.join(format!("S{i:05}.WAV")), &spec).expect("writing a SMALL take");
    });
    let names = [
        "MixL", "MixR", "Boom", "Lav1", "Lav2", "Lav3", "Lav4", "Lav5",
    ];
    (0..sizes.big_files).into_par_iter().for_each(|i| {
        let tracks = names
            .iter()
            .enumerate()
            .map(|(c, name)| TrackSpec::new(c as u32 + 1, name))
            .collect();
        let scene = format!("{}", 100 + i);
        let mut spec = TakeSpec::new(RecorderStyle::SoundDevices, &scene, "1", tracks);
        spec.frames = sizes.big_frames;
        spec.seed = 1000 + i as u64;
        spec.tape = "BIG01".to_string();
        write_take(&big.join(format!("B{i:02}.WAV")), &spec).expect("writing a BIG take");
    });
    sync();
    (small, big)
}

fn write_recipes(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let copy = root.join("copy.toml");
    fs::write(&copy, "[recipe]\nname = \"bench copy and verify\"\n").expect("copy recipe");
    let layout = root.join("layout.toml");
    fs::write(
        &layout,
        "[recipe]\nname = \"bench layout\"\n\n[[step]]\nplugin = \"channel-layout\"\n\
         mix = [\"MixL\", \"MixR\"]\nboom = [\"Boom*\"]\ndrop = [\"MixR\"]\n",
    )
    .expect("layout recipe");
    fs::write(
        root.join("cast.csv"),
        "track,character,mic\nLav1,ZOË,COS-11D\nBoom,BOOM,MKH 50\n",
    )
    .expect("cast list");
    let names = root.join("names.toml");
    fs::write(
        &names,
        "[recipe]\nname = \"bench names\"\n\n[[step]]\nplugin = \"rename\"\n\
         template = \"{scene}_T{take:03}\"\n\n[[step]]\nplugin = \"track-names\"\n\
         csv = \"cast.csv\"\n",
    )
    .expect("names recipe");
    (copy, layout, names)
}

fn rollcall() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
}

fn plugin_dir() -> PathBuf {
    std::env::current_exe()
        .expect("the bench has a path")
        .parent()
        .expect("the bench is in a folder")
        .to_path_buf()
}

fn rollcall_run(recipe: &Path, input: &Path, out: &Path) -> Measure {
    rollcall_run_with(recipe, input, out, &[])
}

fn rollcall_run_with(recipe: &Path, input: &Path, out: &Path, extra: &[&str]) -> Measure {
    let mut command = rollcall();
    command
        .arg("run")
        .arg(recipe)
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args(extra);
    measure(command, true)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// All measures of one row of the table, one per round.
#[derive(Default)]
struct Row {
    seconds: Vec<f64>,
    max_rss_kib: Option<u64>,
    cpu_percent: Vec<u64>,
}

impl Row {
    fn push(&mut self, m: Measure) {
        self.seconds.push(m.seconds);
        if let Some(rss) = m.max_rss_kib {
            self.max_rss_kib = Some(self.max_rss_kib.map_or(rss, |r| r.max(rss)));
        }
        if let Some(cpu) = m.cpu_percent {
            self.cpu_percent.push(cpu);
        }
    }
    fn median(&self) -> f64 {
        median(&mut self.seconds.clone())
    }
    /// Median and spread of this row's per-round ratios to `base`'s same round.
    fn ratio(&self, base: &Row) -> String {
        let mut ratios: Vec<f64> = self
            .seconds
            .iter()
            .zip(&base.seconds)
            .map(|(t, b)| t / b)
            .collect();
        if ratios.is_empty() {
            return "-".to_string();
        }
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        format!("{:.2}x ({low:.2}-{high:.2})", median(&mut ratios))
    }
    fn cpu(&self) -> String {
        let mut c: Vec<f64> = self.cpu_percent.iter().map(|&c| c as f64).collect();
        if c.is_empty() {
            "-".to_string()
        } else {
            format!("{:.0}%", median(&mut c))
        }
    }
    fn rss(&self) -> String {
        self.max_rss_kib
            .map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    }
}

/// Runs `tool` once per file of `files` into `out`, then `sync`: sox or ffmpeg re-laying BIG.
fn each_file_then_sync(
    files: &[PathBuf],
    out: &Path,
    command: impl Fn(&Path, &Path) -> Command,
) -> Measure {
    fs::create_dir_all(out).expect("tool output folder");
    let started = Instant::now();
    for file in files {
        measure(
            command(file, &out.join(file.file_name().expect("a file name"))),
            false,
        );
    }
    sync();
    Measure {
        seconds: started.elapsed().as_secs_f64(),
        ..Measure::default()
    }
}

fn main() {
    let settings = settings();
    let sizes = &settings.sizes;
    let temp = match &settings.dir {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("a temp folder");
    let root = settings.data.as_deref().unwrap_or(temp.path());
    eprintln!(
        "compare: generating SMALL ({} x {} frames, 2 tracks) and BIG ({} x {} frames, 8 tracks) in {}",
        sizes.small_files,
        sizes.small_frames,
        sizes.big_files,
        sizes.big_frames,
        root.display()
    );
    let started = Instant::now();
    let (small, big) = if root.join("READY").exists() {
        (root.join("SMALL"), root.join("BIG"))
    } else {
        let made = generate(root, sizes);
        fs::write(root.join("READY"), "").expect("marker");
        made
    };
    eprintln!(
        "compare: generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (copy, layout, names) = write_recipes(root);
    let small_files = files_in(&small);
    let big_files = files_in(&big);
    let small_bytes = bytes_in(&small_files);
    let big_bytes = bytes_in(&big_files);
    let sox = settings.big && settings.tools && have("sox");
    let ffmpeg = settings.big && settings.tools && have("ffmpeg");

    let mut cp_big = Row::default();
    let mut verify_big = Row::default();
    let mut run_big = Row::default();
    let mut run_big_no_qc = Row::default();
    let mut cp_small = Row::default();
    let mut run_small = Row::default();
    let mut inspect = Row::default();
    let mut audit = Row::default();
    let mut sox_big = Row::default();
    let mut ffmpeg_big = Row::default();
    let out = root.join("out");
    for round in 0..settings.rounds {
        eprintln!("compare: round {}/{}", round + 1, settings.rounds);
        if settings.big {
            remove(&out);
            cp_big.push(copy_and_sync(&big, &out));
            remove(&out);
            verify_big.push(rollcall_run(&copy, &big, &out));
            remove(&out);
            run_big.push(rollcall_run(&layout, &big, &out));
            remove(&out);
            run_big_no_qc.push(rollcall_run_with(
                &layout,
                &big,
                &out,
                &["--set", "qc.enabled=false"],
            ));
            remove(&out);
            if sox {
                sox_big.push(each_file_then_sync(&big_files, &out, |file, to| {
                    let mut command = Command::new("sox");
                    command
                        .arg(file)
                        .arg(to)
                        .args(["remix", "1", "3", "4", "5", "6", "7", "8"]);
                    command
                }));
                remove(&out);
            }
            if ffmpeg {
                ffmpeg_big.push(each_file_then_sync(&big_files, &out, |file, to| {
                    let mut command = Command::new("ffmpeg");
                    command
                        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
                        .arg(file)
                        .args([
                            "-af",
                            "channelmap=map=0|2|3|4|5|6|7:channel_layout=7.0",
                            "-c:a",
                            "pcm_s24le",
                        ])
                        .arg(to);
                    command
                }));
                remove(&out);
            }
        }
        if settings.small {
            remove(&out);
            cp_small.push(copy_and_sync(&small, &out));
            remove(&out);
            run_small.push(rollcall_run(&names, &small, &out));
            remove(&out);
            let mut command = rollcall();
            command.arg("inspect").arg("--json").args(&small_files);
            inspect.push(measure(command, true));
            let mut command = rollcall();
            command
                .arg("audit")
                .arg(&names)
                .arg(&small)
                .arg("--plugin-dir")
                .arg(plugin_dir());
            audit.push(measure(command, true));
        }
    }
    remove(&out);

    let mb = |bytes: u64, seconds: f64| bytes as f64 / 1e6 / seconds;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "BIG = {} x {:.0} MiB (8 tracks, 24 bit, {} s); SMALL = {} x {:.0} KiB (2 tracks, {} s); \
         {} rounds; ratio = median of the per-round ratios (lowest-highest)",
        sizes.big_files,
        big_bytes as f64 / sizes.big_files.max(1) as f64 / 1048576.0,
        sizes.big_frames / 48_000,
        sizes.small_files,
        small_bytes as f64 / sizes.small_files.max(1) as f64 / 1024.0,
        sizes.small_frames as f64 / 48_000.0,
        settings.rounds
    );
    let _ = writeln!(table);
    let _ = writeln!(
        table,
        "| what | median s | ratio | MB/s | files/s | CPU | peak RSS |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|---|---|");
    let mut line = |name: &str, row: &Row, base: Option<&Row>, bytes: u64, files: usize| {
        if row.seconds.is_empty() {
            return;
        }
        let t = row.median();
        let ratio = base.map_or("-".to_string(), |b| row.ratio(b));
        let _ = writeln!(
            table,
            "| {name} | {t:.3} | {ratio} | {:.0} | {:.0} | {} | {} |",
            mb(bytes, t),
            files as f64 / t,
            row.cpu(),
            row.rss()
        );
    };
    let (bb, bf) = (big_bytes, big_files.len());
    let (sb, sf) = (small_bytes, small_files.len());
    line("BIG: cp -r + sync", &cp_big, None, bb, bf);
    line(
        "BIG: copy-and-verify (manifest, QC)",
        &verify_big,
        Some(&cp_big),
        bb,
        bf,
    );
    line(
        "BIG: re-layout, drop MixR (manifest, QC)",
        &run_big,
        Some(&cp_big),
        bb,
        bf,
    );
    line(
        "BIG: re-layout, QC off",
        &run_big_no_qc,
        Some(&cp_big),
        bb,
        bf,
    );
    line("BIG: sox remix", &sox_big, Some(&cp_big), bb, bf);
    line("BIG: ffmpeg channelmap", &ffmpeg_big, Some(&cp_big), bb, bf);
    line("SMALL: cp -r + sync", &cp_small, None, sb, sf);
    line(
        "SMALL: rename + track-names (manifest, QC)",
        &run_small,
        Some(&cp_small),
        sb,
        sf,
    );
    line("SMALL: inspect --json", &inspect, None, sb, sf);
    line(
        "SMALL: audit (ratio vs inspect)",
        &audit,
        Some(&inspect),
        sb,
        sf,
    );
    println!("{table}");
    let _ = std::io::Write::flush(&mut std::io::stdout());
}
