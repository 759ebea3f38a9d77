//! The one error type of the store.

use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong reading or writing the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A file or folder of the store could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Another ingest or run holds the store's lock.
    #[error(
        "the store {0} is in use by another vroeg process; wait for it to finish (or remove a stale lock only if no vroeg process runs)"
    )]
    Locked(PathBuf),
    /// A ledger entry cannot be parsed.
    #[error("ledger entry {path} is damaged: {message}; restore it from backup")]
    Ledger {
        /// The entry's path.
        path: PathBuf,
        /// The parse error.
        message: String,
    },
    /// The folder is not a store of this format.
    #[error("{path} is a store of format {found}, this vroeg writes format {expected}")]
    Format {
        /// The store root.
        path: PathBuf,
        /// The format found.
        found: String,
        /// The format this build writes.
        expected: String,
    },
    /// Writing Parquet or registering tables failed.
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// Writing Parquet failed.
    #[error("writing Parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    /// Building Arrow data failed.
    #[error("building Arrow data: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}

impl StoreError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io {
            action,
            path,
            source,
        }
    }
}
