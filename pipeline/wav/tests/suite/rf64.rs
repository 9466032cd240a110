//! RF64 / BW64 output: lowered threshold, small 64-bit sources, ds64 tables and a real >4 GiB stream.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

use rollcall_wav::{
    digest_audio, identity_layout, read_header, read_payload, write_file, ChannelMap, Container,
    Header, OutChunk, WriteOptions,
};

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn non_ds64_payloads(bytes: &[u8], header: &Header) -> Vec<([u8; 4], Vec<u8>)> {
    let mut cur = Cursor::new(bytes);
    header
        .chunks
        .iter()
        .filter(|c| &c.id != b"ds64")
        .map(|c| (c.id, read_payload(&mut cur, c, u64::MAX).expect("payload")))
        .collect()
}

fn rewrite(bytes: &[u8], opts: &WriteOptions) -> (Vec<u8>, rollcall_wav::WriteReport) {
    let header = read_header(&mut Cursor::new(bytes)).expect("header");
    let mut out = Vec::new();
    let report = write_file(
        &mut Cursor::new(bytes),
        &header,
        &identity_layout(&header),
        None,
        &mut out,
        opts,
    )
    .expect("write");
    (out, report)
}

#[test]
fn lowered_threshold_writes_rf64_with_a_correct_ds64() {
    let bytes = std::fs::read(common::corpus(
        "wavinfo/tests/test_files/sounddevices/A101_1.WAV",
    ))
    .expect("read");
    let source = read_header(&mut Cursor::new(&bytes)).expect("header");
    assert_eq!(source.container, Container::Riff);
    let opts = WriteOptions {
        rf64_threshold: 1000,
        ..WriteOptions::default()
    };
    let (out, report) = rewrite(&bytes, &opts);
    assert_eq!(report.container, Container::Rf64);
    assert_eq!(&out[0..4], b"RF64");
    assert_eq!(u32_at(&out, 4), u32::MAX);
    assert_eq!(&out[8..16], b"WAVEds64");
    assert_eq!(u32_at(&out, 16), 28);
    assert_eq!(u64_at(&out, 20), out.len() as u64 - 8, "ds64 riff size");
    assert_eq!(u64_at(&out, 28), source.data().size, "ds64 data size");
    assert_eq!(u64_at(&out, 36), source.frames(), "ds64 sample count");
    assert_eq!(u32_at(&out, 44), 0, "ds64 table length");
    let again = read_header(&mut Cursor::new(&out)).expect("re-read");
    assert_eq!(again.container, Container::Rf64);
    assert_eq!(again.chunks[0].id_str(), "ds64");
    let data_header = again.data().offset as usize;
    assert_eq!(
        u32_at(&out, data_header + 4),
        u32::MAX,
        "data size lives in ds64"
    );
    assert_eq!(again.data().size, source.data().size);
    assert_eq!(
        non_ds64_payloads(&bytes, &source),
        non_ds64_payloads(&out, &again)
    );
    assert_eq!(
        digest_audio(&mut Cursor::new(&out), &again).expect("digest"),
        digest_audio(&mut Cursor::new(&bytes), &source).expect("digest")
    );
    assert_eq!(report.frames, source.frames());

    // A small RF64 source stays RF64 with a fresh ds64 under the default threshold.
    let (second, report2) = rewrite(&out, &WriteOptions::default());
    assert_eq!(report2.container, Container::Rf64);
    assert_eq!(second, out);
}

#[test]
fn small_rf64_corpus_file_stays_rf64() {
    let bytes = std::fs::read(common::corpus(
        "wavefile/test/files/RF64-64-bit-8kHz--mono-bext.wav",
    ))
    .expect("read");
    let (out, report) = rewrite(&bytes, &WriteOptions::default());
    assert_eq!(report.container, Container::Rf64);
    let again = read_header(&mut Cursor::new(&out)).expect("re-read");
    let ids: Vec<String> = again.chunks.iter().map(|c| c.id_str()).collect();
    assert_eq!(ids, ["ds64", "fmt ", "bext", "data"]);
    assert_eq!(u64_at(&out, 20), out.len() as u64 - 8);
}

#[test]
fn bw64_stays_bw64() {
    let bytes = std::fs::read(common::corpus(
        "libbw64/tests/test_data/rect_24bit_rf64.wav",
    ))
    .expect("read");
    let mut bw64 = bytes.clone();
    bw64[0..4].copy_from_slice(b"BW64");
    let header = read_header(&mut Cursor::new(&bw64)).expect("header");
    assert_eq!(header.container, Container::Bw64);
    let (out, report) = rewrite(&bw64, &WriteOptions::default());
    assert_eq!(report.container, Container::Bw64);
    assert_eq!(&out[0..4], b"BW64");
    let again = read_header(&mut Cursor::new(&out)).expect("re-read");
    assert_eq!(
        non_ds64_payloads(&bw64, &header),
        non_ds64_payloads(&out, &again)
    );
}

