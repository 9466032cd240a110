//! The rules about one take: format, slate, tracks, pre-roll, recovery.

use rollcall_sdk::{CheckedTake, Finding, Severity, Take, Track, FACT_RECOVERED};

use crate::{PracticeCheck, TimecodeRate};

/// The roll label of a take: iXML `TAPE`, else the bext `TAPE` line.
pub(crate) fn roll_of(take: &CheckedTake) -> Option<String> {
    take.source.field("tape").map(str::to_string)
}

/// A finding about this take, in its roll.
pub(crate) fn finding(
    take: &CheckedTake,
    rule: &str,
    severity: Severity,
    message: String,
) -> Finding {
    Finding::file(rule, severity, take.path(), message).in_roll(roll_of(take))
}

/// True for a take marked wild (iXML `WILD_TRACK`).
pub(crate) fn is_wild(source: &Take) -> bool {
    source
        .ixml("WILD_TRACK")
        .is_some_and(|v| matches!(v.trim().to_ascii_uppercase().as_str(), "TRUE" | "1" | "YES"))
}

/// The take's timecode rate from iXML `SPEED`.
pub(crate) fn timecode_rate(source: &Take) -> Option<TimecodeRate> {
    let rate = source
        .ixml("SPEED/TIMECODE_RATE")
        .filter(|r| !r.trim().is_empty())?;
    TimecodeRate::parse(rate, source.ixml("SPEED/TIMECODE_FLAG"))
}

/// Every per-take rule.
pub(crate) fn take_findings(check: &PracticeCheck, take: &CheckedTake) -> Vec<Finding> {
    let mut out = Vec::new();
    let source = &take.source;
    let fmt = &source.fmt;
    if fmt.bits_per_sample != check.bit_depth || fmt.float {
        out.push(finding(
            take,
            "format/bit-depth",
            Severity::Warning,
            format!(
                "{}-bit{} audio; the practice is {}-bit",
                fmt.bits_per_sample,
                if fmt.float { " float" } else { "" },
                check.bit_depth
            ),
        ));
    }
    if let Some(rate) = check.sample_rate {
        if fmt.sample_rate != rate {
            out.push(finding(
                take,
                "format/sample-rate",
                Severity::Error,
                format!(
                    "sample rate {} Hz; the show's rate is {rate} Hz",
                    fmt.sample_rate
                ),
            ));
        }
    }
    if let Some(wanted) = check.timecode_rate {
        match timecode_rate(source) {
            Some(rate) if !rate.matches(wanted) => out.push(finding(
                take,
                "format/timecode-rate",
                Severity::Error,
                format!(
                    "timecode rate {}; the show's rate is {}",
                    rate.label(),
                    wanted.label()
                ),
            )),
            _ => {}
        }
    }
    let family_member = split_mono(source);
    if let Some(message) = &family_member {
        out.push(finding(
            take,
            "format/poly",
            Severity::Warning,
            message.clone(),
        ));
    }
    if !is_wild(source) {
        slate_rules(take, &mut out);
    }
    // A member of a split-mono family has no layout of its own (format/poly says what is wrong).
    if family_member.is_none() {
        track_rules(take, &mut out);
    }
    pre_roll_rule(check, take, &mut out);
    if let Some(repaired) = source.fact(FACT_RECOVERED) {
        out.push(finding(
            take,
            "take/recovered",
            Severity::Warning,
            format!("the recorder did not finalize this take; recovered: {repaired}"),
        ));
    }
    out
}

