//! From the pipeline file as written to the rule set: names checked,
//! numbers range-checked, every expression parsed against what it may
//! refer to. Errors are `(key, message)`; the caller adds the file.

use crate::did_you_mean;
use crate::expr::{Expression, Scope};
use crate::model::{Combine, DOMAINS_FIRED, Feature, ParamValue, Rule, RuleSet, Snapshot, Window};
use crate::raw::{RawAmount, RawFeature, RawNumber, RawRule, RawScoring};
use crate::template::check_days;
use std::collections::BTreeMap;
use vroeg_contracts::Source;

/// The largest magnitude of a decimal parameter or a feature default:
/// fifteen digits before the point, so every value fits the engine's
/// exact decimals.
pub const MAX_DECIMAL: f64 = 1e15;

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
    "district_code",
    "in_register",
    "recent_contact",
];

type Invalid = (String, String);

/// The parameter a `"{name}"` value refers to, with its name.
fn param<'a>(
    reference: &'a str,
    key: &str,
    params: &'a BTreeMap<String, ParamValue>,
) -> Result<(&'a str, &'a ParamValue), Invalid> {
    let name = reference
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    params.get(name).map(|v| (name, v)).ok_or_else(|| {
        let names: Vec<&str> = params.keys().map(String::as_str).collect();
        (
            key.to_string(),
            format!("unknown parameter `{name}`{}", did_you_mean(name, &names)),
        )
    })
}

