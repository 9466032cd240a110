//! Name templates (`{scene}-{take:03}`) and safe file and folder names.
//!
//! A template is literal text with tokens in braces. A token is a name, optionally followed by `:0N`
//! to zero-pad a numeric value to `N` digits (`{take:03}` turns `7` into `007`). A value that is not
//! made only of ASCII digits (`12A`, `PU`) is used as it is, never padded, so a pickup take keeps its
//! letters; a value already longer than the width is not cut. `{{` and `}}` are literal braces.
//!
//! Standard tokens are [`TOKENS`]; every `[vars]` key of the recipe and every token set by an earlier
//! step (`episode`) can be used too. An unknown token, or a known token without a value for this take,
//! is an error naming the token.

use crate::{StepError, Take};

/// The standard token names, besides `[vars]` keys and tokens set by earlier steps.
pub const TOKENS: &[&str] = &[
    "scene", "take", "tape", "project", "episode", "circled", "note", "stem", "index",
];

/// The widest zero-padding a template may ask for.
pub const MAX_WIDTH: usize = 32;

/// One part of a parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// Literal text.
    Text(String),
    /// A token, with its zero-pad width (0 for none).
    Token { name: String, width: usize },
}

/// A parsed template, ready to render for many takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

impl Template {
    /// Parse a template, checking its syntax (braces, token names, widths).
    pub fn parse(template: &str) -> Result<Template, StepError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(StepError::new(format!(
                    "template `{template}`: a `}}` without `{{` (write `}}}}` for a literal brace)"
                )))
                }
                '{' => {
                    let mut inner = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        if c == '{' {
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(StepError::new(format!(
                            "template `{template}`: a `{{` without `}}` (write `{{{{` for a literal brace)"
                        )));
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(parse_token(template, &inner)?);
                }
                other => text.push(other),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template {
            source: template.to_string(),
            pieces,
        })
    }

    /// The template text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The token names the template uses, in order of appearance (repeats included).
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Token { name, .. } => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Check a folder template's own text, whatever values its tokens get: an absolute path, a drive
    /// (`C:`) or a literal `..` part is refused (the error names the template). Token values cannot
    /// add parts: a step replaces `/` inside a value.
    pub fn check_folder(&self) -> Result<(), StepError> {
        let shape: String = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Text(text) => text.as_str(),
                Piece::Token { .. } => "x",
            })
            .collect();
        if shape.split(['/', '\\']).any(|part| part.contains(':')) {
            return Err(StepError::new(format!(
                "folder `{}` names a drive: folders are relative to the output root",
                self.source
            )));
        }
        safe_folder(&shape).map(|_| ()).map_err(|e| {
            StepError::new(
                e.message
                    .replace(&format!("`{shape}`"), &format!("`{}`", self.source)),
            )
        })
    }

    /// True when the template uses the token `name`.
    pub fn uses(&self, name: &str) -> bool {
        self.tokens().any(|t| t == name)
    }

    /// Render for a take: tokens come from [`Take::token`].
    pub fn render(&self, take: &Take) -> Result<String, StepError> {
        self.render_with(take, |_| None)
    }

    /// Render for a take, asking `extra` first for each token (for values a step computes, such as
    /// `index`, `episode`, `character`); names `extra` answers are known tokens.
    pub fn render_with(
        &self,
        take: &Take,
        extra: impl Fn(&str) -> Option<String>,
    ) -> Result<String, StepError> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Token { name, width } => {
                    let value = match extra(name) {
                        Some(v) => v,
                        None => lookup(take, name)?,
                    };
                    out.push_str(&pad(&value, *width));
                }
            }
        }
        Ok(out)
    }
}

