//! `vroeg backtest`: the pipeline replayed at the last day of every month
//! in a period, each time on the store as it was known then (the view cut
//! at that day: no row dated after it), with the outcomes closed after each
//! list. Reads the store only and writes no list for outreach.

use crate::engine::runtime;
use crate::{EngineChoice, JobError, load, pages};
use chrono::NaiveDate;
use std::path::PathBuf;
use vroeg_policy::backtest::{Backtest, Outcome, Replay, month_ends};
use vroeg_policy::backtest_csv;
use vroeg_policy::backtest_page::render_backtest;
use vroeg_scoring::counted::closed_outcomes;

/// What `vroeg backtest` is asked.
#[derive(Debug, Clone)]
pub struct BacktestRequest {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// How often: `month`.
    pub every: String,
    /// Count only outcomes closed within this many days after each list.
    pub follow_up_days: Option<u32>,
    /// Where to write `backtest.html`, `backtest.json` and the CSV tables.
    pub out: Option<PathBuf>,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// Where the plans run.
    pub engine: EngineChoice,
}

/// The most as-of dates one backtest replays.
const MAX_DATES: usize = 240;

/// Replays the pipeline at every month end in the period.
pub fn backtest(req: &BacktestRequest) -> Result<Backtest, JobError> {
    if req.every != "month" {
        return Err(JobError::Usage(format!(
            "--every {}: only `month` (the last day of every month) is known",
            vroeg_contracts::text::escaped(&req.every)
        )));
    }
    if req.from > req.to {
        return Err(JobError::Usage(format!(
            "--from {} is after --to {}",
            req.from, req.to
        )));
    }
    let dates = month_ends(req.from, req.to);
    if dates.len() > MAX_DATES {
        return Err(JobError::Usage(format!(
            "{} month ends from {} to {}: a backtest replays at most {MAX_DATES} (20 years)",
            dates.len(),
            req.from,
            req.to
        )));
    }
    if dates.is_empty() {
        return Err(JobError::Usage(format!(
            "no month ends from {} to {}: the period holds no last day of a month",
            req.from, req.to
        )));
    }
    let p = load::pipeline(&req.pipeline, &req.paths)?;
    let rs = load::rule_set(&p)?;
    if let Some(dir) = &req.out {
        pages::check_out_dir(dir, "backtest", &own_files(), &p)?;
    }
    let rt = runtime()?;
    rt.block_on(vroeg_scoring::check(rs))?;
    let store = load::store_read_only(&p)?;
    let all = req.engine.session(&p.engine)?;
    store.view().register(&all, None)?;
    let outcomes: Vec<Outcome> = rt
        .block_on(closed_outcomes(
            &all,
            NaiveDate::MIN,
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
        ))?
        .into_iter()
        .map(|o| Outcome {
            household_key: o.household_key,
            closed_date: o.closed_date,
            outcome: o.outcome,
        })
        .collect();
    let mut replay = Replay::new(
        &outcomes,
        rs.eligible_min_score,
        p.fairness,
        req.follow_up_days,
    );
    for as_of in &dates {
        crate::kept::require_kept(&store, rs, *as_of)?;
    }
    for as_of in dates {
        let ctx = req.engine.session(&p.engine)?;
        store.view().register(&ctx, Some(as_of))?;
        let list = rt.block_on(vroeg_scoring::score(&ctx, rs, as_of))?;
        let register = rt.block_on(vroeg_scoring::register_districts(&ctx, rs, as_of))?;
        replay.push(as_of, &list, &register);
        tracing::info!(as_of = %as_of, listed = list.counts.listed, "replayed");
    }
    let result = replay.finish();
    if let Some(dir) = &req.out {
        write(dir, req, &p, &result)?;
    }
    Ok(result)
}

/// The files a backtest writes into `--out`.
fn own_files() -> Vec<&'static str> {
    let mut names = vec!["backtest.json", "backtest.html"];
    names.extend(backtest_csv::FILES);
    names
}

/// The lines as CSV, one per date (exact counts, for analysts).
pub fn csv(b: &Backtest) -> Vec<u8> {
    backtest_csv::dates(&b.dates)
}

fn write(
    dir: &std::path::Path,
    req: &BacktestRequest,
    p: &vroeg_pipeline::Pipeline,
    b: &Backtest,
) -> Result<(), JobError> {
    let json = serde_json::to_value(b).map_err(|e| JobError::WriteFile {
        path: dir.join("backtest.json"),
        message: e.to_string(),
    })?;
    let html = render_backtest(
        &p.name,
        &req.from.to_string(),
        &req.to.to_string(),
        p.fairness,
        b,
    )?;
    let mut files = vec![
        ("backtest.json", pages::json(dir, "backtest.json", &json)?),
        ("backtest.html", html.into_bytes()),
    ];
    files.extend(backtest_csv::files(b));
    pages::write_files(dir, "backtest", &files)
}
