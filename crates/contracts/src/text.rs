//! Text safety for what people read: spreadsheet cells, redaction, and
//! names from the inbox shown in messages and logs.
//!
//! File names come from suppliers: a name with an escape sequence or a
//! right-to-left override could rewrite a terminal line or hide a file's real
//! extension. Every name shown goes through [`escaped`], one helper, so the
//! escaping is the same in the ledger messages, the logs and the CLI.

use std::borrow::Cow;

/// The text that replaces a raw citizen service number wherever a row is
/// shown.
pub const REDACTED: &str = "<redacted>";

/// Prefixes a cell that a spreadsheet would run as a formula (it begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) with `'`.
///
/// ```
/// use vroeg_contracts::text::spreadsheet_safe;
/// assert_eq!(spreadsheet_safe("=SUM(A1)"), "'=SUM(A1)");
/// assert_eq!(spreadsheet_safe("ZM01"), "ZM01");
/// ```
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// True when a cell, stripped of surrounding spaces and quotes, is exactly 9
/// digits: it may be a citizen service number, so it is never shown.
pub fn looks_like_bsn(cell: &str) -> bool {
    let t = cell.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    crate::value::is_raw_identifier(t)
}

/// The cell as it may be shown in a quarantine file: redacted when it looks
/// like a citizen service number, spreadsheet-safe otherwise.
pub fn shown(cell: &str) -> Cow<'_, str> {
    if looks_like_bsn(cell) {
        Cow::Borrowed(REDACTED)
    } else {
        spreadsheet_safe(cell)
    }
}

/// The text with control characters and invisible direction/format
/// characters written as Rust-style escapes (`\u{1b}`), so that a name can
/// be shown in a message or log line without acting on the terminal.
/// Everything else, including non-ASCII letters, is kept as is.
///
/// ```
/// use vroeg_contracts::text::escaped;
/// assert_eq!(escaped("2026-09\u{1b}[2J.csv"), "2026-09\\u{1b}[2J.csv");
/// assert_eq!(escaped("a\u{202e}vsc.exe"), "a\\u{202e}vsc.exe");
/// assert_eq!(escaped("café.csv"), "café.csv");
/// ```
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as it may be shown: lossily decoded, then [`escaped`].
pub fn escaped_path(path: &std::path::Path) -> String {
    escaped(&path.to_string_lossy()).into_owned()
}

/// Control characters (C0, DEL, C1) and the invisible characters that
/// change how the text around them is displayed: bidirectional overrides,
/// isolates and marks, zero-width characters, the byte-order mark.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061c}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_direction_characters_are_escaped() {
        assert_eq!(escaped("plain.csv"), "plain.csv");
        assert!(matches!(escaped("plain.csv"), Cow::Borrowed(_)));
        assert_eq!(escaped("a\nb\rc\td"), "a\\u{a}b\\u{d}c\\u{9}d");
        assert_eq!(escaped("\u{7f}\u{85}\u{0}"), "\\u{7f}\\u{85}\\u{0}");
        assert_eq!(
            escaped("x\u{2067}y\u{200b}\u{feff}"),
            "x\\u{2067}y\\u{200b}\\u{feff}"
        );
        assert_eq!(escaped("wbv ë 日本.csv"), "wbv ë 日本.csv");
        assert_eq!(
            escaped_path(std::path::Path::new(
                "inbox/rent_arrears/\u{1b}]0;x\u{7}.csv"
            )),
            "inbox/rent_arrears/\\u{1b}]0;x\\u{7}.csv"
        );
    }

    #[test]
    fn formulas_and_identifiers_are_defused() {
        for c in ["=1+1", "+31", "-5", "@x", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(c), format!("'{c}"));
        }
        assert_eq!(shown("123456789"), REDACTED);
        assert_eq!(shown(" 123456789 "), REDACTED);
        assert_eq!(shown("1234567890"), "1234567890");
        assert_eq!(shown("-12"), "'-12");
    }
}
