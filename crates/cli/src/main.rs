//! `vroeg`: the command that schedulers call.
//!
//! The binary parses arguments, calls the job library (`vroeg_job`) and
//! prints. `main` maps the outcome of [`run`] to the documented exit codes,
//! which the job decides (`JobError::exit_code`): 0 success, 2 usage or
//! pipeline-file error, 3 inbox or store unreadable, 1 anything else. A
//! closed stdout (`vroeg run | head`) is a quiet success.

mod cmd_ingest;
mod cmd_outreach;
mod cmd_policy;
mod cmd_purge;
mod cmd_register;
mod cmd_run;
mod cmd_synth;
mod logging;
mod progress;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  The scheduled job on the shipped sample data:
    vroeg run --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31

  Why is a household (not) on the list?
    vroeg explain --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --household KEY

  Take new deliveries from the shipped sample inbox into the store:
    vroeg ingest --pipeline pipelines/zoetermeer.toml

  A team's worklist with addresses (audited), then the national export:
    vroeg reveal --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --team noord --contacts sample-data/contacts.csv --reason \"monthly worklist\" --out /tmp/noord.csv
    vroeg export ddas --pipeline pipelines/zoetermeer.toml --from 2026-10-01 --to 2026-10-31 --contacts sample-data/contacts.csv --municipality-code GM0637 --supplier-code VROEG --out /tmp/ddas.json
    vroeg audit verify --pipeline pipelines/zoetermeer.toml

  Write a synthetic inbox of 10,000 households over 24 months, with mess:
    vroeg synth --households 10000 --months 24 --seed 1 --as-of 2026-10-31 --out /tmp/inbox --mess

  Delete what is past its retention (first see what would go):
    vroeg purge --pipeline pipelines/zoetermeer.toml --dry-run

  The algorithm-register entry and the DPIA annex, from the pipeline file:
    vroeg register --pipeline pipelines/zoetermeer.toml --out /tmp/register

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
    /// Log level of vroeg's own messages; other libraries log warnings only.
    #[arg(long, global = true, default_value = "info", value_parser = logging::LEVELS)]
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
    /// For a supplier: replace identifying columns of a CSV by keyed
    /// pseudonyms (HMAC-SHA256 under the municipal key).
    Pseudonymize(cmd_outreach::PseudonymizeArgs),
    /// A team's worklist with addresses, for a recorded run (audited).
    Reveal(cmd_outreach::RevealArgs),
    /// The audit log of reveals and exports: `vroeg audit verify`.
    Audit(cmd_outreach::AuditArgs),
    /// Exports: `vroeg export ddas`, the national exchange format.
    Export(cmd_outreach::ExportArgs),
    /// For policy staff: the list under a changed parameter or a candidate
    /// pipeline file beside the list as it is (writes no list, changes no store).
    Whatif(cmd_policy::WhatIfArgs),
    /// For policy staff: the list under every value of one parameter
    /// (listed, eligible, overlap with today's list, per team or district).
    Sweep(cmd_policy::SweepArgs),
    /// For policy staff: the pipeline replayed at every month end of a
    /// period, with the outcomes closed after each list.
    Backtest(cmd_policy::BacktestArgs),
    /// The public paperwork from the pipeline file: the algorithm-register
    /// entry (publication standard 1.0) and the facts for the DPIA.
    Register(cmd_register::Args),
    /// Delete what is past its retention: stored periods, their quarantine
    /// files, old run records and output folders; the account goes to the
    /// audit log.
    Purge(cmd_purge::Args),
}

/// Parses the arguments and runs one command.
fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    logging::init(&cli.log_format, &cli.log_level);
    progress::init(&cli.log_format);
    let outcome = match cli.command {
        Command::Run(args) => cmd_run::run(args),
        Command::Check(args) => cmd_run::check(args),
        Command::Explain(args) => cmd_run::explain(args),
        Command::Ingest(args) => cmd_ingest::run(args),
        Command::Synth(args) => cmd_synth::run(args),
        Command::Pseudonymize(args) => cmd_outreach::pseudonymize(args),
        Command::Reveal(args) => cmd_outreach::reveal(args),
        Command::Audit(args) => cmd_outreach::audit(args),
        Command::Export(args) => cmd_outreach::export(args),
        Command::Whatif(args) => cmd_policy::whatif(args),
        Command::Sweep(args) => cmd_policy::sweep(args),
        Command::Backtest(args) => cmd_policy::backtest(args),
        Command::Register(args) => cmd_register::run(args),
        Command::Purge(args) => cmd_purge::run(args),
    };
    progress::clear();
    outcome
}

/// Whether the error is stdout closed by its reader.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let err = match run() {
        Ok(()) => return ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => return ExitCode::SUCCESS,
        Err(err) => err,
    };
    let code = err
        .downcast_ref::<vroeg_job::JobError>()
        .map_or(1, vroeg_job::JobError::exit_code);
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "vroeg: error: {err}");
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
    ExitCode::from(code)
}
