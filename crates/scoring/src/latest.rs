//! The latest snapshot date of the sources read whole (the register), found
//! once before planning so that the plan reads only that snapshot.

use crate::ScoringError;
use crate::plan::Latest;
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::max;
use datafusion::prelude::{SessionContext, col};
use vroeg_pipeline::RuleSet;

/// The latest date of every source read as one whole snapshot (the
/// register, and features with `current_snapshot` and no supplier): one
/// scan of the date column, so that the scoring query reads only that
/// snapshot.
pub(crate) async fn latest_snapshots(
    ctx: &SessionContext,
    rs: &RuleSet,
) -> Result<Latest, ScoringError> {
    let mut sources = vec![vroeg_contracts::Source::Households];
    for f in &rs.features {
        if f.snapshot.as_ref().is_some_and(|s| s.supplier.is_none()) && !sources.contains(&f.source)
        {
            sources.push(f.source);
        }
    }
    let mut latest = Latest::new();
    for source in sources {
        let time = source.contract().time_column;
        let batches = ctx
            .table(source.name())
            .await?
            .aggregate(vec![], vec![max(col(time)).alias("latest")])?
            .collect()
            .await?;
        let day = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .map(|b| cast(b.column(0), &DataType::Utf8))
            .transpose()
            .map_err(datafusion::error::DataFusionError::from)?
            .and_then(|a| (!a.is_null(0)).then(|| a.as_string::<i32>().value(0).to_string()))
            .map(|d| {
                d.parse::<NaiveDate>().map_err(|e| {
                    datafusion::error::DataFusionError::Execution(format!("latest {time}: {e}"))
                })
            })
            .transpose()?;
        latest.insert(source, day);
    }
    Ok(latest)
}
