//! `vroeg pseudonymize`: a supplier's CSV with its identifying columns
//! replaced by keyed pseudonyms, every other byte kept.
//!
//! The supplier's file goes on to the municipality's inbox, so the output
//! must be the same file in every other respect: quoting, delimiter, line
//! endings, BOM, column order (the crate's own scanner keeps the raw bytes). A
//! file that is not well-formed CSV is refused whole rather than guessed
//! at, and the output appears all at once or not at all.

use std::fs;
use std::path::{Path, PathBuf};

use crate::csvscan::{ScanError, Scanner};
use crate::error::{OutreachError, Result};
use crate::key::{Key, pseudonym};

/// The UTF-8 byte-order mark, kept when the input has one.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The key column a replaced column becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyColumn {
    /// `household_key`.
    Household,
    /// `person_key`.
    Person,
}

impl KeyColumn {
    /// The column's name in the contracts.
    pub fn name(self) -> &'static str {
        match self {
            KeyColumn::Household => "household_key",
            KeyColumn::Person => "person_key",
        }
    }
}

/// One `--column NAME=TARGET`: the source column and the key it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The input column's name (matched case-insensitively after trimming).
    pub source: String,
    /// The key column it becomes.
    pub target: KeyColumn,
}

impl ColumnMapping {
    /// Parses `NAME=household_key` or `NAME=person_key` (exit 2 otherwise).
    pub fn parse(arg: &str) -> Result<ColumnMapping> {
        let bad = |why| OutreachError::ColumnMapping {
            arg: arg.to_string(),
            why,
        };
        let (source, target) = arg.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let source = source.trim();
        if source.is_empty() {
            return Err(bad("the column name is empty"));
        }
        let target = match target.trim() {
            "household_key" => KeyColumn::Household,
            "person_key" => KeyColumn::Person,
            _ => return Err(bad("the target must be household_key or person_key")),
        };
        Ok(ColumnMapping {
            source: source.to_string(),
            target,
        })
    }
}

/// What one pseudonymization did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PseudonymizeSummary {
    /// Data records (not the header, not blank lines).
    pub rows: u64,
    /// Cells replaced by their pseudonym.
    pub cells: u64,
    /// Empty cells of replaced columns, kept empty.
    pub empty_cells: u64,
}

/// Replaces every named column of `input` by its pseudonym and writes the
/// result to `output`, a new file (whole or not at all, mode 0600: it may
/// hold what the supplier left unpseudonymized). See the module header for
/// what is kept; every refusal leaves the file system as it was.
pub fn pseudonymize_file(
    key: &Key,
    input: &Path,
    output: &Path,
    delimiter: u8,
    columns: &[ColumnMapping],
) -> Result<PseudonymizeSummary> {
    let unreadable = |source| OutreachError::Unreadable {
        what: "input file",
        file: input.to_path_buf(),
        source,
    };
    let input_real = fs::canonicalize(input).map_err(unreadable)?;
    if output_real(output)? == input_real {
        return Err(OutreachError::OutputIsInput {
            file: output.to_path_buf(),
        });
    }
    crate::files::check_new_file(output)?;
    check_mappings(input, columns)?;
    if !fs::metadata(&input_real).map_err(unreadable)?.is_file() {
        return Err(OutreachError::Refused {
            what: "input file",
            file: input.to_path_buf(),
            why: "it is not a regular file (a folder, a pipe or a device)".into(),
        });
    }
    let bytes = fs::read(input).map_err(unreadable)?;
    let (out, summary) = pseudonymize_bytes(key, input, &bytes, delimiter, columns)?;
    crate::files::create_private(output, &out)?;
    Ok(summary)
}

/// The path `output` will have: itself when it exists, else its folder's
/// real path joined with its name (the folder must exist: exit 2).
fn output_real(output: &Path) -> Result<PathBuf> {
    if let Ok(real) = fs::canonicalize(output) {
        return Ok(real);
    }
    let missing = || OutreachError::OutputFolderMissing {
        file: output.to_path_buf(),
    };
    let name = output.file_name().ok_or_else(missing)?;
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(fs::canonicalize(parent).map_err(|_| missing())?.join(name))
}

/// Refuses a column named twice and two columns mapped to one target.
fn check_mappings(input: &Path, columns: &[ColumnMapping]) -> Result<()> {
    for (i, a) in columns.iter().enumerate() {
        for b in &columns[..i] {
            let why = if normalized(&a.source) == normalized(&b.source) {
                format!("column `{}` is named twice", a.source)
            } else if a.target == b.target {
                format!("two columns are mapped to {}", a.target.name())
            } else {
                continue;
            };
            return Err(OutreachError::AmbiguousColumns {
                file: input.to_path_buf(),
                why,
            });
        }
    }
    Ok(())
}

