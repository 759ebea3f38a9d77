//! Writing one delivery: Parquet per period and a quarantine file, staged
//! and then moved into place ([`crate::staging`]), and the pieces a batch
//! shares with it (periods, day ranges, the Parquet settings).

use crate::durable;
use crate::error::StoreError;
use crate::ledger::StoredFile;
use crate::schema::arrow_schema;
use crate::staging::{Span, Staging};
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
use std::fs::File;
use std::path::Path;
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
    span: Span,
}

/// Writes one delivery's accepted rows and quarantine into staging, then
/// [`DeliveryWriter::finish`] moves them into place. Nothing is visible to
/// runs until the store commits the ledger entry.
pub struct DeliveryWriter {
    seq: u64,
    staging: Staging,
    periods: BTreeMap<String, PeriodFile>,
    quarantine: Option<(String, csv::Writer<File>)>,
}

impl DeliveryWriter {
    pub(crate) fn new(root: &Path, source: Source, seq: u64) -> Result<Self, StoreError> {
        Ok(DeliveryWriter {
            seq,
            staging: Staging::new(root, source, seq)?,
            periods: BTreeMap::new(),
            quarantine: None,
        })
    }

    /// Appends accepted rows (in the source's [`arrow_schema`]), split over
    /// the period folders of their time column.
    pub fn write_batch(&mut self, batch: &RecordBatch) -> Result<(), StoreError> {
        let time_index = self.staging.time_index;
        for (period, part) in by_period(batch, time_index)? {
            let pf = match self.periods.entry(period) {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => {
                    let writer = self.staging.create_parquet(v.key())?;
                    v.insert(PeriodFile {
                        writer,
                        span: Span::EMPTY,
                    })
                }
            };
            pf.writer.write(&part)?;
            pf.span.add(&part, time_index)?;
        }
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
            self.quarantine = Some(
                self.staging
                    .create_quarantine(self.seq, file_name, header)?,
            );
        }
        match self.quarantine.as_mut() {
            Some((rel, w)) => self.staging.quarantine_record(rel, w, record),
            None => Ok(()),
        }
    }

    /// Closes every file, flushes it to disk and moves it from staging into
    /// place. Returns the Parquet files and the quarantine file, for the
    /// ledger entry that commits them.
    pub fn finish(mut self) -> Result<(Vec<StoredFile>, Option<String>), StoreError> {
        let mut files = Vec::new();
        let mut moves = Vec::new();
        for (period, pf) in std::mem::take(&mut self.periods) {
            let bytes = self.staging.close_parquet(&period, pf.writer)?;
            let rel = self.staging.parquet(&period);
            files.push(pf.span.stored(rel.clone(), &period, Some(bytes)));
            moves.push(rel);
        }
        let quarantine = match self.quarantine.take() {
            Some((rel, w)) => {
                self.staging.close_quarantine(&rel, w)?;
                moves.push(rel.clone());
                Some(rel)
            }
            None => None,
        };
        self.staging.move_into_place(&moves)?;
        Ok((files, quarantine))
    }
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
