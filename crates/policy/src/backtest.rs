//! A backtest: the pipeline replayed at past as-of dates, each on the store
//! as it was known then (no row dated after it), with the outreach outcomes
//! closed after each list joined to it. This module holds the calendar and
//! the tallies; the job does the replaying and hands each date's list to a
//! [`Replay`].
//!
//! Two views of the same lists:
//! - per date: the households listed that day and each one's first outcome
//!   closed after it; the days to that outcome count from the first date of
//!   the household's unbroken run of monthly listings that ends that day;
//! - over the period, per group (rule, score band, domains, district):
//!   each household once, from the first date it was listed in that group,
//!   with its first outcome closed after that date. Households first listed
//!   in the group on a date after which no outcome is known yet are pending:
//!   counted as listed, left out of the shares (unknown, not zero).

use crate::wilson::{Share, wilson};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vroeg_pipeline::FairnessBand;
use vroeg_report::fairness::{DistrictRate, rates};
use vroeg_scoring::SignalList;

pub use vroeg_contracts::sources::NEEDED_HELP;
pub use vroeg_report::UNKNOWN_DISTRICT;

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

/// Every outcome of the store, by household, in closing order.
#[derive(Debug, Default)]
struct Outcomes {
    by_key: BTreeMap<String, Vec<(NaiveDate, String)>>,
    /// The latest closing date of any outcome.
    latest: Option<NaiveDate>,
    /// Only outcomes closed within this many days after a list count.
    follow_up_days: Option<u32>,
}

impl Outcomes {
    fn new(all: &[Outcome], follow_up_days: Option<u32>) -> Outcomes {
        let mut by_key: BTreeMap<String, Vec<(NaiveDate, String)>> = BTreeMap::new();
        for o in all {
            by_key
                .entry(o.household_key.clone())
                .or_default()
                .push((o.closed_date, o.outcome.clone()));
        }
        for v in by_key.values_mut() {
            v.sort();
        }
        Outcomes {
            by_key,
            latest: all.iter().map(|o| o.closed_date).max(),
            follow_up_days,
        }
    }

    /// The last day an outcome of a list of `day` counts (`None`: any day).
    fn until(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.follow_up_days.map(|n| {
            day.checked_add_days(chrono::Days::new(u64::from(n)))
                .unwrap_or(NaiveDate::MAX)
        })
    }

    /// Whether what became of a list of `day` is known: some outcome closed
    /// after it (with a follow-up window: on or after its last day).
    fn known_after(&self, day: NaiveDate) -> bool {
        match self.until(day) {
            None => self.latest.is_some_and(|l| l > day),
            Some(end) => self.latest.is_some_and(|l| l >= end),
        }
    }

    /// The household's first outcome closed after `day` (within the
    /// follow-up window).
    fn first_after(&self, key: &str, day: NaiveDate) -> Option<&(NaiveDate, String)> {
        let end = self.until(day);
        self.by_key
            .get(key)?
            .iter()
            .find(|(d, _)| *d > day)
            .filter(|(d, _)| end.is_none_or(|e| *d <= e))
    }
}

/// A listed household as the tallies group it.
#[derive(Debug, Clone)]
struct Member {
    key: String,
    /// Outcomes count when closed after this day.
    after: NaiveDate,
    /// Days to an outcome count from this day.
    start: NaiveDate,
}

/// The tally of a group of listed households (one date, or the period).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupLine {
    /// The group: a rule id, a score band, a number of domains or a
    /// district code; `all` for every listed household.
    pub group: String,
    /// Listed households.
    pub listed: u64,
    /// Per date: the group's households on the previous date's list; over
    /// the period: summed over the dates. `None` on the first date.
    pub previously_listed: Option<u64>,
    /// Of those, how many are listed again (anywhere).
    pub still_listed: Option<u64>,
    /// Listed households after whose date some outcome is known (the
    /// denominator of the shares).
    pub outcomes_known: u64,
    /// Of those, the households with an outcome closed after their date.
    pub reached: u64,
    /// Their first outcome after the date, by class.
    pub outcomes: BTreeMap<String, u64>,
    /// Of the households with outcomes known, how many needed help, with
    /// its 95% Wilson interval (`None` when no outcome is known yet).
    pub needed_help: Option<Share>,
    /// Median days from first listing to the outcome, over the reached.
    pub median_days_to_outcome: Option<f64>,
}

