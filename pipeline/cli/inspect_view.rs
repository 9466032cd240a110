//! `rollcall inspect`'s human forms: one block per file, or `--table`, one line per take.
//! Every value read from a file goes through [`printable`].

use crate::inspect::InspectedFile;
use crate::run::printable;

/// `24-bit int`, `32-bit float`.
pub fn sample_format_label(bits: u16, format: Option<&str>) -> String {
    format!("{bits}-bit {}", format.unwrap_or("int"))
}

/// A timecode rate as editors say it: `24000/1001` + `NDF` -> `23.976 ND`, `30000/1001` + `DF` ->
/// `29.97 DF`, `25` -> `25`. An unreadable rate is shown as written.
pub fn rate_label(rate: &str, flag: Option<&str>) -> String {
    let rate = rate.trim();
    let (numerator, denominator) = match rate.split_once('/') {
        Some((n, d)) => (n.trim().parse::<f64>().ok(), d.trim().parse::<f64>().ok()),
        None => (rate.parse::<f64>().ok(), Some(1.0)),
    };
    let (Some(numerator), Some(denominator)) = (numerator, denominator) else {
        return printable(rate);
    };
    if denominator <= 0.0 || numerator <= 0.0 {
        return printable(rate);
    }
    let fps = numerator / denominator;
    let fractional = (fps - fps.round()).abs() > 1e-6;
    let number = if fractional {
        // 23.976, 29.97, 59.94, 47.952: three decimals, trailing zeros dropped.
        let text = format!("{fps:.3}");
        text.trim_end_matches('0').to_string()
    } else {
        format!("{}", fps.round() as u64)
    };
    let drop = flag.is_some_and(|f| f.trim().eq_ignore_ascii_case("DF"));
    match (drop, fractional) {
        (true, _) => format!("{number} DF"),
        (false, true) => format!("{number} ND"),
        (false, false) => number,
    }
}

/// A length in seconds as `HH:MM:SS.mmm`.
pub fn length_label(seconds: f64) -> String {
    let millis = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        millis / 3_600_000,
        millis / 60_000 % 60,
        millis / 1000 % 60,
        millis % 1000
    )
}

fn shown(value: &Option<String>) -> String {
    value.as_deref().map_or_else(|| "-".to_string(), printable)
}

