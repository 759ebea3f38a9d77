//! Which stored periods a run at an as-of date reads, and whether any of
//! them was purged after its retention: such a run cannot be made again
//! and says which periods are gone instead of publishing a thinner list.
//!
//! How far back a source is read, from the rule set:
//!
//! - a feature's `window` of D days: periods overlapping (T - D, T] (every
//!   window column is on or before its source's time column, contracts.md);
//! - `current_snapshot` with `max_age_days` A: (T - A, T]; without it, the
//!   latest period on or before T (as the register, which also gives
//!   residency and districts);
//! - a feature with neither: every period on or before T;
//! - the outreach outcomes: `suppress_recent_contact_days`; with repeat
//!   signals, the features are also read as of every contact in that
//!   window, so their reach grows by as many days.

use crate::JobError;
use chrono::{Days, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};
use vroeg_contracts::Source;
use vroeg_pipeline::RuleSet;
use vroeg_store::{ReadOnlyStore, period_last_day};

/// How far back a run reads one source.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Reach {
    /// The longest window or snapshot age, in days.
    days: Option<i64>,
    /// The latest period on or before T.
    latest: bool,
    /// Every period on or before T.
    all: bool,
}

fn reach(rs: &RuleSet) -> BTreeMap<Source, Reach> {
    let mut out: BTreeMap<Source, Reach> = BTreeMap::new();
    let extra = rs
        .repeat_min_rise_cents
        .map_or(0, |_| rs.suppress_recent_contact_days);
    for f in &rs.features {
        let r = out.entry(f.source).or_default();
        let age = f.snapshot.as_ref().map(|s| s.max_age_days);
        let days = match (f.window.as_ref().map(|w| w.days), age) {
            (Some(w), Some(Some(a))) => Some(w.min(a)),
            (Some(w), _) => Some(w),
            (None, Some(Some(a))) => Some(a),
            (None, Some(None)) => {
                r.latest = true;
                None
            }
            (None, None) => {
                r.all = true;
                None
            }
        };
        if let Some(d) = days {
            r.days = Some(r.days.unwrap_or(0).max(d + extra));
        }
    }
    out.entry(Source::Households).or_default().latest = true;
    let o = out.entry(Source::OutreachOutcomes).or_default();
    o.days = Some(o.days.unwrap_or(0).max(rs.suppress_recent_contact_days));
    out
}

fn first_day(period: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()
}

/// The purged periods a run at `as_of` would read, per source, given the
/// periods purged and the periods still stored (with their earliest date).
pub(crate) fn gone_with(
    rs: &RuleSet,
    as_of: NaiveDate,
    purged: &BTreeMap<Source, BTreeSet<String>>,
    stored: &BTreeMap<Source, Vec<(String, NaiveDate)>>,
) -> Vec<(Source, String)> {
    let mut gone = Vec::new();
    for (source, r) in reach(rs) {
        let Some(periods) = purged.get(&source) else {
            continue;
        };
        let before: Vec<&String> = periods
            .iter()
            .filter(|p| first_day(p).is_some_and(|d| d <= as_of))
            .collect();
        let mut hit: BTreeSet<&String> = BTreeSet::new();
        if r.all {
            hit.extend(before.iter().copied());
        }
        if let Some(days) = r.days {
            let from = as_of.checked_sub_days(Days::new(days.max(0) as u64));
            for p in &before {
                if period_last_day(p)
                    .zip(from)
                    .is_some_and(|(last, from)| last > from)
                {
                    hit.insert(p);
                }
            }
        }
        if r.latest
            && let Some(latest) = before.iter().max()
        {
            let newer = stored.get(&source).is_some_and(|s| {
                s.iter()
                    .any(|(p, min)| p.as_str() > latest.as_str() && *min <= as_of)
            });
            if !newer {
                hit.insert(latest);
            }
        }
        gone.extend(hit.into_iter().map(|p| (source, p.clone())));
    }
    gone
}

/// The periods still stored, per source, with the earliest date of each.
pub(crate) fn stored(store: &ReadOnlyStore) -> BTreeMap<Source, Vec<(String, NaiveDate)>> {
    let mut out: BTreeMap<Source, Vec<(String, NaiveDate)>> = BTreeMap::new();
    for e in store.ledger() {
        for f in &e.files {
            if let Ok(min) = f.min_date.parse() {
                out.entry(e.source)
                    .or_default()
                    .push((f.period.clone(), min));
            }
        }
    }
    out
}

/// `source period, period; source period` for a message.
pub(crate) fn describe(gone: &[(Source, String)]) -> String {
    let mut by: BTreeMap<Source, Vec<&str>> = BTreeMap::new();
    for (s, p) in gone {
        by.entry(*s).or_default().push(p);
    }
    by.iter()
        .map(|(s, ps)| format!("{} {}", s.name(), ps.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Refuses (exit 3) a run at `as_of` that would read purged periods.
pub(crate) fn require_kept(
    store: &ReadOnlyStore,
    rs: &RuleSet,
    as_of: NaiveDate,
) -> Result<(), JobError> {
    let gone = gone_with(rs, as_of, &store.purged_periods(), &stored(store));
    if gone.is_empty() {
        return Ok(());
    }
    Err(JobError::Purged {
        as_of,
        gone: describe(&gone),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn rule_set() -> RuleSet {
        let p = vroeg_pipeline::Pipeline::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/zoetermeer.toml"),
        )
        .unwrap();
        p.rule_set.unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn periods(source: Source, ps: &[&str]) -> BTreeMap<Source, BTreeSet<String>> {
        BTreeMap::from([(source, ps.iter().map(|p| p.to_string()).collect())])
    }

    #[test]
    fn a_window_reaches_back_its_days() {
        let rs = rule_set();
        // rent: the longest window is 90 days (rent_months_recent)
        let purged = periods(Source::RentArrears, &["2025-06", "2025-07"]);
        let none = BTreeMap::new();
        // 2025-10-31 - 90 days = 2025-08-02: July ends before it
        assert_eq!(gone_with(&rs, d("2025-10-31"), &purged, &none), vec![]);
        // 2025-10-28 - 90 = 2025-07-30: July 31 is inside the window
        assert_eq!(
            gone_with(&rs, d("2025-10-28"), &purged, &none),
            vec![(Source::RentArrears, "2025-07".to_string())]
        );
        // an as-of inside a purged period needs it
        assert_eq!(
            describe(&gone_with(&rs, d("2025-06-15"), &purged, &none)),
            "rent_arrears 2025-06"
        );
    }

    #[test]
    fn the_register_needs_its_latest_snapshot() {
        let rs = rule_set();
        let purged = periods(Source::Households, &["2025-09", "2025-10"]);
        let stored = BTreeMap::from([(
            Source::Households,
            vec![("2025-11".to_string(), d("2025-11-30"))],
        )]);
        // on 2025-11-15 the latest snapshot on or before T is October's
        assert_eq!(
            gone_with(&rs, d("2025-11-15"), &purged, &stored),
            vec![(Source::Households, "2025-10".to_string())]
        );
        assert_eq!(gone_with(&rs, d("2025-11-30"), &purged, &stored), vec![]);
    }

    #[test]
    fn outcomes_reach_back_the_suppression_window() {
        let rs = rule_set();
        let purged = periods(Source::OutreachOutcomes, &["2025-04"]);
        let none = BTreeMap::new();
        // 180 days before 2025-10-27 is 2025-04-30
        assert_eq!(gone_with(&rs, d("2025-10-27"), &purged, &none), vec![]);
        assert_eq!(gone_with(&rs, d("2025-10-26"), &purged, &none).len(), 1);
    }
}
