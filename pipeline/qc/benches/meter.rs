//! `cargo bench -p rollcall-qc`: the meter's throughput on 10 s of 8-channel 48 kHz audio, fed in
//! 1 MiB blocks as the engine reads it.

use divan::{black_box, counter::BytesCount, Bencher};
use rollcall_qc::{QcFormat, QcMeter, QcSettings, SampleEncoding};

fn main() {
    divan::main();
}

const FRAMES: usize = 480_000;
const CHANNELS: u16 = 8;

/// Deterministic noisy audio at about -12 dBFS in `bits`-bit containers.
fn audio(bits: u16, float: bool) -> Vec<u8> {
    let width = usize::from(bits / 8);
    let mut state = 7u64;
    let mut out = Vec::with_capacity(FRAMES * usize::from(CHANNELS) * width);
    for _ in 0..FRAMES * usize::from(CHANNELS) {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.5;
        if float {
            out.extend_from_slice(&(x as f32).to_le_bytes());
        } else {
            let v = (x * 2f64.powi(i32::from(bits) - 1)) as i64;
            out.extend_from_slice(&v.to_le_bytes()[..width]);
        }
    }
    out
}

fn run(bencher: Bencher, bits: u16, float: bool, settings: QcSettings) {
    let bytes = audio(bits, float);
    let format = QcFormat {
        channels: CHANNELS,
        bits_per_sample: bits,
        valid_bits: None,
        block_align: CHANNELS * bits / 8,
        encoding: if float {
            SampleEncoding::Float
        } else {
            SampleEncoding::Int
        },
        sample_rate: 48_000,
        expected_frames: FRAMES as u64,
    };
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench_local(|| {
            let mut meter = QcMeter::new(&format, &settings, None).expect("format");
            for block in bytes.chunks(1 << 20) {
                meter.feed(black_box(block));
            }
            meter.finish()
        });
}

/// Peaks, clipped runs, silence and envelope at each integer width.
#[divan::bench(args = [16, 24, 32])]
fn int_8ch(bencher: Bencher, bits: u16) {
    run(bencher, bits, false, QcSettings::default());
}

/// The same over 32-bit float.
#[divan::bench]
fn float32_8ch(bencher: Bencher) {
    run(bencher, 32, true, QcSettings::default());
}

/// 24-bit with the loudness and true peak of channel 1 on as well.
#[divan::bench]
fn int24_8ch_with_loudness(bencher: Bencher) {
    let settings = QcSettings {
        loudness: true,
        ..QcSettings::default()
    };
    run(bencher, 24, false, settings);
}
