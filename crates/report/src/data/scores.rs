//! Households per score, and of those listed. The rows at or above the
//! eligibility score add up to the funnel's eligible count (households) and
//! its listed count (listed); the rows below it add up to "any rule" minus
//! eligible (households) and are never listed. Each of those partitions is
//! masked on its own ([`mask_partition`]): a complement hidden in the other
//! partition would not protect anything.

use crate::mask::{Shown, mask_partition};
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_scoring::{SignalList, Status};

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

/// One row per score that some household with a rule fired has, by score.
pub(crate) fn scores(list: &SignalList, eligible_min_score: i64) -> Vec<ScoreRow> {
    let mut per_score: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for (h, s) in &list.candidates {
        let e = per_score.entry(h.score).or_default();
        e.0 += 1;
        if matches!(s, Status::Listed(_)) {
            e.1 += 1;
        }
    }
    let (eligible, below): (Vec<_>, Vec<_>) = per_score
        .into_iter()
        .partition(|(score, _)| *score >= eligible_min_score);
    let rows = |part: Vec<(i64, (u64, u64))>, eligible: bool| {
        let households = mask_partition(&part.iter().map(|(_, (n, _))| *n).collect::<Vec<_>>());
        let listed: Vec<Shown> = if eligible {
            mask_partition(&part.iter().map(|(_, (_, l))| *l).collect::<Vec<_>>())
        } else {
            // zero by the rules, and known to be: nothing to protect
            part.iter().map(|(_, (_, l))| Shown::of(*l)).collect()
        };
        part.into_iter()
            .zip(households.into_iter().zip(listed))
            .map(move |((score, _), (households, listed))| ScoreRow {
                score,
                households,
                listed,
                eligible,
            })
    };
    rows(below, false).chain(rows(eligible, true)).collect()
}
