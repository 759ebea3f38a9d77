//! The delivery ledger: one JSON file per delivery, written last.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vroeg_contracts::Source;

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Validated; accepted rows are in the store.
    Accepted,
    /// Refused whole (missing column, not UTF-8, unreadable); nothing stored.
    Refused,
    /// Byte-identical to an earlier delivery of the same source under another
    /// name; nothing changed.
    Duplicate,
}

/// One Parquet file of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Path relative to the store root.
    pub path: String,
    /// The period folder (`YYYY-MM` of the source's time column).
    pub period: String,
    /// Rows in the file.
    pub rows: u64,
    /// Earliest value of the time column, `YYYY-MM-DD`.
    pub min_date: String,
    /// Latest value of the time column, `YYYY-MM-DD`.
    pub max_date: String,
}

/// The record of one delivery. Rows read = accepted + quarantined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The delivery sequence number, from 1, in the order taken in.
    pub seq: u64,
    /// The source (inbox folder).
    pub source: Source,
    /// The file name in the inbox folder.
    pub file_name: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The file size in bytes.
    pub bytes: u64,
    /// What became of it.
    pub status: DeliveryStatus,
    /// Data rows read (blank lines and the header excluded).
    pub rows_read: u64,
    /// Rows stored.
    pub rows_accepted: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Quarantined rows per reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Why the file was refused, or of which delivery it is a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Warnings (extra columns ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The partition-key values among the accepted rows, each the values of
    /// the key's columns in order (dates `YYYY-MM-DD`), sorted.
    pub partitions: Vec<Vec<String>>,
    /// The Parquet files written.
    pub files: Vec<StoredFile>,
    /// The quarantine file, relative to the store root, if any row was
    /// quarantined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine_file: Option<String>,
    /// When the delivery was committed (RFC 3339, UTC).
    pub ingested_at: String,
    /// How long validation and writing took, in milliseconds.
    pub duration_ms: u64,
}

impl LedgerEntry {
    /// True when rows read equal rows accepted plus rows quarantined, and the
    /// per-reason counts add up to the quarantined rows.
    pub fn reconciles(&self) -> bool {
        self.rows_read == self.rows_accepted + self.rows_quarantined
            && self.quarantined_by_reason.values().sum::<u64>() == self.rows_quarantined
            && self.files.iter().map(|f| f.rows).sum::<u64>() == self.rows_accepted
    }
}
