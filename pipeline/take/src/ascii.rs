//! ASCII transliteration for bext text, which EBU Tech 3285 keeps ASCII.

/// Transliterate text to printable ASCII for bext: accented Latin letters lose their accents
/// (`ZOË` -> `ZOE`), ligatures are spelled out, anything else becomes `?`.
pub fn to_bext_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_control() {
                out.push(' ');
            } else {
                out.push(c);
            }
            continue;
        }
        let mapped: &str = match c {
            'À'..='Å' | 'Ā' | 'Ă' | 'Ą' => "A",
            'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
            'Æ' => "AE",
            'æ' => "ae",
            'Ç' | 'Ć' | 'Č' | 'Ĉ' | 'Ċ' => "C",
            'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
            'Ð' | 'Ď' | 'Đ' => "D",
            'ð' | 'ď' | 'đ' => "d",
            'È'..='Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
            'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'Ì'..='Ï' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
            'ì'..='ï' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'Ł' | 'Ľ' | 'Ĺ' | 'Ļ' => "L",
            'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
            'Ñ' | 'Ń' | 'Ň' | 'Ņ' => "N",
            'ñ' | 'ń' | 'ň' | 'ņ' => "n",
            'Ò'..='Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
            'ò'..='ö' | 'ø' | 'ō' | 'ő' => "o",
            'Œ' => "OE",
            'œ' => "oe",
            'Ŕ' | 'Ř' => "R",
            'ŕ' | 'ř' => "r",
            'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'ß' => "ss",
            'Ť' | 'Ţ' | 'Ț' => "T",
            'ť' | 'ţ' | 'ț' => "t",
            'Þ' => "TH",
            'þ' => "th",
            'Ù'..='Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
            'ù'..='ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
            'Ý' | 'Ÿ' => "Y",
            'ý' | 'ÿ' => "y",
            'Ź' | 'Ż' | 'Ž' => "Z",
            'ź' | 'ż' | 'ž' => "z",
            '‘' | '’' | '´' => "'",
            '“' | '”' => "\"",
            '–' | '—' => "-",
            '\u{a0}' => " ",
            _ => "?",
        };
        out.push_str(mapped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_are_dropped_and_unknown_become_question_marks() {
        assert_eq!(to_bext_ascii("ZOË"), "ZOE");
        assert_eq!(to_bext_ascii("Renée (Lav 2)"), "Renee (Lav 2)");
        assert_eq!(to_bext_ascii("Œdipe"), "OEdipe");
        assert_eq!(to_bext_ascii("李"), "?");
        assert_eq!(to_bext_ascii("a\rb"), "a b");
    }
}
