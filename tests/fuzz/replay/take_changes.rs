// The take layer: a take read from arbitrary bytes, arbitrary step edits applied (changes.rs),
// rendered (render.rs) and written; what is written must read back as a take.
//
// Shared by the fuzz target (tests/fuzz/fuzz_targets/take_changes.rs), the regression replay and the
// seeded test in pipeline/take/tests/fuzz_regressions.rs, so all run exactly the same code. Panics
// are findings.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use rollcall_sdk::Edit;
use rollcall_take::{render, Changes, SourceTake, BEXT_FIELDS};
use rollcall_wav::{write_file, WriteOptions};

/// Runs one fuzz input: the first two bytes (little-endian) give the length of the edit script that
/// follows; the rest is the file. Returns whether the take was written.
pub fn exercise(data: &[u8]) -> bool {
    let script_len = match data {
        [low, high, ..] => usize::from(u16::from_le_bytes([*low, *high])),
        _ => return false,
    };
    let rest = data.get(2..).unwrap_or_default();
    let split = script_len.min(rest.len());
    let (script, file) = rest.split_at(split);
    exercise_parts(script, file)
}

/// Builds the input [`exercise`] reads from an edit script and a file.
pub fn input_of(script: &[u8], file: &[u8]) -> Vec<u8> {
    let len = u16::try_from(script.len()).unwrap_or(u16::MAX);
    let mut data = len.to_le_bytes().to_vec();
    data.extend_from_slice(script.get(..usize::from(len)).unwrap_or(script));
    data.extend_from_slice(file);
    data
}

/// Reads `file` as a take, applies the edits `script` describes (each refused one left out),
/// renders and writes the result, and reads what was written back. Returns whether the take was written (for coverage counts).
pub fn exercise_parts(script: &[u8], file: &[u8]) -> bool {
    let Ok(source) = SourceTake::from_bytes(Path::new("/rolls/TST101/T001.WAV"), file) else {
        return false;
    };
    let mut vars = BTreeMap::new();
    vars.insert("show".to_string(), "TST".to_string());
    let mut take = source.describe("TST101", &vars);
    let mut changes = Changes::new(&source);
    let mut script = Script {
        bytes: script,
        at: 0,
    };
    for _ in 0..script.byte() % 4 + 1 {
        // Each edit as a step of its own: a refused one fails only itself (in a run it fails the
        // file), so the edits that are taken reach render together.
        for edit in script.step(take.tracks.len()) {
            let _ = changes.apply(&mut take, vec![edit]);
        }
    }
    let Ok(rendered) = render(&source, &changes, "fuzz recipe") else {
        return false;
    };
    let opts = WriteOptions {
        block_bytes: 4096,
        ..WriteOptions::default()
    };
    let mut out = Vec::new();
    let written = write_file(
        &mut Cursor::new(file),
        &source.header,
        &rendered.layout,
        rendered.map.as_ref(),
        &mut out,
        &opts,
    );
    if written.is_err() {
        return false;
    }
    let again = match SourceTake::from_bytes(Path::new(&rendered.file_name), &out) {
        Ok(again) => again,
        Err(e) => panic!(
            "the rendered take does not read back: {e}; changes {changes:?}; layout {:?}",
            rendered.layout
        ),
    };
    let channels = rendered
        .map
        .as_ref()
        .map_or(usize::from(source.header.fmt.channels), |m| m.order.len());
    assert_eq!(
        usize::from(again.header.fmt.channels),
        channels,
        "the written take has the rendered channel count"
    );
    if source.ixml.is_some() {
        assert!(
            again.ixml_error.is_none(),
            "readable iXML stays readable: {:?}; changes {changes:?}",
            again.ixml_error
        );
    }
    let _ = again.describe("TST101", &vars);
    true
}

/// Text pieces an edit value is made of: ASCII, characters of 2, 3 and 4 bytes, a combining mark,
/// controls, XML and bext separators.
const PIECES: [&str; 28] = [
    "A", "z", "0", "_", "-", ".", "/", " ", "é", "ı", "Ë", "€", "😀", "\u{301}", "\0", "\n",
    "\r\n", "<", ">", "&", "\"", "'", ";", "=", "\u{feff}", "\u{7f}", "..", "WAV",
];

/// An edit script: bytes read in order, zero once they run out.
struct Script<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Script<'_> {
    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn pick<'p>(&mut self, choices: &[&'p str]) -> &'p str {
        let index = usize::from(self.byte()) % choices.len().max(1);
        choices.get(index).copied().unwrap_or("")
    }

    /// A text: up to 40 pieces, or a long run of a multi-byte character.
    fn text(&mut self) -> String {
        let len = self.byte();
        if len == 255 {
            let piece = self.pick(&PIECES);
            return piece.repeat(300 + usize::from(self.byte()) * 8);
        }
        (0..len % 40).map(|_| self.pick(&PIECES)).collect()
    }

    fn track(&mut self, tracks: usize) -> u32 {
        u32::from(self.byte()) % (tracks as u32 + 2)
    }

    /// One step's edits.
    fn step(&mut self, tracks: usize) -> Vec<Edit> {
        (0..self.byte() % 6).map(|_| self.edit(tracks)).collect()
    }

    fn edit(&mut self, tracks: usize) -> Edit {
        match self.byte() % 11 {
            0 => Edit::SetIxml {
                path: match self.byte() % 8 {
                    7 => self.text(),
                    _ => self
                        .pick(&[
                            "PROJECT",
                            "SCENE",
                            "TAKE",
                            "TAPE",
                            "NOTE",
                            "SPEED/TIMECODE_RATE",
                            "USER/ROLLCALL",
                        ])
                        .to_string(),
                },
                value: self.text(),
            },
            1 => Edit::SetBext {
                field: match self.byte() % 8 {
                    7 => self.text(),
                    _ => self.pick(&BEXT_FIELDS).to_string(),
                },
                value: match self.byte() % 3 {
                    0 => self.byte().to_string(),
                    _ => self.text(),
                },
            },
            2 => Edit::SetDescriptionKey {
                key: match self.byte() % 8 {
                    7 => self.text(),
                    _ => self
                        .pick(&["SCENE", "TAKE", "TAPE", "NOTE", "TRK1", "TRK9", "PROJECT"])
                        .to_string(),
                },
                value: self.text(),
            },
            3 => Edit::SetTrackName {
                interleave_index: self.track(tracks),
                name: self.text(),
            },
            4 => Edit::SetTrackFunction {
                interleave_index: self.track(tracks),
                function: self.text(),
            },
            5 => Edit::SetFileName(match self.byte() % 3 {
                0 => format!("{}.WAV", self.text()),
                _ => self.text(),
            }),
            6 => Edit::SetFolder(self.text()),
            7 | 8 => {
                let len = usize::from(self.byte()) % (tracks + 2);
                Edit::SetChannelOrder((0..len).map(|_| self.track(tracks)).collect())
            }
            9 => Edit::SetToken {
                name: self.pick(&["scene", "take", "tape", "x"]).to_string(),
                value: self.text(),
            },
            _ => Edit::Warn(self.text()),
        }
    }
}
