//! The one error type of ingest.

use std::path::PathBuf;
use thiserror::Error;
use vroeg_store::StoreError;

/// What stops an ingest. A bad delivery does not: it is refused and
/// recorded, and the other deliveries go on.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The inbox folder itself cannot be read.
    #[error(
        "cannot read the inbox {path}: {source}; check the path in the pipeline file or --inbox"
    )]
    Inbox {
        /// The inbox or source folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
