//! `KEY=value` lines in the bext description (`sSCENE=`, `SCENE=`, `gSCENE=`, `TRK1=`, `TR1=`...).

/// One `prefixKEY=value` line of a bext description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptionLine {
    /// Leading lowercase letters before the uppercase key (`s` for Sound Devices, `g` for Metacorder).
    pub prefix: String,
    /// The key, e.g. `SCENE`, `TRK1`.
    pub key: String,
    /// Everything after the first `=` (line ending excluded).
    pub value: String,
}

/// Splits `text` into lines, each with its line ending (`\r\n`, `\n` or none).
fn lines_with_endings(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, ending, next) = match rest.split_once('\n') {
            Some((body, next)) => match body.strip_suffix('\r') {
                Some(stripped) => (stripped, "\r\n", next),
                None => (body, "\n", next),
            },
            None => (rest, "", ""),
        };
        out.push((line, ending));
        rest = next;
    }
    out
}

/// Parses one line; `None` when it has no `=`.
fn parse_line(line: &str) -> Option<DescriptionLine> {
    let (left, value) = line.split_once('=')?;
    let lower = left.bytes().take_while(u8::is_ascii_lowercase).count();
    let split = if left
        .as_bytes()
        .get(lower)
        .is_some_and(u8::is_ascii_uppercase)
    {
        lower
    } else {
        0
    };
    // `split` counts ASCII bytes only, so it is a character boundary.
    let (prefix, key) = left.split_at_checked(split).unwrap_or(("", left));
    Some(DescriptionLine {
        prefix: prefix.to_string(),
        key: key.to_string(),
        value: value.to_string(),
    })
}

/// Parses the `KEY=value` lines of a description; lines without `=` are skipped.
pub fn parse_description(text: &str) -> Vec<DescriptionLine> {
    lines_with_endings(text)
        .into_iter()
        .filter_map(|(line, _)| parse_line(line))
        .collect()
}

/// Line ending used by the text: `\r\n` when it has any, `\n` when it has only those, else `\r\n`.
fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") || !text.contains('\n') {
        "\r\n"
    } else {
        "\n"
    }
}

/// Sets `key` to `value`: replaces the first line with that key (keeping its prefix and line ending), or
/// appends `{default_prefix}{key}={value}` in the text's line-ending style. Other lines are kept as they are.
pub fn set_description_key(text: &str, key: &str, value: &str, default_prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + key.len() + value.len() + 4);
    let mut replaced = false;
    for (line, ending) in lines_with_endings(text) {
        match parse_line(line) {
            Some(parsed) if !replaced && parsed.key == key => {
                out.push_str(&parsed.prefix);
                out.push_str(key);
                out.push('=');
                out.push_str(value);
                replaced = true;
            }
            _ => out.push_str(line),
        }
        out.push_str(ending);
    }
    if !replaced {
        let eol = line_ending(text);
        let ends_open = !text.is_empty() && !text.ends_with('\n');
        if ends_open {
            out.push_str(eol);
        }
        out.push_str(default_prefix);
        out.push_str(key);
        out.push('=');
        out.push_str(value);
        if !ends_open {
            out.push_str(eol);
        }
    }
    out
}

/// Removes every line whose key is `key` (with its line ending); other lines are kept as they are.
pub fn remove_description_key(text: &str, key: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (line, ending) in lines_with_endings(text) {
        if parse_line(line).is_some_and(|p| p.key == key) {
            continue;
        }
        out.push_str(line);
        out.push_str(ending);
    }
    out
}