/// Why a take is a member of a split-mono family, if it is.
fn split_mono(source: &Take) -> Option<String> {
    let total = source
        .ixml("FILE_SET/TOTAL_FILES")
        .and_then(|t| t.trim().parse::<u32>().ok())
        .unwrap_or(1);
    if total > 1 {
        return Some(format!(
            "one file of a split-mono family of {total}; the practice is one polyphonic file per take"
        ));
    }
    if source.fmt.channels != 1 {
        return None;
    }
    let stem = source.stem().to_ascii_uppercase();
    let member = stem
        .rsplit_once("_TR")
        .is_some_and(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        || {
            // `A101_1_3`: scene_take_channel.
            let parts: Vec<&str> = stem.split('_').collect();
            parts.len() >= 3
                && parts[parts.len() - 2..]
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
    member.then(|| {
        format!(
            "{} is a one-channel member of a split-mono family; the practice is one polyphonic file per take",
            source.source_name
        )
    })
}

/// The take number without leading zeros when it is all digits (`001` is `1`).
fn normal_number(value: &str) -> String {
    let v = value.trim();
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
        let t = v.trim_start_matches('0');
        if t.is_empty() {
            "0".to_string()
        } else {
            t.to_string()
        }
    } else {
        v.to_ascii_uppercase()
    }
}

/// Whether a file stem is named for its scene and take: the scene, then the take number.
fn named_for(stem: &str, scene: &str, take: &str) -> bool {
    let stem = stem.to_ascii_uppercase();
    let scene = scene.trim().to_ascii_uppercase();
    if scene.is_empty() {
        return false;
    }
    let wanted = normal_number(take);
    let mut from = 0;
    while let Some(found) = stem.get(from..).and_then(|s| s.find(&scene)) {
        let start = from + found;
        let end = start + scene.len();
        // The scene must not run on into more of itself (`12` inside `12A`).
        let next = stem.get(end..).and_then(|r| r.chars().next());
        let continues = next.is_some_and(|c| c.is_ascii_alphanumeric());
        if !continues {
            let rest = stem.get(end..).unwrap_or("");
            let groups = rest
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|g| !g.is_empty());
            for group in groups {
                let group = group.strip_prefix('T').unwrap_or(group);
                if normal_number(group) == wanted {
                    return true;
                }
            }
        }
        from = start + 1;
    }
    false
}

fn slate_rules(take: &CheckedTake, out: &mut Vec<Finding>) {
    let source = &take.source;
    let scene = source.field("scene");
    let take_number = source.field("take");
    match (scene, take_number) {
        (Some(scene), Some(number)) => {
            let delivered = &take.take;
            if !named_for(delivered.stem_of_file_name(), scene, number) {
                out.push(finding(
                    take,
                    "slate/name",
                    Severity::Warning,
                    format!(
                        "delivered as {}, not named for scene {scene} take {number}",
                        delivered.file_name
                    ),
                ));
            }
        }
        _ => {
            let missing = match (scene, take_number) {
                (None, None) => "scene and take",
                (None, _) => "scene",
                _ => "take",
            };
            out.push(finding(
                take,
                "slate/missing",
                Severity::Error,
                format!("no {missing} in iXML or bext; mark the take wild if it has no slate"),
            ));
        }
    }
    for key in ["SCENE", "TAKE", "TAPE"] {
        let ixml = source.ixml(key).map(str::trim).filter(|v| !v.is_empty());
        let bext = source
            .description_key(key)
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let (Some(ixml), Some(bext)) = (ixml, bext) {
            if normal_number(ixml) != normal_number(bext) {
                out.push(finding(
                    take,
                    "slate/disagree",
                    Severity::Warning,
                    format!("{key} is `{ixml}` in iXML but `{bext}` in bext"),
                ));
            }
        }
    }
}

/// Whether a track is a mix: its name (`Mix`, `MixL`, `L-MIX`) or its iXML `FUNCTION`.
pub(crate) fn is_mix(track: &Track) -> bool {
    let name = track.name.as_deref().unwrap_or("").to_ascii_uppercase();
    let function = track.function.as_deref().unwrap_or("").to_ascii_uppercase();
    name.contains("MIX") || function.contains("MIX")
}

/// Whether a track is a boom: its name or its iXML `FUNCTION`.
pub(crate) fn is_boom(track: &Track) -> bool {
    let name = track.name.as_deref().unwrap_or("").to_ascii_uppercase();
    let function = track.function.as_deref().unwrap_or("").to_ascii_uppercase();
    name.contains("BOOM") || function.contains("BOOM")
}

/// Whether a name says nothing of character or mic: empty, `Tr3`, `ISO 3`, `Ch3`, `Track 3`, `3`.
fn generic_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    let letters: String = lower
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let rest = lower
        .get(letters.len()..)
        .unwrap_or("")
        .trim_start_matches([' ', '-', '_', '#', '.']);
    let numbered = rest.chars().all(|c| c.is_ascii_digit());
    lower.is_empty()
        || (numbered
            && matches!(
                letters.as_str(),
                "" | "tr" | "trk" | "track" | "ch" | "chan" | "channel" | "iso" | "input" | "in"
            ))
}

