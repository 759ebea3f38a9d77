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
use datafusion::prelude::SessionContext;
use std::collections::{BTreeMap, BTreeSet};
use vroeg_contracts::Source;
use vroeg_pipeline::{Legitimacy, RuleSet};
use vroeg_store::{ReadOnlyStore, StoreView, period_last_day};

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
        let snapshot = f.snapshot.as_ref();
        let age = snapshot.and_then(|s| s.max_age_days);
        let days = match (f.window.as_ref().map(|w| w.days), snapshot, age) {
            (Some(w), _, Some(a)) => Some(w.min(a)),
            (Some(w), _, None) => Some(w),
            (None, _, Some(a)) => Some(a),
            // one snapshot for the whole source: its latest period
            (None, Some(s), None) if s.supplier.is_none() => {
                r.latest = true;
                None
            }
            // each supplier's latest snapshot, which may lie in any period
            (None, _, None) => {
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

/// For each source that only windowed features read (no snapshot), the day
/// before which a run at `as_of` needs none of its rows: T minus the
/// longest window (and the repeat signals' contact window). Files of the
/// store that end before it are neither listed nor opened. The register and
/// the outreach outcomes, which the run also reads for other ends, are
/// never cut.
pub(crate) fn window_floor(rs: &RuleSet, as_of: NaiveDate) -> BTreeMap<Source, NaiveDate> {
    let extra = rs
        .repeat_min_rise_cents
        .map_or(0, |_| rs.suppress_recent_contact_days);
    let mut days: BTreeMap<Source, Option<i64>> = BTreeMap::new();
    for f in &rs.features {
        let d = days.entry(f.source).or_insert(Some(0));
        *d = match (&f.window, &f.snapshot, *d) {
            (Some(w), None, Some(longest)) => Some(longest.max(w.days + extra)),
            _ => None,
        };
    }
    days.into_iter()
        .filter(|(s, _)| !matches!(s, Source::Households | Source::OutreachOutcomes))
        .filter_map(|(s, d)| {
            let d = u64::try_from(d?).ok()?;
            Some((s, as_of.checked_sub_days(Days::new(d))?))
        })
        .collect()
}

/// Registers the store's tables for scoring at `as_of`, reading only what
/// can count: of the windowed sources the files that reach into their
/// window ([`window_floor`]), of the register the files of its latest
/// snapshot. Returns the deliveries read, for the manifest.
pub(crate) fn register_for_scoring(
    view: &StoreView,
    ctx: &SessionContext,
    rs: &RuleSet,
    as_of: NaiveDate,
) -> Result<BTreeSet<u64>, JobError> {
    let mut from = window_floor(rs, as_of);
    if let Some(day) = view.latest_at_least(Source::Households, as_of) {
        from.insert(Source::Households, day);
    }
    Ok(view.register_from(ctx, Some(as_of), &from)?)
}

/// What in the rule set reads further back than its source is kept: after
/// a purge, runs would refuse. One sentence each, naming the key.
pub(crate) fn beyond_retention(rs: &RuleSet, legitimacy: &Legitimacy) -> Vec<String> {
    let extra = rs
        .repeat_min_rise_cents
        .map_or(0, |_| rs.suppress_recent_contact_days);
    let kept = |s: Source| legitimacy.sources.get(&s).map(|d| d.retention_days);
    let mut out = Vec::new();
    for f in &rs.features {
        let Some(days_kept) = kept(f.source) else {
            continue;
        };
        let snapshot = f.snapshot.as_ref();
        let age = snapshot.and_then(|s| s.max_age_days);
        let days = match (f.window.as_ref().map(|w| w.days), age) {
            (Some(w), Some(a)) => Some(w.min(a)),
            (w, a) => w.or(a),
        };
        let whole_source = snapshot.is_some_and(|s| s.supplier.is_none());
        match days {
            Some(d) if d + extra > days_kept => out.push(format!(
                "features.{}: reads {} days of {} ({}), which keeps {days_kept} days: runs will refuse periods a purge deleted",
                f.name,
                d + extra,
                f.source.name(),
                if extra > 0 { "with the repeat signals' contact window" } else { "its window or snapshot age" }
            )),
            None if !whole_source => out.push(format!(
                "features.{}: reads every stored period of {} (no window, or a snapshot per supplier without max_age_days), which keeps {days_kept} days: after the first purge every run refuses",
                f.name,
                f.source.name()
            )),
            _ => {}
        }
    }
    if let Some(days_kept) = kept(Source::OutreachOutcomes)
        && rs.suppress_recent_contact_days > days_kept
    {
        out.push(format!(
            "scoring.suppress_recent_contact_days: {} days of outreach_outcomes, which keeps {days_kept} days: runs will refuse periods a purge deleted",
            rs.suppress_recent_contact_days
        ));
    }
    out
}

fn first_day(period: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()
}

/// Periods per source with the earliest date of each: stored ones from
/// their files, purged ones from their first day.
pub(crate) type Periods = BTreeMap<Source, Vec<(String, NaiveDate)>>;

/// The periods a store holds or held: those stored and those purged.
pub(crate) fn known(store: &ReadOnlyStore) -> Periods {
    let mut out: Periods = BTreeMap::new();
    for e in store.ledger() {
        for f in &e.files {
            if let Ok(min) = f.min_date.parse() {
                out.entry(e.source)
                    .or_default()
                    .push((f.period.clone(), min));
            }
        }
        for f in e.purged.iter().flat_map(|p| &p.files) {
            if let Some(first) = first_day(&f.period) {
                out.entry(e.source)
                    .or_default()
                    .push((f.period.clone(), first));
            }
        }
    }
    out
}

/// The earliest day of each source that a run at `as_of` depends on:
/// its periods from that day's on to T are what its list is made of. A
/// source without a day is not read (or holds nothing on or before T).
pub(crate) fn reads_from(
    rs: &RuleSet,
    as_of: NaiveDate,
    known: &Periods,
) -> BTreeMap<Source, NaiveDate> {
    let mut out = BTreeMap::new();
    for (source, r) in reach(rs) {
        let before: Vec<&(String, NaiveDate)> = known
            .get(&source)
            .into_iter()
            .flatten()
            .filter(|(_, min)| *min <= as_of)
            .collect();
        let mut from: Option<NaiveDate> = None;
        let mut take = |d: Option<NaiveDate>| {
            if let Some(d) = d {
                from = Some(from.map_or(d, |f| f.min(d)));
            }
        };
        if let Some(days) = r.days {
            take(
                as_of
                    .checked_sub_days(Days::new(days.max(0) as u64))
                    .and_then(|d| d.succ_opt()),
            );
        }
        if r.latest {
            take(
                before
                    .iter()
                    .map(|(p, _)| p)
                    .max()
                    .and_then(|p| first_day(p)),
            );
        }
        if r.all {
            take(
                before
                    .iter()
                    .map(|(p, _)| p)
                    .min()
                    .and_then(|p| first_day(p)),
            );
        }
        if let Some(f) = from {
            out.insert(source, f);
        }
    }
    out
}

/// The purged periods among those a run at `as_of` reads from `from` on.
pub(crate) fn gone_with(
    as_of: NaiveDate,
    from: &BTreeMap<Source, NaiveDate>,
    purged: &BTreeMap<Source, BTreeSet<String>>,
) -> Vec<(Source, String)> {
    let mut gone = Vec::new();
    for (source, from) in from {
        for p in purged.get(source).into_iter().flatten() {
            let inside = first_day(p).is_some_and(|d| d <= as_of)
                && period_last_day(p).is_some_and(|last| last >= *from);
            if inside {
                gone.push((*source, p.clone()));
            }
        }
    }
    gone
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
    let from = reads_from(rs, as_of, &known(store));
    let gone = gone_with(as_of, &from, &store.purged_periods());
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

    fn rule_set(edit: impl Fn(String) -> String) -> RuleSet {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/zoetermeer.toml"),
        )
        .unwrap();
        vroeg_pipeline::Pipeline::from_toml(&edit(text), Path::new("/p/z.toml"))
            .unwrap()
            .rule_set
            .unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn periods(source: Source, ps: &[&str]) -> BTreeMap<Source, BTreeSet<String>> {
        BTreeMap::from([(source, ps.iter().map(|p| p.to_string()).collect())])
    }

    /// Monthly periods of a source, each with data from its first day.
    fn monthly(source: Source, ps: &[&str]) -> Periods {
        BTreeMap::from([(
            source,
            ps.iter()
                .map(|p| (p.to_string(), first_day(p).unwrap()))
                .collect(),
        )])
    }

    fn gone(
        rs: &RuleSet,
        as_of: &str,
        known: &Periods,
        purged: &BTreeMap<Source, BTreeSet<String>>,
    ) -> Vec<(Source, String)> {
        gone_with(d(as_of), &reads_from(rs, d(as_of), known), purged)
    }

    #[test]
    fn what_reads_further_back_than_it_is_kept_is_said() {
        let p = |edit: &dyn Fn(String) -> String| {
            let text = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/zoetermeer.toml"),
            )
            .unwrap();
            vroeg_pipeline::Pipeline::from_toml(&edit(text), Path::new("/p/z.toml")).unwrap()
        };
        let shipped = p(&|t| t);
        assert_eq!(
            beyond_retention(shipped.rule_set.as_ref().unwrap(), &shipped.legitimacy),
            Vec::<String>::new()
        );
        let short = p(&|t| t.replace("retention_days = 365", "retention_days = 20"));
        assert_eq!(
            beyond_retention(short.rule_set.as_ref().unwrap(), &short.legitimacy),
            [
                "features.pupil_absence_hours: reads 28 days of school_absence (its window or snapshot age), which keeps 20 days: runs will refuse periods a purge deleted"
            ]
        );
        let open = p(&|t| {
            t.replace(
                "window = { column = \"stop_date\", days = \"{benefit_window_days}\" }\n",
                "",
            )
        });
        assert_eq!(
            beyond_retention(open.rule_set.as_ref().unwrap(), &open.legitimacy),
            [
                "features.benefit_stops_recent: reads every stored period of benefit_stops (no window, or a snapshot per supplier without max_age_days), which keeps 730 days: after the first purge every run refuses"
            ]
        );
    }

    #[test]
    fn a_window_reaches_back_its_days() {
        let rs = rule_set(|t| t);
        // rent: the longest window is 90 days (rent_months_recent)
        let purged = periods(Source::RentArrears, &["2025-06", "2025-07"]);
        let known = monthly(
            Source::RentArrears,
            &["2025-06", "2025-07", "2025-08", "2025-09", "2025-10"],
        );
        // 2025-10-31 - 90 days = 2025-08-02: July ends before the window
        assert_eq!(
            reads_from(&rs, d("2025-10-31"), &known)[&Source::RentArrears],
            d("2025-08-03")
        );
        assert_eq!(gone(&rs, "2025-10-31", &known, &purged), vec![]);
        // 2025-10-28 - 90 = 2025-07-30: July 31 is inside
        assert_eq!(
            gone(&rs, "2025-10-28", &known, &purged),
            vec![(Source::RentArrears, "2025-07".to_string())]
        );
        // an as-of inside a purged period needs it
        assert_eq!(
            describe(&gone(&rs, "2025-06-15", &known, &purged)),
            "rent_arrears 2025-06"
        );
    }

    #[test]
    fn the_register_needs_its_latest_snapshot() {
        let rs = rule_set(|t| t);
        let purged = periods(Source::Households, &["2025-09", "2025-10"]);
        let known = BTreeMap::from([(
            Source::Households,
            vec![
                ("2025-09".to_string(), d("2025-09-01")),
                ("2025-10".to_string(), d("2025-10-01")),
                ("2025-11".to_string(), d("2025-11-30")),
            ],
        )]);
        // on 2025-11-15 the latest snapshot on or before T is October's
        assert_eq!(
            gone(&rs, "2025-11-15", &known, &purged),
            vec![(Source::Households, "2025-10".to_string())]
        );
        assert_eq!(gone(&rs, "2025-11-30", &known, &purged), vec![]);
    }

    #[test]
    fn a_snapshot_per_supplier_without_a_maximum_age_reads_every_period() {
        let rs = rule_set(|t| {
            t.replace(
                "current_snapshot = { supplier = \"landlord_code\", max_age_days = \"{rent_snapshot_days}\" }",
                "current_snapshot = { supplier = \"landlord_code\" }",
            )
            .replace(
                "window = { column = \"reference_date\", days = \"{rent_persistent_window_days}\" }",
                "current_snapshot = { supplier = \"landlord_code\" }",
            )
        });
        let purged = periods(Source::RentArrears, &["2024-01"]);
        let known = monthly(Source::RentArrears, &["2024-01", "2026-10"]);
        // a landlord whose last snapshot is from 2024-01 still counts
        assert_eq!(
            gone(&rs, "2026-10-31", &known, &purged),
            vec![(Source::RentArrears, "2024-01".to_string())]
        );
    }

    #[test]
    fn outcomes_reach_back_the_suppression_window_and_repeat_signals_further() {
        let rs = rule_set(|t| t);
        let purged = periods(Source::OutreachOutcomes, &["2025-04"]);
        let known = monthly(Source::OutreachOutcomes, &["2025-04"]);
        // 180 days before 2025-10-27 is 2025-04-30: the window starts on 05-01
        assert_eq!(gone(&rs, "2025-10-27", &known, &purged), vec![]);
        assert_eq!(gone(&rs, "2025-10-26", &known, &purged).len(), 1);
        // with repeat signals the rent features are read as of every
        // contact in the window: 180 more days
        let repeat = rule_set(|t| {
            t.replace(
                "total_arrears_eur = \"rent_arrears_eur",
                "repeat_min_rise_eur = 250.00\ntotal_arrears_eur = \"rent_arrears_eur",
            )
        });
        let known = monthly(Source::RentArrears, &["2025-01", "2025-10"]);
        let rent = periods(Source::RentArrears, &["2025-01"]);
        assert_eq!(gone(&rs, "2025-10-31", &known, &rent), vec![]);
        assert_eq!(
            reads_from(&repeat, d("2025-10-31"), &known)[&Source::RentArrears],
            d("2025-02-04")
        );
        assert_eq!(gone(&repeat, "2025-10-31", &known, &rent), vec![]);
        assert_eq!(gone(&repeat, "2025-10-27", &known, &rent).len(), 1);
    }
}