fn number(n: &RawNumber, key: &str, params: &BTreeMap<String, ParamValue>) -> Result<i64, Invalid> {
    match n {
        RawNumber::Int(i) => Ok(*i),
        RawNumber::Param(p) => match param(p, key, params)? {
            (_, ParamValue::Int(i)) => Ok(*i),
            (name, _) => Err((key.to_string(), format!("`{name}` must be a whole number"))),
        },
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
            toml::Value::Float(f) if f.is_finite() && f.abs() <= MAX_DECIMAL => {
                ParamValue::Decimal(format!("{f}"))
            }
            toml::Value::Float(f) => {
                return Err((
                    key,
                    format!("{f} is out of range: a decimal parameter lies within ±10^15"),
                ));
            }
            toml::Value::String(s) => ParamValue::Text(s.clone()),
            toml::Value::Array(items) => ParamValue::List(
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| {
                        (
                            key.clone(),
                            "a list parameter holds one or more texts".to_string(),
                        )
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
    if !is_identifier(name) || RESERVED.contains(&name) || name.starts_with("rule__") {
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
    let columns: Vec<&str> = source.contract().columns.iter().map(|c| c.name).collect();
    let names_are = format!("columns of {}", source.name());
    let parse = |t: &str, sub: &str, aggregate: bool| {
        Expression::parse(
            t,
            params,
            Scope {
                names: &columns,
                names_are: &names_are,
                aggregate,
            },
        )
        .map_err(|m| (format!("{key}.{sub}"), m))
    };
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
                Some(n) => Some(days(
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
            days: days(&w.days, &format!("{key}.window.days"), params)?,
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
        Some(toml::Value::Float(f)) if f.is_finite() && f.abs() <= MAX_DECIMAL => format!("{f}"),
        Some(_) => {
            return Err((
                format!("{key}.default"),
                "the default is a number within ±10^15".into(),
            ));
        }
    };
    Ok(Feature {
        name: name.to_string(),
        description: raw.description.clone(),
        description_nl: crate::dutch::checked(raw.description_nl.as_deref(), params)
            .map_err(|m| (format!("{key}.description_nl"), m))?,
        source,
        snapshot,
        window,
        filter: raw
            .filter
            .as_deref()
            .map(|f| parse(f, "where", false))
            .transpose()?,
        per,
        value: parse(&raw.value, "value", true)?,
        default,
    })
}

fn rule(
    id: &str,
    raw: &RawRule,
    params: &BTreeMap<String, ParamValue>,
    domains: &[String],
    features: &[&str],
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
        description_nl: crate::dutch::checked(raw.description_nl.as_deref(), params)
            .map_err(|m| (format!("{key}.description_nl"), m))?,
        domain: raw.domain.clone(),
        weight: number(&raw.weight, &format!("{key}.weight"), params)?,
        when: {
            let mut names = features.to_vec();
            let names_are = if raw.domain.is_none() {
                names.push(DOMAINS_FIRED);
                "features (and domains_fired, in a rule without a domain)"
            } else {
                "features (domains_fired only in a rule without a domain)"
            };
            Expression::parse(
                &raw.when,
                params,
                Scope {
                    names: &names,
                    names_are,
                    aggregate: false,
                },
            )
            .map_err(|m| {
                let m = match m.strip_prefix(&format!("unknown name `{DOMAINS_FIRED}`;")) {
                    Some(_) if raw.domain.is_some() => format!(
                        "only rules without a domain may use {DOMAINS_FIRED}; drop this rule's `domain` or the name"
                    ),
                    _ => m,
                };
                (format!("{key}.when"), m)
            })?
        },
    })
}

/// An amount of euros (a whole or decimal number, or `{param}`) in cents:
/// at least 0.01, at most 2 decimals and 15 digits.
fn amount_cents(
    a: &RawAmount,
    key: &str,
    params: &BTreeMap<String, ParamValue>,
) -> Result<i64, Invalid> {
    let text = match a {
        RawAmount::Int(i) => i.to_string(),
        RawAmount::Decimal(f) => format!("{f}"),
        RawAmount::Param(p) => match param(p, key, params)? {
            (_, ParamValue::Int(i)) => i.to_string(),
            (_, ParamValue::Decimal(d)) => d.clone(),
            (name, _) => {
                return Err((
                    key.to_string(),
                    format!("`{name}` must be a number of euros"),
                ));
            }
        },
    };
    let bad = |why: &str| (key.to_string(), format!("{text}: {why}"));
    if text.starts_with('-') {
        return Err(bad("a rise in euros is 0 or more"));
    }
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 15 {
        return Err(bad(
            "write a number of euros of at most 15 digits, e.g. 50 or 49.50",
        ));
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("euros have at most 2 decimals"));
    }
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    let euros: i64 = whole.parse().map_err(|_| bad("not a number of euros"))?;
    match euros * 100 + cents {
        0 => Err(bad(
            "a rise is at least 0.01 euros: arrears that did not rise are a repeat signal (herhaalde melding), and stay suppressed",
        )),
        total => Ok(total),
    }
}

/// A number of days: a whole number (or `{param}`) within 0..=36,500.
fn days(n: &RawNumber, key: &str, params: &BTreeMap<String, ParamValue>) -> Result<i64, Invalid> {
    let v = number(n, key, params)?;
    check_days(v, "the number of days").map_err(|m| (key.to_string(), m))
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
    for (i, d) in scoring.domains.iter().enumerate() {
        if !is_identifier(d) {
            return Err((
                "scoring.domains".into(),
                format!("`{d}`: domains are lowercase letters, digits and `_`"),
            ));
        }
        if scoring.domains[..i].contains(d) {
            return Err((
                "scoring.domains".into(),
                format!("`{d}` is listed twice; each domain counts once in domains_fired"),
            ));
        }
    }
    let features = features
        .iter()
        .map(|(n, f)| feature(n, f, &params))
        .collect::<Result<Vec<_>, _>>()?;
    if features.is_empty() {
        return Err((
            "features".into(),
            "a pipeline needs at least one feature for its rules to use".into(),
        ));
    }
    let feature_names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
    let rules = rules
        .iter()
        .map(|(id, r)| rule(id, r, &params, &scoring.domains, &feature_names))
        .collect::<Result<Vec<_>, _>>()?;
    if rules.is_empty() {
        return Err(("rules".into(), "a pipeline needs at least one rule".into()));
    }
    scores_fit(&rules)?;
    let max_listed = match &scoring.max_listed {
        Some(n) => {
            let v = number(n, "scoring.max_listed", &params)?;
            Some(u64::try_from(v).map_err(|_| {
                (
                    "scoring.max_listed".to_string(),
                    format!("{v}: the list length is a whole number, 0 or more"),
                )
            })?)
        }
        None => None,
    };
    let repeat_min_rise_cents = scoring
        .repeat_min_rise_eur
        .as_ref()
        .map(|a| amount_cents(a, "scoring.repeat_min_rise_eur", &params))
        .transpose()?;
    Ok(Some(RuleSet {
        repeat_min_rise_cents,
        eligible_min_score: number(
            &scoring.eligible_min_score,
            "scoring.eligible_min_score",
            &params,
        )?,
        suppress_recent_contact_days: days(
            &scoring.suppress_recent_contact_days,
            "scoring.suppress_recent_contact_days",
            &params,
        )?,
        max_listed,
        total_arrears_eur: Expression::parse(
            &scoring.total_arrears_eur,
            &params,
            Scope {
                names: &feature_names,
                names_are: "features",
                aggregate: false,
            },
        )
        .map_err(|m| ("scoring.total_arrears_eur".to_string(), m))?,
        domains: scoring.domains.clone(),
        params,
        features,
        rules,
    }))
}

/// Every score a household can reach fits a 64-bit whole number: the sum
/// of the positive weights and the sum of the negative ones.
fn scores_fit(rules: &[Rule]) -> Result<(), Invalid> {
    let (mut high, mut low) = (0i64, 0i64);
    for r in rules {
        let fits = if r.weight >= 0 {
            high.checked_add(r.weight).map(|h| high = h)
        } else {
            low.checked_add(r.weight).map(|l| low = l)
        };
        if fits.is_none() {
            return Err((
                format!("rules.{}.weight", r.id),
                format!(
                    "{}: with the other weights a score could exceed {}; use smaller weights",
                    r.weight,
                    i64::MAX
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Pipeline, PipelineError};
    use std::path::Path;

    /// A small valid pipeline; `edit` replaces one line of it.
    fn load(edit: &[(&str, &str)]) -> Result<Pipeline, PipelineError> {
        let mut text = r#"
[pipeline]
name = "t"
purpose = "p"
[paths]
inbox = "i"
store = "s"
out = "o"
[sources.rent_arrears]
legal_basis = "Wet A, art. 1"
purposes = ["p"]
retention_days = 30
[sources.benefit_stops]
legal_basis = "Wet B, art. 2"
purposes = ["p"]
retention_days = 30
[sources.households]
legal_basis = "Wet C, art. 3"
purposes = ["p"]
retention_days = 30
[sources.outreach_outcomes]
legal_basis = "Wet D, art. 4"
purposes = ["p"]
retention_days = 30
[outputs]
retention_days = 30
[quarantine]
retention_days = 30
[params]
days = 90
min_eur = 75.00
kinds = ["sanction"]
[scoring]
domains = ["housing", "income"]
eligible_min_score = 5
suppress_recent_contact_days = 180
total_arrears_eur = "rent_eur"
[features.rent_eur]
from = "rent_arrears"
current_snapshot = { supplier = "landlord_code", max_age_days = 45 }
where = "arrears_eur >= {min_eur}"
value = "sum(arrears_eur)"
[features.stops]
from = "benefit_stops"
window = { column = "stop_date", days = "{days}" }
where = "reason IN {kinds}"
value = "count(*)"
[rules.rent]
domain = "housing"
weight = 3
when = "rent_eur > 0"
[rules.stop]
domain = "income"
weight = 2
when = "stops >= 1"
[rules.both]
weight = 4
when = "domains_fired >= 2"
"#
        .to_string();
        for (old, new) in edit {
            assert!(text.contains(old), "{old}");
            text = text.replace(old, new);
        }
        Pipeline::from_toml(&text, Path::new("/p/x.toml"))
    }

    fn refused(edit: &[(&str, &str)]) -> String {
        load(edit).unwrap_err().to_string()
    }

    #[test]
    fn repeat_rise_is_exact_cents_and_range_checked() {
        let rise = |line: &str| {
            load(&[(
                "suppress_recent_contact_days = 180",
                &format!("suppress_recent_contact_days = 180\n{line}"),
            )])
            .map(|p| p.rule_set.unwrap().repeat_min_rise_cents)
        };
        assert_eq!(rise("").unwrap(), None);
        assert_eq!(rise("repeat_min_rise_eur = 50").unwrap(), Some(5000));
        assert_eq!(rise("repeat_min_rise_eur = 49.5").unwrap(), Some(4950));
        assert_eq!(rise("repeat_min_rise_eur = 0.01").unwrap(), Some(1));
        let e = rise("repeat_min_rise_eur = 0").unwrap_err().to_string();
        assert!(
            e.contains("`scoring.repeat_min_rise_eur`: 0: a rise is at least 0.01 euros"),
            "{e}"
        );
        assert_eq!(
            rise("repeat_min_rise_eur = \"{min_eur}\"").unwrap(),
            Some(7500)
        );
        let e = rise("repeat_min_rise_eur = -1").unwrap_err().to_string();
        assert!(
            e.contains("`scoring.repeat_min_rise_eur`: -1: a rise in euros is 0 or more"),
            "{e}"
        );
        let e = rise("repeat_min_rise_eur = 1.005").unwrap_err().to_string();
        assert!(e.contains("at most 2 decimals"), "{e}");
        let e = rise("repeat_min_rise_eur = \"{kinds}\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`kinds` must be a number of euros"), "{e}");
        let e = rise("repeat_min_rise_eur = \"{rise}\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown parameter `rise`"), "{e}");
    }

    #[test]
    fn the_repeat_rise_changes_the_rule_set_hash_only_when_present() {
        let plain = load(&[]).unwrap().rule_set.unwrap();
        let with = load(&[(
            "suppress_recent_contact_days = 180",
            "suppress_recent_contact_days = 180\nrepeat_min_rise_eur = 50",
        )])
        .unwrap()
        .rule_set
        .unwrap();
        assert!(!serde_json::to_string(&plain).unwrap().contains("repeat"));
        assert_ne!(plain.sha256(), with.sha256());
    }

    #[test]
    fn the_small_pipeline_loads() {
        let rs = load(&[]).unwrap().rule_set.unwrap();
        assert_eq!(rs.features.len(), 2);
        assert_eq!(rs.rules.len(), 3);
    }

    #[test]
    fn numbers_are_range_checked_not_clamped() {
        let e = refused(&[("days = 90", "days = -30")]);
        assert!(
            e.contains("`features.stops.window.days`: the number of days is -30; a number of days is 0 to 36500"),
            "{e}"
        );
        let e = refused(&[("max_age_days = 45", "max_age_days = 36501")]);
        assert!(
            e.contains("`features.rent_eur.current_snapshot.max_age_days`"),
            "{e}"
        );
        let e = refused(&[(
            "suppress_recent_contact_days = 180",
            "suppress_recent_contact_days = -1",
        )]);
        assert!(e.contains("`scoring.suppress_recent_contact_days`"), "{e}");
        let e = refused(&[(
            "eligible_min_score = 5",
            "eligible_min_score = 5\nmax_listed = -3",
        )]);
        assert!(
            e.contains("`scoring.max_listed`: -3: the list length is a whole number"),
            "{e}"
        );
        let e = refused(&[("min_eur = 75.00", "min_eur = 1e300")]);
        assert!(e.contains("`params.min_eur`"), "{e}");
        let e = refused(&[("kinds = [\"sanction\"]", "kinds = []")]);
        assert!(
            e.contains("`params.kinds`: a list parameter holds one or more texts"),
            "{e}"
        );
    }

    #[test]
    fn weights_are_bounded_so_that_every_score_fits() {
        let e = refused(&[("weight = 3", "weight = 9223372036854775807")]);
        assert!(e.contains("`rules.") && e.contains(".weight`"), "{e}");
        assert!(
            e.contains("a score could exceed 9223372036854775807"),
            "{e}"
        );
        // With the other weights 2 and 4: 9223372036854775801 + 6 is the
        // largest score that fits; one more does not.
        assert!(load(&[("weight = 3", "weight = 9223372036854775801")]).is_ok());
        assert!(load(&[("weight = 3", "weight = 9223372036854775802")]).is_err());
        assert!(load(&[("weight = 3", "weight = 1000000")]).is_ok());
    }

    #[test]
    fn a_domain_counts_once() {
        let e = refused(&[(
            "domains = [\"housing\", \"income\"]",
            "domains = [\"housing\", \"income\", \"housing\"]",
        )]);
        assert!(
            e.contains("`scoring.domains`: `housing` is listed twice"),
            "{e}"
        );
    }

    #[test]
    fn expressions_are_checked_at_their_key() {
        let e = refused(&[(
            "where = \"arrears_eur >= {min_eur}\"",
            "where = \"true) OR (true\"",
        )]);
        assert!(
            e.contains("`features.rent_eur.where`: cannot be read"),
            "{e}"
        );
        let e = refused(&[(
            "value = \"count(*)\"",
            "value = \"count(*) + (SELECT count(*) FROM households)\"",
        )]);
        assert!(
            e.contains("`features.stops.value`") && e.contains("subqueries"),
            "{e}"
        );
        let e = refused(&[(
            "when = \"rent_eur > 0\"",
            "when = \"rent_eur > 0 AND domains_fired > 0\"",
        )]);
        assert!(
            e.contains("`rules.rent.when`: only rules without a domain may use domains_fired"),
            "{e}"
        );
        let e = refused(&[("when = \"stops >= 1\"", "when = \"stop >= 1\"")]);
        assert!(e.contains("(did you mean `stops`?)"), "{e}");
        let e = refused(&[(
            "total_arrears_eur = \"rent_eur\"",
            "total_arrears_eur = \"sum(rent_eur)\"",
        )]);
        assert!(e.contains("`scoring.total_arrears_eur`"), "{e}");
        let e = refused(&[(
            "where = \"reason IN {kinds}\"",
            "where = \"household_key IN {kinds} OR random() < 0.5\"",
        )]);
        assert!(
            e.contains("function `random` is not part of the rule language"),
            "{e}"
        );
        let e = refused(&[("where = \"reason IN {kinds}\"", "where = \"_delivery > 0\"")]);
        assert!(
            e.contains("unknown name `_delivery`"),
            "internal columns are not the source's: {e}"
        );
    }

    #[test]
    fn the_rule_set_hash_covers_the_parsed_form() {
        let hash = |edit: &[(&str, &str)]| load(edit).unwrap().rule_set.unwrap().sha256();
        let base = hash(&[]);
        assert_eq!(
            base,
            hash(&[("when = \"rent_eur > 0\"", "when = \"rent_eur   >   0\"")])
        );
        assert_ne!(
            base,
            hash(&[("when = \"rent_eur > 0\"", "when = \"rent_eur >= 0\"")])
        );
        assert_ne!(base, hash(&[("min_eur = 75.00", "min_eur = 80.00")]));
    }
}
