//! Stale suppliers: whose current snapshot is too old to count at T.

use crate::ScoringError;
use chrono::{Days, NaiveDate};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use std::collections::BTreeSet;
use vroeg_pipeline::RuleSet;

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
        let cutoff = as_of - Days::new(days.max(0) as u64);
        let (select, group) = match &supplier {
            Some(col) => (
                format!("CAST({col} AS VARCHAR)"),
                format!(" GROUP BY {col}"),
            ),
            None => ("'(whole source)'".to_string(), String::new()),
        };
        let sql = format!(
            "SELECT {select} AS s, CAST(max({time}) AS VARCHAR) AS d FROM {name}{group} \
             HAVING max({time}) <= DATE '{cutoff}'"
        );
        for batch in ctx.sql(&sql).await?.collect().await? {
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
