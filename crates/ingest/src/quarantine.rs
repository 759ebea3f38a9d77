//! The quarantine file of a delivery: one record per rejected row, saying
//! where (line) and why (reason, column), then the row as delivered.
//!
//! The file is meant to be opened by people, in a spreadsheet: every cell is
//! passed through [`shown`], which redacts what looks like a citizen service
//! number and defuses formulas.

use crate::header::HeaderMap;
use crate::validate::Rejected;
use vroeg_contracts::text::shown;
use vroeg_contracts::{Contract, Dialect, Reason};

/// The quarantine file's columns: where and why, then the row.
pub(crate) fn quarantine_header(contract: &Contract) -> Vec<&'static str> {
    let mut h = vec!["line", "reason", "column"];
    h.extend(contract.columns.iter().map(|c| c.name));
    h.push("unmapped");
    h
}

/// One quarantine row: the contract columns as delivered (the unmapped
/// fields for a malformed row), with anything that looks like a citizen
/// service number redacted and formulas defused.
pub(crate) fn quarantine_record(
    header: &HeaderMap,
    dialect: &Dialect,
    r: &Rejected,
    fields: &csv::StringRecord,
) -> Vec<String> {
    let mut rec = vec![
        r.line.to_string(),
        r.reason.code().to_string(),
        r.column.unwrap_or("").to_string(),
    ];
    if r.reason == Reason::MalformedRow {
        rec.extend(header.positions.iter().map(|_| String::new()));
        let sep = char::from(dialect.delimiter).to_string();
        rec.push(
            fields
                .iter()
                .map(|f| shown(f).into_owned())
                .collect::<Vec<_>>()
                .join(&sep),
        );
    } else {
        rec.extend(header.positions.iter().map(|p| {
            p.and_then(|p| fields.get(p))
                .map(|f| shown(f).into_owned())
                .unwrap_or_default()
        }));
        rec.push(String::new());
    }
    rec
}
