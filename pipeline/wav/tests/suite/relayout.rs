//! Channel permutation and drop, checked from the outside with `hound`.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use std::io::Cursor;

use rollcall_wav::{
    digest_audio, identity_layout, read_header, write_file, ChannelMap, Header, OutChunk, WavError,
    WriteOptions,
};

const SOURCE_CHANNELS: u16 = 5;
const FRAMES: u32 = 1013;
const ORDER: [u16; 3] = [3, 0, 4];

fn spec(bits: u16, float: bool) -> hound::WavSpec {
    hound::WavSpec {
        channels: SOURCE_CHANNELS,
        sample_rate: 48_000,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

/// A distinct integer for each (frame, channel), within `bits` signed range.
fn int_sample(frame: u32, channel: u16, bits: u16) -> i32 {
    let raw = (frame as i64 * 7919 + i64::from(channel) * 104_729) as i32;
    let shift = 32 - u32::from(bits);
    (raw << shift) >> shift
}

fn float_sample(frame: u32, channel: u16) -> f32 {
    frame as f32 * 0.000_91 - f32::from(channel) * 0.25
}

fn hound_source(bits: u16, float: bool) -> Vec<u8> {
    let mut cursor = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cursor, spec(bits, float)).expect("hound writer");
        for f in 0..FRAMES {
            for c in 0..SOURCE_CHANNELS {
                if float {
                    w.write_sample(float_sample(f, c)).expect("sample");
                } else {
                    w.write_sample(int_sample(f, c, bits)).expect("sample");
                }
            }
        }
        w.finalize().expect("finalize");
    }
    cursor.into_inner()
}

/// The layout a channel-layout step builds: new fmt, other chunks copied, audio re-laid.
fn relaid_layout(header: &Header, channels: u16) -> Vec<OutChunk> {
    let fmt = header.fmt.relaid(channels);
    header
        .chunks
        .iter()
        .enumerate()
        .filter(|(_, c)| &c.id != b"ds64")
        .map(|(i, c)| {
            if i == header.data_index {
                OutChunk::Audio
            } else if &c.id == b"fmt " {
                OutChunk::New {
                    id: *b"fmt ",
                    payload: fmt.to_bytes(&header.fmt_payload),
                }
            } else {
                OutChunk::Copy(c.clone())
            }
        })
        .collect()
}

fn check_permutation(bits: u16, float: bool) {
    let source = hound_source(bits, float);
    let header = read_header(&mut Cursor::new(&source)).expect("header");
    let map = ChannelMap {
        order: ORDER.to_vec(),
    };
    let mut out = Vec::new();
    // A block size that is not a whole number of frames, so many blocks and the rounding are exercised.
    let opts = WriteOptions {
        block_bytes: 1000,
        ..WriteOptions::default()
    };
    let report = write_file(
        &mut Cursor::new(&source),
        &header,
        &relaid_layout(&header, ORDER.len() as u16),
        Some(&map),
        &mut out,
        &opts,
    )
    .expect("write");
    assert_eq!(report.bytes_written, out.len() as u64);

    let mut reader = hound::WavReader::new(Cursor::new(&out)).expect("hound reads our output");
    let s = reader.spec();
    assert_eq!(
        (s.channels, s.bits_per_sample, s.sample_rate),
        (ORDER.len() as u16, bits, 48_000)
    );
    assert_eq!(reader.duration(), FRAMES);
    if float {
        let got: Vec<f32> = reader
            .samples::<f32>()
            .map(|x| x.expect("sample"))
            .collect();
        let want: Vec<f32> = (0..FRAMES)
            .flat_map(|f| ORDER.iter().map(move |&c| float_sample(f, c)))
            .collect();
        assert_eq!(got.len(), want.len());
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "float samples differ"
        );
    } else {
        let got: Vec<i32> = reader
            .samples::<i32>()
            .map(|x| x.expect("sample"))
            .collect();
        let want: Vec<i32> = (0..FRAMES)
            .flat_map(|f| ORDER.iter().map(move |&c| int_sample(f, c, bits)))
            .collect();
        assert_eq!(got, want);
    }

    // Digests: output channel i hashes like source channel ORDER[i].
    let again = read_header(&mut Cursor::new(&out)).expect("re-read");
    let output_audio = digest_audio(&mut Cursor::new(&out), &again).expect("digest");
    let source_audio = digest_audio(&mut Cursor::new(&source), &header).expect("digest");
    for (i, &c) in ORDER.iter().enumerate() {
        assert_eq!(
            output_audio.channels[i],
            source_audio.channels[usize::from(c)]
        );
    }
    assert_eq!(report.frames, header.frames());
    assert_ne!(source_audio.channels[1], source_audio.channels[2]);
}

