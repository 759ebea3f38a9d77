//! Writing one delivery: Parquet per period and a quarantine file, staged
//! and then moved into place. Every file and folder goes through
//! [`crate::durable`] (modes 0640/0750, flushed before the move).

use crate::durable;
use crate::error::StoreError;
use crate::ledger::StoredFile;
use crate::schema::arrow_schema;
use chrono::Datelike;
use datafusion::arrow::array::{Array, BooleanArray, Date32Array, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::parquet::schema::types::ColumnPath;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use vroeg_contracts::Source;
use vroeg_contracts::value::date_from_days;

/// Aborts the process when the environment variable `VROEG_FAILPOINT` names
/// this point. Crash tests use it to kill a delivery mid-way; it does nothing
/// otherwise.
pub fn failpoint(name: &str) {
    if std::env::var("VROEG_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("vroeg: failpoint {name} reached, aborting");
        std::process::abort();
    }
}

struct PeriodFile {
    writer: ArrowWriter<File>,
    rows: u64,
    min_days: i32,
    max_days: i32,
}

/// Writes one delivery's accepted rows and quarantine into staging, then
/// [`DeliveryWriter::finish`] moves them into place. Nothing is visible to
/// runs until the store commits the ledger entry.
pub struct DeliveryWriter {
    root: PathBuf,
    source: Source,
    seq: u64,
    staging: PathBuf,
    time_index: usize,
    periods: BTreeMap<String, PeriodFile>,
    quarantine: Option<(String, csv::Writer<File>)>,
}

impl DeliveryWriter {
    pub(crate) fn new(root: &Path, source: Source, seq: u64) -> Result<Self, StoreError> {
        let staging = root.join("staging").join(format!("{seq:06}"));
        durable::create_dir_all(&staging).map_err(StoreError::io("creating", &staging))?;
        let contract = source.contract();
        Ok(DeliveryWriter {
            root: root.to_path_buf(),
            source,
            seq,
            staging,
            time_index: contract
                .index_of(contract.time_column)
                .expect("time column"),
            periods: BTreeMap::new(),
            quarantine: None,
        })
    }

    /// Appends accepted rows (in the source's [`arrow_schema`]), split over
    /// the period folders of their time column.
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), StoreError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        for (period, part) in by_period(batch, self.time_index)? {
            let dates = time_column(&part, self.time_index)?.clone();
            self.append(period, part, &dates)?;
        }
        Ok(())
    }

    fn append(
        &mut self,
        period: String,
        batch: RecordBatch,
        dates: &Date32Array,
    ) -> Result<(), StoreError> {
        let (min, max) = dates
            .values()
            .iter()
            .fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(*d), hi.max(*d)));
        let path = self.staging.join(self.relative_parquet(&period));
        let source = self.source;
        let pf = match self.periods.entry(period) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(PeriodFile {
                writer: parquet_writer(&path, source)?,
                rows: 0,
                min_days: i32::MAX,
                max_days: i32::MIN,
            }),
        };
        pf.writer.write(&batch)?;
        pf.rows += batch.num_rows() as u64;
        pf.min_days = pf.min_days.min(min);
        pf.max_days = pf.max_days.max(max);
        Ok(())
    }

    /// Appends one quarantine record; the first call writes `header`. The
    /// caller has already redacted raw identifiers.
    pub fn quarantine(
        &mut self,
        file_name: &str,
        header: &[&str],
        record: &[&str],
    ) -> Result<(), StoreError> {
        if self.quarantine.is_none() {
            let rel = format!(
                "quarantine/{}/{:06}-{}",
                self.source.name(),
                self.seq,
                sanitize(file_name)
            );
            let path = self.staging.join(&rel);
            if let Some(parent) = path.parent() {
                durable::create_dir_all(parent).map_err(StoreError::io("creating", parent))?;
            }
            let file = durable::create_file(&path).map_err(StoreError::io("creating", &path))?;
            let mut w = csv::Writer::from_writer(file);
            w.write_record(header).map_err(|e| csv_err(&path, e))?;
            self.quarantine = Some((rel, w));
        }
        match self.quarantine.as_mut() {
            Some((rel, w)) => w
                .write_record(record)
                .map_err(|e| csv_err(&self.staging.join(rel.as_str()), e)),
            None => Ok(()),
        }
    }

    fn relative_parquet(&self, period: &str) -> String {
        format!(
            "tables/{}/period={period}/d{:06}.parquet",
            self.source.name(),
            self.seq
        )
    }

    /// Closes every file, flushes it to disk and moves it from staging into
    /// place. Returns the Parquet files and the quarantine file, for the
    /// ledger entry that commits them.
    pub fn finish(mut self) -> Result<(Vec<StoredFile>, Option<String>), StoreError> {
        let mut files = Vec::new();
        let mut moves = Vec::new();
        for (period, pf) in std::mem::take(&mut self.periods) {
            let file = pf.writer.into_inner()?;
            let rel = self.relative_parquet(&period);
            let staged = self.staging.join(&rel);
            file.sync_all()
                .map_err(StoreError::io("syncing", &staged))?;
            let bytes = file
                .metadata()
                .map_err(StoreError::io("reading", &staged))?
                .len();
            files.push(StoredFile {
                path: rel.clone(),
                period,
                rows: pf.rows,
                min_date: date_from_days(pf.min_days).to_string(),
                max_date: date_from_days(pf.max_days).to_string(),
                bytes: Some(bytes),
            });
            moves.push(rel);
        }
        let quarantine = match self.quarantine.take() {
            Some((rel, w)) => {
                let file = w.into_inner().map_err(|e| {
                    StoreError::io("flushing", self.staging.join(&rel))(e.into_error())
                })?;
                file.sync_all()
                    .map_err(StoreError::io("syncing", self.staging.join(&rel)))?;
                moves.push(rel.clone());
                Some(rel)
            }
            None => None,
        };
        move_into_place(&self.root, &self.staging, &moves)?;
        Ok((files, quarantine))
    }
}

