//! The rule set of a pipeline: parameters, features, rules and scoring,
//! validated and resolved. The SQL inside is checked against the data by
//! the scoring crate (`vroeg check`), which knows the tables.

use crate::did_you_mean;
use crate::raw::{RawFeature, RawNumber, RawRule, RawScoring};
use chrono::{Days, NaiveDate};
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
    /// The value as SQL.
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

/// SQL with `{param}`, `{as_of}` and `{as_of - param}` placeholders whose
/// names were checked when the file was loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Template(String);

#[derive(Debug, PartialEq, Eq)]
enum Placeholder<'a> {
    Param(&'a str),
    AsOf,
    AsOfMinus(&'a str),
}

fn placeholders(text: &str) -> Result<Vec<(usize, usize, Placeholder<'_>)>, String> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{').map(|i| i + rest) {
        let close = text[open..]
            .find('}')
            .map(|i| i + open)
            .ok_or_else(|| format!("`{{` at character {} is never closed", open + 1))?;
        let inner = text[open + 1..close].trim();
        let p = if inner == "as_of" {
            Placeholder::AsOf
        } else if let Some(n) = inner
            .strip_prefix("as_of")
            .map(str::trim_start)
            .and_then(|s| s.strip_prefix('-'))
        {
            Placeholder::AsOfMinus(n.trim())
        } else {
            Placeholder::Param(inner)
        };
        out.push((open, close + 1, p));
        rest = close + 1;
    }
    Ok(out)
}

impl Template {
    /// Checks that every placeholder names a parameter (of the right kind).
    pub fn new(text: &str, params: &BTreeMap<String, ParamValue>) -> Result<Template, String> {
        let names: Vec<&str> = params.keys().map(String::as_str).collect();
        for (_, _, p) in placeholders(text)? {
            let name = match p {
                Placeholder::AsOf => continue,
                Placeholder::AsOfMinus(n)
                    if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() =>
                {
                    continue;
                }
                Placeholder::AsOfMinus(n) => n,
                Placeholder::Param(n) => n,
            };
            let Some(value) = params.get(name) else {
                return Err(format!(
                    "unknown parameter `{{{name}}}`{}; define it under [params]",
                    did_you_mean(name, &names)
                ));
            };
            if matches!(p, Placeholder::AsOfMinus(_)) && !matches!(value, ParamValue::Int(_)) {
                return Err(format!(
                    "`{{as_of - {name}}}` needs a whole number of days, and `{name}` is not one"
                ));
            }
        }
        Ok(Template(text.to_string()))
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SQL for one as-of date: parameters by their values, `{as_of}` and
    /// `{as_of - n}` as date literals.
    pub fn render(&self, params: &BTreeMap<String, ParamValue>, as_of: NaiveDate) -> String {
        let date = |d: NaiveDate| format!("DATE '{d}'");
        let mut out = String::with_capacity(self.0.len());
        let mut last = 0;
        for (start, end, p) in placeholders(&self.0).expect("checked when loaded") {
            out.push_str(&self.0[last..start]);
            out.push_str(&match p {
                Placeholder::AsOf => date(as_of),
                Placeholder::Param(n) => params[n].sql(),
                Placeholder::AsOfMinus(n) => {
                    let days = match n.parse::<u64>() {
                        Ok(d) => d,
                        Err(_) => match params[n] {
                            ParamValue::Int(d) => d.max(0) as u64,
                            _ => unreachable!("checked when loaded"),
                        },
                    };
                    date(as_of - Days::new(days))
                }
            });
            last = end;
        }
        out.push_str(&self.0[last..]);
        out
    }
}

/// Use only each supplier's latest delivery date on or before T.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The supplier column; `None`: one snapshot for the whole source.
    pub supplier: Option<String>,
    /// Stale when the latest date is not in (T - days, T].
    pub max_age_days: Option<i64>,
}

/// Use only rows whose `column` lies in (T - days, T].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The date column.
    pub column: String,
    /// Length in days.
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
    /// The source it reads.
    pub source: Source,
    /// Current-snapshot selection.
    pub snapshot: Option<Snapshot>,
    /// Date window.
    pub window: Option<Window>,
    /// Row condition.
    pub filter: Option<Template>,
    /// Per-group computation: the grouping column and how groups combine.
    pub per: Option<(String, Combine)>,
    /// The aggregate.
    pub value: Template,
    /// The value for a household without rows, as SQL.
    pub default: String,
}

/// A rule: condition, domain, weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Its id, in the list's `rules` column.
    pub id: String,
    /// What it means.
    pub description: String,
    /// Its domain; `None` for rules about other rules.
    pub domain: Option<String>,
    /// Points when it fires.
    pub weight: i64,
    /// The condition over features.
    pub when: Template,
}

