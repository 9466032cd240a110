//! Each recorder style read back: audio through `hound`, chunk layout and metadata by a tiny parser.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use rollgen::{
    sample, write_take, RecorderStyle, TakeSpec, TrackSpec, SOUND_DEVICES_IXML_SIZE,
    ZOOM_DATA_ALIGN, ZOOM_IXML_SIZE,
};
use std::path::Path;

/// (id, offset of the chunk header, body size) of every chunk in a RIFF file.
fn chunks(bytes: &[u8]) -> Vec<(String, usize, usize)> {
    assert_eq!(bytes.get(0..4), Some(&b"RIFF"[..]));
    assert_eq!(bytes.get(8..12), Some(&b"WAVE"[..]));
    let mut out = Vec::new();
    let mut off = 12;
    while off + 8 <= bytes.len() {
        let id = String::from_utf8_lossy(&bytes[off..off + 4]).into_owned();
        let size = u32::from_le_bytes(bytes[off + 4..off + 8].try_into().unwrap()) as usize;
        out.push((id, off, size));
        off += 8 + size + size % 2;
    }
    assert_eq!(
        off,
        bytes.len(),
        "chunks must end exactly at the end of the file"
    );
    out
}

fn body<'a>(bytes: &'a [u8], id: &str) -> &'a [u8] {
    let (_, off, size) = chunks(bytes)
        .into_iter()
        .find(|(i, _, _)| i == id)
        .unwrap_or_else(|| panic!("no {id} chunk"));
    &bytes[off + 8..off + 8 + size]
}

fn ids(bytes: &[u8]) -> Vec<String> {
    chunks(bytes).into_iter().map(|(id, _, _)| id).collect()
}

fn bext_description(bytes: &[u8]) -> String {
    let b = body(bytes, "bext");
    let d = &b[..256];
    let end = d.iter().position(|c| *c == 0).unwrap_or(256);
    String::from_utf8(d[..end].to_vec()).unwrap()
}

fn bext_version(bytes: &[u8]) -> u16 {
    let b = body(bytes, "bext");
    u16::from_le_bytes([b[346], b[347]])
}

fn spec(style: RecorderStyle, channels: u32, bits: u16, frames: u64) -> TakeSpec {
    let names = [
        "MixL", "MixR", "Boom", "Lav1", "Lav2", "Lav3", "Lav4", "Plant",
    ];
    let tracks = (0..channels)
        .map(|i| TrackSpec::new(i + 3, names[(i % 8) as usize]))
        .collect();
    TakeSpec {
        style,
        project: "TWD".into(),
        scene: "24A".into(),
        take: "3".into(),
        tape: "TWD8056".into(),
        circled: true,
        note: "car by & <gone>".into(),
        tracks,
        sample_rate: 48_000,
        bits,
        frames,
        timecode_rate: (24_000, 1_001),
        start_samples: 2_190_940_753,
        file_uid: "USSDVGR1112089007124001008206301".into(),
        seed: u64::from(bits) * 1000 + u64::from(channels),
        pre_roll: None,
        wild: false,
    }
}

fn write(dir: &Path, name: &str, spec: &TakeSpec) -> Vec<u8> {
    let path = dir.join(name);
    let n = write_take(&path, spec).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(n, bytes.len() as u64, "returned size is the file size");
    let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff + 8, bytes.len(), "RIFF size field matches the file");
    bytes
}

const STYLES: [RecorderStyle; 3] = [
    RecorderStyle::SoundDevices,
    RecorderStyle::Zoom,
    RecorderStyle::Metacorder,
];

#[test]
fn hound_reads_back_every_sample_of_every_channel() {
    let dir = tempfile::tempdir().unwrap();
    for style in STYLES {
        for (channels, bits) in [(1u32, 24u16), (3, 16), (8, 24), (2, 32), (7, 24)] {
            // 5001 frames: crosses the writer's 4096-frame block, and odd data for mono 24-bit.
            let s = spec(style, channels, bits, 5001);
            let path = dir.path().join(format!("{style:?}-{channels}-{bits}.WAV"));
            write_take(&path, &s).unwrap();
            let mut reader = hound::WavReader::open(&path).unwrap();
            let h = reader.spec();
            assert_eq!(h.channels as u32, channels);
            assert_eq!(h.bits_per_sample, bits);
            assert_eq!(h.sample_rate, 48_000);
            assert_eq!(reader.duration(), 5001);
            let got: Vec<i32> = reader.samples::<i32>().map(Result::unwrap).collect();
            assert_eq!(got.len(), 5001 * channels as usize);
            for (i, v) in got.iter().enumerate() {
                let frame = (i / channels as usize) as u64;
                let ch = (i % channels as usize) as u16;
                assert_eq!(
                    *v,
                    sample(s.seed, ch, frame),
                    "{style:?} {channels}ch {bits}bit frame {frame} ch {ch}"
                );
            }
        }
    }
}

