//! Metadata shown on a terminal: one line per value, control and bidi characters escaped, so a
//! file's text can neither break a line nor reorder what is printed around it.

/// Whether `c` changes the display direction or is invisible formatting (Trojan Source characters).
fn is_bidi_or_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// A value shown on one line: line breaks as `\n`, other control characters and bidi controls
/// escaped (`\u{202e}`); an empty value as `""`.
pub fn printable(value: &str) -> String {
    if value.is_empty() {
        return "\"\"".to_string();
    }
    let mut shown = String::with_capacity(value.len());
    for c in value.replace("\r\n", "\n").chars() {
        match c {
            '\n' => shown.push_str("\\n"),
            c if c.is_control() => shown.extend(c.escape_default()),
            c if is_bidi_or_format(c) => shown.extend(c.escape_unicode()),
            c => shown.push(c),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(printable("a\r\nb\tc\u{1b}[31m"), "a\\nb\\tc\\u{1b}[31m");
        assert_eq!(printable("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(printable("ZOË"), "ZOË");
        assert_eq!(printable(""), "\"\"");
    }
}
