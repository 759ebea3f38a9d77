//! The report's numbers: every table of `report.html`, also written as
//! `report-data.json` (masked, without household keys) for the notebook and
//! for checks. One module per section of the report; each masks its own
//! counts with the rules of `mask.rs`, whose header says which table adds up
//! to which shown total.

mod changes;
mod districts;
mod funnel;
mod history;
mod input;
mod legitimacy;
mod quality;
mod rules;
mod scores;
mod teams;

pub use changes::{ChangeRow, Changes, WhyRow};
pub use districts::{DistrictRow, UNKNOWN_DISTRICT};
pub use funnel::FunnelStep;
pub use history::HistoryPoint;
pub use input::{PreviousRun, ReportInput, RunIdentity};
pub use legitimacy::{LegalBasis, SourceBasis};
pub use quality::{DeliveryQuality, Quality, SourceQuality};
pub use rules::RuleRow;
pub use scores::ScoreRow;
pub use teams::{NO_TEAM, TeamRow};

use serde::Serialize;

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
    /// Listed rate per district against its share of the register;
    /// `None` without a register snapshot.
    pub fairness: Option<crate::fairness::Fairness>,
    /// Listed per outreach team (empty without teams).
    pub teams: Vec<TeamRow>,
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
    /// The legal basis, purposes and retention of what the run read.
    pub legal_basis: LegalBasis,
}

impl ReportData {
    /// Computes every table from the run's results.
    pub fn build(input: &ReportInput<'_>) -> ReportData {
        let rs = input.rules;
        let districts = districts::districts(input.list);
        ReportData {
            fairness: districts::fairness(input, &districts),
            identity: input.identity.clone(),
            small_count: crate::mask::SMALL,
            eligible_min_score: rs.eligible_min_score,
            register_present: input.list.register_present,
            funnel: funnel::funnel(input.list, rs),
            teams: teams::teams(input.list, input.teams, &districts),
            districts,
            rules: rules::rules(input),
            scores: scores::scores(input.list, rs.eligible_min_score),
            quality: quality::quality(input),
            changes: input.previous.as_ref().map(|p| changes::changes(p, input)),
            history: history::history(input),
            legal_basis: legitimacy::legal_basis(input),
        }
    }
}
