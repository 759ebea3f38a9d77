//! Stale suppliers: whose current snapshot is too old to count at T.

use crate::ScoringError;
use crate::plan::date;
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::max;
use datafusion::logical_expr::cast as cast_expr;
use datafusion::prelude::{SessionContext, col, lit};
use std::collections::BTreeSet;
use vroeg_pipeline::RuleSet;
use vroeg_pipeline::template::days_before;

/// A supplier whose latest delivery date on or before T is older than the
/// maximum age a feature allows, so its rows do not count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct StaleSupplier {
    /// The source.
    pub source: String,
    /// The supplier (e.g. a landlord code), or `(whole source)`.
    pub supplier: String,
    /// Its latest date on or before T, `YYYY-MM-DD`.
    pub latest: String,
    /// The maximum age in days.
    pub max_age_days: i64,
}

/// Every stale supplier of every current-snapshot feature with a maximum
/// age, per source and supplier once, sorted.
pub async fn stale_suppliers(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
) -> Result<Vec<StaleSupplier>, ScoringError> {
    let mut checks = BTreeSet::new();
    for f in &rs.features {
        if let Some(s) = &f.snapshot
            && let Some(days) = s.max_age_days
        {
            checks.insert((f.source.name(), s.supplier.clone(), days, f.source));
        }
    }
    let mut out = BTreeSet::new();
    for (name, supplier, days, source) in checks {
        let time = source.contract().time_column;
        let cutoff = days_before(as_of, days).map_err(|message| ScoringError::Rule {
            what: format!("source `{name}`"),
            key: "current_snapshot.max_age_days".into(),
            message,
        })?;
        let (group, shown) = match &supplier {
            Some(c) => (
                vec![col(c.as_str())],
                cast_expr(col(c.as_str()), DataType::Utf8),
            ),
            None => (vec![], lit("(whole source)")),
        };
        let batches = ctx
            .table(name)
            .await?
            .aggregate(group, vec![max(col(time)).alias("_latest")])?
            .filter(col("_latest").lt_eq(date(cutoff)))?
            .select(vec![
                shown.alias("s"),
                cast_expr(col("_latest"), DataType::Utf8).alias("d"),
            ])?
            .collect()
            .await?;
        for batch in batches {
            let s = cast(batch.column(0), &DataType::Utf8)
                .map_err(datafusion::error::DataFusionError::from)?;
            let d = cast(batch.column(1), &DataType::Utf8)
                .map_err(datafusion::error::DataFusionError::from)?;
            let (s, d) = (s.as_string::<i32>(), d.as_string::<i32>());
            for i in 0..batch.num_rows() {
                if d.is_null(i) {
                    continue;
                }
                out.insert(StaleSupplier {
                    source: name.to_string(),
                    supplier: if s.is_null(i) {
                        "(none)".into()
                    } else {
                        s.value(i).to_string()
                    },
                    latest: d.value(i).to_string(),
                    max_age_days: days,
                });
            }
        }
    }
    Ok(out.into_iter().collect())
}
