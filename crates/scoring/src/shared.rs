//! Features computed once for many lists: a sweep scores the same day
//! under many values of one parameter, and when the parameter is read only
//! by rules or scoring, every value shares the same features. The feature
//! table is then computed once, held in memory, and each value plans only
//! its flags, score and list over it.

use crate::ScoringError;
use crate::latest::latest_snapshots;
use crate::list::{SignalList, signal_list, with_repeat_signals};
use crate::plan::{Latest, Planner};
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use std::sync::Arc;
use vroeg_pipeline::RuleSet;

/// What the features of a rule set compute at a day: every feature with
/// its parameters and dates filled in. Two rule sets with the same key have
/// the same feature table.
pub fn features_key(rs: &RuleSet, as_of: NaiveDate) -> String {
    let bound = |e: &vroeg_pipeline::Expression| {
        e.bind(&rs.params, as_of)
            .map_or_else(|m| format!("error: {m}"), |t| t.to_string())
    };
    rs.features
        .iter()
        .map(|f| {
            format!(
                "{}|{:?}|{:?}|{:?}|{}|{:?}|{}|{}",
                f.name,
                f.source,
                f.snapshot,
                f.window,
                f.filter.as_ref().map(bound).unwrap_or_default(),
                f.per,
                bound(&f.value),
                f.default
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A feature table held in memory, with the key it was computed for.
pub struct SharedFeatures {
    key: String,
    latest: Latest,
    table: Arc<MemTable>,
}

impl SharedFeatures {
    /// Computes the feature table of `rs` at `as_of` once.
    pub async fn compute(
        ctx: &SessionContext,
        rs: &RuleSet,
        as_of: NaiveDate,
    ) -> Result<SharedFeatures, ScoringError> {
        let latest = latest_snapshots(ctx, rs).await?;
        let df = Planner::new(ctx, rs, as_of, &latest)
            .feature_table()
            .await?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        let table = Arc::new(MemTable::try_new(schema, vec![batches])?);
        Ok(SharedFeatures {
            key: features_key(rs, as_of),
            latest,
            table,
        })
    }

    /// Whether `rs` at `as_of` has exactly these features.
    pub fn serves(&self, rs: &RuleSet, as_of: NaiveDate) -> bool {
        self.key == features_key(rs, as_of)
    }

    /// The list of `rs` at `as_of` over the shared features (the caller
    /// checks [`Self::serves`]; scoring with other features is refused).
    pub async fn score(
        &self,
        ctx: &SessionContext,
        rs: &RuleSet,
        as_of: NaiveDate,
    ) -> Result<SignalList, ScoringError> {
        if !self.serves(rs, as_of) {
            return Err(ScoringError::Rule {
                what: "features".into(),
                key: "features".into(),
                message: "these features differ from the shared ones; score them anew".into(),
            });
        }
        let features = ctx.read_table(self.table.clone())?;
        let batches = Planner::new(ctx, rs, as_of, &self.latest)
            .candidates_with(features)
            .await?
            .collect()
            .await?;
        let list = signal_list(rs, &self.latest, &batches, &Default::default())?;
        with_repeat_signals(ctx, rs, &self.latest, &batches, list).await
    }
}
