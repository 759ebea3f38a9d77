//! `vroeg backtest`: the pipeline replayed at the last day of every month
//! in a period, each time on the store as it was known then (the view cut
//! at that day: no row dated after it), with the outcomes closed after each
//! list. Reads the store only and writes no list for outreach.

use crate::engine::runtime;
use crate::{EngineChoice, JobError, load, pages};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::path::PathBuf;
use vroeg_policy::backtest::{DateLine, Outcome, line, month_ends};
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
    /// Where to write `backtest.json` and `backtest.csv`.
    pub out: Option<PathBuf>,
    /// Folders overriding the pipeline file's.
    pub paths: load::PathOverrides,
    /// Where the plans run.
    pub engine: EngineChoice,
}

/// The most as-of dates one backtest replays.
const MAX_DATES: usize = 240;

/// Replays the pipeline at every month end in the period.
pub fn backtest(req: &BacktestRequest) -> Result<Vec<DateLine>, JobError> {
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
        pages::check_out_dir(dir, &["backtest.json", "backtest.csv"], &p)?;
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
    let mut lines = Vec::with_capacity(dates.len());
    let mut previous: Option<BTreeSet<String>> = None;
    for as_of in dates {
        let ctx = req.engine.session(&p.engine)?;
        store.view().register(&ctx, Some(as_of))?;
        let list = rt.block_on(vroeg_scoring::score(&ctx, rs, as_of))?;
        lines.push(line(as_of, &list, previous.as_ref(), &outcomes));
        tracing::info!(as_of = %as_of, listed = list.counts.listed, "replayed");
        previous = Some(
            list.listed()
                .map(|(_, h)| h.household_key.clone())
                .collect(),
        );
    }
    if let Some(dir) = &req.out {
        write(dir, &lines)?;
    }
    Ok(lines)
}

/// The lines as CSV, one per date (exact counts, for analysts).
pub fn csv(lines: &[DateLine]) -> String {
    let mut out = String::from(
        "as_of,eligible,listed,still_listed,outcomes_known,reached,needed_help,needed_help_share,needed_help_low,needed_help_high\n",
    );
    for l in lines {
        let (k, share, low, high) = match &l.needed_help {
            Some(s) => (
                s.k.to_string(),
                format!("{:.4}", s.share),
                format!("{:.4}", s.low),
                format!("{:.4}", s.high),
            ),
            None => Default::default(),
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{k},{share},{low},{high}\n",
            l.as_of,
            l.eligible,
            l.listed,
            l.still_listed.map(|n| n.to_string()).unwrap_or_default(),
            l.outcomes_known,
            l.reached,
        ));
    }
    out
}

fn write(dir: &std::path::Path, lines: &[DateLine]) -> Result<(), JobError> {
    let json = serde_json::json!({ "dates": lines });
    pages::write_files(
        dir,
        &[
            ("backtest.json", pages::json(dir, "backtest.json", &json)?),
            ("backtest.csv", csv(lines).into_bytes()),
        ],
    )
}