#[test]
fn odd_data_gets_a_pad_byte() {
    let dir = tempfile::tempdir().unwrap();
    for style in STYLES {
        let bytes = write(dir.path(), "odd.WAV", &spec(style, 1, 24, 3));
        let data = chunks(&bytes).into_iter().find(|c| c.0 == "data").unwrap();
        assert_eq!(data.2, 9);
        // `chunks` asserts the walk (with the pad byte) ends exactly at the end of the file.
    }
}

#[test]
fn sound_devices_layout_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(
        dir.path(),
        "24A_3.WAV",
        &spec(RecorderStyle::SoundDevices, 8, 24, 100),
    );
    assert_eq!(ids(&bytes), ["bext", "iXML", "fmt ", "data"]);
    assert_eq!(bext_version(&bytes), 1);
    let d = bext_description(&bytes);
    assert!(
        d.starts_with("sSPEED=023.976-ND\r\nsTAKE=3\r\nsUBITS=$"),
        "{d}"
    );
    for line in [
        "sPROJECT=TWD\r\n",
        "sSCENE=24A\r\n",
        "sFILENAME=24A_3.WAV\r\n",
        "sTAPE=TWD8056\r\n",
        "sTRK1=MixL\r\n",
        "sTRK3=Boom\r\n",
        "sTRK8=Plant\r\n",
    ] {
        assert!(d.contains(line), "{line:?} missing in {d:?}");
    }
    let b = body(&bytes, "bext");
    assert!(b[256..288].starts_with(b"Sound Dev: "));
    assert_eq!(&b[288..320], b"USSDVGR1112089007124001008206301");
    assert_eq!(
        u64::from_le_bytes(b[338..346].try_into().unwrap()),
        2_190_940_753
    );
    assert!(b[602..].starts_with(b"A=PCM,F=48000,W=24,M=poly,R=48000,T=8 Ch\r\n"));
    assert_eq!(b.len(), 602 + 256);

    let x = body(&bytes, "iXML");
    assert_eq!(x.len(), SOUND_DEVICES_IXML_SIZE);
    let text = std::str::from_utf8(x).unwrap();
    let end = text.find("</BWFXML>").unwrap() + "</BWFXML>".len();
    assert!(text[end..].bytes().all(|c| c == b' '), "space padded");
    assert!(!text[end..].is_empty());
    for el in [
        "\r\n\t<SCENE>24A</SCENE>\r\n",
        "<TAKE>3</TAKE>",
        "<TAPE>TWD8056</TAPE>",
        "<CIRCLED>TRUE</CIRCLED>",
        "<NOTE>car by &amp; &lt;gone&gt;</NOTE>",
        "<FILE_UID>USSDVGR1112089007124001008206301</FILE_UID>",
        "<FAMILY_UID>USSDVGR1112089007124001008206300</FAMILY_UID>",
        "\r\n\t\t<TIMECODE_RATE>24000/1001</TIMECODE_RATE>\r\n",
        "<TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO>2190940753</TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO>",
        "<ORIGINAL_FILENAME>24A_3.WAV</ORIGINAL_FILENAME>",
        "<TRACK_COUNT>8</TRACK_COUNT>",
        "\t\t\t<CHANNEL_INDEX>10</CHANNEL_INDEX>\r\n\t\t\t<INTERLEAVE_INDEX>8</INTERLEAVE_INDEX>\r\n\t\t\t<NAME>Plant</NAME>",
        "<BWF_ORIGINATOR_REFERENCE>USSDVGR1112089007124001008206301</BWF_ORIGINATOR_REFERENCE>",
    ] {
        assert!(text.contains(el), "{el:?} missing");
    }
}

