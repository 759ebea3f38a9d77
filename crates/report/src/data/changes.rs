//! What changed since the previous run. The new / dropped / still-listed
//! totals are about the whole list and shown as they are; the reasons for
//! dropping off add up to the dropped total, so they are masked as one
//! partition ([`mask_partition`]).

use crate::data::{PreviousRun, ReportInput};
use crate::mask::{Shown, mask_partition};
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_pipeline::RuleSet;
use vroeg_scoring::{ScoredHousehold, Status};
use vroeg_store::ListedRecord;

/// Dropped-off households of one reason.
#[derive(Debug, Clone, Serialize)]
pub struct WhyRow {
    /// Why they are not listed now.
    pub why: String,
    /// Households.
    pub households: Shown,
}

/// One household whose place changed (only with `--report-keys`).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    /// The pseudonym.
    pub household_key: String,
    /// `new`, `dropped` or `still listed`.
    pub change: &'static str,
    /// Rank in the previous run.
    pub rank_before: Option<u64>,
    /// Rank now.
    pub rank_now: Option<u64>,
    /// Rules now, or why not listed now.
    pub why: String,
}

/// What changed since the previous run of the same pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// The previous run's id.
    pub previous_run_id: String,
    /// The previous run's as-of date.
    pub previous_as_of: String,
    /// The rule set differs from the previous run's.
    pub rule_set_changed: bool,
    /// Listed now, not before.
    pub new: u64,
    /// Listed before, not now.
    pub dropped: u64,
    /// Listed both times.
    pub still_listed: u64,
    /// Why the dropped households are not listed now.
    pub dropped_why: Vec<WhyRow>,
    /// Per household; only with `--report-keys`, never in `report-data.json`.
    #[serde(skip)]
    pub households: Option<Vec<ChangeRow>>,
}

/// Why a household is not on the list now.
fn why_not(status: Option<&Status>, rs: &RuleSet) -> String {
    match status {
        None => "no rule fires any more".into(),
        Some(Status::NotEligible) => format!("score below {}", rs.eligible_min_score),
        Some(Status::NotResident) => "not in the register (moved away)".into(),
        Some(Status::SuppressedRecentContact) => format!(
            "outreach contact in the last {} days",
            rs.suppress_recent_contact_days
        ),
        Some(Status::BeyondMaxListed) => "beyond max_listed".into(),
        Some(Status::Listed(_)) => "listed".into(),
    }
}

/// The changes from `prev` to this run.
pub(crate) fn changes(prev: &PreviousRun, input: &ReportInput<'_>) -> Changes {
    let rs = input.rules;
    let now: BTreeMap<&str, (&ScoredHousehold, &Status)> = input
        .list
        .candidates
        .iter()
        .map(|(h, s)| (h.household_key.as_str(), (h, s)))
        .collect();
    let before: BTreeMap<&str, &ListedRecord> = prev
        .listed
        .iter()
        .map(|l| (l.household_key.as_str(), l))
        .collect();
    let mut rows = Vec::new();
    let mut dropped_why: BTreeMap<String, u64> = BTreeMap::new();
    let (mut new, mut dropped, mut still) = (0, 0, 0);
    let listed = input.list.candidates.iter().filter_map(|(h, s)| match s {
        Status::Listed(rank) => Some((*rank, h)),
        _ => None,
    });
    for (rank, h) in listed {
        let was = before.get(h.household_key.as_str());
        if was.is_some() {
            still += 1;
        } else {
            new += 1;
        }
        rows.push(ChangeRow {
            household_key: h.household_key.clone(),
            change: if was.is_some() { "still listed" } else { "new" },
            rank_before: was.map(|l| l.rank),
            rank_now: Some(rank),
            why: h.rules.replace('|', ", "),
        });
    }
    for l in &prev.listed {
        let status = now.get(l.household_key.as_str()).map(|(_, s)| *s);
        if matches!(status, Some(Status::Listed(_))) {
            continue;
        }
        dropped += 1;
        let why = why_not(status, rs);
        *dropped_why.entry(why.clone()).or_default() += 1;
        rows.push(ChangeRow {
            household_key: l.household_key.clone(),
            change: "dropped",
            rank_before: Some(l.rank),
            rank_now: None,
            why,
        });
    }
    let shown = mask_partition(&dropped_why.values().copied().collect::<Vec<_>>());
    Changes {
        previous_run_id: prev.record.run_id.clone(),
        previous_as_of: prev.record.as_of.clone(),
        rule_set_changed: prev.record.rule_set_sha256 != input.identity.rule_set_sha256,
        new,
        dropped,
        still_listed: still,
        dropped_why: dropped_why
            .into_keys()
            .zip(shown)
            .map(|(why, households)| WhyRow { why, households })
            .collect(),
        households: input.show_keys.then_some(rows),
    }
}