#[test]
fn permute_and_drop_16_bit() {
    check_permutation(16, false);
}

#[test]
fn permute_and_drop_24_bit() {
    check_permutation(24, false);
}

#[test]
fn permute_and_drop_32_bit_float() {
    check_permutation(32, true);
}

#[test]
fn permute_and_drop_32_bit_int_and_8_bit() {
    check_permutation(32, false);
    check_permutation(8, false);
}

#[test]
fn a_map_needs_a_matching_new_fmt() {
    let source = hound_source(16, false);
    let header = read_header(&mut Cursor::new(&source)).expect("header");
    let map = ChannelMap {
        order: ORDER.to_vec(),
    };
    let opts = WriteOptions::default();
    let write = |layout: &[OutChunk], map: &ChannelMap| {
        write_file(
            &mut Cursor::new(&source),
            &header,
            layout,
            Some(map),
            &mut Vec::new(),
            &opts,
        )
    };
    // The source fmt copied: refused.
    let err = write(&identity_layout(&header), &map).expect_err("copied fmt with a map");
    assert!(matches!(err, WavError::Layout(_)), "{err}");
    assert!(err.to_string().contains("OutChunk::New"), "{err}");
    // A new fmt with the wrong channel count: refused.
    let err = write(&relaid_layout(&header, 2), &map).expect_err("wrong channel count");
    assert!(
        err.to_string()
            .contains("says 2 channels but the audio has 3"),
        "{err}"
    );
    // A source channel that does not exist: refused.
    let bad = ChannelMap { order: vec![0, 5] };
    let err = write(&relaid_layout(&header, 2), &bad).expect_err("channel 5");
    assert!(
        err.to_string().contains("source channel 5 does not exist"),
        "{err}"
    );
    // No audio in the layout: refused.
    let layout: Vec<OutChunk> = relaid_layout(&header, 3)
        .into_iter()
        .filter(|c| !matches!(c, OutChunk::Audio))
        .collect();
    let err = write(&layout, &map).expect_err("no audio");
    assert!(err.to_string().contains("exactly once"), "{err}");
}

#[test]
fn partial_trailing_frame_is_copied_without_map_and_dropped_with_one() {
    // 24-bit mono whose data (11140 bytes) ends one byte into a frame.
    let bytes = std::fs::read(common::corpus("go-audio-wav/fixtures/padded24b.wav")).expect("read");
    let header = read_header(&mut Cursor::new(&bytes)).expect("header");
    assert_eq!(header.data().size, 11140);
    let mut verbatim = Vec::new();
    write_file(
        &mut Cursor::new(&bytes),
        &header,
        &identity_layout(&header),
        None,
        &mut verbatim,
        &WriteOptions::default(),
    )
    .expect("write");
    let h1 = read_header(&mut Cursor::new(&verbatim)).expect("re-read");
    assert_eq!(h1.data().size, 11140);
    let start = header.data().payload_offset() as usize;
    let start1 = h1.data().payload_offset() as usize;
    assert_eq!(
        verbatim[start1..start1 + 11140],
        bytes[start..start + 11140]
    );

    let mut mapped = Vec::new();
    let map = ChannelMap { order: vec![0] };
    write_file(
        &mut Cursor::new(&bytes),
        &header,
        &relaid_layout(&header, 1),
        Some(&map),
        &mut mapped,
        &WriteOptions::default(),
    )
    .expect("write");
    let h2 = read_header(&mut Cursor::new(&mapped)).expect("re-read");
    assert_eq!(h2.data().size, 11139);
    let start2 = h2.data().payload_offset() as usize;
    assert_eq!(mapped[start2..start2 + 11139], bytes[start..start + 11139]);
    assert_eq!(mapped[start2 + 11139], 0, "pad byte after the odd data");
}
