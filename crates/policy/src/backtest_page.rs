//! `backtest.html`: the backtest for people, masked like the report.
//!
//! Every count below five is `<5`. A count and its complement within its
//! row (needed help and not, reached and not, still listed and not) are
//! masked as one partition of the row's shown total, and a share, interval
//! or median is shown only when the counts it is made of are. A household
//! can count in several rules, bands, domains or districts over a period,
//! so those rows add up to no shown total and are masked one by one. Per
//! date, listed per district adds up to the date's listed count: the
//! fairness column of each date is masked as one partition.

use crate::PolicyError;
use crate::backtest::{Backtest, GROUPINGS, GroupLine};
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

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The share and its interval, when its count may be shown.
fn share_text(s: &Option<Share>) -> String {
    match s {
        Some(s) if of(s.k, s.n).count().is_some() => format!(
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

/// A row of a period table.
#[derive(Debug, Serialize)]
struct GroupRow {
    group: String,
    listed: Shown,
    known: Shown,
    reached: Shown,
    needed: Shown,
    share: String,
    days: String,
    stability: String,
}

fn group_row(l: &GroupLine) -> GroupRow {
    let needed = l.needed_help.map_or(Shown::of(0), |s| of(s.k, s.n));
    let stability = match (l.previously_listed, l.still_listed) {
        (Some(p), Some(s)) if p > 0 && of(s, p).count().is_some() => percent(s as f64 / p as f64),
        _ => "\u{2013}".into(),
    };
    GroupRow {
        group: l.group.clone(),
        listed: Shown::of(l.listed),
        known: Shown::of(l.outcomes_known),
        reached: of(l.reached, l.outcomes_known),
        needed,
        share: share_text(&l.needed_help),
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
    let dates: Vec<DateRow> = b
        .dates
        .iter()
        .map(|l| DateRow {
            as_of: l.as_of.clone(),
            eligible: Shown::of(l.eligible),
            listed: Shown::of(l.listed),
            still: l
                .still_listed
                .map_or("\u{2013}".into(), |s| Shown::of(s).to_string()),
            known: l.outcomes_known,
            reached: of(l.reached, l.listed),
            needed: l.needed_help.map_or(Shown::of(0), |s| of(s.k, s.n)),
            share: share_text(&l.needed_help),
            days: days_text(l.median_days_to_outcome, l.reached),
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
                    .filter(|s| of(s.k, s.n).count().is_some())
                    .map(|s| (s.share, s.low, s.high));
                (l.as_of.clone(), point)
            })
            .collect::<Vec<_>>(),
    )
    .map_err(chart_err)?;
    let groups: Vec<GroupTable> = GROUPINGS
        .iter()
        .map(|g| table(*g, b.period.groups.get(*g).map_or(&[][..], Vec::as_slice)))
        .collect();
    let all = &b.period.all;
    let counts: Vec<u64> = all.outcomes.values().copied().collect();
    let outcomes: Vec<(String, Shown)> = all
        .outcomes
        .keys()
        .cloned()
        .zip(mask_partition(&counts))
        .collect();
    let outcomes: Vec<Value> = outcomes
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
            known => Shown::of(all.outcomes_known).to_string(),
            reached => of(all.reached, all.outcomes_known).to_string(),
            needed => all.needed_help.map_or(Shown::of(0), |s| of(s.k, s.n)).to_string(),
            share => share_text(&all.needed_help),
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
