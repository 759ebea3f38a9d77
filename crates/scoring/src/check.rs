//! `vroeg check`: every feature and rule planned against the store's table
//! schemas, so a typo or a type error is reported before any run, naming the
//! feature or rule and suggesting the closest valid name.

use crate::{ScoringError, sql};
use chrono::NaiveDate;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use std::sync::Arc;
use vroeg_contracts::Source;
use vroeg_pipeline::rules::DOMAINS_FIRED;
use vroeg_pipeline::{RuleSet, did_you_mean};
use vroeg_store::arrow_schema;

fn explain_error(e: &datafusion::error::DataFusionError, names: &[&str]) -> String {
    let text = e.to_string();
    if let Some(rest) = text.split("No field named ").nth(1) {
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ',')
            .collect::<String>()
            .trim_end_matches('.')
            .trim_matches('"')
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .trim_matches('"')
            .to_string();
        return format!(
            "unknown name `{name}`{}; the names here are {}",
            did_you_mean(&name, names),
            names.join(", ")
        );
    }
    text
}

async fn plan_type(
    ctx: &SessionContext,
    query: &str,
) -> Result<DataType, datafusion::error::DataFusionError> {
    let df = ctx.sql(query).await?;
    Ok(df
        .schema()
        .field(df.schema().fields().len() - 1)
        .data_type()
        .clone())
}

fn numeric(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Decimal128(..))
}

/// Plans every feature and rule of the rule set against empty tables of the
/// store's schema. Returns the first problem, with its pipeline-file key.
pub async fn check(rs: &RuleSet) -> Result<(), ScoringError> {
    let ctx = crate::session(&vroeg_pipeline::Engine::default())?;
    for s in Source::ALL {
        ctx.register_table(
            s.name(),
            Arc::new(MemTable::try_new(arrow_schema(s), vec![vec![]])?),
        )?;
    }
    let as_of = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    if rs.features.is_empty() {
        return Err(ScoringError::Rule {
            what: "features".into(),
            key: "features".into(),
            message: "a pipeline needs at least one feature for its rules to use".into(),
        });
    }
    let mut fields = vec![Field::new("household_key", DataType::Utf8, false)];
    for f in &rs.features {
        let columns: Vec<&str> = f.source.contract().columns.iter().map(|c| c.name).collect();
        let err = |message: String| ScoringError::Rule {
            what: format!("feature `{}`", f.name),
            key: format!("features.{}", f.name),
            message,
        };
        let t = plan_type(&ctx, &sql::feature(f, rs, as_of, &sql::Latest::new()))
            .await
            .map_err(|e| err(explain_error(&e, &columns)))?;
        if !numeric(&t) {
            return Err(err(format!(
                "`value` must give a number, and `{}` gives {t}",
                f.value.as_str()
            )));
        }
        fields.push(Field::new(&f.name, t, true));
    }
    let feature_names: Vec<&str> = rs.features.iter().map(|f| f.name.as_str()).collect();
    let plain = Arc::new(Schema::new(fields.clone()));
    fields.push(Field::new(DOMAINS_FIRED, DataType::Int64, false));
    let with_domains = Arc::new(Schema::new(fields));
    ctx.register_table(
        "feat_plain",
        Arc::new(MemTable::try_new(plain, vec![vec![]])?),
    )?;
    ctx.register_table(
        "feat_meta",
        Arc::new(MemTable::try_new(with_domains, vec![vec![]])?),
    )?;
    for r in &rs.rules {
        let (table, mut names) = if r.domain.is_some() {
            ("feat_plain", feature_names.clone())
        } else {
            ("feat_meta", feature_names.clone())
        };
        if r.domain.is_none() {
            names.push(DOMAINS_FIRED);
        }
        let err = |message: String| ScoringError::Rule {
            what: format!("rule `{}`", r.id),
            key: format!("rules.{}.when", r.id),
            message,
        };
        let query = format!(
            "SELECT ({}) AS w FROM {table}",
            r.when.render(&rs.params, as_of)
        );
        let t = plan_type(&ctx, &query).await.map_err(|e| {
            let mut m = explain_error(&e, &names);
            if r.domain.is_some() && m.contains(&format!("`{DOMAINS_FIRED}`")) {
                m.push_str("; only rules without a domain may use domains_fired");
            }
            err(m)
        })?;
        if t != DataType::Boolean {
            return Err(err(format!(
                "`when` must be true or false, and it gives {t}"
            )));
        }
    }
    let query = format!(
        "SELECT ({}) AS t FROM feat_plain",
        rs.total_arrears_eur.render(&rs.params, as_of)
    );
    let t = plan_type(&ctx, &query)
        .await
        .map_err(|e| ScoringError::Rule {
            what: "total_arrears_eur".into(),
            key: "scoring.total_arrears_eur".into(),
            message: explain_error(&e, &feature_names),
        })?;
    if !numeric(&t) {
        return Err(ScoringError::Rule {
            what: "total_arrears_eur".into(),
            key: "scoring.total_arrears_eur".into(),
            message: format!("must give a number, and gives {t}"),
        });
    }
    ctx.sql(&sql::candidates(rs, as_of, &sql::Latest::new()))
        .await?;
    Ok(())
}
