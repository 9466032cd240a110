//! Sample positions to SMPTE timecode labels.

/// Formats a sample position since midnight as timecode "HH:MM:SS:FF" (";" before FF when drop frame).
///
/// `timecode_rate` is written as iXML writes it: "24000/1001", "25/1", "30000/1001", or a plain
/// number ("24", "29.97", "23.976"). Rounding rule: the frame count is the floor of
/// `samples * rate / sample_rate` (the frame that contains the sample), computed exactly in integers;
/// at 24000/1001 a frame lasts 2002 samples at 48 kHz. Non-drop labels count frames at the nominal
/// rate (24, 30, ...), so 23.976 NDF runs slower than the clock. Drop frame is only valid for
/// 30000/1001 and 60000/1001 (frame numbers 0-1, or 0-3, skipped each minute except every tenth).
/// Hours wrap at 24. None for an unreadable rate, a zero sample rate, or drop frame at another rate.
pub fn format_timecode(
    samples_since_midnight: u64,
    sample_rate: u32,
    timecode_rate: &str,
    drop_frame: bool,
) -> Option<String> {
    let (numerator, denominator) = parse_rate(timecode_rate)?;
    if sample_rate == 0 {
        return None;
    }
    // Nominal frames per second: the rate rounded to the nearest integer (24 for 24000/1001).
    let nominal = (numerator + denominator / 2) / denominator;
    if nominal == 0 || nominal > 1000 {
        return None;
    }
    let frames = u128::from(samples_since_midnight) * u128::from(numerator)
        / (u128::from(sample_rate) * u128::from(denominator));
    let mut frames = u64::try_from(frames).ok()?;
    let separator = if drop_frame {
        if denominator != 1001 || nominal % 30 != 0 {
            return None;
        }
        let dropped = nominal / 15; // 2 at 29.97, 4 at 59.94
        let per_ten_minutes = nominal * 600 - dropped * 9;
        let per_minute = nominal * 60 - dropped;
        let tens = frames / per_ten_minutes;
        let rest = frames % per_ten_minutes;
        let minutes_in_ten = if rest < dropped {
            0
        } else {
            (rest - dropped) / per_minute
        };
        frames += dropped * (9 * tens + minutes_in_ten);
        ';'
    } else {
        ':'
    };
    let frame = frames % nominal;
    let seconds = frames / nominal;
    Some(format!(
        "{:02}:{:02}:{:02}{separator}{:02}",
        (seconds / 3600) % 24,
        (seconds / 60) % 60,
        seconds % 60,
        frame
    ))
}

/// Reads a timecode rate as an exact fraction (numerator, denominator).
fn parse_rate(rate: &str) -> Option<(u64, u64)> {
    let rate = rate.trim();
    if let Some((numerator, denominator)) = rate.split_once('/') {
        let numerator: u64 = numerator.trim().parse().ok()?;
        let denominator: u64 = denominator.trim().parse().ok()?;
        return (numerator > 0
            && denominator > 0
            && numerator <= 1_000_000
            && denominator <= 1_000_000)
            .then_some((numerator, denominator));
    }
    if let Ok(whole) = rate.parse::<u64>() {
        return (whole > 0 && whole <= 1000).then_some((whole, 1));
    }
    let value: f64 = rate.parse().ok()?;
    if !(value.is_finite() && value > 0.0 && value <= 1000.0) {
        return None;
    }
    let nominal = value.round();
    if (value - nominal).abs() < 1e-6 {
        // Whole-number decimal such as "25.00".
        return Some((nominal as u64, 1));
    }
    let pulled = value.ceil();
    if (value - pulled * 1000.0 / 1001.0).abs() < 0.01 {
        return Some((pulled as u64 * 1000, 1001));
    }
    None
}
