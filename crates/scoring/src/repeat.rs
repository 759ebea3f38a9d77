//! Repeat signals (herhaalde melding): a household suppressed after a
//! recent contact comes back on the list when its total arrears rose by at
//! least `repeat_min_rise_eur` since that contact. "Since" compares with the
//! total as of the contact's closed date, computed by the same features on
//! the store cut at that day, so that the comparison is what the list would
//! have said then.
//!
//! Contact days are many (up to one per day of the window), so the store is
//! read once: the contacted households' rows of the sources the total
//! reads, plus one marker row per supplier and date (key `~`, which no
//! pseudonym can be), so that each supplier's current snapshot date is
//! still found over all its deliveries. That small table is held in memory
//! and each contact day is one small plan over it.

use crate::ScoringError;
use crate::plan::{Latest, Planner};
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type};
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::prelude::{Expr, SessionContext, col, lit};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use vroeg_contracts::Source;
use vroeg_pipeline::RuleSet;

/// The key of the marker rows: not a pseudonym (a key starts with a letter
/// or digit), so it never meets a household.
const MARKER: &str = "~";

/// A session holding, for each source the total reads, the contacted
/// households' rows and one marker row per supplier and date.
async fn contacted_rows(
    ctx: &SessionContext,
    rs: &RuleSet,
    keys: &[&str],
) -> Result<SessionContext, ScoringError> {
    let small = SessionContext::new_with_config_rt(ctx.copied_config(), ctx.runtime_env());
    let names = rs.total_arrears_eur.names();
    let mut sources: BTreeMap<Source, BTreeSet<&str>> = BTreeMap::new();
    for f in rs.features.iter().filter(|f| names.contains(&f.name)) {
        let groups = sources.entry(f.source).or_default();
        groups.insert(f.source.contract().time_column);
        if let Some(supplier) = f.snapshot.as_ref().and_then(|s| s.supplier.as_deref()) {
            groups.insert(supplier);
        }
    }
    let listed: Vec<Expr> = keys.iter().map(|k| lit(*k)).collect();
    for (source, groups) in sources {
        let table = ctx.table(source.name()).await?;
        let rows = table
            .clone()
            .filter(col("household_key").in_list(listed.clone(), false))?;
        let marker_groups: Vec<Expr> = groups.iter().map(|g| col(*g)).collect();
        let distinct = table.aggregate(marker_groups, vec![])?;
        let mut columns = Vec::new();
        for field in rows.schema().fields() {
            let name = field.name().as_str();
            let value = if groups.contains(name) {
                col(name)
            } else if name == "household_key" {
                lit(MARKER)
            } else {
                lit(ScalarValue::new_default(field.data_type())?)
            };
            columns.push(value.alias(name));
        }
        let markers = distinct.select(columns)?;
        let both = rows.union(markers)?;
        let schema = Arc::new(both.schema().as_arrow().clone());
        let batches = both.collect().await?;
        let table = MemTable::try_new(schema, vec![batches])?;
        small.register_table(source.name(), Arc::new(table))?;
    }
    Ok(small)
}

/// `total_arrears_eur` in cents as of each household's contact day.
pub(crate) async fn arrears_at_contact(
    ctx: &SessionContext,
    rs: &RuleSet,
    contacted: &[(&str, NaiveDate)],
) -> Result<BTreeMap<String, i128>, ScoringError> {
    let mut by_day: BTreeMap<NaiveDate, Vec<&str>> = BTreeMap::new();
    for (key, day) in contacted {
        by_day.entry(*day).or_default().push(key);
    }
    let none = Latest::new();
    let mut out = BTreeMap::new();
    let all: Vec<&str> = contacted.iter().map(|(k, _)| *k).collect();
    if all.is_empty() {
        return Ok(out);
    }
    let small = contacted_rows(ctx, rs, &all).await?;
    for (day, keys) in by_day {
        let batches = Planner::before(&small, rs, day, &none)
            .only(&keys)
            .totals(&keys)
            .await?
            .collect()
            .await?;
        for b in &batches {
            let k = b.column(0).as_string::<i32>();
            let t = cast(b.column(1), &DataType::Decimal128(38, 2))
                .map_err(datafusion::error::DataFusionError::from)?;
            let t = t.as_primitive::<Decimal128Type>();
            for i in 0..b.num_rows() {
                let cents = if t.is_null(i) { 0 } else { t.value(i) };
                out.insert(k.value(i).to_string(), cents);
            }
        }
    }
    Ok(out)
}
