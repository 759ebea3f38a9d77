//! `backtest.html`: the backtest for people, masked like the report.
//!
//! Every count below five is `<5`. A row's households fall into leaves
//! (needed help, reached without needing help, not reached) that add up to
//! its shown total, so they are masked as one partition of it; a count made
//! of several leaves (reached: the first two) is shown only when each of
//! its leaves is, so that no difference of two shown counts is a masked
//! one; a share, interval or median is shown only when the counts it is
//! made of are. Over the period, the households first listed after the
//! last recorded outcome (pending) are left out of the group tables and
//! counted once, in the headline. Outcome classes add up to needed help
//! (three classes) and to the rest of the reached: two partitions. A household
//! can count in several rules, bands, domains or districts over a period,
//! so those rows add up to no shown total and are masked one by one. Per
//! date, listed per district adds up to the date's listed count: the
//! fairness column of each date is masked as one partition.

use crate::PolicyError;
use crate::backtest::{Backtest, GROUPINGS, GroupLine, NEEDED_HELP};
use crate::page::environment;
use crate::wilson::Share;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vroeg_pipeline::FairnessBand;
use vroeg_report::fairness::{Flag, masked};
use vroeg_report::{SMALL, Shown, mask_partition};

/// `k` of `n`, masked with its complement as one partition of `n`.
fn of(k: u64, n: u64) -> Shown {
    mask_partition(&[k, n.saturating_sub(k)])[0]
}

/// A row's counts as people see them.
#[derive(Debug, Clone, Copy)]
struct RowCounts {
    /// The households of the leaves (with pending households beside them, a
    /// sum of leaves).
    total: Shown,
    reached: Shown,
    needed: Shown,
    /// Whether the needed-help share may be shown.
    share: bool,
}

/// Masks a row of `total` households of which `reached` had an outcome
/// and `needed` needed help, with `pending` more beside them (the headline
/// only): the leaves as one partition, sums only of shown leaves.
fn row_counts(total: u64, reached: u64, needed: u64, pending: Option<u64>) -> RowCounts {
    let mut leaves = vec![
        needed,
        reached.saturating_sub(needed),
        total.saturating_sub(reached),
    ];
    leaves.extend(pending);
    let shown = mask_partition(&leaves);
    let sum = |n: usize, value: u64| {
        if shown[..n].iter().all(|s| s.count().is_some()) {
            Shown::of(value)
        } else if value < SMALL {
            Shown::Small
        } else {
            Shown::Hidden
        }
    };
    // the total of the leaves is shown as a partition's total is; beside
    // pending households it is a sum like the others
    let total = if pending.is_some() {
        sum(3, total)
    } else {
        Shown::of(total)
    };
    RowCounts {
        total,
        reached: sum(2, reached),
        needed: shown[0],
        share: shown[0].count().is_some() && total.count().is_some(),
    }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The share and its interval, when its counts may be shown.
fn share_text(s: &Option<Share>, shown: bool) -> String {
    match s {
        Some(s) if shown => format!(
            "{} ({}\u{2013}{})",
            percent(s.share),
            percent(s.low),
            percent(s.high)
        ),
        _ => "\u{2013}".into(),
    }
}

fn days_text(median: Option<f64>, reached: u64) -> String {
    match median {
        Some(d) if reached >= SMALL => format!("{d:.0}"),
        _ => "\u{2013}".into(),
    }
}

/// A row of a period table: the households whose outcome can be known.
#[derive(Debug, Serialize)]
struct GroupRow {
    group: String,
    known: Shown,
    reached: Shown,
    needed: Shown,
    share: String,
    days: String,
    stability: String,
}

fn group_row(l: &GroupLine) -> GroupRow {
    let needed = l.needed_help.map_or(0, |s| s.k);
    let c = row_counts(l.outcomes_known, l.reached, needed, None);
    let stability = match (l.previously_listed, l.still_listed) {
        (Some(p), Some(s)) if p > 0 && of(s, p).count().is_some() => percent(s as f64 / p as f64),
        _ => "\u{2013}".into(),
    };
    GroupRow {
        group: l.group.clone(),
        known: c.total,
        reached: c.reached,
        needed: c.needed,
        share: share_text(&l.needed_help, c.share),
        days: days_text(l.median_days_to_outcome, l.reached),
        stability,
    }
}

/// A period table.
#[derive(Debug, Serialize)]
struct GroupTable {
    id: &'static str,
    title: &'static str,
    head: &'static str,
    note: &'static str,
    rows: Vec<GroupRow>,
}

fn table(grouping: &'static str, lines: &[GroupLine]) -> GroupTable {
    let (title, head, note) = match grouping {
        "rule" => (
            "rule",
            "Rule",
            "Households with the rule fired; a household fires several rules, so it counts under each.",
        ),
        "score_band" => (
            "score band",
            "Score",
            "Bands of three points from the eligibility score; households with signals in several domains score higher.",
        ),
        "domains" => (
            "number of domains",
            "Domains fired",
            "Distinct domains of the rules that fired: one small signal says little, several from several domains say more.",
        ),
        _ => (
            "district",
            "District",
            "A household that moved counts in each district it was listed in.",
        ),
    };
    GroupTable {
        id: grouping,
        title,
        head,
        note,
        rows: lines.iter().map(group_row).collect(),
    }
}

/// A row of the dates table.
#[derive(Debug, Serialize)]
struct DateRow {
    as_of: String,
    eligible: Shown,
    listed: Shown,
    still: String,
    known: bool,
    reached: Shown,
    needed: Shown,
    share: String,
    days: String,
}

/// A cell of the fairness matrix.
#[derive(Debug, Serialize)]
struct Cell {
    text: String,
    flagged: bool,
}

/// One district's row of the fairness matrix.
#[derive(Debug, Serialize)]
struct FairnessLine {
    district: String,
    cells: Vec<Cell>,
}

fn arrow(f: Flag) -> &'static str {
    match f {
        Flag::Below => " \u{25BC}",
        Flag::Above => " \u{25B2}",
        _ => "",
    }
}

