//! Finding the files to process under the `INPUT`s given on the command line.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{InputRules, RecipeError};

/// Folders nested deeper than this are reported as a problem instead of walked.
const MAX_DEPTH: usize = 256;

/// A file to process, and where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// The file's path as found (the `INPUT` joined with the walked names; symbolic links not resolved).
    pub path: PathBuf,
    /// The `INPUT` folder it was found under; for a file `INPUT`, that file's parent folder.
    pub root: PathBuf,
    /// `path` relative to `root`; for a file `INPUT`, just its file name.
    pub relative: PathBuf,
}

/// Something under an `INPUT` that could not be examined; the walk goes on without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// The file or folder.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// The result of [`find_inputs`]: the files to process and what was skipped on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkReport {
    /// Files to process, sorted by path, each real file once.
    pub files: Vec<InputFile>,
    /// Folders and files that could not be read, symbolic-link loops, broken links.
    pub problems: Vec<InputProblem>,
    /// Files under the `INPUT` folders that the `[input]` globs left out (how many, and a few).
    pub left_out: LeftOut,
}

/// Files the `[input]` globs did not take: a count and the first few, so a run can say so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeftOut {
    /// How many files were left out.
    pub count: usize,
    /// The first few of them (relative to their `INPUT`).
    pub examples: Vec<PathBuf>,
}

/// Compiled `[input]` globs.
struct Matcher {
    include: Vec<glob::Pattern>,
    exclude: Vec<glob::Pattern>,
}

const MATCH_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: false,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl Matcher {
    fn new(rules: &InputRules) -> Result<Matcher, RecipeError> {
        let compile = |patterns: &[String]| {
            patterns
                .iter()
                .map(|p| {
                    glob::Pattern::new(p).map_err(|e| RecipeError::Glob {
                        pattern: p.clone(),
                        message: e.msg.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Matcher {
            include: compile(&rules.include)?,
            exclude: compile(&rules.exclude)?,
        })
    }

    fn wants(&self, relative: &Path) -> bool {
        let text = relative.to_string_lossy();
        self.include
            .iter()
            .any(|p| p.matches_with(&text, MATCH_OPTIONS))
            && !self
                .exclude
                .iter()
                .any(|p| p.matches_with(&text, MATCH_OPTIONS))
    }
}

/// State of one discovery run.
struct Walk<'a> {
    matcher: &'a Matcher,
    report: WalkReport,
    /// Canonical paths of the files taken, for de-duplication.
    seen: HashSet<PathBuf>,
}

/// Find the files to process under `inputs`.
///
/// Folders are walked recursively (following symbolic links, with loops reported as problems) and each
/// file's path relative to its `INPUT` is matched against `rules` (`*` also crosses `/`, so `**/*.wav`
/// matches `A.wav` at the top). A file `INPUT` is taken as it is, matching or not: it was named explicitly.
/// Files are de-duplicated by canonical path (the first `INPUT` that reaches a file gives its `root`) and
/// sorted by path. A missing `INPUT` is an error; anything unreadable below it is a problem in the report.
pub fn find_inputs(inputs: &[PathBuf], rules: &InputRules) -> Result<WalkReport, RecipeError> {
    let matcher = Matcher::new(rules)?;
    let mut walk = Walk {
        matcher: &matcher,
        report: WalkReport::default(),
        seen: HashSet::new(),
    };
    for input in inputs {
        let metadata = fs::metadata(input).map_err(|source| RecipeError::Input {
            path: input.clone(),
            source,
        })?;
        if metadata.is_dir() {
            let mut ancestors = Vec::new();
            walk.folder(input, input, &mut ancestors);
        } else {
            let root = match input.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let relative = input
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| input.clone());
            // Opening a FIFO or a device could block forever: only regular files are opened.
            if !metadata.is_file() {
                walk.problem(input, "not a regular file");
                continue;
            }
            if let Err(e) = fs::File::open(input) {
                walk.problem(input, format!("cannot open file: {e}"));
                continue;
            }
            walk.take(input.clone(), root, relative);
        }
    }
    let mut report = walk.report;
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report
        .problems
        .sort_by(|a, b| (&a.path, &a.reason).cmp(&(&b.path, &b.reason)));
    report.problems.dedup();
    Ok(report)
}

impl Walk<'_> {
    fn problem(&mut self, path: &Path, reason: impl Into<String>) {
        self.report.problems.push(InputProblem {
            path: path.to_path_buf(),
            reason: reason.into(),
        });
    }

    /// Take a file unless the same real file was already taken.
    fn take(&mut self, path: PathBuf, root: PathBuf, relative: PathBuf) {
        match fs::canonicalize(&path) {
            Ok(canonical) => {
                if self.seen.insert(canonical) {
                    self.report.files.push(InputFile {
                        path,
                        root,
                        relative,
                    });
                }
            }
            Err(e) => self.problem(&path, format!("cannot resolve path: {e}")),
        }
    }

    /// Walk `folder` under `root`; `ancestors` holds the canonical paths of the folders above it.
    fn folder(&mut self, root: &Path, folder: &Path, ancestors: &mut Vec<PathBuf>) {
        let canonical = match fs::canonicalize(folder) {
            Ok(c) => c,
            Err(e) => return self.problem(folder, format!("cannot resolve path: {e}")),
        };
        if let Some(ancestor) = ancestors.iter().find(|a| **a == canonical) {
            let reason = format!(
                "symbolic link loop: leads back to {} (not followed)",
                ancestor.display()
            );
            return self.problem(folder, reason);
        }
        if ancestors.len() >= MAX_DEPTH {
            return self.problem(
                folder,
                format!("more than {MAX_DEPTH} folders deep (not walked)"),
            );
        }
        let entries = match fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(e) => return self.problem(folder, format!("cannot read folder: {e}")),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry.path()),
                Err(e) => self.problem(folder, format!("cannot read folder entry: {e}")),
            }
        }
        children.sort();
        ancestors.push(canonical);
        for child in children {
            // Follows symbolic links; a broken one fails here.
            let metadata = match fs::metadata(&child) {
                Ok(m) => m,
                Err(e) => {
                    let is_link = fs::symlink_metadata(&child).is_ok_and(|m| m.is_symlink());
                    let what = if is_link {
                        "broken symbolic link"
                    } else {
                        "cannot examine"
                    };
                    self.problem(&child, format!("{what}: {e}"));
                    continue;
                }
            };
            if metadata.is_dir() {
                self.folder(root, &child, ancestors);
                continue;
            }
            let relative = child.strip_prefix(root).unwrap_or(&child).to_path_buf();
            if !self.matcher.wants(&relative) {
                if !metadata.is_dir() {
                    let left_out = &mut self.report.left_out;
                    left_out.count += 1;
                    if left_out.examples.len() < 3 {
                        left_out.examples.push(relative);
                    }
                }
                continue;
            }
            if !metadata.is_file() {
                self.problem(&child, "not a regular file");
                continue;
            }
            if let Err(e) = fs::File::open(&child) {
                self.problem(&child, format!("cannot open file: {e}"));
                continue;
            }
            self.take(child, root.to_path_buf(), relative);
        }
        ancestors.pop();
    }
}
