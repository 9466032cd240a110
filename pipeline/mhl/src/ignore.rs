//! Ignore patterns (`<ignore><pattern>`), matched as the reference implementation does (git's
//! wildmatch): a pattern without `/` matches a name at any depth, one with `/` matches the path from
//! the root, a trailing `/` matches folders only, `*` and `?` stay within a name, `**` crosses folders.

/// The patterns the reference implementation starts a history with.
pub const DEFAULT_IGNORE_PATTERNS: [&str; 3] = [".DS_Store", "ascmhl", "ascmhl/"];

/// A set of ignore patterns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreSpec {
    patterns: Vec<Pattern>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    /// The pattern as written.
    text: String,
    /// The glob, without a leading or trailing `/`.
    glob: Vec<char>,
    /// Matched against the whole relative path (it contains a `/`), not one name.
    anchored: bool,
    /// Matches folders only (it ended with `/`).
    folders_only: bool,
    /// `!pattern`: not supported, never matches.
    negated: bool,
}

impl IgnoreSpec {
    /// A spec from patterns as written in a generation; blank lines and `#` comments are skipped.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> IgnoreSpec {
        let patterns = patterns
            .iter()
            .map(AsRef::as_ref)
            .filter(|p| !p.trim().is_empty() && !p.starts_with('#'))
            .map(|text| {
                let negated = text.starts_with('!');
                let folders_only = text.ends_with('/');
                let trimmed = text.trim_end_matches('/');
                let anchored = trimmed.contains('/');
                let glob = trimmed.trim_start_matches('/').chars().collect();
                Pattern {
                    text: text.to_string(),
                    glob,
                    anchored,
                    folders_only,
                    negated,
                }
            })
            .collect();
        IgnoreSpec { patterns }
    }

    /// The patterns as written.
    pub fn patterns(&self) -> Vec<String> {
        self.patterns.iter().map(|p| p.text.clone()).collect()
    }

    /// Whether one entry is ignored by itself: `relative` is its path from the root with `/` between
    /// folders, `is_folder` whether it is a folder. (A walk does not enter an ignored folder.)
    pub fn matches(&self, relative: &str, is_folder: bool) -> bool {
        let name = relative.rsplit('/').next().unwrap_or(relative);
        let name: Vec<char> = name.chars().collect();
        let whole: Vec<char> = relative.chars().collect();
        self.patterns.iter().any(|p| {
            !p.negated
                && (is_folder || !p.folders_only)
                && if p.anchored {
                    wildmatch(&p.glob, &whole)
                } else {
                    wildmatch(&p.glob, &name)
                }
        })
    }

    /// Whether a file at `relative` is ignored, by itself or by one of its folders.
    pub fn ignores_file(&self, relative: &str) -> bool {
        let mut prefix = String::new();
        let parts: Vec<&str> = relative.split('/').collect();
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self.matches(&prefix, i < last) {
                return true;
            }
        }
        false
    }
}

/// Glob match: `*` and `?` within a name, `**` across folders, `[...]` character classes.
fn wildmatch(glob: &[char], text: &[char]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => {
            if rest.first() == Some(&'*') {
                // `**`, also `**/`: any number of folders.
                let mut rest = &rest[1..];
                if rest.first() == Some(&'/') {
                    let after = &rest[1..];
                    if wildmatch(after, text) {
                        return true;
                    }
                    rest = after;
                    return (0..text.len())
                        .any(|i| text[i] == '/' && wildmatch(rest, &text[i + 1..]));
                }
                (0..=text.len()).any(|i| wildmatch(rest, &text[i..]))
            } else {
                for i in 0..=text.len() {
                    if wildmatch(rest, &text[i..]) {
                        return true;
                    }
                    if text.get(i) == Some(&'/') {
                        return false;
                    }
                }
                false
            }
        }
        Some(('?', rest)) => match text.split_first() {
            Some((c, text_rest)) if *c != '/' => wildmatch(rest, text_rest),
            _ => false,
        },
        Some(('[', rest)) => {
            let Some((c, text_rest)) = text.split_first() else {
                return false;
            };
            match class(rest, *c) {
                Some((matched, after)) => *c != '/' && matched && wildmatch(after, text_rest),
                // No closing `]`: a literal `[`.
                None => *c == '[' && wildmatch(rest, text_rest),
            }
        }
        Some(('\\', rest)) if !rest.is_empty() => match text.split_first() {
            Some((c, text_rest)) if Some(c) == rest.first() => wildmatch(&rest[1..], text_rest),
            _ => false,
        },
        Some((literal, rest)) => match text.split_first() {
            Some((c, text_rest)) if c == literal => wildmatch(rest, text_rest),
            _ => false,
        },
    }
}

/// A `[...]` class after its `[`: whether `c` is in it, and the glob after its `]`.
fn class(glob: &[char], c: char) -> Option<(bool, &[char])> {
    let (negated, mut i) = match glob.first() {
        Some('!' | '^') => (true, 1),
        _ => (false, 0),
    };
    let mut matched = false;
    let mut first = true;
    while let Some(&g) = glob.get(i) {
        if g == ']' && !first {
            return Some((matched != negated, &glob[i + 1..]));
        }
        first = false;
        if glob.get(i + 1) == Some(&'-') && glob.get(i + 2).is_some_and(|e| *e != ']') {
            let end = glob[i + 2];
            if g <= c && c <= end {
                matched = true;
            }
            i += 3;
        } else {
            if g == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}
