//! Which stored rows are live, and the tables that runs read.
//!
//! Registering a table verifies first that every file it will read is there
//! with the size its ledger entry recorded: DataFusion would skip a missing
//! file silently, and a run would publish a different list that its manifest
//! claims came from the missing delivery.

use crate::error::StoreError;
use crate::ledger::{DeliveryStatus, LedgerEntry};
use crate::reader::ledger_path;
use crate::schema::{DELIVERY_COLUMN, arrow_schema};
use chrono::NaiveDate;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::logical_expr::{Expr, col, lit};
use datafusion::prelude::SessionContext;
use datafusion::scalar::ScalarValue;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vroeg_contracts::value::days_since_epoch;
use vroeg_contracts::{ColumnKind, Source};

/// One stored Parquet file that runs may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFile {
    /// The file.
    pub path: PathBuf,
    /// Its delivery's sequence number.
    pub delivery: u64,
    /// The ledger file of its delivery (the delivery, or its batch).
    pub ledger_file: u64,
    /// The earliest date of the time column among its delivery's rows.
    pub min_date: NaiveDate,
    /// The latest date of the time column among its delivery's rows.
    pub max_date: NaiveDate,
    /// Its size as the ledger recorded it (absent in older entries).
    pub bytes: Option<u64>,
}

/// The live part of one source: files to read and the partition values of
/// partly replaced deliveries to leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceView {
    /// Stored files of deliveries with at least one live partition value.
    pub files: Vec<LiveFile>,
    /// Per delivery, its partition values that a later delivery replaced.
    pub replaced: BTreeMap<u64, Vec<Vec<String>>>,
    /// Rows stored but replaced by later deliveries (kept for audit).
    pub replaced_deliveries: BTreeSet<u64>,
    /// Of those, the ones whose rows share a file with a live delivery (a
    /// batch): read, and left out row by row.
    pub replaced_in_shared: BTreeSet<u64>,
}

/// The live store at one moment, computed from the ledger alone.
#[derive(Debug, Clone, Default)]
pub struct StoreView {
    /// Per source, what is live.
    pub sources: BTreeMap<Source, SourceView>,
    /// The ledger folder, to name an entry in errors.
    ledger: PathBuf,
}

impl StoreView {
    /// Computes, for every source, which partition value of which delivery
    /// is live: the one delivered last. A date that does not parse is an
    /// error naming the ledger entry.
    pub fn from_ledger(root: &Path, ledger: &[LedgerEntry]) -> Result<StoreView, StoreError> {
        let mut sources = BTreeMap::new();
        for source in Source::ALL {
            let entries: Vec<&LedgerEntry> = ledger
                .iter()
                .filter(|e| e.source == source && e.status == DeliveryStatus::Accepted)
                .collect();
            let mut latest: BTreeMap<&[String], u64> = BTreeMap::new();
            for e in &entries {
                for p in &e.partitions {
                    latest.insert(p.as_slice(), e.seq);
                }
            }
            let mut view = SourceView::default();
            for e in &entries {
                let dead: Vec<Vec<String>> = e
                    .partitions
                    .iter()
                    .filter(|p| latest.get(p.as_slice()) != Some(&e.seq))
                    .cloned()
                    .collect();
                if dead.len() == e.partitions.len() {
                    if !e.partitions.is_empty() {
                        view.replaced_deliveries.insert(e.seq);
                    }
                    continue;
                }
                for f in &e.files {
                    let day = |d: &str, what: &str| {
                        d.parse().map_err(|_| StoreError::Ledger {
                            path: ledger_path(root, e.ledger_file()),
                            message: format!("{what} {d:?} is not a date"),
                        })
                    };
                    view.files.push(LiveFile {
                        path: root.join(&f.path),
                        delivery: e.seq,
                        ledger_file: e.ledger_file(),
                        min_date: day(&f.min_date, "min_date")?,
                        max_date: day(&f.max_date, "max_date")?,
                        bytes: f.bytes,
                    });
                }
                if !dead.is_empty() {
                    view.replaced.insert(e.seq, dead);
                }
            }
            let read: BTreeSet<&PathBuf> = view.files.iter().map(|f| &f.path).collect();
            for e in &entries {
                let shares = e.batch.is_some()
                    && view.replaced_deliveries.contains(&e.seq)
                    && e.files.iter().any(|f| read.contains(&root.join(&f.path)));
                if shares {
                    view.replaced_in_shared.insert(e.seq);
                }
            }
            sources.insert(source, view);
        }
        Ok(StoreView {
            sources,
            ledger: root.join("ledger"),
        })
    }

    /// Registers one table per source in `ctx`, named as the source, holding
    /// only live rows and, with `as_of`, only rows whose time column is on or
    /// before it (files that start after it are not even opened). Every
    /// file to be read must exist with its recorded size
    /// ([`StoreError::MissingFile`], [`StoreError::FileSize`]); nothing is
    /// registered otherwise. Returns the deliveries whose files the tables
    /// read, for the run manifest.
    pub fn register(
        &self,
        ctx: &SessionContext,
        as_of: Option<NaiveDate>,
    ) -> Result<BTreeSet<u64>, StoreError> {
        self.register_from(ctx, as_of, &BTreeMap::new())
    }