/// A hand-built RF64 file whose iXML size is 0xFFFFFFFF and resolved through the ds64 table.
fn rf64_with_table() -> Vec<u8> {
    let fmt: [u8; 16] = [1, 0, 2, 0, 0x80, 0xBB, 0, 0, 0, 0xEE, 2, 0, 4, 0, 16, 0];
    let data = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let ixml = b"<BWFXML/>"; // 9 bytes: odd, padded
    let mut b = Vec::new();
    b.extend_from_slice(b"RF64");
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    b.extend_from_slice(b"WAVEds64");
    b.extend_from_slice(&40u32.to_le_bytes());
    let riff_size_at = b.len();
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&(data.len() as u64).to_le_bytes());
    b.extend_from_slice(&2u64.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(b"iXML");
    b.extend_from_slice(&(ixml.len() as u64).to_le_bytes());
    b.extend_from_slice(b"fmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&fmt);
    b.extend_from_slice(b"data");
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    b.extend_from_slice(&data);
    b.extend_from_slice(b"iXML");
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    b.extend_from_slice(ixml);
    b.push(0);
    let riff_size = b.len() as u64 - 8;
    b[riff_size_at..riff_size_at + 8].copy_from_slice(&riff_size.to_le_bytes());
    b
}

#[test]
fn ds64_table_resolves_other_chunk_sizes() {
    let bytes = rf64_with_table();
    let header = read_header(&mut Cursor::new(&bytes)).expect("header");
    assert_eq!(header.container, Container::Rf64);
    assert_eq!(header.riff_size, bytes.len() as u64 - 8);
    let ixml = header.find(b"iXML").expect("iXML");
    assert_eq!((ixml.size, ixml.pad), (9, true));
    assert_eq!(
        read_payload(&mut Cursor::new(&bytes), ixml, 100).expect("payload"),
        b"<BWFXML/>"
    );
    assert_eq!(header.data().size, 8);
    assert_eq!(header.frames(), 2);
    // Re-written: small sizes go in the chunk headers, the table is empty.
    let (out, _) = rewrite(&bytes, &WriteOptions::default());
    let again = read_header(&mut Cursor::new(&out)).expect("re-read");
    assert_eq!(u32_at(&out, 44), 0);
    assert_eq!(
        non_ds64_payloads(&bytes, &header),
        non_ds64_payloads(&out, &again)
    );
    // read_payload refuses a size over its limit without allocating it.
    let err = read_payload(&mut Cursor::new(&bytes), ixml, 4).expect_err("limit");
    assert!(
        err.to_string().contains("more than the 4-byte limit"),
        "{err}"
    );
}

#[test]
fn rf64_with_table_entry_missing_is_refused() {
    let mut bytes = rf64_with_table();
    // Rename the table entry so the iXML size cannot be resolved.
    let at = 12 + 8 + 28;
    bytes[at..at + 4].copy_from_slice(b"xxxx");
    let err = read_header(&mut Cursor::new(&bytes)).expect_err("unresolvable size");
    assert!(
        err.to_string()
            .contains("iXML chunk size is 0xFFFFFFFF but ds64 has no entry"),
        "{err}"
    );
}

static ZEROS: [u8; 1 << 16] = [0; 1 << 16];

/// A source of `head`, then `data_len` zero bytes that are never stored, then `tail`.
struct SyntheticSource {
    head: Vec<u8>,
    data_len: u64,
    tail: Vec<u8>,
    pos: u64,
}

impl SyntheticSource {
    fn len(&self) -> u64 {
        self.head.len() as u64 + self.data_len + self.tail.len() as u64
    }
}

impl Read for SyntheticSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let head_len = self.head.len() as u64;
        let data_end = head_len + self.data_len;
        let n = if self.pos < head_len {
            let part = &self.head[self.pos as usize..];
            let n = part.len().min(buf.len());
            buf[..n].copy_from_slice(&part[..n]);
            n
        } else if self.pos < data_end {
            // copy_from_slice is a memcpy even unoptimised; a fill loop would dominate the test's time.
            let n = (data_end - self.pos).min(buf.len().min(ZEROS.len()) as u64) as usize;
            buf[..n].copy_from_slice(&ZEROS[..n]);
            n
        } else if self.pos < self.len() {
            let part = &self.tail[(self.pos - data_end) as usize..];
            let n = part.len().min(buf.len());
            buf[..n].copy_from_slice(&part[..n]);
            n
        } else {
            0
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SyntheticSource {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len().saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// Counts bytes and keeps the first 128 and the last 32.
#[derive(Default)]
struct CountingSink {
    count: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.head.len() < 128 {
            let n = (128 - self.head.len()).min(buf.len());
            self.head.extend_from_slice(&buf[..n]);
        }
        let keep = buf.len().min(32);
        self.tail.extend_from_slice(&buf[buf.len() - keep..]);
        let excess = self.tail.len().saturating_sub(32);
        self.tail.drain(..excess);
        self.count += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An RF64 stereo 16-bit source with `data_len` bytes of silence and an iXML chunk after the data.
fn big_source(data_len: u64) -> SyntheticSource {
    let tail = {
        let mut t = b"iXML".to_vec();
        t.extend_from_slice(&5u32.to_le_bytes());
        t.extend_from_slice(b"hello\0");
        t
    };
    let mut head = Vec::new();
    head.extend_from_slice(b"RF64");
    head.extend_from_slice(&u32::MAX.to_le_bytes());
    head.extend_from_slice(b"WAVEds64");
    head.extend_from_slice(&28u32.to_le_bytes());
    let riff_size = 4 + 36 + 24 + 8 + data_len + tail.len() as u64;
    head.extend_from_slice(&riff_size.to_le_bytes());
    head.extend_from_slice(&data_len.to_le_bytes());
    head.extend_from_slice(&(data_len / 4).to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes());
    head.extend_from_slice(b"fmt ");
    head.extend_from_slice(&16u32.to_le_bytes());
    head.extend_from_slice(&[1, 0, 2, 0, 0x80, 0xBB, 0, 0, 0, 0xEE, 2, 0, 4, 0, 16, 0]);
    head.extend_from_slice(b"data");
    head.extend_from_slice(&u32::MAX.to_le_bytes());
    SyntheticSource {
        head,
        data_len,
        tail,
        pos: 0,
    }
}

#[test]
fn streams_a_4_5_gib_file_as_rf64_without_storing_it() {
    let data_len: u64 = 4_831_838_208; // 4.5 GiB
    let mut src = big_source(data_len);
    let header = read_header(&mut src).expect("header");
    assert_eq!(header.container, Container::Rf64);
    assert_eq!(header.data().size, data_len);
    assert_eq!(header.find(b"iXML").map(|c| c.size), Some(5));
    let mut sink = CountingSink::default();
    let opts = WriteOptions {
        block_bytes: 4 << 20,
        ..WriteOptions::default()
    };
    let report = write_file(
        &mut src,
        &header,
        &identity_layout(&header),
        None,
        &mut sink,
        &opts,
    )
    .expect("write");
    let expected_len = 12 + 36 + 24 + 8 + data_len + 14;
    assert_eq!(report.container, Container::Rf64);
    assert_eq!(report.bytes_written, expected_len);
    assert_eq!(sink.count, expected_len);
    let h = &sink.head;
    assert_eq!(&h[0..4], b"RF64");
    assert_eq!(u32_at(h, 4), u32::MAX);
    assert_eq!(&h[8..16], b"WAVEds64");
    assert_eq!(u64_at(h, 20), expected_len - 8);
    assert_eq!(u64_at(h, 28), data_len);
    assert_eq!(u64_at(h, 36), data_len / 4);
    assert_eq!(&h[48..52], b"fmt ");
    assert_eq!(&h[72..76], b"data");
    assert_eq!(u32_at(h, 76), u32::MAX);
    assert_eq!(&sink.tail[sink.tail.len() - 14..], b"iXML\x05\0\0\0hello\0");
    assert_eq!(report.frames, data_len / 4);
}

/// A RIFF stereo 16-bit source with `data_len` bytes of silence (under 4 GiB).
fn big_riff_source(data_len: u32) -> SyntheticSource {
    let mut head = Vec::new();
    head.extend_from_slice(b"RIFF");
    head.extend_from_slice(&(4 + 24 + 8 + data_len).to_le_bytes());
    head.extend_from_slice(b"WAVEfmt ");
    head.extend_from_slice(&16u32.to_le_bytes());
    head.extend_from_slice(&[1, 0, 2, 0, 0x80, 0xBB, 0, 0, 0, 0xEE, 2, 0, 4, 0, 16, 0]);
    head.extend_from_slice(b"data");
    head.extend_from_slice(&data_len.to_le_bytes());
    SyntheticSource {
        head,
        data_len: u64::from(data_len),
        tail: Vec::new(),
        pos: 0,
    }
}

#[test]
fn riff_source_that_grows_past_4_gib_becomes_rf64() {
    // 2.25 GiB of stereo turned into 4.5 GiB by duplicating both channels: the output must be RF64.
    let data_len: u64 = 2_415_919_104;
    let mut src = big_riff_source(data_len as u32);
    let header = read_header(&mut src).expect("header");
    assert_eq!(header.container, Container::Riff);
    let fmt = header.fmt.relaid(4);
    let layout = vec![
        OutChunk::New {
            id: *b"fmt ",
            payload: fmt.to_bytes(&header.fmt_payload),
        },
        OutChunk::Audio,
    ];
    let map = ChannelMap {
        order: vec![0, 1, 1, 0],
    };
    let mut sink = CountingSink::default();
    let opts = WriteOptions {
        block_bytes: 4 << 20,
        ..WriteOptions::default()
    };
    let report =
        write_file(&mut src, &header, &layout, Some(&map), &mut sink, &opts).expect("write");
    assert_eq!(report.container, Container::Rf64);
    assert_eq!(u64_at(&sink.head, 28), data_len * 2);
    assert_eq!(report.bytes_written, 12 + 36 + 24 + 8 + data_len * 2);
    assert_eq!(report.frames, data_len / 4);
}
