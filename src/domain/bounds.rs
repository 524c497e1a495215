//! How much of what people type the bot keeps, repeats and writes out.
//!
//! Slack refuses a whole message when one block is over its limit (a section's text
//! over 3,000 characters, a header over 150), so a command that echoes what was typed
//! must cut it first, or the answer never arrives. A spreadsheet runs a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, so an
//! export neutralises such cells (OWASP's CSV-injection rule: a leading `'`).

/// Slack's limit on a section block's text, and on a context element's.
pub const SECTION_MAX: usize = 3_000;
/// Slack's limit on a header block's text.
pub const HEADER_MAX: usize = 150;
/// How much of a typed word an error message repeats: enough to recognise it.
pub const ECHO_MAX: usize = 60;
/// The most skills a program's catalogue holds: the join form lists them all, and
/// Slack's multi-select takes at most 100 options per group.
pub const MAX_CATALOGUE: usize = 200;

/// `text` cut to at most `max` characters, ending with "…" when it was cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(max.saturating_sub(1)).collect();
    kept.push('…');
    kept
}

/// A typed word repeated in an answer: cut, and without backticks that would end the
/// code span it is shown in.
pub fn echo(text: &str) -> String {
    cut(&text.replace('`', "'"), ECHO_MAX)
}

/// A spreadsheet cell that cannot run as a formula: a leading `=`, `+`, `-`, `@`,
/// tab or carriage return gets a `'` before it.
pub fn safe_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cut_keeps_short_text_and_marks_a_cut() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(echo("a`b"), "a'b");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"));
        }
        assert_eq!(safe_cell("plain = text"), "plain = text");
        assert_eq!(safe_cell(""), "");
    }

    proptest! {
        #[test]
        fn cut_never_exceeds_its_limit(text in "\\PC{0,400}", max in 1usize..200) {
            let out = cut(&text, max);
            prop_assert!(out.chars().count() <= max);
            if text.chars().count() <= max { prop_assert_eq!(out, text) }
        }
    }
}
