//! `vroeg whatif`, `vroeg sweep` and `vroeg backtest`: arguments and
//! printing; the work is `vroeg_job`'s.

use crate::cmd_run::parse_date;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use vroeg_job::{EngineChoice, PathOverrides};

/// Arguments of `vroeg whatif`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg whatif --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --set eligible_min_score=6 --out /tmp/whatif"
)]
pub struct WhatIfArgs {
    /// The pipeline file (TOML) as it is.
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    as_of: NaiveDate,
    /// NAME=VALUE: a [params] or [scoring] value to change (repeatable;
    /// `params.NAME` or `scoring.NAME` when a name is in both).
    #[arg(long = "set")]
    sets: Vec<String>,
    /// A whole candidate pipeline file to compare instead.
    #[arg(long)]
    candidate: Option<PathBuf>,
    /// Folder for whatif.json (exact counts) and whatif.html (masked).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// Runs `vroeg whatif`.
pub fn whatif(args: WhatIfArgs) -> anyhow::Result<()> {
    let outcome = vroeg_job::whatif(&vroeg_job::WhatIfRequest {
        pipeline: args.pipeline,
        as_of: args.as_of,
        sets: args.sets,
        candidate: args.candidate,
        out: args.out.clone(),
        paths: PathOverrides {
            inbox: None,
            store: args.store,
        },
        engine: EngineChoice::Local,
    })?;
    let w = &outcome.comparison;
    let mut out = std::io::stdout().lock();
    for c in &outcome.changes {
        writeln!(
            out,
            "{}: {} -> {}",
            c.key,
            c.before.as_deref().unwrap_or("(absent)"),
            c.after
        )?;
    }
    writeln!(
        out,
        "eligible {} -> {}, listed {} -> {}: {} added, {} removed ({} below the score, {} excluded, {} beyond capacity)",
        w.before.eligible,
        w.after.eligible,
        w.before.listed,
        w.after.listed,
        w.added,
        w.removed,
        w.removed_why.below_score,
        w.removed_why.excluded,
        w.removed_why.beyond_capacity
    )?;
    if let Some(dir) = &args.out {
        writeln!(
            out,
            "wrote whatif.json and whatif.html to {}",
            vroeg_contracts::text::escaped_path(dir)
        )?;
    }
    Ok(())
}

/// Arguments of `vroeg sweep`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg sweep --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --param eligible_min_score=3..9/1 --out /tmp/sweep"
)]
pub struct SweepArgs {
    /// The pipeline file (TOML) as it is.
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    as_of: NaiveDate,
    /// NAME=FROM..TO/STEP: a [params] or [scoring] value and its range.
    #[arg(long)]
    param: String,
    /// Folder for sweep.csv and sweep.html (masked).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// Runs `vroeg sweep`: the table as CSV on stdout.
pub fn sweep(args: SweepArgs) -> anyhow::Result<()> {
    let outcome = vroeg_job::sweep(&vroeg_job::SweepRequest {
        pipeline: args.pipeline,
        as_of: args.as_of,
        param: args.param,
        out: args.out.clone(),
        paths: PathOverrides {
            inbox: None,
            store: args.store,
        },
        engine: EngineChoice::Local,
    })?;
    let mut out = std::io::stdout().lock();
    out.write_all(vroeg_job::sweep::csv(&outcome.name, &outcome.lines).as_bytes())?;
    Ok(())
}

/// Arguments of `vroeg backtest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg backtest --pipeline pipelines/zoetermeer.toml --from 2025-11-01 --to 2026-10-31 --every month --out /tmp/backtest"
)]
pub struct BacktestArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    from: NaiveDate,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    to: NaiveDate,
    /// How often: `month` (the last day of every month in the period).
    #[arg(long, default_value = "month")]
    every: String,
    /// Folder for backtest.html, backtest.json and one CSV per table.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Count only outcomes closed within this many days after each list
    /// (1 to 3650), and a list's outcomes as known only once the store has
    /// outcomes that late, so that every month has had the same time;
    /// without it, every outcome closed after the list counts.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    follow_up_days: Option<u32>,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// Runs `vroeg backtest`: one CSV line per date on stdout.
pub fn backtest(args: BacktestArgs) -> anyhow::Result<()> {
    let backtest = vroeg_job::backtest(&vroeg_job::BacktestRequest {
        pipeline: args.pipeline,
        from: args.from,
        to: args.to,
        every: args.every,
        follow_up_days: args.follow_up_days,
        out: args.out,
        paths: PathOverrides {
            inbox: None,
            store: args.store,
        },
        engine: EngineChoice::Local,
    })?;
    std::io::stdout()
        .lock()
        .write_all(&vroeg_job::backtest::csv(&backtest))?;
    Ok(())
}
