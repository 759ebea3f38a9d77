//! Repeat signals (herhaalde melding): a household suppressed after a
//! recent contact comes back on the list when its total arrears rose by at
//! least `repeat_min_rise_eur` since that contact. "Since" compares with the
//! total as of the contact's closed date, computed by the same features on
//! the store cut at that day, so that the comparison is what the list would
//! have said then. One small plan per distinct contact day, reading only
//! the contacted households' rows (each supplier's current snapshot date is
//! still found over all its rows of that day).

use crate::ScoringError;
use crate::plan::{Latest, Planner};
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use vroeg_pipeline::RuleSet;

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
    for (day, keys) in by_day {
        let batches = Planner::before(ctx, rs, day, &none)
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
