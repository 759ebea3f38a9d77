//! `whatif.html` and `sweep.html`: for people, masked like the report.
//! Every count below five is `<5`, the headline totals too (a what-if can
//! add two households); households added per district add up to the added total, and
//! removed per district and why they left to the removed total, so each of
//! those is masked as one partition (`mask_partition`: below five as `<5`,
//! and a second cell hidden where a total would give one away); per rule a
//! household counts once per rule, so each rule's count is masked alone.

use crate::edit::Change;
use crate::{PolicyError, WhatIf};
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;
use vroeg_report::{Shown, mask_partition};

const TEMPLATE: &str = include_str!("../templates/whatif.html");
const STYLE: &str = include_str!("../templates/style.html");

/// The templates of the policy pages, sharing one style sheet.
pub(crate) fn environment() -> Result<Environment<'static>, PolicyError> {
    let mut env = Environment::new();
    env.add_template("style.html", STYLE)?;
    env.add_template("whatif.html", TEMPLATE)?;
    env.add_template("sweep.html", SWEEP_TEMPLATE)?;
    env.add_template("backtest.html", include_str!("../templates/backtest.html"))?;
    Ok(env)
}

/// A row of a masked table.
#[derive(Debug, Clone, Serialize)]
struct Row {
    name: String,
    added: Shown,
    removed: Shown,
}

/// Masks a column that adds up to a total shown on the page.
fn partition(counts: impl Iterator<Item = u64>) -> Vec<Shown> {
    mask_partition(&counts.collect::<Vec<_>>())
}

/// What the page says about the pipeline and the change.
#[derive(Debug, Clone, Serialize)]
pub struct PageIdentity {
    /// The pipeline's name.
    pub pipeline: String,
    /// The as-of date.
    pub as_of: String,
    /// `--set` changes, or empty for a candidate file.
    pub changes: Vec<Change>,
    /// The candidate file, when one was compared.
    pub candidate: Option<String>,
}

/// Renders `whatif.html`.
pub fn render(identity: &PageIdentity, w: &WhatIf) -> Result<String, PolicyError> {
    let d_added = partition(w.districts.iter().map(|m| m.added));
    let d_removed = partition(w.districts.iter().map(|m| m.removed));
    let districts: Vec<Row> = w
        .districts
        .iter()
        .zip(d_added.into_iter().zip(d_removed))
        .map(|(m, (added, removed))| Row {
            name: m.name.clone(),
            added,
            removed,
        })
        .collect();
    let rules: Vec<Row> = w
        .rules
        .iter()
        .map(|m| Row {
            name: m.name.clone(),
            added: Shown::of(m.added),
            removed: Shown::of(m.removed),
        })
        .collect();
    let why = partition(
        [
            w.removed_why.below_score,
            w.removed_why.excluded,
            w.removed_why.beyond_capacity,
        ]
        .into_iter(),
    );
    let shown = |n: u64| Shown::of(n).to_string();
    let totals = context! {
        before_eligible => shown(w.before.eligible),
        before_listed => shown(w.before.listed),
        after_eligible => shown(w.after.eligible),
        after_listed => shown(w.after.listed),
        added => shown(w.added),
        removed => shown(w.removed),
    };
    let env = environment()?;
    Ok(env.get_template("whatif.html")?.render(context! {
        id => Value::from(Serde(identity)),
        t => totals,
        districts => Value::from(Serde(&districts)),
        rules => Value::from(Serde(&rules)),
        why => Value::from(Serde(&why)),
        small => vroeg_report::SMALL,
    })?)
}

const SWEEP_TEMPLATE: &str = include_str!("../templates/sweep.html");

/// A sweep line as the page shows it.
#[derive(Debug, Clone, Serialize)]
struct SweepRow {
    value: String,
    eligible: Shown,
    listed: Shown,
    overlap: Shown,
    by: Vec<Shown>,
}

/// Renders `sweep.html`: the table (per team or district masked as one
/// partition of the listed count, per value) and a chart of the listed
/// count.
pub fn render_sweep(
    pipeline: &str,
    as_of: &str,
    name: &str,
    lines: &[crate::sweep::SweepLine],
) -> Result<String, PolicyError> {
    let columns: Vec<String> = lines
        .iter()
        .flat_map(|l| l.listed_by.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let rows: Vec<SweepRow> = lines
        .iter()
        .map(|l| SweepRow {
            value: l.value.clone(),
            eligible: Shown::of(l.eligible),
            listed: Shown::of(l.listed),
            overlap: Shown::of(l.overlap),
            by: mask_partition(
                &columns
                    .iter()
                    .map(|c| l.listed_by.get(c).copied().unwrap_or(0))
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();
    // counts below five are drawn at 0, like a masked cell
    let points: Vec<(String, u64)> = lines
        .iter()
        .map(|l| (l.value.clone(), Shown::of(l.listed).count().unwrap_or(0)))
        .collect();
    let chart = vroeg_report::line(&format!("Listed households per value of {name}"), &points)
        .map_err(|e| PolicyError::Chart(e.to_string()))?;
    let env = environment()?;
    Ok(env.get_template("sweep.html")?.render(context! {
        pipeline => pipeline,
        as_of => as_of,
        name => name,
        columns => columns,
        rows => Value::from(Serde(&rows)),
        chart => chart,
        small => vroeg_report::SMALL,
    })?)
}