/// The value of a token for a take, or an error naming the token (unknown, or without a value).
fn lookup(take: &Take, name: &str) -> Result<String, StepError> {
    let known =
        TOKENS.contains(&name) || take.vars.contains_key(name) || take.tokens.contains_key(name);
    if !known {
        return Err(StepError::new(format!(
            "unknown token `{{{name}}}` (known: {}, and the recipe's [vars])",
            TOKENS.join(", ")
        )));
    }
    match take.token(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(StepError::new(format!(
            "no value for `{{{name}}}` in this take{}",
            match name {
                "scene" | "take" | "tape" | "project" | "circled" | "note" => {
                    " (no iXML element or bext description key)"
                }
                _ => "",
            }
        ))),
    }
}

/// Parse the inside of `{...}`: `name` or `name:0N`.
fn parse_token(template: &str, inner: &str) -> Result<Piece, StepError> {
    let (name, spec) = match inner.split_once(':') {
        Some((n, s)) => (n.trim(), Some(s.trim())),
        None => (inner.trim(), None),
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !valid_name {
        return Err(StepError::new(format!(
            "template `{template}`: `{{{inner}}}` is not a token name"
        )));
    }
    let width = match spec {
        None => 0,
        Some(spec) => {
            let digits = spec
                .strip_prefix('0')
                .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
            match digits.and_then(|d| d.parse::<usize>().ok()) {
                Some(w) if (1..=MAX_WIDTH).contains(&w) => w,
                _ => {
                    return Err(StepError::new(format!(
                        "template `{template}`: `{{{inner}}}`: the only format is `:0N`, zero-padding to N digits (1 to {MAX_WIDTH})"
                    )))
                }
            }
        }
    };
    Ok(Piece::Token {
        name: name.to_string(),
        width,
    })
}

/// Zero-pad an all-digit value to `width`; other values are returned as they are.
fn pad(value: &str, width: usize) -> String {
    let numeric = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if numeric && value.len() < width {
        format!("{value:0>width$}")
    } else {
        value.to_string()
    }
}

/// Render a template for a take (see the module docs for the syntax).
pub fn render(template: &str, take: &Take) -> Result<String, StepError> {
    Template::parse(template)?.render(take)
}

/// Check a template's syntax without a take (for a step's `new`).
pub fn check(template: &str) -> Result<(), StepError> {
    Template::parse(template).map(|_| ())
}

/// True for a character that must never reach a terminal or a file name as it is: C0 and C1 control
/// characters (ESC starts terminal escape sequences), DEL, and the bidirectional controls (U+061C,
/// U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) that reorder what a reader sees.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A value as shown on one line of human output: every [`is_hidden_control`] character escaped
/// (`\u{1b}`, `\n`), everything else as it is.
pub fn printable(value: &str) -> String {
    let mut shown = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            '\t' => shown.push_str("\\t"),
            c if is_hidden_control(c) => shown.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => shown.push(c),
        }
    }
    shown
}

/// Characters refused in a file name on Windows, macOS or Linux.
const UNSAFE: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*'];

