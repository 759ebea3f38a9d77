//! A backtest: the pipeline replayed at past as-of dates, each on the store
//! as it was known then (no row dated after it), with the outreach outcomes
//! closed after each list joined to it. This module holds the calendar and
//! the per-date line; the job does the replaying.

use crate::wilson::{Share, wilson};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vroeg_scoring::SignalList;

/// The outcomes that mean the household needed help (contracts.md, which
/// follow DDAS).
pub const NEEDED_HELP: [&str; 3] = ["quick_fix", "followup_financial", "followup_nonfinancial"];

/// The last day of every month whose last day lies in [from, to].
pub fn month_ends(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut y = from.year();
    let mut m = from.month();
    loop {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let Some(end) = NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt()) else {
            break;
        };
        if end > to {
            break;
        }
        if end >= from {
            out.push(end);
        }
        (y, m) = (ny, nm);
    }
    out
}

/// An outcome as the backtest reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The pseudonym.
    pub household_key: String,
    /// When the case closed.
    pub closed_date: NaiveDate,
    /// The outcome code.
    pub outcome: String,
}

/// One as-of date of a backtest, exact counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateLine {
    /// The as-of date.
    pub as_of: String,
    /// Eligible households.
    pub eligible: u64,
    /// Listed households.
    pub listed: u64,
    /// Of the previous date's list, still listed (`None` for the first).
    pub still_listed: Option<u64>,
    /// Whether any outcome in the store closed after this date: without
    /// one the list's yield is not known yet (not zero).
    pub outcomes_known: bool,
    /// Listed households with an outcome closed after the date.
    pub reached: u64,
    /// Their first outcome after the date, by class.
    pub outcomes: BTreeMap<String, u64>,
    /// Of the listed, how many needed help, with its 95% Wilson interval
    /// (`None` when no outcome is known yet).
    pub needed_help: Option<Share>,
}

/// The line of one date: its list, the previous date's listed keys, and
/// every outcome in the store.
pub fn line(
    as_of: NaiveDate,
    list: &SignalList,
    previous: Option<&BTreeSet<String>>,
    outcomes: &[Outcome],
) -> DateLine {
    let listed: BTreeSet<&str> = list
        .listed()
        .map(|(_, h)| h.household_key.as_str())
        .collect();
    let mut first: BTreeMap<&str, &Outcome> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| o.closed_date > as_of) {
        if listed.contains(o.household_key.as_str()) {
            let e = first.entry(o.household_key.as_str()).or_insert(o);
            if (o.closed_date, &o.outcome) < (e.closed_date, &e.outcome) {
                *e = o;
            }
        }
    }
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    for o in first.values() {
        *classes.entry(o.outcome.clone()).or_default() += 1;
    }
    let helped: u64 = NEEDED_HELP
        .iter()
        .map(|c| classes.get(*c).copied().unwrap_or(0))
        .sum();
    let known = outcomes.iter().any(|o| o.closed_date > as_of);
    DateLine {
        as_of: as_of.to_string(),
        eligible: list.counts.eligible,
        listed: list.counts.listed,
        still_listed: previous.map(|p| listed.iter().filter(|k| p.contains(**k)).count() as u64),
        outcomes_known: known,
        reached: first.len() as u64,
        outcomes: classes,
        needed_help: if known {
            wilson(helped, list.counts.listed)
        } else {
            None
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn listed(keys: &[&str]) -> SignalList {
        let mut l = SignalList::default();
        for (i, k) in keys.iter().enumerate() {
            l.candidates.push((
                vroeg_scoring::ScoredHousehold {
                    household_key: k.to_string(),
                    score: 5,
                    domains: 1,
                    rules: "r".into(),
                    district_code: None,
                    in_register: true,
                    ..Default::default()
                },
                vroeg_scoring::Status::Listed(i as u64 + 1),
            ));
        }
        l.counts.listed = keys.len() as u64;
        l.counts.eligible = keys.len() as u64;
        l
    }

    fn o(k: &str, day: &str, outcome: &str) -> Outcome {
        Outcome {
            household_key: k.into(),
            closed_date: d(day),
            outcome: outcome.into(),
        }
    }

    #[test]
    fn a_line_by_hand() {
        // listed a, b, c, d; outcomes after 10-31: a quick_fix (its first),
        // b no_contact, c before the date (not counted), e not listed
        let outcomes = [
            o("a", "2026-11-20", "followup_financial"),
            o("a", "2026-11-05", "quick_fix"),
            o("b", "2026-11-10", "no_contact"),
            o("c", "2026-10-15", "quick_fix"),
            o("e", "2026-11-01", "quick_fix"),
        ];
        let previous: BTreeSet<String> = ["a", "x"].iter().map(|s| s.to_string()).collect();
        let l = line(
            d("2026-10-31"),
            &listed(&["a", "b", "c", "d"]),
            Some(&previous),
            &outcomes,
        );
        assert_eq!(l.still_listed, Some(1));
        assert!(l.outcomes_known);
        assert_eq!(l.reached, 2);
        assert_eq!(
            l.outcomes
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect::<Vec<_>>(),
            [("no_contact", 1), ("quick_fix", 1)]
        );
        let h = l.needed_help.unwrap();
        assert_eq!((h.k, h.n), (1, 4));
        // a month with no outcome after it yet: unknown, not zero
        let l = line(d("2026-11-30"), &listed(&["a"]), None, &outcomes);
        assert!(!l.outcomes_known);
        assert_eq!(l.needed_help, None);
        assert_eq!(l.still_listed, None);
    }

    #[test]
    fn month_ends_in_a_range() {
        assert_eq!(
            month_ends(d("2026-01-15"), d("2026-04-30")),
            [
                d("2026-01-31"),
                d("2026-02-28"),
                d("2026-03-31"),
                d("2026-04-30")
            ]
        );
        assert_eq!(
            month_ends(d("2024-02-01"), d("2024-02-29")),
            [d("2024-02-29")]
        );
        assert!(month_ends(d("2026-01-01"), d("2026-01-30")).is_empty());
        assert_eq!(
            month_ends(d("2025-12-31"), d("2026-01-31")),
            [d("2025-12-31"), d("2026-01-31")]
        );
    }
}