fn median(mut days: Vec<i64>) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    Some(if n % 2 == 1 {
        days[n / 2] as f64
    } else {
        (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0
    })
}

fn tally(group: &str, members: &[Member], outcomes: &Outcomes) -> GroupLine {
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    let mut days = Vec::new();
    let mut known = 0u64;
    for m in members {
        if !outcomes.known_after(m.after) {
            continue;
        }
        known += 1;
        if let Some((closed, class)) = outcomes.first_after(&m.key, m.after) {
            *classes.entry(class.clone()).or_default() += 1;
            days.push((*closed - m.start).num_days());
        }
    }
    let helped: u64 = NEEDED_HELP
        .iter()
        .map(|c| classes.get(*c).copied().unwrap_or(0))
        .sum();
    GroupLine {
        group: group.to_string(),
        listed: members.len() as u64,
        previously_listed: None,
        still_listed: None,
        outcomes_known: known,
        reached: classes.values().sum(),
        outcomes: classes,
        needed_help: wilson(helped, known),
        median_days_to_outcome: median(days),
    }
}

/// A listed household's groups.
#[derive(Debug, Clone)]
struct Listed {
    key: String,
    rules: Vec<String>,
    band: String,
    domains: String,
    district: String,
}

/// The kinds of group, in the order the page shows them.
pub const GROUPINGS: [&str; 4] = ["rule", "score_band", "domains", "district"];

impl Listed {
    fn groups(&self, grouping: &str) -> Vec<&str> {
        match grouping {
            "rule" => self.rules.iter().map(String::as_str).collect(),
            "score_band" => vec![&self.band],
            "domains" => vec![&self.domains],
            _ => vec![&self.district],
        }
    }
}

/// The score band of a score: three points wide from the eligibility
/// score, the last open (`5-7`, `8-10`, `11+` for an eligibility score
/// of 5).
pub fn score_band(score: i64, eligible_min_score: i64) -> String {
    let m = eligible_min_score;
    if score >= m + 6 {
        format!("{}+", m + 6)
    } else if score >= m + 3 {
        format!("{}-{}", m + 3, m + 5)
    } else if score >= m {
        format!("{}-{}", m, m + 2)
    } else {
        format!("<{m}")
    }
}

/// `1 domain`, `2 domains`, …
fn domains_label(n: i64) -> String {
    if n == 1 {
        "1 domain".into()
    } else {
        format!("{n} domains")
    }
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
    /// Median days from first listing to the outcome, over the reached.
    pub median_days_to_outcome: Option<f64>,
    /// The same per group, by grouping (`rule`, `score_band`, `domains`,
    /// `district`).
    pub groups: BTreeMap<String, Vec<GroupLine>>,
    /// Listed rate per district against its share of the register.
    pub fairness: Vec<DistrictRate>,
}

/// The period's tallies, each household once per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// Every household listed on any date.
    pub all: GroupLine,
    /// By grouping (`rule`, `score_band`, `domains`, `district`).
    pub groups: BTreeMap<String, Vec<GroupLine>>,
}

/// A whole backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Only outcomes closed within this many days after a list counted
    /// (`None`: every outcome after it).
    pub follow_up_days: Option<u32>,
    /// One line per as-of date.
    pub dates: Vec<DateLine>,
    /// Over the whole period.
    pub period: Period,
}

