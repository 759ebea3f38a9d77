//! A rule set as SQL for one as-of date.
//!
//! ```text
//! f_<feature>  one value per household from one source (snapshot / window / where)
//! wide         every feature's rows, one column per feature (UNION ALL)
//! folded       one row per household with a row in any feature
//! feat         + defaults where a household has no rows
//! flags        one 0/1 column rule__<id> per domain rule
//! dom          + domains_fired
//! meta         + rules without a domain (they may use domains_fired)
//! scored       + score, rules_fired, rules (ids joined with |), total_arrears_eur
//! ```

use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;
use vroeg_contracts::Source;
use vroeg_pipeline::{Combine, Feature, Rule, RuleSet};

/// The column of a rule's 0/1 flag.
pub fn flag(rule: &Rule) -> String {
    format!("rule__{}", rule.id)
}

fn date(d: NaiveDate) -> String {
    format!("DATE '{d}'")
}

/// The latest date on or before T of the sources read as one whole
/// snapshot, found before the query (`None`: no rows). With it the query
/// reads only that snapshot's rows, which the Parquet scan can prune by
/// statistics; a source missing here is found by a subquery instead.
pub type Latest = BTreeMap<Source, Option<NaiveDate>>;

/// The rows of a whole-source snapshot dated `latest`, or none.
fn snapshot_rows(src: &str, time: &str, latest: Option<NaiveDate>, stale: bool) -> String {
    match latest {
        Some(d) if !stale => format!("(SELECT * FROM {src} WHERE {time} = {})", date(d)),
        _ => format!("(SELECT * FROM {src} WHERE false)"),
    }
}

