//! `vroeg ingest`: new deliveries from the inbox into the store.

use crate::exit::{Failure, Outcome};
use std::path::PathBuf;
use vroeg_ingest::{IngestError, IngestReport, ingest};
use vroeg_pipeline::Pipeline;
use vroeg_store::{DeliveryStatus, Store, StoreError};

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

/// Loads the pipeline named by the arguments, with path overrides applied.
pub fn load_pipeline(
    path: &std::path::Path,
    inbox: Option<PathBuf>,
    store: Option<PathBuf>,
) -> Result<Pipeline, Failure> {
    let mut p = Pipeline::load(path).map_err(|e| Failure::Usage(e.into()))?;
    if let Some(i) = inbox {
        p.inbox = i;
    }
    if let Some(s) = store {
        p.store = s;
    }
    Ok(p)
}

/// Opens the store, mapping "cannot read it at all" to exit code 3.
pub fn open_store(pipeline: &Pipeline) -> Result<Store, Failure> {
    Store::open(&pipeline.store).map_err(|e| match e {
        StoreError::Locked(_) => Failure::Other(e.into()),
        _ => Failure::Unreadable(anyhow::Error::new(e).context(format!(
            "cannot open the store {}",
            pipeline.store.display()
        ))),
    })
}

/// Takes new deliveries into the open store.
pub fn take_deliveries(store: &mut Store, pipeline: &Pipeline) -> Result<IngestReport, Failure> {
    ingest(store, &pipeline.inbox, &pipeline.dialects).map_err(|e| match e {
        IngestError::Inbox { .. } => Failure::Unreadable(e.into()),
        IngestError::Store(_) => Failure::Other(e.into()),
    })
}

/// Runs `vroeg ingest`.
pub fn run(args: Args) -> Outcome {
    let pipeline = load_pipeline(&args.pipeline, args.inbox, args.store)?;
    let mut store = open_store(&pipeline)?;
    let report = take_deliveries(&mut store, &pipeline)?;
    print_report(&report);
    Ok(())
}

/// Prints one line per delivery taken and a total.
pub fn print_report(report: &IngestReport) {
    let (mut read, mut accepted, mut quarantined) = (0, 0, 0);
    if !report.entries.is_empty() {
        println!(
            "{:>6}  {:<9}  {:>9}  {:>9}  {:>11}  delivery",
            "seq", "status", "read", "accepted", "quarantined"
        );
    }
    for e in &report.entries {
        let status = match e.status {
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Refused => "REFUSED",
            DeliveryStatus::Duplicate => "duplicate",
        };
        println!(
            "{:>6}  {:<9}  {:>9}  {:>9}  {:>11}  {}/{}",
            e.seq, status, e.rows_read, e.rows_accepted, e.rows_quarantined, e.source, e.file_name
        );
        if let Some(m) = &e.message {
            println!("        {m}");
        }
        read += e.rows_read;
        accepted += e.rows_accepted;
        quarantined += e.rows_quarantined;
    }
    println!(
        "{} new deliveries ({} refused), {} already taken; rows read {read} = accepted {accepted} + quarantined {quarantined}",
        report.entries.len(),
        report.refused().count(),
        report.skipped
    );
    for (file, err) in &report.unreadable {
        println!("could not read {file}: {err} (tried again next time)");
    }
}
