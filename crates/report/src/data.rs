//! The report's numbers: every table of `report.html`, also written as
//! `report-data.json` (masked, without household keys) for the notebook and
//! for checks.

use crate::mask::{Shown, mask_partition};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vroeg_outputs::RefusedFile;
use vroeg_pipeline::RuleSet;
use vroeg_scoring::{SignalList, StaleSupplier, Status};
use vroeg_store::{DeliveryStatus, LedgerEntry, ListedRecord, RunRecord};

/// Who ran what: the run's identity at the top of the page.
#[derive(Debug, Clone, Serialize)]
pub struct RunIdentity {
    /// The pipeline's name.
    pub pipeline: String,
    /// The pipeline's description.
    pub description: String,
    /// The as-of date T.
    pub as_of: String,
    /// The run id.
    pub run_id: String,
    /// SHA-256 of the resolved rule set.
    pub rule_set_sha256: String,
    /// SHA-256 of the pipeline file.
    pub pipeline_sha256: String,
    /// The vroeg version.
    pub tool_version: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
}

/// The previous run of the same pipeline and what it listed.
#[derive(Debug, Clone)]
pub struct PreviousRun {
    /// Its record.
    pub record: RunRecord,
    /// Its listed households.
    pub listed: Vec<ListedRecord>,
}

/// Everything a report is made from.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// The run's identity.
    pub identity: RunIdentity,
    /// The rule set scored with.
    pub rules: &'a RuleSet,
    /// The scored households.
    pub list: &'a SignalList,
    /// The deliveries to report on: those the run read, refused and
    /// duplicate ones, in sequence order.
    pub deliveries: Vec<&'a LedgerEntry>,
    /// The sequence numbers taken in by this run.
    pub new_deliveries: BTreeSet<u64>,
    /// Files refused or unreadable in this run.
    pub refused: &'a [RefusedFile],
    /// Suppliers whose snapshot is too old at T.
    pub stale: &'a [StaleSupplier],
    /// The previous run of the same pipeline, if any.
    pub previous: Option<PreviousRun>,
    /// Recorded runs of this pipeline; those with an as-of date before this
    /// one's make the history (the latest run of each date).
    pub history: &'a [RunRecord],
    /// Show household keys in the changes section (`--report-keys`).
    pub show_keys: bool,
}

/// One step of the funnel from "any rule" to "listed".
#[derive(Debug, Clone, Serialize)]
pub struct FunnelStep {
    /// The count's key (as in `summary.json`).
    pub step: &'static str,
    /// What it counts, for people.
    pub label: String,
    /// Households.
    pub households: u64,
}

/// Listed households of one district.
#[derive(Debug, Clone, Serialize)]
pub struct DistrictRow {
    /// The district code, `(unknown)` without a register row.
    pub district: String,
    /// Listed households.
    pub listed: Shown,
}

/// One rule's hit rate.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    /// The rule id.
    pub id: String,
    /// Its domain, `-` for rules about other rules.
    pub domain: String,
    /// Its weight.
    pub weight: i64,
    /// What it means.
    pub description: String,
    /// Its condition with the parameters filled in.
    pub condition: String,
    /// Households it fired for.
    pub fired: Shown,
    /// Listed households it fired for.
    pub listed: Shown,
}

/// Households with one score.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    /// The score.
    pub score: i64,
    /// Households with any rule fired with this score.
    pub households: Shown,
    /// Of those, listed.
    pub listed: Shown,
    /// At least the eligibility score.
    pub eligible: bool,
}

/// Data quality of one source, over the deliveries reported on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceQuality {
    /// The source.
    pub source: String,
    /// Deliveries.
    pub deliveries: u64,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_accepted: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Quarantined rows per reason.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Refused files.
    pub refused: u64,
    /// Duplicates of an earlier delivery.
    pub duplicates: u64,
}

/// Data quality of one delivery.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryQuality {
    /// Sequence number in the store.
    pub seq: u64,
    /// The source.
    pub source: String,
    /// The file name.
    pub file: String,
    /// `accepted`, `refused` or `duplicate`.
    pub status: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows stored.
    pub rows_accepted: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Quarantined rows per reason, `reason n, …`.
    pub quarantined_by_reason: String,
    /// Why refused, of what it is a duplicate, or warnings.
    pub note: String,
    /// Taken in by this run.
    pub new_in_this_run: bool,
}

