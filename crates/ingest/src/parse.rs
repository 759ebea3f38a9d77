//! Parsing a delivery's bytes into records with their physical line
//! numbers.
//!
//! A delivery must be UTF-8 (a byte-order mark is dropped). Small files, and
//! files with quotes or bare carriage returns, are read by one csv reader in
//! order; a large quote-free file is cut at line ends into [`Segment`]s that
//! are parsed in parallel. Both give the same records with the same line
//! numbers (tested in `a_large_quote_free_delivery_parsed_in_segments…`).

use rayon::prelude::*;

/// One parsed and validated segment: its rows, the validation result.
pub(crate) type Parsed = (Vec<(u64, csv::StringRecord)>, crate::validate::ChunkOut);

/// The text of a delivery without its byte-order mark, or the refusal
/// message when it is not UTF-8 (naming the line of the first bad byte).
pub(crate) fn decode<'b>(bytes: &'b [u8], shown_name: &str) -> Result<&'b str, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(e) => {
            let line = bytes
                .get(..e.valid_up_to())
                .unwrap_or_default()
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(format!(
                "{shown_name} is not valid UTF-8 (first invalid byte on line {line}); ask the supplier to export it as UTF-8"
            ))
        }
    }
}

/// A csv reader with the delivery's delimiter; records of any width (the
/// width is checked per row, as `malformed_row`).
pub(crate) fn reader<R: std::io::Read>(delimiter: u8, input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input)
}

/// Bytes per segment of a large quote-free delivery.
const SEGMENT_BYTES: usize = 4 << 20;

/// A part of a delivery's body that ends at a line end: its byte range and
/// the physical line number of its first byte.
pub(crate) struct Segment {
    start: usize,
    end: usize,
    line: u64,
}

/// Splits the records after the header into segments at line ends, when
/// that is safe: no `"` anywhere (so no quoted line end) and no `\r` that
/// is not followed by `\n` (the csv crate ends records there too). `None`
/// otherwise, or when the body is small.
pub(crate) fn segments(body: &[u8], header_end: usize) -> Option<Vec<Segment>> {
    if body.len() - header_end.min(body.len()) < 2 * SEGMENT_BYTES {
        return None;
    }
    let unsafe_split = body.par_chunks(1 << 20).enumerate().any(|(i, c)| {
        c.iter().enumerate().any(|(j, &b)| {
            b == b'"' || (b == b'\r' && body.get(i * (1 << 20) + j + 1) != Some(&b'\n'))
        })
    });
    if unsafe_split || header_end == 0 || body[header_end - 1] != b'\n' {
        return None;
    }
    let mut bounds = Vec::new();
    let mut start = header_end;
    while start < body.len() {
        let end = match body[(start + SEGMENT_BYTES).min(body.len())..]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(i) => (start + SEGMENT_BYTES).min(body.len()) + i + 1,
            None => body.len(),
        };
        bounds.push((start, end));
        start = end;
    }
    let newlines: Vec<u64> = bounds
        .par_iter()
        .map(|&(s, e)| body[s..e].iter().filter(|&&b| b == b'\n').count() as u64)
        .collect();
    let mut line = 1 + body[..header_end].iter().filter(|&&b| b == b'\n').count() as u64;
    let mut out = Vec::with_capacity(bounds.len());
    for ((start, end), n) in bounds.into_iter().zip(newlines) {
        out.push(Segment { start, end, line });
        line += n;
    }
    Some(out)
}

/// The records of one segment with their physical line numbers.
pub(crate) fn parse_segment(
    body: &[u8],
    seg: &Segment,
    delimiter: u8,
) -> Result<Vec<(u64, csv::StringRecord)>, csv::Error> {
    let text = &body[seg.start..seg.end];
    let mut reader = reader(delimiter, text);
    let mut lines = LineCounter {
        text,
        byte: 0,
        line: seg.line,
    };
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while reader.read_record(&mut rec)? {
        let line = lines.line_at(rec.position().map_or(0, |p| p.byte()));
        rows.push((line, std::mem::take(&mut rec)));
    }
    Ok(rows)
}

/// Physical line numbers from byte offsets, counted incrementally. (The csv
/// crate's own line counter does not count `\r\n` and blank lines the way
/// people number lines in an editor.)
pub(crate) struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            byte: 0,
            line: 1,
        }
    }

    /// The line of the byte at `offset`; offsets must not decrease (a
    /// smaller one is taken as the last one).
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .clamp(self.byte, self.text.len());
        self.line += self.text[self.byte..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.byte = offset;
        // a record never starts on a blank line: skip line ends at its start
        let mut line = self.line;
        for b in &self.text[offset..] {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
        }
        line
    }
}

#[cfg(test)]
mod segment_tests {
    use super::*;

    fn body(lines: usize) -> Vec<u8> {
        let mut b = b"a,b\n".to_vec();
        for i in 0..lines {
            b.extend_from_slice(format!("{i:0>30},x\r\n").as_bytes());
        }
        b
    }

    #[test]
    fn segments_split_at_line_ends_and_know_their_lines() {
        let b = body(300_000); // 33 bytes a line: about 9.4 MiB
        let segs = segments(&b, 4).expect("quote-free and large");
        assert!(segs.len() >= 2);
        assert_eq!((segs[0].start, segs[0].line), (4, 2));
        for w in segs.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_eq!(b[w[0].end - 1], b'\n');
            let lines_before = b[..w[1].start].iter().filter(|&&c| c == b'\n').count() as u64;
            assert_eq!(w[1].line, lines_before + 1);
        }
        assert_eq!(segs.last().unwrap().end, b.len());
        let rows: usize = segs
            .iter()
            .map(|s| parse_segment(&b, s, b',').unwrap().len())
            .sum();
        assert_eq!(rows, 300_000);
        let last = parse_segment(&b, segs.last().unwrap(), b',').unwrap();
        assert_eq!(
            last.last().unwrap().0,
            300_001,
            "the last row's physical line"
        );
    }

    #[test]
    fn quotes_bare_carriage_returns_and_small_bodies_are_not_split() {
        let mut quoted = body(300_000);
        quoted[5_000_000] = b'"';
        assert!(segments(&quoted, 4).is_none());
        let mut bare_cr = body(300_000);
        let at = bare_cr.len() - 1; // the last "\r\n" loses its "\n"
        bare_cr[at] = b'x';
        assert!(segments(&bare_cr, 4).is_none());
        assert!(segments(&body(1_000), 4).is_none());
    }
}
