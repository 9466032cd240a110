//! Sound rolls: the roll label schemes of a show, production days, and the roll ledger's rows.
//!
//! Pure values in, values out: the engine gives `{roll}`, `{unit}` and `{recorder}` to every template
//! from [`parse_label`], the `practice` check judges labels and repeats with it, and the engine's
//! ledger module reads and appends [`LedgerRow`]s.
//!
//! Schemes (SPEC section 6), with `show` and `season` from the recipe's `[vars]`:
//! - series: `{show}{season}{roll:03}` (`TWD8056`), second unit `{show}X{season}{roll:02}`
//!   (`TWDX801`);
//! - film: `{show}{roll:03}` (`HBL101`), second unit `{show}X{roll:02}` (`HBLX01`);
//! - an extra recorder on the same roll adds a letter `B`, `C`, ... (`TWD8056B`); `A` is the first.

/// How a show numbers its rolls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `{show}{season}{roll:03}`, second unit `{show}X{season}{roll:02}`.
    Series,
    /// `{show}{roll:03}`, second unit `{show}X{roll:02}`.
    Film,
}

impl Scheme {
    /// `series` or `film`, in any case.
    pub fn parse(word: &str) -> Option<Scheme> {
        match word.to_ascii_lowercase().as_str() {
            "series" => Some(Scheme::Series),
            "film" | "feature" => Some(Scheme::Film),
            _ => None,
        }
    }

    /// The scheme a recipe means when it names none: series when `[vars]` has a season.
    pub fn default_for(season: Option<&str>) -> Scheme {
        match season {
            Some(s) if !s.trim().is_empty() => Scheme::Series,
            _ => Scheme::Film,
        }
    }

    /// The label forms of this scheme for a show and season, as said to a sound editor.
    pub fn describe(self, show: &str, season: &str) -> String {
        match self {
            Scheme::Series => format!(
                "series scheme: {show}{season} + 3-digit roll ({show}{season}001), second unit \
                 {show}X{season} + 2 digits, extra recorders add B, C..."
            ),
            Scheme::Film => format!(
                "film scheme: {show} + 3-digit roll ({show}001), second unit {show}X + 2 digits, \
                 extra recorders add B, C..."
            ),
        }
    }
}

/// Which unit shot a roll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// The main unit.
    Main,
    /// The second unit (`X` in the label).
    Second,
}

impl Unit {
    /// `main` or `second`, the `{unit}` token.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Main => "main",
            Unit::Second => "second",
        }
    }
}

/// A roll label that follows the show's scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollLabel {
    /// The roll number as written (`056`), the `{roll}` token.
    pub roll: String,
    /// The unit.
    pub unit: Unit,
    /// The recorder letter, `A` when the label has none, the `{recorder}` token.
    pub recorder: char,
}

/// Why a label does not follow the scheme.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// The recipe has no `show` var, so no label can be judged.
    #[error("the recipe has no [vars] show to judge roll labels against")]
    NoShow,
    /// The series scheme needs a season.
    #[error("the series scheme needs [vars] season")]
    NoSeason,
    /// The label does not have the scheme's form.
    #[error("roll label `{label}` does not follow the {}", .expected)]
    Mismatch {
        /// The label as read.
        label: String,
        /// The scheme's forms, in words.
        expected: String,
    },
}

