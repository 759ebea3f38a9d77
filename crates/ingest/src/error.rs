//! The one error type of ingest.

use std::path::PathBuf;
use thiserror::Error;
use vroeg_contracts::Source;
use vroeg_contracts::text::escaped_path;
use vroeg_store::StoreError;

/// What stops an ingest. A bad delivery does not: it is refused and
/// recorded, and the other deliveries go on; nor does a source folder that
/// cannot be read (see [`crate::IngestReport::unreadable`]).
#[derive(Debug, Error)]
pub enum IngestError {
    /// The inbox folder itself cannot be read.
    #[error(
        "cannot read the inbox {}: {source}; check the path in the pipeline file or --inbox",
        escaped_path(.path)
    )]
    Inbox {
        /// The inbox folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A contract table contradicts itself (a bug in vroeg, not in the
    /// data): caught here instead of panicking mid-ingest.
    #[error(
        "contract {table}: column `{column}` {problem}; this is a bug in vroeg: report it with this message"
    )]
    Contract {
        /// The source whose contract is inconsistent.
        table: Source,
        /// The column concerned.
        column: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The next sequence number does not fit the store's signed 64-bit
    /// `_delivery` column.
    #[error(
        "delivery sequence number {seq} is too large for the store; the ledger is damaged: restore it from backup"
    )]
    Sequence {
        /// The sequence number.
        seq: u64,
    },
}