/// A header name as the contracts match it: trimmed, lowercase.
fn normalized(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The pseudonymization of a whole file in memory.
fn pseudonymize_bytes(
    key: &Key,
    input: &Path,
    bytes: &[u8],
    delimiter: u8,
    columns: &[ColumnMapping],
) -> Result<(Vec<u8>, PseudonymizeSummary)> {
    let bad = |line: u64, column: Option<&str>, why: String| OutreachError::BadRow {
        file: input.to_path_buf(),
        line,
        column: column.map(str::to_string),
        why,
    };
    let scan_error = |e: ScanError| {
        match e {
        ScanError::UnterminatedQuote { line } => {
            bad(line, None, "a quoted field is never closed".into())
        }
        ScanError::TextAfterQuote { line } => bad(
            line,
            None,
            "text follows a closing quote before the next delimiter".into(),
        ),
        ScanError::BareCarriageReturn { line } => bad(
            line,
            None,
            "a carriage return that ends no line (old Mac line ends); convert the file to \\n or \\r\\n line ends".into(),
        ),
    }
    };
    let body = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let mut records = Scanner::new(bytes, body, delimiter);
    let header = match records.next() {
        Some(record) => record.map_err(scan_error)?,
        None => {
            return Err(bad(
                1,
                None,
                "the file is empty; a header is required".into(),
            ));
        }
    };
    if header.fields.is_empty() {
        return Err(bad(
            1,
            None,
            "the first line is blank; a header is required".into(),
        ));
    }
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|f| normalized(&String::from_utf8_lossy(&f.value(bytes))))
        .collect();
    // (field index, target) of every replaced column
    let mut replaced = Vec::with_capacity(columns.len());
    for mapping in columns {
        let wanted = normalized(&mapping.source);
        let mut found = names.iter().enumerate().filter(|(_, n)| **n == wanted);
        let (index, _) = found.next().ok_or_else(|| OutreachError::ColumnNotFound {
            file: input.to_path_buf(),
            column: mapping.source.clone(),
        })?;
        if found.next().is_some() {
            return Err(OutreachError::AmbiguousColumns {
                file: input.to_path_buf(),
                why: format!("column `{}` appears twice in the header", mapping.source),
            });
        }
        replaced.push((index, mapping.target));
    }
    for (index, target) in &replaced {
        let clash = names.iter().enumerate().any(|(i, n)| {
            *n == target.name() && !replaced.iter().any(|(r, _)| *r == i) && i != *index
        });
        if clash {
            return Err(OutreachError::AmbiguousColumns {
                file: input.to_path_buf(),
                why: format!("the header already has a column {}", target.name()),
            });
        }
    }
    replaced.sort_by_key(|(index, _)| *index);

    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
    out.extend_from_slice(&bytes[..body]);
    let mut cursor = header.start;
    for (index, target) in &replaced {
        let field = header.fields[*index];
        out.extend_from_slice(&bytes[cursor..field.start]);
        push_cell(&mut out, target.name().as_bytes(), field.quoted);
        cursor = field.end;
    }
    out.extend_from_slice(&bytes[cursor..header.next]);

    let mut summary = PseudonymizeSummary::default();
    for record in records {
        let record = record.map_err(scan_error)?;
        if record.fields.is_empty() {
            out.extend_from_slice(&bytes[record.start..record.next]);
            continue;
        }
        if record.fields.len() != header.fields.len() {
            return Err(bad(
                record.line,
                None,
                format!(
                    "the record has {} fields where the header has {}",
                    record.fields.len(),
                    header.fields.len()
                ),
            ));
        }
        summary.rows += 1;
        let mut cursor = record.start;
        for (index, target) in &replaced {
            let field = record.fields[*index];
            let value = field.value(bytes);
            out.extend_from_slice(&bytes[cursor..field.start]);
            cursor = field.end;
            if value.is_empty() {
                summary.empty_cells += 1;
                out.extend_from_slice(&bytes[field.start..field.end]);
                continue;
            }
            if std::str::from_utf8(&value).is_err() {
                return Err(bad(
                    record.line,
                    Some(target_source(columns, *target)),
                    "the cell is not UTF-8 text; deliver the file in UTF-8".into(),
                ));
            }
            push_cell(&mut out, pseudonym(key, &value).as_bytes(), field.quoted);
            summary.cells += 1;
        }
        out.extend_from_slice(&bytes[cursor..record.next]);
    }
    Ok((out, summary))
}

/// The source column name mapped to `target` (for messages).
fn target_source(columns: &[ColumnMapping], target: crate::KeyColumn) -> &str {
    columns
        .iter()
        .find(|c| c.target == target)
        .map_or("", |c| c.source.as_str())
}

/// Writes a cell, in quotes when the original was quoted. The text written
/// is a column name or hex, neither holds a quote.
fn push_cell(out: &mut Vec<u8>, text: &[u8], quoted: bool) {
    if quoted {
        out.push(b'"');
    }
    out.extend_from_slice(text);
    if quoted {
        out.push(b'"');
    }
}
