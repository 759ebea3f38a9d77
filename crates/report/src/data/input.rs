//! What a report is made from: the run's identity, its scored list, the
//! deliveries it read and the previous run. Kept apart from the tables so
//! that each table's module takes only what it reads.

use std::collections::{BTreeMap, BTreeSet};
use vroeg_outputs::RefusedFile;
use vroeg_pipeline::{FairnessBand, Legitimacy, RuleSet, Teams};
use vroeg_scoring::{SignalList, StaleSupplier};
use vroeg_store::{LedgerEntry, ListedRecord, RunRecord};

/// Who ran what: the run's identity at the top of the page.
#[derive(Debug, Clone, serde::Serialize)]
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
    /// The outreach teams, for the listed count per team.
    pub teams: &'a Teams,
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
    /// Households per district in the register snapshot the list used
    /// (empty without one).
    pub register: &'a BTreeMap<String, u64>,
    /// The band of the fairness ratio (`[fairness] band`).
    pub fairness_band: FairnessBand,
    /// The pipeline's purpose, legal bases and retention periods.
    pub legitimacy: &'a Legitimacy,
    /// Where the published algorithm-register entry is, if known.
    pub register_url: Option<&'a str>,
}
