//! The delivery ledger: one JSON file per delivery, written last.
//!
//! An entry is checked when it is read ([`LedgerEntry::check`]), so that
//! everything downstream can trust its dates and paths: a damaged entry is
//! an error naming its file, never a panic or a silently different list.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path};
use vroeg_contracts::{ColumnKind, Source};

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
    /// The file's size in bytes, checked before a run reads it. Absent in
    /// entries written before vroeg recorded it; those files are only
    /// checked to exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
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
    /// What `vroeg purge` deleted of this delivery after its retention;
    /// absent when nothing. An entry whose files are all purged is a
    /// tombstone: file name, SHA-256 and purge date, no row data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged: Option<Purged>,
    /// The first sequence number of the batch this delivery was committed
    /// in, when small deliveries of one source were taken in together: their
    /// rows share one Parquet file per period (`d<batch>.parquet`, each row
    /// still tagged with its own delivery) and one ledger file
    /// (`ledger/<batch>.json`, a JSON array). Absent for a delivery
    /// committed on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
    /// How many deliveries its batch holds, so that a batch file that lost
    /// an entry is damage (its rows would otherwise be read as nobody's,
    /// and its number given out again). Absent when not in a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u64>,
    /// The inbox file as it was when it was read, so that an unchanged file
    /// is recognised without reading it again. Absent when vroeg could not
    /// be sure (the file changed while it was read) and in older entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<FileSeen>,
}

/// What identifies an inbox file without reading it: if all of these are
/// the same, the bytes are taken to be the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSeen {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
    /// Inode number.
    pub inode: u64,
    /// Device number.
    pub device: u64,
}

/// The part of a delivery that was purged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    /// The day of the latest purge that deleted a part of it, `YYYY-MM-DD`.
    pub date: String,
    /// The stored files deleted, with their period, rows and SHA-256.
    pub files: Vec<PurgedFile>,
    /// The quarantine file deleted, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<PurgedFile>,
}

/// One deleted file of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgedFile {
    /// Path relative to the store root.
    pub path: String,
    /// The period folder (`YYYY-MM`); for a quarantine file, the latest
    /// period of its delivery, or empty.
    pub period: String,
    /// Rows in the file.
    pub rows: u64,
    /// SHA-256 of the file's bytes when it was deleted.
    pub sha256: String,
}

impl LedgerEntry {
    /// True when rows read equal rows accepted plus rows quarantined, and the
    /// per-reason counts add up to the quarantined rows.
    pub fn reconciles(&self) -> bool {
        let purged: u64 = self
            .purged
            .iter()
            .flat_map(|p| &p.files)
            .map(|f| f.rows)
            .sum();
        self.rows_read == self.rows_accepted + self.rows_quarantined
            && self.quarantined_by_reason.values().sum::<u64>() == self.rows_quarantined
            && self.files.iter().map(|f| f.rows).sum::<u64>() + purged == self.rows_accepted
    }

    /// The number of the ledger file that holds this entry and names its
    /// Parquet files: its batch, or its own sequence number.
    pub fn ledger_file(&self) -> u64 {
        self.batch.unwrap_or(self.seq)
    }

    /// Whether every stored file of the delivery was purged (a tombstone).
    pub fn is_tombstone(&self) -> bool {
        self.files.is_empty() && self.purged.as_ref().is_some_and(|p| !p.files.is_empty())
    }
}

impl LedgerEntry {
    /// Checks what the store relies on: stored paths stay inside the store,
    /// dates are dates, partition values fit the source's partition key.
    /// Returns what is wrong, for an error that names the entry's file.
    pub fn check(&self) -> Result<(), String> {
        let contract = self.source.contract();
        if self.batch.is_some_and(|b| b == 0 || b > self.seq) {
            return Err(format!(
                "batch {:?} of delivery {} is not an earlier or the same delivery",
                self.batch, self.seq
            ));
        }
        let table = |period: &str| {
            format!(
                "tables/{}/period={period}/d{:06}.parquet",
                self.source.name(),
                self.ledger_file()
            )
        };
        let quarantine = format!("quarantine/{}/{:06}-", self.source.name(), self.seq);
        let period_ok = |p: &str| {
            let b = p.as_bytes();
            b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        };
        for f in &self.files {
            if !period_ok(&f.period) {
                return Err(format!(
                    "period {:?} of {} is not YYYY-MM",
                    f.period, f.path
                ));
            }
            if f.path != table(&f.period) {
                return Err(format!(
                    "the stored file {:?} is not where delivery {} of {} keeps period {:?} ({})",
                    f.path,
                    self.seq,
                    self.source.name(),
                    f.period,
                    table(&f.period)
                ));
            }
            for (what, d) in [("min_date", &f.min_date), ("max_date", &f.max_date)] {
                d.parse::<NaiveDate>()
                    .map_err(|_| format!("{what} {d:?} of {} is not a date", f.path))?;
            }
        }
        let quarantined = |q: &str| {
            check_relative(q, "quarantine/")?;
            if q.starts_with(&quarantine) {
                Ok(())
            } else {
                Err(format!(
                    "the quarantine file {q:?} is not one of delivery {}",
                    self.seq
                ))
            }
        };
        if let Some(q) = &self.quarantine_file {
            quarantined(q)?;
        }
        if let Some(p) = &self.purged {
            for f in &p.files {
                if !period_ok(&f.period) || f.path != table(&f.period) {
                    return Err(format!(
                        "the purged file {:?} is not one of delivery {}",
                        f.path, self.seq
                    ));
                }
            }
            if let Some(q) = &p.quarantine {
                quarantined(&q.path)?;
            }
        }
        for value in &self.partitions {
            if value.len() != contract.partition_key.len() {
                return Err(format!(
                    "partition value {value:?} does not fit the key {:?}",
                    contract.partition_key
                ));
            }
            for (name, v) in contract.partition_key.iter().zip(value) {
                let is_date = contract
                    .index_of(name)
                    .is_some_and(|i| matches!(contract.columns[i].kind, ColumnKind::Date { .. }));
                if is_date && v.parse::<NaiveDate>().is_err() {
                    return Err(format!("partition value {v:?} of {name} is not a date"));
                }
            }
        }
        Ok(())
    }
}

/// A stored path must be relative, under `folder`, without `..`.
fn check_relative(path: &str, folder: &str) -> Result<(), String> {
    let inside = path.starts_with(folder)
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if inside {
        Ok(())
    } else {
        Err(format!(
            "the stored file {path:?} is not a path under {folder}"
        ))
    }
}
