//! `vroeg purge`: arguments and the account printed; the work is
//! `vroeg_job::purge`'s. The account holds paths, hashes and counts only,
//! never a row.

use crate::cmd_run::parse_date;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use vroeg_job::{PathOverrides, PurgeAccount, PurgeRequest};

/// Arguments of `vroeg purge`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example (what would go, nothing deleted):\n  vroeg purge --pipeline pipelines/zoetermeer.toml --today 2026-12-01 --dry-run"
)]
pub struct Args {
    /// The pipeline file (TOML) with the retention periods.
    #[arg(long)]
    pipeline: PathBuf,
    /// The day retention counts back from (YYYY-MM-DD); default today
    /// (UTC).
    #[arg(long, value_parser = parse_date)]
    today: Option<NaiveDate>,
    /// Print the account of what would be deleted; delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the account as JSON (the audit log's `deleted`) instead of
    /// text.
    #[arg(long)]
    json: bool,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
    /// The folder of the run output folders, overriding the pipeline
    /// file's `[paths] out`.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `vroeg purge`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let outcome = vroeg_job::purge(&PurgeRequest {
        pipeline: args.pipeline,
        paths: PathOverrides {
            inbox: None,
            store: args.store,
        },
        out: args.out,
        today: args
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        dry_run: args.dry_run,
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut all = Vec::new();
        all.extend(outcome.resumed.as_ref());
        all.extend(outcome.account.as_ref());
        serde_json::to_writer_pretty(&mut out, &all)?;
        writeln!(out)?;
        return Ok(());
    }
    if let Some(r) = &outcome.resumed {
        let verb = if outcome.dry_run {
            "an interrupted purge is pending and is finished first by `vroeg purge`"
        } else {
            "finished an interrupted purge"
        };
        writeln!(out, "{verb} ({}):", r.id)?;
        print_account(
            &mut out,
            r,
            if outcome.dry_run {
                "would delete"
            } else {
                "deleted"
            },
        )?;
    }
    let verb = if outcome.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    match &outcome.account {
        Some(a) => print_account(&mut out, a, verb)?,
        None => writeln!(
            out,
            "what else is past its retention is planned once `vroeg purge` has finished the interrupted purge"
        )?,
    }
    for s in &outcome.without_retention {
        writeln!(
            out,
            "kept: {s} declares no retention_days ([sources.{s}]), so nothing of it is purged"
        )?;
    }
    Ok(())
}

fn print_account(out: &mut impl Write, a: &PurgeAccount, verb: &str) -> anyhow::Result<()> {
    if a.is_empty() {
        writeln!(out, "nothing is past its retention on {}", a.today)?;
        return Ok(());
    }
    for p in &a.store.periods {
        let deliveries: Vec<String> = p.deliveries.iter().map(u64::to_string).collect();
        writeln!(
            out,
            "{verb} {} period {}: {} rows of deliveries {}",
            p.source,
            p.period,
            p.rows,
            deliveries.join(", ")
        )?;
        for f in &p.files {
            writeln!(
                out,
                "  {}  {} rows  sha256 {}",
                f.path,
                f.rows.unwrap_or(0),
                f.sha256
            )?;
        }
    }
    for q in &a.store.quarantine {
        writeln!(
            out,
            "{verb} quarantine of delivery {} ({}, {}): {} rows\n  {}  sha256 {}",
            q.delivery,
            q.source,
            q.why,
            q.file.rows.unwrap_or(0),
            q.file.path,
            q.file.sha256
        )?;
    }
    for r in &a.store.runs {
        writeln!(
            out,
            "{verb} run record {} ({}, as of {}): {}",
            r.seq, r.run_id, r.as_of, r.why
        )?;
        for f in &r.files {
            writeln!(out, "  {}  sha256 {}", f.path, f.sha256)?;
        }
    }
    for o in &a.outputs {
        writeln!(
            out,
            "{verb} output folder {} ({}, as of {}): {} files; {}",
            o.folder,
            o.run_id,
            o.as_of,
            o.files.len(),
            o.why
        )?;
    }
    writeln!(
        out,
        "{verb}: {} stored rows in {} periods, {} quarantine files, {} run records, {} output folders; {} files in all; account {} on {}",
        a.rows(),
        a.store.periods.len(),
        a.store.quarantine.len(),
        a.store.runs.len(),
        a.outputs.len(),
        a.files(),
        a.id,
        a.today
    )?;
    Ok(())
}