fn circled_word(circled: Option<bool>) -> &'static str {
    match circled {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

fn start_label(file: &InspectedFile) -> String {
    match (&file.timecode, &file.timecode_rate) {
        (Some(tc), Some(rate)) => format!(
            "{} @ {}",
            printable(tc),
            rate_label(rate, file.timecode_flag.as_deref())
        ),
        (Some(clock), None) => format!("{} (clock time; timecode rate unknown)", printable(clock)),
        _ => "-".to_string(),
    }
}

/// One file as a block of lines.
pub fn print_human(file: &InspectedFile) {
    outln!("{}", printable(&file.path));
    let Some(container) = file.container else {
        outln!(
            "  error: {}",
            printable(file.error.as_deref().unwrap_or("unreadable"))
        );
        outln!("");
        return;
    };
    outln!(
        "  {container}, {} ch, {} Hz, {}, {} ({} frames)",
        file.channels.unwrap_or(0),
        file.sample_rate.unwrap_or(0),
        sample_format_label(file.bits_per_sample.unwrap_or(0), file.sample_format),
        file.duration_seconds
            .map_or_else(|| "-".to_string(), length_label),
        file.frames.unwrap_or(0)
    );
    outln!(
        "  scene {}  take {}  tape {}  circled {}",
        shown(&file.scene),
        shown(&file.take),
        shown(&file.tape),
        circled_word(file.circled)
    );
    outln!("  start {}", start_label(file));
    if let Some(recovery) = &file.recovery {
        outln!("  needs recovery: {}", printable(recovery));
    }
    if let Some(project) = &file.project {
        outln!("  project {}", printable(project));
    }
    if let Some(note) = &file.note {
        outln!("  note {}", printable(note));
    }
    if let Some(bext) = &file.bext {
        outln!(
            "  bext originator {}  reference {}  {} {}",
            printable(&bext.originator),
            printable(&bext.originator_reference),
            printable(&bext.origination_date),
            printable(&bext.origination_time)
        );
        if let Some(umid) = &bext.umid {
            outln!("  bext UMID {umid}");
        }
        if !bext.description.is_empty() {
            outln!("  bext description:");
            for line in &bext.description {
                outln!("    {}", printable(line));
            }
        }
    }
    if let Some(error) = &file.error {
        outln!("  warning: {}", printable(error));
    }
    let measured = file.tracks.iter().any(|t| t.audio.is_some());
    if measured {
        outln!(
            "  {:>3} {:>4}  {:<24} {:<10} {:>9} {:>7}  SILENT",
            "#",
            "CH",
            "NAME",
            "FUNCTION",
            "PEAK dBFS",
            "CLIPPED"
        );
    } else {
        outln!("  {:>3} {:>4}  {:<24} FUNCTION", "#", "CH", "NAME");
    }
    for track in &file.tracks {
        let channel = track
            .channel_index
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into());
        let name = shown(&track.name);
        let function = shown(&track.function);
        match &track.audio {
            Some(audio) => outln!(
                "  {:>3} {:>4}  {:<24} {:<10} {:>9} {:>7}  {}",
                track.interleave_index,
                channel,
                name,
                function,
                audio
                    .peak_dbfs
                    .map_or_else(|| "-inf".to_string(), |db| format!("{db:.1}")),
                audio.clipped_runs,
                if audio.silent { "silent" } else { "-" }
            ),
            None => outln!(
                "  {:>3} {:>4}  {:<24} {}",
                track.interleave_index,
                channel,
                name,
                function
            ),
        }
    }
    if let Some(loudness) = &file.loudness {
        let level = |v: Option<f64>, unit: &str| {
            v.map_or_else(|| format!("- {unit}"), |v| format!("{v:.1} {unit}"))
        };
        outln!(
            "  loudness of track {}: {}, true peak {}",
            loudness.track,
            level(loudness.integrated_lufs, "LUFS"),
            level(loudness.true_peak_dbtp, "dBTP")
        );
    }
    let chunks: Vec<String> = file
        .chunks
        .iter()
        .map(|c| format!("{}({})", printable(c.id.trim_end()), c.size))
        .collect();
    outln!("  chunks: {}", chunks.join(" "));
    outln!("");
}

/// Every file as one row: file, scene, take, circled, start TC, length, channels, track names.
pub fn print_table(files: &[InspectedFile]) {
    let header = [
        "FILE", "SCENE", "TAKE", "CIRCLED", "START", "LENGTH", "CH", "TRACKS",
    ];
    let rows: Vec<[String; 8]> = files
        .iter()
        .map(|file| {
            if file.container.is_none() {
                return [
                    printable(&file.path),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    format!(
                        "error: {}",
                        printable(file.error.as_deref().unwrap_or("unreadable"))
                    ),
                ];
            }
            let tracks: Vec<String> = file.tracks.iter().map(|t| shown(&t.name)).collect();
            [
                printable(&file.path),
                shown(&file.scene),
                shown(&file.take),
                circled_word(file.circled).to_string(),
                start_label(file),
                file.duration_seconds
                    .map_or_else(|| "-".to_string(), length_label),
                file.channels.map_or_else(|| "-".into(), |c| c.to_string()),
                tracks.join(", "),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        text
    };
    outln!("{}", line(&header.map(String::from)));
    for row in &rows {
        outln!("{}", line(row));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_lengths_and_formats_read_as_editors_say_them() {
        assert_eq!(rate_label("24000/1001", Some("NDF")), "23.976 ND");
        assert_eq!(rate_label("30000/1001", Some("DF")), "29.97 DF");
        assert_eq!(rate_label("25/1", Some("NDF")), "25");
        assert_eq!(rate_label("24", None), "24");
        assert_eq!(rate_label("abc", None), "abc");
        assert_eq!(length_label(0.25), "00:00:00.250");
        assert_eq!(length_label(3723.5), "01:02:03.500");
        assert_eq!(sample_format_label(24, Some("int")), "24-bit int");
        assert_eq!(sample_format_label(32, Some("float")), "32-bit float");
    }
}
