//! `vroeg ingest`: new deliveries from the inbox into the store.

use crate::{JobError, load};
use std::path::Path;
use vroeg_ingest::IngestReport;
use vroeg_pipeline::Pipeline;
use vroeg_store::Store;

/// Takes every new delivery of the inbox into the store.
pub fn ingest(pipeline: &Path, overrides: &load::PathOverrides) -> Result<IngestReport, JobError> {
    let p = load::pipeline(pipeline, overrides)?;
    let mut store = load::store(&p)?;
    take(&mut store, &p)
}

/// Takes new deliveries into an open store.
pub(crate) fn take(store: &mut Store, p: &Pipeline) -> Result<IngestReport, JobError> {
    Ok(vroeg_ingest::ingest_with(
        store,
        &p.inbox,
        &p.dialects,
        crate::progress::ingest(),
    )?)
}
