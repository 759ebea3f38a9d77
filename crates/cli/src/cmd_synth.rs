//! `vroeg synth`: arguments and printing; the work is `vroeg_job`'s.

use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use vroeg_synth::SynthOptions;

/// Arguments of `vroeg synth`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg synth --households 3000 --months 24 --seed 42 --as-of 2026-10-31 --out sample-data/inbox --mess --contacts sample-data/contacts.csv"
)]
pub struct Args {
    /// Number of households.
    #[arg(long)]
    households: u64,
    /// Months of deliveries, ending with the last full month on or before --as-of.
    #[arg(long)]
    months: u32,
    /// Seed: same seed, same bytes.
    #[arg(long)]
    seed: u64,
    /// Date the inbox is as of (YYYY-MM-DD).
    #[arg(long)]
    as_of: NaiveDate,
    /// Inbox folder to write.
    #[arg(long)]
    out: PathBuf,
    /// Add realistic mess: bad rows of every reason, header case and order,
    /// a BOM, an extra column, a correction, a duplicate and a refused file.
    #[arg(long)]
    mess: bool,
    /// A household register snapshot every N months, counting back from the last.
    #[arg(long, default_value_t = 6)]
    register_every: u32,
    /// How the deliveries are cut into files: `monthly` (one file per
    /// supplier per month) or `school-weekly` (a full register snapshot
    /// every month and school absence per school per week, many small
    /// files).
    #[arg(long, default_value = "monthly")]
    shape: vroeg_synth::Shape,
    /// Also write a synthetic contact table of the same households (fake
    /// streets and postcodes, mode 0600) to this file, beside the inbox,
    /// never inside it.
    #[arg(long)]
    contacts: Option<PathBuf>,
}

/// Runs `vroeg synth`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let summary = vroeg_job::synth(&SynthOptions {
        households: args.households,
        months: args.months,
        seed: args.seed,
        as_of: args.as_of,
        out: args.out.clone(),
        mess: args.mess,
        register_every: args.register_every,
        shape: args.shape,
        contacts: args.contacts.clone(),
    })?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {} deliveries, {} rows, {} bytes to {}",
        summary.files,
        summary.rows,
        summary.bytes,
        args.out.display()
    )?;
    if let Some(c) = &args.contacts {
        writeln!(
            std::io::stdout().lock(),
            "wrote a contact table of {} households to {}",
            summary.contacts,
            c.display()
        )?;
    }
    Ok(())
}
