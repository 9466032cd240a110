//! Deterministic shortening of track names for the bext `?TRKn=` lines.
//!
//! The bext description holds 256 bytes, so a show's track names are cut to a show-wide width (the
//! recipe's budget, never one derived from a take's other lines): the same name is cut the same way
//! in every take, so Avid shows one name per character.

use crate::ascii::to_bext_ascii;

/// Narrowest width a track name is ever cut to.
pub const MIN_BEXT_NAME_WIDTH: usize = 3;

/// Width the bext track names are cut to when no step gives a budget.
pub const DEFAULT_BEXT_NAME_WIDTH: usize = 12;

/// The bext (ASCII) form of a track name cut to `width` characters (never below
/// [`MIN_BEXT_NAME_WIDTH`]): a trailing microphone part (`ZOË (COS-11D)` -> `ZOE`, the form the
/// `track-names` step appends) is dropped first; a name still too long is cut at the last word
/// boundary when that keeps at least 60% of the width, and cut hard otherwise.
pub fn shorten_track_name(name: &str, width: usize) -> String {
    let width = width.max(MIN_BEXT_NAME_WIDTH);
    let ascii = to_bext_ascii(name);
    let base = without_mic(ascii.trim());
    let chars: Vec<char> = base.chars().collect();
    if chars.len() <= width {
        return base.to_string();
    }
    // The last space that leaves whole words within the width (a space right after it counts).
    let word_cut = chars
        .iter()
        .take(width + 1)
        .rposition(|c| c.is_whitespace())
        .map(|space| chars.iter().take(space).collect::<String>())
        .map(|kept| kept.trim_end().to_string())
        .filter(|kept| kept.chars().count() >= width * 3 / 5);
    word_cut.unwrap_or_else(|| {
        chars
            .iter()
            .take(width)
            .collect::<String>()
            .trim_end()
            .to_string()
    })
}

/// `name` without a trailing parenthesised part (`CAPTAIN REYES (DPA 4060)` -> `CAPTAIN REYES`),
/// unless nothing would be left.
fn without_mic(name: &str) -> &str {
    if !name.ends_with(')') {
        return name;
    }
    match name.rsplit_once('(') {
        Some((base, _)) if !base.trim().is_empty() => base.trim_end(),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mic_part_is_dropped_before_cutting() {
        assert_eq!(shorten_track_name("ZOË (COS-11D)", 12), "ZOE");
        assert_eq!(shorten_track_name("ZOË (COS-11D)", 40), "ZOE");
        assert_eq!(
            shorten_track_name("HARBORMASTER (COS-11D)", 12),
            "HARBORMASTER"
        );
        assert_eq!(
            shorten_track_name("DECKHAND #2 (DPA 4060)", 12),
            "DECKHAND #2"
        );
        assert_eq!(shorten_track_name("ZOË (YOUNG) (MKE 2)", 12), "ZOE (YOUNG)");
        // A name that is only a parenthesised part keeps it.
        assert_eq!(shorten_track_name("(COS-11D)", 12), "(COS-11D)");
    }

    #[test]
    fn long_names_are_cut_at_a_word_when_that_keeps_enough() {
        // 13 characters in 12: the word boundary keeps 7 of 12 (58%: 3/5 of the width, rounded down).
        assert_eq!(
            shorten_track_name("CAPTAIN REYES (DPA 4060)", 12),
            "CAPTAIN"
        );
        assert_eq!(shorten_track_name("FERRY PILOT (MKE 2)", 8), "FERRY");
        // A space just past the width still ends a whole word.
        assert_eq!(shorten_track_name("MARGUERITE DUVAL", 10), "MARGUERITE");
        // The word boundary keeps too little: a hard cut.
        assert_eq!(shorten_track_name("AL MCALLISTER", 8), "AL MCALL");
        assert_eq!(shorten_track_name("MARGUERITE", 6), "MARGUE");
    }

    #[test]
    fn names_are_never_cut_below_three_characters_and_stay_ascii() {
        assert_eq!(shorten_track_name("MARGUERITE", 0), "MAR");
        assert_eq!(shorten_track_name("MARGUERITE", 1), "MAR");
        assert_eq!(shorten_track_name("AL", 1), "AL");
        assert_eq!(shorten_track_name("ÆTHELRED", 4), "AETH");
        assert_eq!(shorten_track_name("李小龍 (Lav)", 12), "???");
        assert!(shorten_track_name("Renée Ñúñez (Lav 2)", 8).is_ascii());
        assert_eq!(shorten_track_name("Boom", 12), "Boom");
        assert_eq!(shorten_track_name("  MixL  ", 12), "MixL");
        assert_eq!(shorten_track_name("", 12), "");
    }

    #[test]
    fn the_same_name_is_cut_the_same_way_whatever_else_is_around() {
        let once = shorten_track_name("CAPTAIN REYES (DPA 4060)", 9);
        for _ in 0..3 {
            assert_eq!(shorten_track_name("CAPTAIN REYES (DPA 4060)", 9), once);
        }
        assert_eq!(once, "CAPTAIN");
        assert_eq!(shorten_track_name("CAPTAIN REYES (COS-11D)", 9), once);
    }
}
