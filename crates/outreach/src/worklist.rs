//! A team's worklist: the listed households routed to it, with the
//! addresses to visit.
//!
//! The worklist is the most sensitive file vroeg writes (names a door per
//! vulnerable household), so it is created `0600` whatever the umask, never
//! replaces an existing file (a reveal must not overwrite a colleague's
//! list), and appears whole: it is written to a private temporary name and
//! then hard-linked to its name, which fails when the name exists, so there
//! is no window in which another file could be replaced. Every cell goes
//! through `spreadsheet_safe`, like `signals.csv`.

use std::io;
use std::path::Path;

use vroeg_contracts::text::spreadsheet_safe;

use crate::contacts::Contact;
use crate::error::{OutreachError, Result};
use crate::files::{check_new_file, create_private};

/// Permission bits of a worklist: owner read-write only.
pub const WORKLIST_MODE: u32 = crate::files::PRIVATE_MODE;

/// The worklist's columns, in order.
pub const HEADER: [&str; 14] = [
    "rank",
    "household_key",
    "score",
    "rules",
    "why",
    "district_code",
    "total_arrears_eur",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "phone",
    "email",
];

/// One listed household of the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklistRow {
    /// The household's rank in the run's list.
    pub rank: u64,
    /// The household's pseudonymous key.
    pub household_key: String,
    /// Its score.
    pub score: i64,
    /// The fired rule ids, as in `signals.csv`.
    pub rules: String,
    /// The fired rules' descriptions joined with `; `.
    pub why: String,
    /// Its district, empty when unknown.
    pub district_code: String,
    /// Its total arrears, 2 decimals, as in `signals.csv`.
    pub total_arrears_eur: String,
    /// Its contact row; `None` leaves the contact columns empty.
    pub contact: Option<Contact>,
}

/// Writes the worklist to `path` (a new file, mode 0600). Exit 2 when the
/// file exists or its folder does not.
pub fn write_worklist(path: &Path, rows: &[WorklistRow]) -> Result<()> {
    check_new_file(path)?;
    let bytes = to_csv(rows).map_err(OutreachError::write(path))?;
    create_private(path, &bytes)
}

/// The worklist as CSV bytes.
fn to_csv(rows: &[WorklistRow]) -> io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    let empty = Contact::default();
    for row in rows {
        let c = row.contact.as_ref().unwrap_or(&empty);
        let rank = row.rank.to_string();
        let score = row.score.to_string();
        let cells: [&str; 14] = [
            &rank,
            &row.household_key,
            &score,
            &row.rules,
            &row.why,
            &row.district_code,
            &row.total_arrears_eur,
            &c.street,
            &c.house_number,
            &c.house_number_suffix,
            &c.postcode,
            &c.city,
            &c.phone,
            &c.email,
        ];
        writer.write_record(cells.iter().map(|cell| spreadsheet_safe(cell).into_owned()))?;
    }
    writer
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))
}
