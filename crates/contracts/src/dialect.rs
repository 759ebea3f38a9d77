//! The CSV dialect of one source: delimiter, decimal separator, date pattern.
//!
//! Dates are matched strictly against a small pattern language (`%Y`, `%m`,
//! `%d` and literal characters) rather than chrono's lenient parser, because
//! the contract demands zero-padded fields that match the pattern exactly.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

/// A dialect setting that cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DialectError {
    /// The delimiter is not one ASCII character other than quote or newline.
    #[error("delimiter {0:?} must be one ASCII character such as \",\" or \";\"")]
    Delimiter(String),
    /// The decimal separator is neither `.` nor `,`.
    #[error("decimal separator {0:?} must be \".\" or \",\"")]
    DecimalSeparator(String),
    /// The date pattern is not made of `%Y`, `%m`, `%d` and literals.
    #[error("date pattern {pattern:?}: {problem}")]
    DatePattern {
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The decimal separator equals the delimiter.
    #[error("decimal separator and delimiter are both {0:?}; amounts could not be read")]
    Clash(char),
}

/// The character between the whole and the fractional part of amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalSeparator {
    /// `12.50`, the default.
    #[default]
    Dot,
    /// `12,50`, common in Dutch exports.
    Comma,
}

impl DecimalSeparator {
    /// The separator as a byte.
    pub fn byte(self) -> u8 {
        match self {
            DecimalSeparator::Dot => b'.',
            DecimalSeparator::Comma => b',',
        }
    }

    /// Parses `"."` or `","`.
    pub fn parse(s: &str) -> Result<Self, DialectError> {
        match s {
            "." => Ok(DecimalSeparator::Dot),
            "," => Ok(DecimalSeparator::Comma),
            other => Err(DialectError::DecimalSeparator(other.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DatePart {
    Year,
    Month,
    Day,
    Literal(u8),
}

/// A strict date pattern such as `%Y-%m-%d` or `%d-%m-%Y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatePattern {
    text: String,
    parts: Vec<DatePart>,
    len: usize,
}

impl Default for DatePattern {
    /// `%Y-%m-%d`, the contract's ISO dates.
    fn default() -> Self {
        DatePattern {
            text: "%Y-%m-%d".to_string(),
            parts: vec![
                DatePart::Year,
                DatePart::Literal(b'-'),
                DatePart::Month,
                DatePart::Literal(b'-'),
                DatePart::Day,
            ],
            len: 10,
        }
    }
}

impl DatePattern {
    /// Compiles a pattern. `%Y` is 4 digits, `%m` and `%d` 2 digits; every
    /// other character must appear literally. Each of the three fields must
    /// appear exactly once.
    pub fn parse(pattern: &str) -> Result<Self, DialectError> {
        let err = |problem| DialectError::DatePattern {
            pattern: pattern.to_string(),
            problem,
        };
        if !pattern.is_ascii() {
            return Err(err("only ASCII characters are supported"));
        }
        let bytes = pattern.as_bytes();
        let mut parts = Vec::new();
        let mut len = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let part = match bytes.get(i + 1) {
                    Some(b'Y') => DatePart::Year,
                    Some(b'm') => DatePart::Month,
                    Some(b'd') => DatePart::Day,
                    _ => return Err(err("only %Y, %m and %d are supported")),
                };
                len += if part == DatePart::Year { 4 } else { 2 };
                parts.push(part);
                i += 2;
            } else {
                parts.push(DatePart::Literal(bytes[i]));
                len += 1;
                i += 1;
            }
        }
        for field in [DatePart::Year, DatePart::Month, DatePart::Day] {
            if parts.iter().filter(|p| **p == field).count() != 1 {
                return Err(err("%Y, %m and %d must each appear exactly once"));
            }
        }
        Ok(DatePattern {
            text: pattern.to_string(),
            parts,
            len,
        })
    }

    /// The pattern as written in the pipeline file.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Parses a date that matches the pattern exactly and is a real
    /// calendar date; `None` otherwise.
    pub fn parse_date(&self, s: &str) -> Option<NaiveDate> {
        let b = s.as_bytes();
        if b.len() != self.len {
            return None;
        }
        let (mut y, mut m, mut d) = (0i32, 0u32, 0u32);
        let mut pos = 0;
        for part in &self.parts {
            let digits = |n: usize| -> Option<u32> {
                let mut v = 0u32;
                for &c in &b[pos..pos + n] {
                    if !c.is_ascii_digit() {
                        return None;
                    }
                    v = v * 10 + u32::from(c - b'0');
                }
                Some(v)
            };
            match part {
                DatePart::Year => {
                    y = digits(4)? as i32;
                    pos += 4;
                }
                DatePart::Month => {
                    m = digits(2)?;
                    pos += 2;
                }
                DatePart::Day => {
                    d = digits(2)?;
                    pos += 2;
                }
                DatePart::Literal(c) => {
                    if b[pos] != *c {
                        return None;
                    }
                    pos += 1;
                }
            }
        }
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// Formats a date in this pattern (used by the synthetic generator).
    pub fn format(&self, date: NaiveDate) -> String {
        let mut out = String::with_capacity(self.len);
        for part in &self.parts {
            match part {
                DatePart::Year => out.push_str(&format!("{:04}", date.year())),
                DatePart::Month => out.push_str(&format!("{:02}", date.month())),
                DatePart::Day => out.push_str(&format!("{:02}", date.day())),
                DatePart::Literal(c) => out.push(char::from(*c)),
            }
        }
        out
    }
}

/// How one source's CSV files are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// The field delimiter, `,` by default.
    pub delimiter: u8,
    /// The decimal separator of amounts and hours.
    pub decimal: DecimalSeparator,
    /// The pattern of every date column.
    pub dates: DatePattern,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: b',',
            decimal: DecimalSeparator::Dot,
            dates: DatePattern::default(),
        }
    }
}

