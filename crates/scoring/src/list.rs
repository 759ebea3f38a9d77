//! From the ordered candidates to the list: exclusions in the contract's
//! order, ranks, `max_listed`, and the counts every run reports.

use crate::ScoringError;
use crate::latest::latest_snapshots;
use crate::plan::{Latest, Planner, flag};
use crate::repeat::arrears_at_contact;
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Decimal128Type, Int64Type};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use vroeg_pipeline::RuleSet;

/// One household with at least one rule fired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// The latest such outcome's closed date.
    pub last_contact: Option<NaiveDate>,
    /// Repeat signals: `total_arrears_eur` as of `last_contact`, in cents,
    /// when the pipeline lifts suppression on a rise (`repeat_min_rise_eur`).
    pub arrears_at_contact_cents: Option<i128>,
}

impl ScoredHousehold {
    /// Whether the suppression after its recent contact is lifted because
    /// its total arrears rose by at least `min_rise_cents` since then.
    pub fn repeat_lifted(&self, min_rise_cents: Option<i64>) -> bool {
        match (min_rise_cents, self.arrears_at_contact_cents) {
            (Some(min), Some(then)) => {
                self.recent_contact && self.total_arrears_cents - then >= i128::from(min)
            }
            _ => false,
        }
    }
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

pub(crate) fn column(
    batch: &RecordBatch,
    name: &str,
    to: &DataType,
) -> Result<ArrayRef, ScoringError> {
    let idx = batch
        .schema()
        .index_of(name)
        .map_err(datafusion::error::DataFusionError::from)?;
    Ok(cast(batch.column(idx), to).map_err(datafusion::error::DataFusionError::from)?)
}

/// Scores `as_of` with the tables registered in `ctx` (see
/// `StoreView::register`).
pub async fn score(
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
) -> Result<SignalList, ScoringError> {
    let latest = latest_snapshots(ctx, rs).await?;
    let batches = Planner::new(ctx, rs, as_of, &latest)
        .candidates()
        .await?
        .collect()
        .await?;
    let list = signal_list(rs, &latest, &batches, &BTreeMap::new())?;
    with_repeat_signals(ctx, rs, &latest, &batches, list).await
}

/// The list again with the suppression lifted for households whose
/// arrears rose enough since their contact (when the pipeline asks).
pub(crate) async fn with_repeat_signals(
    ctx: &SessionContext,
    rs: &RuleSet,
    latest: &Latest,
    batches: &[RecordBatch],
    list: SignalList,
) -> Result<SignalList, ScoringError> {
    if rs.repeat_min_rise_cents.is_none() {
        return Ok(list);
    }
    let contacted: Vec<(&str, NaiveDate)> = list
        .candidates
        .iter()
        .filter(|(_, s)| *s == Status::SuppressedRecentContact)
        .filter_map(|(h, _)| Some((h.household_key.as_str(), h.last_contact?)))
        .collect();
    let at_contact = arrears_at_contact(ctx, rs, &contacted).await?;
    signal_list(rs, latest, batches, &at_contact)
}

/// The list from the ordered candidates: statuses, ranks and counts.
pub(crate) fn signal_list(
    rs: &RuleSet,
    latest: &Latest,
    batches: &[RecordBatch],
    at_contact: &BTreeMap<String, i128>,
) -> Result<SignalList, ScoringError> {
    let register_present = matches!(
        latest.get(&vroeg_contracts::Source::Households),
        Some(Some(_))
    );
    let mut list = SignalList {
        register_present,
        ..Default::default()
    };
    for r in &rs.rules {
        list.counts.rule_counts.insert(r.id.clone(), 0);
    }
    let mut rank = 0u64;
    for batch in batches {
        let keys = column(batch, "household_key", &DataType::Utf8)?;
        let scores = column(batch, "score", &DataType::Int64)?;
        let domains = column(batch, "domains_fired", &DataType::Int64)?;
        let rules = column(batch, "rules", &DataType::Utf8)?;
        let totals = column(batch, "total_arrears_eur", &DataType::Decimal128(38, 2))?;
        let districts = column(batch, "district_code", &DataType::Utf8)?;
        let in_reg = column(batch, "in_register", &DataType::Boolean)?;
        let contact = column(batch, "recent_contact", &DataType::Boolean)?;
        let last_contact = column(batch, "last_contact", &DataType::Date32)?;
        let flags = rs
            .rules
            .iter()
            .map(|r| column(batch, &flag(r), &DataType::Int64))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            let household_key = keys.as_string::<i32>().value(i).to_string();
            let h = ScoredHousehold {
                arrears_at_contact_cents: at_contact.get(&household_key).copied(),
                last_contact: (!last_contact.is_null(i)).then(|| {
                    vroeg_contracts::value::date_from_days(
                        last_contact.as_primitive::<Date32Type>().value(i),
                    )
                }),
                household_key,
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
                    *c.rule_counts.entry(r.id.clone()).or_default() += 1;
                }
            }
            let status = if h.score < rs.eligible_min_score {
                Status::NotEligible
            } else {
                c.eligible += 1;
                if register_present && !h.in_register {
                    c.not_resident += 1;
                    Status::NotResident
                } else if h.recent_contact && !h.repeat_lifted(rs.repeat_min_rise_cents) {
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
