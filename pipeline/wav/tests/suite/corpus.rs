//! Every WAV in the shared corpus is either read and rewritten losslessly, or refused with a known reason.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use crate::common;

use std::collections::BTreeMap;
use std::io::Cursor;

use rollcall_wav::{
    digest_audio, identity_layout, read_header, read_payload, write_file, Container, Header,
    WriteOptions,
};

/// What a corpus file must do.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Reads, and an identity rewrite is lossless.
    Ok,
    /// A take the recorder did not finalize: read with its audio recovered (every whole frame from
    /// the start of `data` to the end of the file), the reason containing this text.
    Recovered(&'static str),
    /// Refused with an error whose message contains this text.
    Refused(&'static str),
}
use Expect::{Ok, Recovered, Refused};

/// Every corpus WAV (relative to the corpus folder) and what it must do. A new corpus file fails the
/// test until it is classified here.
const EXPECTED: &[(&str, Expect)] = &[
    ("bwavfile/tests/media/audacity_16bit.wav", Ok),
    ("bwavfile/tests/media/error.wav", Refused("empty file")),
    ("bwavfile/tests/media/ff_bwav_51.wav", Ok),
    ("bwavfile/tests/media/ff_bwav_stereo.wav", Ok),
    ("bwavfile/tests/media/ff_float.wav", Ok),
    ("bwavfile/tests/media/ff_longfile.TRUNCATED-64KiB.wav", Recovered("claims 4665600000 bytes but only")),
    ("bwavfile/tests/media/ff_minimal.wav", Ok),
    ("bwavfile/tests/media/ff_pink.wav", Ok),
    ("bwavfile/tests/media/ff_silence.wav", Ok),
    ("bwavfile/tests/media/izotope_test.wav", Ok),
    ("bwavfile/tests/media/pt_16bit.wav", Ok),
    ("bwavfile/tests/media/pt_24bit.wav", Ok),
    ("bwavfile/tests/media/pt_24bit_51.wav", Ok),
    ("bwavfile/tests/media/pt_24bit_stereo.wav", Ok),
    ("bwavfile/tests/media/pt_float.wav", Ok),
    ("bwavfile/tests/media/pt_float_51.wav", Ok),
    ("bwavfile/tests/media/pt_float_stereo.wav", Ok),
    ("bwavfile/tests/media/sounddevices_6_cue_points.wav", Ok),
    ("ebu_adm_renderer/ear/fileio/bw64/test/test_wav_files/24bit_missing_padding.wav", Ok),
    ("ebu_adm_renderer/ear/fileio/bw64/test/test_wav_files/empty_extradata.wav", Ok),
    ("ebu_adm_renderer/ear/fileio/bw64/test/test_wav_files/fmt_padding.wav", Ok),
    ("ebu_adm_renderer/ear/fileio/bw64/test/test_wav_files/pcm_extradata.wav", Ok),
    ("ebu_adm_renderer/ear/test/data/test.wav", Ok),
    ("ebu_adm_renderer/ear/test/data/test_bwf.wav", Ok),
    ("go-audio-wav/fixtures/32bit.wav", Ok),
    ("go-audio-wav/fixtures/8bit.wav", Ok),
    ("go-audio-wav/fixtures/bass.wav", Ok),
    ("go-audio-wav/fixtures/bwf.wav", Ok),
    ("go-audio-wav/fixtures/dirty-kick-24b441k.wav", Ok),
    ("go-audio-wav/fixtures/flloop.wav", Ok),
    ("go-audio-wav/fixtures/kick-16b441k.wav", Ok),
    ("go-audio-wav/fixtures/kick.wav", Ok),
    ("go-audio-wav/fixtures/listChunkInHeader.wav", Ok),
    ("go-audio-wav/fixtures/listinfo.wav", Ok),
    ("go-audio-wav/fixtures/misaligned-chunk.wav", Ok),
    ("go-audio-wav/fixtures/padded24b.wav", Ok),
    ("hound/_pr49/testsamples/pro_tools_bext.wav", Ok),
    ("hound/_pr49/testsamples/reaper_bext.wav", Ok),
    ("hound/_pr49/testsamples/wav_agent_bext.wav", Ok),
    ("hound/testsamples/fuzz/crash-24728523ef4be15c838293b676f6853e73723bf4.wav", Refused("truncated: fmt chunk claims 655360 bytes")),
    ("hound/testsamples/fuzz/crash-b8447179832529c48f9c6bf17feab6337bbc78ea.wav", Refused("truncated: fmt chunk claims 4278190336 bytes")),
    ("hound/testsamples/fuzz/crash-cbd757427cea12bd8a21f86cd8cf74d98ce56bee.wav", Refused("truncated: fmt chunk claims 2555904 bytes")),
    ("hound/testsamples/fuzz/crash-e5471f5b58397287b509db7d026e95f1724454f5.wav", Refused("unsupported sample format: 0-bit float")),
    ("hound/testsamples/fuzz/crash-e879de4eb4d206c59e21f0e01def16457af80fdc.wav", Refused("malformed: invalid chunk id \"f\\x00\\x00\\x00\" at offset 12")),
    ("hound/testsamples/fuzz/oom-48ae4cd061ff8578ad3f23dc87624bd365cf5216.wav", Refused("truncated: oooo chunk claims 2974173522 bytes")),
    ("hound/testsamples/nonstandard-01.wav", Ok),
    ("hound/testsamples/nonstandard-02.wav", Ok),
    ("hound/testsamples/pcmwaveformat-16bit-44100Hz-mono-extra.wav", Ok),
    ("hound/testsamples/pcmwaveformat-16bit-44100Hz-mono.wav", Ok),
    ("hound/testsamples/pcmwaveformat-24bit-4byte-48kHz-stereo.wav", Refused("block_align 8 does not match 2 channels of 24-bit samples (expected 6)")),
    ("hound/testsamples/pcmwaveformat-8bit-44100Hz-mono.wav", Ok),
    ("hound/testsamples/pop.wav", Ok),
    ("hound/testsamples/waveformatex-16bit-44100Hz-mono-extra.wav", Ok),
    ("hound/testsamples/waveformatex-16bit-44100Hz-mono.wav", Ok),
    ("hound/testsamples/waveformatex-16bit-44100Hz-stereo.wav", Ok),
    ("hound/testsamples/waveformatex-8bit-11025Hz-mono.wav", Ok),
    ("hound/testsamples/waveformatex-ieeefloat-44100Hz-mono.wav", Ok),
    ("hound/testsamples/waveformatextensible-24bit-192kHz-mono.wav", Ok),
    ("hound/testsamples/waveformatextensible-24bit-4byte-48kHz-stereo.wav", Ok),
    ("hound/testsamples/waveformatextensible-32bit-48kHz-stereo.wav", Ok),
    ("hound/testsamples/waveformatextensible-ieeefloat-44100Hz-mono.wav", Ok),
    ("libbw64/tests/test_data/noise_24bit_uneven_data_chunk_size.wav", Ok),
    ("libbw64/tests/test_data/rect_16bit.wav", Ok),
    ("libbw64/tests/test_data/rect_24bit.wav", Ok),
    ("libbw64/tests/test_data/rect_24bit_bext.wav", Ok),
    ("libbw64/tests/test_data/rect_24bit_nods64.wav", Refused("RF64 file without a ds64 chunk")),
    ("libbw64/tests/test_data/rect_24bit_noriff.wav", Refused("not a WAV file: starts with \"RF65\"")),
    ("libbw64/tests/test_data/rect_24bit_nowave.wav", Refused("not a WAV file: form type is \"WAV \", not WAVE")),
    ("libbw64/tests/test_data/rect_24bit_rf64.wav", Ok),
    ("libbw64/tests/test_data/rect_24bit_wrong_fmt_size.wav", Refused("malformed: invalid chunk id \"ta\\xcc\\x04\" at offset 38")),
    ("libbw64/tests/test_data/rect_32bit.wav", Ok),
    ("music-metadata/test/samples/MusicBrainz - Beth Hart - Sinner's Prayer [id3v2.3].wav", Ok),
    ("music-metadata/test/samples/issue-161.wav", Ok),
    ("music-metadata/test/samples/issue-92.wav", Refused("unsupported codec: Microsoft ADPCM (format 0x0002)")),
    ("music-metadata/test/samples/issue_75.wav", Ok),
    ("music-metadata/test/samples/riff_adobe_audition.wav", Ok),
    ("music-metadata/test/samples/wav/alaw.wav", Refused("unsupported codec: A-law (format 0x0006)")),
    ("music-metadata/test/samples/wav/dvi_adpcm.wav", Refused("unsupported codec: IMA ADPCM (format 0x0011)")),
    ("music-metadata/test/samples/wav/ffmpeg-missing-chunksize.wav", Recovered("0xFFFFFFFF")),
    ("music-metadata/test/samples/wav/gsm610.wav", Refused("unsupported codec: GSM 6.10 (format 0x0031)")),
    ("music-metadata/test/samples/wav/issue-1163.bwf", Ok),
    ("music-metadata/test/samples/wav/issue-819.wav", Recovered("claims 4294967195 bytes but only")),
    ("music-metadata/test/samples/wav/mpeglayer3.wav", Refused("unsupported codec: MPEG Layer 3 (format 0x0055)")),
    ("music-metadata/test/samples/wav/mulaw.wav", Refused("unsupported codec: mu-law (format 0x0007)")),
    ("music-metadata/test/samples/wav/odd-list-type.wav", Recovered("claims 49503120 bytes but only")),
    ("music-metadata/test/samples/wav/riff-iprt-tag.wav", Ok),
    ("wavefile/test/files/16-bit-8kHz-noBext-mono.wav", Ok),
    ("wavefile/test/files/16bit-16kHz-2markers-mono.wav", Ok),
    ("wavefile/test/files/16bit-16kHz-markers-mono.wav", Ok),
    ("wavefile/test/files/16bit-44100Hz-mono-chirp-1-22050-linear.wav", Ok),
    ("wavefile/test/files/16bit-44100Hz-mono-chirp-1-22050-log.wav", Ok),
    ("wavefile/test/files/16bit-8kHz-1c-reaper-region.wav", Ok),
    ("wavefile/test/files/16bit-8kHz-1c-reaper-utf8cue-issue13.wav", Ok),
    ("wavefile/test/files/16bit-8kHz-1c-reaper-utf8cue.wav", Ok),
    ("wavefile/test/files/16bit-8kHz-stereo.wav", Ok),
    ("wavefile/test/files/16bit-8khz-bext-mono.wav", Ok),
    ("wavefile/test/files/16bit-9khz-1c-1region-reaper.wav", Ok),
    ("wavefile/test/files/24bit-16kHz-bext-mono.wav", Ok),
    ("wavefile/test/files/27bit-8kHz-noBext-mono.wav", Ok),
    ("wavefile/test/files/32IEEE-meta.wav", Ok),
    ("wavefile/test/files/32bit-48kHz-noBext-mono.wav", Ok),
    ("wavefile/test/files/32bitIEEE-16kHz-bext-mono.wav", Ok),
    ("wavefile/test/files/32fp-44100Hz-mono-chirp-1-22050-linear.wav", Ok),
    ("wavefile/test/files/32fp-44100Hz-mono-chirp-1-22050-log.wav", Ok),
    ("wavefile/test/files/4-bit-imaadpcm-8kHz-noBext-mono-reaper.wav", Refused("unsupported codec: IMA ADPCM (format 0x0011)")),
    ("wavefile/test/files/4bit-imaadpcm-8kHz-noBext-mono-encoded.wav", Refused("unsupported codec: IMA ADPCM (format 0x0011)")),
    ("wavefile/test/files/4bit-imaadpcm-8kHz-noBext-mono.wav", Refused("unsupported codec: IMA ADPCM (format 0x0011)")),
    ("wavefile/test/files/64bit-48kHz-noBext-mono-overflow.wav", Ok),
    ("wavefile/test/files/64bit-48kHz-noBext-mono.wav", Ok),
    ("wavefile/test/files/8bit-16kHz-bext-mono.wav", Ok),
    ("wavefile/test/files/8bit-alaw-8kHz-noBext-mono-encoded.wav", Refused("unsupported codec: A-law (format 0x0006)")),
    ("wavefile/test/files/8bit-mulaw-8kHz-noBext-mono-encoded.wav", Refused("unsupported codec: mu-law (format 0x0007)")),
    ("wavefile/test/files/Audacity-16bit-17-MARKERS.wav", Ok),
    ("wavefile/test/files/Audacity-16bit-lots-of-markers.wav", Ok),
    ("wavefile/test/files/Audacity-16bit.wav", Ok),
    ("wavefile/test/files/M1F1-int12WE-AFsp-2-MARKERS-LIST.wav", Ok),
    ("wavefile/test/files/M1F1-int12WE-AFsp-NEW-TAGS.wav", Ok),
    ("wavefile/test/files/M1F1-int12WE-AFsp.wav", Ok),
    ("wavefile/test/files/RF64-16bit-8kHz-stereo-reaper.wav", Ok),
    ("wavefile/test/files/RF64-64-bit-8kHz--mono-bext.wav", Ok),
    ("wavefile/test/files/RIFX-16bit-mono.wav", Refused("RIFX (big-endian) files are not supported")),
    ("wavefile/test/files/ima22m.wav", Refused("unsupported codec: IMA ADPCM (format 0x0011)")),
    ("wavefile/test/files/smpl_cue.wav", Ok),
    ("wavefile/test/files/song1.wav", Ok),
    ("wavefile/test/files/test-cue-reaper.wav", Ok),
    ("wavinfo/_history/tests/test_files/BULLET Impact Plastic LCD TV Screen Shatter Debris 2x.wav", Ok),
    ("wavinfo/tests/test_files/cue_chunks/STE-000.wav", Ok),
    ("wavinfo/tests/test_files/cue_chunks/izotoperx_cues_test.wav", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-001-06_01.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-001-06_02.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-001-06_03.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-001-06_04.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-001-06_05.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-2C-01_01.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-2C-01_02.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-2C-01_03.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-2C-01_04.WAV", Ok),
    ("wavinfo/tests/test_files/metacorder/Sr001-2C-01_05.WAV", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 1OA.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 2OA.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 3OA.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 5.0.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 5.1.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 6.0 Music.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 6.0 Surround EX.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 6.1 Music.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 6.1 Surround EX.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 7.0 SDDS.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 7.0.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 7.1 SDDS.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - 7.1.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 5.0.4.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 5.1.4.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 7.0.2.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 7.1.2.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 7.1.4.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 7.1.6.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 9.1.4.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Atmos 9.1.6.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Auro3d 10.0.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Auro3d 10.1.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Auro3d 11.0.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Auro3d 11.1.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Auro3d 13.0.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Auro3d 13.1.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - LRC.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - LRCS.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Mono.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Quad.wav", Ok),
    ("wavinfo/tests/test_files/nuendo/wavinfo Test Project - Audio - Stereo.wav", Ok),
    ("wavinfo/tests/test_files/protools/PT A101_4.A1.wav", Ok),
    ("wavinfo/tests/test_files/protools/Test_ADM_ProTools.wav", Ok),
    ("wavinfo/tests/test_files/protools/umid.wav", Ok),
    ("wavinfo/tests/test_files/smpl/alarm_citizen_loop1.wav", Ok),
    ("wavinfo/tests/test_files/smpl/alarm_citizen_loop1_fr.wav", Ok),
    ("wavinfo/tests/test_files/smpl/alarm_citizen_loop1_res3.wav", Ok),
    ("wavinfo/tests/test_files/smpl/alarm_citizen_loop1_rev.wav", Ok),
    ("wavinfo/tests/test_files/smpl/alarm_citizen_loop1_udata.wav", Ok),
    ("wavinfo/tests/test_files/smpl/alarm_citizen_loop1_vendFF.wav", Ok),
    ("wavinfo/tests/test_files/sound_grinder_pro/new_camera bumb 1.wav", Ok),
    ("wavinfo/tests/test_files/sounddevices/A101_1.WAV", Ok),
    ("wavinfo/tests/test_files/sounddevices/A101_1_1.WAV", Ok),
    ("wavinfo/tests/test_files/sounddevices/A101_1_2.WAV", Ok),
    ("wavinfo/tests/test_files/sounddevices/A101_2.WAV", Ok),
    ("wavinfo/tests/test_files/sounddevices/A101_3.WAV", Ok),
    ("wavinfo/tests/test_files/sounddevices/A101_4.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr1.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr1_D.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr2.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr2_D.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr3.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr4.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr7.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_Tr8.WAV", Ok),
    ("wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_TrL_R.WAV", Ok),
];

/// Payload bytes of every chunk except ds64 (which the writer regenerates), in file order.
fn payloads(bytes: &[u8], header: &Header) -> Vec<([u8; 4], Vec<u8>)> {
    let mut cur = Cursor::new(bytes);
    header
        .chunks
        .iter()
        .filter(|c| &c.id != b"ds64")
        .map(|c| (c.id, read_payload(&mut cur, c, u64::MAX).expect("payload")))
        .collect()
}

/// Reads a take that needs recovery: `data` must hold every whole frame from its start to the end
/// of the file (counted here from the bytes, not by any reader), and the rewrite must declare them.
fn recovered_round_trip(bytes: &[u8], why: &str) -> Result<(), String> {
    let header = read_header(&mut Cursor::new(bytes)).map_err(|e| format!("read: {e}"))?;
    let recovery = header
        .recovery
        .as_ref()
        .ok_or_else(|| "read without recovery".to_string())?;
    if !recovery.why.contains(why) {
        return Err(format!("recovered because \"{}\"", recovery.why));
    }
    let ba = u64::from(header.fmt.block_align);
    let on_disk = bytes.len() as u64 - header.data().payload_offset();
    if header.frames() != on_disk / ba {
        return Err(format!(
            "{} frames recovered, {} whole frames on disk",
            header.frames(),
            on_disk / ba
        ));
    }
    let mut out = Vec::new();
    write_file(
        &mut Cursor::new(bytes),
        &header,
        &identity_layout(&header),
        None,
        &mut out,
        &WriteOptions::default(),
    )
    .map_err(|e| format!("write: {e}"))?;
    let again = read_header(&mut Cursor::new(&out)).map_err(|e| format!("re-read: {e}"))?;
    if again.recovery.is_some() || again.frames() != header.frames() {
        return Err(format!(
            "the rewrite declares {} frames (recovery needed again: {})",
            again.frames(),
            again.recovery.is_some()
        ));
    }
    let source_audio = digest_audio(&mut Cursor::new(bytes), &header).map_err(|e| e.to_string())?;
    let output_audio = digest_audio(&mut Cursor::new(&out), &again).map_err(|e| e.to_string())?;
    if source_audio != output_audio {
        return Err("recovered audio differs from the bytes on disk".to_string());
    }
    Result::Ok(())
}

/// Reads, rewrites with the identity layout and checks the rewrite is lossless and well formed.
fn round_trip(rel: &str, bytes: &[u8]) -> Result<(), String> {
    let header = read_header(&mut Cursor::new(bytes)).map_err(|e| format!("read: {e}"))?;
    if let Some(recovery) = &header.recovery {
        return Err(format!("read as needing recovery: {}", recovery.why));
    }
    let mut out = Vec::new();
    let report = write_file(
        &mut Cursor::new(bytes),
        &header,
        &identity_layout(&header),
        None,
        &mut out,
        &WriteOptions::default(),
    )
    .map_err(|e| format!("write: {e}"))?;
    let again = read_header(&mut Cursor::new(&out)).map_err(|e| format!("re-read: {e}"))?;
    let check = |ok: bool, what: &str| {
        if ok {
            Result::Ok(())
        } else {
            Err(format!("{rel}: {what}"))
        }
    };
    check(report.container == header.container, "container changed")?;
    check(
        report.bytes_written == out.len() as u64,
        "bytes_written wrong",
    )?;
    check(
        again.container == header.container,
        "re-read container changed",
    )?;
    check(
        again.riff_size + 8 == out.len() as u64,
        "output RIFF size disagrees with its length",
    )?;
    check(again.trailing_bytes() == 0, "output has trailing bytes")?;
    check(
        again.chunks.iter().all(|c| c.size % 2 == 0 || c.pad),
        "output has an odd chunk without a pad byte",
    )?;
    check(
        again.fmt == header.fmt && again.fmt_payload == header.fmt_payload,
        "fmt changed",
    )?;
    check(
        header.fmt.to_bytes(&header.fmt_payload) == header.fmt_payload,
        "Fmt::to_bytes is not lossless",
    )?;
    check(
        payloads(bytes, &header) == payloads(&out, &again),
        "chunk payloads or order differ",
    )?;
    let src_digest = digest_audio(&mut Cursor::new(bytes), &header).map_err(|e| e.to_string())?;
    let out_digest = digest_audio(&mut Cursor::new(&out), &again).map_err(|e| e.to_string())?;
    check(
        src_digest.channels.len() == usize::from(header.fmt.channels),
        "digest channel count",
    )?;
    check(report.frames == header.frames(), "frame count reported")?;
    check(out_digest == src_digest, "audio digests differ")?;
    // A second generation is byte-identical to the first.
    let mut second = Vec::new();
    write_file(
        &mut Cursor::new(&out),
        &again,
        &identity_layout(&again),
        None,
        &mut second,
        &WriteOptions::default(),
    )
    .map_err(|e| format!("second write: {e}"))?;
    check(second == out, "second-generation rewrite differs")
}

#[test]
fn every_corpus_file_is_classified_and_behaves_as_expected() {
    let table: BTreeMap<&str, Expect> = EXPECTED.iter().copied().collect();
    assert_eq!(table.len(), EXPECTED.len(), "duplicate entries in EXPECTED");
    let files = common::corpus_wavs();
    assert!(
        files.len() >= 190,
        "corpus not found or incomplete: {} files",
        files.len()
    );
    let mut failures = Vec::new();
    let (mut ok, mut recovered, mut refused) = (0, 0, 0);
    let mut seen = Vec::new();
    for (rel, path) in &files {
        seen.push(rel.as_str());
        let bytes = std::fs::read(path).expect("read corpus file");
        match table.get(rel.as_str()) {
            None => failures.push(format!(
                "{rel}: not classified in EXPECTED (result: {:?})",
                read_header(&mut Cursor::new(&bytes))
                    .map(|h| h.container)
                    .map_err(|e| e.to_string())
            )),
            Some(Ok) => match round_trip(rel, &bytes) {
                Result::Ok(()) => ok += 1,
                Err(e) => failures.push(format!("{rel}: expected OK: {e}")),
            },
            Some(Recovered(why)) => match recovered_round_trip(&bytes, why) {
                Result::Ok(()) => recovered += 1,
                Err(e) => failures.push(format!("{rel}: expected recovery ({why}): {e}")),
            },
            Some(Refused(reason)) => match read_header(&mut Cursor::new(&bytes)) {
                Result::Ok(h) => failures.push(format!(
                    "{rel}: expected refusal ({reason}) but read as {:?}",
                    h.container
                )),
                Err(e) if e.to_string().contains(reason) => refused += 1,
                Err(e) => failures.push(format!(
                    "{rel}: refused with \"{e}\", expected \"{reason}\""
                )),
            },
        }
    }
    for rel in table.keys() {
        if !seen.contains(rel) {
            failures.push(format!("{rel}: listed in EXPECTED but not in the corpus"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(ok + recovered + refused, files.len());
    println!("corpus: {ok} OK, {recovered} recovered, {refused} refused");
}

#[test]
fn recorder_and_daw_files_keep_their_quirks() {
    // Sound Devices split mono: odd data chunk at EOF without a pad byte.
    let bytes = std::fs::read(common::corpus(
        "wavinfo/tests/test_files/sounddevices/A101_1_1.WAV",
    ))
    .expect("read");
    let h = read_header(&mut Cursor::new(&bytes)).expect("header");
    let ids: Vec<String> = h.chunks.iter().map(|c| c.id_str()).collect();
    assert_eq!(ids, ["fmt ", "bext", "iXML", "data"]);
    assert_eq!(h.data().size, 720717);
    assert!(!h.data().pad);
    assert_eq!(h.data().offset, 10878);
    assert_eq!(h.frames(), 240239);
    // Zoom F8: bext iXML fmt PAD data.
    let zoom = "wavinfo/tests/test_files/zoom_F8/DISCRETE/Scene_1_2AG-T001.TAKE/Scene_1_2AG-T001_TrL_R.WAV";
    let bytes = std::fs::read(common::corpus(zoom)).expect("read");
    let h = read_header(&mut Cursor::new(&bytes)).expect("header");
    let ids: Vec<String> = h.chunks.iter().map(|c| c.id_str()).collect();
    assert_eq!(ids, ["bext", "iXML", "fmt ", "PAD ", "data"]);
    assert_eq!(
        h.find(b"data").map(|c| c.payload_offset() % (128 << 10)),
        Some(0),
        "Zoom aligns data to 128 KiB"
    );
    // Logic: RIFF size one byte short, odd chunks with pad bytes after data.
    let bytes = std::fs::read(common::corpus("go-audio-wav/fixtures/bwf.wav")).expect("read");
    let h = read_header(&mut Cursor::new(&bytes)).expect("header");
    assert_eq!(h.riff_size + 8, h.file_len - 1);
    assert_eq!(
        h.chunks.last().map(|c| c.id_str()),
        Some("ID3 ".to_string())
    );
    assert!(h.chunks.iter().filter(|c| c.size % 2 == 1).all(|c| c.pad));
    // Pro Tools .bwf whose RIFF size field is far larger than the file.
    let bytes = std::fs::read(common::corpus(
        "music-metadata/test/samples/wav/issue-1163.bwf",
    ))
    .expect("read");
    let h = read_header(&mut Cursor::new(&bytes)).expect("header");
    assert_eq!(h.container, Container::Riff);
    assert_eq!(h.chunks.len(), 10);
    assert_eq!(h.chunks.last().map(|c| c.end()), Some(h.file_len));
}

#[test]
fn trailing_bytes_that_cannot_form_a_chunk_are_ignored_and_not_copied() {
    let original = std::fs::read(common::corpus(
        "wavinfo/tests/test_files/sounddevices/A101_1.WAV",
    ))
    .expect("read");
    let clean = read_header(&mut Cursor::new(&original)).expect("header");
    assert_eq!(clean.trailing_bytes(), 0);
    // Fewer bytes than one frame after the last chunk are ignored (not audio, not a chunk).
    for junk in [&[1u8, 2, 3][..], &[0u8; 5][..]] {
        let mut bytes = original.clone();
        bytes.extend_from_slice(junk);
        let header = read_header(&mut Cursor::new(&bytes)).expect("header with trailing bytes");
        assert_eq!(header.chunks, clean.chunks);
        assert_eq!(header.trailing_bytes(), junk.len() as u64);
        let mut out = Vec::new();
        write_file(
            &mut Cursor::new(&bytes),
            &header,
            &identity_layout(&header),
            None,
            &mut out,
            &WriteOptions::default(),
        )
        .expect("write");
        assert_eq!(out, original, "the rewrite drops the trailing bytes");
    }
    // A frame or more after a last `data` chunk is audio the header never counted: recovered.
    let mut bytes = original.clone();
    bytes.extend_from_slice(&[0u8; 16]);
    let header = read_header(&mut Cursor::new(&bytes)).expect("header");
    let recovery = header.recovery.as_ref().expect("recovered");
    assert_eq!(recovery.declared_size, clean.data().size);
    assert_eq!(
        header.data().size,
        clean.data().size + 12,
        "two whole frames"
    );
    assert_eq!(header.trailing_bytes(), 4);
    // A bad chunk id inside the declared RIFF size is refused.
    let mut bytes = original.clone();
    let data = clean.data().offset as usize;
    bytes[data] = 0;
    let err = read_header(&mut Cursor::new(&bytes))
        .expect_err("bad id")
        .to_string();
    assert!(
        err.contains("invalid chunk id") && err.contains(&format!("at offset {data}")),
        "{err}"
    );
}
