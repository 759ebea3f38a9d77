//! `vroeg whatif`: the list under a change (`--set` or a candidate file)
//! beside the list under the pipeline file as it is, on the same store and
//! day. Reads the store only (no lock: it may run beside an ingest) and
//! writes no list for outreach: only `whatif.json` (exact counts, for
//! analysts) and `whatif.html` (masked) when `--out` is given.

use crate::engine::runtime;
use crate::{EngineChoice, JobError, load, pages};
use chrono::NaiveDate;
use std::path::PathBuf;
use vroeg_pipeline::Pipeline;
use vroeg_policy::page::PageIdentity;
use vroeg_policy::{Change, WhatIf, apply_sets, compare};

/// What `vroeg whatif` is asked.
#[derive(Debug, Clone)]
pub struct WhatIfRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// The as-of date.
    pub as_of: NaiveDate,
    /// `NAME=VALUE` changes.
    pub sets: Vec<String>,
    /// A whole candidate pipeline file instead.
    pub candidate: Option<PathBuf>,
    /// Where to write `whatif.json` and `whatif.html`.
    pub out: Option<PathBuf>,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// Where the plans run.
    pub engine: EngineChoice,
}

/// The comparison and the changes it was made for.
#[derive(Debug, Clone)]
pub struct WhatIfOutcome {
    /// Exact counts.
    pub comparison: WhatIf,
    /// The `--set` changes (empty for a candidate file).
    pub changes: Vec<Change>,
}

/// The changed pipeline: the file with `--set` applied, or the candidate.
fn changed(req: &WhatIfRequest, p: &Pipeline) -> Result<(Pipeline, Vec<Change>), JobError> {
    match (&req.candidate, req.sets.is_empty()) {
        (Some(_), false) => Err(JobError::Usage(
            "give --set or --candidate, not both".into(),
        )),
        (None, true) => Err(JobError::Usage(
            "say what to change: --set NAME=VALUE (repeatable) or --candidate FILE".into(),
        )),
        (Some(file), true) => Ok((load::pipeline(file, &req.paths)?, Vec::new())),
        (None, false) => {
            let text = std::fs::read_to_string(&p.file).map_err(|source| {
                JobError::Pipeline(vroeg_pipeline::PipelineError::Read {
                    path: p.file.clone(),
                    source,
                })
            })?;
            let (text, changes) = apply_sets(&text, &req.sets)?;
            let mut after = Pipeline::from_toml(&text, &p.file)
                .map_err(|e| set_error(&req.sets.join(" "), "--set", e))?;
            after.inbox = p.inbox.clone();
            after.store = p.store.clone();
            Ok((after, changes))
        }
    }
}

/// A changed pipeline file that does not load, said of the change (the
/// changed text's line numbers mean nothing to the user).
pub(crate) fn set_error(arg: &str, option: &str, e: vroeg_pipeline::PipelineError) -> JobError {
    let message = match &e {
        vroeg_pipeline::PipelineError::Parse { message, .. } => message
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .trim()
            .to_string(),
        vroeg_pipeline::PipelineError::Invalid { key, message, .. } => {
            format!("`{key}`: {message}")
        }
        other => other.to_string(),
    };
    JobError::Usage(format!(
        "{option} {}: the changed pipeline file does not load: {message}",
        vroeg_contracts::text::escaped(arg)
    ))
}

/// Compares the list before and after the change.
pub fn whatif(req: &WhatIfRequest) -> Result<WhatIfOutcome, JobError> {
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let before = load::rule_set(&p)?;
    let (changed, changes) = changed(req, &p)?;
    if let Some(dir) = &req.out {
        pages::check_out_dir(
            dir,
            "whatif",
            &[
                "whatif.json",
                "whatif.html",
                "whatif-districts.csv",
                "whatif-rules.csv",
            ],
            &p,
        )?;
    }
    let after = load::rule_set(&changed)?;
    let rt = runtime()?;
    rt.block_on(vroeg_scoring::check(before))?;
    rt.block_on(vroeg_scoring::check(after))?;
    let store = load::store_read_only(&p)?;
    crate::kept::require_kept(&store, before, req.as_of)?;
    crate::kept::require_kept(&store, after, req.as_of)?;
    let ctx = req.engine.session(&p.engine)?;
    store.view().register(&ctx, Some(req.as_of))?;
    let list_before = rt.block_on(vroeg_scoring::score(&ctx, before, req.as_of))?;
    let list_after = rt.block_on(vroeg_scoring::score(&ctx, after, req.as_of))?;
    let comparison = compare(&list_before, &list_after);
    if let Some(dir) = &req.out {
        let identity = PageIdentity {
            pipeline: p.name.clone(),
            as_of: req.as_of.to_string(),
            changes: changes.clone(),
            candidate: req
                .candidate
                .as_ref()
                .map(|c| vroeg_contracts::text::escaped_path(c)),
        };
        write(dir, &identity, &comparison)?;
    }
    Ok(WhatIfOutcome {
        comparison,
        changes,
    })
}

/// `whatif.json` (exact) and `whatif.html` (masked) in `dir`.
fn write(dir: &std::path::Path, identity: &PageIdentity, w: &WhatIf) -> Result<(), JobError> {
    let mut json = serde_json::to_value(w).unwrap_or_default();
    if let Some(o) = json.as_object_mut() {
        o.insert("as_of".into(), identity.as_of.clone().into());
        o.insert("pipeline".into(), identity.pipeline.clone().into());
        o.insert(
            "changes".into(),
            serde_json::to_value(&identity.changes).unwrap_or_default(),
        );
        o.insert("candidate".into(), identity.candidate.clone().into());
    }
    let html = vroeg_policy::page::render(identity, w)?;
    let mut files = vec![
        ("whatif.json", pages::json(dir, "whatif.json", &json)?),
        ("whatif.html", html.into_bytes()),
    ];
    files.extend(vroeg_policy::whatif::csv_files(w));
    pages::write_files(dir, "whatif", &files)
}
