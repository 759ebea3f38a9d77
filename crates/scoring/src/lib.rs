//! Scoring: the store's live tables → features per household → rule flags →
//! score, eligibility, exclusions and order.
//!
//! Everything a rule set says compiles to one SQL query of DataFusion's
//! built-in functions ([`sql`]), so the same plan runs locally or on a
//! Ballista cluster: no custom UDFs. Rust only walks the ordered result to
//! apply the exclusions in the contract's order and to count ([`list`]).

pub mod check;
pub mod list;
pub mod sql;
pub mod stale;

use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};
use thiserror::Error;

pub use check::check;
pub use list::{
    Counts, Explanation, RuleOutcome, ScoredHousehold, SignalList, Status, explain, score,
};
pub use stale::{StaleSupplier, stale_suppliers};

/// What can go wrong while scoring.
#[derive(Debug, Error)]
pub enum ScoringError {
    /// A feature or rule does not fit the data: names the feature or rule
    /// and the pipeline-file key.
    #[error("{what} (`{key}`): {message}")]
    Rule {
        /// `feature `x`` or `rule `y``.
        what: String,
        /// The pipeline-file key.
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The pipeline has no rule set.
    #[error(
        "the pipeline file has no [scoring], [features] and [rules]; add them (see pipelines/zoetermeer.toml)"
    )]
    NoRules,
    /// The query engine failed.
    #[error("query engine: {0}")]
    Engine(#[from] DataFusionError),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] vroeg_store::StoreError),
}

/// A DataFusion session configured the same way for every run: decimals
/// stay decimals (`1.0` in a rule is a decimal, not a float), strings stay
/// `Utf8` as on Ballista.
pub fn session() -> SessionContext {
    let config = SessionConfig::new()
        .set_bool("datafusion.sql_parser.parse_float_as_decimal", true)
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        )
        .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false);
    SessionContext::new_with_config(config)
}