    /// [`StoreView::register`], reading of each source in `from` only the
    /// files with a row on or after its day: files that end before it are
    /// neither listed nor opened (the ledger knows their date ranges). The
    /// deliveries returned are still all those live as of `as_of`.
    pub fn register_from(
        &self,
        ctx: &SessionContext,
        as_of: Option<NaiveDate>,
        from: &BTreeMap<Source, NaiveDate>,
    ) -> Result<BTreeSet<u64>, StoreError> {
        let mut used = BTreeSet::new();
        let mut tables = Vec::new();
        for (source, view) in &self.sources {
            let from = from.get(source).copied();
            let files: Vec<&LiveFile> = view
                .files
                .iter()
                .filter(|f| as_of.is_none_or(|t| f.min_date <= t))
                .collect();
            // the manifest names every delivery live as of T, read or cut
            used.extend(files.iter().map(|f| f.delivery));
            let files: Vec<&LiveFile> = files
                .into_iter()
                .filter(|f| from.is_none_or(|d| f.max_date >= d))
                .collect();
            // a batch's file holds several deliveries: listed and checked once
            let mut seen = BTreeSet::new();
            let files: Vec<&LiveFile> =
                files.into_iter().filter(|f| seen.insert(&f.path)).collect();
            for f in &files {
                self.verify(f)?;
            }
            let filter = live_filter(*source, view, as_of)
                .map_err(|(seq, message)| self.damaged(seq, message))?;
            tables.push((*source, files, filter));
        }
        for (source, files, filter) in tables {
            let schema = arrow_schema(source);
            let provider: Arc<dyn TableProvider> = if files.is_empty() {
                Arc::new(MemTable::try_new(schema.clone(), vec![vec![]])?)
            } else {
                let urls = files
                    .iter()
                    .map(|f| ListingTableUrl::parse(f.path.to_string_lossy()))
                    .collect::<Result<Vec<_>, _>>()?;
                let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension(".parquet");
                let config = ListingTableConfig::new_with_multi_paths(urls)
                    .with_listing_options(options)
                    .with_schema(schema.clone());
                Arc::new(ListingTable::try_new(config)?)
            };
            let mut df = ctx.read_table(provider)?;
            if let Some(filter) = filter {
                df = df.filter(filter)?;
            }
            ctx.register_table(source.name(), df.into_view())?;
        }
        Ok(used)
    }

    /// A day on or before the latest snapshot of `source` on or before
    /// `as_of`: the latest last day among its files that end on or before
    /// `as_of`. For a source read as its latest snapshot (the register),
    /// files that end before it hold only older snapshots.
    pub fn latest_at_least(&self, source: Source, as_of: NaiveDate) -> Option<NaiveDate> {
        self.sources
            .get(&source)?
            .files
            .iter()
            .filter(|f| f.max_date <= as_of)
            .map(|f| f.max_date)
            .max()
    }

    /// The file is there and has the size the ledger recorded.
    fn verify(&self, file: &LiveFile) -> Result<(), StoreError> {
        let ledger = self.ledger.join(format!("{:06}.json", file.ledger_file));
        match fs::metadata(&file.path) {
            Ok(m) if !m.is_file() => Err(StoreError::MissingFile {
                path: file.path.clone(),
                ledger,
            }),
            Ok(m) => match file.bytes {
                Some(expected) if expected != m.len() => Err(StoreError::FileSize {
                    path: file.path.clone(),
                    ledger,
                    expected,
                    found: m.len(),
                }),
                _ => Ok(()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::MissingFile {
                path: file.path.clone(),
                ledger,
            }),
            Err(e) => Err(StoreError::io("reading", &file.path)(e)),
        }
    }

    fn damaged(&self, seq: u64, message: String) -> StoreError {
        StoreError::Ledger {
            path: self.ledger.join(format!("{seq:06}.json")),
            message,
        }
    }
}

/// The filter that drops replaced partition values and rows after `as_of`.
/// A partition value that does not fit the key is an error: the delivery
/// and what is wrong.
fn live_filter(
    source: Source,
    view: &SourceView,
    as_of: Option<NaiveDate>,
) -> Result<Option<Expr>, (u64, String)> {
    let contract = source.contract();
    let mut filters = Vec::new();
    if let Some(t) = as_of {
        filters.push(
            col(contract.time_column).lt_eq(lit(ScalarValue::Date32(Some(days_since_epoch(t))))),
        );
    }
    for (seq, dead) in &view.replaced {
        let mut any_dead = Vec::new();
        for value in dead {
            if value.len() != contract.partition_key.len() {
                return Err((
                    *seq,
                    format!("partition value {value:?} does not fit the key"),
                ));
            }
            let mut all_equal = Vec::new();
            for (name, v) in contract.partition_key.iter().zip(value) {
                let is_date = contract
                    .index_of(name)
                    .is_some_and(|i| matches!(contract.columns[i].kind, ColumnKind::Date { .. }));
                let literal = if is_date {
                    let d: NaiveDate = v
                        .parse()
                        .map_err(|_| (*seq, format!("partition value {v:?} is not a date")))?;
                    lit(ScalarValue::Date32(Some(days_since_epoch(d))))
                } else {
                    lit(v.to_string())
                };
                all_equal.push(col(*name).eq(literal));
            }
            any_dead.extend(all_equal.into_iter().reduce(Expr::and));
        }
        if let Some(any_dead) = any_dead.into_iter().reduce(Expr::or) {
            filters.push(datafusion::logical_expr::not(
                col(DELIVERY_COLUMN).eq(lit(*seq as i64)).and(any_dead),
            ));
        }
    }
    if !view.replaced_in_shared.is_empty() {
        let dead = view
            .replaced_in_shared
            .iter()
            .map(|seq| lit(*seq as i64))
            .collect();
        filters.push(col(DELIVERY_COLUMN).in_list(dead, true));
    }
    Ok(filters.into_iter().reduce(Expr::and))
}
