//! `vroeg explain`: one household, planned as `run` plans the list.

use crate::{EngineChoice, JobError, engine::runtime, load};
use chrono::NaiveDate;
use std::path::PathBuf;
use vroeg_pipeline::RuleSet;
use vroeg_scoring::Explanation;

/// What `vroeg explain` is asked.
#[derive(Debug, Clone)]
pub struct ExplainRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// The as-of date T.
    pub as_of: NaiveDate,
    /// The household pseudonym.
    pub household: String,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// Where the plan runs.
    pub engine: EngineChoice,
}

/// A household's explanation with the rule set it was made under.
#[derive(Debug, Clone)]
pub struct ExplainOutcome {
    /// The rule set (for thresholds in the verdict).
    pub rules: RuleSet,
    /// The explanation.
    pub explanation: Explanation,
}

/// Explains one household. The key is checked before anything is read (a
/// raw identifier is never accepted), the rule set is checked as `vroeg
/// check` does, and the store is only read.
pub fn explain(req: &ExplainRequest) -> Result<ExplainOutcome, JobError> {
    if vroeg_contracts::value::is_raw_identifier(&req.household)
        || vroeg_contracts::value::check_key(&req.household).is_err()
    {
        return Err(JobError::Usage(
            "--household: not a household pseudonym (8 to 128 of 0-9 A-Z a-z _ -); a raw identifier is never accepted here".into(),
        ));
    }
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let rs = load::rule_set(&p)?;
    let rt = runtime()?;
    rt.block_on(vroeg_scoring::check(rs))?;
    let store = load::store_read_only(&p)?;
    crate::kept::require_kept(&store, rs, req.as_of)?;
    let ctx = req.engine.session(&p.engine)?;
    crate::kept::register_for_scoring(&store.view(), &ctx, rs, req.as_of)?;
    let explanation = rt.block_on(vroeg_scoring::explain(&ctx, rs, req.as_of, &req.household))?;
    Ok(ExplainOutcome {
        rules: rs.clone(),
        explanation,
    })
}
