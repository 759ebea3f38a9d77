//! `vroeg`: the command that schedulers call.
//!
//! `main` only maps the outcome of [`run`] to the documented exit codes:
//! 0 success, 2 usage or pipeline-file error, 3 inbox or store unreadable,
//! 1 anything else. Each subcommand lives in its own module.

mod cmd_ingest;
mod cmd_run;
mod cmd_synth;
mod exit;
mod logging;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  The scheduled job on the shipped sample data:
    vroeg run --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31

  Why is a household (not) on the list?
    vroeg explain --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --household KEY

  Take new deliveries from the shipped sample inbox into the store:
    vroeg ingest --pipeline pipelines/zoetermeer.toml

  Write a synthetic inbox of 10,000 households over 24 months, with mess:
    vroeg synth --households 10000 --months 24 --seed 1 --as-of 2026-10-31 --out /tmp/inbox --mess

  Logs for a scheduler, as JSON lines on stderr:
    vroeg --log-format json ingest --pipeline pipelines/zoetermeer.toml";

/// Vroegsignaal: early signals of households with emerging problems, from
/// suppliers' deliveries to a ranked, explained list for outreach teams.
#[derive(Debug, Parser)]
#[command(name = "vroeg", version, after_help = EXAMPLES)]
struct Cli {
    /// Log format on stderr: `human` (default) or `json` for schedulers.
    #[arg(long, global = true, default_value = "human", value_parser = ["human", "json"])]
    log_format: String,
    /// Log level: error, warn, info (default), debug.
    #[arg(long, global = true, default_value = "info")]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The scheduled job: ingest new deliveries, score the as-of date, and
    /// write the ranked list, summary and manifest (all or nothing).
    Run(cmd_run::RunArgs),
    /// Validate a pipeline file: every feature and rule against the data
    /// contract, with the closest valid name for a typo.
    Check(cmd_run::CheckArgs),
    /// Why a household is or is not on the list: every rule, fired or not,
    /// with its thresholds and the feature values that decided it.
    Explain(cmd_run::ExplainArgs),
    /// Take every new delivery from the inbox into the store: validate,
    /// quarantine bad rows, refuse unusable files, commit atomically.
    Ingest(cmd_ingest::Args),
    /// Write a deterministic synthetic inbox (same seed, same bytes).
    Synth(cmd_synth::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(&cli.log_format, &cli.log_level);
    let outcome = match cli.command {
        Command::Run(args) => cmd_run::run(args),
        Command::Check(args) => cmd_run::check(args),
        Command::Explain(args) => cmd_run::explain(args),
        Command::Ingest(args) => cmd_ingest::run(args),
        Command::Synth(args) => cmd_synth::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
