//! The listed count per as-of date over past runs: counts for the whole
//! pipeline, shown as they are.

use crate::data::ReportInput;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// The latest run of each earlier as-of date, then this run.
pub(crate) fn history(input: &ReportInput<'_>) -> Vec<HistoryPoint> {
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
            listed: input.list.counts.listed,
        },
    );
    history.into_values().collect()
}
