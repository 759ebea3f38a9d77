//! From pseudonyms to doors, and back to the national monitor
//! (`shared/spec/outreach.md`, `vroeg pseudonymize` in `shared/spec/cli.md`).
//!
//! Everything here touches the one thing the rest of vroeg never holds:
//! what identifies a household (a citizen service number before
//! pseudonymization, an address in the contact table). So the crate is a
//! library of small, separately tested steps the job layer composes, with
//! one error type whose messages never carry such a value:
//!
//! - [`key`] and [`pseudonymize`]: the keyed pseudonym and a supplier's file;
//! - [`contacts`]: the municipality's contact table, refused unless private;
//! - [`worklist`]: a team's worklist, mode 0600;
//! - [`audit`]: the hash-chained record of every reveal, export and purge;
//! - [`ddas`]: the DDAS v1.2 export document.

mod csvscan;
mod os_user;
mod private;

pub mod audit;
pub mod contacts;
pub mod ddas;
pub mod error;
pub mod files;
pub mod key;
pub mod pseudonymize;
pub mod worklist;

pub use audit::{AuditEntry, AuditRecord, keys_sha256};
pub use contacts::{Contact, ContactTable};
pub use error::{OutreachError, Result};
pub use key::{Key, hmac_sha256_hex, pseudonym};
pub use pseudonymize::{ColumnMapping, KeyColumn, PseudonymizeSummary, pseudonymize_file};
pub use worklist::{WorklistRow, write_worklist};
