//! `--color`: whether the status words rollcall prints on stderr are coloured.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// The `--color` choice.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always colour (wins over `NO_COLOR`).
    Always,
    /// Never colour.
    Never,
}

static COLOR: AtomicBool = AtomicBool::new(false);

/// Whether `choice` means colour, given `NO_COLOR` and whether stderr is a terminal.
pub fn wants_color(choice: ColorChoice, no_color: Option<&str>, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(str::is_empty),
    }
}

/// Decide once, at start-up, from `--color`, `NO_COLOR` and stderr.
pub fn init(choice: ColorChoice) {
    let no_color = std::env::var("NO_COLOR").ok();
    let on = wants_color(choice, no_color.as_deref(), std::io::stderr().is_terminal());
    COLOR.store(on, Ordering::Relaxed);
}

/// A status word (`error`, `warning`, `failed`, `delivered`...) in its colour when colour is on.
pub fn status(word: &str) -> String {
    if !COLOR.load(Ordering::Relaxed) {
        return word.to_string();
    }
    let code = match word {
        "error" | "failed" | "withheld" => "1;31",
        "warning" | "recovered" | "mirror" => "1;33",
        "delivered" | "ok" => "1;32",
        _ => "1",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_turns_auto_off_but_not_always() {
        assert!(wants_color(ColorChoice::Auto, None, true));
        assert!(wants_color(ColorChoice::Auto, Some(""), true));
        assert!(!wants_color(ColorChoice::Auto, Some("1"), true));
        assert!(!wants_color(ColorChoice::Auto, None, false));
        assert!(wants_color(ColorChoice::Always, Some("1"), false));
        assert!(!wants_color(ColorChoice::Never, None, true));
    }
}