impl Dialect {
    /// Builds a dialect from its three settings, checking that they fit
    /// together.
    pub fn new(delimiter: &str, decimal: &str, dates: &str) -> Result<Self, DialectError> {
        let d = delimiter.as_bytes();
        if d.len() != 1 || !d[0].is_ascii() || matches!(d[0], b'"' | b'\n' | b'\r') {
            return Err(DialectError::Delimiter(delimiter.to_string()));
        }
        let decimal = DecimalSeparator::parse(decimal)?;
        if decimal.byte() == d[0] {
            return Err(DialectError::Clash(char::from(d[0])));
        }
        Ok(Dialect {
            delimiter: d[0],
            decimal,
            dates: DatePattern::parse(dates)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_strict() {
        let p = DatePattern::default();
        assert_eq!(Ok(p.clone()), DatePattern::parse("%Y-%m-%d"));
        assert_eq!(
            p.parse_date("2024-01-05"),
            NaiveDate::from_ymd_opt(2024, 1, 5)
        );
        assert_eq!(p.parse_date("2024-1-5"), None);
        assert_eq!(p.parse_date("2024-02-30"), None);
        assert_eq!(
            p.parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(p.parse_date("2023-02-29"), None);
        assert_eq!(p.parse_date(" 2024-01-05"), None);
        assert_eq!(p.parse_date("2024/01/05"), None);
    }

    #[test]
    fn dutch_pattern_round_trips() {
        let p = DatePattern::parse("%d-%m-%Y").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
        assert_eq!(p.format(d), "03-10-2026");
        assert_eq!(p.parse_date("03-10-2026"), Some(d));
        assert_eq!(p.parse_date("2026-10-03"), None);
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(DatePattern::parse("%Y-%m").is_err());
        assert!(DatePattern::parse("%Y-%m-%d %H").is_err());
        assert!(DatePattern::parse("%Y-%m-%d-%d").is_err());
        assert_eq!(
            Dialect::new(",", ",", "%Y-%m-%d"),
            Err(DialectError::Clash(','))
        );
        assert!(Dialect::new(";;", ".", "%Y-%m-%d").is_err());
        assert!(Dialect::new(";", ",", "%d-%m-%Y").is_ok());
    }
}
