//! Which stored rows are live, and the tables that runs read.

use crate::error::StoreError;
use crate::ledger::{DeliveryStatus, LedgerEntry};
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
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vroeg_contracts::value::days_since_epoch;
use vroeg_contracts::{ColumnKind, Source};

/// The live part of one source: files to read and the partition values of
/// partly replaced deliveries to leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceView {
    /// Stored files of deliveries with at least one live partition value,
    /// with their delivery and the earliest date of the time column.
    pub files: Vec<(PathBuf, u64, NaiveDate)>,
    /// Per delivery, its partition values that a later delivery replaced.
    pub replaced: BTreeMap<u64, Vec<Vec<String>>>,
    /// Rows stored but replaced by later deliveries (kept for audit).
    pub replaced_deliveries: BTreeSet<u64>,
}

/// The live store at one moment, computed from the ledger alone.
#[derive(Debug, Clone, Default)]
pub struct StoreView {
    /// Per source, what is live.
    pub sources: BTreeMap<Source, SourceView>,
}

impl StoreView {
    /// Computes, for every source, which partition value of which delivery
    /// is live: the one delivered last.
    pub fn from_ledger(root: &Path, ledger: &[LedgerEntry]) -> StoreView {
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
                    .filter(|p| latest[p.as_slice()] != e.seq)
                    .cloned()
                    .collect();
                if dead.len() == e.partitions.len() {
                    if !e.partitions.is_empty() {
                        view.replaced_deliveries.insert(e.seq);
                    }
                    continue;
                }
                for f in &e.files {
                    let min = f.min_date.parse().expect("ledger dates are ISO dates");
                    view.files.push((root.join(&f.path), e.seq, min));
                }
                if !dead.is_empty() {
                    view.replaced.insert(e.seq, dead);
                }
            }
            sources.insert(source, view);
        }
        StoreView { sources }
    }

    /// Registers one table per source in `ctx`, named as the source, holding
    /// only live rows and, with `as_of`, only rows whose time column is on or
    /// before it (files that start after it are not even opened). Returns
    /// the deliveries whose files the tables read, for the run manifest.
    pub fn register(
        &self,
        ctx: &SessionContext,
        as_of: Option<NaiveDate>,
    ) -> Result<BTreeSet<u64>, StoreError> {
        let mut used = BTreeSet::new();
        for (source, view) in &self.sources {
            let schema = arrow_schema(*source);
            let files: Vec<&(PathBuf, u64, NaiveDate)> = view
                .files
                .iter()
                .filter(|(_, _, min)| as_of.is_none_or(|t| *min <= t))
                .collect();
            used.extend(files.iter().map(|(_, seq, _)| *seq));
            let provider: Arc<dyn TableProvider> = if files.is_empty() {
                Arc::new(MemTable::try_new(schema.clone(), vec![vec![]])?)
            } else {
                let urls = files
                    .iter()
                    .map(|(p, _, _)| ListingTableUrl::parse(p.to_string_lossy()))
                    .collect::<Result<Vec<_>, _>>()?;
                let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension(".parquet");
                let config = ListingTableConfig::new_with_multi_paths(urls)
                    .with_listing_options(options)
                    .with_schema(schema.clone());
                Arc::new(ListingTable::try_new(config)?)
            };
            let mut df = ctx.read_table(provider)?;
            if let Some(filter) = live_filter(*source, view, as_of) {
                df = df.filter(filter)?;
            }
            ctx.register_table(source.name(), df.into_view())?;
        }
        Ok(used)
    }
}

/// The filter that drops replaced partition values and rows after `as_of`.
fn live_filter(source: Source, view: &SourceView, as_of: Option<NaiveDate>) -> Option<Expr> {
    let contract = source.contract();
    let mut filters = Vec::new();
    if let Some(t) = as_of {
        filters.push(
            col(contract.time_column).lt_eq(lit(ScalarValue::Date32(Some(days_since_epoch(t))))),
        );
    }
    for (seq, dead) in &view.replaced {
        let any_dead = dead
            .iter()
            .map(|value| {
                contract
                    .partition_key
                    .iter()
                    .zip(value)
                    .map(|(name, v)| {
                        let kind =
                            contract.columns[contract.index_of(name).expect("key column")].kind;
                        let literal = match kind {
                            ColumnKind::Date { .. } => {
                                let d: NaiveDate = v.parse().expect("ledger dates are ISO dates");
                                lit(ScalarValue::Date32(Some(days_since_epoch(d))))
                            }
                            _ => lit(v.to_string()),
                        };
                        col(*name).eq(literal)
                    })
                    .reduce(Expr::and)
                    .expect("partition keys have columns")
            })
            .reduce(Expr::or)
            .expect("at least one replaced value");
        filters.push(datafusion::logical_expr::not(
            col(DELIVERY_COLUMN).eq(lit(*seq as i64)).and(any_dead),
        ));
    }
    filters.into_iter().reduce(Expr::and)
}
