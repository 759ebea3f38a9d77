//! `whatif.html`: the comparison for people, masked like the report. The
//! headline counts are totals (shown as they are, like the report's
//! funnel); households added per district add up to the added total, and
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
    let mut env = Environment::new();
    env.add_template("whatif.html", TEMPLATE)?;
    Ok(env.get_template("whatif.html")?.render(context! {
        id => Value::from(Serde(identity)),
        w => Value::from(Serde(w)),
        districts => Value::from(Serde(&districts)),
        rules => Value::from(Serde(&rules)),
        why => Value::from(Serde(&why)),
        small => vroeg_report::SMALL,
    })?)
}
