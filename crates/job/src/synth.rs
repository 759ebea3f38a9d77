//! `vroeg synth`: a deterministic synthetic inbox.

use crate::JobError;
use vroeg_synth::{SynthOptions, SynthSummary, synthesize};

/// Writes the synthetic inbox `opts` describes.
pub fn synth(opts: &SynthOptions) -> Result<SynthSummary, JobError> {
    let started = std::time::Instant::now();
    let summary = synthesize(opts)?;
    tracing::info!(
        files = summary.files,
        rows = summary.rows,
        bytes = summary.bytes,
        seconds = started.elapsed().as_secs_f64(),
        "synthetic inbox written"
    );
    Ok(summary)
}
