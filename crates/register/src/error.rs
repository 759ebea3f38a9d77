//! The one error of the crate: what `vroeg register` needs from the
//! pipeline file and does not find, or a generated text the register would
//! not take. Every message names the key or field and what to change.

use std::path::PathBuf;
use thiserror::Error;

/// Why the register entry or the DPIA annex cannot be made.
#[derive(Debug, Error)]
pub enum RegisterError {
    /// The pipeline file has no `[register]` section.
    #[error(
        "pipeline file {file}: no [register] section: `vroeg register` takes the entry's human texts (name, description_short, organization, contact_email, status, publication_category, goal, ...) from it; see docs/register.md"
    )]
    NoRegister {
        /// The pipeline file.
        file: PathBuf,
    },
    /// The pipeline file has no rules: there is no algorithm to describe.
    #[error(
        "pipeline file {file}: no rules ([scoring], [features], [rules]): there is no algorithm to register"
    )]
    NoRules {
        /// The pipeline file.
        file: PathBuf,
    },
    /// A key that `vroeg register` needs (and `vroeg check` does not).
    #[error("pipeline file {file}: `{key}`: {message}")]
    Required {
        /// The pipeline file.
        file: PathBuf,
        /// The dotted key, e.g. `features.minors.description_nl`.
        key: String,
        /// Why it is needed and what to write.
        message: String,
    },
    /// A field of the entry that the register would not take, e.g. a
    /// generated text over its limit.
    #[error("pipeline file {file}: algorithm-register.json field `{field}` {message}")]
    Field {
        /// The pipeline file.
        file: PathBuf,
        /// The field of the publication standard.
        field: String,
        /// What is wrong and what to shorten or change.
        message: String,
    },
}
