//! `vroeg explain`: one household's feature values, every rule fired or
//! not with its thresholds filled in, and its place on the list.

use crate::ScoringError;
use crate::latest::latest_snapshots;
use crate::list::{ScoredHousehold, Status, signal_list, with_repeat_signals};
use crate::plan::{Planner, flag};
use chrono::NaiveDate;
use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::prelude::{SessionContext, col, lit};
use vroeg_pipeline::RuleSet;

/// One rule's outcome for one household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// Rule id.
    pub id: String,
    /// Its domain.
    pub domain: Option<String>,
    /// Its weight.
    pub weight: i64,
    /// Whether it fired.
    pub fired: bool,
    /// The condition with the thresholds filled in.
    pub condition: String,
    /// What the rule means.
    pub description: String,
}

/// Why a household is or is not on the list.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Feature name, value and description.
    pub features: Vec<(String, String, String)>,
    /// Every rule, fired or not.
    pub rules: Vec<RuleOutcome>,
    /// Score, domains and status, when any rule fired.
    pub scored: Option<(ScoredHousehold, Status)>,
}

/// Explains one household: every feature value, every rule with its
/// thresholds, and its place on the list.
pub async fn explain(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
    household_key: &str,
) -> Result<Explanation, ScoringError> {
    let latest = latest_snapshots(ctx, rs).await?;
    let planner = Planner::new(ctx, rs, as_of, &latest);
    let candidates = planner.candidates().await?.collect().await?;
    let list = signal_list(rs, &latest, &candidates, &Default::default())?;
    let list = with_repeat_signals(ctx, rs, &latest, &candidates, list).await?;
    let scored = list
        .candidates
        .iter()
        .find(|(h, _)| h.household_key == household_key)
        .cloned();
    let key = col("household_key").eq(lit(household_key));
    // A candidate's row is in the list already; only a household without
    // any rule fired needs the scored table once more.
    let row = match find_row(&candidates, household_key)? {
        Some(hit) => Some(hit),
        None => {
            let rows = planner.scored().await?.filter(key)?.collect().await?;
            find_row(&rows, household_key)?
        }
    };
    let value = |name: &str, default: &str| -> String {
        row.as_ref()
            .and_then(|(b, i)| {
                let idx = b.schema().index_of(name).ok()?;
                array_value_to_string(b.column(idx), *i).ok()
            })
            .unwrap_or_else(|| default.to_string())
    };
    let features = rs
        .features
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                tidy(value(&f.name, &f.default)),
                f.description.clone(),
            )
        })
        .collect();
    let rules = rs
        .rules
        .iter()
        .map(|r| RuleOutcome {
            id: r.id.clone(),
            domain: r.domain.clone(),
            weight: r.weight,
            fired: value(&flag(r), "0") == "1",
            condition: r.when.render(&rs.params, as_of),
            description: r.description.clone(),
        })
        .collect();
    Ok(Explanation {
        features,
        rules,
        scored,
    })
}

/// The batch and row of a household, if present.
fn find_row(
    batches: &[RecordBatch],
    household_key: &str,
) -> Result<Option<(RecordBatch, usize)>, ScoringError> {
    for b in batches {
        let Ok(idx) = b.schema().index_of("household_key") else {
            continue;
        };
        let keys = cast(b.column(idx), &DataType::Utf8)
            .map_err(datafusion::error::DataFusionError::from)?;
        let keys = keys.as_string::<i32>();
        if let Some(i) = (0..b.num_rows()).find(|&i| keys.value(i) == household_key) {
            return Ok(Some((b.clone(), i)));
        }
    }
    Ok(None)
}

/// Drops trailing zeros of a decimal beyond two decimals (`27.500000` →
/// `27.50`), so that exact hours read like hours.
fn tidy(mut value: String) -> String {
    if let Some(dot) = value.find('.') {
        while value.len() > dot + 3 && value.ends_with('0') {
            value.pop();
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn tidy_keeps_every_significant_decimal() {
        assert_eq!(tidy("27.500000000000000000".into()), "27.50");
        assert_eq!(tidy("16.333000000000000000".into()), "16.333");
        assert_eq!(tidy("1400.00".into()), "1400.00");
        assert_eq!(tidy("3".into()), "3");
    }
}