fn track_rules(take: &CheckedTake, out: &mut Vec<Finding>) {
    let tracks = &take.take.tracks;
    if tracks.len() >= 2 {
        let mut problems = Vec::new();
        if !tracks.first().is_some_and(is_mix) {
            problems.push(format!("track 1 is {}, not a mix", shown(tracks.first())));
        }
        if !tracks.get(1).is_some_and(is_boom) {
            problems.push(format!("track 2 is {}, not a boom", shown(tracks.get(1))));
        }
        if !problems.is_empty() {
            out.push(finding(
                take,
                "tracks/layout",
                Severity::Warning,
                format!(
                    "{}; the practice is Ch1 mix, Ch2 boom, then ISOs",
                    problems.join(", ")
                ),
            ));
        }
    }
    for (position, track) in tracks.iter().enumerate() {
        if is_mix(track) || is_boom(track) {
            continue;
        }
        let name = track.name.as_deref().unwrap_or("");
        if generic_name(name) {
            out.push(finding(
                take,
                "tracks/iso-named",
                Severity::Warning,
                format!(
                    "ISO track {} is named {}: no character or mic",
                    position + 1,
                    if name.trim().is_empty() {
                        "nothing".to_string()
                    } else {
                        format!("`{name}`")
                    }
                ),
            ));
        }
    }
}

fn shown(track: Option<&Track>) -> String {
    match track
        .and_then(|t| t.name.as_deref())
        .filter(|n| !n.trim().is_empty())
    {
        Some(name) => format!("`{name}`"),
        None => "unnamed".to_string(),
    }
}

fn pre_roll_rule(check: &PracticeCheck, take: &CheckedTake, out: &mut Vec<Finding>) {
    let source = &take.source;
    let count = source
        .ixml("PRE_RECORD_SAMPLECOUNT")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    match count {
        None => out.push(finding(
            take,
            "take/pre-roll",
            Severity::Info,
            "pre-roll not recorded (no iXML PRE_RECORD_SAMPLECOUNT)".to_string(),
        )),
        Some(count) => {
            let rate = f64::from(source.fmt.sample_rate.max(1));
            match count.parse::<u64>() {
                Ok(samples) => {
                    let seconds = samples as f64 / rate;
                    if seconds + 1e-9 < check.pre_roll {
                        out.push(finding(
                            take,
                            "take/pre-roll",
                            Severity::Warning,
                            format!(
                                "{seconds:.1} s of pre-roll; the practice is at least {} s",
                                check.pre_roll
                            ),
                        ));
                    }
                }
                Err(_) => out.push(finding(
                    take,
                    "take/pre-roll",
                    Severity::Info,
                    format!("pre-roll not readable (PRE_RECORD_SAMPLECOUNT `{count}`)"),
                )),
            }
        }
    }
}

/// The delivered file name's stem, for the naming rule.
trait StemOfFileName {
    fn stem_of_file_name(&self) -> &str;
}

impl StemOfFileName for Take {
    fn stem_of_file_name(&self) -> &str {
        match self.file_name.rfind('.') {
            Some(dot) if dot > 0 => self.file_name.get(..dot).unwrap_or(&self.file_name),
            _ => &self.file_name,
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn names_for_scene_and_take() {
        assert!(named_for("12A_1", "12A", "1"));
        assert!(named_for("12A-1", "12A", "1"));
        assert!(named_for("14-T001", "14", "001"));
        assert!(named_for("14_T001", "14", "1"));
        assert!(named_for("2U01-31A-02", "31A", "02"));
        assert!(!named_for("12A_1", "12", "1"));
        assert!(!named_for("ZOOM0004", "5", "4"));
        assert!(!named_for("12_2", "12", "1"));
    }

    #[test]
    fn generic_iso_names() {
        for name in ["", "Tr3", "ISO 3", "Ch3", "Track 3", "3", "TRK-4", "in 7"] {
            assert!(generic_name(name), "{name}");
        }
        for name in ["ZOË (COS-11D)", "Lav1", "Captain", "Tr3 Reyes"] {
            assert!(!generic_name(name), "{name}");
        }
    }
}
