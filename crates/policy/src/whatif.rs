//! Two lists of the same day compared: the list under the pipeline file as
//! it is ("before") and under the change ("after"). Exact counts, for
//! analysts (`whatif.json`); the page masks them ([`crate::page`]).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vroeg_scoring::{ScoredHousehold, SignalList, Status};

/// A list's headline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Score at least the minimum, before exclusions.
    pub eligible: u64,
    /// On the list.
    pub listed: u64,
}

/// Why a household listed before is not listed after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WhyLeft {
    /// Below the eligibility score (or no rule fires any more).
    pub below_score: u64,
    /// Eligible, but excluded: not resident, or contacted recently.
    pub excluded: u64,
    /// Eligible and not excluded, but cut by `max_listed`.
    pub beyond_capacity: u64,
}

/// Households added and removed in one district or by one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// The district code (`(unknown)` without one) or the rule id.
    pub name: String,
    /// Listed after, not before.
    pub added: u64,
    /// Listed before, not after.
    pub removed: u64,
}

/// The comparison, with exact counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    /// The list as it is.
    pub before: Side,
    /// The list under the change.
    pub after: Side,
    /// Listed after, not before.
    pub added: u64,
    /// Listed before, not after.
    pub removed: u64,
    /// Why the removed households left.
    pub removed_why: WhyLeft,
    /// Per district (of the list the household is on), by district code.
    pub districts: Vec<Moved>,
    /// Per rule (that fired for the household on the list it is on), by
    /// rule id; a household counts once for every rule it fired.
    pub rules: Vec<Moved>,
}

fn side(list: &SignalList) -> Side {
    Side {
        eligible: list.counts.eligible,
        listed: list.counts.listed,
    }
}

fn district(h: &ScoredHousehold) -> String {
    h.district_code
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| vroeg_report::UNKNOWN_DISTRICT.into())
}

/// Compares the list before and after a change.
pub fn compare(before: &SignalList, after: &SignalList) -> WhatIf {
    let listed = |l: &SignalList| -> BTreeMap<String, ScoredHousehold> {
        l.listed()
            .map(|(_, h)| (h.household_key.clone(), h.clone()))
            .collect()
    };
    let (b, a) = (listed(before), listed(after));
    let status_after: BTreeMap<&str, Status> = after
        .candidates
        .iter()
        .map(|(h, s)| (h.household_key.as_str(), *s))
        .collect();
    let mut why = WhyLeft::default();
    let mut districts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut rules: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let keys_b: BTreeSet<&String> = b.keys().collect();
    let keys_a: BTreeSet<&String> = a.keys().collect();
    for key in keys_b.difference(&keys_a) {
        let h = &b[*key];
        match status_after.get(key.as_str()) {
            None | Some(Status::NotEligible) => why.below_score += 1,
            Some(Status::NotResident | Status::SuppressedRecentContact) => why.excluded += 1,
            Some(Status::BeyondMaxListed) => why.beyond_capacity += 1,
            Some(Status::Listed(_)) => {}
        }
        districts.entry(district(h)).or_default().1 += 1;
        for r in h.rules.split('|').filter(|r| !r.is_empty()) {
            rules.entry(r.to_string()).or_default().1 += 1;
        }
    }
    for key in keys_a.difference(&keys_b) {
        let h = &a[*key];
        districts.entry(district(h)).or_default().0 += 1;
        for r in h.rules.split('|').filter(|r| !r.is_empty()) {
            rules.entry(r.to_string()).or_default().0 += 1;
        }
    }
    let moved = |m: BTreeMap<String, (u64, u64)>| {
        m.into_iter()
            .map(|(name, (added, removed))| Moved {
                name,
                added,
                removed,
            })
            .collect()
    };
    WhatIf {
        before: side(before),
        after: side(after),
        added: keys_a.difference(&keys_b).count() as u64,
        removed: keys_b.difference(&keys_a).count() as u64,
        removed_why: why,
        districts: moved(districts),
        rules: moved(rules),
    }
}

