//! The staging folder of one delivery or one batch (`staging/<number>/`):
//! its Parquet files per period and its quarantine files are written there,
//! flushed, and moved into place, named after that number. What a crash
//! leaves here is wiped on the next open. Every file and folder goes through
//! [`crate::durable`] (modes 0640/0750, flushed before the move).

use crate::durable;
use crate::error::StoreError;
use crate::ledger::StoredFile;
use crate::writer::{csv_err, day_range, failpoint, parquet_writer, sanitize};
use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;
use vroeg_contracts::value::date_from_days;

/// A staging folder, removed when dropped.
pub(crate) struct Staging {
    root: PathBuf,
    source: Source,
    number: u64,
    dir: PathBuf,
    /// The position of the source's time column in its schema.
    pub time_index: usize,
}

impl Staging {
    /// Creates `staging/<number>/` for files of `source`.
    pub(crate) fn new(root: &Path, source: Source, number: u64) -> Result<Staging, StoreError> {
        let dir = root.join("staging").join(format!("{number:06}"));
        durable::create_dir_all(&dir).map_err(StoreError::io("creating", &dir))?;
        let contract = source.contract();
        Ok(Staging {
            root: root.to_path_buf(),
            source,
            number,
            dir,
            time_index: contract
                .index_of(contract.time_column)
                .expect("time column"),
        })
    }

    /// The Parquet file of a period, relative to the store root.
    pub(crate) fn parquet(&self, period: &str) -> String {
        format!(
            "tables/{}/period={period}/d{:06}.parquet",
            self.source.name(),
            self.number
        )
    }

    /// A new Parquet file for a period, in staging.
    pub(crate) fn create_parquet(&self, period: &str) -> Result<ArrowWriter<File>, StoreError> {
        parquet_writer(&self.dir.join(self.parquet(period)), self.source)
    }

    /// Closes a period's Parquet file and flushes it; returns its size.
    pub(crate) fn close_parquet(
        &self,
        period: &str,
        writer: ArrowWriter<File>,
    ) -> Result<u64, StoreError> {
        let staged = self.dir.join(self.parquet(period));
        let file = writer.into_inner()?;
        file.sync_all()
            .map_err(StoreError::io("syncing", &staged))?;
        Ok(file
            .metadata()
            .map_err(StoreError::io("reading", &staged))?
            .len())
    }

    /// A new quarantine file of delivery `seq` (`file_name` made safe),
    /// its header written; returns its path relative to the store root.
    pub(crate) fn create_quarantine(
        &self,
        seq: u64,
        file_name: &str,
        header: &[&str],
    ) -> Result<(String, csv::Writer<File>), StoreError> {
        let rel = format!(
            "quarantine/{}/{seq:06}-{}",
            self.source.name(),
            sanitize(file_name)
        );
        let path = self.dir.join(&rel);
        if let Some(parent) = path.parent() {
            durable::create_dir_all(parent).map_err(StoreError::io("creating", parent))?;
        }
        let file = durable::create_file(&path).map_err(StoreError::io("creating", &path))?;
        let mut w = csv::Writer::from_writer(file);
        w.write_record(header).map_err(|e| csv_err(&path, e))?;
        Ok((rel, w))
    }

    /// Appends one record to a quarantine file.
    pub(crate) fn quarantine_record(
        &self,
        rel: &str,
        w: &mut csv::Writer<File>,
        record: &[impl AsRef<[u8]>],
    ) -> Result<(), StoreError> {
        w.write_record(record)
            .map_err(|e| csv_err(&self.dir.join(rel), e))
    }

    /// Closes a quarantine file and flushes it.
    pub(crate) fn close_quarantine(
        &self,
        rel: &str,
        w: csv::Writer<File>,
    ) -> Result<(), StoreError> {
        let path = self.dir.join(rel);
        let file = w
            .into_inner()
            .map_err(|e| StoreError::io("flushing", &path)(e.into_error()))?;
        file.sync_all().map_err(StoreError::io("syncing", &path))
    }

    /// Moves staged files (relative to the store root) into place, each
    /// flushed to disk. The crash tests stop at the two failpoints: all
    /// staged, and one moved.
    pub(crate) fn move_into_place(&self, moves: &[String]) -> Result<(), StoreError> {
        failpoint("after-stage");
        for (i, rel) in moves.iter().enumerate() {
            let target = self.root.join(rel);
            if let Some(parent) = target.parent() {
                durable::create_dir_all(parent).map_err(StoreError::io("creating", parent))?;
            }
            durable::rename(&self.dir.join(rel), &target)
                .map_err(StoreError::io("moving into place", &target))?;
            if i == 0 {
                failpoint("mid-move");
            }
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The rows and the first and last day of one delivery in one period.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    rows: u64,
    min_days: i32,
    max_days: i32,
}

impl Span {
    pub(crate) const EMPTY: Span = Span {
        rows: 0,
        min_days: i32::MAX,
        max_days: i32::MIN,
    };

    /// Counts a batch of rows of the period in.
    pub(crate) fn add(&mut self, batch: &RecordBatch, time_index: usize) -> Result<(), StoreError> {
        let (lo, hi) = day_range(batch, time_index)?;
        self.rows += batch.num_rows() as u64;
        self.min_days = self.min_days.min(lo);
        self.max_days = self.max_days.max(hi);
        Ok(())
    }

    /// What the ledger records of it, in the file `path` of `bytes`.
    pub(crate) fn stored(&self, path: String, period: &str, bytes: Option<u64>) -> StoredFile {
        StoredFile {
            path,
            period: period.to_string(),
            rows: self.rows,
            min_date: date_from_days(self.min_days).to_string(),
            max_date: date_from_days(self.max_days).to_string(),
            bytes,
        }
    }
}