/// The data-quality section.
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// Per source.
    pub sources: Vec<SourceQuality>,
    /// Per delivery.
    pub deliveries: Vec<DeliveryQuality>,
    /// Files refused or unreadable in this run.
    pub refused_this_run: Vec<RefusedFile>,
    /// Suppliers whose current snapshot is too old to count.
    pub stale_suppliers: Vec<StaleSupplier>,
}

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

/// The listed count of one run.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    /// Its as-of date.
    pub as_of: String,
    /// Its run id.
    pub run_id: String,
    /// Households listed.
    pub listed: u64,
}

/// Every table of the report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    /// The run's identity.
    pub identity: RunIdentity,
    /// Counts below this are shown as `<5`.
    pub small_count: u64,
    /// Eligible from this score.
    pub eligible_min_score: i64,
    /// Whether a register snapshot on or before T exists.
    pub register_present: bool,
    /// Any rule → listed.
    pub funnel: Vec<FunnelStep>,
    /// Listed per district.
    pub districts: Vec<DistrictRow>,
    /// Per rule.
    pub rules: Vec<RuleRow>,
    /// Per score.
    pub scores: Vec<ScoreRow>,
    /// Data quality.
    pub quality: Quality,
    /// Since the previous run; `None` for a first run.
    pub changes: Option<Changes>,
    /// The listed count per as-of date, this run last.
    pub history: Vec<HistoryPoint>,
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

impl ReportData {
    /// Computes every table from the run's results.
    pub fn build(input: &ReportInput<'_>) -> ReportData {
        let rs = input.rules;
        let list = input.list;
        let c = &list.counts;
        let beyond = list
            .candidates
            .iter()
            .filter(|(_, s)| *s == Status::BeyondMaxListed)
            .count() as u64;
        let funnel = vec![
            FunnelStep {
                step: "households_with_rule",
                label: "Households with any rule fired".into(),
                households: c.households_with_rule,
            },
            FunnelStep {
                step: "eligible",
                label: format!("Eligible (score at least {})", rs.eligible_min_score),
                households: c.eligible,
            },
            FunnelStep {
                step: "not_resident",
                label: "Not resident: left out (moved away)".into(),
                households: c.not_resident,
            },
            FunnelStep {
                step: "suppressed_recent_contact",
                label: format!(
                    "Outreach contact in the last {} days: left out",
                    rs.suppress_recent_contact_days
                ),
                households: c.suppressed_recent_contact,
            },
            FunnelStep {
                step: "beyond_max_listed",
                label: "Beyond max_listed: left out".into(),
                households: beyond,
            },
            FunnelStep {
                step: "listed",
                label: "Listed".into(),
                households: c.listed,
            },
        ];

        let mut per_district: BTreeMap<String, u64> = BTreeMap::new();
        let mut listed_per_rule: BTreeMap<&str, u64> = BTreeMap::new();
        let mut per_score: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
        for (h, s) in &list.candidates {
            let listed = matches!(s, Status::Listed(_));
            let e = per_score.entry(h.score).or_default();
            e.0 += 1;
            if listed {
                e.1 += 1;
                let d = h
                    .district_code
                    .clone()
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| "(unknown)".into());
                *per_district.entry(d).or_default() += 1;
                for r in h.rules.split('|').filter(|r| !r.is_empty()) {
                    *listed_per_rule.entry(r).or_default() += 1;
                }
            }
        }
        let shown = mask_partition(&per_district.values().copied().collect::<Vec<_>>());
        let districts = per_district
            .keys()
            .zip(shown)
            .map(|(d, listed)| DistrictRow {
                district: d.clone(),
                listed,
            })
            .collect();
        let as_of = input
            .identity
            .as_of
            .parse()
            .expect("the as-of date is a date");
        let rules = rs
            .rules
            .iter()
            .map(|r| RuleRow {
                id: r.id.clone(),
                domain: r.domain.clone().unwrap_or_else(|| "-".into()),
                weight: r.weight,
                description: r.description.clone(),
                condition: r.when.render(&rs.params, as_of),
                fired: Shown::of(c.rule_counts.get(&r.id).copied().unwrap_or(0)),
                listed: Shown::of(listed_per_rule.get(r.id.as_str()).copied().unwrap_or(0)),
            })
            .collect();
        let scores = per_score
            .iter()
            .map(|(&score, &(n, l))| ScoreRow {
                score,
                households: Shown::of(n),
                listed: Shown::of(l),
                eligible: score >= rs.eligible_min_score,
            })
            .collect();

