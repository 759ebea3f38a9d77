//! `backtest.html`: the backtest for people, masked like the report.
//!
//! Every count below five is `<5`. In a row, needed help is masked with
//! its complement as a partition of the row's total; the reached are shown
//! only when the reached without needing help and the not reached are both
//! five or more, so that no difference of two shown counts is a small one;
//! a share, interval or median is shown only when the counts it is made of
//! are. Over the period, the households first listed after the last
//! recorded outcome (pending) are left out of the group tables and counted
//! once, in the headline. A household counts under several rules, bands
//! and numbers of domains over a period, so those rows add up to no shown
//! total and are masked one by one; district rows do add up to the
//! headline, so the period per district is left to `backtest-district.csv`
//! and districts are shown per date in the fairness table, each date's
//! column masked as one partition of its listed count. Outcome classes add
//! up to needed help (three classes) and to the rest of the reached: two
//! partitions, each with a cell more masked when its total is not shown.

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

/// A count that may not be shown: `<5` or `x`.
fn masked_count(n: u64) -> Shown {
    if n < SMALL {
        Shown::Small
    } else {
        Shown::Hidden
    }
}

/// Masks a row of `total` households of which `reached` had an outcome
/// and `needed` needed help, with `pending` more beside them (the headline
/// only, whose shown total is then `total + pending`). Needed help is
/// masked with its complement as a partition of the total; the reached
/// are shown only when both the reached without needing help and the not
/// reached are five or more, so that neither follows from two shown
/// counts; beside pending households the total is shown only when the
/// pending are five or more.
fn row_counts(total: u64, reached: u64, needed: u64, pending: Option<u64>) -> RowCounts {
    let total_shown = match pending {
        Some(p) if p < SMALL => masked_count(total),
        _ => Shown::of(total),
    };
    let shown = total_shown.count().is_some();
    let reached = if shown
        && reached.saturating_sub(needed) >= SMALL
        && total.saturating_sub(reached) >= SMALL
    {
        Shown::of(reached)
    } else {
        masked_count(reached)
    };
    let needed = of(needed, total);
    RowCounts {
        total: total_shown,
        reached,
        needed,
        share: needed.count().is_some() && shown,
    }
}

/// Masks the cells of a partition whose total may or may not be shown:
/// with it shown, as the report masks a partition; without, at least one
/// cell is masked too, so that the cells do not add up to the hidden total.
fn classes_partition(counts: &[u64], total_shown: bool) -> Vec<Shown> {
    let mut shown = mask_partition(counts);
    if !total_shown
        && shown.iter().all(|s| s.count().is_some())
        && let Some((i, _)) = counts.iter().enumerate().min_by_key(|(i, n)| (**n, *i))
    {
        shown[i] = Shown::Hidden;
    }
    shown
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
        Some(d) if reached >= SMALL => format!("{d}"),
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
    // over the period, the district rows add up to the headline (each
    // household in one district, but for those who moved): that table is
    // left to backtest-district.csv, and districts are shown per date in
    // the fairness table, masked as partitions
    let groups: Vec<GroupTable> = GROUPINGS
        .iter()
        .filter(|g| **g != "district")
        .map(|g| table(g, b.period.groups.get(*g).map_or(&[][..], Vec::as_slice)))
        .collect();
    let all = &b.period.all;
    let all_needed = all.needed_help.map_or(0, |s| s.k);
    let pending = all.listed - all.outcomes_known;
    let headline = row_counts(all.outcomes_known, all.reached, all_needed, Some(pending));
    // the classes of help add up to the headline's needed help, the others
    // to its reached minus needed help
    let mask_classes = |needed: bool| {
        let names: Vec<&String> = all
            .outcomes
            .keys()
            .filter(|c| NEEDED_HELP.contains(&c.as_str()) == needed)
            .collect();
        let total_shown = if needed {
            headline.needed.count().is_some()
        } else {
            headline.needed.count().is_some() && headline.reached.count().is_some()
        };
        let shown = classes_partition(
            &names.iter().map(|c| all.outcomes[*c]).collect::<Vec<_>>(),
            total_shown,
        );
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
        // reached 20 of 40, 3 of them without needing help: reached hidden,
        // needed help (17) shown with its share
        let c = row_counts(40, 20, 17, None);
        assert_eq!((c.reached, c.needed), (Shown::Hidden, Shown::Count(17)));
        assert!(c.share);
    }

    #[test]
    fn a_partition_whose_total_is_hidden_keeps_a_cell_masked() {
        assert_eq!(
            classes_partition(&[21, 7, 6], false),
            [Shown::Count(21), Shown::Count(7), Shown::Hidden]
        );
        assert_eq!(
            classes_partition(&[21, 7, 6], true),
            [Shown::Count(21), Shown::Count(7), Shown::Count(6)]
        );
        assert_eq!(
            classes_partition(&[21, 7, 4], true),
            [Shown::Count(21), Shown::Hidden, Shown::Small]
        );
    }
}
