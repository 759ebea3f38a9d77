//! The job as a library: one public entry per command of `vroeg`, each
//! taking a request and returning a typed outcome or a [`JobError`], whose
//! [`JobError::exit_code`] is the one place exit codes are decided. The
//! binary only parses arguments and prints.
//!
//! ```text
//! run      load → ingest → score → outputs → report → publish → record
//! ingest   load → ingest
//! check    load → plan on empty tables
//! explain  load → check → read the store (no lock) → plan once
//! synth    write a synthetic inbox
//! reveal   load → recorded run → contact table → audit → worklist
//! export   load → recorded runs → their counted rows → DDAS document, audit
//! pseudonymize, audit verify: over the outreach crate
//! whatif   load → change → check both → read the store (no lock) → score both → compare
//! sweep    load → a pipeline per value → features once → score each value
//! backtest load → every month end: the store cut there → score → outcomes after it
//! register load → register entry and DPIA annex → check → write to --out
//! purge    load → lock → finish an interrupted purge → plan → journal → ledger → files → audit
//! ```
//!
//! Where a plan runs is the [`EngineChoice`] seam.

pub mod backtest;
pub mod check;
pub mod engine;
mod error;
pub mod explain;
pub mod export;
pub mod ingest;
mod kept;
pub mod load;
pub mod outreach;
mod pages;
pub mod progress;
pub mod purge;
mod recorded;
pub mod register;
pub mod reveal;
pub mod run;
pub mod sweep;
pub mod synth;
pub mod whatif;

pub use backtest::{BacktestRequest, backtest};
pub use check::{CheckOutcome, check};
pub use engine::EngineChoice;
pub use error::JobError;
pub use explain::{ExplainOutcome, ExplainRequest, explain};
pub use export::{ExportDdasOutcome, ExportDdasRequest, export_ddas};
pub use ingest::ingest;
pub use load::PathOverrides;
pub use outreach::{
    AuditVerified, AuditVerifyRequest, PseudonymizeRequest, audit_verify, pseudonymize,
};
pub use purge::{PurgeAccount, PurgeOutcome, PurgeRequest, purge};
pub use register::{RegisterOutcome, RegisterRequest, register};
pub use reveal::{RevealOutcome, RevealRequest, reveal};
pub use run::{RunOutcome, RunRequest, run};
pub use sweep::{SweepOutcome, SweepRequest, sweep};
pub use synth::synth;
pub use whatif::{WhatIfOutcome, WhatIfRequest, whatif};
