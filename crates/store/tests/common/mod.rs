//! A store with household-register deliveries, written through the store's
//! own writer, for the store's integration tests.

#![allow(dead_code)]

use chrono::NaiveDate;
use datafusion::arrow::array::{Date32Array, Int32Array, Int64Array, RecordBatch, StringArray};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vroeg_contracts::Source;
use vroeg_contracts::value::days_since_epoch;
use vroeg_store::{
    DeliveryStatus, LedgerEntry, ReadOnlyStore, Store, StoreError, StoreView, arrow_schema,
};

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Commits one household-register snapshot at `day` with `n` households
/// (and one quarantined row); returns its entry.
pub fn deliver(store: &mut Store, day: &str, n: usize) -> LedgerEntry {
    let seq = store.next_seq();
    let d = days_since_epoch(date(day));
    let keys: Vec<String> = (0..n).map(|i| format!("hh{seq:03}{i:05}")).collect();
    let batch = RecordBatch::try_new(
        arrow_schema(Source::Households),
        vec![
            Arc::new(StringArray::from(keys)),
            Arc::new(Date32Array::from(vec![d; n])),
            Arc::new(StringArray::from(vec!["W01"; n])),
            Arc::new(Int32Array::from(vec![2; n])),
            Arc::new(Int32Array::from(vec![1; n])),
            Arc::new(Int64Array::from(vec![seq as i64; n])),
            Arc::new(Int64Array::from((2..n as i64 + 2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    let mut w = store.begin_delivery(Source::Households, seq).unwrap();
    w.write_batch(&batch).unwrap();
    w.quarantine("h.csv", &["line", "reason"], &["9", "bad_date"])
        .unwrap();
    let (files, quarantine_file) = w.finish().unwrap();
    let entry = LedgerEntry {
        seq,
        source: Source::Households,
        file_name: format!("{day}.csv"),
        sha256: format!("{seq:064}"),
        bytes: 100,
        status: DeliveryStatus::Accepted,
        rows_read: n as u64 + 1,
        rows_accepted: n as u64,
        rows_quarantined: 1,
        quarantined_by_reason: BTreeMap::from([("bad_date".to_string(), 1)]),
        message: None,
        warnings: vec![],
        partitions: vec![vec![day.to_string()]],
        files,
        quarantine_file,
        ingested_at: "2026-11-01T00:00:00Z".into(),
        duration_ms: 1,
        purged: None,
        batch: None,
        batch_size: None,
        seen: None,
    };
    store.commit(entry.clone()).unwrap();
    entry
}

/// A store at `<dir>/store` with snapshots at 2026-08-31 (3 households)
/// and 2026-09-30 (4 households), closed again.
pub fn two_snapshots(dir: &Path) -> (PathBuf, Vec<LedgerEntry>) {
    let root = dir.join("store");
    let mut store = Store::open(&root).unwrap();
    let a = deliver(&mut store, "2026-08-31", 3);
    let b = deliver(&mut store, "2026-09-30", 4);
    (root, vec![a, b])
}

/// Registers the view as of `as_of` and counts the household rows.
pub fn count_households(view: &StoreView, as_of: &str) -> Result<i64, StoreError> {
    let ctx = SessionContext::new();
    view.register(&ctx, Some(date(as_of)))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let batches = rt.block_on(async {
        ctx.sql("SELECT count(*) FROM households")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap()
    });
    Ok(batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .value(0))
}

pub fn reader(root: &Path) -> ReadOnlyStore {
    Store::open_read_only(root).unwrap()
}
