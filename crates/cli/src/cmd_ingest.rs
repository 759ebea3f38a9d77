//! `vroeg ingest`: arguments and printing; the work is `vroeg_job`'s.

use std::io::Write;
use std::path::PathBuf;
use vroeg_contracts::text::escaped;
use vroeg_ingest::IngestReport;
use vroeg_job::PathOverrides;
use vroeg_store::DeliveryStatus;

/// Arguments of `vroeg ingest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg ingest --pipeline pipelines/zoetermeer.toml --store /var/lib/vroeg/store"
)]
pub struct Args {
    /// The pipeline file (TOML).
    #[arg(long)]
    pub pipeline: PathBuf,
    /// Inbox folder, overriding the pipeline file's.
    #[arg(long)]
    pub inbox: Option<PathBuf>,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    pub store: Option<PathBuf>,
}

/// Runs `vroeg ingest`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let report = vroeg_job::ingest(
        &args.pipeline,
        &PathOverrides {
            inbox: args.inbox,
            store: args.store,
        },
    )?;
    print_report(&report)
}

/// Prints one line per delivery taken and a total.
pub fn print_report(report: &IngestReport) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let (mut read, mut accepted, mut quarantined) = (0, 0, 0);
    if !report.entries.is_empty() {
        writeln!(
            out,
            "{:>6}  {:<9}  {:>9}  {:>9}  {:>11}  delivery",
            "seq", "status", "read", "accepted", "quarantined"
        )?;
    }
    for e in &report.entries {
        let status = match e.status {
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Refused => "REFUSED",
            DeliveryStatus::Duplicate => "duplicate",
        };
        writeln!(
            out,
            "{:>6}  {:<9}  {:>9}  {:>9}  {:>11}  {}/{}",
            e.seq,
            status,
            e.rows_read,
            e.rows_accepted,
            e.rows_quarantined,
            e.source,
            escaped(&e.file_name)
        )?;
        if let Some(m) = &e.message {
            writeln!(out, "        {m}")?;
        }
        read += e.rows_read;
        accepted += e.rows_accepted;
        quarantined += e.rows_quarantined;
    }
    writeln!(
        out,
        "{} new deliveries ({} refused), {} already taken; rows read {read} = accepted {accepted} + quarantined {quarantined}",
        report.entries.len(),
        report.refused().count(),
        report.skipped
    )?;
    for (file, date, whole) in &report.purged {
        let what = if *whole {
            "purged"
        } else {
            "partly purged (its older periods)"
        };
        writeln!(
            out,
            "{file}: {what} on {date} after its retention; not taken in again"
        )?;
    }
    for (file, err) in &report.unreadable {
        writeln!(out, "could not read {file}: {err} (tried again next time)")?;
    }
    Ok(())
}
