//! The first stage of every command: the pipeline file, with the paths a
//! command line may override, and the store.

use crate::JobError;
use std::path::{Path, PathBuf};
use vroeg_pipeline::{Pipeline, RuleSet};
use vroeg_store::{ReadOnlyStore, Store};

/// Folders given on the command line instead of the pipeline file's.
#[derive(Debug, Clone, Default)]
pub struct PathOverrides {
    /// `--inbox`.
    pub inbox: Option<PathBuf>,
    /// `--store`.
    pub store: Option<PathBuf>,
}

/// Loads and validates the pipeline file, then applies the overrides.
pub fn pipeline(path: &Path, overrides: &PathOverrides) -> Result<Pipeline, JobError> {
    let mut p = Pipeline::load(path)?;
    if let Some(i) = &overrides.inbox {
        p.inbox = i.clone();
    }
    if let Some(s) = &overrides.store {
        p.store = s.clone();
    }
    Ok(p)
}

/// The rule set, which `run`, `check` and `explain` need.
pub(crate) fn rule_set(p: &Pipeline) -> Result<&RuleSet, JobError> {
    p.rule_set
        .as_ref()
        .ok_or(JobError::Scoring(vroeg_scoring::ScoringError::NoRules))
}

/// Opens the store for writing (the lock, then recovery).
pub(crate) fn store(p: &Pipeline) -> Result<Store, JobError> {
    Store::open(&p.store).map_err(|source| JobError::OpenStore {
        path: p.store.clone(),
        source,
    })
}

/// Opens the store only to read it: no lock, no recovery, no writes.
pub(crate) fn store_read_only(p: &Pipeline) -> Result<ReadOnlyStore, JobError> {
    Store::open_read_only(&p.store).map_err(|source| JobError::OpenStore {
        path: p.store.clone(),
        source,
    })
}
