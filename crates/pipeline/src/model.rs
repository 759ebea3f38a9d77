//! The rule set as the rest of vroeg sees it: parameters, features, rules
//! and scoring, every expression parsed and every number range-checked.

use crate::expr::Expression;
use serde::Serialize;
use std::collections::BTreeMap;
use vroeg_contracts::Source;

/// The variable that rules without a domain may use: how many distinct
/// domains the domain rules fired in.
pub const DOMAINS_FIRED: &str = "domains_fired";

/// A named parameter's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A whole number.
    Int(i64),
    /// A decimal number, kept as its exact text (`75.00` is `75`).
    Decimal(String),
    /// A text.
    Text(String),
    /// A list of texts, for `IN {list}`.
    List(Vec<String>),
}

impl ParamValue {
    /// The value as SQL, for people reading a rule with its values filled in.
    pub fn sql(&self) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        match self {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Decimal(d) => d.clone(),
            ParamValue::Text(t) => quote(t),
            ParamValue::List(l) => format!(
                "({})",
                l.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// Use only each supplier's latest delivery date on or before T.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The supplier column; `None`: one snapshot for the whole source.
    pub supplier: Option<String>,
    /// Stale when the latest date is not in (T - days, T]; 0..=36,500.
    pub max_age_days: Option<i64>,
}

/// Use only rows whose `column` lies in (T - days, T].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The date column.
    pub column: String,
    /// Length in days, 0..=36,500.
    pub days: i64,
}

/// How per-group values combine into one per household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// The largest.
    Max,
    /// The smallest.
    Min,
    /// The total.
    Sum,
    /// How many groups.
    Count,
}

/// A number per household computed from one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feature {
    /// Its name, used in rules.
    pub name: String,
    /// What it means.
    pub description: String,
    /// What it means in Dutch, for the algorithm register (`{param}` not yet
    /// filled in); not part of the rule-set hash.
    #[serde(skip)]
    pub description_nl: Option<String>,
    /// The source it reads.
    pub source: Source,
    /// Current-snapshot selection.
    pub snapshot: Option<Snapshot>,
    /// Date window.
    pub window: Option<Window>,
    /// Row condition over the source's columns.
    pub filter: Option<Expression>,
    /// Per-group computation: the grouping column and how groups combine.
    pub per: Option<(String, Combine)>,
    /// The aggregate over the rows.
    pub value: Expression,
    /// The value for a household without rows: a number as text.
    pub default: String,
}

/// A rule: condition, domain, weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Its id, in the list's `rules` column.
    pub id: String,
    /// What it means.
    pub description: String,
    /// What it means in Dutch, for the algorithm register (`{param}` not yet
    /// filled in); not part of the rule-set hash.
    #[serde(skip)]
    pub description_nl: Option<String>,
    /// Its domain; `None` for rules about other rules.
    pub domain: Option<String>,
    /// Points when it fires.
    pub weight: i64,
    /// The condition over features.
    pub when: Expression,
}

/// Everything that decides the list, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSet {
    /// Named parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Allowed domains, each once.
    pub domains: Vec<String>,
    /// Minimum score to be eligible.
    pub eligible_min_score: i64,
    /// Suppression window for recent outreach, in days (0..=36,500).
    pub suppress_recent_contact_days: i64,
    /// Keep only the first N.
    pub max_listed: Option<u64>,
    /// Repeat signals: the rise of `total_arrears_eur` since the last recent
    /// contact, in cents, that lifts the suppression; `None`: never lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_min_rise_cents: Option<i64>,
    /// The list's total arrears, over features.
    pub total_arrears_eur: Expression,
    /// Features, by name (byte order).
    pub features: Vec<Feature>,
    /// Rules, by id (byte order).
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// A stable hash of the resolved rule set: parameters, numbers and the
    /// parsed form of every expression (not the file's layout or comments).
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).unwrap_or_default();
        hex::encode(Sha256::digest(json.as_bytes()))
    }
}
