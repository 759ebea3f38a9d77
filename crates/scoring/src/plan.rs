//! A rule set as one DataFusion plan for one as-of date, built from
//! logical expressions: the pipeline file's parsed expressions bound to
//! their values and planned against the schema they may see, and our own
//! scaffolding around them. No SQL text is assembled. `vroeg check`, `run`
//! and `explain` all build their plan here, so what is checked is what runs.
//!
//! ```text
//! feature    one value v per household from one source (snapshot / window / where)
//! wide       the signal features' rows, one column per feature (UNION ALL)
//! folded     one row per household with a signal (one grouped max), full
//!            join the register's features: one row per household with a
//!            row in any feature
//! feat       + defaults where a household has no rows
//! flags      one 0/1 column rule__<id> per domain rule
//! dom        + domains_fired
//! meta       + rules without a domain (they may use domains_fired)
//! scored     + score, rules_fired, rules (ids joined with |), total_arrears_eur
//! candidates + district, in_register, recent_contact, last_contact; rules_fired > 0; ordered
//! ```

use crate::ScoringError;
use chrono::NaiveDate;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::execution::SessionState;
use datafusion::functions_aggregate::expr_fn::{count, max, min, sum};
use datafusion::logical_expr::{ExprSchemable, LogicalPlanBuilder, cast, when};
use datafusion::prelude::{
    DataFrame, Expr, JoinType, SessionContext, coalesce, col, concat_ws, lit,
};
use datafusion::sql::sqlparser::ast::{ExprWithAlias, Value};
use std::collections::BTreeMap;
use vroeg_contracts::Source;
use vroeg_contracts::file::Role;
use vroeg_pipeline::template::days_before;
use vroeg_pipeline::{Combine, Expression, Feature, Rule, RuleSet};

/// The household key of the register's side of the feature join.
const REGISTER_KEY: &str = "_register_key";

/// Features side by side, one row per household with a row in any of
/// them, no defaults (`None` for no features). Several are stacked (UNION
/// ALL, one column each) and folded by one grouped aggregate: unlike a
/// join per feature, it spills under the memory limit. One feature already
/// has one row per household.
fn fold(parts: Vec<(&Feature, DataFrame)>) -> Result<Option<DataFrame>, ScoringError> {
    if let [(f, df)] = parts.as_slice() {
        let one = df
            .clone()
            .select(vec![col(KEY).alias(KEY), col("v").alias(f.name.as_str())])?;
        return Ok(Some(one));
    }
    let mut nulls = Vec::with_capacity(parts.len());
    for (_, df) in &parts {
        let t = df.schema().field_with_unqualified_name("v")?.data_type();
        nulls.push(lit(ScalarValue::try_from(t)?));
    }
    let mut wide: Option<DataFrame> = None;
    for (i, (_, df)) in parts.iter().enumerate() {
        let mut columns = vec![col(KEY)];
        for (j, ((g, _), null)) in parts.iter().zip(&nulls).enumerate() {
            let c = if i == j { col("v") } else { null.clone() };
            columns.push(c.alias(g.name.as_str()));
        }
        let side = df.clone().select(columns)?;
        wide = Some(match wide {
            None => side,
            Some(w) => w.union(side)?,
        });
    }
    let Some(wide) = wide else {
        return Ok(None);
    };
    let folded = wide.aggregate(
        vec![col(KEY)],
        parts
            .iter()
            .map(|(f, _)| max(col(f.name.as_str())).alias(f.name.as_str()))
            .collect(),
    )?;
    Ok(Some(folded))
}

/// The column of a rule's 0/1 flag.
pub fn flag(rule: &Rule) -> String {
    format!("rule__{}", rule.id)
}

/// The latest date on or before T of the sources read as one whole
/// snapshot, found before planning (`None`: no rows). With it the plan
/// reads only that snapshot's rows, which the Parquet scan can prune by
/// statistics; a source missing here is found by a join with its maximum.
pub type Latest = BTreeMap<Source, Option<NaiveDate>>;

const KEY: &str = "household_key";

