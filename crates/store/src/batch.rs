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

use crate::error::StoreError;
use crate::ledger::StoredFile;
use crate::staging::{Span, Staging};
use crate::writer::by_period;
use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use vroeg_contracts::Source;

/// What a finished batch wrote for one delivery: its Parquet files (shared
/// with the batch) and its quarantine file.
pub type Written = (Vec<StoredFile>, Option<String>);

/// Writes a batch of deliveries of one source (see the module docs).
pub struct BatchWriter {
    staging: Staging,
    periods: BTreeMap<String, Vec<RecordBatch>>,
    spans: BTreeMap<(u64, String), Span>,
    quarantines: BTreeMap<u64, String>,
}

impl BatchWriter {
    pub(crate) fn new(root: &Path, source: Source, first: u64) -> Result<Self, StoreError> {
        Ok(BatchWriter {
            staging: Staging::new(root, source, first)?,
            periods: BTreeMap::new(),
            spans: BTreeMap::new(),
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
        let time_index = self.staging.time_index;
        for batch in rows {
            for (period, part) in by_period(batch, time_index)? {
                self.spans
                    .entry((seq, period.clone()))
                    .or_insert(Span::EMPTY)
                    .add(&part, time_index)?;
                self.periods.entry(period).or_default().push(part);
            }
        }
        let (header, records) = quarantine;
        if !records.is_empty() {
            let (rel, mut w) = self.staging.create_quarantine(seq, file_name, header)?;
            for r in records {
                self.staging.quarantine_record(&rel, &mut w, r)?;
            }
            self.staging.close_quarantine(&rel, w)?;
            self.quarantines.insert(seq, rel);
        }
        Ok(())
    }

    /// Writes one Parquet file per period (in parallel), flushes everything
    /// to disk and moves it from staging into place. Returns, per delivery,
    /// what its ledger entry records.
    pub fn finish(mut self) -> Result<BTreeMap<u64, Written>, StoreError> {
        let periods = std::mem::take(&mut self.periods);
        let staging = &self.staging;
        let sizes: BTreeMap<String, u64> = periods
            .into_par_iter()
            .map(|(period, batches)| {
                let mut writer = staging.create_parquet(&period)?;
                for b in &batches {
                    writer.write(b)?;
                }
                let bytes = staging.close_parquet(&period, writer)?;
                Ok((period, bytes))
            })
            .collect::<Result<_, StoreError>>()?;
        let mut out: BTreeMap<u64, Written> = BTreeMap::new();
        for ((seq, period), span) in &self.spans {
            let file = span.stored(staging.parquet(period), period, sizes.get(period).copied());
            out.entry(*seq).or_default().0.push(file);
        }
        for (seq, rel) in &self.quarantines {
            out.entry(*seq).or_default().1 = Some(rel.clone());
        }
        let moves: Vec<String> = sizes
            .keys()
            .map(|p| staging.parquet(p))
            .chain(self.quarantines.values().cloned())
            .collect();
        staging.move_into_place(&moves)?;
        Ok(out)
    }
}
