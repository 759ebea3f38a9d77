//! Scoring: the store's live tables → features per household → rule flags →
//! score, eligibility, exclusions and order.
//!
//! Everything a rule set says becomes one DataFusion plan of built-in
//! functions, built from logical expressions ([`plan`]), so the same plan
//! runs locally or on a Ballista cluster: no custom UDFs, no SQL text. Rust only walks the ordered result to
//! apply the exclusions in the contract's order and to count ([`list`]).

pub mod check;
pub mod counted;
mod districts;
pub mod explain;
mod latest;
pub mod list;
pub mod plan;
mod repeat;
pub mod shared;
pub mod stale;

use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::sync::Arc;
use thiserror::Error;
use vroeg_pipeline::Engine;

pub use check::check;
pub use districts::register_districts;
pub use explain::{Explanation, RuleOutcome, explain};
pub use list::{Counts, ScoredHousehold, SignalList, Status, score};
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
/// `Utf8` as on Ballista, and memory is bounded by a fair spill pool of
/// `engine.memory_limit` bytes (sorts and aggregations spill to
/// `engine.spill_dir`; a hash join's build side cannot, so the limit must
/// hold it).
pub fn session(engine: &Engine) -> Result<SessionContext, ScoringError> {
    let config = SessionConfig::new()
        .set_bool("datafusion.sql_parser.parse_float_as_decimal", true)
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        )
        .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false);
    let mut runtime = RuntimeEnvBuilder::new().with_memory_pool(Arc::new(FairSpillPool::new(
        usize::try_from(engine.memory_limit).unwrap_or(usize::MAX),
    )));
    if let Some(dir) = &engine.spill_dir {
        runtime = runtime.with_temp_file_path(dir);
    }
    Ok(SessionContext::new_with_config_rt(
        config,
        runtime.build_arc()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::execution::memory_pool::MemoryLimit;

    #[test]
    fn the_session_is_bounded_by_the_memory_limit() {
        let engine = Engine {
            memory_limit: 96 << 20,
            spill_dir: Some(std::env::temp_dir()),
        };
        let ctx = session(&engine).unwrap();
        match ctx.runtime_env().memory_pool.memory_limit() {
            MemoryLimit::Finite(n) => assert_eq!(n, 96 << 20),
            _ => panic!("the memory pool is unbounded"),
        }
    }
}
