// The bext description `KEY=value` parser and editor over arbitrary UTF-8.
//
// Shared by the fuzz target (tests/fuzz/fuzz_targets/bext_description.rs) and the regression test that replays
// tests/fuzz/regressions/bext_description/*, so both run exactly the same code. Panics are findings.

use rollcall_wav::{parse_description, remove_description_key, set_description_key};

/// Runs one fuzz input through the `bext_description` target's code.
pub fn exercise(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = parse_description(text);
    let key = lines.first().map_or("SCENE", |l| l.key.as_str());
    let set = set_description_key(text, key, "42", "s");
    // The key is then present with the new value.
    assert!(parse_description(&set)
        .iter()
        .any(|l| l.key == key && l.value == "42"));
    let removed = remove_description_key(&set, key);
    assert!(parse_description(&removed).iter().all(|l| l.key != key));
    let _ = set_description_key(text, "TAKE", "", "");
    let _ = remove_description_key(text, "TRK1");
}