#[test]
fn zoom_layout_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(
        dir.path(),
        "24A-T003.WAV",
        &spec(RecorderStyle::Zoom, 6, 24, 100),
    );
    assert_eq!(ids(&bytes), ["bext", "iXML", "fmt ", "PAD ", "data"]);
    let data = chunks(&bytes).into_iter().find(|c| c.0 == "data").unwrap();
    assert_eq!(
        (data.1 as u64 + 8) % ZOOM_DATA_ALIGN,
        0,
        "audio starts on the alignment"
    );
    assert!(body(&bytes, "PAD ").iter().all(|b| *b == 0));
    assert_eq!(bext_version(&bytes), 1);
    let d = bext_description(&bytes);
    assert!(d.starts_with("SPEED=23.976ND\r\nTAKE=3\r\n"), "{d}");
    for line in [
        "\r\nSCENE=24A\r\n",
        "TAPE=TWD8056\r\n",
        "CIRCLED=TRUE\r\n",
        "TR1=MixL\r\n",
        "TR6=Lav3\r\n",
    ] {
        assert!(d.contains(line), "{line:?} missing in {d:?}");
    }
    assert!(!d.contains("sSCENE"));
    let b = body(&bytes, "bext");
    assert!(b[256..288].starts_with(b"ZOOM F8\0"));
    assert_eq!(b.len(), 602 + 512);
    let x = body(&bytes, "iXML");
    assert_eq!(x.len(), ZOOM_IXML_SIZE);
    let end = x.windows(9).position(|w| w == b"</BWFXML>").unwrap() + 9;
    assert!(x[end..].iter().all(|c| *c == 0), "NUL padded");
    let text = std::str::from_utf8(&x[..end]).unwrap();
    assert!(text.contains("\t<IXML_VERSION>1.62</IXML_VERSION>"));
    assert!(text.contains("<SCENE>24A</SCENE>"));
    assert!(text.contains("<CIRCLED>TRUE</CIRCLED>"));
}

#[test]
fn metacorder_layout_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(
        dir.path(),
        "R1-24A-03.WAV",
        &spec(RecorderStyle::Metacorder, 2, 24, 100),
    );
    assert_eq!(ids(&bytes), ["bext", "fmt ", "data", "iXML", "iXTC"]);
    assert_eq!(bext_version(&bytes), 0);
    let d = bext_description(&bytes);
    assert_eq!(
        d,
        "gSCENE=24A\r\ngTAKE=3\r\ngTAPE=TWD8056\r\ngNOTE=car by & <gone>\r\ngUBITS=00000000\r\n"
    );
    let b = body(&bytes, "bext");
    assert_eq!(
        (b[324], b[327]),
        (b':', b':'),
        "Metacorder writes the date with colons"
    );
    let x = body(&bytes, "iXML");
    let text = std::str::from_utf8(x).unwrap();
    let tail = &text[text.find("</BWFXML>\r\n").unwrap() + 11..];
    assert!(tail.bytes().all(|c| c == b' ') && (1024..=1025).contains(&tail.len()));
    assert!(text.contains("<TRACK_COUNT>2</TRACK_COUNT>"));
    assert!(text.contains("<BWF_TIME_REFERENCE_LOW>-2104026543</BWF_TIME_REFERENCE_LOW>"));
    assert_eq!(body(&bytes, "iXTC").len(), 20);
}

#[test]
fn output_is_deterministic_and_seeded() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for style in STYLES {
        let s = spec(style, 4, 24, 2000);
        let first = write(a.path(), "X_1.WAV", &s);
        let second = write(b.path(), "X_1.WAV", &s);
        assert!(first == second, "{style:?}: same spec, different bytes");
        let reseeded = TakeSpec {
            seed: s.seed + 1,
            ..s.clone()
        };
        let third = write(b.path(), "X_1.WAV", &reseeded);
        assert_eq!(third.len(), first.len());
        assert!(third != first, "{style:?}: the seed must change the audio");
    }
}

#[test]
fn invalid_specs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.WAV");
    let mut s = spec(RecorderStyle::SoundDevices, 2, 24, 10);
    s.bits = 8;
    assert_eq!(
        write_take(&path, &s).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    let mut s = spec(RecorderStyle::Zoom, 2, 24, 10);
    s.tracks.clear();
    assert_eq!(
        write_take(&path, &s).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    let mut s = spec(RecorderStyle::Metacorder, 8, 32, 10);
    s.frames = 1 << 30;
    assert_eq!(
        write_take(&path, &s).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
}
