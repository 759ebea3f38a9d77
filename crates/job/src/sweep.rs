//! `vroeg sweep`: the list under every value of one parameter, on the same
//! store and day, beside today's list. The features are computed once when
//! the parameter is read only by rules or scoring (they do not depend on
//! it); a value that changes a feature scores that value anew. Reads the
//! store only and writes no list for outreach.

use crate::engine::runtime;
use crate::{EngineChoice, JobError, load, pages};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use vroeg_pipeline::Pipeline;
use vroeg_policy::apply_sets;
use vroeg_policy::sweep::{SweepLine, parse};
use vroeg_scoring::SignalList;
use vroeg_scoring::shared::SharedFeatures;

/// What `vroeg sweep` is asked.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// The as-of date.
    pub as_of: NaiveDate,
    /// `NAME=FROM..TO/STEP`.
    pub param: String,
    /// Where to write `sweep.csv` and `sweep.html`.
    pub out: Option<PathBuf>,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// Where the plans run.
    pub engine: EngineChoice,
}

/// The sweep's lines, and how many values shared the features.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// The parameter swept.
    pub name: String,
    /// One line per value.
    pub lines: Vec<SweepLine>,
    /// Values scored over the shared feature table.
    pub shared: usize,
}

fn listed_by(p: &Pipeline, list: &SignalList) -> BTreeMap<String, u64> {
    let mut by = BTreeMap::new();
    for (_, h) in list.listed() {
        let district = h.district_code.as_deref().filter(|d| !d.is_empty());
        let name = if p.teams.is_empty() {
            district
                .unwrap_or(vroeg_report::UNKNOWN_DISTRICT)
                .to_string()
        } else {
            p.teams.route(district).unwrap_or("(no team)").to_string()
        };
        *by.entry(name).or_default() += 1;
    }
    by
}

/// Scores every value of the swept parameter.
pub fn sweep(req: &SweepRequest) -> Result<SweepOutcome, JobError> {
    let sweep = parse(&req.param)?;
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let today = load::rule_set(&p)?;
    if let Some(dir) = &req.out {
        pages::check_out_dir(dir, "sweep", &["sweep.csv", "sweep.html"], &p)?;
    }
    let text = std::fs::read_to_string(&p.file).map_err(|source| {
        JobError::Pipeline(vroeg_pipeline::PipelineError::Read {
            path: p.file.clone(),
            source,
        })
    })?;
    let mut pipelines = Vec::with_capacity(sweep.values.len());
    for v in &sweep.values {
        let set = format!("{}={v}", sweep.name);
        let (changed, _) = apply_sets(&text, std::slice::from_ref(&set)).map_err(|e| match e {
            vroeg_policy::PolicyError::Set { why, .. } => vroeg_policy::PolicyError::Param {
                arg: req.param.clone(),
                why,
            },
            other => other,
        })?;
        let mut changed = Pipeline::from_toml(&changed, &p.file)
            .map_err(|e| crate::whatif::set_error(&req.param, "--param", e))?;
        changed.inbox = p.inbox.clone();
        changed.store = p.store.clone();
        load::rule_set(&changed)?;
        pipelines.push(changed);
    }
    let rt = runtime()?;
    rt.block_on(vroeg_scoring::check(today))?;
    let store = load::store_read_only(&p)?;
    crate::kept::require_kept(&store, today, req.as_of)?;
    for changed in &pipelines {
        crate::kept::require_kept(&store, load::rule_set(changed)?, req.as_of)?;
    }
    let ctx = req.engine.session(&p.engine)?;
    store.view().register(&ctx, Some(req.as_of))?;
    let shared = rt.block_on(SharedFeatures::compute(&ctx, today, req.as_of))?;
    let base = rt.block_on(shared.score(&ctx, today, req.as_of))?;
    let base_keys: BTreeSet<&str> = base
        .listed()
        .map(|(_, h)| h.household_key.as_str())
        .collect();
    let mut lines = Vec::with_capacity(pipelines.len());
    let mut shared_values = 0;
    for (value, changed) in sweep.values.iter().zip(&pipelines) {
        let rs = load::rule_set(changed)?;
        let list = if shared.serves(rs, req.as_of) {
            shared_values += 1;
            rt.block_on(shared.score(&ctx, rs, req.as_of))?
        } else {
            rt.block_on(vroeg_scoring::check(rs))?;
            rt.block_on(vroeg_scoring::score(&ctx, rs, req.as_of))?
        };
        lines.push(SweepLine {
            value: value.clone(),
            eligible: list.counts.eligible,
            listed: list.counts.listed,
            overlap: list
                .listed()
                .filter(|(_, h)| base_keys.contains(h.household_key.as_str()))
                .count() as u64,
            listed_by: listed_by(&p, &list),
        });
    }
    tracing::info!(
        values = lines.len(),
        shared = shared_values,
        "sweep scored (values over the shared features counted)"
    );
    if let Some(dir) = &req.out {
        write(dir, &p, req.as_of, &sweep.name, &lines)?;
    }
    Ok(SweepOutcome {
        name: sweep.name,
        lines,
        shared: shared_values,
    })
}

/// The lines as CSV: value, eligible, listed, overlap, then one column per
/// team or district (exact counts, for analysts).
pub fn csv(name: &str, lines: &[SweepLine]) -> String {
    let columns: BTreeSet<&String> = lines.iter().flat_map(|l| l.listed_by.keys()).collect();
    let cell = |s: &str| vroeg_contracts::text::spreadsheet_safe(s).into_owned();
    let mut out = format!("{},eligible,listed,overlap", cell(name));
    for c in &columns {
        out.push(',');
        out.push_str(&cell(&format!("listed_{c}")));
    }
    out.push('\n');
    for l in lines {
        out.push_str(&format!(
            "{},{},{},{}",
            l.value, l.eligible, l.listed, l.overlap
        ));
        for c in &columns {
            out.push_str(&format!(",{}", l.listed_by.get(*c).copied().unwrap_or(0)));
        }
        out.push('\n');
    }
    out
}

fn write(
    dir: &std::path::Path,
    p: &Pipeline,
    as_of: NaiveDate,
    name: &str,
    lines: &[SweepLine],
) -> Result<(), JobError> {
    let html = vroeg_policy::page::render_sweep(&p.name, &as_of.to_string(), name, lines)?;
    pages::write_files(
        dir,
        "sweep",
        &[
            ("sweep.csv", csv(name, lines).into_bytes()),
            ("sweep.html", html.into_bytes()),
        ],
    )
}
