//! `vroeg check`: the plan `vroeg run` would build, built and physically
//! planned against empty tables of the store's schema. Names and the rule
//! language were checked when the pipeline file was loaded; this finds type
//! errors (a `when` that is not true or false, a `sum` of a text), naming
//! the feature or rule and its key.

use crate::ScoringError;
use crate::plan::{Latest, Planner};
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use std::sync::Arc;
use vroeg_contracts::Source;
use vroeg_pipeline::RuleSet;
use vroeg_store::arrow_schema;

/// Plans the rule set on empty tables: each feature on its own (so an
/// error names its key), then the whole list. Returns the first problem.
pub async fn check(rs: &RuleSet) -> Result<(), ScoringError> {
    let ctx = crate::session(&vroeg_pipeline::Engine::default())?;
    for s in Source::ALL {
        ctx.register_table(
            s.name(),
            Arc::new(MemTable::try_new(arrow_schema(s), vec![vec![]])?),
        )?;
    }
    let as_of = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let latest = Latest::new();
    let planner = Planner::new(&ctx, rs, as_of, &latest);
    for f in &rs.features {
        planner
            .feature(f)
            .await?
            .create_physical_plan()
            .await
            .map_err(|e| ScoringError::Rule {
                what: format!("feature `{}`", f.name),
                key: format!("features.{}", f.name),
                message: e.to_string(),
            })?;
    }
    planner.candidates().await?.create_physical_plan().await?;
    Ok(())
}
