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

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use vroeg_contracts::durable;
use vroeg_contracts::text::spreadsheet_safe;

use crate::contacts::Contact;
use crate::error::{OutreachError, Result};

/// Permission bits of a worklist: owner read-write only.
pub const WORKLIST_MODE: u32 = 0o600;

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

/// Refuses a file that exists (a dangling link included) or whose folder
/// does not (exit 2): a worklist or an export never replaces a file.
pub fn check_new_file(path: &Path) -> Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(OutreachError::OutputExists {
            file: path.to_path_buf(),
        });
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if path.file_name().is_none() || !folder.is_dir() {
        return Err(OutreachError::OutputFolderMissing {
            file: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Creates `path` (new, mode 0600) holding `bytes`, whole or not at all:
/// written under a temporary name, flushed, then linked into place, which
/// fails rather than replace a file that appeared meanwhile.
pub(crate) fn create_private(path: &Path, bytes: &[u8]) -> Result<()> {
    check_new_file(path)?;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = folder.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    write_private(&tmp, bytes).map_err(OutreachError::write(path))?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => durable::sync_dir(folder).map_err(OutreachError::write(path)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(OutreachError::OutputExists {
            file: path.to_path_buf(),
        }),
        Err(e) => Err(OutreachError::write(path)(e)),
    }
}

/// Creates `path` with [`WORKLIST_MODE`], writes and flushes it; removes
/// it again when writing fails.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(WORKLIST_MODE)
        .open(path)?;
    let written = file
        .set_permissions(Permissions::from_mode(WORKLIST_MODE))
        .and_then(|()| file.write_all(bytes))
        .and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written
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
