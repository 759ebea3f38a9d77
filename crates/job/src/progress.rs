//! Progress of long jobs, for a progress bar on a terminal: the binary
//! installs an observer once ([`install`]); without one nothing is shown.
//! The library says what it does (files, rows and bytes taken in, the stage
//! of a run) and never decides how it is drawn.

use std::sync::OnceLock;
use vroeg_ingest::{NoProgress, Progress};

/// Hears how a job goes: an ingest's deliveries and a run's stages.
pub trait Observer: Progress + Send {
    /// A stage of scoring or writing begins (`"scoring"`, `"writing outputs"`).
    fn stage(&self, what: &str);
    /// The job is done: clear whatever is shown.
    fn done(&self);
}

static OBSERVER: OnceLock<Box<dyn Observer>> = OnceLock::new();

/// Installs the process's observer; a second call is ignored.
pub fn install(observer: Box<dyn Observer>) {
    let _ = OBSERVER.set(observer);
}

/// The ingest progress: the installed observer, or nothing.
pub(crate) fn ingest() -> &'static dyn Progress {
    match OBSERVER.get() {
        Some(o) => o.as_ref(),
        None => &NoProgress,
    }
}

/// Tells the observer, if any, that a stage begins.
pub(crate) fn stage(what: &str) {
    if let Some(o) = OBSERVER.get() {
        o.stage(what);
    }
}

/// Tells the observer, if any, that the job is done.
pub(crate) fn done() {
    if let Some(o) = OBSERVER.get() {
        o.done();
    }
}
