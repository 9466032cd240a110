//! The printable HTML sound report: one page per roll and an index, self-contained (inline CSS and
//! SVG, no script, no font or image fetched), readable on screen and on A4 or Letter landscape.
//!
//! Every value from a file goes through maud's escaping and is shown inside `<bdi>`, with bidi and
//! other control characters replaced by visible `<U+202E>` escapes, so a hostile note or track name
//! is shown as text and cannot reorder the page.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use rollcall_findings::{Finding, Severity};

/// One track of a take on the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageTrack {
    /// The delivered track name.
    pub name: String,
    /// Sample peak in dBFS, when measured (`None`: not measured, or digital silence when
    /// [`PageTrack::silent`]).
    pub peak_dbfs: Option<f64>,
    /// True when the track is silent (QC).
    pub silent: bool,
}

/// A min/max envelope of a take's audio for the waveform thumbnail: per column, the lowest and
/// highest sample in -1.0..=1.0.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    /// `(min, max)` per column, left to right.
    pub columns: Vec<(f32, f32)>,
}

/// One take (row) of the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageTake {
    /// Delivered file name.
    pub file: String,
    /// Scene.
    pub scene: String,
    /// Take.
    pub take: String,
    /// Circled on the sound report.
    pub circled: bool,
    /// A wild take (no picture).
    pub wild: bool,
    /// Start timecode.
    pub start_tc: String,
    /// Duration `HH:MM:SS`.
    pub length: String,
    /// Tracks in delivered order.
    pub tracks: Vec<PageTrack>,
    /// Waveform envelope, when QC measured one.
    pub envelope: Option<Envelope>,
    /// The mixer's note.
    pub note: String,
    /// Findings about this take.
    pub findings: Vec<Finding>,
    /// Warnings of the steps and the engine about this take (a mis-slate the report fixed).
    pub warnings: Vec<String>,
}

/// The page of one delivered roll.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RollPage {
    /// Show (recipe `[vars] show`, else the files' project).
    pub show: Option<String>,
    /// Roll label.
    pub roll: String,
    /// Shoot dates (`2018-12-31`), in order.
    pub dates: Vec<String>,
    /// Recorders (bext originator), when known.
    pub recorders: Vec<String>,
    /// Production sound mixer, when known.
    pub mixer: Option<String>,
    /// Sample rates found (`48000`).
    pub sample_rates: Vec<String>,
    /// Bit depths found (`24`).
    pub bit_depths: Vec<String>,
    /// Timecode rates found (`23.976 ND`).
    pub timecode_rates: Vec<String>,
    /// One entry per take, in delivered order.
    pub takes: Vec<PageTake>,
    /// Findings about the roll (a missing take).
    pub findings: Vec<Finding>,
    /// What made the page (`rollcall 0.1.0`), shown in the footer.
    pub generator: String,
}

/// One roll on the index page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexRoll {
    /// Roll label.
    pub roll: String,
    /// Link to the roll's page, relative to the index (`A001.html`).
    pub page: String,
    /// Link to the roll's CSV, relative to the index.
    pub csv: String,
    /// Shoot dates.
    pub dates: Vec<String>,
    /// Takes delivered.
    pub takes: usize,
    /// Of which circled.
    pub circled: usize,
    /// Findings by severity: errors, warnings, infos.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Infos.
    pub infos: usize,
}

/// The index page of a delivery's reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexPage {
    /// Show, when known.
    pub show: Option<String>,
    /// Rolls in order.
    pub rolls: Vec<IndexRoll>,
    /// Findings about the batch or rolls without a delivered file (missing takes of a roll that
    /// never came).
    pub findings: Vec<Finding>,
    /// What made the page.
    pub generator: String,
}