/// Moves staged files (paths relative to the store root) from `staging`
/// into place, each flushed to disk. The crash tests stop at the two
/// failpoints: all staged, and one moved.
pub(crate) fn move_into_place(
    root: &Path,
    staging: &Path,
    moves: &[String],
) -> Result<(), StoreError> {
    failpoint("after-stage");
    for (i, rel) in moves.iter().enumerate() {
        let target = root.join(rel);
        if let Some(parent) = target.parent() {
            durable::create_dir_all(parent).map_err(StoreError::io("creating", parent))?;
        }
        durable::rename(&staging.join(rel), &target)
            .map_err(StoreError::io("moving into place", &target))?;
        if i == 0 {
            failpoint("mid-move");
        }
    }
    Ok(())
}

/// The rows of a batch split over the period folders (`YYYY-MM`) of their
/// time column, in period order; a batch of one period is not copied.
pub(crate) fn by_period(
    batch: &RecordBatch,
    time_index: usize,
) -> Result<Vec<(String, RecordBatch)>, StoreError> {
    if batch.num_rows() == 0 {
        return Ok(Vec::new());
    }
    let dates = time_column(batch, time_index)?;
    // months as numbers on the hot path; a period's name is made once
    let month_of = |days: i32| {
        let d = date_from_days(days);
        d.year() * 12 + d.month0() as i32
    };
    let name = |month: i32| {
        format!(
            "{:04}-{:02}",
            month.div_euclid(12),
            month.rem_euclid(12) + 1
        )
    };
    let first = month_of(dates.value(0));
    if dates.values().iter().all(|d| month_of(*d) == first) {
        return Ok(vec![(name(first), batch.clone())]);
    }
    let mut by_month: BTreeMap<i32, Vec<bool>> = BTreeMap::new();
    for (i, d) in dates.values().iter().enumerate() {
        by_month
            .entry(month_of(*d))
            .or_insert_with(|| vec![false; batch.num_rows()])[i] = true;
    }
    by_month
        .into_iter()
        .map(|(m, mask)| {
            Ok((
                name(m),
                filter_record_batch(batch, &BooleanArray::from(mask))?,
            ))
        })
        .collect()
}

/// The earliest and latest day of a batch's time column.
pub(crate) fn day_range(batch: &RecordBatch, time_index: usize) -> Result<(i32, i32), StoreError> {
    Ok(time_column(batch, time_index)?
        .values()
        .iter()
        .fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(*d), hi.max(*d))))
}

/// A new Parquet file in staging for one period of a delivery.
pub(crate) fn parquet_writer(path: &Path, source: Source) -> Result<ArrowWriter<File>, StoreError> {
    if let Some(parent) = path.parent() {
        durable::create_dir_all(parent).map_err(StoreError::io("creating", parent))?;
    }
    let file = durable::create_file(path).map_err(StoreError::io("creating", path))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(256 * 1024))
        // pseudonyms are near-unique: a dictionary only costs time
        .set_column_dictionary_enabled(ColumnPath::from("household_key"), false)
        .set_column_dictionary_enabled(ColumnPath::from("person_key"), false)
        .build();
    Ok(ArrowWriter::try_new(
        file,
        arrow_schema(source),
        Some(props),
    )?)
}

/// The time column of a batch in the source's schema.
pub(crate) fn time_column(batch: &RecordBatch, index: usize) -> Result<&Date32Array, StoreError> {
    batch
        .columns()
        .get(index)
        .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        .ok_or_else(|| {
            ArrowError::SchemaError(format!(
                "column {index} of a batch to store is not the Date32 time column"
            ))
            .into()
        })
}

pub(crate) fn csv_err(path: &Path, e: csv::Error) -> StoreError {
    StoreError::Io {
        action: "writing quarantine",
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// The longest file name kept in a quarantine file's name.
const NAME_CHARS: usize = 200;

/// Keeps a file name safe as a path component: ASCII letters, digits and
/// `._-` only, at most [`NAME_CHARS`] of them, so that with its delivery
/// prefix it fits every file system's 255-byte limit (the ledger keeps the
/// whole name).
pub(crate) fn sanitize(name: &str) -> String {
    name.chars()
        .take(NAME_CHARS)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Drop for DeliveryWriter {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}
