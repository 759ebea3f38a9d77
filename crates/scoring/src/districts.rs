//! Households of the register per district: the denominator of the
//! fairness ratio per district. Read from the same snapshot the list uses
//! (the latest on or before T), with its own small aggregate so that the
//! scoring plan itself is unchanged.

use crate::ScoringError;
use crate::latest::latest_snapshots;
use crate::list::column;
use crate::plan::Planner;
use chrono::NaiveDate;
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use vroeg_pipeline::RuleSet;

/// Households per district code in the latest register snapshot on or
/// before `as_of`; empty without one.
pub async fn register_districts(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
) -> Result<BTreeMap<String, u64>, ScoringError> {
    let latest = latest_snapshots(ctx, rs).await?;
    let batches = Planner::new(ctx, rs, as_of, &latest)
        .register_districts()
        .await?
        .collect()
        .await?;
    let mut out = BTreeMap::new();
    for b in &batches {
        let districts = column(b, "district_code", &DataType::Utf8)?;
        let counts = column(b, "households", &DataType::Int64)?;
        for i in 0..b.num_rows() {
            let n = counts.as_primitive::<Int64Type>().value(i);
            out.insert(
                districts.as_string::<i32>().value(i).to_string(),
                u64::try_from(n).unwrap_or(0),
            );
        }
    }
    Ok(out)
}
