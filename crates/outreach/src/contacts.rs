//! The municipality's contact table: where each household lives.
//!
//! It is the one file that turns a pseudonym into a door, so it is refused
//! whole, before any row is used, when other users may read it or when any
//! row breaks the table of `shared/spec/outreach.md`: a worklist with a
//! wrong postcode sends a team to the wrong door, and a half-loaded table
//! silently drops households. Values are not trimmed (like the contracts);
//! lengths count characters. Messages name file, line, column and rule,
//! never the value.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use vroeg_contracts::value::{check_key, is_raw_identifier};

use crate::error::{OutreachError, Result};
use crate::private::read_private;

/// One household's address and contact details; an empty string is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// The household's pseudonymous key.
    pub household_key: String,
    /// Street name.
    pub street: String,
    /// House number, digits only.
    pub house_number: String,
    /// House number suffix (letter or addition), may be empty.
    pub house_number_suffix: String,
    /// Dutch postcode, `1234AB`.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Phone number, may be empty.
    pub phone: String,
    /// E-mail address, may be empty.
    pub email: String,
}

/// The contact table, by household key.
#[derive(Debug, Clone, Default)]
pub struct ContactTable {
    by_key: HashMap<String, Contact>,
}

/// The columns in table order, whether each is required, its length range
/// in characters.
const COLUMNS: [(&str, bool, usize, usize); 8] = [
    ("household_key", true, 8, 128),
    ("street", true, 1, 80),
    ("house_number", true, 1, 5),
    ("house_number_suffix", false, 0, 6),
    ("postcode", true, 6, 6),
    ("city", true, 1, 80),
    ("phone", false, 0, 20),
    ("email", false, 0, 120),
];

impl ContactTable {
    /// Loads and checks a contact table; every refusal is exit 3.
    pub fn load(path: &Path) -> Result<ContactTable> {
        let bytes = read_private(path, "contact table")?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let bad = |line: u64, column: Option<&str>, why: String| OutreachError::BadRow {
            file: path.to_path_buf(),
            line,
            column: column.map(str::to_string),
            why,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            bad(
                line,
                None,
                "the text is not UTF-8; save the table as UTF-8".into(),
            )
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let csv_error = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            bad(
                line,
                None,
                "the row is not valid CSV (check its quotes)".into(),
            )
        };
        let header = match records.next() {
            Some(r) => r.map_err(csv_error)?,
            None => {
                return Err(bad(
                    1,
                    None,
                    "the file is empty; a header is required".into(),
                ));
            }
        };
        let index = column_index(path, &header)?;
        let mut table = ContactTable::default();
        let mut first_line: HashMap<String, u64> = HashMap::new();
        for record in records {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != header.len() {
                return Err(bad(
                    line,
                    None,
                    format!(
                        "the row has {} fields where the header has {}",
                        record.len(),
                        header.len()
                    ),
                ));
            }
            let cell = |i: usize| index[i].and_then(|c| record.get(c)).unwrap_or("");
            for (i, (name, required, min, max)) in COLUMNS.iter().enumerate() {
                if let Some(why) = rule_broken(name, cell(i), *required, *min, *max) {
                    return Err(bad(line, Some(name), why));
                }
            }
            let contact = Contact {
                household_key: cell(0).to_string(),
                street: cell(1).to_string(),
                house_number: cell(2).to_string(),
                house_number_suffix: cell(3).to_string(),
                postcode: cell(4).to_string(),
                city: cell(5).to_string(),
                phone: cell(6).to_string(),
                email: cell(7).to_string(),
            };
            match table.by_key.entry(contact.household_key.clone()) {
                Entry::Occupied(_) => {
                    let first = first_line.get(&contact.household_key).copied().unwrap_or(0);
                    return Err(bad(
                        line,
                        Some("household_key"),
                        format!(
                            "the household key repeats line {first}; keep one row per household"
                        ),
                    ));
                }
                Entry::Vacant(slot) => {
                    first_line.insert(contact.household_key.clone(), line);
                    slot.insert(contact);
                }
            }
        }
        Ok(table)
    }

    /// The contact row of a household, if the table has one.
    pub fn get(&self, household_key: &str) -> Option<&Contact> {
        self.by_key.get(household_key)
    }

    /// The number of households in the table.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// A table from rows already checked elsewhere (tests and synthetic
    /// data); a later row with the same key replaces an earlier one.
    pub fn from_contacts(contacts: impl IntoIterator<Item = Contact>) -> ContactTable {
        ContactTable {
            by_key: contacts
                .into_iter()
                .map(|c| (c.household_key.clone(), c))
                .collect(),
        }
    }
}

/// Where each of [`COLUMNS`] is in the header; a missing required column or
/// a column named twice is refused.
fn column_index(path: &Path, header: &csv::StringRecord) -> Result<Vec<Option<usize>>> {
    let bad = |column: &str, why: &str| OutreachError::BadRow {
        file: PathBuf::from(path),
        line: 1,
        column: Some(column.to_string()),
        why: why.to_string(),
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut index = Vec::with_capacity(COLUMNS.len());
    for (name, required, _, _) in COLUMNS {
        let mut at = names.iter().enumerate().filter(|(_, n)| *n == name);
        let found = at.next().map(|(i, _)| i);
        if at.next().is_some() {
            return Err(bad(
                name,
                "the column appears twice in the header; keep one",
            ));
        }
        if found.is_none() && required {
            return Err(bad(
                name,
                "the required column is missing from the header; add it",
            ));
        }
        index.push(found);
    }
    Ok(index)
}

/// The rule a cell breaks, if any.
fn rule_broken(name: &str, value: &str, required: bool, min: usize, max: usize) -> Option<String> {
    if value.is_empty() {
        return required.then(|| "the value is required".to_string());
    }
    let chars = value.chars().count();
    match name {
        "household_key" if is_raw_identifier(value) => Some(
            "the key is 9 digits, which may be a citizen service number; the table must hold pseudonymized keys"
                .into(),
        ),
        "household_key" => check_key(value)
            .err()
            .map(|_| "not a valid key (8 to 128 of A-Z a-z 0-9 _ -, starting with a letter or digit)".into()),
        "house_number" if chars > max || !value.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("the house number must be 1 to {max} digits"))
        }
        "postcode" if !is_postcode(value) => {
            Some("the postcode must be 4 digits (not starting with 0) and 2 capital letters, e.g. 2711AB".into())
        }
        _ if chars < min || chars > max => {
            Some(format!("the value must be {min} to {max} characters long"))
        }
        _ => None,
    }
}

/// `[1-9][0-9]{3}[A-Z]{2}`, exactly.
fn is_postcode(value: &str) -> bool {
    matches!(value.as_bytes(),
        [a, b, c, d, e, f]
            if (b'1'..=b'9').contains(a)
                && [b, c, d].iter().all(|x| x.is_ascii_digit())
                && [e, f].iter().all(|x| x.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_follow_the_dutch_pattern_exactly() {
        for ok in ["2711AB", "9999ZZ", "1000AA"] {
            assert!(is_postcode(ok), "{ok}");
        }
        for bad in [
            "0711AB", "2711ab", "2711 AB", "2711A", "2711ABC", "27A1AB", "2711ÄB",
        ] {
            assert!(!is_postcode(bad), "{bad}");
        }
    }
}