pub(crate) fn date(d: NaiveDate) -> Expr {
    lit(ScalarValue::Date32(Some(
        (d - NaiveDate::default()).num_days() as i32,
    )))
}

fn numeric(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Decimal128(..))
}

/// The planner's message without DataFusion's prefixes.
fn message(e: &datafusion::error::DataFusionError) -> String {
    let text = e.to_string();
    let text = text
        .trim_start_matches("Error during planning: ")
        .trim_start_matches("Schema error: ");
    text.lines().next().unwrap_or_default().to_string()
}

/// What an expression of the pipeline file must give.
#[derive(Clone, Copy)]
enum Gives {
    Boolean,
    Number,
}

/// Every column of `df`, to select them again beside new ones.
fn all_columns(df: &DataFrame) -> Vec<Expr> {
    df.schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect()
}

/// Plans one rule set at one as-of date in one session.
pub struct Planner<'a> {
    ctx: &'a SessionContext,
    state: SessionState,
    rs: &'a RuleSet,
    as_of: NaiveDate,
    latest: &'a Latest,
    /// Read only rows dated on or before this day (the tables registered
    /// hold rows up to the run's T; a planner for an earlier day cuts more).
    until: Option<NaiveDate>,
    /// Read only these households' rows (after each supplier's current
    /// snapshot date is found over all rows).
    only: Option<Vec<Expr>>,
}