/// Everything that decides the list, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSet {
    /// Named parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Allowed domains.
    pub domains: Vec<String>,
    /// Minimum score to be eligible.
    pub eligible_min_score: i64,
    /// Suppression window for recent outreach, in days.
    pub suppress_recent_contact_days: i64,
    /// Keep only the first N.
    pub max_listed: Option<u64>,
    /// The list's total arrears, over features.
    pub total_arrears_eur: Template,
    /// Features, by name (byte order).
    pub features: Vec<Feature>,
    /// Rules, by id (byte order).
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// A stable hash of the resolved rule set (not of the file's layout).
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).expect("a rule set serialises");
        hex::encode(Sha256::digest(json.as_bytes()))
    }
}

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Names that features may not take: they are columns of the scored table.
const RESERVED: &[&str] = &[
    "household_key",
    DOMAINS_FIRED,
    "score",
    "domains",
    "rules",
    "rules_fired",
    "total_arrears_eur",
];

type Invalid = (String, String);

fn number(n: &RawNumber, key: &str, params: &BTreeMap<String, ParamValue>) -> Result<i64, Invalid> {
    match n {
        RawNumber::Int(i) => Ok(*i),
        RawNumber::Param(p) => {
            let name = p
                .trim()
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim();
            match params.get(name) {
                Some(ParamValue::Int(i)) => Ok(*i),
                Some(_) => Err((key.to_string(), format!("`{name}` must be a whole number"))),
                None => {
                    let names: Vec<&str> = params.keys().map(String::as_str).collect();
                    Err((
                        key.to_string(),
                        format!("unknown parameter `{name}`{}", did_you_mean(name, &names)),
                    ))
                }
            }
        }
    }
}

fn params(raw: &BTreeMap<String, toml::Value>) -> Result<BTreeMap<String, ParamValue>, Invalid> {
    let mut out = BTreeMap::new();
    for (name, v) in raw {
        let key = format!("params.{name}");
        if !is_identifier(name) || name == "as_of" {
            return Err((
                key,
                "parameter names are lowercase letters, digits and `_` (and not `as_of`)".into(),
            ));
        }
        let value = match v {
            toml::Value::Integer(i) => ParamValue::Int(*i),
            toml::Value::Float(f) if f.is_finite() => ParamValue::Decimal(format!("{f}")),
            toml::Value::String(s) => ParamValue::Text(s.clone()),
            toml::Value::Array(items) => ParamValue::List(
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        (key.clone(), "a list parameter holds texts only".to_string())
                    })?,
            ),
            _ => {
                return Err((
                    key,
                    "a parameter is a number, a text or a list of texts".into(),
                ));
            }
        };
        out.insert(name.clone(), value);
    }
    Ok(out)
}

fn column_of(source: Source, column: &str, key: &str) -> Result<String, Invalid> {
    let contract = source.contract();
    if contract.index_of(column).is_some() {
        return Ok(column.to_string());
    }
    let names: Vec<&str> = contract.columns.iter().map(|c| c.name).collect();
    Err((
        key.to_string(),
        format!(
            "`{}` has no column `{column}`{}",
            source.name(),
            did_you_mean(column, &names)
        ),
    ))
}

fn feature(
    name: &str,
    raw: &RawFeature,
    params: &BTreeMap<String, ParamValue>,
) -> Result<Feature, Invalid> {
    let key = format!("features.{name}");
    if !is_identifier(name) || RESERVED.contains(&name) {
        return Err((
            key,
            "feature names are lowercase letters, digits and `_`, and not a reserved column".into(),
        ));
    }
    let source = Source::from_name(&raw.from).ok_or_else(|| {
        let names: Vec<&str> = Source::ALL.iter().map(|s| s.name()).collect();
        (
            format!("{key}.from"),
            format!(
                "no such source `{}`{}",
                raw.from,
                did_you_mean(&raw.from, &names)
            ),
        )
    })?;
    let template =
        |t: &str, sub: &str| Template::new(t, params).map_err(|m| (format!("{key}.{sub}"), m));
    let snapshot = match &raw.current_snapshot {
        None => None,
        Some(s) => Some(Snapshot {
            supplier: match &s.supplier {
                Some(c) => Some(column_of(
                    source,
                    c,
                    &format!("{key}.current_snapshot.supplier"),
                )?),
                None => None,
            },
            max_age_days: match &s.max_age_days {
                Some(n) => Some(number(
                    n,
                    &format!("{key}.current_snapshot.max_age_days"),
                    params,
                )?),
                None => None,
            },
        }),
    };
    let window = match &raw.window {
        None => None,
        Some(w) => Some(Window {
            column: column_of(source, &w.column, &format!("{key}.window.column"))?,
            days: number(&w.days, &format!("{key}.window.days"), params)?,
        }),
    };
    let per = match (&raw.per, &raw.combine) {
        (None, None) => None,
        (Some(p), Some(c)) => {
            let combine = match c.as_str() {
                "max" => Combine::Max,
                "min" => Combine::Min,
                "sum" => Combine::Sum,
                "count" => Combine::Count,
                other => {
                    return Err((
                        format!("{key}.combine"),
                        format!(
                            "`{other}` is not one of max, min, sum, count{}",
                            did_you_mean(other, &["max", "min", "sum", "count"])
                        ),
                    ));
                }
            };
            Some((column_of(source, p, &format!("{key}.per"))?, combine))
        }
        _ => return Err((key, "`per` and `combine` go together".into())),
    };
    let default = match &raw.default {
        None => "0".to_string(),
        Some(toml::Value::Integer(i)) => i.to_string(),
        Some(toml::Value::Float(f)) => format!("{f}"),
        Some(_) => return Err((format!("{key}.default"), "the default is a number".into())),
    };
    Ok(Feature {
        name: name.to_string(),
        description: raw.description.clone(),
        source,
        snapshot,
        window,
        filter: raw
            .filter
            .as_deref()
            .map(|f| template(f, "where"))
            .transpose()?,
        per,
        value: template(&raw.value, "value")?,
        default,
    })
}

