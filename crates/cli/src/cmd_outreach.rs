//! `vroeg pseudonymize`, `reveal`, `audit verify` and `export ddas`:
//! arguments and printing; the work is `vroeg_job`'s. Nothing printed here
//! holds a key, an input value or a contact row: counts and paths only.

use crate::cmd_run::parse_date;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use vroeg_job::PathOverrides;

/// Arguments of `vroeg pseudonymize`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg pseudonymize --key-file /etc/vroeg/municipal.key --in huur-2026-10.csv \\\n      --out inbox/rent_arrears/2026-10_LA.csv --column adrescode=household_key"
)]
pub struct PseudonymizeArgs {
    /// The municipal key file: at least 32 random bytes, not readable by
    /// other users (chmod 600).
    #[arg(long)]
    key_file: PathBuf,
    /// The CSV to pseudonymize.
    #[arg(long = "in")]
    input: PathBuf,
    /// The CSV to write (a new file; never the input).
    #[arg(long)]
    out: PathBuf,
    /// NAME=household_key or NAME=person_key: replace column NAME by its
    /// keyed pseudonym and rename it. Repeat for more columns.
    #[arg(long = "column", required = true)]
    columns: Vec<String>,
    /// The input's field delimiter, kept in the output.
    #[arg(long, default_value = ",")]
    delimiter: String,
}

/// Arguments of `vroeg reveal`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg reveal --pipeline pipelines/zoetermeer.toml --as-of 2026-10-31 --team noord \\\n      --contacts sample-data/contacts.csv --reason \"monthly worklist\" --out /tmp/noord.csv"
)]
pub struct RevealArgs {
    /// The pipeline file (TOML) with the teams.
    #[arg(long)]
    pipeline: PathBuf,
    /// The as-of date of a recorded run (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    as_of: NaiveDate,
    /// The team whose worklist to write.
    #[arg(long)]
    team: String,
    /// The municipality's contact table (CSV, not readable by other users).
    #[arg(long)]
    contacts: PathBuf,
    /// Why the addresses are needed: kept in the store's audit log.
    #[arg(long)]
    reason: String,
    /// The worklist to create (CSV, mode 0600; must not exist yet).
    #[arg(long)]
    out: PathBuf,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// `vroeg audit …`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain; name the first broken line.
    Verify(AuditVerifyArgs),
}

/// Arguments of `vroeg audit verify`.
#[derive(Debug, clap::Args)]
struct AuditVerifyArgs {
    /// The pipeline file (TOML), for the store's place.
    #[arg(long)]
    pipeline: PathBuf,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
}

/// `vroeg export …`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    command: ExportCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ExportCommand {
    /// The national exchange document (DDAS vroegsignalering v1.2) of the
    /// recorded runs in a period, with the outcomes closed in it.
    Ddas(ExportDdasArgs),
}

/// Arguments of `vroeg export ddas`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  vroeg export ddas --pipeline pipelines/zoetermeer-ddas.toml --from 2026-10-01 --to 2026-10-31 \\\n      --contacts sample-data/contacts.csv --municipality-code GM0637 --supplier-code VROEG --out /tmp/ddas.json"
)]
struct ExportDdasArgs {
    /// The pipeline file (TOML) with the [ddas] section.
    #[arg(long)]
    pipeline: PathBuf,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    from: NaiveDate,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    to: NaiveDate,
    /// The municipality's contact table (CSV, not readable by other users).
    #[arg(long)]
    contacts: PathBuf,
    /// The municipality's CBS code, GM followed by 4 digits.
    #[arg(long)]
    municipality_code: String,
    /// The code of the supplier of the data (codeGegevensleverancier).
    #[arg(long)]
    supplier_code: String,
    /// Why the export is made: kept in the store's audit log.
    #[arg(long, default_value = "DDAS delivery to the national monitor")]
    reason: String,
    /// The JSON file to create (mode 0600; must not exist yet).
    #[arg(long)]
    out: PathBuf,
    /// Store folder, overriding the pipeline file's.
    #[arg(long)]
    store: Option<PathBuf>,
    /// The store's signal-ID key (ddas-id.key) is lost and cannot be
    /// restored: make a new one (every signal gets a new ID).
    #[arg(long)]
    new_id_key: bool,
}

fn overrides(store: Option<PathBuf>) -> PathOverrides {
    PathOverrides { inbox: None, store }
}

/// Runs `vroeg pseudonymize`.
pub fn pseudonymize(args: PseudonymizeArgs) -> anyhow::Result<()> {
    let summary = vroeg_job::pseudonymize(&vroeg_job::PseudonymizeRequest {
        key_file: args.key_file,
        input: args.input,
        output: args.out.clone(),
        columns: args.columns,
        delimiter: args.delimiter,
    })?;
    writeln!(
        std::io::stdout().lock(),
        "pseudonymized {} cells in {} rows ({} empty cells kept empty); wrote {}",
        summary.cells,
        summary.rows,
        summary.empty_cells,
        vroeg_contracts::text::escaped_path(&args.out)
    )?;
    Ok(())
}

/// Runs `vroeg reveal`.
pub fn reveal(args: RevealArgs) -> anyhow::Result<()> {
    let outcome = vroeg_job::reveal(&vroeg_job::RevealRequest {
        pipeline: args.pipeline,
        as_of: args.as_of,
        team: args.team.clone(),
        contacts: args.contacts,
        reason: args.reason,
        out: args.out.clone(),
        paths: overrides(args.store),
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote the worklist of team {} for run {}: {} households to {}",
        vroeg_contracts::text::escaped(&args.team),
        outcome.run_id,
        outcome.households,
        vroeg_contracts::text::escaped_path(&args.out)
    )?;
    writeln!(
        out,
        "{} of them without a row in the contact table (listed with empty contact columns)",
        outcome.without_contact
    )?;
    writeln!(
        out,
        "{} listed households of other teams not written; this reveal is in the audit log",
        outcome.other_teams
    )?;
    Ok(())
}

/// Runs `vroeg audit verify`.
pub fn audit(args: AuditArgs) -> anyhow::Result<()> {
    let AuditCommand::Verify(args) = args.command;
    let verified = vroeg_job::audit_verify(&vroeg_job::AuditVerifyRequest {
        pipeline: args.pipeline,
        paths: overrides(args.store),
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "audit log intact: {} entries", verified.entries)?;
    if verified.interrupted {
        writeln!(
            out,
            "the last append was cut short (audit.head is pending); the next reveal or export completes it"
        )?;
    }
    Ok(())
}

/// Runs `vroeg export ddas`.
pub fn export(args: ExportArgs) -> anyhow::Result<()> {
    let ExportCommand::Ddas(args) = args.command;
    let outcome = vroeg_job::export_ddas(&vroeg_job::ExportDdasRequest {
        pipeline: args.pipeline,
        from: args.from,
        to: args.to,
        contacts: args.contacts,
        municipality_code: args.municipality_code,
        supplier_code: args.supplier_code,
        reason: args.reason,
        out: args.out.clone(),
        paths: overrides(args.store),
        delivered_at: None,
        new_id_key: args.new_id_key,
    })?;
    let s = &outcome.summary;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} signals of {} households and {} cases from {} recorded runs to {}",
        s.signals,
        s.households,
        s.cases,
        outcome.runs,
        vroeg_contracts::text::escaped_path(&args.out)
    )?;
    writeln!(
        out,
        "{} listed households left out for want of a contact row; this export is in the audit log",
        s.households_without_contact
    )?;
    Ok(())
}
