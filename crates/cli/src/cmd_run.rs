//! `vroeg run`, `vroeg check` and `vroeg explain`: arguments and printing;
//! the work is `vroeg_job`'s.

use crate::cmd_ingest::print_report;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use vroeg_job::{EngineChoice, ExplainRequest, PathOverrides, RunRequest};
use vroeg_pipeline::parse_bytes;
use vroeg_scoring::Status;

/// Arguments of `vroeg run`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg run --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31"
)]
pub struct RunArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date T (YYYY-MM-DD): nothing dated after it is used.
    #[arg(long, value_parser = parse_date)]
    as_of: NaiveDate,
    /// Inbox folder, overriding the pipeline file's.
    #[arg(long)]
    inbox: Option<PathBuf>,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
    /// Out folder, used as it is; by default the run writes to
    /// `<the pipeline file's out>/<as-of date>/`. It must be empty, new, or
    /// a previous vroeg output set: vroeg never replaces files it did not write.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The query engine's memory limit (e.g. `4GiB`), overriding the
    /// pipeline file's `[engine] memory_limit`.
    #[arg(long, value_parser = parse_bytes)]
    memory_limit: Option<u64>,
    /// Show household keys in the report's "what changed" section (for
    /// authorised staff only: the report then holds personal data).
    #[arg(long)]
    report_keys: bool,
    /// `local` (DataFusion in this process) or `df://HOST:PORT` of a Ballista scheduler.
    #[arg(long, default_value = "local")]
    engine: String,
}

/// Arguments of `vroeg check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
    /// Store folder, overriding the pipeline file's; when given, `check`
    /// also opens it (read-only) to see that it can be read.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// A date written exactly `YYYY-MM-DD` (chrono alone also takes
/// `2025-8-31` and `+2025-08-31`).
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err("expected a date written YYYY-MM-DD, e.g. 2026-10-31".into());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("not a date: {e}"))
}

/// Arguments of `vroeg explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg explain --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --household 3f2a..."
)]
pub struct ExplainArgs {
    /// The pipeline file (TOML).
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date T (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    as_of: NaiveDate,
    /// The household pseudonym.
    #[arg(long)]
    household: String,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// Runs `vroeg check`.
pub fn check(args: CheckArgs) -> anyhow::Result<()> {
    let c = vroeg_job::check(&args.pipeline, args.store.as_deref())?;
    writeln!(
        std::io::stdout().lock(),
        "{}: ok ({} parameters, {} features, {} rules; rule set {})",
        args.pipeline.display(),
        c.params,
        c.features,
        c.rules,
        &c.rule_set_sha256[..12]
    )?;
    for w in &c.warnings {
        writeln!(std::io::stderr().lock(), "vroeg: warning: {w}")?;
    }
    Ok(())
}

/// Runs `vroeg run`: ingest, score, publish.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let req = RunRequest {
        engine: args.engine.parse::<EngineChoice>()?,
        pipeline: args.pipeline,
        as_of: args.as_of,
        paths: PathOverrides {
            inbox: args.inbox,
            store: args.store,
        },
        out: args.out,
        memory_limit: args.memory_limit,
        report_keys: args.report_keys,
    };
    let mut printed = Ok(());
    let outcome = vroeg_job::run(&req, &mut |report| printed = print_report(report))?;
    printed?;
    let c = &outcome.counts;
    writeln!(
        std::io::stdout().lock(),
        "as of {}: {} households with a rule, {} eligible, {} not resident, {} suppressed (recent contact), {} listed -> {}",
        req.as_of,
        c.households_with_rule,
        c.eligible,
        c.not_resident,
        c.suppressed_recent_contact,
        c.listed,
        outcome.out_dir.display()
    )?;
    Ok(())
}

/// Runs `vroeg explain`.
pub fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let req = ExplainRequest {
        pipeline: args.pipeline,
        as_of: args.as_of,
        household: args.household,
        paths: PathOverrides {
            inbox: None,
            store: args.store,
        },
        engine: EngineChoice::Local,
    };
    let outcome = vroeg_job::explain(&req)?;
    let (rs, e) = (&outcome.rules, &outcome.explanation);
    let mut out = std::io::stdout().lock();
    writeln!(out, "household {} as of {}", req.household, req.as_of)?;
    match &e.scored {
        None => writeln!(out, "no rule fired: not on the list")?,
        Some((h, status)) => {
            let verdict = match status {
                Status::Listed(r) => format!("listed at rank {r}"),
                Status::NotEligible => format!("not listed: score below {}", rs.eligible_min_score),
                Status::NotResident => {
                    "not listed: not in the latest register snapshot (moved away)".into()
                }
                Status::SuppressedRecentContact => format!(
                    "not listed: outreach outcome closed in the last {} days",
                    rs.suppress_recent_contact_days
                ),
                Status::BeyondMaxListed => "not listed: beyond max_listed".into(),
            };
            writeln!(
                out,
                "score {} (eligible from {}), {} domain(s), total arrears {} euros: {verdict}",
                h.score,
                rs.eligible_min_score,
                h.domains,
                vroeg_contracts::value::format_decimal(h.total_arrears_cents, 2)
            )?;
            if let (Some(day), Some(then), Some(min)) = (
                h.last_contact,
                h.arrears_at_contact_cents,
                rs.repeat_min_rise_cents,
            ) {
                let rise = h.total_arrears_cents - then;
                let fmt = |c: i128| vroeg_contracts::value::format_decimal(c, 2);
                let (compared, so) = if h.repeat_lifted(rs.repeat_min_rise_cents) {
                    ("at least", "the suppression is lifted (repeat signal)")
                } else {
                    ("less than", "the suppression stands")
                };
                writeln!(
                    out,
                    "contact closed {day}: total arrears then {} euros, a rise of {} euros since, {compared} {} euros: {so}",
                    fmt(then),
                    fmt(rise),
                    fmt(i128::from(min))
                )?;
            }
        }
    }
    writeln!(out, "\nrules:")?;
    for r in &e.rules {
        writeln!(
            out,
            "  [{}] {:<26} {:>2} pts  {:<12} {}\n        when {}",
            if r.fired { "x" } else { " " },
            r.id,
            r.weight,
            r.domain.as_deref().unwrap_or("-"),
            r.description,
            r.condition
        )?;
    }
    writeln!(out, "\nfeatures:")?;
    for (name, value, description) in &e.features {
        writeln!(out, "  {name:<26} = {value:<12} {description}")?;
    }
    Ok(())
}
