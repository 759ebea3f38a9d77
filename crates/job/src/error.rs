//! The one error type of the job, and the one place where an outcome
//! becomes an exit code (cli.md): 0 success, 2 usage or pipeline-file
//! error, 3 the inbox or the store cannot be read, 1 anything else.

use datafusion::error::DataFusionError;
use std::path::PathBuf;
use thiserror::Error;
use vroeg_ingest::IngestError;
use vroeg_outputs::OutputError;
use vroeg_pipeline::PipelineError;
use vroeg_report::ReportError;
use vroeg_scoring::ScoringError;
use vroeg_store::StoreError;
use vroeg_synth::SynthError;

/// Why a command failed.
#[derive(Debug, Error)]
pub enum JobError {
    /// An argument cannot be used.
    #[error("{0}")]
    Usage(String),
    /// The pipeline file cannot be used.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The store cannot be opened.
    #[error("cannot open the store {path}: {source}")]
    OpenStore {
        /// The store folder.
        path: PathBuf,
        /// Why.
        source: StoreError,
    },
    /// The store failed after it was opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Taking deliveries from the inbox failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Scoring failed, or a feature or rule does not fit the data.
    #[error(transparent)]
    Scoring(#[from] ScoringError),
    /// Writing the outputs failed.
    #[error(transparent)]
    Outputs(#[from] OutputError),
    /// Rendering the report failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Writing a synthetic inbox failed.
    #[error(transparent)]
    Synth(#[from] SynthError),
    /// The outputs are published but the run history could not be updated.
    #[error(
        "the outputs are published in {out}, but the run could not be added to the store's run history (the next report will not compare with it): {source}"
    )]
    RecordRun {
        /// The out folder.
        out: PathBuf,
        /// Why.
        source: StoreError,
    },
    /// `manifest.json` could not be serialised.
    #[error("writing manifest.json: {0}")]
    Manifest(serde_json::Error),
    /// Pseudonymizing, the contact table, a worklist, the audit log or the
    /// DDAS document failed.
    #[error(transparent)]
    Outreach(#[from] vroeg_outreach::OutreachError),
    /// A file of a policy command could not be written.
    #[error("cannot write {path}: {message}")]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A what-if change cannot be made or shown.
    #[error(transparent)]
    Policy(#[from] vroeg_policy::PolicyError),
    /// The command needs a run the store has not recorded.
    #[error("{0}")]
    NoRecordedRun(String),
    /// The store's audit log is gone while the store shows it was used.
    #[error("{0}")]
    AuditLost(String),
    /// The run's as-of date needs stored periods that were purged after
    /// their retention.
    #[error(
        "as of {as_of} the run needs periods that were purged after their retention and are gone: {gone} (the purge is in the store's audit log)"
    )]
    Purged {
        /// The as-of date.
        as_of: chrono::NaiveDate,
        /// `source period, period; …`.
        gone: String,
    },
    /// The pipeline file lacks what `vroeg register` needs, or a generated
    /// text is longer than the algorithm register takes.
    #[error(transparent)]
    Register(#[from] vroeg_register::RegisterError),
    /// The query engine's runtime could not start.
    #[error("cannot start the query engine: {0}")]
    Runtime(std::io::Error),
}

/// The exit code of a store error: a store that cannot be read (missing,
/// not a store, damaged ledger or run record, a file missing or of another
/// size than its ledger entry says) is 3; a store held by another job or a
/// failing engine is 1.
fn store_code(e: &StoreError) -> u8 {
    match e {
        StoreError::Locked(_)
        | StoreError::DataFusion(_)
        | StoreError::Parquet(_)
        | StoreError::Arrow(_) => 1,
        _ => 3,
    }
}

impl JobError {
    /// The documented exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            JobError::Usage(_) | JobError::Pipeline(_) | JobError::Register(_) => 2,
            JobError::OpenStore { source, .. } => store_code(source),
            JobError::Store(e) => store_code(e),
            JobError::Ingest(IngestError::Inbox { .. }) => 3,
            JobError::Ingest(IngestError::Store(e)) => store_code(e),
            JobError::Ingest(IngestError::Sequence { .. }) => 3,
            JobError::Ingest(IngestError::Contract { .. }) => 1,
            JobError::Scoring(ScoringError::Rule { .. } | ScoringError::NoRules) => 2,
            JobError::Scoring(ScoringError::Store(e)) => store_code(e),
            // The engine only reads the store: a Parquet file it cannot
            // decode (same size as recorded, other bytes) is a damaged store.
            JobError::Scoring(ScoringError::Engine(e))
                if matches!(e.find_root(), DataFusionError::ParquetError(_)) =>
            {
                3
            }
            JobError::Synth(SynthError::Options(_)) => 2,
            JobError::Outreach(e) => e.exit_code(),
            JobError::Policy(e) => e.exit_code(),
            JobError::NoRecordedRun(_) | JobError::AuditLost(_) | JobError::Purged { .. } => 3,
            JobError::Outputs(
                OutputError::OutPath { .. }
                | OutputError::OutNotAFolder { .. }
                | OutputError::OutNotOwned { .. }
                | OutputError::OutOverlaps { .. },
            ) => 2,
            JobError::Scoring(_)
            | JobError::Outputs(_)
            | JobError::Report(_)
            | JobError::Synth(_)
            | JobError::RecordRun { .. }
            | JobError::Manifest(_)
            | JobError::WriteFile { .. }
            | JobError::Runtime(_) => 1,
        }
    }
}
