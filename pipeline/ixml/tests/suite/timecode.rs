//! Timecode labels from sample positions: the floor rule, 23.976 NDF and 29.97 DF.
#![allow(clippy::unwrap_used, clippy::string_slice)] // tests may panic; the lints guard library code

use rollcall_ixml::format_timecode;

fn tc(samples: u64, rate: u32, tc_rate: &str, df: bool) -> Option<String> {
    format_timecode(samples, rate, tc_rate, df)
}

#[test]
fn real_recorder_start_times() {
    // Sound Devices A101_1.WAV: TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO 2190940753, 48 kHz, 24000/1001 NDF.
    // 2190940753 / 2002 samples per frame = frame 1094376 (+1 sample) = 45599 s + 0 frames at 24.
    assert_eq!(
        tc(2_190_940_753, 48_000, "24000/1001", false).as_deref(),
        Some("12:39:59:00")
    );
    // Zoom F8 TrL_R: 3917280000 samples, 25/1 = frame 2040250 = 81610 s exactly.
    assert_eq!(
        tc(3_917_280_000, 48_000, "25/1", false).as_deref(),
        Some("22:40:10:00")
    );
}

#[test]
fn floor_of_samples_to_frames() {
    // One sample before a frame boundary still shows the previous frame.
    assert_eq!(
        tc(2_190_940_751, 48_000, "24000/1001", false).as_deref(),
        Some("12:39:58:23")
    );
    assert_eq!(
        tc(2_190_940_752, 48_000, "24000/1001", false).as_deref(),
        Some("12:39:59:00")
    );
    assert_eq!(
        tc(1919, 48_000, "25/1", false).as_deref(),
        Some("00:00:00:00")
    );
    assert_eq!(
        tc(1920, 48_000, "25/1", false).as_deref(),
        Some("00:00:00:01")
    );
}

#[test]
fn ntsc_23976_non_drop_runs_slow() {
    // One hour of wall clock at 23.976 is 86313 frames: 00:59:56:09.
    assert_eq!(
        tc(3600 * 48_000, 48_000, "24000/1001", false).as_deref(),
        Some("00:59:56:09")
    );
    assert_eq!(
        tc(3600 * 48_000, 48_000, "23.976", false).as_deref(),
        Some("00:59:56:09")
    );
    assert_eq!(
        tc(3600 * 48_000, 48_000, "24", false).as_deref(),
        Some("01:00:00:00")
    );
}

#[test]
fn ntsc_2997_drop_frame() {
    // Frame n starts at ceil(n * 1601.6) samples at 48 kHz.
    let start = |n: u64| (n * 48_000 * 1001).div_ceil(30_000);
    assert_eq!(
        tc(start(1799), 48_000, "30000/1001", true).as_deref(),
        Some("00:00:59;29")
    );
    // Frames ;00 and ;01 are skipped at each minute except every tenth.
    assert_eq!(
        tc(start(1800), 48_000, "30000/1001", true).as_deref(),
        Some("00:01:00;02")
    );
    assert_eq!(
        tc(start(17_981), 48_000, "30000/1001", true).as_deref(),
        Some("00:09:59;29")
    );
    assert_eq!(
        tc(start(17_982), 48_000, "30000/1001", true).as_deref(),
        Some("00:10:00;00")
    );
    assert_eq!(
        tc(start(17_982) - 1, 48_000, "30000/1001", true).as_deref(),
        Some("00:09:59;29")
    );
    assert_eq!(
        tc(start(17_984), 48_000, "29.97", true).as_deref(),
        Some("00:10:00;02")
    );
    // One hour of wall clock is 107892 frames: drop frame reads 01:00:00;00.
    assert_eq!(
        tc(start(107_892), 48_000, "30000/1001", true).as_deref(),
        Some("01:00:00;00")
    );
    // The same position without drop frame lags by 108 frames.
    assert_eq!(
        tc(start(107_892), 48_000, "30000/1001", false).as_deref(),
        Some("00:59:56:12")
    );
    // 59.94 DF drops four frame numbers.
    let start60 = |n: u64| (n * 48_000 * 1001).div_ceil(60_000);
    assert_eq!(
        tc(start60(3600), 48_000, "60000/1001", true).as_deref(),
        Some("00:01:00;04")
    );
}

#[test]
fn wraps_at_24_hours_and_rejects_nonsense() {
    assert_eq!(
        tc(86_400 * 48_000, 48_000, "25/1", false).as_deref(),
        Some("00:00:00:00")
    );
    assert_eq!(
        tc(0, 48_000, "25/1", true),
        None,
        "drop frame only at 29.97/59.94"
    );
    assert_eq!(tc(0, 48_000, "30/1", true), None);
    assert_eq!(tc(0, 0, "25/1", false), None);
    assert_eq!(tc(0, 48_000, "", false), None);
    assert_eq!(tc(0, 48_000, "fast", false), None);
    assert_eq!(tc(0, 48_000, "25/0", false), None);
    assert_eq!(tc(0, 48_000, "0", false), None);
    assert_eq!(
        tc(0, 48_000, "1000000/1", false),
        None,
        "rate over 1000 fps"
    );
    // Extreme inputs do not overflow.
    assert!(tc(u64::MAX, u32::MAX, "120/1", false).is_some());
    assert_eq!(
        tc(u64::MAX, 1, "1000/1", false),
        None,
        "frame count past u64"
    );
}
