//! `vroeg register`: the algorithm-register entry and the DPIA annex from
//! the pipeline file, into `--out`. Reads no store; the rule set is planned
//! on empty tables as `vroeg check` does, so that what is published is a
//! rule set that runs.

use crate::engine::runtime;
use crate::{JobError, load, pages};
use std::path::PathBuf;
use vroeg_register::{DPIA_FILE, ENTRY_FILE};

/// What `vroeg register` is asked.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// Folders overriding the pipeline file's (for the `--out` checks).
    pub paths: load::PathOverrides,
    /// The folder for the two files.
    pub out: PathBuf,
}

/// What `vroeg register` wrote.
#[derive(Debug, Clone)]
pub struct RegisterOutcome {
    /// The files written, entry first.
    pub files: Vec<PathBuf>,
    /// The length of `methods_and_models` in characters, tags included.
    pub methods_and_models_chars: usize,
}

/// Writes `algorithm-register.json` and `dpia-annex.md` to `req.out`.
pub fn register(req: &RegisterRequest) -> Result<RegisterOutcome, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let docs = vroeg_register::documents(&p, vroeg_report::SMALL)?;
    runtime()?.block_on(vroeg_scoring::check(load::rule_set(&p)?))?;
    pages::check_out_dir(&req.out, "register", &[ENTRY_FILE, DPIA_FILE], &p)?;
    pages::write_files(
        &req.out,
        "register",
        &[
            (ENTRY_FILE, docs.entry_json),
            (DPIA_FILE, docs.dpia_annex.into_bytes()),
        ],
    )?;
    Ok(RegisterOutcome {
        files: vec![req.out.join(ENTRY_FILE), req.out.join(DPIA_FILE)],
        methods_and_models_chars: docs.entry.methods_and_models.chars().count(),
    })
}
