//! A folder's history: its generations together, and what they say each file should hash to.

use std::collections::BTreeMap;

use crate::{Action, Generation, HashEntry, HashKind};

/// The generations of one `ascmhl` folder, in order.
#[derive(Clone, Debug, Default)]
pub struct History {
    generations: Vec<(u32, Generation)>,
}

/// What the history says about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Path relative to the root, with `/`.
    pub path: String,
    /// Size in the generation the hashes come from.
    pub size: Option<u64>,
    /// The hashes to check against, one per kind: each kind's first `original` entry; for a file
    /// never recorded as original, the newest listing's entries that are not `failed`.
    pub hashes: Vec<HashEntry>,
    /// The newest generation listing the file.
    pub last_generation: u32,
}

impl History {
    /// A history from its generations and their numbers (in any order).
    pub fn new(mut generations: Vec<(u32, Generation)>) -> History {
        generations.sort_by_key(|(number, _)| *number);
        History { generations }
    }

    /// The generations with their numbers, oldest first.
    pub fn generations(&self) -> &[(u32, Generation)] {
        &self.generations
    }

    /// Whether there is no generation.
    pub fn is_empty(&self) -> bool {
        self.generations.is_empty()
    }

    /// The number the next generation gets.
    pub fn next_sequence_nr(&self) -> u32 {
        self.generations
            .last()
            .map_or(1, |(number, _)| number.saturating_add(1))
    }

    /// The newest generation's ignore patterns (the reference implementation uses only those).
    pub fn latest_ignore_patterns(&self) -> Option<&[String]> {
        self.generations
            .last()
            .map(|(_, generation)| generation.ignore_patterns.as_slice())
            .filter(|patterns| !patterns.is_empty())
    }

    /// Every file any generation lists, by path.
    ///
    /// A file listed with a `previousPath` was renamed there in that generation: it takes over the
    /// record of its previous path, and the previous path's record ends (a file listed under that
    /// path again in the same or a later generation is a new file, e.g. a superseded take's new
    /// version, whose first `original` hashes are what it is checked against).
    pub fn records(&self) -> BTreeMap<String, Record> {
        let mut records: BTreeMap<String, Record> = BTreeMap::new();
        for (number, generation) in &self.generations {
            let renamed: Vec<(&str, &str)> = generation
                .files
                .iter()
                .filter_map(|f| f.previous_path.as_deref().map(|p| (f.path.as_str(), p)))
                .filter(|(path, previous)| path != previous)
                .collect();
            let taken: Vec<Option<Record>> = renamed
                .iter()
                .map(|(_, previous)| records.get(*previous).cloned())
                .collect();
            for (_, previous) in &renamed {
                records.remove(*previous);
            }
            for ((path, _), record) in renamed.iter().zip(taken) {
                if let Some(mut record) = record {
                    record.path = path.to_string();
                    records.insert(path.to_string(), record);
                }
            }
            for file in &generation.files {
                let record = records.entry(file.path.clone()).or_insert_with(|| Record {
                    path: file.path.clone(),
                    size: file.size,
                    hashes: Vec::new(),
                    last_generation: *number,
                });
                record.last_generation = *number;
                let has_original = |record: &Record, kind: &HashKind| {
                    record
                        .hashes
                        .iter()
                        .any(|h| &h.kind == kind && h.action == Some(Action::Original))
                };
                let any_original = record
                    .hashes
                    .iter()
                    .any(|h| h.action == Some(Action::Original));
                for hash in &file.hashes {
                    match hash.action {
                        Some(Action::Original) if !has_original(record, &hash.kind) => {
                            if !any_original {
                                // The first original replaces what was only ever verified.
                                record.hashes.retain(|h| h.action == Some(Action::Original));
                                record.size = file.size;
                            }
                            record.hashes.retain(|h| h.kind != hash.kind);
                            record.hashes.push(hash.clone());
                        }
                        Some(Action::Failed) | Some(Action::Original) => {}
                        None | Some(Action::Verified) if !any_original => {
                            record.hashes.retain(|h| h.kind != hash.kind);
                            record.hashes.push(hash.clone());
                            record.size = file.size;
                        }
                        None | Some(Action::Verified) => {}
                    }
                }
            }
        }
        records
    }
}