        let mut history: BTreeMap<String, HistoryPoint> = BTreeMap::new();
        for r in input
            .history
            .iter()
            .filter(|r| r.as_of < input.identity.as_of)
        {
            history.insert(
                r.as_of.clone(),
                HistoryPoint {
                    as_of: r.as_of.clone(),
                    run_id: r.run_id.clone(),
                    listed: r.listed,
                },
            );
        }
        history.insert(
            input.identity.as_of.clone(),
            HistoryPoint {
                as_of: input.identity.as_of.clone(),
                run_id: input.identity.run_id.clone(),
                listed: c.listed,
            },
        );

        ReportData {
            identity: input.identity.clone(),
            small_count: crate::mask::SMALL,
            eligible_min_score: rs.eligible_min_score,
            register_present: list.register_present,
            funnel,
            districts,
            rules,
            scores,
            quality: quality(input),
            changes: input.previous.as_ref().map(|p| changes(p, input)),
            history: history.into_values().collect(),
        }
    }
}

fn quality(input: &ReportInput<'_>) -> Quality {
    let mut sources: BTreeMap<String, SourceQuality> = BTreeMap::new();
    let mut deliveries = Vec::new();
    for e in &input.deliveries {
        let q = sources
            .entry(e.source.name().to_string())
            .or_insert_with(|| SourceQuality {
                source: e.source.name().to_string(),
                ..Default::default()
            });
        q.deliveries += 1;
        q.rows_read += e.rows_read;
        q.rows_accepted += e.rows_accepted;
        q.rows_quarantined += e.rows_quarantined;
        for (reason, n) in &e.quarantined_by_reason {
            *q.quarantined_by_reason.entry(reason.clone()).or_default() += n;
        }
        let status = match e.status {
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Refused => {
                q.refused += 1;
                "refused"
            }
            DeliveryStatus::Duplicate => {
                q.duplicates += 1;
                "duplicate"
            }
        };
        let mut note: Vec<String> = e.message.iter().cloned().collect();
        note.extend(e.warnings.iter().cloned());
        deliveries.push(DeliveryQuality {
            seq: e.seq,
            source: e.source.name().to_string(),
            file: e.file_name.clone(),
            status: status.into(),
            rows_read: e.rows_read,
            rows_accepted: e.rows_accepted,
            rows_quarantined: e.rows_quarantined,
            quarantined_by_reason: e
                .quarantined_by_reason
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            note: note.join("; "),
            new_in_this_run: input.new_deliveries.contains(&e.seq),
        });
    }
    Quality {
        sources: sources.into_values().collect(),
        deliveries,
        refused_this_run: input.refused.to_vec(),
        stale_suppliers: input.stale.to_vec(),
    }
}

fn changes(prev: &PreviousRun, input: &ReportInput<'_>) -> Changes {
    let rs = input.rules;
    let now: BTreeMap<&str, (&vroeg_scoring::ScoredHousehold, &Status)> = input
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
    for (rank, h) in input.list.listed() {
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
    Changes {
        previous_run_id: prev.record.run_id.clone(),
        previous_as_of: prev.record.as_of.clone(),
        rule_set_changed: prev.record.rule_set_sha256 != input.identity.rule_set_sha256,
        new,
        dropped,
        still_listed: still,
        dropped_why: dropped_why
            .into_iter()
            .map(|(why, n)| WhyRow {
                why,
                households: Shown::of(n),
            })
            .collect(),
        households: input.show_keys.then_some(rows),
    }
}