/// The query of one feature: `household_key, v`.
pub fn feature(f: &Feature, rs: &RuleSet, as_of: NaiveDate, latest: &Latest) -> String {
    let src = f.source.name();
    let time = f.source.contract().time_column;
    let cutoff =
        |s: &vroeg_pipeline::Snapshot| s.max_age_days.map(|n| as_of - Days::new(n.max(0) as u64));
    let base = match &f.snapshot {
        None => src.to_string(),
        Some(s) if s.supplier.is_none() && latest.contains_key(&f.source) => {
            let l = latest[&f.source];
            let stale = matches!((l, cutoff(s)), (Some(d), Some(c)) if d <= c);
            snapshot_rows(src, time, l, stale)
        }
        Some(s) => {
            let (select, on, group) = match &s.supplier {
                Some(sup) => (
                    format!("{sup} AS _s, max({time}) AS _d"),
                    format!("r.{sup} = c._s AND r.{time} = c._d"),
                    format!(" GROUP BY {sup}"),
                ),
                None => (
                    format!("max({time}) AS _d"),
                    format!("r.{time} = c._d"),
                    String::new(),
                ),
            };
            // Rows not after the staleness cutoff can be in no current
            // snapshot: leaving them out of both sides lets the scan skip them.
            let (rows, stale) = match cutoff(s) {
                Some(c) => (
                    format!("(SELECT * FROM {src} WHERE {time} > {})", date(c)),
                    format!(" WHERE c._d > {}", date(c)),
                ),
                None => (src.to_string(), String::new()),
            };
            format!(
                "(SELECT r.* FROM {rows} r JOIN (SELECT {select} FROM {rows} x{group}) c ON {on}{stale})"
            )
        }
    };
    let mut conds = Vec::new();
    if let Some(w) = &f.window {
        conds.push(format!(
            "{c} > {} AND {c} <= {}",
            date(as_of - Days::new(w.days.max(0) as u64)),
            date(as_of),
            c = w.column
        ));
    }
    if let Some(filter) = &f.filter {
        conds.push(format!("({})", filter.render(&rs.params, as_of)));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let value = f.value.render(&rs.params, as_of);
    match &f.per {
        None => format!(
            "SELECT household_key, {value} AS v FROM {base} b{filter} GROUP BY household_key"
        ),
        Some((per, combine)) => {
            let c = match combine {
                Combine::Max => "max(v)",
                Combine::Min => "min(v)",
                Combine::Sum => "sum(v)",
                Combine::Count => "count(v)",
            };
            format!(
                "SELECT household_key, {c} AS v FROM (SELECT household_key, {per}, {value} AS v FROM {base} b{filter} GROUP BY household_key, {per}) p GROUP BY household_key"
            )
        }
    }
}

fn fires(rule: &Rule, rs: &RuleSet, as_of: NaiveDate) -> String {
    format!(
        "CASE WHEN coalesce(({}), false) THEN 1 ELSE 0 END AS {}",
        rule.when.render(&rs.params, as_of),
        flag(rule)
    )
}

/// The whole scored table: one row per household with any feature row.
pub fn scored(rs: &RuleSet, as_of: NaiveDate, latest: &Latest) -> String {
    let mut ctes: Vec<String> = rs
        .features
        .iter()
        .map(|f| format!("f_{} AS ({})", f.name, feature(f, rs, as_of, latest)))
        .collect();
    // One row per household: every feature's rows side by side (UNION ALL),
    // folded by one grouped aggregate. Unlike a join per feature, the
    // aggregate spills to disk under the memory limit.
    let wide = rs
        .features
        .iter()
        .map(|f| {
            let cols = rs
                .features
                .iter()
                .map(|g| {
                    if g.name == f.name {
                        format!("v AS {}", g.name)
                    } else {
                        format!("NULL AS {}", g.name)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("SELECT household_key, {cols} FROM f_{}", f.name)
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    ctes.push(format!("wide AS ({wide})"));
    let folded = rs
        .features
        .iter()
        .map(|f| format!("max({n}) AS {n}", n = f.name))
        .collect::<Vec<_>>()
        .join(", ");
    ctes.push(format!(
        "folded AS (SELECT household_key, {folded} FROM wide GROUP BY household_key)"
    ));
    let cols = rs
        .features
        .iter()
        .map(|f| format!("coalesce({n}, {d}) AS {n}", n = f.name, d = f.default))
        .collect::<Vec<_>>()
        .join(", ");
    ctes.push(format!(
        "feat AS (SELECT household_key, {cols} FROM folded)"
    ));
    let (domain_rules, meta_rules): (Vec<&Rule>, Vec<&Rule>) =
        rs.rules.iter().partition(|r| r.domain.is_some());
    let with = |rules: &[&Rule]| {
        rules
            .iter()
            .map(|r| format!(", {}", fires(r, rs, as_of)))
            .collect::<String>()
    };
    ctes.push(format!(
        "flags AS (SELECT feat.*{} FROM feat)",
        with(&domain_rules)
    ));
    let per_domain: Vec<String> = rs
        .domains
        .iter()
        .filter_map(|d| {
            let in_domain: Vec<String> = domain_rules
                .iter()
                .filter(|r| r.domain.as_ref() == Some(d))
                .map(|r| flag(r))
                .collect();
            (!in_domain.is_empty())
                .then(|| format!("CASE WHEN {} > 0 THEN 1 ELSE 0 END", in_domain.join(" + ")))
        })
        .collect();
    let domains_fired = if per_domain.is_empty() {
        "0".to_string()
    } else {
        per_domain.join(" + ")
    };
    ctes.push(format!(
        "dom AS (SELECT flags.*, {domains_fired} AS domains_fired FROM flags)"
    ));
    ctes.push(format!(
        "meta AS (SELECT dom.*{} FROM dom)",
        with(&meta_rules)
    ));
    let score = rs
        .rules
        .iter()
        .map(|r| format!("{} * {}", r.weight, flag(r)))
        .collect::<Vec<_>>()
        .join(" + ");
    let fired = rs.rules.iter().map(flag).collect::<Vec<_>>().join(" + ");
    let ids = rs
        .rules
        .iter()
        .map(|r| format!("CASE WHEN {} = 1 THEN '{}' END", flag(r), r.id))
        .collect::<Vec<_>>()
        .join(", ");
    ctes.push(format!(
        "scored AS (SELECT meta.*, {score} AS score, {fired} AS rules_fired, concat_ws('|', {ids}) AS rules, CAST(({}) AS DECIMAL(38, 2)) AS total_arrears_eur FROM meta)",
        rs.total_arrears_eur.render(&rs.params, as_of)
    ));
    format!("WITH {} SELECT * FROM scored", ctes.join(",\n"))
}

/// The ordered candidates: households with any rule fired, with register
/// membership, district and recent contact.
pub fn candidates(rs: &RuleSet, as_of: NaiveDate, latest: &Latest) -> String {
    let suppress = date(as_of - Days::new(rs.suppress_recent_contact_days.max(0) as u64));
    let register = match latest.get(&Source::Households) {
        Some(l) => snapshot_rows("households", "reference_date", *l, false),
        None => "(SELECT r.* FROM households r JOIN (SELECT max(reference_date) AS _d FROM households) l ON r.reference_date = l._d)".to_string(),
    };
    format!(
        "SELECT s.*, reg.district_code, reg.household_key IS NOT NULL AS in_register, c.household_key IS NOT NULL AS recent_contact \
         FROM ({scored}) s \
         LEFT JOIN (SELECT household_key, district_code FROM {register} r) reg ON s.household_key = reg.household_key \
         LEFT JOIN (SELECT DISTINCT household_key FROM outreach_outcomes WHERE closed_date > {suppress}) c ON s.household_key = c.household_key \
         WHERE s.rules_fired > 0 \
         ORDER BY s.score DESC, s.domains_fired DESC, s.total_arrears_eur DESC, s.household_key ASC",
        scored = scored(rs, as_of, latest)
    )
}
