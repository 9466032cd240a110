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

/// Longest pattern matched, in characters (a longer one never matches).
const MAX_PATTERN_CHARS: usize = 1024;

/// Glob match: `*` and `?` within a name, `**` across folders, `[...]` character classes. Failed
/// states are remembered, so the time is bounded by pattern length x text length whatever the stars.
fn wildmatch(glob: &[char], text: &[char]) -> bool {
    if glob.len() > MAX_PATTERN_CHARS {
        return false;
    }
    let mut failed = std::collections::HashSet::new();
    matches_from(glob, text, 0, 0, &mut failed)
}

fn matches_from(
    glob: &[char],
    text: &[char],
    g: usize,
    t: usize,
    failed: &mut std::collections::HashSet<(usize, usize)>,
) -> bool {
    if failed.contains(&(g, t)) {
        return false;
    }
    let matched = match_here(glob, text, g, t, failed);
    if !matched {
        failed.insert((g, t));
    }
    matched
}

fn match_here(
    glob: &[char],
    text: &[char],
    g: usize,
    t: usize,
    failed: &mut std::collections::HashSet<(usize, usize)>,
) -> bool {
    let rest_text = text.get(t..).unwrap_or_default();
    match glob.get(g) {
        None => rest_text.is_empty(),
        Some('*') if glob.get(g + 1) == Some(&'*') => {
            // `**`, also `**/`: any number of folders.
            if glob.get(g + 2) == Some(&'/') {
                let after = g + 3;
                matches_from(glob, text, after, t, failed)
                    || (t..text.len()).any(|i| {
                        text.get(i) == Some(&'/') && matches_from(glob, text, after, i + 1, failed)
                    })
            } else {
                (t..=text.len()).any(|i| matches_from(glob, text, g + 2, i, failed))
            }
        }
        Some('*') => {
            for i in t..=text.len() {
                if matches_from(glob, text, g + 1, i, failed) {
                    return true;
                }
                if text.get(i) == Some(&'/') {
                    return false;
                }
            }
            false
        }
        Some('?') => match text.get(t) {
            Some(c) if *c != '/' => matches_from(glob, text, g + 1, t + 1, failed),
            _ => false,
        },
        Some('[') => {
            let Some(c) = text.get(t) else {
                return false;
            };
            let class_glob = glob.get(g + 1..).unwrap_or_default();
            match class(class_glob, *c) {
                Some((matched, after)) => {
                    let next = glob.len() - after.len();
                    *c != '/' && matched && matches_from(glob, text, next, t + 1, failed)
                }
                // No closing `]`: a literal `[`.
                None => *c == '[' && matches_from(glob, text, g + 1, t + 1, failed),
            }
        }
        Some('\\') if g + 1 < glob.len() => match (text.get(t), glob.get(g + 1)) {
            (Some(c), Some(escaped)) if c == escaped => {
                matches_from(glob, text, g + 2, t + 1, failed)
            }
            _ => false,
        },
        Some(literal) => match text.get(t) {
            Some(c) if c == literal => matches_from(glob, text, g + 1, t + 1, failed),
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
