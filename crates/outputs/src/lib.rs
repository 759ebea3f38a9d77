//! Sinks: what a run leaves for people and programs.
//!
//! All files of a run are written into a staging folder beside the out
//! folder and then swapped in with one atomic `renameat2(RENAME_EXCHANGE)`
//! (or a rename when the out folder is new): the out folder holds either the
//! complete set of a run or what it held before. The out folder is vroeg's
//! own: [`check_out_dir`] (before any work) and [`publish`] refuse one that
//! holds anything vroeg did not write.

mod atomic;
mod owned;
mod signals;

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;
use vroeg_scoring::{Counts, SignalList};

pub use atomic::publish;
pub use owned::check_out_dir;
pub use signals::{signals_csv, signals_parquet};

/// Writing outputs failed, or the out folder may not be written; the out
/// folder is as it was. The `Out*` variants are usage errors (exit 2).
#[derive(Debug, Error)]
pub enum OutputError {
    /// The out path does not name a folder (`.`, `..`, `/`).
    #[error("the out folder {path} must end in a folder name (for example out/2026-10-31)")]
    OutPath {
        /// The path given.
        path: PathBuf,
    },
    /// The out path exists and is not a folder.
    #[error(
        "the out folder {path} is {what}, not a folder; vroeg writes only into a folder of its own and has left {path} as it is: choose another out folder"
    )]
    OutNotAFolder {
        /// The path given.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// The out folder holds something that is not a previous vroeg output set.
    #[error(
        "the out folder {path} holds {found}, so it is not a previous vroeg output set; vroeg never replaces files it did not write and has changed nothing: choose a new or empty out folder"
    )]
    OutNotOwned {
        /// The folder.
        path: PathBuf,
        /// What was found.
        found: String,
    },
    /// The out folder lies inside the inbox or the store, or holds one.
    #[error(
        "the out folder {out} and the {role} {other} overlap (one lies inside the other); choose an out folder outside the inbox and the store"
    )]
    OutOverlaps {
        /// The out folder.
        out: PathBuf,
        /// `inbox` or `store`.
        role: &'static str,
        /// The inbox or store folder.
        other: PathBuf,
    },
    /// A file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Building or writing Parquet failed.
    #[error("writing signals.parquet: {0}")]
    Parquet(String),
}

/// A delivery refused during this run's ingest.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RefusedFile {
    /// `source/file.csv`.
    pub file: String,
    /// Why.
    pub message: String,
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    /// The as-of date.
    pub as_of: String,
    /// The counts of default-rules.md.
    #[serde(flatten)]
    pub counts: &'a Counts,
    /// Deliveries refused by this run's ingest.
    pub refused_files: &'a [RefusedFile],
}

/// One input delivery a run used.
#[derive(Debug, Clone, Serialize)]
pub struct InputDelivery {
    /// Sequence number in the store.
    pub seq: u64,
    /// `source/file.csv`.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// `manifest.json`: what is needed to reproduce and audit a run.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The run id.
    pub run_id: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The as-of date.
    pub as_of: String,
    /// SHA-256 of the pipeline file.
    pub pipeline_sha256: String,
    /// SHA-256 of the resolved rule set.
    pub rule_set_sha256: String,
    /// Every delivery whose rows the run could read.
    pub inputs: Vec<InputDelivery>,
    /// SHA-256 of every other output file.
    pub outputs: BTreeMap<String, String>,
    /// The vroeg version.
    pub tool_version: String,
    /// Start, RFC 3339.
    pub started_at: String,
    /// End, RFC 3339.
    pub finished_at: String,
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The files of one run, ready to publish.
pub fn render(
    list: &SignalList,
    summary: &Summary<'_>,
) -> Result<BTreeMap<String, Vec<u8>>, OutputError> {
    let mut files = BTreeMap::new();
    files.insert("signals.csv".to_string(), signals_csv(list)?);
    files.insert("signals.parquet".to_string(), signals_parquet(list)?);
    let mut json = serde_json::to_vec_pretty(summary).expect("summary serialises");
    json.push(b'\n');
    files.insert("summary.json".to_string(), json);
    Ok(files)
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
