//! File names and dates: `NNNN_<root folder>_<YYYY-MM-DD_HHMMSSZ>.mhl`, ISO 8601 in UTC.

/// The folder of a history, at the root of the tree it describes.
pub const ASCMHL_FOLDER: &str = "ascmhl";

/// The chain file's name inside [`ASCMHL_FOLDER`].
pub const CHAIN_FILE_NAME: &str = "ascmhl_chain.xml";

/// A generation's file name: `0001_<root>_2026-11-29_231119Z.mhl` for generation 1 of a tree whose
/// root folder is named `root`, made at `unix_seconds` (UTC).
pub fn generation_file_name(sequence_nr: u32, root_name: &str, unix_seconds: i64) -> String {
    let (year, month, day, hour, minute, second) = civil_time(unix_seconds);
    format!(
        "{sequence_nr:04}_{root_name}_{year:04}-{month:02}-{day:02}_{hour:02}{minute:02}{second:02}Z.mhl"
    )
}

/// The generation number of a generation file name (`0012_...mhl` -> 12): four or more digits, then
/// the end or `_`; `None` for other names and for `._` copies macOS leaves.
pub fn generation_number(file_name: &str) -> Option<u32> {
    let stem = file_name.strip_suffix(".mhl")?;
    if stem.starts_with("._") {
        return None;
    }
    let digits: String = stem.chars().take_while(char::is_ascii_digit).collect();
    let rest = stem.get(digits.len()..)?;
    if digits.len() < 4 || !(rest.is_empty() || rest.starts_with('_')) {
        return None;
    }
    digits.parse().ok()
}

/// A time as ISO 8601 in UTC, to the second: `2026-11-29T23:11:19+00:00`.
pub fn iso_date(unix_seconds: i64) -> String {
    let (year, month, day, hour, minute, second) = civil_time(unix_seconds);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}+00:00")
}

/// Year, month, day, hour, minute, second (UTC) of seconds since 1970.
fn civil_time(unix_seconds: i64) -> (i64, u32, u32, i64, i64, i64) {
    let days = unix_seconds.div_euclid(86_400);
    let rest = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    (year, month, day, rest / 3600, rest / 60 % 60, rest % 60)
}

/// Gregorian date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
