//! Every hard limit on what a file can claim: refused with an error naming the limit.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use std::io::Cursor;

use rollcall_wav::{
    digest_audio, identity_layout, read_header, read_payload, write_file, ChannelMap, Chunk,
    WavError, WriteOptions, MAX_CHANNELS, MAX_CHUNKS, MAX_METADATA_CHUNK,
};

/// A RIFF WAVE file from `(id, payload)` chunks (pad bytes added, RIFF size correct).
fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (id, payload) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        body.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A PCM fmt payload for `channels` channels of `bits`-bit samples at 48 kHz.
fn pcm_fmt(channels: u16, bits: u16) -> Vec<u8> {
    let block_align = channels.wrapping_mul(bits.div_ceil(8));
    let mut f = Vec::new();
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&48_000u32.to_le_bytes());
    f.extend_from_slice(&(48_000u32 * u32::from(block_align)).to_le_bytes());
    f.extend_from_slice(&block_align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f
}

#[test]
fn more_chunks_than_the_limit_are_refused() {
    let mut chunks: Vec<(&[u8; 4], Vec<u8>)> = vec![(b"fmt ", pcm_fmt(1, 16))];
    for _ in 0..MAX_CHUNKS {
        chunks.push((b"JUNK", Vec::new()));
    }
    chunks.push((b"data", vec![0; 4]));
    let err = read_header(&mut Cursor::new(riff(&chunks))).expect_err("too many chunks");
    assert!(matches!(err, WavError::TooManyChunks(MAX_CHUNKS)), "{err}");
    assert!(err.to_string().contains("4096 chunks"), "{err}");

    // Exactly MAX_CHUNKS chunks (fmt, JUNK..., data) are read.
    chunks.truncate(MAX_CHUNKS - 1);
    chunks.push((b"data", vec![0; 4]));
    let header = read_header(&mut Cursor::new(riff(&chunks))).expect("at the limit");
    assert_eq!(header.chunks.len(), MAX_CHUNKS);
}

#[test]
fn a_payload_over_the_limit_is_never_allocated() {
    // The chunk claims more than the limit; the reader has no bytes at all, so any read would fail
    // with an I/O error instead of ChunkTooLarge.
    let chunk = Chunk {
        id: *b"iXML",
        offset: 12,
        size: MAX_METADATA_CHUNK + 1,
        pad: true,
    };
    let err = read_payload(
        &mut Cursor::new(Vec::<u8>::new()),
        &chunk,
        MAX_METADATA_CHUNK,
    )
    .expect_err("over the limit");
    assert!(
        matches!(err, WavError::ChunkTooLarge { size, limit, .. } if size == MAX_METADATA_CHUNK + 1 && limit == MAX_METADATA_CHUNK),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("more than the 16777216-byte limit"),
        "{err}"
    );
    let huge = Chunk {
        size: u64::MAX - 100,
        ..chunk
    };
    assert!(matches!(
        read_payload(&mut Cursor::new(Vec::<u8>::new()), &huge, u64::MAX),
        Err(WavError::Truncated { .. })
    ));
}

#[test]
fn a_fmt_or_ds64_chunk_over_64_kib_is_refused() {
    let mut fmt = pcm_fmt(1, 16);
    fmt.resize(70_000, 0);
    let file = riff(&[(b"fmt ", fmt), (b"data", vec![0; 4])]);
    let err = read_header(&mut Cursor::new(file)).expect_err("huge fmt");
    assert!(
        matches!(&err, WavError::ChunkTooLarge { id, limit: 65536, .. } if id == "fmt "),
        "{err}"
    );
}

#[test]
fn more_channels_than_the_limit_are_refused() {
    // 65535 channels of 8-bit: block_align 65535 is consistent, but the channel count is not allowed.
    let file = riff(&[(b"fmt ", pcm_fmt(65_535, 8)), (b"data", vec![0; 8])]);
    let err = read_header(&mut Cursor::new(file)).expect_err("65535 channels");
    assert!(
        matches!(
            err,
            WavError::TooManyChannels {
                channels: 65_535,
                limit: MAX_CHANNELS
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("more than the 1024-channel limit"),
        "{err}"
    );

    // At the limit the file is read, digested and rewritten.
    let file = riff(&[
        (b"fmt ", pcm_fmt(MAX_CHANNELS, 8)),
        (b"data", vec![7; 2048]),
    ]);
    let mut cur = Cursor::new(file);
    let header = read_header(&mut cur).expect("1024 channels");
    let digest = digest_audio(&mut cur, &header).expect("digest");
    assert_eq!(digest.channels.len(), usize::from(MAX_CHANNELS));
    let report = write_file(
        &mut cur,
        &header,
        &identity_layout(&header),
        None,
        &mut std::io::sink(),
        &WriteOptions::default(),
    )
    .expect("write");
    assert_eq!(report.frames, 2);

    // A header built by hand past the limit is refused by the digest and the writer too.
    let mut forged = header.clone();
    forged.fmt.channels = 2000;
    forged.fmt.block_align = 2000;
    let err = digest_audio(&mut cur, &forged).expect_err("digest over the limit");
    assert!(matches!(err, WavError::TooManyChannels { .. }), "{err}");
    let err = write_file(
        &mut cur,
        &forged,
        &identity_layout(&forged),
        None,
        &mut std::io::sink(),
        &WriteOptions::default(),
    )
    .expect_err("write over the limit");
    assert!(matches!(err, WavError::TooManyChannels { .. }), "{err}");
}

#[test]
fn a_channel_map_over_the_limit_is_refused() {
    let file = riff(&[(b"fmt ", pcm_fmt(2, 16)), (b"data", vec![0; 8])]);
    let mut cur = Cursor::new(file);
    let header = read_header(&mut cur).expect("stereo");
    let map = ChannelMap {
        order: vec![0; usize::from(MAX_CHANNELS) + 1],
    };
    let err = write_file(
        &mut cur,
        &header,
        &identity_layout(&header),
        Some(&map),
        &mut std::io::sink(),
        &WriteOptions::default(),
    )
    .expect_err("map over the limit");
    assert!(
        matches!(err, WavError::TooManyChannels { channels: 1025, .. }),
        "{err}"
    );
}
