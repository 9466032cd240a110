//! What a sound report shows of one file, read from its header.

use rollcall_soundreport::truthy;
use rollcall_take::SourceTake;

/// The metadata a report shows of one file, read from its header.
#[derive(Clone, Debug, Default)]
pub(super) struct TakeFacts {
    pub(super) scene: Option<String>,
    pub(super) take: Option<String>,
    pub(super) tape: Option<String>,
    pub(super) project: Option<String>,
    pub(super) circled: bool,
    pub(super) wild: bool,
    pub(super) note: String,
    pub(super) user: String,
    pub(super) start_tc: Option<String>,
    pub(super) length_seconds: Option<f64>,
    pub(super) sample_rate: u32,
    pub(super) bit_depth: u16,
    pub(super) channels: u16,
    pub(super) frame_rate: Option<String>,
    pub(super) date: Option<String>,
    pub(super) recorder: Option<String>,
    pub(super) tracks: Vec<String>,
}

impl TakeFacts {
    pub(super) fn of(source: &SourceTake) -> TakeFacts {
        let field = |name: &str| source.field(name);
        let fmt = &source.header.fmt;
        let frames = source.header.frames();
        let timecode = source.start_timecode();
        let drop_frame = source
            .ixml
            .as_ref()
            .and_then(|x| x.get("SPEED/TIMECODE_FLAG"))
            .is_some_and(|f| f.trim().eq_ignore_ascii_case("DF"));
        let bext = source.bext.as_ref();
        TakeFacts {
            scene: field("SCENE"),
            take: field("TAKE"),
            tape: field("TAPE"),
            project: field("PROJECT"),
            circled: field("CIRCLED").is_some_and(|c| truthy(&c) == Some(true)),
            wild: field("WILD_TRACK").is_some_and(|c| truthy(&c) == Some(true)),
            note: field("NOTE").unwrap_or_default(),
            user: field("USER").unwrap_or_default(),
            start_tc: timecode.as_ref().map(|t| t.text.clone()),
            length_seconds: (fmt.sample_rate > 0)
                .then(|| frames as f64 / f64::from(fmt.sample_rate)),
            sample_rate: fmt.sample_rate,
            bit_depth: fmt.bits_per_sample,
            channels: fmt.channels,
            frame_rate: timecode
                .as_ref()
                .and_then(|t| t.rate.as_deref())
                .and_then(|rate| wave_agent_frame_rate(rate, drop_frame)),
            date: bext
                .map(|b| iso_date(&b.origination_date))
                .filter(|d| !d.is_empty()),
            recorder: bext
                .map(|b| b.originator.trim().to_string())
                .filter(|o| !o.is_empty()),
            tracks: source
                .tracks()
                .into_iter()
                .map(|t| t.name.unwrap_or_default())
                .collect(),
        }
    }
}

/// A bext origination date as `yyyy-mm-dd` (Metacorder writes `2019:01:01`, others `2019/01/01`).
fn iso_date(date: &str) -> String {
    date.trim()
        .chars()
        .map(|c| if c == ':' || c == '/' { '-' } else { c })
        .collect()
}

/// A timecode rate as Wave Agent writes it: `24000/1001` non-drop is `23.97 ND`, `25/1` is `25 ND`,
/// `30000/1001` drop frame `29.97 D`.
fn wave_agent_frame_rate(rate: &str, drop_frame: bool) -> Option<String> {
    let (numerator, denominator) = match rate.split_once('/') {
        Some((n, d)) => (n.trim().parse::<f64>().ok()?, d.trim().parse::<f64>().ok()?),
        None => (rate.trim().parse::<f64>().ok()?, 1.0),
    };
    if denominator <= 0.0 || !numerator.is_finite() || numerator <= 0.0 {
        return None;
    }
    let hundredths = (numerator / denominator * 100.0).floor() / 100.0;
    let text = format!("{hundredths:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Some(format!("{text} {}", if drop_frame { "D" } else { "ND" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_read_as_wave_agent_writes_them() {
        assert_eq!(
            wave_agent_frame_rate("24000/1001", false).as_deref(),
            Some("23.97 ND")
        );
        assert_eq!(
            wave_agent_frame_rate("25/1", false).as_deref(),
            Some("25 ND")
        );
        assert_eq!(
            wave_agent_frame_rate("30000/1001", true).as_deref(),
            Some("29.97 D")
        );
        assert_eq!(wave_agent_frame_rate("24", false).as_deref(), Some("24 ND"));
        assert_eq!(wave_agent_frame_rate("0/0", false), None);
        assert_eq!(wave_agent_frame_rate("x", false), None);
    }
}
