//! The offending line of a recipe with a caret under the error, and the fix for common mistakes.

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = 1 + before.get(line_start..).map_or(0, |t| t.chars().count());
    (line, column)
}

/// The text of 1-based `line` (without its line break).
pub(crate) fn line_text(text: &str, line: usize) -> &str {
    text.lines()
        .nth(line.saturating_sub(1))
        .unwrap_or_default()
        .trim_end_matches('\r')
}

/// Two lines: `  3 | folder = {scene}` and a caret under `column` spanning `width` characters.
/// Control characters in the line are shown as spaces so the caret stays aligned.
pub(crate) fn excerpt(text: &str, line: usize, column: usize, width: usize) -> String {
    let shown: String = line_text(text, line)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    format!(
        "\n {gutter} | {shown}\n {pad} | {}{}",
        " ".repeat(column.saturating_sub(1)),
        "^".repeat(width.max(1))
    )
}

/// The fix for a syntax error on `line` that is a common mistake: a template written without
/// quotes (`folder = {scene}`, which TOML reads as an inline table).
pub(crate) fn syntax_hint(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let value = value.trim();
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if is_key && value.starts_with('{') && !value.contains('"') && !value.contains('=') {
        return Some(format!(
            "a template is a string: write it in quotes, {key} = \"{value}\""
        ));
    }
    None
}

/// The fix for an unknown key that is a common mistake (`[[steps]]` for `[[step]]`).
pub(crate) fn unknown_key_hint(key: &str) -> Option<&'static str> {
    match key {
        "steps" => Some("steps are written [[step]], one table per step"),
        "checks" => Some("checks are written [[check]], one table per check"),
        "variables" | "var" => Some("free values go in [vars]"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "a = 1\nnamé = {x}\n";
        let offset = text.find('{').unwrap_or(0);
        assert_eq!(position(text, offset), (2, 8));
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 10_000), (3, 1));
    }

    #[test]
    fn excerpt_puts_the_caret_under_the_column() {
        let text = "[[step]]\nfolder = {scene}\n";
        assert_eq!(
            excerpt(text, 2, 10, 1),
            "\n 2 | folder = {scene}\n   |          ^"
        );
    }

    #[test]
    fn unquoted_templates_are_recognised() {
        assert_eq!(
            syntax_hint("folder = {scene}/{take}").as_deref(),
            Some("a template is a string: write it in quotes, folder = \"{scene}/{take}\"")
        );
        assert_eq!(syntax_hint("x = { a = 1 "), None);
        assert_eq!(syntax_hint("name = \"x\""), None);
    }
}