/// Takes each date's list in date order and tallies it.
pub struct Replay {
    outcomes: Outcomes,
    eligible_min_score: i64,
    band: FairnessBand,
    dates: Vec<DateLine>,
    /// The previous date's list.
    previous: Vec<Listed>,
    /// Start of each listed household's unbroken run of listings.
    streak: BTreeMap<String, NaiveDate>,
    /// Per grouping and group: each household's first date in it.
    first: BTreeMap<(&'static str, String), BTreeMap<String, NaiveDate>>,
    /// Per grouping and group: previously listed and still listed, summed.
    stability: BTreeMap<(&'static str, String), (u64, u64)>,
    /// Every household's first date listed.
    first_any: BTreeMap<String, NaiveDate>,
}

impl Replay {
    /// A replay against every outcome in the store, counting those closed
    /// within `follow_up_days` after a list (any, with `None`).
    pub fn new(
        outcomes: &[Outcome],
        eligible_min_score: i64,
        band: FairnessBand,
        follow_up_days: Option<u32>,
    ) -> Replay {
        Replay {
            outcomes: Outcomes::new(outcomes, follow_up_days),
            eligible_min_score,
            band,
            dates: Vec::new(),
            previous: Vec::new(),
            streak: BTreeMap::new(),
            first: BTreeMap::new(),
            stability: BTreeMap::new(),
            first_any: BTreeMap::new(),
        }
    }

    /// Tallies the list of `as_of` (dates must come in order), with the
    /// register's households per district at that date.
    pub fn push(&mut self, as_of: NaiveDate, list: &SignalList, register: &BTreeMap<String, u64>) {
        let listed: Vec<Listed> = list
            .listed()
            .map(|(_, h)| Listed {
                key: h.household_key.clone(),
                rules: h
                    .rules
                    .split('|')
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect(),
                band: score_band(h.score, self.eligible_min_score),
                domains: domains_label(h.domains),
                district: h
                    .district_code
                    .clone()
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| UNKNOWN_DISTRICT.into()),
            })
            .collect();
        let now: BTreeSet<&str> = listed.iter().map(|l| l.key.as_str()).collect();
        let first_date = self.dates.is_empty();
        let was: BTreeSet<&str> = self.previous.iter().map(|l| l.key.as_str()).collect();
        let streak: BTreeMap<String, NaiveDate> = listed
            .iter()
            .map(|l| {
                let start = if was.contains(l.key.as_str()) {
                    self.streak.get(&l.key).copied().unwrap_or(as_of)
                } else {
                    as_of
                };
                (l.key.clone(), start)
            })
            .collect();
        let member = |l: &Listed| Member {
            key: l.key.clone(),
            after: as_of,
            start: streak[&l.key],
        };
        let all: Vec<Member> = listed.iter().map(member).collect();
        let overall = tally("all", &all, &self.outcomes);
        let mut groups = BTreeMap::new();
        for grouping in GROUPINGS {
            let mut members: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
            for l in &listed {
                for g in l.groups(grouping) {
                    members.entry(g).or_default().push(member(l));
                    self.first
                        .entry((grouping, g.to_string()))
                        .or_default()
                        .entry(l.key.clone())
                        .or_insert(as_of);
                }
            }
            let mut previous: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
            for l in &self.previous {
                for g in l.groups(grouping) {
                    let e = previous.entry(g).or_default();
                    e.0 += 1;
                    e.1 += u64::from(now.contains(l.key.as_str()));
                }
            }
            for (g, (p, s)) in &previous {
                let e = self.stability.entry((grouping, g.to_string())).or_default();
                e.0 += p;
                e.1 += s;
            }
            let names: BTreeSet<&str> = members.keys().chain(previous.keys()).copied().collect();
            let lines: Vec<GroupLine> = names
                .into_iter()
                .map(|g| {
                    let mut line = tally(
                        g,
                        members.get(g).map_or(&[][..], Vec::as_slice),
                        &self.outcomes,
                    );
                    if !first_date {
                        let (p, s) = previous.get(g).copied().unwrap_or_default();
                        line.previously_listed = Some(p);
                        line.still_listed = Some(s);
                    }
                    line
                })
                .collect();
            groups.insert(grouping.to_string(), sort_groups(grouping, lines));
        }
        let mut per_district: BTreeMap<String, u64> = BTreeMap::new();
        for l in &listed {
            *per_district.entry(l.district.clone()).or_default() += 1;
            self.first_any.entry(l.key.clone()).or_insert(as_of);
        }
        let known = self.outcomes.known_after(as_of);
        self.dates.push(DateLine {
            as_of: as_of.to_string(),
            eligible: list.counts.eligible,
            listed: list.counts.listed,
            still_listed: (!first_date)
                .then(|| was.iter().filter(|k| now.contains(**k)).count() as u64),
            outcomes_known: known,
            reached: overall.reached,
            outcomes: overall.outcomes,
            needed_help: overall.needed_help,
            median_days_to_outcome: overall.median_days_to_outcome,
            groups,
            fairness: rates(&per_district, register, self.band),
        });
        self.streak = streak;
        self.previous = listed;
    }

    /// The dates and the period's tallies.
    pub fn finish(self) -> Backtest {
        let members = |firsts: &BTreeMap<String, NaiveDate>| -> Vec<Member> {
            firsts
                .iter()
                .map(|(k, d)| Member {
                    key: k.clone(),
                    after: *d,
                    start: *d,
                })
                .collect()
        };
        let mut all = tally("all", &members(&self.first_any), &self.outcomes);
        let (p, s) = self.dates.windows(2).fold((0, 0), |(p, s), w| {
            (p + w[0].listed, s + w[1].still_listed.unwrap_or(0))
        });
        if self.dates.len() > 1 {
            all.previously_listed = Some(p);
            all.still_listed = Some(s);
        }
        let mut groups: BTreeMap<String, Vec<GroupLine>> = BTreeMap::new();
        for ((grouping, g), firsts) in &self.first {
            let mut line = tally(g, &members(firsts), &self.outcomes);
            if self.dates.len() > 1 {
                let (p, s) = self
                    .stability
                    .get(&(*grouping, g.clone()))
                    .copied()
                    .unwrap_or_default();
                line.previously_listed = Some(p);
                line.still_listed = Some(s);
            }
            groups.entry(grouping.to_string()).or_default().push(line);
        }
        let groups = groups
            .into_iter()
            .map(|(k, v)| {
                let sorted = sort_groups(&k, v);
                (k, sorted)
            })
            .collect();
        Backtest {
            follow_up_days: self.outcomes.follow_up_days,
            dates: self.dates,
            period: Period { all, groups },
        }
    }
}

/// Score bands and domains in numeric order, the rest by name.
fn sort_groups(grouping: &str, mut lines: Vec<GroupLine>) -> Vec<GroupLine> {
    if grouping == "score_band" || grouping == "domains" {
        let lead = |g: &str| -> i64 {
            g.trim_start_matches('<')
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(i64::MAX)
        };
        lines.sort_by_key(|l| (lead(&l.group), l.group.clone()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A list of households `(key, score, domains, rules, district)`.
    fn listed(rows: &[(&str, i64, i64, &str, &str)]) -> SignalList {
        let mut l = SignalList::default();
        for (i, (k, score, domains, rules, district)) in rows.iter().enumerate() {
            l.candidates.push((
                vroeg_scoring::ScoredHousehold {
                    household_key: k.to_string(),
                    score: *score,
                    domains: *domains,
                    rules: rules.to_string(),
                    district_code: Some(district.to_string()),
                    in_register: true,
                    ..Default::default()
                },
                vroeg_scoring::Status::Listed(i as u64 + 1),
            ));
        }
        l.counts.listed = rows.len() as u64;
        l.counts.eligible = rows.len() as u64;
        l
    }

    fn simple(keys: &[&str]) -> SignalList {
        listed(
            &keys
                .iter()
                .map(|k| (*k, 5, 1, "r", "D1"))
                .collect::<Vec<_>>(),
        )
    }

    fn o(k: &str, day: &str, outcome: &str) -> Outcome {
        Outcome {
            household_key: k.into(),
            closed_date: d(day),
            outcome: outcome.into(),
        }
    }

    fn no_register() -> BTreeMap<String, u64> {
        BTreeMap::new()
    }

    #[test]
    fn a_line_by_hand() {
        // listed a, b, c, d on 10-31 (a and x on 09-30); outcomes after
        // 10-31: a quick_fix (its first), b no_contact, c before the date
        // (not counted), e not listed
        let outcomes = [
            o("a", "2026-11-20", "followup_financial"),
            o("a", "2026-11-05", "quick_fix"),
            o("b", "2026-11-10", "no_contact"),
            o("c", "2026-10-15", "quick_fix"),
            o("e", "2026-11-01", "quick_fix"),
        ];
        let mut r = Replay::new(&outcomes, 5, FairnessBand::default(), None);
        r.push(d("2026-09-30"), &simple(&["a", "x"]), &no_register());
        r.push(
            d("2026-10-31"),
            &simple(&["a", "b", "c", "d"]),
            &no_register(),
        );
        r.push(d("2026-11-30"), &simple(&["a"]), &no_register());
        let b = r.finish();
        let l = &b.dates[1];
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
        // a: listed since 09-30, outcome 11-05: 36 days; b: 10-31 to 11-10:
        // 10 days; median 23
        assert_eq!(l.median_days_to_outcome, Some(23.0));
        // a month with no outcome after it yet: unknown, not zero
        let l = &b.dates[2];
        assert!(!l.outcomes_known);
        assert_eq!(l.needed_help, None);
        assert_eq!(l.still_listed, Some(1));
        assert_eq!(b.dates[0].still_listed, None);
    }

    #[test]
    fn groups_per_date_and_over_the_period_by_hand() {
        // 09-30: a (score 9, two domains, rules r1|multi, D1), b (score 5,
        // one domain, r1, D2); 10-31: a again, c (score 12, r2|multi, D2)
        let first = listed(&[("a", 9, 2, "multi|r1", "D1"), ("b", 5, 1, "r1", "D2")]);
        let second = listed(&[
            ("c", 12, 3, "multi|r2", "D2"),
            ("a", 9, 2, "multi|r1", "D1"),
        ]);
        let outcomes = [
            // a: first after 09-30 is 10-10 (followup, 10 days); after
            // 10-31 it is 11-15 (no_help_wanted, 46 days from 09-30)
            o("a", "2026-10-10", "followup_financial"),
            o("a", "2026-11-15", "no_help_wanted"),
            // b: before its listing, not counted
            o("b", "2026-09-01", "quick_fix"),
            // c: 11-30, quick fix, 30 days
            o("c", "2026-11-30", "quick_fix"),
        ];
        let register = BTreeMap::from([("D1".to_string(), 100), ("D2".to_string(), 300)]);
        let mut r = Replay::new(&outcomes, 5, FairnessBand::default(), None);
        r.push(d("2026-09-30"), &first, &register);
        r.push(d("2026-10-31"), &second, &register);
        let b = r.finish();

        let rules = &b.dates[1].groups["rule"];
        let row =
            |lines: &[GroupLine], g: &str| lines.iter().find(|l| l.group == g).cloned().unwrap();
        let multi = row(rules, "multi");
        assert_eq!(
            (multi.listed, multi.reached, multi.outcomes_known),
            (2, 2, 2)
        );
        assert_eq!(multi.needed_help.map(|s| (s.k, s.n)), Some((1, 2)));
        assert_eq!(multi.median_days_to_outcome, Some(38.0)); // 46 and 30
        assert_eq!(
            (multi.previously_listed, multi.still_listed),
            (Some(1), Some(1))
        );
        // r1 was a's and b's on 09-30; b left the list
        let r1 = row(rules, "r1");
        assert_eq!(
            (r1.listed, r1.previously_listed, r1.still_listed),
            (1, Some(2), Some(1))
        );
        let bands: Vec<&str> = b.dates[0].groups["score_band"]
            .iter()
            .map(|l| l.group.as_str())
            .collect();
        assert_eq!(bands, ["5-7", "8-10"]);
        let domains: Vec<&str> = b.dates[1].groups["domains"]
            .iter()
            .map(|l| l.group.as_str())
            .collect();
        // 1 domain: b's group, empty now but listed before
        assert_eq!(domains, ["1 domain", "2 domains", "3 domains"]);

        // over the period each household once per group, from its first
        // date in it: multi has a (09-30: followup after 10 days) and c
        // (10-31: quick fix after 30 days): 2 of 2 needed help
        let p = &b.period;
        let multi = row(&p.groups["rule"], "multi");
        assert_eq!((multi.listed, multi.reached), (2, 2));
        assert_eq!(multi.needed_help.map(|s| (s.k, s.n)), Some((2, 2)));
        assert_eq!(multi.median_days_to_outcome, Some(20.0));
        assert_eq!(
            (multi.previously_listed, multi.still_listed),
            (Some(1), Some(1))
        );
        // the single-domain band: b, no outcome after its listing
        let low = row(&p.groups["score_band"], "5-7");
        assert_eq!((low.listed, low.outcomes_known, low.reached), (1, 1, 0));
        assert_eq!(low.needed_help.map(|s| (s.k, s.n)), Some((0, 1)));
        assert_eq!((p.all.listed, p.all.reached), (3, 2));
        assert_eq!(
            (p.all.previously_listed, p.all.still_listed),
            (Some(2), Some(1))
        );

        // fairness per date: 10-31 lists a (D1) and c (D2) of 400: rate
        // 0.005; D1 1/100 = 0.01, ratio 2; D2 1/300, ratio 2/3
        let f = &b.dates[1].fairness;
        assert!((f[0].ratio.unwrap() - 2.0).abs() < 1e-12);
        assert!((f[1].ratio.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_group_first_listed_after_the_last_outcome_is_pending() {
        let outcomes = [o("a", "2026-10-15", "quick_fix")];
        let mut r = Replay::new(&outcomes, 5, FairnessBand::default(), None);
        r.push(d("2026-09-30"), &simple(&["a"]), &no_register());
        r.push(d("2026-10-31"), &simple(&["a", "b"]), &no_register());
        let p = r.finish().period;
        // a is known (outcome after 09-30); b, first listed 10-31, is not
        assert_eq!(
            (p.all.listed, p.all.outcomes_known, p.all.reached),
            (2, 1, 1)
        );
        assert_eq!(p.all.needed_help.map(|s| (s.k, s.n)), Some((1, 1)));
    }

    #[test]
    fn a_follow_up_window_counts_only_outcomes_within_it() {
        // 30 days: a list of 09-30 counts outcomes to 10-30 and is known
        // once the store has one on or after 10-30; 10-31 is not known yet
        let outcomes = [
            o("a", "2026-10-20", "quick_fix"),
            o("b", "2026-11-05", "quick_fix"),
            o("c", "2026-11-29", "no_contact"),
        ];
        let mut r = Replay::new(&outcomes, 5, FairnessBand::default(), Some(30));
        r.push(d("2026-09-30"), &simple(&["a", "b"]), &no_register());
        r.push(d("2026-10-31"), &simple(&["a", "b", "c"]), &no_register());
        let b = r.finish();
        let l = &b.dates[0];
        assert!(l.outcomes_known);
        // b's outcome came 36 days after: not within the window
        assert_eq!(l.reached, 1);
        assert_eq!(l.needed_help.map(|s| (s.k, s.n)), Some((1, 2)));
        // 10-31 + 30 days = 11-30, later than the last outcome (11-29)
        assert!(!b.dates[1].outcomes_known);
        assert_eq!(b.dates[1].needed_help, None);
        // without a window, 10-31 is known and b and c reached
        let mut r = Replay::new(&outcomes, 5, FairnessBand::default(), None);
        r.push(d("2026-10-31"), &simple(&["a", "b", "c"]), &no_register());
        assert_eq!(r.finish().dates[0].reached, 2);
    }

    #[test]
    fn score_bands_from_the_eligibility_score() {
        let bands: Vec<String> = [4, 5, 7, 8, 10, 11, 30]
            .iter()
            .map(|s| score_band(*s, 5))
            .collect();
        assert_eq!(bands, ["<5", "5-7", "5-7", "8-10", "8-10", "11+", "11+"]);
        assert_eq!(median(vec![3, 1, 2]), Some(2.0));
        assert_eq!(median(vec![]), None);
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
