//! Ingest: suppliers' deliveries from the inbox into the store.
//!
//! Flow per delivery file, sequence numbers in the lexicographic order of
//! file names within each source folder (several files are prepared in
//! parallel, then committed in that order):
//!
//! 1. a file already taken in under this name is skipped if it looks as it
//!    did then (size, modification time, inode) or its bytes hash the same;
//!    byte-identical bytes under another name are recorded as a duplicate
//!    that changes nothing;
//! 2. refuse the file whole if it is not UTF-8 or lacks a required column;
//! 3. validate rows in parallel chunks ([`validate`]), quarantining each bad
//!    row with its line number and reason code;
//! 4. write accepted rows through the store, which commits the delivery
//!    atomically with its ledger entry; small files of one source are
//!    written and committed together as a batch.
//!
//! Modules follow that flow: `inbox` lists and opens (nothing but regular
//! files, never through a link), `parse` turns bytes into records, `validate`
//! checks rows, `unique` finds repeated keys, `quarantine` writes rejected
//! rows, `delivery` drives one file, `commit` records it, and `ingest` runs
//! the whole inbox.

mod commit;
mod delivery;
mod error;
mod header;
mod inbox;
mod ingest;
mod parse;
mod quarantine;
mod unique;
mod validate;

pub use error::IngestError;
pub use header::{HeaderMap, read_header};
pub use ingest::{IngestReport, NoProgress, Progress, ingest, ingest_with};
