//! From the ordered candidates to the list: exclusions in the contract's
//! order, ranks, `max_listed`, and the counts every run reports.

use crate::{ScoringError, sql};
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Int64Type};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use vroeg_pipeline::RuleSet;

/// One household with at least one rule fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoredHousehold {
    /// The pseudonym.
    pub household_key: String,
    /// Sum of the weights of the rules that fired.
    pub score: i64,
    /// Distinct domains fired.
    pub domains: i64,
    /// Fired rule ids, sorted, joined with `|`.
    pub rules: String,
    /// Total arrears in cents.
    pub total_arrears_cents: i128,
    /// District from the register, if any.
    pub district_code: Option<String>,
    /// In the latest register snapshot.
    pub in_register: bool,
    /// An outreach outcome closed within the suppression window.
    pub recent_contact: bool,
}

/// What became of an eligible household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Below the eligibility score.
    NotEligible,
    /// Eligible, but not in the register: moved away.
    NotResident,
    /// Eligible and resident, but contacted recently.
    SuppressedRecentContact,
    /// Eligible, but cut by `max_listed`.
    BeyondMaxListed,
    /// On the list with this rank.
    Listed(u64),
}

/// The counts every run reports (default-rules.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Households with any rule fired.
    pub households_with_rule: u64,
    /// Score at least the minimum, before exclusions.
    pub eligible: u64,
    /// Eligible but not in the register.
    pub not_resident: u64,
    /// Eligible, resident, recently contacted.
    pub suppressed_recent_contact: u64,
    /// On the list (after `max_listed`).
    pub listed: u64,
    /// Per rule of the pipeline, the households it fired for.
    pub rule_counts: BTreeMap<String, u64>,
}

/// The outcome of scoring one as-of date.
#[derive(Debug, Clone, Default)]
pub struct SignalList {
    /// Every household with a rule fired, in list order, with its status.
    pub candidates: Vec<(ScoredHousehold, Status)>,
    /// The counts.
    pub counts: Counts,
    /// Whether a register snapshot dated on or before T exists.
    pub register_present: bool,
}

impl SignalList {
    /// The listed households, by rank.
    pub fn listed(&self) -> impl Iterator<Item = (u64, &ScoredHousehold)> {
        self.candidates.iter().filter_map(|(h, s)| match s {
            Status::Listed(r) => Some((*r, h)),
            _ => None,
        })
    }
}

fn column(batch: &RecordBatch, name: &str, to: &DataType) -> Result<ArrayRef, ScoringError> {
    let idx = batch
        .schema()
        .index_of(name)
        .map_err(datafusion::error::DataFusionError::from)?;
    Ok(cast(batch.column(idx), to).map_err(datafusion::error::DataFusionError::from)?)
}

/// The latest date of every source read as one whole snapshot (the
/// register, and features with `current_snapshot` and no supplier): one
/// scan of the date column, so that the scoring query reads only that
/// snapshot.
async fn latest_snapshots(ctx: &SessionContext, rs: &RuleSet) -> Result<sql::Latest, ScoringError> {
    let mut sources = vec![vroeg_contracts::Source::Households];
    for f in &rs.features {
        if f.snapshot.as_ref().is_some_and(|s| s.supplier.is_none()) && !sources.contains(&f.source)
        {
            sources.push(f.source);
        }
    }
    let mut latest = sql::Latest::new();
    for source in sources {
        let time = source.contract().time_column;
        let batches = ctx
            .sql(&format!(
                "SELECT CAST(max({time}) AS VARCHAR) FROM {}",
                source.name()
            ))
            .await?
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

/// Scores `as_of` with the tables registered in `ctx` (see
/// `StoreView::register`).
pub async fn score(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
) -> Result<SignalList, ScoringError> {
    let latest = latest_snapshots(ctx, rs).await?;
    score_with(ctx, rs, as_of, &latest).await
}

async fn score_with(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
    latest: &sql::Latest,
) -> Result<SignalList, ScoringError> {
    let register_present = matches!(
        latest.get(&vroeg_contracts::Source::Households),
        Some(Some(_))
    );
    let batches = ctx
        .sql(&sql::candidates(rs, as_of, latest))
        .await?
        .collect()
        .await?;
    let mut list = SignalList {
        register_present,
        ..Default::default()
    };
    for r in &rs.rules {
        list.counts.rule_counts.insert(r.id.clone(), 0);
    }
    let mut rank = 0u64;
    for batch in &batches {
        let keys = column(batch, "household_key", &DataType::Utf8)?;
        let scores = column(batch, "score", &DataType::Int64)?;
        let domains = column(batch, "domains_fired", &DataType::Int64)?;
        let rules = column(batch, "rules", &DataType::Utf8)?;
        let totals = column(batch, "total_arrears_eur", &DataType::Decimal128(38, 2))?;
        let districts = column(batch, "district_code", &DataType::Utf8)?;
        let in_reg = column(batch, "in_register", &DataType::Boolean)?;
        let contact = column(batch, "recent_contact", &DataType::Boolean)?;
        let flags = rs
            .rules
            .iter()
            .map(|r| column(batch, &sql::flag(r), &DataType::Int64))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            let h = ScoredHousehold {
                household_key: keys.as_string::<i32>().value(i).to_string(),
                score: scores.as_primitive::<Int64Type>().value(i),
                domains: domains.as_primitive::<Int64Type>().value(i),
                rules: rules.as_string::<i32>().value(i).to_string(),
                total_arrears_cents: if totals.is_null(i) {
                    0
                } else {
                    totals.as_primitive::<Decimal128Type>().value(i)
                },
                district_code: (!districts.is_null(i))
                    .then(|| districts.as_string::<i32>().value(i).to_string()),
                in_register: in_reg.as_boolean().value(i),
                recent_contact: contact.as_boolean().value(i),
            };
            let c = &mut list.counts;
            c.households_with_rule += 1;
            for (r, f) in rs.rules.iter().zip(&flags) {
                if f.as_primitive::<Int64Type>().value(i) == 1 {
                    *c.rule_counts.get_mut(&r.id).expect("every rule counted") += 1;
                }
            }
            let status = if h.score < rs.eligible_min_score {
                Status::NotEligible
            } else {
                c.eligible += 1;
                if register_present && !h.in_register {
                    c.not_resident += 1;
                    Status::NotResident
                } else if h.recent_contact {
                    c.suppressed_recent_contact += 1;
                    Status::SuppressedRecentContact
                } else if rs.max_listed.is_some_and(|m| rank >= m) {
                    Status::BeyondMaxListed
                } else {
                    rank += 1;
                    c.listed += 1;
                    Status::Listed(rank)
                }
            };
            list.candidates.push((h, status));
        }
    }
    Ok(list)
}

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
    let list = score_with(ctx, rs, as_of, &latest).await?;
    let scored = list
        .candidates
        .iter()
        .find(|(h, _)| h.household_key == household_key)
        .cloned();
    let quoted = household_key.replace('\'', "''");
    let batches = ctx
        .sql(&format!(
            "SELECT * FROM ({}) x WHERE household_key = '{quoted}'",
            sql::scored(rs, as_of, &latest)
        ))
        .await?
        .collect()
        .await?;
    let row = batches.iter().find(|b| b.num_rows() > 0);
    let value = |name: &str, default: &str| -> String {
        row.and_then(|b| {
            let idx = b.schema().index_of(name).ok()?;
            array_value_to_string(b.column(idx), 0).ok()
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
            fired: value(&sql::flag(r), "0") == "1",
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