fn fairness(b: &Backtest, band: FairnessBand) -> Vec<FairnessLine> {
    let districts: BTreeSet<&str> = b
        .dates
        .iter()
        .flat_map(|d| d.fairness.iter().map(|r| r.district.as_str()))
        .collect();
    let mut cells: BTreeMap<&str, Vec<Cell>> = districts.iter().map(|d| (*d, Vec::new())).collect();
    for d in &b.dates {
        let shown = mask_partition(&d.fairness.iter().map(|r| r.listed).collect::<Vec<_>>());
        let listed: BTreeMap<String, Shown> = d
            .fairness
            .iter()
            .zip(shown)
            .map(|(r, s)| (r.district.clone(), s))
            .collect();
        let table = masked(&d.fairness, &listed, band);
        for district in &districts {
            let cell = match table.rows.iter().find(|r| r.district == *district) {
                Some(r) => Cell {
                    text: match r.ratio {
                        Some(x) => format!("{x:.2}{}", arrow(r.flag)),
                        None => format!("{}{}", r.listed, arrow(r.flag)),
                    },
                    flagged: matches!(r.flag, Flag::Below | Flag::Above),
                },
                None => Cell {
                    text: "\u{2013}".into(),
                    flagged: false,
                },
            };
            if let Some(v) = cells.get_mut(district) {
                v.push(cell);
            }
        }
    }
    cells
        .into_iter()
        .map(|(d, cells)| FairnessLine {
            district: d.to_string(),
            cells,
        })
        .collect()
}

