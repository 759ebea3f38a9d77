//! Per rule: households fired and listed. A household fires several rules,
//! so the rows add up to no shown total; each count is masked on its own.

use crate::data::ReportInput;
use crate::mask::Shown;
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_scoring::Status;

/// One rule's hit rate.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    /// The rule id.
    pub id: String,
    /// Its domain, `-` for rules about other rules.
    pub domain: String,
    /// Its weight.
    pub weight: i64,
    /// What it means.
    pub description: String,
    /// Its condition with the parameters filled in.
    pub condition: String,
    /// Households it fired for.
    pub fired: Shown,
    /// Listed households it fired for.
    pub listed: Shown,
}

/// One row per rule of the rule set, in its order.
pub(crate) fn rules(input: &ReportInput<'_>) -> Vec<RuleRow> {
    let rs = input.rules;
    let mut listed_per_rule: BTreeMap<&str, u64> = BTreeMap::new();
    for (h, _) in input
        .list
        .candidates
        .iter()
        .filter(|(_, s)| matches!(s, Status::Listed(_)))
    {
        for r in h.rules.split('|').filter(|r| !r.is_empty()) {
            *listed_per_rule.entry(r).or_default() += 1;
        }
    }
    let as_of = input
        .identity
        .as_of
        .parse()
        .expect("the as-of date is a date");
    rs.rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            domain: r.domain.clone().unwrap_or_else(|| "-".into()),
            weight: r.weight,
            description: r.description.clone(),
            condition: r.when.render(&rs.params, as_of),
            fired: Shown::of(
                input
                    .list
                    .counts
                    .rule_counts
                    .get(&r.id)
                    .copied()
                    .unwrap_or(0),
            ),
            listed: Shown::of(listed_per_rule.get(r.id.as_str()).copied().unwrap_or(0)),
        })
        .collect()
}