/// Names Windows reserves for devices, with or without an extension.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Make one file (or folder) name safe on Windows, macOS and Linux.
///
/// `< > : " / \ | ? *` control characters (NUL included) and bidi controls become `_`; leading spaces and trailing
/// dots and spaces are removed (Windows drops them); a Windows device name (`CON`, `nul.wav`, `COM1.txt`)
/// gets a `_` prefix; an empty result (or one made only of dots) becomes `_`. The result never contains
/// a path separator and is never `.` or `..`.
pub fn safe_file_name(s: &str) -> String {
    let replaced: String = s
        .chars()
        .map(|c| {
            if UNSAFE.contains(&c) || is_hidden_control(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced
        .trim_start_matches(' ')
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        return "_".to_string();
    }
    // A leading dot would hide the file from editorial.
    let unhidden;
    let trimmed = match trimmed.strip_prefix('.') {
        Some(rest) => {
            unhidden = format!("_{rest}");
            unhidden.as_str()
        }
        None => trimmed,
    };
    let base = trimmed
        .split('.')
        .next()
        .unwrap_or(trimmed)
        .trim_end_matches(' ');
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(base)) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// Make a relative folder path safe: each `/`-separated part goes through [`safe_file_name`].
///
/// `\` separates parts too; empty and `.` parts are skipped. A `..` part, an absolute path (leading `/`
/// or `\`) or a path with no part left is refused with an error naming the folder.
pub fn safe_folder(s: &str) -> Result<String, StepError> {
    if s.starts_with('/') || s.starts_with('\\') {
        return Err(StepError::new(format!(
            "folder `{s}` is absolute: folders are relative to the output root"
        )));
    }
    let mut parts = Vec::new();
    for part in s.split(['/', '\\']) {
        let part = part.trim();
        if part.is_empty() || part == "." {
            continue;
        }
        if part == ".." {
            return Err(StepError::new(format!(
                "folder `{s}` has a `..` part: a folder cannot leave the output root"
            )));
        }
        parts.push(safe_file_name(part));
    }
    if parts.is_empty() {
        return Err(StepError::new(format!("folder `{s}` is empty")));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn take() -> Take {
        let mut ixml = BTreeMap::new();
        ixml.insert("SCENE".to_string(), "24A".to_string());
        ixml.insert("TAKE".to_string(), "3".to_string());
        ixml.insert("TAPE".to_string(), "".to_string());
        let mut vars = BTreeMap::new();
        vars.insert("show".to_string(), "TWD".to_string());
        Take {
            source_name: "A101_1.WAV".to_string(),
            file_name: "A101_1.WAV".to_string(),
            ixml: Some(ixml),
            vars,
            ..Take::default()
        }
    }

    #[test]
    fn renders_tokens_vars_and_stem() {
        let t = take();
        assert_eq!(
            render("{show}_{scene}-{take}_{stem}", &t).unwrap(),
            "TWD_24A-3_A101_1"
        );
    }

    #[test]
    fn zero_pads_numbers_only() {
        let mut t = take();
        assert_eq!(render("{take:03}", &t).unwrap(), "003");
        assert_eq!(render("{scene:05}", &t).unwrap(), "24A");
        t.ixml
            .as_mut()
            .unwrap()
            .insert("TAKE".into(), "1234".into());
        assert_eq!(render("{take:03}", &t).unwrap(), "1234");
    }

    #[test]
    fn literal_braces() {
        assert_eq!(render("{{{scene}}}", &take()).unwrap(), "{24A}");
    }

    #[test]
    fn unknown_and_missing_tokens_are_named() {
        let t = take();
        let e = render("{scenee}", &t).unwrap_err();
        assert!(e.message.contains("`{scenee}`"), "{}", e.message);
        assert!(e.message.contains("unknown"), "{}", e.message);
        let e = render("{tape}", &t).unwrap_err();
        assert!(e.message.contains("no value for `{tape}`"), "{}", e.message);
    }

    #[test]
    fn bext_description_is_second_source() {
        let mut t = take();
        t.description.push(crate::DescriptionKey {
            prefix: "s".into(),
            key: "TAPE".into(),
            value: "DAY01".into(),
        });
        assert_eq!(render("{tape}", &t).unwrap(), "DAY01");
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "{scene",
            "scene}",
            "{}",
            "{take:3}",
            "{take:0}",
            "{take:x}",
            "{take:099}",
            "{a{b}",
        ] {
            assert!(check(bad).is_err(), "{bad} should be refused");
        }
        for good in ["{scene}-{take:03}", "plain", "{{x}}", ""] {
            assert!(check(good).is_ok(), "{good} should pass");
        }
    }

    #[test]
    fn tokens_lists_used_names() {
        let t = Template::parse("{scene}_{index:02}").unwrap();
        assert!(t.uses("index"));
        assert!(!t.uses("take"));
        assert_eq!(t.tokens().collect::<Vec<_>>(), vec!["scene", "index"]);
    }

    #[test]
    fn extra_values_come_first() {
        let t = Template::parse("{index}-{scene}").unwrap();
        let out = t
            .render_with(&take(), |n| (n == "index").then(|| "2".to_string()))
            .unwrap();
        assert_eq!(out, "2-24A");
    }

    #[test]
    fn safe_file_name_replaces_unsafe_characters() {
        assert_eq!(
            safe_file_name("a<b>c:d\"e/f\\g|h?i*j"),
            "a_b_c_d_e_f_g_h_i_j"
        );
        assert_eq!(safe_file_name("x\0y\u{7}z\n"), "x_y_z_");
        assert_eq!(safe_file_name("name. . "), "name");
        assert_eq!(safe_file_name("../24A"), "_._24A");
        assert_eq!(safe_file_name(".."), "_");
        assert_eq!(safe_file_name(""), "_");
        assert_eq!(safe_file_name("ZOË 24A"), "ZOË 24A");
    }

    #[test]
    fn safe_file_name_prefixes_windows_device_names() {
        assert_eq!(safe_file_name("CON"), "_CON");
        assert_eq!(safe_file_name("nul.wav"), "_nul.wav");
        assert_eq!(safe_file_name("Com1.tar.gz"), "_Com1.tar.gz");
        assert_eq!(safe_file_name("LPT9"), "_LPT9");
        assert_eq!(safe_file_name("CONSOLE"), "CONSOLE");
        assert_eq!(safe_file_name("COM10"), "COM10");
    }

    #[test]
    fn safe_folder_cleans_parts_and_refuses_escapes() {
        assert_eq!(safe_folder("EP101/DAY:01").unwrap(), "EP101/DAY_01");
        assert_eq!(safe_folder("a//./b\\c/").unwrap(), "a/b/c");
        assert_eq!(safe_folder("aux/x").unwrap(), "_aux/x");
        assert_eq!(safe_file_name(".-4.WAV"), "_-4.WAV");
        assert_eq!(safe_folder(".hidden/x").unwrap(), "_hidden/x");
        assert!(safe_folder("../x").unwrap_err().message.contains(".."));
        assert!(safe_folder("a/../../x").is_err());
        assert!(safe_folder("/abs")
            .unwrap_err()
            .message
            .contains("absolute"));
        assert!(safe_folder("\\abs").is_err());
        assert!(safe_folder("").is_err());
        assert!(safe_folder("/").is_err());
        assert!(safe_folder("./.").is_err());
    }

    #[test]
    fn folder_templates_are_checked_whatever_their_tokens() {
        let check = |t: &str| Template::parse(t).and_then(|t| t.check_folder());
        assert!(check("EP{episode}/{tape}").is_ok());
        assert!(check("{a}..{b}").is_ok());
        let up = check("../{episode}").unwrap_err();
        assert!(up.message.contains("`../{episode}`"), "{}", up.message);
        assert!(check("{episode}/../x").is_err());
        assert!(check("/abs/{tape}").is_err());
        assert!(check("C:{tape}").is_err());
    }

    #[test]
    fn unknown_tokens_are_refused_only_when_the_host_said_what_is_known() {
        let template = Template::parse("{show}-{tkae}-{character}").unwrap();
        let unknown = crate::StepContext::new(toml::Table::new(), ".");
        assert!(unknown.check_tokens("format", &template, &[]).is_ok());
        let known = unknown.with_known_tokens(["show".to_string()]);
        let error = known
            .check_tokens("format", &template, &["character"])
            .unwrap_err();
        assert_eq!(error.key.as_deref(), Some("format"));
        assert!(error.message.contains("`{tkae}`"), "{}", error.message);
        let fine = Template::parse("{show}-{scene}-{character}").unwrap();
        assert!(known.check_tokens("format", &fine, &["character"]).is_ok());
    }

    #[test]
    fn hidden_controls_are_escaped_in_output_and_replaced_in_names() {
        assert_eq!(
            printable("A\u{1b}[31mB\u{202e}C\nD"),
            "A\\u{1b}[31mB\\u{202e}C\\nD"
        );
        assert_eq!(safe_file_name("A\u{1b}[31mB\u{2066}C"), "A_[31mB_C");
        assert!(!is_hidden_control('é'));
    }
}
