//! A byte-exact CSV record scanner (RFC 4180 with a chosen delimiter).
//!
//! `vroeg pseudonymize` must hand a supplier's file back exactly as it came,
//! except for the replaced cells: same quoting, same line endings, same BOM.
//! The csv crate gives values and loses the raw text, so this scanner
//! reports each field's raw byte span instead, and the caller copies every
//! byte it does not replace. Quoted fields take `""` escapes, delimiters and
//! line breaks; a record ends at `\n` or `\r\n` outside quotes; a lone `\r`
//! is data. Line numbers are physical lines, the first line is 1.

use std::borrow::Cow;

/// One field: its raw span in the input, quotes included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    /// First byte of the field (its opening quote when quoted).
    pub start: usize,
    /// One past the last byte (past the closing quote when quoted).
    pub end: usize,
    /// Whether the field is enclosed in quotes.
    pub quoted: bool,
}

impl Field {
    /// The field's value: without the enclosing quotes and with `""`
    /// unescaped.
    pub fn value<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.quoted {
            return Cow::Borrowed(&bytes[self.start..self.end]);
        }
        let inner = &bytes[self.start + 1..self.end - 1];
        if !inner.contains(&b'"') {
            return Cow::Borrowed(inner);
        }
        let mut out = Vec::with_capacity(inner.len());
        let mut i = 0;
        while i < inner.len() {
            out.push(inner[i]);
            // an escaped quote is two quotes: keep one
            i += if inner[i] == b'"' { 2 } else { 1 };
        }
        Cow::Owned(out)
    }
}

/// One record, from its first byte to past its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// The physical line the record starts on.
    pub line: u64,
    /// First byte of the record.
    pub start: usize,
    /// One past the line ending (`\n`, `\r\n`, or nothing at the end of
    /// the input).
    pub next: usize,
    /// The fields; empty for a blank line.
    pub fields: Vec<Field>,
}

/// What makes the input not CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// A quoted field that never closes; `line` is where its quote opened.
    UnterminatedQuote { line: u64 },
    /// Text between a closing quote and the next delimiter or line end.
    TextAfterQuote { line: u64 },
    /// A carriage return outside quotes that ends no line (`\r` alone, the
    /// old Mac line end): the record boundaries cannot be trusted.
    BareCarriageReturn { line: u64 },
}

/// Iterates over the records of `bytes`.
pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    pos: usize,
    line: u64,
    failed: bool,
}

impl<'a> Scanner<'a> {
    /// Scans `bytes` from `start` (past a BOM) with the given delimiter.
    pub fn new(bytes: &'a [u8], start: usize, delimiter: u8) -> Self {
        Scanner {
            bytes,
            delimiter,
            pos: start,
            line: 1,
            failed: false,
        }
    }

    /// The length of a line ending at `pos` (1 for `\n`, 2 for `\r\n`),
    /// or 0 when there is none.
    fn line_end(&self, pos: usize) -> usize {
        match self.bytes.get(pos..) {
            Some([b'\n', ..]) => 1,
            Some([b'\r', b'\n', ..]) => 2,
            _ => 0,
        }
    }

    fn record(&mut self) -> Result<Record, ScanError> {
        let bytes = self.bytes;
        let start = self.pos;
        let line = self.line;
        let mut fields = Vec::new();
        let blank = self.line_end(start);
        if blank > 0 {
            self.pos += blank;
            self.line += 1;
            return Ok(Record {
                line,
                start,
                next: self.pos,
                fields,
            });
        }
        loop {
            let field_start = self.pos;
            let quoted = bytes.get(self.pos) == Some(&b'"');
            if quoted {
                let quote_line = self.line;
                self.pos += 1;
                loop {
                    let Some(offset) = bytes[self.pos..].iter().position(|&b| b == b'"') else {
                        return Err(ScanError::UnterminatedQuote { line: quote_line });
                    };
                    let quote = self.pos + offset;
                    self.line += newlines(&bytes[self.pos..quote]);
                    self.pos = quote + 1;
                    if bytes.get(self.pos) == Some(&b'"') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let at_end = self.pos == bytes.len()
                    || bytes[self.pos] == self.delimiter
                    || self.line_end(self.pos) > 0;
                if !at_end {
                    return Err(ScanError::TextAfterQuote { line: self.line });
                }
            } else {
                while self.pos < bytes.len()
                    && bytes[self.pos] != self.delimiter
                    && self.line_end(self.pos) == 0
                {
                    if bytes[self.pos] == b'\r' {
                        return Err(ScanError::BareCarriageReturn { line: self.line });
                    }
                    self.pos += 1;
                }
            }
            fields.push(Field {
                start: field_start,
                end: self.pos,
                quoted,
            });
            if self.pos == bytes.len() {
                break;
            }
            if bytes[self.pos] == self.delimiter {
                self.pos += 1;
                continue;
            }
            self.pos += self.line_end(self.pos);
            self.line += 1;
            break;
        }
        Ok(Record {
            line,
            start,
            next: self.pos,
            fields,
        })
    }
}

impl Iterator for Scanner<'_> {
    type Item = Result<Record, ScanError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.bytes.len() {
            return None;
        }
        let record = self.record();
        self.failed = record.is_err();
        Some(record)
    }
}

/// How many `\n` are in `bytes`.
fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(input: &[u8], delimiter: u8) -> Vec<(u64, Vec<String>)> {
        Scanner::new(input, 0, delimiter)
            .map(|r| {
                let r = r.unwrap();
                let v = r
                    .fields
                    .iter()
                    .map(|f| String::from_utf8(f.value(input).into_owned()).unwrap())
                    .collect();
                (r.line, v)
            })
            .collect()
    }

    #[test]
    fn quoted_fields_take_escapes_delimiters_and_line_breaks() {
        let input = b"a,\"b,\"\"c\"\"\nd\",e\r\n\nf,,\"\"";
        assert_eq!(
            values(input, b','),
            vec![
                (1, vec!["a".into(), "b,\"c\"\nd".into(), "e".into()]),
                (3, vec![]),
                (4, vec!["f".into(), "".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn records_cover_every_byte() {
        let input = b"x;\"y\"\r\n\r\nz;w";
        let records: Vec<_> = Scanner::new(input, 0, b';').map(|r| r.unwrap()).collect();
        assert_eq!(records[0].start, 0);
        assert_eq!(records[0].next, 7);
        assert_eq!(records[1].next, 9);
        assert_eq!(records[2].next, input.len());
        assert_eq!(
            records[0].fields[1],
            Field {
                start: 2,
                end: 5,
                quoted: true
            }
        );
    }

    #[test]
    fn an_unterminated_quote_names_the_line_it_opened() {
        let input = b"a,b\nc,\"d\ne\n";
        let results: Vec<_> = Scanner::new(input, 0, b',').collect();
        assert_eq!(
            results.last().unwrap(),
            &Err(ScanError::UnterminatedQuote { line: 2 })
        );
    }

    #[test]
    fn text_after_a_closing_quote_is_refused() {
        let input = b"a\n\"b\"c\n";
        let results: Vec<_> = Scanner::new(input, 0, b',').collect();
        assert_eq!(results[1], Err(ScanError::TextAfterQuote { line: 2 }));
    }
}