/// `whatif-districts.csv` and `whatif-rules.csv`: the households added and
/// removed per district and per rule, exact (for analysts).
pub fn csv_files(w: &WhatIf) -> [(&'static str, Vec<u8>); 2] {
    let rows = |moved: &[Moved]| -> Vec<Vec<String>> {
        moved
            .iter()
            .map(|m| vec![m.name.clone(), m.added.to_string(), m.removed.to_string()])
            .collect()
    };
    [
        (
            "whatif-districts.csv",
            crate::backtest_csv::table(
                &["district", "added", "removed"],
                rows(&w.districts).into_iter(),
            ),
        ),
        (
            "whatif-rules.csv",
            crate::backtest_csv::table(&["rule", "added", "removed"], rows(&w.rules).into_iter()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(key: &str, district: Option<&str>, rules: &str) -> ScoredHousehold {
        ScoredHousehold {
            household_key: key.into(),
            score: 5,
            domains: 1,
            rules: rules.into(),
            district_code: district.map(str::to_string),
            in_register: true,
            ..Default::default()
        }
    }

    fn list(rows: Vec<(ScoredHousehold, Status)>, eligible: u64) -> SignalList {
        let mut l = SignalList::default();
        l.counts.listed = rows
            .iter()
            .filter(|(_, s)| matches!(s, Status::Listed(_)))
            .count() as u64;
        l.counts.eligible = eligible;
        l.candidates = rows;
        l
    }

    #[test]
    fn added_removed_and_why_each_left_by_hand() {
        // before: a, b, c, d listed; after: a, e listed, b below the score,
        // c suppressed, d beyond max_listed
        let before = list(
            vec![
                (h("a", Some("D1"), "r1"), Status::Listed(1)),
                (h("b", Some("D1"), "r1|r2"), Status::Listed(2)),
                (h("c", Some("D2"), "r2"), Status::Listed(3)),
                (h("d", None, "r1"), Status::Listed(4)),
                (h("e", Some("D2"), "r3"), Status::NotEligible),
            ],
            4,
        );
        let after = list(
            vec![
                (h("a", Some("D1"), "r1"), Status::Listed(1)),
                (h("e", Some("D2"), "r3|r1"), Status::Listed(2)),
                (h("b", Some("D1"), "r1"), Status::NotEligible),
                (h("c", Some("D2"), "r2"), Status::SuppressedRecentContact),
                (h("d", None, "r1"), Status::BeyondMaxListed),
            ],
            5,
        );
        let w = compare(&before, &after);
        assert_eq!(
            w.before,
            Side {
                eligible: 4,
                listed: 4
            }
        );
        assert_eq!(
            w.after,
            Side {
                eligible: 5,
                listed: 2
            }
        );
        assert_eq!((w.added, w.removed), (1, 3));
        assert_eq!(
            w.removed_why,
            WhyLeft {
                below_score: 1,
                excluded: 1,
                beyond_capacity: 1
            }
        );
        let d: Vec<(&str, u64, u64)> = w
            .districts
            .iter()
            .map(|m| (m.name.as_str(), m.added, m.removed))
            .collect();
        assert_eq!(d, [("(unknown)", 0, 1), ("D1", 0, 1), ("D2", 1, 1)]);
        let r: Vec<(&str, u64, u64)> = w
            .rules
            .iter()
            .map(|m| (m.name.as_str(), m.added, m.removed))
            .collect();
        // removed b (r1, r2), c (r2), d (r1); added e (r3, r1)
        assert_eq!(r, [("r1", 1, 2), ("r2", 0, 2), ("r3", 1, 0)]);
        // a household no rule fires for any more left below the score
        let gone = list(vec![(h("a", Some("D1"), "r1"), Status::Listed(1))], 1);
        let w = compare(&before, &gone);
        assert_eq!(w.removed_why.below_score, 3);
    }
}