/// Renders `backtest.html`.
pub fn render_backtest(
    pipeline: &str,
    from: &str,
    to: &str,
    band: FairnessBand,
    b: &Backtest,
) -> Result<String, PolicyError> {
    let date_counts = |l: &crate::backtest::DateLine| {
        row_counts(l.listed, l.reached, l.needed_help.map_or(0, |s| s.k), None)
    };
    let dates: Vec<DateRow> = b
        .dates
        .iter()
        .map(|l| {
            let c = date_counts(l);
            DateRow {
                as_of: l.as_of.clone(),
                eligible: Shown::of(l.eligible),
                listed: Shown::of(l.listed),
                still: l
                    .still_listed
                    .map_or("\u{2013}".into(), |s| Shown::of(s).to_string()),
                known: l.outcomes_known,
                reached: c.reached,
                needed: c.needed,
                share: share_text(&l.needed_help, c.share),
                days: days_text(l.median_days_to_outcome, l.reached),
            }
        })
        .collect();
    let chart_err = |e: vroeg_report::ReportError| PolicyError::Chart(e.to_string());
    let listed_chart = vroeg_report::line(
        "Listed households per as-of date",
        &b.dates
            .iter()
            .map(|l| (l.as_of.clone(), Shown::of(l.listed).count().unwrap_or(0)))
            .collect::<Vec<_>>(),
    )
    .map_err(chart_err)?;
    let share_chart = vroeg_report::shares(
        "Share of the listed who needed help, with 95% interval",
        &b.dates
            .iter()
            .map(|l| {
                let point = l
                    .needed_help
                    .filter(|_| date_counts(l).share)
                    .map(|s| (s.share, s.low, s.high));
                (l.as_of.clone(), point)
            })
            .collect::<Vec<_>>(),
    )
    .map_err(chart_err)?;
    let groups: Vec<GroupTable> = GROUPINGS
        .iter()
        .map(|g| table(g, b.period.groups.get(*g).map_or(&[][..], Vec::as_slice)))
        .collect();
    let all = &b.period.all;
    let all_needed = all.needed_help.map_or(0, |s| s.k);
    let pending = all.listed - all.outcomes_known;
    let headline = row_counts(all.outcomes_known, all.reached, all_needed, Some(pending));
    let mask_classes = |needed: bool| {
        let names: Vec<&String> = all
            .outcomes
            .keys()
            .filter(|c| NEEDED_HELP.contains(&c.as_str()) == needed)
            .collect();
        let shown = mask_partition(&names.iter().map(|c| all.outcomes[*c]).collect::<Vec<_>>());
        names.into_iter().cloned().zip(shown).collect::<Vec<_>>()
    };
    let mut classes = mask_classes(true);
    classes.extend(mask_classes(false));
    classes.sort_by(|a, b| a.0.cmp(&b.0));
    let outcomes: Vec<Value> = classes
        .into_iter()
        .map(|(name, count)| context! { name => name, count => Value::from(Serde(count)) })
        .collect();
    let fairness_rows = fairness(b, band);
    let env = environment()?;
    Ok(env.get_template("backtest.html")?.render(context! {
        pipeline => pipeline,
        from => from,
        to => to,
        small => SMALL,
        all => context! {
            listed => Shown::of(all.listed).to_string(),
            known => headline.total.to_string(),
            reached => headline.reached.to_string(),
            needed => headline.needed.to_string(),
            share => share_text(&all.needed_help, headline.share),
        },
        dates => Value::from(Serde(&dates)),
        charts => context! { listed => listed_chart, share => share_chart },
        groups => Value::from(Serde(&groups)),
        outcomes => outcomes,
        band_low => band.low,
        band_high => band.high,
        fairness => context! {
            dates => b.dates.iter().map(|d| d.as_of.clone()).collect::<Vec<_>>(),
            districts => Value::from(Serde(&fairness_rows)),
        },
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_difference_of_shown_counts_is_a_small_one() {
        // 30 listed, 21 reached, 18 needed help: 3 reached without needing
        // help, so reached is hidden (21 - 18 would give it away)
        let c = row_counts(30, 21, 18, None);
        assert_eq!(
            (c.total, c.reached, c.needed),
            (Shown::Count(30), Shown::Hidden, Shown::Count(18))
        );
        assert!(c.share);
        // every leaf five or more: all shown
        let c = row_counts(132, 44, 32, Some(9));
        assert_eq!(
            (c.total, c.reached, c.needed),
            (Shown::Count(132), Shown::Count(44), Shown::Count(32))
        );
        // two pending households: the households whose outcome can be
        // known (listed - 2) and the reached are hidden
        let c = row_counts(132, 44, 32, Some(2));
        assert_eq!(
            (c.total, c.reached, c.needed),
            (Shown::Hidden, Shown::Hidden, Shown::Count(32))
        );
        assert!(!c.share);
        // three needed help: masked, no share
        let c = row_counts(40, 20, 3, None);
        assert_eq!(c.needed, Shown::Small);
        assert!(!c.share);
        assert_eq!(
            share_text(&crate::wilson::wilson(3, 40), c.share),
            "\u{2013}"
        );
    }
}