const CSS: &str = r#"
@page { size: landscape; margin: 9mm; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; font-size: 10pt;
  color: #111; background: #fff; margin: 16px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 17pt; margin: 0 0 4px 0; }
h1 .roll { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
dl.facts { display: flex; flex-wrap: wrap; gap: 2px 22px; margin: 6px 0 12px 0; }
dl.facts div { display: flex; gap: 6px; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; font-weight: 600; }
table { width: 100%; border-collapse: collapse; }
thead th { text-align: left; font-size: 8.5pt; color: #333; border-bottom: 2px solid #222; padding: 4px 5px; }
tbody td { border-bottom: 1px solid #ccc; padding: 4px 5px; vertical-align: top; }
tbody tr { page-break-inside: avoid; break-inside: avoid; }
tr.circled td { background: #fff6d6; }
td.file, td.tc, td.num { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 9pt; white-space: nowrap; }
td.take { text-align: center; white-space: nowrap; }
.circle { display: inline-block; min-width: 26px; padding: 1px 5px; border: 2.5px solid #c0392b; border-radius: 14px;
  font-weight: 700; color: #c0392b; }
.mark { display: block; font-size: 7pt; font-weight: 700; letter-spacing: .04em; color: #c0392b; }
.wild { display: block; font-size: 7pt; font-weight: 700; color: #1f5fa8; }
ul.tracks { list-style: none; margin: 0; padding: 0; }
ul.tracks li { display: flex; align-items: center; gap: 5px; white-space: nowrap; font-size: 8.5pt; line-height: 1.35; }
ul.tracks .n { color: #777; width: 1.4em; text-align: right; }
ul.tracks .db { color: #555; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 7.5pt; }
svg.meter { flex: none; }
svg.wave { display: block; }
td.notes { max-width: 18em; }
ul.findings { margin: 0; padding-left: 1.1em; font-size: 8.5pt; }
.error { color: #b00020; }
.warning { color: #9a5b00; }
.info { color: #455; }
.roll-findings { margin: 0 0 10px 0; }
footer { margin-top: 12px; color: #777; font-size: 8pt; }
a { color: #1f5fa8; }
@media print { body { margin: 0; } a { color: #111; text-decoration: none; } }
"#;

/// Text from a file, safe to show: bidi controls (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F,
/// U+061C) and other control characters replaced by a visible `<U+XXXX>`; maud escapes the rest.
fn shown(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let bidi = matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        );
        if bidi || (c.is_control() && c != '\t') {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A value from a file, isolated from the text around it.
fn value(text: &str) -> Markup {
    html! { bdi { (shown(text)) } }
}

/// A small horizontal peak meter: -60 dBFS empty, 0 dBFS full; green, amber above -12, red above -1.
fn meter(peak: Option<f64>, silent: bool) -> Markup {
    if peak.is_none() && !silent {
        return html! {};
    }
    const WIDTH: f64 = 46.0;
    let fraction = peak.map_or(0.0, |p| ((p + 60.0) / 60.0).clamp(0.0, 1.0));
    let colour = match peak {
        Some(p) if p > -1.0 => "#d0302a",
        Some(p) if p > -12.0 => "#e0a020",
        _ => "#3a9a4a",
    };
    let label = match peak {
        Some(p) => format!("peak {p:.1} dBFS"),
        None => "silent".to_string(),
    };
    html! {
        svg.meter width="46" height="7" viewBox="0 0 46 7" role="img" aria-label=(label) {
            rect x="0" y="0" width="46" height="7" fill="#e6e6e6" {}
            rect x="0" y="0" width=(format!("{:.1}", fraction * WIDTH)) height="7" fill=(colour) {}
            line x1=(format!("{:.1}", 48.0 / 60.0 * WIDTH)) y1="0" x2=(format!("{:.1}", 48.0 / 60.0 * WIDTH)) y2="7" stroke="#fff" stroke-width="0.8" {}
        }
    }
}

/// The peak in figures beside the meter: `-12.3`, `silent`, or nothing when not measured.
fn peak_label(peak: Option<f64>, silent: bool) -> Markup {
    html! {
        @if silent { span.db.warning { "silent" } }
        @else if let Some(p) = peak { span.db { (format!("{p:.1}")) } }
    }
}

/// A waveform thumbnail: one vertical stroke per envelope column, from min to max.
fn waveform(envelope: &Envelope) -> Markup {
    let count = envelope.columns.len().max(1);
    let mut path = String::with_capacity(envelope.columns.len() * 16);
    for (x, (low, high)) in envelope.columns.iter().enumerate() {
        let clamp = |v: f32| {
            if v.is_finite() {
                v.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        };
        let (low, high) = (clamp(*low), clamp(*high));
        // y grows downwards: 0 at the top is +1.0; keep at least a hairline.
        let top = 1.0 - f64::from(high.max(low));
        let bottom = (1.0 - f64::from(low.min(high))).max(top + 0.02);
        path.push_str(&format!("M{x}.5 {top:.3}V{bottom:.3}"));
    }
    html! {
        svg.wave width="150" height="30" viewBox=(format!("0 0 {count} 2")) preserveAspectRatio="none" role="img" aria-label="waveform" {
            rect x="0" y="0" width=(count) height="2" fill="#f3f5f8" {}
            line x1="0" y1="1" x2=(count) y2="1" stroke="#c5cbd3" stroke-width="0.02" {}
            path d=(path) stroke="#2d5d8a" stroke-width="1" fill="none" {}
        }
    }
}

fn findings_list(findings: &[Finding]) -> Markup {
    html! {
        @if !findings.is_empty() {
            ul.findings {
                @for finding in findings {
                    li class=(finding.severity.as_str()) {
                        b { (finding.severity.as_str()) } " " (finding.rule) ": " (value(&finding.message))
                    }
                }
            }
        }
    }
}

fn joined(values: &[String]) -> String {
    values.join(", ")
}

fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (shown(title)) }
                style { (PreEscaped(CSS)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// The page of one roll: header facts, then one row per take.
pub fn render_roll_page(roll: &RollPage) -> String {
    let waveforms = roll.takes.iter().any(|t| t.envelope.is_some());
    let peaks = roll
        .takes
        .iter()
        .flat_map(|t| &t.tracks)
        .any(|t| t.peak_dbfs.is_some() || t.silent);
    let circled = roll.takes.iter().filter(|t| t.circled).count();
    let facts: Vec<(&str, String)> = [
        ("Show", roll.show.clone().unwrap_or_default()),
        ("Roll", roll.roll.clone()),
        ("Shoot date", joined(&roll.dates)),
        ("Recorder", joined(&roll.recorders)),
        ("Mixer", roll.mixer.clone().unwrap_or_default()),
        ("Sample rate", joined(&roll.sample_rates)),
        ("Bit depth", joined(&roll.bit_depths)),
        ("Timecode", joined(&roll.timecode_rates)),
        ("Takes", format!("{} ({circled} circled)", roll.takes.len())),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let title = format!(
        "Sound report {}{}",
        roll.roll,
        roll.show
            .as_deref()
            .map(|s| format!(" - {s}"))
            .unwrap_or_default()
    );
    let body = html! {
        header {
            h1 { "Sound report " span.roll { (value(&roll.roll)) } }
            dl.facts {
                @for (key, text) in &facts {
                    div { dt { (key) } dd { (value(text)) } }
                }
            }
            @if !roll.findings.is_empty() {
                div.roll-findings { (findings_list(&roll.findings)) }
            }
        }
        table {
            thead {
                tr {
                    th { "File" } th { "Scene" } th { "Take" } th { "Start TC" } th { "Length" }
                    th { @if peaks { "Tracks (peak dBFS)" } @else { "Tracks" } }
                    @if waveforms { th { "Waveform" } }
                    th { "Notes" } th { "Findings" }
                }
            }
            tbody {
                @for take in &roll.takes {
                    tr.take.circled[take.circled] {
                        td.file { (value(&take.file)) }
                        td.scene { (value(&take.scene)) }
                        td.take {
                            @if take.circled {
                                span.circle title="circled" { (value(&take.take)) }
                                span.mark { "CIRCLED" }
                            } @else {
                                (value(&take.take))
                            }
                            @if take.wild { span.wild { "WILD" } }
                        }
                        td.tc { (value(&take.start_tc)) }
                        td.num { (value(&take.length)) }
                        td.tracks {
                            ul.tracks {
                                @for (n, track) in take.tracks.iter().enumerate() {
                                    li.track {
                                        span.n { (n + 1) }
                                        (meter(track.peak_dbfs, track.silent))
                                        span.name { (value(&track.name)) }
                                        (peak_label(track.peak_dbfs, track.silent))
                                    }
                                }
                            }
                        }
                        @if waveforms {
                            td.wave {
                                @if let Some(envelope) = &take.envelope { (waveform(envelope)) }
                            }
                        }
                        td.notes { (value(&take.note)) }
                        td.findings {
                            (findings_list(&take.findings))
                            @if !take.warnings.is_empty() {
                                ul.findings {
                                    @for warning in &take.warnings {
                                        li.warning { b { "warning" } " " (value(warning)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        footer { "Written by " (roll.generator) ". " a href="index.html" { "All rolls" } }
    };
    page(&title, body)
}

/// The index of the delivery's reports: one line per roll with its counts and findings.
pub fn render_index_page(index: &IndexPage) -> String {
    let title = match &index.show {
        Some(show) => format!("Sound reports - {show}"),
        None => "Sound reports".to_string(),
    };
    let body = html! {
        h1 { "Sound reports" @if let Some(show) = &index.show { " - " (value(show)) } }
        table {
            thead {
                tr {
                    th { "Roll" } th { "Shoot date" } th { "Takes" } th { "Circled" }
                    th { "Errors" } th { "Warnings" } th { "Info" } th { "CSV" }
                }
            }
            tbody {
                @for roll in &index.rolls {
                    tr.roll {
                        td.file { a href=(roll.page) { (value(&roll.roll)) } }
                        td { (value(&joined(&roll.dates))) }
                        td.num { (roll.takes) }
                        td.num { (roll.circled) }
                        td.num.error[roll.errors > 0] { (roll.errors) }
                        td.num.warning[roll.warnings > 0] { (roll.warnings) }
                        td.num { (roll.infos) }
                        td { a href=(roll.csv) { (value(&roll.csv)) } }
                    }
                }
            }
        }
        @if !index.findings.is_empty() {
            h2 { "Across the batch" }
            (findings_list(&index.findings))
        }
        footer { "Written by " (index.generator) "." }
    };
    page(&title, body)
}

/// Counts findings by severity: `(errors, warnings, infos)`.
pub(crate) fn tally(findings: &[Finding]) -> (usize, usize, usize) {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    )
}

impl IndexRoll {
    /// Sets the finding counts from a roll's findings (its takes' and its own).
    pub fn count_findings<'a>(&mut self, findings: impl IntoIterator<Item = &'a Finding>) {
        let all: Vec<Finding> = findings.into_iter().cloned().collect();
        (self.errors, self.warnings, self.infos) = tally(&all);
    }
}
