//! `vroeg check`: the pipeline file loaded and its plan built, no data read.

use crate::{JobError, engine::runtime, load};
use std::path::Path;

/// What `check` found in a valid pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Parameters declared.
    pub params: usize,
    /// Features declared.
    pub features: usize,
    /// Rules declared.
    pub rules: usize,
    /// The rule-set hash (over the parsed form).
    pub rule_set_sha256: String,
}

/// Loads the pipeline file and plans its rule set on empty tables.
pub fn check(pipeline: &Path) -> Result<CheckOutcome, JobError> {
    let p = load::pipeline(pipeline, &load::PathOverrides::default())?;
    let rs = load::rule_set(&p)?;
    runtime()?.block_on(vroeg_scoring::check(rs))?;
    Ok(CheckOutcome {
        params: rs.params.len(),
        features: rs.features.len(),
        rules: rs.rules.len(),
        rule_set_sha256: rs.sha256(),
    })
}