/// Parse a roll label against a scheme; letters compare without regard to case.
pub fn parse_label(
    label: &str,
    scheme: Scheme,
    show: Option<&str>,
    season: Option<&str>,
) -> Result<RollLabel, LabelError> {
    let show = show
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(LabelError::NoShow)?;
    let season = season.map(str::trim).unwrap_or("");
    if scheme == Scheme::Series && season.is_empty() {
        return Err(LabelError::NoSeason);
    }
    let mismatch = || LabelError::Mismatch {
        label: label.to_string(),
        expected: scheme.describe(show, season),
    };
    let upper = label.trim().to_ascii_uppercase();
    let rest = upper
        .strip_prefix(&show.to_ascii_uppercase())
        .ok_or_else(mismatch)?;
    let (unit, rest) = match rest.strip_prefix('X') {
        Some(rest) => (Unit::Second, rest),
        None => (Unit::Main, rest),
    };
    let rest = match scheme {
        Scheme::Series => rest
            .strip_prefix(&season.to_ascii_uppercase())
            .ok_or_else(mismatch)?,
        Scheme::Film => rest,
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let suffix: Vec<char> = rest.chars().skip(digits.chars().count()).collect();
    let width = match unit {
        Unit::Main => 3,
        Unit::Second => 2,
    };
    if digits.len() != width {
        return Err(mismatch());
    }
    let recorder = match suffix.as_slice() {
        [] => 'A',
        [letter] if letter.is_ascii_uppercase() => *letter,
        _ => return Err(mismatch()),
    };
    Ok(RollLabel {
        roll: digits,
        unit,
        recorder,
    })
}

/// The production day of a take that started at `date` (`YYYY-MM-DD`, or `YYYY:MM:DD` as some
/// recorders write) and `time` (`HH:MM:SS`): a take before the cutoff hour belongs to the day
/// before, so a night shoot is one day. `None` when the date cannot be read.
pub fn production_day(date: &str, time: &str, cutoff_minutes: u32) -> Option<String> {
    let numbers: Vec<u32> = date
        .trim()
        .split(['-', ':', '/'])
        .map(|p| p.parse().ok())
        .collect::<Option<Vec<u32>>>()?;
    let [year, month, day] = numbers.as_slice() else {
        return None;
    };
    if !(1..=12).contains(month) || !(1..=31).contains(day) || *year < 1900 {
        return None;
    }
    let minutes = time
        .trim()
        .split(':')
        .take(2)
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<u32>>>()
        .and_then(|hm| match hm.as_slice() {
            [h, m] => Some(h * 60 + m),
            _ => None,
        })
        .unwrap_or(24 * 60);
    let days = days_from_civil(i64::from(*year), *month, *day);
    let days = if minutes < cutoff_minutes {
        days - 1
    } else {
        days
    };
    let (y, m, d) = civil_from_days(days);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Minutes after midnight of `HH:MM` (`06:00` is 360).
pub fn parse_cutoff(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Gregorian date of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The ledger's columns, in order.
pub const LEDGER_COLUMNS: [&str; 7] = ["roll", "day", "recorder", "files", "first", "last", "run"];

/// One ledger row: a roll delivered on one production day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerRow {
    /// The roll label.
    pub roll: String,
    /// The production day, `YYYY-MM-DD` (empty when unknown).
    pub day: String,
    /// The recorder (bext originator, model and serial).
    pub recorder: String,
    /// How many files of the roll the run delivered.
    pub files: usize,
    /// The first file's `FILE_UID` (else its file name), in start-time order.
    pub first: String,
    /// The last file's `FILE_UID` (else its file name).
    pub last: String,
    /// When the run was, UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub run: String,
}

/// Why ledger text cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Not CSV, or a row that does not fit the columns.
    #[error("ledger line {line}: {message}")]
    Bad {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// Read ledger text (a header row of [`LEDGER_COLUMNS`], then rows); empty text is an empty ledger.
pub fn read_ledger(bytes: &[u8]) -> Result<Vec<LedgerRow>, LedgerError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let bad = |line: u64, message: String| LedgerError::Bad { line, message };
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    if headers.is_empty() {
        return Ok(Vec::new());
    }
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let positions: Vec<Option<usize>> = LEDGER_COLUMNS.iter().map(|c| column(c)).collect();
    if positions[0].is_none() {
        return Err(bad(1, "no `roll` column".to_string()));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| {
            positions[i]
                .and_then(|p| record.get(p))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let files = cell(3);
        rows.push(LedgerRow {
            roll: cell(0),
            day: cell(1),
            recorder: cell(2),
            files: if files.is_empty() {
                0
            } else {
                files
                    .parse()
                    .map_err(|_| bad(line, format!("`files` is not a number: {files}")))?
            },
            first: cell(4),
            last: cell(5),
            run: cell(6),
        });
    }
    Ok(rows)
}

/// Ledger text for `rows` (with the header when `header` is true), ready to append.
pub fn ledger_text(rows: &[LedgerRow], header: bool) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    if header {
        let _ = writer.write_record(LEDGER_COLUMNS);
    }
    for row in rows {
        let files = row.files.to_string();
        let _ = writer.write_record([
            row.roll.as_str(),
            row.day.as_str(),
            row.recorder.as_str(),
            files.as_str(),
            row.first.as_str(),
            row.last.as_str(),
            row.run.as_str(),
        ]);
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_labels_main_second_unit_and_extra_recorders() {
        let parse = |l| parse_label(l, Scheme::Series, Some("TWD"), Some("8"));
        assert_eq!(
            parse("TWD8056"),
            Ok(RollLabel {
                roll: "056".into(),
                unit: Unit::Main,
                recorder: 'A'
            })
        );
        let second = parse("TWDX801B").map_err(|e| e.to_string());
        assert_eq!(
            second,
            Ok(RollLabel {
                roll: "01".into(),
                unit: Unit::Second,
                recorder: 'B'
            })
        );
        assert_eq!(parse("twd8056c").map(|l| l.recorder), Ok('C'));
        for bad in [
            "TWD856",
            "TWD80561",
            "TWD8056BB",
            "STX201",
            "TWDX8001",
            "TWD8056-1",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn film_labels_and_missing_vars() {
        let parse = |l| parse_label(l, Scheme::Film, Some("STX"), None);
        assert_eq!(parse("STX201").map(|l| l.roll), Ok("201".into()));
        assert_eq!(parse("STXX01").map(|l| l.unit), Ok(Unit::Second));
        assert_eq!(parse("STX201B").map(|l| l.recorder), Ok('B'));
        assert!(parse("STX2001").is_err());
        assert_eq!(
            parse_label("X", Scheme::Film, None, None),
            Err(LabelError::NoShow)
        );
        assert_eq!(
            parse_label("X", Scheme::Series, Some("A"), None),
            Err(LabelError::NoSeason)
        );
        let message = parse("2U01")
            .map_err(|e| e.to_string())
            .err()
            .unwrap_or_default();
        assert!(
            message.contains("`2U01`") && message.contains("film scheme"),
            "{message}"
        );
    }

    #[test]
    fn a_night_shoot_is_one_production_day() {
        let cutoff = parse_cutoff("06:00").unwrap_or(0);
        assert_eq!(
            production_day("2024-03-01", "23:40:00", cutoff).as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(
            production_day("2024-03-02", "02:10:00", cutoff).as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(
            production_day("2024:03:01", "00:10:00", cutoff).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            production_day("2024-01-01", "05:59:59", cutoff).as_deref(),
            Some("2023-12-31")
        );
        assert_eq!(
            production_day("2024-03-02", "", cutoff).as_deref(),
            Some("2024-03-02")
        );
        assert_eq!(production_day("", "10:00:00", cutoff), None);
        assert_eq!(parse_cutoff("25:00"), None);
    }

    #[test]
    fn ledger_rows_round_trip() {
        let rows = vec![LedgerRow {
            roll: "TWD8056".into(),
            day: "2024-03-01".into(),
            recorder: "Sound Dev: 888 S#1, \"B\"".into(),
            files: 12,
            first: "UID1".into(),
            last: "UID12".into(),
            run: "2024-03-02T01:00:00Z".into(),
        }];
        let mut text = ledger_text(&rows, true);
        text.extend(ledger_text(&rows, false));
        let read = read_ledger(&text).map_err(|e| e.to_string());
        assert_eq!(read.map(|r| r.len()), Ok(2));
        assert_eq!(read_ledger(b"").map(|r| r.len()).ok(), Some(0));
        assert!(read_ledger(b"roll,files\nX,many\n").is_err());
    }
}