impl<'a> Planner<'a> {
    /// A planner over the tables registered in `ctx` (one per source).
    pub fn new(
        ctx: &'a SessionContext,
        rs: &'a RuleSet,
        as_of: NaiveDate,
        latest: &'a Latest,
    ) -> Planner<'a> {
        Planner {
            ctx,
            state: ctx.state(),
            rs,
            as_of,
            latest,
            until: None,
            only: None,
        }
    }

    /// The same planner reading only the rows of these households.
    pub fn only(mut self, households: &[&str]) -> Planner<'a> {
        self.only = Some(households.iter().map(|k| lit(*k)).collect());
        self
    }

    /// A planner for an earlier day than the tables were registered for:
    /// every source is cut to rows dated on or before `as_of`, and nothing
    /// is assumed about snapshot dates.
    pub fn before(
        ctx: &'a SessionContext,
        rs: &'a RuleSet,
        as_of: NaiveDate,
        none: &'a Latest,
    ) -> Planner<'a> {
        Planner {
            until: Some(as_of),
            ..Planner::new(ctx, rs, as_of, none)
        }
    }

    /// A source's table, cut at [`Self::before`]'s day.
    async fn table(&self, source: Source) -> Result<DataFrame, ScoringError> {
        let table = self.ctx.table(source.name()).await?;
        Ok(match self.until {
            Some(day) => table.filter(col(source.contract().time_column).lt_eq(date(day)))?,
            None => table,
        })
    }

    /// An expression of the pipeline file as a logical expression over
    /// `schema`: parameters and dates bound, names resolved.
    fn expr(&self, e: &Expression, schema: &DFSchema) -> Result<Expr, String> {
        let tree = e.bind(&self.rs.params, self.as_of)?;
        self.state
            .create_logical_expr_from_sql_expr(
                ExprWithAlias {
                    expr: tree,
                    alias: None,
                },
                schema,
            )
            .map_err(|e| message(&e))
    }

    /// A number literal as the SQL planner reads it (decimals stay exact).
    fn number(&self, text: &str, schema: &DFSchema) -> Result<Expr, String> {
        self.state
            .create_logical_expr_from_sql_expr(
                ExprWithAlias {
                    expr: datafusion::sql::sqlparser::ast::Expr::value(Value::Number(
                        text.to_string(),
                        false,
                    )),
                    alias: None,
                },
                schema,
            )
            .map_err(|e| message(&e))
    }

    /// [`Self::expr`], refused unless it gives what its key needs.
    fn typed(
        &self,
        e: &Expression,
        schema: &DFSchema,
        key: &str,
        gives: Gives,
    ) -> Result<Expr, String> {
        let expr = self.expr(e, schema)?;
        let t = expr.get_type(schema).map_err(|e| message(&e))?;
        match gives {
            Gives::Boolean if t != DataType::Boolean => {
                Err(format!("`{key}` must be true or false, and it gives {t}"))
            }
            Gives::Number if !numeric(&t) => {
                Err(format!("`{key}` must give a number, and it gives {t}"))
            }
            _ => Ok(expr),
        }
    }

    fn days_before(&self, days: i64, key: &str, what: &str) -> Result<NaiveDate, ScoringError> {
        days_before(self.as_of, days).map_err(|message| ScoringError::Rule {
            what: what.to_string(),
            key: key.to_string(),
            message,
        })
    }

    /// The rows of a source: its current snapshot (per supplier, or whole),
    /// or all of them.
    async fn rows(&self, f: &Feature) -> Result<DataFrame, ScoringError> {
        let table = self.table(f.source).await?;
        let time = f.source.contract().time_column;
        let Some(s) = &f.snapshot else {
            return Ok(table);
        };
        let key = format!("features.{}.current_snapshot.max_age_days", f.name);
        let what = format!("feature `{}`", f.name);
        let cutoff = s
            .max_age_days
            .map(|n| self.days_before(n, &key, &what))
            .transpose()?;
        if s.supplier.is_none()
            && let Some(latest) = self.latest.get(&f.source)
        {
            let stale = matches!((latest, cutoff), (Some(d), Some(c)) if *d <= c);
            return Ok(match latest {
                Some(d) if !stale => table.filter(col(time).eq(date(*d)))?,
                _ => table.filter(lit(false))?,
            });
        }
        // Rows not after the staleness cutoff can be in no current
        // snapshot: leaving them out lets the scan skip them.
        let rows = match cutoff {
            Some(c) => table.filter(col(time).gt(date(c)))?,
            None => table,
        };
        let columns: Vec<String> = rows
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let (group, left, right) = match &s.supplier {
            Some(supplier) => (
                vec![col(supplier.as_str()).alias("_supplier")],
                vec![supplier.as_str(), time],
                vec!["_supplier", "_latest"],
            ),
            None => (vec![], vec![time], vec!["_latest"]),
        };
        let current = rows
            .clone()
            .aggregate(group, vec![max(col(time)).alias("_latest")])?;
        Ok(rows
            .join(current, JoinType::Inner, &left, &right, None)?
            .select_columns(&columns)?)
    }

    /// The source rows a feature aggregates: its snapshot, window and
    /// `where` applied (what `vroeg export ddas` sends as signals).
    pub async fn feature_rows(&self, f: &Feature) -> Result<DataFrame, ScoringError> {
        let err = |part: &str, message: String| ScoringError::Rule {
            what: format!("feature `{}`", f.name),
            key: format!("features.{}{part}", f.name),
            message,
        };
        let mut df = self.rows(f).await?;
        if let Some(keys) = &self.only {
            df = df.filter(col(KEY).in_list(keys.clone(), false))?;
        }
        if let Some(w) = &f.window {
            let from = self.days_before(
                w.days,
                &format!("features.{}.window.days", f.name),
                &format!("feature `{}`", f.name),
            )?;
            let c = || col(w.column.as_str());
            df = df.filter(c().gt(date(from)).and(c().lt_eq(date(self.as_of))))?;
        }
        if let Some(filter) = &f.filter {
            let e = self
                .typed(filter, df.schema(), "where", Gives::Boolean)
                .map_err(|m| err(".where", m))?;
            df = df.filter(e).map_err(|e| err(".where", message(&e)))?;
        }
        Ok(df)
    }

    /// One feature: `household_key, v`.
    pub async fn feature(&self, f: &Feature) -> Result<DataFrame, ScoringError> {
        let err = |part: &str, message: String| ScoringError::Rule {
            what: format!("feature `{}`", f.name),
            key: format!("features.{}{part}", f.name),
            message,
        };
        let df = self.feature_rows(f).await?;
        let value = self
            .expr(&f.value, df.schema())
            .map_err(|m| err(".value", m))?;
        let df = match &f.per {
            None => df.aggregate(vec![col(KEY)], vec![value.alias("v")]),
            Some((per, combine)) => {
                let inner = df
                    .aggregate(vec![col(KEY), col(per.as_str())], vec![value.alias("v")])
                    .map_err(|e| err(".value", message(&e)))?;
                let v = col("v");
                let combined = match combine {
                    Combine::Max => max(v),
                    Combine::Min => min(v),
                    Combine::Sum => sum(v),
                    Combine::Count => count(v),
                };
                inner.aggregate(vec![col(KEY)], vec![combined.alias("v")])
            }
        }
        .map_err(|e| err(".value", message(&e)))?;
        let df = df.select(vec![col(KEY).alias(KEY), col("v")])?;
        let t = df.schema().field_with_unqualified_name("v")?.data_type();
        if !numeric(t) {
            return Err(err(
                ".value",
                format!(
                    "`value` must give a number, and `{}` gives {t}",
                    f.value.as_str()
                ),
            ));
        }
        Ok(df)
    }

    /// One row per household with a row in any feature: features, rule
    /// flags, `domains_fired`, `score`, `rules_fired`, `rules`,
    /// `total_arrears_eur`.
    pub async fn scored(&self) -> Result<DataFrame, ScoringError> {
        let rs = self.rs;
        let all: Vec<&Feature> = rs.features.iter().collect();
        let feat = self.features(&all).await?;
        self.score_features(feat)
    }

    /// One row per household with a row in any of `features`: their values,
    /// defaults filled in.
    async fn features(&self, features: &[&Feature]) -> Result<DataFrame, ScoringError> {
        let mut signals = Vec::new();
        let mut register = Vec::new();
        for f in features {
            let df = self.feature(f).await?;
            let side = if f.source.contract().role == Some(Role::Register) {
                &mut register
            } else {
                &mut signals
            };
            side.push((*f, df));
        }
        // Every household of the register has a row in a register feature,
        // most have none in a signal source: the two are folded apart and
        // joined, so the register's households are not grouped again with
        // every feature's columns. The join keeps every household of either.
        let folded = match (fold(signals)?, fold(register)?) {
            (Some(one), None) | (None, Some(one)) => one,
            (Some(signals), Some(register)) => {
                let renamed = register.with_column_renamed(KEY, REGISTER_KEY)?;
                let joined =
                    signals.join(renamed, JoinType::Full, &[KEY], &[REGISTER_KEY], None)?;
                let mut columns = vec![coalesce(vec![col(KEY), col(REGISTER_KEY)]).alias(KEY)];
                columns.extend(features.iter().map(|f| col(f.name.as_str())));
                joined.select(columns)?
            }
            (None, None) => {
                return Err(ScoringError::Rule {
                    what: "features".into(),
                    key: "features".into(),
                    message: "a pipeline needs at least one feature for its rules to use".into(),
                });
            }
        };
        let mut columns = vec![col(KEY).alias(KEY)];
        for f in features {
            let default = self
                .number(&f.default, folded.schema())
                .map_err(|message| ScoringError::Rule {
                    what: format!("feature `{}`", f.name),
                    key: format!("features.{}.default", f.name),
                    message,
                })?;
            columns.push(coalesce(vec![col(f.name.as_str()), default]).alias(f.name.as_str()));
        }
        Ok(folded.select(columns)?)
    }

    /// Rule flags, `domains_fired`, `score`, `rules_fired`, `rules` and
    /// `total_arrears_eur` beside the features.
    fn score_features(&self, feat: DataFrame) -> Result<DataFrame, ScoringError> {
        let rs = self.rs;
        let (domain_rules, meta_rules): (Vec<&Rule>, Vec<&Rule>) =
            rs.rules.iter().partition(|r| r.domain.is_some());
        let flags = self.with_flags(feat, &domain_rules)?;
        let per_domain: Vec<Expr> = rs
            .domains
            .iter()
            .filter_map(|d| {
                domain_rules
                    .iter()
                    .filter(|r| r.domain.as_ref() == Some(d))
                    .map(|r| col(flag(r)))
                    .reduce(|a, b| a + b)
                    .map(|any| when(any.gt(lit(0i64)), lit(1i64)).otherwise(lit(0i64)))
            })
            .collect::<Result<_, _>>()?;
        let domains_fired = per_domain
            .into_iter()
            .reduce(|a, b| a + b)
            .unwrap_or(lit(0i64));
        let dom = flags.with_column(vroeg_pipeline::DOMAINS_FIRED, domains_fired)?;
        let meta = self.with_flags(dom, &meta_rules)?;
        let score = rs
            .rules
            .iter()
            .map(|r| lit(r.weight) * col(flag(r)))
            .reduce(|a, b| a + b)
            .unwrap_or(lit(0i64));
        let fired = rs
            .rules
            .iter()
            .map(|r| col(flag(r)))
            .reduce(|a, b| a + b)
            .unwrap_or(lit(0i64));
        let ids = rs
            .rules
            .iter()
            .map(|r| when(col(flag(r)).eq(lit(1i64)), lit(r.id.as_str())).end())
            .collect::<Result<Vec<_>, _>>()?;
        let total = self.total(&meta)?;
        let mut columns = all_columns(&meta);
        columns.push(score.alias("score"));
        columns.push(fired.alias("rules_fired"));
        columns.push(concat_ws(lit("|"), ids).alias("rules"));
        columns.push(total);
        Ok(meta.select(columns)?)
    }

    /// `total_arrears_eur` over the features of `df`, as exact cents.
    fn total(&self, df: &DataFrame) -> Result<Expr, ScoringError> {
        let total = self
            .typed(
                &self.rs.total_arrears_eur,
                df.schema(),
                "total_arrears_eur",
                Gives::Number,
            )
            .map_err(|message| ScoringError::Rule {
                what: "total_arrears_eur".into(),
                key: "scoring.total_arrears_eur".into(),
                message,
            })?;
        Ok(cast(total, DataType::Decimal128(38, 2)).alias("total_arrears_eur"))
    }

    /// `household_key, total_arrears_eur` for each of `keys` at this
    /// planner's day: only the features the total refers to, defaults for a
    /// household without their rows. The keys enter the plan as a `VALUES`
    /// list, which every engine can ship.
    pub async fn totals(&self, keys: &[&str]) -> Result<DataFrame, ScoringError> {
        let rows: Vec<Vec<Expr>> = keys.iter().map(|k| vec![lit(*k)]).collect();
        let keys = if rows.is_empty() {
            DataFrame::new(
                self.state.clone(),
                LogicalPlanBuilder::empty(false).build()?,
            )
            .select(vec![lit(ScalarValue::Utf8(None)).alias("_key")])?
        } else {
            DataFrame::new(
                self.state.clone(),
                LogicalPlanBuilder::values(rows)?.build()?,
            )
            .select(vec![col("column1").alias("_key")])?
        };
        let names = self.rs.total_arrears_eur.names();
        let used: Vec<&Feature> = self
            .rs
            .features
            .iter()
            .filter(|f| names.contains(&f.name))
            .collect();
        let mut columns = vec![col("_key").alias(KEY)];
        let joined = if used.is_empty() {
            keys
        } else {
            let feat = self.features(&used).await?;
            for f in &used {
                let default = self.number(&f.default, feat.schema()).map_err(|message| {
                    ScoringError::Rule {
                        what: format!("feature `{}`", f.name),
                        key: format!("features.{}.default", f.name),
                        message,
                    }
                })?;
                columns.push(coalesce(vec![col(f.name.as_str()), default]).alias(f.name.as_str()));
            }
            keys.join(feat, JoinType::Left, &["_key"], &[KEY], None)?
        };
        let with_features = joined.select(columns)?;
        let total = self.total(&with_features)?;
        Ok(with_features.select(vec![col(KEY), total])?)
    }

    /// `df` with a 0/1 flag column per rule.
    fn with_flags(&self, df: DataFrame, rules: &[&Rule]) -> Result<DataFrame, ScoringError> {
        let mut columns = all_columns(&df);
        for r in rules {
            let e = self
                .typed(&r.when, df.schema(), "when", Gives::Boolean)
                .map_err(|message| ScoringError::Rule {
                    what: format!("rule `{}`", r.id),
                    key: format!("rules.{}.when", r.id),
                    message,
                })?;
            columns.push(
                when(coalesce(vec![e, lit(false)]), lit(1i64))
                    .otherwise(lit(0i64))?
                    .alias(flag(r)),
            );
        }
        Ok(df.select(columns)?)
    }

    /// The ordered candidates: households with any rule fired, with
    /// register membership, district and recent contact, in list order.
    pub async fn candidates(&self) -> Result<DataFrame, ScoringError> {
        let scored = self.scored().await?;
        self.candidates_from(scored).await
    }

    /// Every feature of the rule set, one row per household (what
    /// [`Self::scored`] scores), for computing once and scoring many times.
    pub async fn feature_table(&self) -> Result<DataFrame, ScoringError> {
        let all: Vec<&Feature> = self.rs.features.iter().collect();
        self.features(&all).await
    }

    /// [`Self::candidates`] from a feature table made by
    /// [`Self::feature_table`] with the same features.
    pub async fn candidates_with(&self, features: DataFrame) -> Result<DataFrame, ScoringError> {
        let scored = self.score_features(features)?;
        self.candidates_from(scored).await
    }

    /// The rows of the latest register snapshot on or before T.
    async fn register(&self) -> Result<DataFrame, ScoringError> {
        let households = self.table(Source::Households).await?;
        Ok(match self.latest.get(&Source::Households) {
            Some(Some(d)) => households.filter(col("reference_date").eq(date(*d)))?,
            Some(None) => households.filter(lit(false))?,
            None => {
                let latest = households
                    .clone()
                    .aggregate(vec![], vec![max(col("reference_date")).alias("_latest")])?;
                households.join(
                    latest,
                    JoinType::Inner,
                    &["reference_date"],
                    &["_latest"],
                    None,
                )?
            }
        })
    }

    /// Households of the latest register snapshot on or before T per
    /// district: `district_code`, `households`.
    pub async fn register_districts(&self) -> Result<DataFrame, ScoringError> {
        Ok(self.register().await?.aggregate(
            vec![col("district_code")],
            vec![count(lit(1i64)).alias("households")],
        )?)
    }

    /// The scored households with register, contact, and order.
    async fn candidates_from(&self, scored: DataFrame) -> Result<DataFrame, ScoringError> {
        let register = self
            .register()
            .await?
            .select(vec![col(KEY).alias("_register_key"), col("district_code")])?;
        let since = self.days_before(
            self.rs.suppress_recent_contact_days,
            "scoring.suppress_recent_contact_days",
            "scoring",
        )?;
        let contacts = self
            .table(Source::OutreachOutcomes)
            .await?
            .filter(col("closed_date").gt(date(since)))?
            .aggregate(
                vec![col(KEY).alias("_contact_key")],
                vec![max(col("closed_date")).alias("last_contact")],
            )?;
        let mut columns = all_columns(&scored);
        columns.push(col("district_code"));
        columns.push(col("_register_key").is_not_null().alias("in_register"));
        columns.push(col("_contact_key").is_not_null().alias("recent_contact"));
        columns.push(col("last_contact"));
        Ok(scored
            .join(register, JoinType::Left, &[KEY], &["_register_key"], None)?
            .join(contacts, JoinType::Left, &[KEY], &["_contact_key"], None)?
            .filter(col("rules_fired").gt(lit(0i64)))?
            .select(columns)?
            .sort(vec![
                col("score").sort(false, true),
                col(vroeg_pipeline::DOMAINS_FIRED).sort(false, true),
                col("total_arrears_eur").sort(false, true),
                col(KEY).sort(true, false),
            ])?)
    }
}
