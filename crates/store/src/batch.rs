//! Writing small deliveries of one source together, as one batch: their
//! accepted rows share one Parquet file per period (`d<first>.parquet`, each
//! row tagged with its own delivery in `_delivery`), each delivery keeps its
//! own quarantine file, and the batch is staged under `staging/<first>/`
//! and moved into place like one delivery. The ledger commits it in one
//! step ([`crate::Store::commit_batch`]).
//!
//! Without it an inbox of thousands of small files (a school's weekly
//! absence) would leave thousands of small Parquet files that every run
//! lists and opens, and cost one flush to disk each.

use crate::durable;
use crate::error::StoreError;
use crate::ledger::StoredFile;
use crate::writer::{by_period, csv_err, day_range, move_into_place, parquet_writer, sanitize};
use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;
use vroeg_contracts::value::date_from_days;

/// Rows and dates of one delivery in one period.
#[derive(Debug, Clone, Copy)]
struct Part {
    rows: u64,
    min_days: i32,
    max_days: i32,
}

/// What a finished batch wrote for one delivery: its Parquet files (shared
/// with the batch) and its quarantine file.
pub type Written = (Vec<StoredFile>, Option<String>);

/// Writes a batch of deliveries of one source (see the module docs).
pub struct BatchWriter {
    root: PathBuf,
    source: Source,
    first: u64,
    staging: PathBuf,
    time_index: usize,
    periods: BTreeMap<String, Vec<RecordBatch>>,
    parts: BTreeMap<(u64, String), Part>,
    quarantines: BTreeMap<u64, String>,
}

impl BatchWriter {
    pub(crate) fn new(root: &Path, source: Source, first: u64) -> Result<Self, StoreError> {
        let staging = root.join("staging").join(format!("{first:06}"));
        durable::create_dir_all(&staging).map_err(StoreError::io("creating", &staging))?;
        let contract = source.contract();
        Ok(BatchWriter {
            root: root.to_path_buf(),
            source,
            first,
            staging,
            time_index: contract
                .index_of(contract.time_column)
                .expect("time column"),
            periods: BTreeMap::new(),
            parts: BTreeMap::new(),
            quarantines: BTreeMap::new(),
        })
    }

    /// Adds delivery `seq`'s accepted rows (in the source's schema, tagged
    /// with `seq`) and its quarantine: `header` and the records, raw
    /// identifiers already redacted. Deliveries are added in sequence order.
    pub fn add(
        &mut self,
        seq: u64,
        file_name: &str,
        rows: &[RecordBatch],
        quarantine: (&[&str], &[Vec<String>]),
    ) -> Result<(), StoreError> {
        for batch in rows {
            for (period, part) in by_period(batch, self.time_index)? {
                let (lo, hi) = day_range(&part, self.time_index)?;
                let p = self.parts.entry((seq, period.clone())).or_insert(Part {
                    rows: 0,
                    min_days: i32::MAX,
                    max_days: i32::MIN,
                });
                p.rows += part.num_rows() as u64;
                p.min_days = p.min_days.min(lo);
                p.max_days = p.max_days.max(hi);
                self.periods.entry(period).or_default().push(part);
            }
        }
        let (header, records) = quarantine;
        if !records.is_empty() {
            let rel = format!(
                "quarantine/{}/{seq:06}-{}",
                self.source.name(),
                sanitize(file_name)
            );
            let path = self.staging.join(&rel);
            if let Some(parent) = path.parent() {
                durable::create_dir_all(parent).map_err(StoreError::io("creating", parent))?;
            }
            let file = durable::create_file(&path).map_err(StoreError::io("creating", &path))?;
            let mut w = csv::Writer::from_writer(file);
            w.write_record(header).map_err(|e| csv_err(&path, e))?;
            for r in records {
                w.write_record(r).map_err(|e| csv_err(&path, e))?;
            }
            let file = w
                .into_inner()
                .map_err(|e| StoreError::io("flushing", &path)(e.into_error()))?;
            file.sync_all().map_err(StoreError::io("syncing", &path))?;
            self.quarantines.insert(seq, rel);
        }
        Ok(())
    }

    fn relative_parquet(&self, period: &str) -> String {
        format!(
            "tables/{}/period={period}/d{:06}.parquet",
            self.source.name(),
            self.first
        )
    }

    /// Writes one Parquet file per period (in parallel), flushes everything
    /// to disk and moves it from staging into place. Returns, per delivery,
    /// what its ledger entry records.
    pub fn finish(mut self) -> Result<BTreeMap<u64, Written>, StoreError> {
        let periods = std::mem::take(&mut self.periods);
        let sizes: Vec<(String, u64)> = periods
            .into_par_iter()
            .map(|(period, batches)| {
                let rel = self.relative_parquet(&period);
                let staged = self.staging.join(&rel);
                let mut writer = parquet_writer(&staged, self.source)?;
                for b in &batches {
                    writer.write(b)?;
                }
                let file = writer.into_inner()?;
                file.sync_all()
                    .map_err(StoreError::io("syncing", &staged))?;
                let bytes = file
                    .metadata()
                    .map_err(StoreError::io("reading", &staged))?
                    .len();
                Ok((period, bytes))
            })
            .collect::<Result<_, StoreError>>()?;
        let sizes: BTreeMap<String, u64> = sizes.into_iter().collect();
        let mut out: BTreeMap<u64, Written> = BTreeMap::new();
        for ((seq, period), p) in &self.parts {
            out.entry(*seq).or_default().0.push(StoredFile {
                path: self.relative_parquet(period),
                period: period.clone(),
                rows: p.rows,
                min_date: date_from_days(p.min_days).to_string(),
                max_date: date_from_days(p.max_days).to_string(),
                bytes: sizes.get(period).copied(),
            });
        }
        for (seq, rel) in &self.quarantines {
            out.entry(*seq).or_default().1 = Some(rel.clone());
        }
        let moves: Vec<String> = sizes
            .keys()
            .map(|p| self.relative_parquet(p))
            .chain(self.quarantines.values().cloned())
            .collect();
        move_into_place(&self.root, &self.staging, &moves)?;
        Ok(out)
    }
}

impl Drop for BatchWriter {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}
