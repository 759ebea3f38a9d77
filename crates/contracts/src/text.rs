//! Text safety for files people open: spreadsheets and redaction.

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

#[cfg(test)]
mod tests {
    use super::*;

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
