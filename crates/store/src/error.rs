//! The one error type of the store.

use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong reading or writing the store.
///
/// For the exit codes of cli.md: [`StoreError::Locked`] means "busy, try
/// again"; every other variant means the store cannot be used as it is.
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
        "the store {0} is in use by another vroeg process (an ingest, a run or a purge); wait until it has finished and try again (its lock ends with that process)"
    )]
    Locked(PathBuf),
    /// A ledger entry cannot be parsed or does not make sense.
    #[error("ledger entry {path} is damaged: {message}; restore it from backup")]
    Ledger {
        /// The entry's path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A path inside the store is a symbolic link: a store holds regular
    /// files and folders only, and nothing follows a link in it.
    #[error(
        "{path} is a symbolic link; a store holds only regular files and folders, and vroeg deletes nothing through a link (replace the link by what it points to)"
    )]
    Link {
        /// The link.
        path: PathBuf,
    },
    /// The journal of an interrupted purge cannot be read.
    #[error(
        "the journal of an interrupted purge, {path}, cannot be read: {message}; the store reads as the ledger says, and deleting the journal makes the next `vroeg purge` plan anew"
    )]
    PurgeJournal {
        /// The journal.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A run record or a run's list of listed households cannot be parsed.
    #[error("run record {path} is damaged: {message}; restore it from backup")]
    RunRecord {
        /// The file's path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A Parquet file the ledger names is missing.
    #[error(
        "{path} is missing, but ledger entry {ledger} names it: the store is damaged; restore the file from backup"
    )]
    MissingFile {
        /// The missing file.
        path: PathBuf,
        /// The ledger entry that names it.
        ledger: PathBuf,
    },
    /// A Parquet file the ledger names has another size than it recorded.
    #[error(
        "{path} has {found} bytes, but ledger entry {ledger} recorded {expected}: the file is damaged or was replaced; restore it from backup"
    )]
    FileSize {
        /// The file.
        path: PathBuf,
        /// The ledger entry that names it.
        ledger: PathBuf,
        /// The size the ledger recorded.
        expected: u64,
        /// The size on disk.
        found: u64,
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
    /// The folder is not a vroeg store: it does not exist (read-only open),
    /// or it holds other files and no `FORMAT`. Nothing was written to it.
    #[error(
        "{path} is not a vroeg store: {reason}; check the store path (`--store` or `[paths] store`)"
    )]
    NotAStore {
        /// The folder.
        path: PathBuf,
        /// Why not.
        reason: &'static str,
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