fn rule(
    id: &str,
    raw: &RawRule,
    params: &BTreeMap<String, ParamValue>,
    domains: &[String],
) -> Result<Rule, Invalid> {
    let key = format!("rules.{id}");
    if !is_identifier(id) {
        return Err((key, "rule ids are lowercase letters, digits and `_`".into()));
    }
    if let Some(d) = &raw.domain
        && !domains.contains(d)
    {
        let names: Vec<&str> = domains.iter().map(String::as_str).collect();
        return Err((
            format!("{key}.domain"),
            format!(
                "unknown domain `{d}`{}; the domains are {} ([scoring] domains)",
                did_you_mean(d, &names),
                names.join(", ")
            ),
        ));
    }
    Ok(Rule {
        id: id.to_string(),
        description: raw.description.clone(),
        domain: raw.domain.clone(),
        weight: number(&raw.weight, &format!("{key}.weight"), params)?,
        when: Template::new(&raw.when, params).map_err(|m| (format!("{key}.when"), m))?,
    })
}

/// Resolves the rule-set part of a pipeline file; errors are `(key, message)`.
pub(crate) fn resolve(
    raw_params: &BTreeMap<String, toml::Value>,
    scoring: Option<&RawScoring>,
    features: &BTreeMap<String, RawFeature>,
    rules: &BTreeMap<String, RawRule>,
) -> Result<Option<RuleSet>, Invalid> {
    let Some(scoring) = scoring else {
        if !rules.is_empty() || !features.is_empty() {
            return Err((
                "scoring".into(),
                "a pipeline with features or rules needs a [scoring] table".into(),
            ));
        }
        return Ok(None);
    };
    let params = params(raw_params)?;
    for d in &scoring.domains {
        if !is_identifier(d) {
            return Err((
                "scoring.domains".into(),
                format!("`{d}`: domains are lowercase letters, digits and `_`"),
            ));
        }
    }
    let features = features
        .iter()
        .map(|(n, f)| feature(n, f, &params))
        .collect::<Result<Vec<_>, _>>()?;
    let rules = rules
        .iter()
        .map(|(id, r)| rule(id, r, &params, &scoring.domains))
        .collect::<Result<Vec<_>, _>>()?;
    if rules.is_empty() {
        return Err(("rules".into(), "a pipeline needs at least one rule".into()));
    }
    let max_listed = match &scoring.max_listed {
        Some(n) => {
            let v = number(n, "scoring.max_listed", &params)?;
            if v < 0 {
                return Err(("scoring.max_listed".into(), "must be 0 or more".into()));
            }
            Some(v as u64)
        }
        None => None,
    };
    Ok(Some(RuleSet {
        eligible_min_score: number(
            &scoring.eligible_min_score,
            "scoring.eligible_min_score",
            &params,
        )?,
        suppress_recent_contact_days: number(
            &scoring.suppress_recent_contact_days,
            "scoring.suppress_recent_contact_days",
            &params,
        )?,
        max_listed,
        total_arrears_eur: Template::new(&scoring.total_arrears_eur, &params)
            .map_err(|m| ("scoring.total_arrears_eur".to_string(), m))?,
        domains: scoring.domains.clone(),
        params,
        features,
        rules,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BTreeMap<String, ParamValue> {
        let mut p = BTreeMap::new();
        p.insert("days".to_string(), ParamValue::Int(30));
        p.insert("min_eur".to_string(), ParamValue::Decimal("75.5".into()));
        p.insert(
            "kinds".to_string(),
            ParamValue::List(vec!["a".into(), "o'b".into()]),
        );
        p
    }

    #[test]
    fn templates_render_params_and_dates() {
        let t = Template::new("x >= {min_eur} AND k IN {kinds} AND d <= {as_of - days} AND e > {as_of-7} AND f <= {as_of}", &params()).unwrap();
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        assert_eq!(
            t.render(&params(), as_of),
            "x >= 75.5 AND k IN ('a', 'o''b') AND d <= DATE '2026-10-01' AND e > DATE '2026-10-24' AND f <= DATE '2026-10-31'"
        );
    }

    #[test]
    fn unknown_parameters_suggest_the_closest() {
        let e = Template::new("x >= {min_euro}", &params()).unwrap_err();
        assert_eq!(
            e,
            "unknown parameter `{min_euro}` (did you mean `min_eur`?); define it under [params]"
        );
        let e = Template::new("d <= {as_of - min_eur}", &params()).unwrap_err();
        assert!(e.contains("needs a whole number of days"), "{e}");
        assert!(Template::new("x >= {days", &params()).is_err());
    }
}
