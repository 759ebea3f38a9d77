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
    /// What reads further back than its source is kept (see
    /// docs/retention.md): valid, but runs will refuse after a purge.
    pub warnings: Vec<String>,
}

/// Loads the pipeline file and plans its rule set on empty tables; with
/// `store`, also opens that store read-only to see that it can be read.
pub fn check(pipeline: &Path, store: Option<&Path>) -> Result<CheckOutcome, JobError> {
    let overrides = load::PathOverrides {
        inbox: None,
        store: store.map(Path::to_path_buf),
    };
    let p = load::pipeline(pipeline, &overrides)?;
    let rs = load::rule_set(&p)?;
    runtime()?.block_on(vroeg_scoring::check(rs))?;
    if store.is_some() {
        load::store_read_only(&p)?;
    }
    Ok(CheckOutcome {
        params: rs.params.len(),
        features: rs.features.len(),
        rules: rs.rules.len(),
        rule_set_sha256: rs.sha256(),
        warnings: crate::kept::beyond_retention(rs, &p.legitimacy),
    })
}
