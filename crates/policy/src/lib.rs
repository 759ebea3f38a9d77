//! For policy staff: what a change of the rules would do, before it goes
//! live. Nothing here writes a list for outreach or touches the store: it
//! compares scored lists the job hands it.
//!
//! - [`edit`]: `--set NAME=VALUE` applied to a pipeline file's text, so that
//!   the changed file is validated exactly as `vroeg run` would;
//! - [`whatif`]: two lists compared: counts before and after, households
//!   added and removed per district and per rule, and why each left;
//! - [`sweep`]: the values of `--param NAME=FROM..TO/STEP` and a line per value;
//! - [`backtest`]: past lists replayed and joined to the outcomes after
//!   them, per date and over the period, with [`backtest_csv`] and
//!   [`backtest_page`] for its files;
//! - [`page`]: `whatif.html` and `sweep.html`, masked like the report.

pub mod backtest;
pub mod backtest_csv;
pub mod backtest_page;
pub mod edit;
pub mod page;
pub mod sweep;
pub mod whatif;

pub use vroeg_report::wilson;

pub use edit::{Change, apply_sets};
pub use whatif::{Side, WhatIf, compare};

use thiserror::Error;

/// Why a policy command cannot do what it was asked.
#[derive(Debug, Error)]
pub enum PolicyError {
    /// A `--set` that names no parameter or scoring key, or whose value
    /// cannot be read.
    #[error("--set {arg}: {why}")]
    Set {
        /// The argument as given.
        arg: String,
        /// What is wrong, and what to write instead.
        why: String,
    },
    /// A `--param` range that cannot be swept.
    #[error("--param {arg}: {why}")]
    Param {
        /// The argument as given.
        arg: String,
        /// What is wrong, and what to write instead.
        why: String,
    },
    /// The pipeline file's text is not TOML (it was read before).
    #[error("the pipeline file is not TOML: {0}")]
    Toml(String),
    /// A page could not be rendered.
    #[error("rendering the page: {0}")]
    Page(#[from] minijinja::Error),
    /// A chart could not be drawn.
    #[error("drawing the chart: {0}")]
    Chart(String),
}

impl PolicyError {
    /// The documented exit code: 2 for what the user wrote, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            PolicyError::Set { .. } | PolicyError::Param { .. } | PolicyError::Toml(_) => 2,
            PolicyError::Page(_) | PolicyError::Chart(_) => 1,
        }
    }
}
